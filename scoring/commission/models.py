"""A commission meeting, its members and their attendance, and its decision on each application."""

import enum
import math
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.applications.models import Application
from grants.auth.models import User
from grants.calls.models import Call
from grants.db import UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import _l, pgettext
from grants.reference.models import Direction


class MeetingState(enum.StrEnum):
    planned = "planned"
    approved = "approved"  # the protocol is approved: decisions are final
    published = "published"

    @property
    def title(self):
        return {
            MeetingState.planned: pgettext("meeting status", "Planned"),
            MeetingState.approved: pgettext("meeting status", "Protocol approved"),
            MeetingState.published: pgettext("meeting status", "Results published"),
        }[self]


class Attendance(enum.StrEnum):
    absent = "absent"
    in_person = "in_person"
    remote = "remote"

    @property
    def title(self):
        return {Attendance.absent: _l("Absent"), Attendance.in_person: _l("In person"),
                Attendance.remote: _l("Remotely")}[self]


class NamedBy(enum.StrEnum):
    operator = "operator"
    ngos = "ngos"

    @property
    def title(self):
        return {NamedBy.operator: _l("Named by the operator"), NamedBy.ngos: _l("Named by NGOs")}[self]


class Outcome(enum.StrEnum):
    awarded = "awarded"
    reserve = "reserve"
    rejected = "rejected"

    @property
    def title(self):
        return {
            Outcome.awarded: pgettext("commission decision", "Awarded"),
            Outcome.reserve: pgettext("commission decision", "Reserve list"),
            Outcome.rejected: pgettext("commission decision", "Not supported"),
        }[self]


class Meeting(db.Model):
    __tablename__ = "commission_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    direction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("directions.id"))  # None: the whole call
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(400), default="")
    state: Mapped[str] = mapped_column(sa.String(16), default=MeetingState.planned)
    appeal_days: Mapped[int] = mapped_column(default=5)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    call: Mapped[Call] = relationship(lazy="joined")
    direction: Mapped[Direction | None] = relationship(lazy="joined")
    members: Mapped[list["Member"]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                   order_by="Member.id")
    decisions: Mapped[list["Decision"]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                       order_by="Decision.id")

    __table_args__ = (
        sa.CheckConstraint("state IN ('planned', 'approved', 'published')", name="state"),
        sa.CheckConstraint("state = 'planned' OR approved_at IS NOT NULL", name="approved_has_time"),
        sa.CheckConstraint("appeal_days BETWEEN 0 AND 60", name="appeal_days"),
    )

    @property
    def quorum(self):
        """Two thirds of the members, rounded up."""
        return math.ceil(len(self.members) * 2 / 3)

    @property
    def present(self):
        return [m for m in self.members if m.attendance != Attendance.absent]

    @property
    def has_quorum(self):
        return bool(self.members) and len(self.present) >= self.quorum

    def covers(self, application):
        return self.direction_id is None or application.topic.direction_id == self.direction_id


class Member(db.Model):
    __tablename__ = "commission_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("commission_meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    named_by: Mapped[str] = mapped_column(sa.String(12))
    is_chair: Mapped[bool] = mapped_column(default=False)
    attendance: Mapped[str] = mapped_column(sa.String(12), default=Attendance.absent)

    meeting: Mapped[Meeting] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "user_id", name="uq_commission_members_meeting_user"),
        sa.CheckConstraint("named_by IN ('operator', 'ngos')", name="named_by"),
        sa.CheckConstraint("attendance IN ('absent', 'in_person', 'remote')", name="attendance"),
    )


class Decision(db.Model):
    """The commission's decision on one application, with the votes and, where it departs from
    the ranking, the reason."""

    __tablename__ = "commission_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("commission_meetings.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), unique=True)
    outcome: Mapped[str] = mapped_column(sa.String(12))
    rank: Mapped[int | None]
    score: Mapped[float | None] = mapped_column(sa.Numeric(8, 2))
    votes_for: Mapped[int] = mapped_column(default=0)
    votes_against: Mapped[int] = mapped_column(default=0)
    votes_abstained: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="decisions")
    application: Mapped[Application] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("outcome IN ('awarded', 'reserve', 'rejected')", name="outcome"),
        sa.CheckConstraint("votes_for >= 0 AND votes_against >= 0 AND votes_abstained >= 0", name="votes"),
    )


class AppealState(enum.StrEnum):
    filed = "filed"
    upheld = "upheld"
    dismissed = "dismissed"

    @property
    def title(self):
        return {
            AppealState.filed: pgettext("appeal status", "Under consideration"),
            AppealState.upheld: pgettext("appeal status", "Upheld"),
            AppealState.dismissed: pgettext("appeal status", "Dismissed"),
        }[self]


class Appeal(db.Model):
    """An NGO's appeal against the published result, and the operator's answer; both stay on the record."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    filed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(sa.String(12), default=AppealState.filed, index=True)
    resolution: Mapped[str | None] = mapped_column(sa.Text)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship(lazy="joined")
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])

    __table_args__ = (
        sa.CheckConstraint("state IN ('filed', 'upheld', 'dismissed')", name="state"),
        sa.CheckConstraint("state = 'filed' OR (resolution IS NOT NULL AND resolved_at IS NOT NULL)",
                           name="resolved_has_answer"),
    )
