"""An expert assigned to an application, and their declaration of conflict of interest."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.applications.models import Application
from grants.auth.models import User
from grants.db import UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import _l, pgettext
from scoring.experts.models import Expert


class State(enum.StrEnum):
    """Until the expert answers the conflict question they see only the title, topic and summary."""

    awaiting_declaration = "awaiting_declaration"
    accepted = "accepted"
    declined = "declined"  # the expert declared a conflict and abstains
    recused = "recused"  # the operator took the expert off

    @property
    def title(self):
        return {
            State.awaiting_declaration: pgettext("assignment status", "Awaiting the declaration"),
            State.accepted: pgettext("assignment status", "No conflict"),
            State.declined: pgettext("assignment status", "Conflict declared"),
            State.recused: pgettext("assignment status", "Recused"),
        }[self]


class Conflict(enum.StrEnum):
    member = "member"
    board = "board"
    staff = "staff"
    paid = "paid"
    relative = "relative"
    other = "other"

    @property
    def title(self):
        return {Conflict.member: _l("Member or founder of the NGO"), Conflict.board: _l("Board member of the NGO"),
                Conflict.staff: _l("Staff or head of the NGO"), Conflict.paid: _l("Received money from the NGO "
                                                                                  "in the last year"),
                Conflict.relative: _l("A close relative works at the NGO"), Conflict.other: _l("Other")}[self]


ACTIVE = (State.awaiting_declaration, State.accepted)
_states = ", ".join(f"'{s.value}'" for s in State)
_conflicts = ", ".join(f"'{c.value}'" for c in Conflict)


class Assignment(db.Model):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("experts.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(24), default=State.awaiting_declaration, index=True)
    reason: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # why the solver (or the operator) chose them
    by_hand: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str | None] = mapped_column(sa.Text)
    conflict: Mapped[str | None] = mapped_column(sa.String(16))
    conflict_note: Mapped[str | None] = mapped_column(sa.Text)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recused_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recusal_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(lazy="joined")
    expert: Mapped[Expert] = relationship(lazy="joined")
    recused_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("application_id", "expert_id", name="uq_assignments_application_expert"),
        sa.CheckConstraint(f"state IN ({_states})", name="state"),
        sa.CheckConstraint(f"conflict IS NULL OR conflict IN ({_conflicts})", name="conflict"),
        sa.CheckConstraint("state != 'declined' OR conflict IS NOT NULL", name="declined_names_conflict"),
        sa.CheckConstraint("state = 'awaiting_declaration' OR state = 'recused' OR declared_at IS NOT NULL",
                           name="declared_has_time"),
        sa.CheckConstraint("by_hand = false OR override_reason IS NOT NULL", name="by_hand_has_reason"),
    )
