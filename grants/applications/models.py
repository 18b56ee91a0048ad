"""An application, its rows (activities, indicators, budget), documents and frozen versions."""

import enum
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.appforms.blocks import blocks, form_text, has
from grants.auth.models import User
from grants.calls.models import SpecItem, Topic
from grants.db import Money, StoredFileColumns, UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import _l, pgettext
from grants.organizations.models import Organization

CENT = Decimal("0.01")
INSTITUTIONAL_SHARE_LIMIT = Decimal("0.10")


class Status(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    eligible = "eligible"
    ineligible = "ineligible"
    awarded = "awarded"
    reserve = "reserve"
    rejected = "rejected"

    @property
    def title(self):
        return {
            Status.draft: pgettext("application status", "Draft"),
            Status.submitted: pgettext("application status", "Submitted"),
            Status.returned: pgettext("application status", "Returned for revision"),
            Status.eligible: pgettext("application status", "Eligible"),
            Status.ineligible: pgettext("application status", "Ineligible"),
            Status.awarded: pgettext("application status", "Awarded"),
            Status.reserve: pgettext("application status", "Reserve list"),
            Status.rejected: pgettext("application status", "Not supported"),
        }[self]


DECIDED = (Status.awarded, Status.reserve, Status.rejected)
EDITABLE = (Status.draft, Status.returned)
_statuses = ", ".join(f"'{s.value}'" for s in Status)


class Application(db.Model):
    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topics.id"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    language: Mapped[str] = mapped_column(sa.String(2), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=Status.draft, index=True)
    title: Mapped[str] = mapped_column(sa.String(400), default="")
    sections: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    duration_months: Mapped[int | None]
    language_confirmed: Mapped[bool] = mapped_column(default=False)
    revision: Mapped[int] = mapped_column(default=0)  # bumped by every save: stale autosaves are refused
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # the operator's "newest first"
    receipt_number: Mapped[str | None] = mapped_column(sa.String(48), unique=True)
    version_count: Mapped[int] = mapped_column(default=0)
    revision_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An award winner's equal share of its nomination's amount, set when the results are published.
    awarded_amount: Mapped[Decimal | None] = mapped_column(Money)
    # Sealed intake (grants/applications/seal.py): an application opened before the deadline, by whom and why.
    opened_early_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_early_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    opened_early_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # the member of the operator's staff who follows the application: its work waits in their "My work"
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)

    topic: Mapped[Topic] = relationship(lazy="joined")
    organization: Mapped[Organization] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    opened_early_by: Mapped[User | None] = relationship(foreign_keys=[opened_early_by_id])
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])
    activities: Mapped[list["Activity"]] = relationship(order_by="Activity.position", cascade="all, delete-orphan")
    indicators: Mapped[list["Indicator"]] = relationship(order_by="Indicator.position",
                                                         cascade="all, delete-orphan")
    budget_lines: Mapped[list["BudgetLine"]] = relationship(order_by="BudgetLine.position",
                                                            cascade="all, delete-orphan")
    partners: Mapped[list["Partner"]] = relationship(order_by="Partner.position", cascade="all, delete-orphan")
    offer_lines: Mapped[list["OfferLine"]] = relationship(order_by="OfferLine.position",
                                                          cascade="all, delete-orphan")
    all_documents: Mapped[list["Document"]] = relationship(order_by="Document.id", cascade="all, delete-orphan")
    versions: Mapped[list["Version"]] = relationship(order_by="Version.number", cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint("language IN ('kk', 'ru')", name="language"),
        sa.CheckConstraint(f"status IN ({_statuses})", name="status"),
        sa.CheckConstraint("status = 'draft' OR (receipt_number IS NOT NULL AND submitted_at IS NOT NULL)",
                           name="submitted_has_receipt"),
        sa.CheckConstraint("status != 'returned' OR revision_deadline IS NOT NULL", name="returned_has_deadline"),
        sa.CheckConstraint("opened_early_at IS NULL OR (opened_early_by_id IS NOT NULL AND opened_early_reason != '')",
                           name="opened_early_says_who_and_why"),
        # A call's list for the operator, its count and its counts by language and status, read from the index.
        sa.Index("ix_applications_topic_status", "topic_id", "status", "language", "organization_id"),
    )

    @property
    def call(self):
        return self.topic.call

    @property
    def editable(self):
        return self.status in EDITABLE

    @property
    def budget_total(self):
        return sum((line.total for line in self.budget_lines), Decimal("0.00"))

    @property
    def offer_total(self):
        """A state social order offer's price: every item's committed volume at the offered unit price."""
        return sum((line.total for line in self.offer_lines), Decimal("0.00"))

    @property
    def price(self):
        """What the applicant asks to be paid: the offer's total where the form asks for an offer, else the
        budget's."""
        return self.offer_total if has(self.topic.call.application_form, "offer") else self.budget_total

    @property
    def budget_by_year(self):
        """[(year, total)] of a budget planned by year, in year order; empty for a single budget."""
        totals = {}
        for line in self.budget_lines:
            if line.year is not None:
                totals[line.year] = totals.get(line.year, Decimal("0.00")) + line.total
        return sorted(totals.items())

    @property
    def institutional_total(self):
        return sum((line.total for line in self.budget_lines if line.institutional), Decimal("0.00"))

    @property
    def institutional_share(self):
        total = self.budget_total
        return (self.institutional_total / total) if total else Decimal("0")

    @property
    def documents(self):
        return [d for d in self.all_documents if not d.withdrawn]

    @property
    def first_text(self):
        """(block, answer) of the form's first long text — a project's summary, a nomination's achievements —
        what an expert reads first; None when the form has none."""
        for block in blocks(self.topic.call.application_form):
            if block.kind == "long_text":
                return block, (self.sections or {}).get(block.code) or ""
        return None

    def text(self):
        """All the prose the call's form asks for, for the language check and text similarity."""
        parts = [self.title] + form_text(self.topic.call.application_form, self.sections)
        parts += [a.activity for a in self.activities]
        return "\n\n".join(p for p in parts if p)


