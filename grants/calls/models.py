"""A call for proposals, its topics, and the record of deadline extensions."""

import enum
import secrets
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.db import Money, StoredFileColumns, UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import _l, pgettext
from grants.reference.models import CustomerBody, Direction, Region


class Instrument(enum.StrEnum):
    state_grant = "state_grant"
    non_state_grant = "non_state_grant"
    sso = "sso"
    award = "award"
    strategic_partnership = "strategic_partnership"

    @property
    def title(self):
        return INSTRUMENT_TITLES[self]


INSTRUMENT_TITLES = {
    Instrument.state_grant: _l("State grant"),
    Instrument.non_state_grant: _l("Non-state grant"),
    Instrument.sso: _l("State social order"),
    Instrument.award: _l("Award"),
    Instrument.strategic_partnership: _l("Strategic partnership"),
}


class FundingSource(enum.StrEnum):
    republican = "republican"
    local = "local"
    non_state = "non_state"

    @property
    def title(self):
        return {FundingSource.republican: _l("Republican budget"), FundingSource.local: _l("Local budget"),
                FundingSource.non_state: _l("Non-state funds")}[self]


class CallStatus(enum.StrEnum):
    """What is stored. Whether intake is open is derived from the clock (see Call.phase)."""

    draft = "draft"
    published = "published"
    closed = "closed"


class Phase(enum.StrEnum):
    draft = "draft"
    announced = "announced"
    open = "open"
    intake_ended = "intake_ended"
    closed = "closed"

    @property
    def title(self):
        return {
            Phase.draft: pgettext("call phase", "Draft"),
            Phase.announced: pgettext("call phase", "Announced"),
            Phase.open: pgettext("call phase", "Open for applications"),
            Phase.intake_ended: pgettext("call phase", "Intake ended"),
            Phase.closed: pgettext("call phase", "Closed"),
        }[self]


class GrantType(enum.StrEnum):
    short = "short"
    medium = "medium"
    long = "long"

    @property
    def title(self):
        return {GrantType.short: _l("Short-term"), GrantType.medium: _l("Medium-term"),
                GrantType.long: _l("Long-term")}[self]


# (min months, max months, min МРП, max МРП or None) — DOMAIN.md, "Grant types and sizes".
GRANT_TYPE_BOUNDS = {
    GrantType.short: (3, 12, 500, 3000),
    GrantType.medium: (12, 24, 3000, 10000),
    GrantType.long: (24, 36, 10000, None),
}


def _in_locale(obj, stem):
    lang = str(get_locale() or "kk")
    return getattr(obj, f"{stem}_{lang}", None) or getattr(obj, f"{stem}_ru") or getattr(obj, f"{stem}_kk")


