"""The NGO's track record on its profile: its agreements with their money and evaluation rating."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from grants.agreements.models import Agreement
from grants.agreements.queries import totals
from grants.calls.models import Topic
from grants.extensions import db
from grants.monitoring.models import Evaluation


@dataclass(frozen=True)
class TrackRow:
    agreement: Agreement
    rating: int | None  # the evaluation's rating, if evaluated
    totals: object  # grants.agreements.queries.Totals


def track_record(organization):
    """The NGO's agreements, newest first, with their evaluation rating: one query, then `totals`."""
    rows = db.session.execute(
        sa.select(Agreement, Evaluation.rating)
        .outerjoin(Evaluation, Evaluation.agreement_id == Agreement.id)
        .where(Agreement.organization_id == organization.id)
        .options(joinedload(Agreement.topic).joinedload(Topic.call))
        .order_by(Agreement.created_at.desc(), Agreement.id.desc())).unique().all()
    money = totals(a.id for a, _rating in rows)
    return [TrackRow(a, rating, money[a.id]) for a, rating in rows]
