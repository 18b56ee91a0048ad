"""The verbs of an agreement: draw it up, schedule it, sign, pay, amend, suspend, complete, terminate, refund.

Each verb checks the state and the actor's right, writes the audit trail and flushes; the caller
commits once. Money is Decimal tenge throughout; totals come from one query (`totals`), so the
board, the agreement page and the exports cannot disagree.
"""

import calendar
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, defer

from grants import audit, storage
from grants.agreements.models import (
    ZERO,
    Agreement,
    AgreementActivity,
    AgreementBudgetLine,
    AgreementDocument,
    AgreementIndicator,
    AgreementStatus,
    AmendmentState,
    BudgetAmendment,
    Condition,
    DocumentKind,
    Ground,
    Kind,
    Repayment,
    Tranche,
    quantize,
)
from grants.applications.models import INSTITUTIONAL_SHARE_LIMIT, Application, Status
from grants.calls.models import Topic
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _, astana_today, format_money
from grants.identifiers import bin_problem
from grants.monitoring.models import Report, ReportKind, ReportSpending, ReportStatus
from grants.organizations.models import Organization
from grants.refusals import Refusal


class AgreementError(Refusal):
    """A refusal, with a message for the operator or the NGO."""


def _require_status(agreement, *allowed):
    if agreement.status not in allowed:
        raise AgreementError(_("This cannot be done now (agreement status: %(status)s).",
                               status=AgreementStatus(agreement.status).title))


def _require_member(actor, agreement):
    if not agreement.organization.has_member(actor):
        raise AgreementError(_("Only the staff of %(ngo)s can do this.", ngo=agreement.organization.name))


def _period(starts_on, ends_on):
    if not starts_on or not ends_on:
        raise AgreementError(_("Give the period of the agreement."))
    if ends_on <= starts_on:
        raise AgreementError(_("The agreement must end after it starts."))


def _number(topic):
    """The call's code and the next serial of its agreements: 2025-MCI-04/003."""
    count = db.session.execute(sa.select(sa.func.count()).select_from(Agreement).join(Topic)
                               .where(Topic.call_id == topic.call_id)).scalar_one()
    return f"{topic.call.code}/{count + 1:03d}"


def draw_up(actor, application, starts_on, ends_on):
    """A draft agreement from an awarded application: its budget, indicators and plan are copied where its form
    has them. An award's agreement is for the winner's share of the nomination (an award has no budget)."""
    if application.status != Status.awarded:
        raise AgreementError(_("An agreement is drawn up only for an awarded application."))
    if application.call.instrument == "sso":
        raise AgreementError(_("A state social order's winner is contracted from the procurement result: register "
                               "the contract instead."))
    existing = db.session.execute(sa.select(Agreement.number).where(Agreement.application_id == application.id))
    if (number := existing.scalar_one_or_none()) is not None:
        raise AgreementError(_("The application already has agreement %(number)s.", number=number))
    _period(starts_on, ends_on)
    award = application.call.instrument == "award"
    if award and application.awarded_amount is None:
        raise AgreementError(_("The award's share is set when the commission's results are published."))
    agreement = Agreement(
        number=_number(application.topic), kind=Kind.award if award else Kind.grant, application=application,
        organization=application.organization, topic=application.topic, title=application.title,
        language=application.language, amount=application.awarded_amount if award else application.budget_total,
        starts_on=starts_on, ends_on=ends_on,
        status=AgreementStatus.draft, feedback_token=secrets.token_urlsafe(16), created_by_id=actor.id,
    )
    agreement.budget_lines = [AgreementBudgetLine(position=i, item=b.item, unit=b.unit, planned=b.total,
                                                  institutional=b.institutional, year=b.year)
                              for i, b in enumerate(application.budget_lines)]
    agreement.indicators = [AgreementIndicator(position=i, name=x.name, unit=x.unit, baseline=x.baseline,
                                               target=x.target, year=x.year)
                            for i, x in enumerate(application.indicators)]
    agreement.activities = [AgreementActivity(position=i, activity=a.activity, start_month=a.start_month,
                                              end_month=a.end_month) for i, a in enumerate(application.activities)]
    db.session.add(agreement)
    db.session.flush()
    audit.record(actor, "agreement.draw_up", agreement, after={
        "number": agreement.number, "application": application.receipt_number, "amount": agreement.amount,
        "starts_on": starts_on, "ends_on": ends_on})
    return agreement


