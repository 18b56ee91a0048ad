"""The read side of the commission: the meetings a member sits on."""

import sqlalchemy as sa

from grants.extensions import db
from scoring.commission.models import Meeting, Member


def meetings_of(user):
    """(meeting, member) for each meeting the user sits on, the latest first."""
    return db.session.execute(
        sa.select(Meeting, Member).join(Member, Member.meeting_id == Meeting.id)
        .where(Member.user_id == user.id).order_by(Meeting.held_at.desc(), Meeting.id.desc())
    ).all()
