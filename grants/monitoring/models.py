"""What the operator follows for each agreement: reports, site visits, the evaluation, feedback, recommendations."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.agreements.models import (
    ZERO,
    Agreement,
    AgreementActivity,
    AgreementBudgetLine,
    AgreementIndicator,
    _checked,
)
from grants.auth.models import User
from grants.db import Money, StoredFileColumns, UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import _l, pgettext


class ReportKind(enum.StrEnum):
    interim = "interim"
    final = "final"

    @property
    def title(self):
        return {ReportKind.interim: _l("Interim report"), ReportKind.final: _l("Final report")}[self]


class ReportStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    accepted = "accepted"
    returned = "returned"

    @property
    def title(self):
        return {
            ReportStatus.draft: pgettext("report status", "Draft"),
            ReportStatus.submitted: pgettext("report status", "Submitted for review"),
            ReportStatus.accepted: pgettext("report status", "Accepted"),
            ReportStatus.returned: pgettext("report status", "Returned for revision"),
        }[self]


EDITABLE = (ReportStatus.draft, ReportStatus.returned)

# Age groups of the beneficiaries, as the regions' aid platforms count them.
AGE_GROUPS = ("under_18", "from_18_to_34", "from_35_to_62", "over_62")
# The whole numbers a report gives (beside its money): the form, the save and the signed content read them alike.
FIGURES = ("beneficiaries", "reach", "women", "men", *AGE_GROUPS, "jobs_created", "services_delivered", "volunteers")


class Report(db.Model):
    """An interim or final report, due on a date set by the agreement."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    number: Mapped[int]  # 1, 2, … within the agreement
    period_from: Mapped[date]
    period_to: Mapped[date]
    due_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=ReportStatus.draft, index=True)
    narrative: Mapped[str] = mapped_column(sa.Text, default="")
    # Beneficiaries: unique people reached, kept apart from total reach (one person at three events counts three).
    beneficiaries: Mapped[int] = mapped_column(default=0)
    reach: Mapped[int] = mapped_column(default=0)
    women: Mapped[int] = mapped_column(default=0)
    men: Mapped[int] = mapped_column(default=0)
    under_18: Mapped[int] = mapped_column(default=0)
    from_18_to_34: Mapped[int] = mapped_column(default=0)
    from_35_to_62: Mapped[int] = mapped_column(default=0)
    over_62: Mapped[int] = mapped_column(default=0)
    # Contribution figures that add up across projects.
    jobs_created: Mapped[int] = mapped_column(default=0)
    cofunding: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    services_delivered: Mapped[int] = mapped_column(default=0)
    volunteers: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    review_comment: Mapped[str | None] = mapped_column(sa.Text)
    returns: Mapped[int] = mapped_column(default=0)  # how many times it was returned
    revision: Mapped[int] = mapped_column(default=0)  # bumped by every save
    reminded_on: Mapped[date | None]  # the last overdue notice, so the NGO gets one a day at most

    agreement: Mapped[Agreement] = relationship(lazy="joined", back_populates="reports")
    indicators: Mapped[list["ReportIndicator"]] = relationship(cascade="all, delete-orphan",
                                                               order_by="ReportIndicator.id")
    spending: Mapped[list["ReportSpending"]] = relationship(cascade="all, delete-orphan",
                                                            order_by="ReportSpending.id")
    activities: Mapped[list["ReportActivity"]] = relationship(cascade="all, delete-orphan",
                                                              order_by="ReportActivity.id")
    evidence: Mapped[list["Evidence"]] = relationship(cascade="all, delete-orphan", order_by="Evidence.id")

    __table_args__ = (
        sa.UniqueConstraint("agreement_id", "number", name="uq_reports_agreement_number"),
        sa.CheckConstraint(f"kind IN ({_checked(ReportKind)})", name="kind"),
        sa.CheckConstraint(f"status IN ({_checked(ReportStatus)})", name="status"),
        sa.CheckConstraint("period_to >= period_from", name="period"),
        sa.CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name="submitted_has_time"),
        sa.CheckConstraint("beneficiaries >= 0 AND reach >= beneficiaries", name="reach_counts_everyone"),
        sa.CheckConstraint("women >= 0 AND men >= 0 AND under_18 >= 0 AND from_18_to_34 >= 0 AND "
                           "from_35_to_62 >= 0 AND over_62 >= 0", name="groups_not_negative"),
        sa.CheckConstraint("jobs_created >= 0 AND cofunding >= 0 AND services_delivered >= 0 AND volunteers >= 0",
                           name="contribution_not_negative"),
    )

    @property
    def editable(self):
        return self.status in EDITABLE

    @property
    def spent(self):
        return sum((s.spent for s in self.spending), ZERO)


class ReportIndicator(db.Model):
    """An indicator's actual value at the end of the report's period (cumulative since the start)."""

    __tablename__ = "report_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("agreement_indicators.id"))
    actual: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2))
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    indicator: Mapped[AgreementIndicator] = relationship(lazy="joined")

    __table_args__ = (sa.UniqueConstraint("report_id", "indicator_id", name="uq_report_indicators_line"),
                      sa.CheckConstraint("actual >= 0", name="actual_not_negative"))