def register_contract(actor, topic, supplier_bin, contract_number, procurement_ref, price, starts_on, ends_on,
                      title, language, indicators=()):
    """A state social order contract from the procurement result: only with a winner of the topic, at the price
    it offered (its offer's total; a form without an offer, its budget's), once; the supplier NGO, the number,
    the procurement reference. The specification's services, at the volumes and prices offered, become the
    contract's budget lines and its indicators."""
    if topic.call.instrument != "sso":
        raise AgreementError(_("Contracts are registered only for a state social order call."))
    supplier_bin = (supplier_bin or "").strip()
    if problem := bin_problem(supplier_bin):
        raise AgreementError(problem)
    supplier = db.session.execute(sa.select(Organization).where(Organization.bin == supplier_bin)).scalar_one_or_none()
    if supplier is None:
        raise AgreementError(_("No NGO with BIN %(bin)s is registered on the platform: the NGO must register first.",
                               bin=supplier_bin))
    if not (contract_number or "").strip():
        raise AgreementError(_("Give the contract's number."))
    if price is None or price <= 0:
        raise AgreementError(_("Give the contract's price in tenge."))
    winner = db.session.execute(sa.select(Application).where(
        Application.topic_id == topic.id, Application.organization_id == supplier.id,
        Application.status == Status.awarded)).scalars().first()
    if winner is None:
        raise AgreementError(_("The contract is made only with the topic's winner: %(ngo)s did not win it.",
                               ngo=supplier.name))
    if (existing := agreement_for(winner)) is not None:
        raise AgreementError(_("The winner already has contract %(number)s.", number=existing.number))
    if quantize(price) != winner.price:
        raise AgreementError(_("The contract is at the winner's offered price, %(price)s.",
                               price=format_money(winner.price)))
    if language not in ("kk", "ru"):
        raise AgreementError(_("Choose the language of the reports."))
    _period(starts_on, ends_on)
    agreement = Agreement(
        number=_number(topic), kind=Kind.sso_contract, organization=supplier, topic=topic, application=winner,
        title=(title or "").strip()[:400] or topic.title_ru, language=language, amount=quantize(price),
        starts_on=starts_on, ends_on=ends_on, status=AgreementStatus.draft, contract_number=contract_number.strip(),
        procurement_ref=(procurement_ref or "").strip() or None, feedback_token=secrets.token_urlsafe(16),
        created_by_id=actor.id,
    )
    services = [(*line.spec_item.in_language(language), line) for line in winner.offer_lines]
    if services:
        agreement.budget_lines = [AgreementBudgetLine(position=i, item=service, unit=unit, planned=line.total)
                                  for i, (service, unit, line) in enumerate(services)]
    else:
        agreement.budget_lines = [AgreementBudgetLine(position=0, item=_("Contract price"), unit="",
                                                      planned=quantize(price))]
    rows = [dict(name=service, unit=unit, baseline=Decimal("0"), target=line.volume)
            for service, unit, line in services] + list(indicators)
    agreement.indicators = [AgreementIndicator(position=i, **row) for i, row in enumerate(rows)]
    db.session.add(agreement)
    db.session.flush()
    audit.record(actor, "agreement.register_contract", agreement, after={
        "number": agreement.number, "supplier": supplier_bin, "contract_number": agreement.contract_number,
        "procurement_ref": agreement.procurement_ref, "price": agreement.amount})
    return agreement


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
    _require_status(agreement, AgreementStatus.draft)
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


