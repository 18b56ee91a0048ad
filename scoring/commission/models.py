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


class VotingRule(enum.StrEnum):
    """How a motion on an application is carried, by the votes of the members who vote on it (for or against;
    an abstention is no vote). The call's regulation states it; the meeting is convened under it."""

    majority_chair = "majority_chair"  # more for than against; on a tie, the chair's vote decides
    majority = "majority"  # more for than against; a tie is not carried
    two_thirds = "two_thirds"  # at least two thirds of those voting are for

    @property
    def title(self):
        return {
            VotingRule.majority_chair: _l("Simple majority of those voting; on a tie, the chair's vote decides"),
            VotingRule.majority: _l("Simple majority of those voting; a tie is not carried"),
            VotingRule.two_thirds: _l("Two thirds of those voting"),
        }[self]

    def carried(self, votes_for, votes_against, chair_for):
        """Whether a motion with these votes is carried (`chair_for`: the chair voted for it)."""
        if self == VotingRule.two_thirds:
            return votes_for > 0 and 3 * votes_for >= 2 * (votes_for + votes_against)
        if votes_for != votes_against:
            return votes_for > votes_against
        return self == VotingRule.majority_chair and votes_for > 0 and chair_for


class Choice(enum.StrEnum):
    """A member's vote on a motion."""

    for_ = "for"
    against = "against"
    abstain = "abstain"

    @property
    def title(self):
        return {Choice.for_: pgettext("vote", "For"), Choice.against: pgettext("vote", "Against"),
                Choice.abstain: pgettext("vote", "Abstained")}[self]


class Meeting(db.Model):
    __tablename__ = "commission_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    direction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("directions.id"))  # None: the whole call
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(400), default="")
    state: Mapped[str] = mapped_column(sa.String(16), default=MeetingState.planned)
    appeal_days: Mapped[int] = mapped_column(default=5)
    voting_rule: Mapped[str] = mapped_column(sa.String(16), default=VotingRule.majority_chair,
                                             server_default=VotingRule.majority_chair)
    rehearing: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # decides upheld appeals again
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the audit chain's head when the results were published, printed in the protocol (grants/audit.py)
    audit_head_position: Mapped[int | None]
    audit_head_hash: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    call: Mapped[Call] = relationship(lazy="joined")
    direction: Mapped[Direction | None] = relationship(lazy="joined")
    members: Mapped[list["Member"]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                   order_by="Member.id")
    decisions: Mapped[list["Decision"]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                       order_by="Decision.id")
    motions: Mapped[list["Motion"]] = relationship(cascade="all, delete-orphan", order_by="Motion.id",
                                                   lazy="selectin")
    appeals: Mapped[list["Appeal"]] = relationship(back_populates="meeting", order_by="Appeal.id", lazy="selectin")

    __table_args__ = (
        sa.CheckConstraint("state IN ('planned', 'approved', 'published')", name="state"),
        sa.CheckConstraint("state = 'planned' OR approved_at IS NOT NULL", name="approved_has_time"),
        sa.CheckConstraint("appeal_days BETWEEN 0 AND 60", name="appeal_days"),
        sa.CheckConstraint("voting_rule IN ('majority_chair', 'majority', 'two_thirds')", name="voting_rule"),
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
        """A rehearing covers the applications whose upheld appeals it hears; any other meeting its direction."""
        if self.rehearing:
            return any(a.application_id == application.id for a in self.appeals)
        return self.direction_id is None or application.topic.direction_id == self.direction_id

    def voters_on(self, application_id):
        """The members present who vote on an application: not those conflicted on it."""
        return [m for m in self.present if not m.conflicted_on(application_id)]

    def conflicted_on(self, application_id):
        return [m for m in self.members if m.conflicted_on(application_id)]

    def has_quorum_on(self, application_id):
        """A conflicted member does not count towards the quorum on that application."""
        return bool(self.members) and len(self.voters_on(application_id)) >= self.quorum

    def motion_on(self, application_id):
        return next((m for m in self.motions if m.application_id == application_id), None)

    @property
    def chair(self):
        return next((m for m in self.members if m.is_chair), None)

    def roll_call(self, application_id):
        """{"for", "against", "abstain": [members], "conflicted": [members]} on an application, from its motion's
        votes and the declarations: what the protocol says of each member."""
        motion = self.motion_on(application_id)
        votes = {v.member_id: v.choice for v in motion.votes} if motion else {}
        named = {c.value: [m for m in self.members if votes.get(m.id) == c] for c in Choice}
        return {**named, "conflicted": self.conflicted_on(application_id)}


class Member(db.Model):
    __tablename__ = "commission_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("commission_meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    named_by: Mapped[str] = mapped_column(sa.String(12))
    is_chair: Mapped[bool] = mapped_column(default=False)
    attendance: Mapped[str] = mapped_column(sa.String(12), default=Attendance.absent)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # their conflicts declared, per application

    meeting: Mapped[Meeting] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")
    declarations: Mapped[list["Declaration"]] = relationship(back_populates="member", cascade="all, delete-orphan",
                                                             order_by="Declaration.id", lazy="selectin")

    @property
    def present(self):
        return self.attendance != Attendance.absent

    def conflicted_on(self, application_id):
        return any(d.conflicted for d in self.declarations if d.application_id == application_id)

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "user_id", name="uq_commission_members_meeting_user"),
        sa.CheckConstraint("named_by IN ('operator', 'ngos')", name="named_by"),
        sa.CheckConstraint("attendance IN ('absent', 'in_person', 'remote')", name="attendance"),
    )


