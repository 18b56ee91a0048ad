"""The read side of the commission: the meetings a member sits on, and what its published meetings left
undecided."""

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from grants.applications.models import Application, Status
from grants.auth.models import Role, User, UserRole
from grants.calls.models import Topic
from grants.extensions import db
from scoring import ranking
from scoring.commission.models import Decision, Meeting, MeetingState, Member


def commission_people():
    """The active users with the commission member role: whom a meeting or an appeals panel is named from."""
    return db.session.execute(
        sa.select(User).join(UserRole).where(UserRole.role == Role.commission.value, User.active)
        .order_by(User.full_name)).scalars().all()


def meetings_of(user):
    """(meeting, member) for each meeting the user sits on, the latest first."""
    return db.session.execute(
        sa.select(Meeting, Member).join(Member, Member.meeting_id == Meeting.id)
        .where(Member.user_id == user.id).order_by(Meeting.held_at.desc(), Meeting.id.desc())
    ).all()


def undecided(call, meetings, ranked=None, decided=()):
    """The call's eligible applications that one of the published `meetings` covers and did not decide: the
    commission decides only fully scored ones. Each with its row of the call's ranking (`ranked`, when the caller
    has it), which counts the sheets submitted and still awaited, or None where no expert was assigned at all.
    `decided`: ids of applications with a published decision (one an upheld appeal reopened is eligible again)."""
    ranked = ranking.ranking(call) if ranked is None else ranked
    rows = {row.application.id: row for topic_rows in ranked.values() for row in topic_rows}
    eligible = db.session.execute(
        sa.select(Application).join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, Application.status == Status.eligible)
        .order_by(Application.receipt_number)).scalars().all()
    return [(a, rows.get(a.id)) for a in eligible if a.id not in decided and any(m.covers(a) for m in meetings)]


def stands():
    """A clause for a query of published decisions joined to their Meeting: the decision stands, no rehearing
    published a later one on its application."""
    later, later_meeting = aliased(Decision), aliased(Meeting)
    return ~sa.exists().where(later.application_id == Decision.application_id,
                              later_meeting.id == later.meeting_id, later_meeting.state == MeetingState.published,
                              later_meeting.published_at > Meeting.published_at)