def add_document(actor, agreement, kind, stream, filename):
    kind = DocumentKind(kind)
    store = storage.storage_from_config(current_app.config)
    stored = store.save(stream, max_bytes=current_app.config["MAX_FILE_BYTES"], filename=filename or "agreement")
    document = AgreementDocument(kind=kind, **storage.stored_columns(stored, actor))
    agreement.documents.append(document)
    audit.record(actor, "agreement.add_document", agreement,
                 after={"document": document.filename, "kind": kind, "sha256": stored.sha256})
    return document


def sign(actor, agreement, signed_on, today=None):
    """Draft → active, once the schedule is set and the signed copy is uploaded."""
    _require_status(agreement, AgreementStatus.draft)
    if not agreement.tranches or not agreement.reports:
        raise AgreementError(_("Set the schedule of reports and tranches before signing."))
    if agreement.signed_copy is None:
        raise AgreementError(_("Upload the signed copy of the agreement first."))
    if signed_on is None or signed_on > (today or astana_today()):
        raise AgreementError(_("The date of signing cannot be in the future."))
    agreement.signed_on = signed_on
    agreement.status = AgreementStatus.active
    audit.record(actor, "agreement.sign", agreement, {"status": "draft"}, {"status": "active", "signed_on": signed_on})


def suspend(actor, agreement, reason):
    _require_status(agreement, AgreementStatus.active)
    if not (reason or "").strip():
        raise AgreementError(_("Give the reason for the suspension."))
    agreement.status = AgreementStatus.suspended
    agreement.suspension_reason = reason.strip()
    audit.record(actor, "agreement.suspend", agreement, {"status": "active"},
                 {"status": "suspended", "reason": reason.strip()})


def resume(actor, agreement):
    _require_status(agreement, AgreementStatus.suspended)
    agreement.status = AgreementStatus.active
    audit.record(actor, "agreement.resume", agreement, {"status": "suspended"}, {"status": "active"})


def tranche_state(tranche):
    """'paid', 'payable' or 'blocked', and why it is blocked, in words."""
    if tranche.paid:
        return "paid", None
    if tranche.agreement.status != AgreementStatus.active:
        return "blocked", _("the agreement is %(status)s",
                            status=str(AgreementStatus(tranche.agreement.status).title).lower())
    if tranche.condition == Condition.report_accepted and tranche.report.status != ReportStatus.accepted:
        return "blocked", _("report %(n)d is not accepted yet", n=tranche.report.number)
    return "payable", None


def pay(actor, tranche, paid_on, reference, today=None):
    """Record the payment of a payable tranche, once."""
    state, why = tranche_state(tranche)
    if state == "paid":
        raise AgreementError(_("This tranche is already paid."))
    if state == "blocked":
        raise AgreementError(_("This tranche is not payable: %(why)s.", why=why))
    if not (reference or "").strip():
        raise AgreementError(_("Give the payment order's number."))
    if paid_on is None or paid_on > (today or astana_today()):
        raise AgreementError(_("The date of payment cannot be in the future."))
    tranche.paid_on = paid_on
    tranche.payment_reference = reference.strip()[:64]
    tranche.paid_by_id = actor.id
    audit.record(actor, "tranche.pay", tranche.agreement, after={
        "tranche": tranche.position + 1, "amount": tranche.amount, "paid_on": paid_on,
        "reference": tranche.payment_reference})


def spent_by_line(agreement, statuses=(ReportStatus.submitted, ReportStatus.accepted), exclude_report=None,
                  before=None):
    """{budget line id: money reported spent} over the agreement's reports in the given statuses.

    exclude_report leaves one report out (every other one counts: the plan caps the whole);
    before counts only the reports earlier in the schedule than that one — by number, the
    schedule's order, not by due date, which a return for revision moves.
    """
    query = (sa.select(ReportSpending.budget_line_id, sa.func.sum(ReportSpending.spent))
             .join(Report, Report.id == ReportSpending.report_id)
             .where(Report.agreement_id == agreement.id, Report.status.in_(list(statuses)))
             .group_by(ReportSpending.budget_line_id))
    if exclude_report is not None:
        query = query.where(Report.id != exclude_report.id)
    if before is not None:
        query = query.where(Report.number < before.number)
    return {line_id: quantize(total) for line_id, total in db.session.execute(query)}


