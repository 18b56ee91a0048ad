"""The verbs of an agreement: draw it up, sign, pay, amend, suspend, complete, terminate, refund.

Each verb checks the state and the actor's right, writes the audit trail and flushes; the caller
commits once. Money is Decimal tenge throughout. The schedule of reports and tranches is set in
schedule.py; the reads (the board, the totals) are in queries.py.
"""

import secrets
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

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
    quantize,
)
from grants.agreements.queries import agreement_for, spent_by_line, totals
from grants.applications.models import INSTITUTIONAL_SHARE_LIMIT, Application, Status, row_dict
from grants.auth.services import eds_required
from grants.calls.models import Topic
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _, astana_today, format_money
from grants.identifiers import bin_problem
from grants.monitoring.models import ReportKind, ReportStatus
from grants.organizations.models import Organization
from grants.refusals import Refusal


class AgreementError(Refusal):
    """A refusal, with a message for the operator or the NGO."""


def require_status(agreement, *allowed):
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
        lead_id=application.lead_id,  # whoever followed the application follows its agreement
    )
    # The application's rows become the agreement's. An indicator has the same FIELDS on both; a budget line's total
    # becomes its plan and a plan line's output is not kept, so those two are copied by name.
    agreement.budget_lines = [AgreementBudgetLine(position=i, item=b.item, unit=b.unit, planned=b.total,
                                                  institutional=b.institutional, year=b.year)
                              for i, b in enumerate(application.budget_lines)]
    agreement.indicators = [AgreementIndicator(position=i, **row_dict(x)) for i, x in enumerate(application.indicators)]
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
    require_status(agreement, AgreementStatus.draft)
    if eds_required(actor):
        raise AgreementError(_("Your role signs agreements with EDS: the NGO signs first, then choose “Sign with "
                               "EDS” on this page."))
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
    require_status(agreement, AgreementStatus.active)
    if not (reason or "").strip():
        raise AgreementError(_("Give the reason for the suspension."))
    agreement.status = AgreementStatus.suspended
    agreement.suspension_reason = reason.strip()
    audit.record(actor, "agreement.suspend", agreement, {"status": "active"},
                 {"status": "suspended", "reason": reason.strip()})


def resume(actor, agreement):
    require_status(agreement, AgreementStatus.suspended)
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
    if paid_on is None:
        raise AgreementError(_("Give the date."))
    if paid_on > (today or astana_today()):
        raise AgreementError(_("The date of payment cannot be in the future."))
    tranche.paid_on = paid_on
    tranche.payment_reference = reference.strip()[:64]
    tranche.paid_by_id = actor.id
    audit.record(actor, "tranche.pay", tranche.agreement, after={
        "tranche": tranche.position + 1, "amount": tranche.amount, "paid_on": paid_on,
        "reference": tranche.payment_reference})


def propose_amendment(actor, agreement, changes, reason):
    """The NGO asks to move money between budget lines; the total stays, nothing goes below what is spent."""
    _require_member(actor, agreement)
    require_status(agreement, AgreementStatus.active)
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
    return audit.add(actor, "agreement.propose_amendment", agreement, amendment,
                     {"changes": amendment.changes, "reason": amendment.reason})


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
        require_status(agreement, AgreementStatus.active, AgreementStatus.suspended)
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
    require_status(agreement, AgreementStatus.active)
    final = next((r for r in agreement.reports if r.kind == ReportKind.final), None)
    if final is None or final.status != ReportStatus.accepted:
        raise AgreementError(_("The agreement is completed once its final report is accepted."))
    agreement.status = AgreementStatus.completed
    agreement.completed_on = completed_on
    audit.record(actor, "agreement.complete", agreement, {"status": "active"},
                 {"status": "completed", "completed_on": completed_on})


def terminate(actor, agreement, ground, reason, refund_due, terminated_on):
    """For misuse or non-performance: the decision, and the money to return (at most what was paid)."""
    require_status(agreement, AgreementStatus.active, AgreementStatus.suspended)
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
    require_status(agreement, AgreementStatus.terminated)
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
    return audit.add(actor, "agreement.repayment", agreement, repayment, {
        "amount": repayment.amount, "received_on": received_on, "reference": repayment.reference})

