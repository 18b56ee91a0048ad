"""The schedule of an agreement's reports and tranches: the rows the operator fills in, the schedule an award
or a partnership starts from, and the verb that sets it on a draft agreement."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from grants import audit
from grants.agreements.models import ZERO, AgreementStatus, Condition, Kind, Tranche, quantize
from grants.agreements.services import AgreementError, require_status
from grants.extensions import db
from grants.i18n import _, format_money
from grants.monitoring.models import Report, ReportKind, ReportStatus


@dataclass(frozen=True)
class ReportRow:
    kind: str
    period_from: date
    period_to: date
    due_on: date


@dataclass(frozen=True)
class TrancheRow:
    amount: Decimal
    planned_on: date
    condition: str
    report_number: int | None = None  # 1-based, in the order of the report rows


def add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


REPORT_DAYS = 15  # a yearly report is due this many days after its year ends
PAYMENT_DAYS = 15  # and the next year's tranche is planned this many days after the report is due


def yearly_schedule(agreement):
    """(reports, tranches) of an agreement budgeted by year (a strategic partnership): a report for each year,
    the last one final, and a tranche for each year's budget — the first on signing, each later one on the
    acceptance of the previous year's report. None when the budget is not planned by year."""
    years = sorted({line.year for line in agreement.budget_lines if line.year is not None})
    if len(years) < 2:
        return None
    reports, tranches = [], []
    for n, year in enumerate(years):
        last = n == len(years) - 1
        start = add_months(agreement.starts_on, 12 * n)
        end = agreement.ends_on if last else min(add_months(agreement.starts_on, 12 * (n + 1)) - timedelta(days=1),
                                                 agreement.ends_on)
        if start > agreement.ends_on:
            raise AgreementError(_("The agreement's period is shorter than its %(n)d years.", n=len(years)))
        reports.append(ReportRow(ReportKind.final if last else ReportKind.interim, start, end,
                                 end + timedelta(days=REPORT_DAYS)))
        amount = sum((line.planned for line in agreement.budget_lines if line.year == year), ZERO)
        if n == 0:
            tranches.append(TrancheRow(amount, agreement.starts_on, Condition.on_signing))
        else:
            tranches.append(TrancheRow(amount, reports[n - 1].due_on + timedelta(days=PAYMENT_DAYS),
                                       Condition.report_accepted, n))
    return reports, tranches


def award_schedule(agreement):
    """(reports, tranches) of an award: the money paid on signing, and one report on its use at the end."""
    return ([ReportRow(ReportKind.final, agreement.starts_on, agreement.ends_on,
                       agreement.ends_on + timedelta(days=REPORT_DAYS))],
            [TrancheRow(agreement.amount, agreement.starts_on, Condition.on_signing)])


def default_schedule(agreement):
    """The schedule an agreement's page starts from, where its kind sets one: an award's single report, a
    partnership's report and tranche a year; None where the operator writes it."""
    if agreement.kind == Kind.award:
        return award_schedule(agreement)
    return yearly_schedule(agreement)


def schedule(actor, agreement, reports, tranches):
    """The reports due and the tranches of a draft agreement, replacing any earlier schedule.

    The tranches add up to the amount exactly; a tranche on a report names a report of the
    schedule; there is exactly one final report, and it comes last. An award is reported on once: the
    NGO files one report on the use of the money.
    """
    require_status(agreement, AgreementStatus.draft)
    if agreement.kind == Kind.award and len(reports) != 1:
        raise AgreementError(_("An award is reported on once: the schedule has one final report on the use of the "
                               "money."))
    if not reports or [r.kind for r in reports].count(ReportKind.final) != 1 or reports[-1].kind != ReportKind.final:
        raise AgreementError(_("The schedule must have exactly one final report, and it must come last."))
    for earlier, later in zip(reports, reports[1:], strict=False):
        if later.due_on <= earlier.due_on:
            raise AgreementError(_("Each report is due after the one before it."))
    for row in reports:
        if row.period_to < row.period_from:
            raise AgreementError(_("A report's period ends before it starts."))
        if not (agreement.starts_on <= row.period_from and row.period_to <= agreement.ends_on):
            raise AgreementError(_("A report's period lies outside the agreement's."))
        if row.due_on < row.period_to:
            raise AgreementError(_("A report is due after the end of its period."))
    if not tranches:
        raise AgreementError(_("Give at least one tranche."))
    total = sum((quantize(t.amount) for t in tranches), ZERO)
    if total != agreement.amount:
        raise AgreementError(_("The tranches add up to %(total)s; the agreement's amount is %(amount)s.",
                               total=format_money(total), amount=format_money(agreement.amount)))
    for t in tranches:
        if t.amount <= 0:
            raise AgreementError(_("A tranche must be more than zero."))
        if Condition(t.condition) == Condition.report_accepted and not (
                t.report_number and 1 <= t.report_number <= len(reports)):
            raise AgreementError(_("A tranche tied to a report must name a report in the schedule."))
    agreement.tranches = []
    agreement.reports = []
    db.session.flush()
    made = [Report(number=i + 1, kind=ReportKind(r.kind), period_from=r.period_from, period_to=r.period_to,
                   due_on=r.due_on, status=ReportStatus.draft) for i, r in enumerate(reports)]
    agreement.reports = made
    db.session.flush()
    agreement.tranches = [
        Tranche(position=i, amount=quantize(t.amount), planned_on=t.planned_on, condition=Condition(t.condition),
                report_id=made[t.report_number - 1].id if t.condition == Condition.report_accepted else None)
        for i, t in enumerate(tranches)]
    db.session.flush()
    audit.record(actor, "agreement.schedule", agreement, after={
        "reports": [{"kind": r.kind, "due_on": r.due_on} for r in reports],
        "tranches": [{"amount": quantize(t.amount), "planned_on": t.planned_on, "condition": t.condition,
                      "report": t.report_number} for t in tranches]})