def propose_amendment(actor, agreement, changes, reason):
    """The NGO asks to move money between budget lines; the total stays, nothing goes below what is spent."""
    _require_member(actor, agreement)
    _require_status(agreement, AgreementStatus.active)
    if not (reason or "").strip():
        raise AgreementError(_("Explain why the budget should change."))
    lines = {line.id: line for line in agreement.budget_lines}
    changes = {int(k): quantize(v) for k, v in changes.items()
               if int(k) in lines and quantize(v) != lines[int(k)].planned}
    if not changes:
        raise AgreementError(_("The proposal changes no budget line."))
    _check_plan(agreement, changes)
    if any(a.state == AmendmentState.proposed for a in agreement.amendments):
        raise AgreementError(_("An earlier proposal awaits the operator's decision."))
    amendment = BudgetAmendment(changes={str(k): str(v) for k, v in changes.items()}, reason=reason.strip(),
                                state=AmendmentState.proposed, proposed_by_id=actor.id)
    agreement.amendments.append(amendment)
    db.session.flush()
    audit.record(actor, "agreement.propose_amendment", agreement, after={"changes": amendment.changes,
                                                                         "reason": amendment.reason})
    return amendment


def _check_plan(agreement, changes):
    lines = {line.id: line for line in agreement.budget_lines}
    plan = {line_id: changes.get(line_id, line.planned) for line_id, line in lines.items()}
    if any(v < 0 for v in plan.values()):
        raise AgreementError(_("A budget line cannot be below zero."))
    if sum(plan.values(), ZERO) != agreement.budget_total:
        raise AgreementError(_("The lines must still add up to %(total)s.", total=format_money(agreement.budget_total)))
    spent = spent_by_line(agreement)
    for line_id, value in plan.items():
        if value < spent.get(line_id, ZERO):
            raise AgreementError(_("“%(item)s” has %(spent)s spent already; its plan cannot be less.",
                                   item=lines[line_id].item, spent=format_money(spent[line_id])))
    institutional = sum((v for k, v in plan.items() if lines[k].institutional), ZERO)
    total = sum(plan.values(), ZERO)
    if total and institutional / total > INSTITUTIONAL_SHARE_LIMIT:
        raise AgreementError(_("Institutional development would be above 10%% of the budget."))


def decide_amendment(actor, amendment, approve, note=""):
    """The operator approves (the plan changes, audited line by line) or rejects with a note."""
    agreement = db.session.get(Agreement, amendment.agreement_id)
    if amendment.state != AmendmentState.proposed:
        raise AgreementError(_("This proposal has already been decided."))
    if not approve and not (note or "").strip():
        raise AgreementError(_("Give the reason for the rejection: the NGO reads it."))
    if approve:
        _require_status(agreement, AgreementStatus.active, AgreementStatus.suspended)
        changes = {int(k): Decimal(v) for k, v in amendment.changes.items()}
        _check_plan(agreement, changes)
        before = {line.item: line.planned for line in agreement.budget_lines if line.id in changes}
        for line in agreement.budget_lines:
            if line.id in changes:
                line.planned = changes[line.id]
        after = {line.item: line.planned for line in agreement.budget_lines if line.id in changes}
        audit.record(actor, "agreement.amend_budget", agreement, before, after)
    amendment.state = AmendmentState.approved if approve else AmendmentState.rejected
    amendment.decided_by_id = actor.id
    amendment.decided_at = utcnow()
    amendment.decision_note = (note or "").strip() or None
    audit.record(actor, "agreement.decide_amendment", agreement,
                 after={"amendment": amendment.id, "state": amendment.state, "note": amendment.decision_note})


