"""The read side of the commission: the meetings a member sits on, and what its published meetings left
undecided."""

import sqlalchemy as sa

from grants.applications.models import Application, Status
from grants.calls.models import Topic
from grants.extensions import db
from scoring import ranking
from scoring.commission.models import Meeting, Member


def meetings_of(user):
    """(meeting, member) for each meeting the user sits on, the latest first."""
    return db.session.execute(
        sa.select(Meeting, Member).join(Member, Member.meeting_id == Meeting.id)
        .where(Member.user_id == user.id).order_by(Meeting.held_at.desc(), Meeting.id.desc())
    ).all()


def undecided(call, meetings, ranked=None):
    """The call's eligible applications that one of the published `meetings` covers and did not decide: the
    commission decides only fully scored ones. Each with its row of the call's ranking (`ranked`, when the caller
    has it), which counts the sheets submitted and still awaited, or None where no expert was assigned at all."""
    ranked = ranking.ranking(call) if ranked is None else ranked
    rows = {row.application.id: row for topic_rows in ranked.values() for row in topic_rows}
    eligible = db.session.execute(
        sa.select(Application).join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, Application.status == Status.eligible)
        .order_by(Application.receipt_number)).scalars().all()
    return [(a, rows.get(a.id)) for a in eligible if any(m.covers(a) for m in meetings)]