def row_dict(row):
    """What the applicant wrote on a line of the plan, indicators, budget or partners: its model's FIELDS."""
    return {name: getattr(row, name) for name in row.FIELDS}


def copy_row(row, **changes):
    """A new line of the same kind at the same position, with the same FIELDS (but for `changes`)."""
    return type(row)(position=row.position, **(row_dict(row) | changes))


class Activity(db.Model):
    """A line of the calendar plan."""

    __tablename__ = "application_activities"
    FIELDS = ("activity", "start_month", "end_month", "output")

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    activity: Mapped[str] = mapped_column(sa.Text)
    start_month: Mapped[int]
    end_month: Mapped[int]
    output: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (sa.CheckConstraint("start_month >= 1 AND end_month >= start_month", name="months"),)


class Indicator(db.Model):
    """An expected result with its measure: later reports give the actual against the target."""

    __tablename__ = "application_indicators"
    FIELDS = ("name", "unit", "baseline", "target", "year")

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(400))
    unit: Mapped[str] = mapped_column(sa.String(64))
    baseline: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2), default=Decimal("0"))
    target: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2))
    year: Mapped[int | None]  # where the form sets indicators by year (a strategic partnership)


class Partner(db.Model):
    """An organisation (BIN) or a person (IIN) the NGO carries the project out with.

    Experts tied to a partner are refused the application, as they are for the applicant.
    """

    __tablename__ = "application_partners"
    FIELDS = ("number", "name", "role")

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    number: Mapped[str] = mapped_column(sa.String(12), index=True)  # BIN of an organisation or IIN of a person
    name: Mapped[str] = mapped_column(sa.String(400))
    role: Mapped[str] = mapped_column(sa.String(400), default="")

    __table_args__ = (sa.CheckConstraint("length(number) = 12", name="number_length"),)


class BudgetLine(db.Model):
    __tablename__ = "application_budget_lines"
    FIELDS = ("item", "unit", "quantity", "unit_cost", "institutional", "year")

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    item: Mapped[str] = mapped_column(sa.String(400))
    unit: Mapped[str] = mapped_column(sa.String(64))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    unit_cost: Mapped[Decimal] = mapped_column(Money)
    institutional: Mapped[bool] = mapped_column(default=False)  # the NGO's own institutional development
    year: Mapped[int | None]  # where the form asks for a budget by year (a strategic partnership): 1, 2, 3

    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
    )

    @property
    def total(self):
        return (Decimal(self.quantity) * Decimal(self.unit_cost)).quantize(CENT, rounding=ROUND_HALF_UP)


