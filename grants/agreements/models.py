"""A grant agreement (or a state social order contract): its budget, tranches, payments, termination and refund."""

import enum
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.applications.models import Application
from grants.auth.models import User
from grants.calls.models import Topic
from grants.db import Money, StoredFileColumns, UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import _l, pgettext
from grants.organizations.models import Organization

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def _checked(enum_cls):
    return ", ".join(f"'{v.value}'" for v in enum_cls)


class Kind(enum.StrEnum):
    grant = "grant"
    sso_contract = "sso_contract"  # a state social order contract, registered from the procurement result
    award = "award"  # an award's share, paid for the NGO's institutional development

    @property
    def title(self):
        return {Kind.grant: _l("Grant agreement"), Kind.sso_contract: _l("State social order contract"),
                Kind.award: _l("Award agreement")}[self]


class AgreementStatus(enum.StrEnum):
    draft = "draft"
    active = "active"
    suspended = "suspended"
    completed = "completed"
    terminated = "terminated"

    @property
    def title(self):
        return {
            AgreementStatus.draft: pgettext("agreement status", "Draft"),
            AgreementStatus.active: pgettext("agreement status", "In force"),
            AgreementStatus.suspended: pgettext("agreement status", "Suspended"),
            AgreementStatus.completed: pgettext("agreement status", "Completed"),
            AgreementStatus.terminated: pgettext("agreement status", "Terminated"),
        }[self]


class Ground(enum.StrEnum):
    """Why an agreement was terminated."""

    misuse = "misuse"
    non_performance = "non_performance"
    mutual = "mutual"

    @property
    def title(self):
        return {Ground.misuse: _l("Misuse of funds"), Ground.non_performance: _l("Non-performance"),
                Ground.mutual: _l("By mutual consent")}[self]


class Agreement(db.Model):
    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(48), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default=Kind.grant)
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("applications.id"), unique=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topics.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(400))
    language: Mapped[str] = mapped_column(sa.String(2))  # the language the NGO reports in
    amount: Mapped[Decimal] = mapped_column(Money)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(16), default=AgreementStatus.draft, index=True)
    signed_on: Mapped[date | None]
    # State social order: the procurement result the contract is registered from.
    contract_number: Mapped[str | None] = mapped_column(sa.String(64))
    procurement_ref: Mapped[str | None] = mapped_column(sa.String(64))
    suspension_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Termination and refund.
    terminated_on: Mapped[date | None]
    termination_ground: Mapped[str | None] = mapped_column(sa.String(16))
    termination_reason: Mapped[str | None] = mapped_column(sa.Text)
    refund_due: Mapped[Decimal | None] = mapped_column(Money)
    completed_on: Mapped[date | None]
    feedback_token: Mapped[str] = mapped_column(sa.String(32), unique=True)  # the beneficiaries' survey link
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the member of the operator's staff who follows the agreement: its work waits in their "My work"
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)

    application: Mapped[Application | None] = relationship()
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])
    organization: Mapped[Organization] = relationship(lazy="joined")
    topic: Mapped[Topic] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    budget_lines: Mapped[list["AgreementBudgetLine"]] = relationship(order_by="AgreementBudgetLine.position",
                                                            cascade="all, delete-orphan")
    indicators: Mapped[list["AgreementIndicator"]] = relationship(order_by="AgreementIndicator.position",
                                                                  cascade="all, delete-orphan")
    activities: Mapped[list["AgreementActivity"]] = relationship(order_by="AgreementActivity.position",
                                                                 cascade="all, delete-orphan")
    tranches: Mapped[list["Tranche"]] = relationship(order_by="Tranche.position", cascade="all, delete-orphan",
                                                     back_populates="agreement")
    documents: Mapped[list["AgreementDocument"]] = relationship(order_by="AgreementDocument.id",
                                                                cascade="all, delete-orphan")
    amendments: Mapped[list["BudgetAmendment"]] = relationship(order_by="BudgetAmendment.id",
                                                               cascade="all, delete-orphan")
    repayments: Mapped[list["Repayment"]] = relationship(order_by="Repayment.received_on",
                                                         cascade="all, delete-orphan")
    reports: Mapped[list["Report"]] = relationship(  # noqa: F821 (in grants.monitoring)
        order_by="Report.number", cascade="all, delete-orphan", back_populates="agreement")

    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({_checked(Kind)})", name="kind"),
        sa.CheckConstraint(f"status IN ({_checked(AgreementStatus)})", name="status"),
        sa.CheckConstraint(f"termination_ground IS NULL OR termination_ground IN ({_checked(Ground)})",
                           name="termination_ground"),
        sa.CheckConstraint("language IN ('kk', 'ru')", name="language"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("ends_on > starts_on", name="period"),
        sa.CheckConstraint("kind = 'sso_contract' OR application_id IS NOT NULL", name="grant_has_application"),
        sa.CheckConstraint("status = 'draft' OR signed_on IS NOT NULL", name="signed_before_active"),
        sa.CheckConstraint("status != 'terminated' OR (terminated_on IS NOT NULL AND termination_ground IS NOT NULL "
                           "AND refund_due IS NOT NULL)", name="terminated_has_decision"),
        sa.CheckConstraint("refund_due IS NULL OR refund_due >= 0", name="refund_not_negative"),
    )

    @property
    def call(self):
        return self.topic.call

    @property
    def budget_total(self):
        return sum((line.planned for line in self.budget_lines), ZERO)

    @property
    def signed_copy(self):
        return next((d for d in reversed(self.documents) if d.kind == DocumentKind.signed_copy), None)


