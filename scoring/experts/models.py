"""An expert of the register, the directions they know, and the organisations they are tied to."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.auth.models import User
from grants.db import UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import _l
from grants.reference.models import Direction, Region

expert_directions = sa.Table(
    "expert_directions",
    db.metadata,
    sa.Column("expert_id", sa.ForeignKey("experts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("direction_id", sa.ForeignKey("directions.id"), primary_key=True),
)


class Expert(db.Model):
    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    iin: Mapped[str | None] = mapped_column(sa.String(12), unique=True)
    reads_kk: Mapped[bool] = mapped_column(default=True)
    reads_ru: Mapped[bool] = mapped_column(default=True)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last digest of pending work

    user: Mapped[User] = relationship(lazy="joined")
    region: Mapped[Region | None] = relationship(lazy="joined")
    directions: Mapped[list[Direction]] = relationship(secondary=expert_directions, order_by=Direction.code)
    affiliations: Mapped[list["Affiliation"]] = relationship(back_populates="expert", cascade="all, delete-orphan",
                                                             order_by="Affiliation.id")
    relatives: Mapped[list["Relative"]] = relationship(back_populates="expert", cascade="all, delete-orphan",
                                                       order_by="Relative.id")

    __table_args__ = (sa.CheckConstraint("reads_kk OR reads_ru", name="reads_a_language"),)

    @property
    def languages(self):
        return frozenset(lang for lang, ok in (("kk", self.reads_kk), ("ru", self.reads_ru)) if ok)

    @property
    def name(self):
        return self.user.full_name


class Tie(enum.StrEnum):
    """How an expert is tied to an organisation; every kind is a conflict of interest."""

    member = "member"
    board = "board"
    head = "head"
    staff = "staff"
    paid = "paid"
    relative = "relative"

    @property
    def title(self):
        return TIE_TITLES[self]


TIE_TITLES = {
    Tie.member: _l("Member or founder"),
    Tie.board: _l("Board member"),
    Tie.head: _l("Head"),
    Tie.staff: _l("Staff"),
    Tie.paid: _l("Paid the expert in the last year"),
    Tie.relative: _l("A close relative works there"),
}
_ties = ", ".join(f"'{t.value}'" for t in Tie)


class Affiliation(db.Model):
    """An organisation the expert is tied to, by its BIN: the basis of automatic conflict checks."""

    __tablename__ = "expert_affiliations"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    bin: Mapped[str] = mapped_column(sa.String(12), index=True)
    organisation_name: Mapped[str] = mapped_column(sa.String(400))
    tie: Mapped[str] = mapped_column(sa.String(16))
    until: Mapped[date | None]  # a past tie (e.g. paid work) stops counting a year after it ended

    expert: Mapped[Expert] = relationship(back_populates="affiliations")

    __table_args__ = (sa.CheckConstraint(f"tie IN ({_ties})", name="tie"),
                      sa.CheckConstraint("length(bin) = 12", name="bin_length"))

    def counts_on(self, day):
        return self.until is None or (day - self.until).days <= 365


class Relative(db.Model):
    """A close relative of the expert, by IIN: an application naming them as a partner is refused.

    The relative's workplace is an affiliation with the tie "relative"; the name is only for the
    operator's fuzzy flag, never for a refusal.
    """

    __tablename__ = "expert_relatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    iin: Mapped[str] = mapped_column(sa.String(12), index=True)
    full_name: Mapped[str] = mapped_column(sa.String(255))
    relation: Mapped[str] = mapped_column(sa.String(64), default="")

    expert: Mapped[Expert] = relationship(back_populates="relatives")

    __table_args__ = (sa.CheckConstraint("length(iin) = 12", name="iin_length"),)