class ReportSpending(db.Model):
    """Money spent on one budget line within the report's period."""

    __tablename__ = "report_spending"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    budget_line_id: Mapped[int] = mapped_column(sa.ForeignKey("agreement_budget_lines.id"))
    spent: Mapped[Decimal] = mapped_column(Money)

    budget_line: Mapped[AgreementBudgetLine] = relationship(lazy="joined")

    __table_args__ = (sa.UniqueConstraint("report_id", "budget_line_id", name="uq_report_spending_line"),
                      sa.CheckConstraint("spent >= 0", name="spent_not_negative"))


class ReportActivity(db.Model):
    """An activity of the calendar plan as the report finds it: done (with evidence) or not yet."""

    __tablename__ = "report_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("agreement_activities.id"))
    done: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    activity: Mapped[AgreementActivity] = relationship(lazy="joined")

    __table_args__ = (sa.UniqueConstraint("report_id", "activity_id", name="uq_report_activities_line"),)


class EvidenceKind(enum.StrEnum):
    photo = "photo"
    document = "document"

    @property
    def title(self):
        return {EvidenceKind.photo: _l("Photo"), EvidenceKind.document: _l("Document")}[self]


class Evidence(StoredFileColumns, db.Model):
    """A photo or document behind an activity reported done."""

    __tablename__ = "report_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agreement_activities.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    caption: Mapped[str] = mapped_column(sa.String(400), default="")

    __table_args__ = (sa.CheckConstraint(f"kind IN ({_checked(EvidenceKind)})", name="kind"),)


class VisitStatus(enum.StrEnum):
    planned = "planned"
    done = "done"
    cancelled = "cancelled"

    @property
    def title(self):
        return {
            VisitStatus.planned: pgettext("site visit status", "Planned"),
            VisitStatus.done: pgettext("site visit status", "Done"),
            VisitStatus.cancelled: pgettext("site visit status", "Cancelled"),
        }[self]


class SiteVisit(db.Model):
    __tablename__ = "site_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    planned_on: Mapped[date]
    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(sa.String(16), default=VisitStatus.planned)
    visited_on: Mapped[date | None]
    findings: Mapped[str] = mapped_column(sa.Text, default="")
    rating: Mapped[int | None]  # 1 (serious problems) … 5 (exemplary)
    follow_up: Mapped[str] = mapped_column(sa.Text, default="")  # actions the NGO must take
    follow_up_due: Mapped[date | None]
    published: Mapped[bool] = mapped_column(default=False)  # shown to observers

    agreement: Mapped[Agreement] = relationship()
    inspector: Mapped[User] = relationship(lazy="joined")
    photos: Mapped[list["VisitPhoto"]] = relationship(cascade="all, delete-orphan", order_by="VisitPhoto.id")

    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_checked(VisitStatus)})", name="status"),
        sa.CheckConstraint("status != 'done' OR (visited_on IS NOT NULL AND rating IS NOT NULL)",
                           name="done_has_rating"),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
    )


class VisitPhoto(StoredFileColumns, db.Model):
    __tablename__ = "site_visit_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("site_visits.id", ondelete="CASCADE"), index=True)
    caption: Mapped[str] = mapped_column(sa.String(400), default="")


class Evaluation(db.Model):
    """The evaluation of effectiveness once the project is completed."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), unique=True)
    indicators_achieved: Mapped[Decimal] = mapped_column(sa.Numeric(5, 4))  # share of indicators at target, 0–1
    beneficiaries: Mapped[int]
    cost_per_beneficiary: Mapped[Decimal | None] = mapped_column(Money)
    rating: Mapped[int]  # 1 … 5
    conclusion: Mapped[str] = mapped_column(sa.Text)
    evaluated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agreement: Mapped[Agreement] = relationship()

    __table_args__ = (sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
                      sa.CheckConstraint("indicators_achieved BETWEEN 0 AND 1", name="share_range"))


class Feedback(db.Model):
    """An anonymous answer of a beneficiary, reached by the project's link or QR code."""

    __tablename__ = "beneficiary_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(sa.String(2))
    satisfaction: Mapped[int]  # 1 … 5
    helped: Mapped[bool]
    would_recommend: Mapped[bool]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction_range"),
                      sa.CheckConstraint("language IN ('kk', 'ru')", name="language"))


class Recommendation(db.Model):
    """An observer's recommendation on a project; the operator must answer, and both stay on the record."""

    __tablename__ = "recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agreement: Mapped[Agreement] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    __table_args__ = (sa.CheckConstraint("(answer IS NULL) = (answered_at IS NULL)", name="answer_has_time"),)


class SurveyCode(db.Model):
    """A code that answers a project's beneficiaries' survey once, printed on a sheet the grantee hands out: one
    per beneficiary, or a sheet per event for the people who came. Nothing ties the answer to its code."""

    __tablename__ = "survey_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(8), unique=True)  # shown as ABCD-EFGH
    event: Mapped[str] = mapped_column(sa.String(200), default="")  # "" for the sheet of single beneficiaries
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