class AgreementBudgetLine(db.Model):
    """A line of the agreed budget; its plan changes only through an approved amendment."""

    __tablename__ = "agreement_budget_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    item: Mapped[str] = mapped_column(sa.String(400))
    unit: Mapped[str] = mapped_column(sa.String(64), default="")
    planned: Mapped[Decimal] = mapped_column(Money)
    institutional: Mapped[bool] = mapped_column(default=False)
    year: Mapped[int | None]  # of a budget by year (a strategic partnership): 1, 2, 3

    __table_args__ = (sa.CheckConstraint("planned >= 0", name="planned_not_negative"),)


class AgreementIndicator(db.Model):
    """An expected result of the project: reports give the actual against the target."""

    __tablename__ = "agreement_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(400))
    unit: Mapped[str] = mapped_column(sa.String(64))
    baseline: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2), default=Decimal("0"))
    target: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2))
    year: Mapped[int | None]  # the year the target is for, where the indicators are set by year


class AgreementActivity(db.Model):
    """A line of the calendar plan: a report marks it done with evidence."""

    __tablename__ = "agreement_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    activity: Mapped[str] = mapped_column(sa.Text)
    start_month: Mapped[int]
    end_month: Mapped[int]


class Condition(enum.StrEnum):
    on_signing = "on_signing"
    report_accepted = "report_accepted"

    @property
    def title(self):
        return {Condition.on_signing: _l("On signing"),
                Condition.report_accepted: _l("On acceptance of a report")}[self]


class Tranche(db.Model):
    """A payment of the schedule: payable once its condition holds, then paid once."""

    __tablename__ = "tranches"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Money)
    planned_on: Mapped[date]
    condition: Mapped[str] = mapped_column(sa.String(16))
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reports.id"))  # the report whose acceptance it awaits
    paid_on: Mapped[date | None]
    payment_reference: Mapped[str | None] = mapped_column(sa.String(64))  # the treasury payment order
    paid_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    agreement: Mapped[Agreement] = relationship(back_populates="tranches")
    report: Mapped["Report"] = relationship(foreign_keys=[report_id])  # noqa: F821 (in grants.monitoring)

    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(f"condition IN ({_checked(Condition)})", name="condition"),
        sa.CheckConstraint("condition = 'on_signing' OR report_id IS NOT NULL", name="report_condition_names_report"),
        sa.CheckConstraint("(paid_on IS NULL) = (payment_reference IS NULL)", name="paid_has_reference"),
    )

    @property
    def paid(self):
        return self.paid_on is not None


class DocumentKind(enum.StrEnum):
    signed_copy = "signed_copy"
    amendment = "amendment"
    other = "other"

    @property
    def title(self):
        return {DocumentKind.signed_copy: _l("Signed copy"), DocumentKind.amendment: _l("Supplementary agreement"),
                DocumentKind.other: _l("Other document")}[self]


class AgreementDocument(StoredFileColumns, db.Model):
    __tablename__ = "agreement_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))

    __table_args__ = (sa.CheckConstraint(f"kind IN ({_checked(DocumentKind)})", name="kind"),)


class AmendmentState(enum.StrEnum):
    proposed = "proposed"
    approved = "approved"
    rejected = "rejected"

    @property
    def title(self):
        return {
            AmendmentState.proposed: pgettext("amendment status", "Proposed"),
            AmendmentState.approved: pgettext("amendment status", "Approved"),
            AmendmentState.rejected: pgettext("amendment status", "Rejected"),
        }[self]


class BudgetAmendment(db.Model):
    """The NGO proposes new plans for budget lines; only the operator's approval applies them."""

    __tablename__ = "budget_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    changes: Mapped[dict] = mapped_column(sa.JSON)  # {line id: new planned amount as a string}
    reason: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(16), default=AmendmentState.proposed)
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(sa.Text)

    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])

    __table_args__ = (sa.CheckConstraint(f"state IN ({_checked(AmendmentState)})", name="state"),)


class Repayment(db.Model):
    """Money the NGO returned after a termination."""

    __tablename__ = "repayments"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    received_on: Mapped[date]
    reference: Mapped[str] = mapped_column(sa.String(64))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)


def quantize(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