class Declaration(db.Model):
    """A member's declaration on one application before the meeting: a conflict of interest or none. The platform's
    own finding (the NGO's or a partner's BIN, a partner's IIN, the member's own NGO) is a conflict the member
    cannot declare away."""

    __tablename__ = "commission_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("commission_members.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"))
    conflicted: Mapped[bool] = mapped_column(default=False)
    detected: Mapped[bool] = mapped_column(default=False)  # found by the platform, not only declared
    note: Mapped[str] = mapped_column(sa.Text, default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(back_populates="declarations")

    __table_args__ = (
        sa.UniqueConstraint("member_id", "application_id", name="uq_commission_declarations_member_application"),
        sa.CheckConstraint("conflicted OR NOT detected", name="detected_is_conflict"),
    )


class Motion(db.Model):
    """What the secretary puts to the vote on one application: an outcome and, where it departs from the ranking,
    the reason. Each member present and not conflicted votes on it; carried, it becomes the decision."""

    __tablename__ = "commission_motions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("commission_meetings.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(sa.String(12))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    votes: Mapped[list["Vote"]] = relationship(back_populates="motion", cascade="all, delete-orphan",
                                               order_by="Vote.id", lazy="selectin")

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "application_id", name="uq_commission_motions_meeting_application"),
        sa.CheckConstraint("outcome IN ('awarded', 'reserve', 'rejected')", name="outcome"),
    )

    def vote_of(self, member):
        return next((v for v in self.votes if v.member_id == member.id), None)


class Vote(db.Model):
    """One member's vote on a motion: recorded by the secretary for a member in the room, cast by the member in
    the platform when remote."""

    __tablename__ = "commission_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(sa.ForeignKey("commission_motions.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("commission_members.id", ondelete="CASCADE"))
    choice: Mapped[str] = mapped_column(sa.String(8))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    remote: Mapped[bool] = mapped_column(default=False)  # cast by the member themself
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    motion: Mapped[Motion] = relationship(back_populates="votes")
    member: Mapped[Member] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("motion_id", "member_id", name="uq_commission_votes_motion_member"),
        sa.CheckConstraint("choice IN ('for', 'against', 'abstain')", name="choice"),
    )


class Decision(db.Model):
    """The commission's decision on one application: the motion it carried, the votes counted from the roll call
    (never typed), the members who abstained for a conflict of interest and, where it departs from the ranking, the
    reason."""

    __tablename__ = "commission_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("commission_meetings.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"))
    outcome: Mapped[str] = mapped_column(sa.String(12))
    rank: Mapped[int | None]
    score: Mapped[float | None] = mapped_column(sa.Numeric(8, 2))
    votes_for: Mapped[int] = mapped_column(default=0)
    votes_against: Mapped[int] = mapped_column(default=0)
    votes_abstained: Mapped[int] = mapped_column(default=0)
    votes_conflicted: Mapped[int] = mapped_column(default=0, server_default="0")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="decisions")
    application: Mapped[Application] = relationship(lazy="joined")

    __table_args__ = (
        # one decision per meeting; a second one on the application only by a rehearing after an upheld appeal
        sa.UniqueConstraint("meeting_id", "application_id", name="uq_commission_decisions_meeting_application"),
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
    """An NGO's appeal against the published result and the answer of the call's appeals panel; both stay on the
    record. An upheld appeal sets the contested score sheet aside, a new expert scores in its place, and a rehearing
    meeting of the commission decides the application again."""

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
    set_aside_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignments.id"))  # the contested sheet's
    rescored_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignments.id"))  # the new expert's
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("commission_meetings.id"))  # the rehearing

    application: Mapped[Application] = relationship(lazy="joined")
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    meeting: Mapped[Meeting | None] = relationship(back_populates="appeals")

    __table_args__ = (
        sa.CheckConstraint("state IN ('filed', 'upheld', 'dismissed')", name="state"),
        sa.CheckConstraint("state = 'filed' OR (resolution IS NOT NULL AND resolved_at IS NOT NULL)",
                           name="resolved_has_answer"),
        sa.CheckConstraint("state = 'upheld' OR (set_aside_id IS NULL AND rescored_by_id IS NULL AND meeting_id IS "
                           "NULL)", name="only_upheld_reopens"),
        sa.CheckConstraint("state != 'upheld' OR (set_aside_id IS NOT NULL AND rescored_by_id IS NOT NULL)",
                           name="upheld_rescores"),
    )


class AppealPanelist(db.Model):
    """A member of the appeals panel the call names: they, not the operator who ran the call, hear its appeals."""

    __tablename__ = "appeal_panelists"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    named_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")

    __table_args__ = (sa.UniqueConstraint("call_id", "user_id", name="uq_appeal_panelists_call_user"),)
