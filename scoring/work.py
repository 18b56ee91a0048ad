"""Scoring's part of the operator's My work: eligible applications a lead follows that still lack experts."""

import sqlalchemy as sa
from flask import url_for

from grants.applications.models import Application, Status
from grants.calls.models import Call, Topic
from grants.extensions import db
from grants.work.sources import Item, application_title
from scoring.assignments.models import ACTIVE, Assignment
from scoring.sheets.models import ScoringRules


def to_assign(user, now):
    """Eligible applications I lead with fewer experts than their call asks for, by the scoring deadline."""
    held = (sa.select(sa.func.count(Assignment.id)).where(Assignment.application_id == Application.id,
                                                          Assignment.state.in_(ACTIVE))
            .correlate(Application).scalar_subquery())
    rows = db.session.execute(
        sa.select(Application, ScoringRules.deadline).join(Topic, Topic.id == Application.topic_id)
        .join(Call, Call.id == Topic.call_id).outerjoin(ScoringRules, ScoringRules.call_id == Call.id)
        .where(Application.lead_id == user.id, Application.status == Status.eligible,
               held < Call.experts_per_application)
        .order_by(ScoringRules.deadline, Application.receipt_number)).all()
    return [Item(application_title(a), url_for("assignments.call_assignments", call_id=a.call.id), due=deadline)
            for a, deadline in rows]