def complete(actor, agreement, completed_on):
    """Active → completed, once the final report is accepted."""
    _require_status(agreement, AgreementStatus.active)
    final = next((r for r in agreement.reports if r.kind == ReportKind.final), None)
    if final is None or final.status != ReportStatus.accepted:
        raise AgreementError(_("The agreement is completed once its final report is accepted."))
    agreement.status = AgreementStatus.completed
    agreement.completed_on = completed_on
    audit.record(actor, "agreement.complete", agreement, {"status": "active"},
                 {"status": "completed", "completed_on": completed_on})


def terminate(actor, agreement, ground, reason, refund_due, terminated_on):
    """For misuse or non-performance: the decision, and the money to return (at most what was paid)."""
    _require_status(agreement, AgreementStatus.active, AgreementStatus.suspended)
    ground = Ground(ground)
    if not (reason or "").strip():
        raise AgreementError(_("Give the reason for the termination."))
    if refund_due is None or refund_due < 0:
        raise AgreementError(_("Give the amount to return, zero if none."))
    paid = totals([agreement.id])[agreement.id].paid
    if quantize(refund_due) > paid:
        raise AgreementError(_("The amount to return (%(due)s) must not be more than was paid (%(paid)s).",
                               due=format_money(quantize(refund_due)), paid=format_money(paid)))
    before = agreement.status
    agreement.status = AgreementStatus.terminated
    agreement.termination_ground = ground
    agreement.termination_reason = reason.strip()
    agreement.refund_due = quantize(refund_due)
    agreement.terminated_on = terminated_on
    audit.record(actor, "agreement.terminate", agreement, {"status": before}, {
        "status": "terminated", "ground": ground, "reason": reason.strip(), "refund_due": agreement.refund_due,
        "terminated_on": terminated_on})


def record_repayment(actor, agreement, amount, received_on, reference, today=None):
    _require_status(agreement, AgreementStatus.terminated)
    if amount is None or amount <= 0:
        raise AgreementError(_("A refund must be more than zero."))
    if not (reference or "").strip():
        raise AgreementError(_("Give the payment order's number."))
    if received_on is None or received_on > (today or astana_today()):
        raise AgreementError(_("The date received cannot be in the future."))
    balance = totals([agreement.id])[agreement.id].refund_balance
    if quantize(amount) > balance:
        raise AgreementError(_("The refund (%(amount)s) must not be more than the balance to return (%(balance)s).",
                               amount=format_money(quantize(amount)), balance=format_money(balance)))
    repayment = Repayment(amount=quantize(amount), received_on=received_on, reference=reference.strip()[:64],
                          recorded_by_id=actor.id)
    agreement.repayments.append(repayment)
    db.session.flush()
    audit.record(actor, "agreement.repayment", agreement, after={
        "amount": repayment.amount, "received_on": received_on, "reference": repayment.reference})
    return repayment


@dataclass(frozen=True)
class Totals:
    amount: Decimal
    paid: Decimal
    spent: Decimal  # in accepted reports
    refund_due: Decimal
    refunded: Decimal

    @property
    def unpaid(self):
        return self.amount - self.paid

    @property
    def refund_balance(self):
        return self.refund_due - self.refunded

    @property
    def unspent(self):
        """Paid and not yet shown spent in an accepted report."""
        return self.paid - self.spent