topic_regions = sa.Table(
    "topic_regions",
    db.metadata,
    sa.Column("topic_id", sa.ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("region_id", sa.ForeignKey("regions.id"), primary_key=True),
)


class Call(db.Model):
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    instrument: Mapped[str] = mapped_column(sa.String(24), index=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer_bodies.id"), index=True)
    funding_source: Mapped[str] = mapped_column(sa.String(16))
    budget_year: Mapped[int]
    title_kk: Mapped[str] = mapped_column(sa.String(400))
    title_ru: Mapped[str] = mapped_column(sa.String(400))
    title_en: Mapped[str] = mapped_column(sa.String(400))
    description_kk: Mapped[str] = mapped_column(sa.Text, default="")
    description_ru: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepts_kk: Mapped[bool] = mapped_column(default=True)
    accepts_ru: Mapped[bool] = mapped_column(default=True)
    experts_per_application: Mapped[int] = mapped_column(default=3)
    criteria_set: Mapped[str] = mapped_column(sa.String(32), default="grant")
    # The application form: an ordered list of blocks (grants/appforms/blocks.py), copied from the
    # instrument's template and edited while the call is a draft.
    application_form: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(16), default=CallStatus.draft, index=True)
    receipt_seq: Mapped[int] = mapped_column(default=0)  # last receipt number handed out
    # Drawn once and kept: the expert assignment can be rerun and shown to give the same result.
    assignment_seed: Mapped[int] = mapped_column(default=lambda: secrets.randbelow(2**31), server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the commission first approved a protocol on the call: eligibility is over from then.
    commission_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[CustomerBody] = relationship(lazy="joined")
    topics: Mapped[list["Topic"]] = relationship(back_populates="call", order_by="Topic.number",
                                                 cascade="all, delete-orphan")
    extensions: Mapped[list["DeadlineExtension"]] = relationship(order_by="DeadlineExtension.id",
                                                                cascade="all, delete-orphan")
    documents: Mapped[list["CallDocument"]] = relationship(order_by="CallDocument.id", cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint("instrument IN ('state_grant', 'non_state_grant', 'sso', 'award', "
                           "'strategic_partnership')", name="instrument"),
        sa.CheckConstraint("funding_source IN ('republican', 'local', 'non_state')", name="funding_source"),
        sa.CheckConstraint("status IN ('draft', 'published', 'closed')", name="status"),
        sa.CheckConstraint("deadline_at > opens_at", name="deadline_after_opening"),
        sa.CheckConstraint("accepts_kk OR accepts_ru", name="some_language"),
        sa.CheckConstraint("experts_per_application BETWEEN 1 AND 15", name="experts"),
        sa.CheckConstraint("status = 'draft' OR published_at IS NOT NULL", name="published_has_time"),
    )

    @property
    def title(self):
        return _in_locale(self, "title")

    @property
    def description(self):
        return _in_locale(self, "description")

    @property
    def languages(self):
        return [lang for lang, ok in (("kk", self.accepts_kk), ("ru", self.accepts_ru)) if ok]

    def phase(self, now=None):
        now = now or utcnow()
        if self.status == CallStatus.draft:
            return Phase.draft
        if self.status == CallStatus.closed:
            return Phase.closed
        if now < self.opens_at:
            return Phase.announced
        if now < self.deadline_at:
            return Phase.open
        return Phase.intake_ended

    def is_open(self, now=None):
        return self.phase(now) == Phase.open

    @property
    def total_amount(self):
        """A grant topic funds each of its grants up to the cap; an award's nomination is one amount, shared."""
        if self.instrument == Instrument.award:
            return sum((t.amount_cap for t in self.topics), Decimal("0.00"))
        return sum((t.amount_cap * t.grants_count for t in self.topics), Decimal("0.00"))


class Topic(db.Model):
    """A priority topic: one direction, the regions it covers, its goal and its money."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    direction_id: Mapped[int] = mapped_column(sa.ForeignKey("directions.id"), index=True)
    title_kk: Mapped[str] = mapped_column(sa.String(400))
    title_ru: Mapped[str] = mapped_column(sa.String(400))
    title_en: Mapped[str] = mapped_column(sa.String(400), default="")
    goal_kk: Mapped[str] = mapped_column(sa.Text, default="")
    goal_ru: Mapped[str] = mapped_column(sa.Text, default="")
    tasks_kk: Mapped[str] = mapped_column(sa.Text, default="")
    tasks_ru: Mapped[str] = mapped_column(sa.Text, default="")
    results_kk: Mapped[str] = mapped_column(sa.Text, default="")
    results_ru: Mapped[str] = mapped_column(sa.Text, default="")
    indicators_kk: Mapped[str] = mapped_column(sa.Text, default="")
    indicators_ru: Mapped[str] = mapped_column(sa.Text, default="")
    # A state social order's technical specification: the problem, who is served, where, by which standard;
    # its services are the topic's SpecItems, its period the topic's duration.
    problem_kk: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    problem_ru: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    target_group_kk: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    target_group_ru: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    place_kk: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    place_ru: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    standard_kk: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    standard_ru: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    grant_type: Mapped[str] = mapped_column(sa.String(8))
    duration_months: Mapped[int]
    amount_cap: Mapped[Decimal] = mapped_column(Money)
    grants_count: Mapped[int] = mapped_column(default=1)

    call: Mapped[Call] = relationship(back_populates="topics")
    direction: Mapped[Direction] = relationship(lazy="joined")
    regions: Mapped[list[Region]] = relationship(secondary=topic_regions, order_by=Region.kato)
    spec_items: Mapped[list["SpecItem"]] = relationship(back_populates="topic", order_by="SpecItem.position",
                                                        cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("call_id", "number", name="uq_topics_call_number"),
        sa.CheckConstraint("grant_type IN ('short', 'medium', 'long')", name="grant_type"),
        sa.CheckConstraint("amount_cap > 0", name="amount_positive"),
        sa.CheckConstraint("grants_count >= 1", name="grants_count"),
        sa.CheckConstraint("duration_months BETWEEN 1 AND 60", name="duration"),
    )

    @property
    def title(self):
        return _in_locale(self, "title")

    def text(self, stem):
        return _in_locale(self, stem)

    def spec_item(self, key):
        """The specification's item by its id, given as a number or as a form's text; None if not this topic's."""
        return next((item for item in self.spec_items if str(item.id) == str(key)), None)

    @property
    def spec_total(self):
        """The most the specification may cost: every service's volume at its maximum price."""
        return sum((item.max_total for item in self.spec_items), Decimal("0.00"))


class SpecItem(db.Model):
    """One service of a state social order's technical specification: what, in which unit, how much, and the
    most the customer pays for one unit. An offer prices each item; the contract takes the committed volumes."""

    __tablename__ = "spec_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    service_kk: Mapped[str] = mapped_column(sa.String(400))
    service_ru: Mapped[str] = mapped_column(sa.String(400))
    service_en: Mapped[str] = mapped_column(sa.String(400), default="")
    unit_kk: Mapped[str] = mapped_column(sa.String(64))
    unit_ru: Mapped[str] = mapped_column(sa.String(64))
    volume: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    max_price: Mapped[Decimal] = mapped_column(Money)

    topic: Mapped[Topic] = relationship(back_populates="spec_items")

    __table_args__ = (
        sa.CheckConstraint("volume > 0", name="volume_positive"),
        sa.CheckConstraint("max_price > 0", name="max_price_positive"),
    )

    @property
    def service(self):
        return _in_locale(self, "service")

    @property
    def unit(self):
        return _in_locale(self, "unit")

    def in_language(self, lang):
        """(service, unit) in an application's language, for the contract the supplier reports in."""
        return (getattr(self, f"service_{lang}", None) or self.service_ru,
                getattr(self, f"unit_{lang}", None) or self.unit_ru)

    @property
    def max_total(self):
        return (Decimal(self.volume) * Decimal(self.max_price)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class DeadlineExtension(db.Model):
    """A published change of the deadline: kept and shown, never overwritten."""

    __tablename__ = "deadline_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    old_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    new_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.Text)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint("new_deadline > old_deadline", name="later"),)


class CallDocument(StoredFileColumns, db.Model):
    """A document published with the call: rules, templates of forms, the technical specification."""

    __tablename__ = "call_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(400))


class Proposal(db.Model):
    """A proposal on a state social order's published plan, from an NGO or a citizen, and the customer body's
    answer on the record. The author's e-mail is for the customer's reply only: no public page shows it."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    # None: a proposal on the plan as a whole, not on one of its topics
    topic_id: Mapped[int | None] = mapped_column(sa.ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    author_name: Mapped[str] = mapped_column(sa.String(200))
    author_email: Mapped[str] = mapped_column(sa.String(255))
    organization_bin: Mapped[str | None] = mapped_column(sa.String(12))  # an NGO signing as itself
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)  # when signed in
    # Where the proposal came from, kept only to limit how many one address sends (never shown).
    sender_ip: Mapped[str] = mapped_column(sa.String(64), default="")
    text: Mapped[str] = mapped_column(sa.Text)
    locale: Mapped[str] = mapped_column(sa.String(2), default="kk")  # the page's language: the answer's mail in it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the first answer
    answer_corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the latest correction, if any

    call: Mapped[Call] = relationship()
    topic: Mapped[Topic | None] = relationship()
    answered_by = relationship("User", foreign_keys=[answered_by_id])

    __table_args__ = (
        sa.CheckConstraint("length(text) BETWEEN 10 AND 5000", name="text_length"),
        sa.CheckConstraint("(answer IS NULL) = (answered_at IS NULL)", name="answer_has_time"),
        sa.CheckConstraint("answer_corrected_at IS NULL OR answered_at IS NOT NULL", name="corrected_after_answer"),
        sa.Index("ix_proposals_created_at", "created_at"),
    )