class OfferLine(db.Model):
    """A state social order offer's answer to one item of the technical specification: how the service will
    be delivered, the volume the supplier commits to and its price for one unit (within the maximum)."""

    __tablename__ = "offer_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    spec_item_id: Mapped[int] = mapped_column(sa.ForeignKey("spec_items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    approach: Mapped[str] = mapped_column(sa.Text, default="")
    volume: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    unit_price: Mapped[Decimal | None] = mapped_column(Money)

    spec_item: Mapped[SpecItem] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("application_id", "spec_item_id", name="uq_offer_lines_application_item"),
        sa.CheckConstraint("volume IS NULL OR volume > 0", name="volume_positive"),
        sa.CheckConstraint("unit_price IS NULL OR unit_price >= 0", name="unit_price_not_negative"),
    )

    FIELDS = ("spec_item_id", "approach", "volume", "unit_price")

    @property
    def total(self):
        if self.volume is None or self.unit_price is None:
            return Decimal("0.00")
        return (Decimal(self.volume) * Decimal(self.unit_price)).quantize(CENT, rounding=ROUND_HALF_UP)


class DocumentKind(enum.StrEnum):
    charter = "charter"
    bank_details = "bank_details"
    support_letter = "support_letter"
    cv = "cv"
    budget = "budget"
    other = "other"

    @property
    def title(self):
        return {DocumentKind.charter: _l("Charter"), DocumentKind.bank_details: _l("Bank details"),
                DocumentKind.support_letter: _l("Letter of support"), DocumentKind.cv: _l("CV"),
                DocumentKind.budget: _l("Budget table"), DocumentKind.other: _l("Other document")}[self]


class Document(StoredFileColumns, db.Model):
    """An uploaded document; the file itself lives in storage under a random key."""

    __tablename__ = "application_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    # Part of a submitted version: its file is kept for good, and removing it from a
    # revision only withdraws it from the current text.
    frozen: Mapped[bool] = mapped_column(default=False)
    withdrawn: Mapped[bool] = mapped_column(default=False)


class Version(db.Model):
    """What was submitted, frozen: a later revision is kept beside it, never over it."""

    __tablename__ = "application_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    content: Mapped[dict] = mapped_column(sa.JSON)

    __table_args__ = (sa.UniqueConstraint("application_id", "number", name="uq_application_versions_number"),)


class Outcome(enum.StrEnum):
    eligible = "eligible"
    ineligible = "ineligible"
    returned = "returned"

    @property
    def title(self):
        return {
            Outcome.eligible: pgettext("eligibility decision", "Eligible"),
            Outcome.ineligible: pgettext("eligibility decision", "Ineligible"),
            Outcome.returned: pgettext("eligibility decision", "Return for revision"),
        }[self]


# The operator's checklist, DOMAIN.md step 4.
CHECKLIST = (
    ("goal", _l("Fits the topic's goal and expected results")),
    ("duration", _l("Duration within the topic's term")),
    ("coverage", _l("Covers the topic's regions")),
    ("amount", _l("Amount within the topic's cap")),
    ("registry", _l("NGO is in the national NGO database")),
    ("solvent", _l("NGO is not in liquidation or bankruptcy")),
)


class EligibilityReview(db.Model):
    """One eligibility decision; an application returned and resubmitted has several."""

    __tablename__ = "eligibility_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    outcome: Mapped[str] = mapped_column(sa.String(16), index=True)
    checklist: Mapped[dict] = mapped_column(sa.JSON)
    reason_codes: Mapped[list] = mapped_column(sa.JSON, default=list)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    revision_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[User] = relationship()

    __table_args__ = (
        sa.CheckConstraint("outcome IN ('eligible', 'ineligible', 'returned')", name="outcome"),
        sa.CheckConstraint("outcome != 'returned' OR revision_deadline IS NOT NULL", name="returned_has_deadline"),
    )


class CallConclusion(db.Model):
    """The published conclusion of the eligibility check: counts by language and outcome."""

    __tablename__ = "call_conclusions"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    counts: Mapped[dict] = mapped_column(sa.JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