def totals(agreement_ids):
    """{agreement id: Totals} for many agreements in one query, summed in the database in Decimal."""
    ids = list(agreement_ids)
    if not ids:
        return {}
    paid = (sa.select(sa.func.coalesce(sa.func.sum(Tranche.amount), 0)).where(
        Tranche.agreement_id == Agreement.id, Tranche.paid_on.is_not(None)).scalar_subquery())
    spent = (sa.select(sa.func.coalesce(sa.func.sum(ReportSpending.spent), 0))
             .join(Report, Report.id == ReportSpending.report_id)
             .where(Report.agreement_id == Agreement.id, Report.status == ReportStatus.accepted).scalar_subquery())
    refunded = (sa.select(sa.func.coalesce(sa.func.sum(Repayment.amount), 0))
                .where(Repayment.agreement_id == Agreement.id).scalar_subquery())
    rows = db.session.execute(sa.select(Agreement.id, Agreement.amount, paid, spent,
                                        sa.func.coalesce(Agreement.refund_due, 0), refunded)
                              .where(Agreement.id.in_(ids)))
    return {row[0]: Totals(*(quantize(v) for v in row[1:])) for row in rows}


def agreement_for(application):
    return db.session.execute(sa.select(Agreement).where(Agreement.application_id == application.id)
                              ).scalar_one_or_none()


def awarded_without_agreement(call=None):
    """Awarded applications still waiting for their agreement, by receipt number: the operator's to-do list, as a
    query to paginate (the NGO is joined by the model; the application's content is not loaded)."""
    query = (sa.select(Application).outerjoin(Agreement, Agreement.application_id == Application.id)
             .where(Application.status == Status.awarded, Agreement.id.is_(None))
             .options(defer(Application.sections)).order_by(Application.receipt_number, Application.id))
    if call is not None:
        query = query.join(Topic, Topic.id == Application.topic_id).where(Topic.call_id == call.id)
    return query


# --- the read side of the monitoring board -------------------------------------------------

OPEN = (AgreementStatus.active, AgreementStatus.suspended)
BOARD_FILTERS = ("call", "direction", "region", "status", "kind", "overdue", "sort")
BOARD_SORTS = ("number", "amount", "ngo")


def overdue_clause(today=None):
    """True for an open agreement with a report past due and not submitted, or an unpaid tranche past its
    planned date whose condition does not hold: the same findings as monitoring's overdue sweep."""
    today = today or astana_today()
    late_report = sa.exists().where(Report.agreement_id == Agreement.id, Report.due_on < today,
                                    Report.status.in_((ReportStatus.draft, ReportStatus.returned)))
    awaited = aliased(Report)
    not_accepted = ~sa.exists().where(awaited.id == Tranche.report_id, awaited.status == ReportStatus.accepted)
    blocked = sa.or_(Agreement.status != AgreementStatus.active,
                     sa.and_(Tranche.condition == Condition.report_accepted, not_accepted))
    late_tranche = sa.exists().where(Tranche.agreement_id == Agreement.id, Tranche.paid_on.is_(None),
                                     Tranche.planned_on < today, blocked)
    return sa.and_(Agreement.status.in_(OPEN), sa.or_(late_report, late_tranche))


def board_query(args, today=None):
    """Every agreement, filtered by the board's query string (call, direction, region, status, kind, overdue)
    and sorted (by number unless told): loader options are the caller's."""
    query = (sa.select(Agreement).join(Topic, Topic.id == Agreement.topic_id)
             .join(Organization, Organization.id == Agreement.organization_id))
    for key, column in (("call", Topic.call_id), ("direction", Topic.direction_id),
                        ("region", Organization.region_id)):
        if str(args.get(key) or "").isdigit():
            query = query.where(column == int(args[key]))
    if args.get("status") in set(AgreementStatus):
        query = query.where(Agreement.status == args["status"])
    if args.get("kind") in set(Kind):
        query = query.where(Agreement.kind == args["kind"])
    if args.get("overdue"):
        query = query.where(overdue_clause(today))
    sort = args.get("sort") if args.get("sort") in BOARD_SORTS else "number"
    order = {"number": (Agreement.number,), "amount": (Agreement.amount.desc(), Agreement.number),
             "ngo": (Organization.name_ru, Agreement.number)}[sort]
    return query.order_by(*order, Agreement.id)


def _ids(query_or_ids):
    """The agreement ids of a board query (as a subquery) or of a list."""
    if isinstance(query_or_ids, sa.Select):
        return (query_or_ids.with_only_columns(Agreement.id, maintain_column_froms=True).order_by(None)
                .correlate(None))
    return list(query_or_ids)


def board_totals(query_or_ids):
    """Amount, paid, spent (accepted reports), refund due and refunded over a whole filtered set, in one query
    of ungrouped aggregates: the same sums as `totals`, added up."""
    ids = _ids(query_or_ids)
    if isinstance(ids, list) and not ids:
        return Totals(ZERO, ZERO, ZERO, ZERO, ZERO)
    agreement = aliased(Agreement)
    amount = sa.select(sa.func.coalesce(sa.func.sum(agreement.amount), 0)).where(agreement.id.in_(ids))
    paid = sa.select(sa.func.coalesce(sa.func.sum(Tranche.amount), 0)).where(
        Tranche.agreement_id.in_(ids), Tranche.paid_on.is_not(None))
    spent = (sa.select(sa.func.coalesce(sa.func.sum(ReportSpending.spent), 0))
             .join(Report, Report.id == ReportSpending.report_id)
             .where(Report.agreement_id.in_(ids), Report.status == ReportStatus.accepted))
    refund_due = sa.select(sa.func.coalesce(sa.func.sum(agreement.refund_due), 0)).where(agreement.id.in_(ids))
    refunded = sa.select(sa.func.coalesce(sa.func.sum(Repayment.amount), 0)).where(Repayment.agreement_id.in_(ids))
    row = db.session.execute(sa.select(*(q.scalar_subquery() for q in (amount, paid, spent, refund_due,
                                                                        refunded)))).one()
    return Totals(*(quantize(v) for v in row))


@dataclass(frozen=True)
class BoardRow:
    next_due: date | None  # the earliest report not yet submitted, on an open agreement
    overdue: bool


def board_rows(agreement_ids, today=None):
    """{agreement id: BoardRow} for a page of the board, in one query."""
    ids = list(agreement_ids)
    if not ids:
        return {}
    next_due = (sa.select(sa.func.min(Report.due_on))
                .where(Report.agreement_id == Agreement.id,
                       Report.status.in_((ReportStatus.draft, ReportStatus.returned))).scalar_subquery())
    rows = db.session.execute(sa.select(Agreement.id, sa.case((Agreement.status.in_(OPEN), next_due)),
                                        overdue_clause(today)).where(Agreement.id.in_(ids)))
    return {row[0]: BoardRow(row[1], bool(row[2])) for row in rows}


def visible_agreements(user):
    """The agreements a non-staff user may open, newest first: their NGOs', their customer body's calls',
    and, for observers and analysts, every signed one."""
    from grants.auth.models import Role
    from grants.calls.models import Call
    from grants.organizations.models import Membership

    seen = []
    if user.has_role(Role.applicant):
        seen.append(Agreement.organization_id.in_(
            sa.select(Membership.organization_id).where(Membership.user_id == user.id)))
    if user.has_role(Role.customer) and user.customer_body_id is not None:
        seen.append(Agreement.topic_id.in_(sa.select(Topic.id).join(Call, Call.id == Topic.call_id)
                                           .where(Call.customer_id == user.customer_body_id)))
    if user.has_any_role(Role.observer, Role.analyst):
        seen.append(Agreement.status != AgreementStatus.draft)
    return (sa.select(Agreement).where(sa.or_(*seen) if seen else sa.false())
            .order_by(Agreement.created_at.desc(), Agreement.id.desc()))


def timeline(agreement, limit=300):
    """The agreement's audit events, newest first."""
    return db.session.execute(
        sa.select(audit.AuditEvent).where(audit.AuditEvent.object_type == "Agreement",
                                          audit.AuditEvent.object_id == str(agreement.id))
        .order_by(audit.AuditEvent.id.desc()).limit(limit)).scalars().all()
