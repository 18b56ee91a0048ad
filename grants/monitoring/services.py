"""The verbs of a report: save, add evidence, submit, accept, return; and the overdue sweep.

A report is the NGO's account of a period: the narrative, each indicator's actual against its
target, the beneficiaries reached, the contribution figures, the money spent per budget line,
and evidence behind every activity it calls done.
"""

from decimal import Decimal

from flask import current_app

import grants.agreements.rules  # noqa: F401  (registers report.review, which accept and return ask)
from grants import audit, mail, storage
from grants.agreements.models import ZERO, AgreementStatus, Condition, Kind, quantize
from grants.agreements.queries import spent_by_line
from grants.agreements.rules import STAFF
from grants.auth.models import User
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _, astana_today, format_money
from grants.monitoring import queries, signing
from grants.monitoring.models import (
    AGE_GROUPS,
    FIGURES,
    Evidence,
    EvidenceKind,
    ReportActivity,
    ReportIndicator,
    ReportSpending,
    ReportStatus,
)
from grants.monitoring.queries import OPEN_AGREEMENT
from grants.notifications.services import notify
from grants.permissions import can
from grants.refusals import Refusal


class ReportError(Refusal):
    """A refusal, with a message for the NGO or the operator."""


def _require_member(actor, report):
    org = report.agreement.organization
    if not org.has_member(actor):
        raise ReportError(_("Only the staff of %(ngo)s can do this.", ngo=org.name))


def _require_editable(report):
    if report.agreement.status not in OPEN_AGREEMENT:
        raise ReportError(_("Reports are no longer filed on this agreement (status: %(status)s).",
                            status=AgreementStatus(report.agreement.status).title))
    if not report.editable:
        raise ReportError(_("The report has been submitted and can no longer be changed."))


def refusal_to_edit(report):
    """Why the report cannot be changed now, in words; None while the NGO may still change it."""
    try:
        _require_editable(report)
    except ReportError as refusal:
        return str(refusal)
    return None


def save(actor, report, data, indicators=None, spending=None, activities=None, expected_revision=None):
    """Save the report as typed. `indicators` {indicator id: (actual, comment)}, `spending` {line id: amount},
    `activities` {activity id: (done, note)}; incomplete is fine until submission."""
    _require_member(actor, report)
    _require_editable(report)
    if expected_revision is not None and expected_revision != report.revision:
        raise ReportError(_("The report was changed in another window. Reload the page to see the latest text; "
                            "your typing here was not saved."))
    report.narrative = (data.get("narrative") or "").strip()
    for key in FIGURES:
        value = data.get(key)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise ReportError(_("Counts are whole numbers, zero or more."))
        setattr(report, key, value or 0)
    cofunding = data.get("cofunding")
    if cofunding is not None and cofunding < 0:
        raise ReportError(_("Co-funding cannot be below zero."))
    report.cofunding = quantize(cofunding or ZERO)
    if report.reach < report.beneficiaries:  # the table's check would refuse it at the flush
        raise ReportError(_("Total reach counts every beneficiary at least once: it cannot be less than the unique "
                            "beneficiaries."))
    agreement = report.agreement
    # Rows are updated in place: a new row for the same line would break the line's uniqueness at the flush.
    if indicators is not None:
        known = {i.id for i in agreement.indicators}
        if any(actual is not None and actual < 0 for actual, _comment in indicators.values()):
            raise ReportError(_("An indicator's actual value cannot be below zero."))
        rows = {r.indicator_id: r for r in report.indicators}
        kept = []
        for k, (actual, comment) in indicators.items():
            if k in known and actual is not None:
                row = rows.get(k) or ReportIndicator(indicator_id=k)
                row.actual, row.comment = Decimal(actual), (comment or "").strip()
                kept.append(row)
        report.indicators = kept
    if spending is not None:
        known = {line.id for line in agreement.budget_lines}
        if any(v is not None and v < 0 for v in spending.values()):
            raise ReportError(_("Spending cannot be below zero."))
        rows = {r.budget_line_id: r for r in report.spending}
        kept = []
        for k, v in spending.items():
            if k in known and v is not None:
                row = rows.get(k) or ReportSpending(budget_line_id=k)
                row.spent = quantize(v)
                kept.append(row)
        report.spending = kept
    if activities is not None:
        known = {a.id for a in agreement.activities}
        rows = {r.activity_id: r for r in report.activities}
        kept = []
        for k, (done, note) in activities.items():
            if k in known:
                row = rows.get(k) or ReportActivity(activity_id=k)
                row.done, row.note = bool(done), (note or "").strip()
                kept.append(row)
        report.activities = kept
    report.revision += 1
    db.session.flush()
    return report


def add_evidence(actor, report, stream, filename, activity_id=None, caption=""):
    """A photo or a document behind the report; the kind is judged from the file's bytes."""
    _require_member(actor, report)
    _require_editable(report)
    if activity_id is not None and activity_id not in {a.id for a in report.agreement.activities}:
        raise ReportError(_("Choose an activity of the calendar plan."))
    store = storage.storage_from_config(current_app.config)
    stored = store.save(stream, max_bytes=current_app.config["MAX_FILE_BYTES"], filename=filename or "evidence")
    kind = EvidenceKind.photo if stored.kind in ("jpg", "png") else EvidenceKind.document
    evidence = Evidence(activity_id=activity_id, kind=kind, caption=(caption or "").strip()[:400],
                        **storage.stored_columns(stored, actor))
    report.evidence.append(evidence)
    audit.record(actor, "report.add_evidence", report.agreement, after={
        "report": report.number, "file": evidence.filename, "kind": kind, "sha256": stored.sha256})
    return evidence


def remove_evidence(actor, report, evidence):
    _require_member(actor, report)
    _require_editable(report)
    key = evidence.storage_key
    audit.record(actor, "report.remove_evidence", report.agreement,
                 before={"report": report.number, "file": evidence.filename})
    report.evidence.remove(evidence)
    db.session.flush()
    storage.storage_from_config(current_app.config).delete(key)


def overspent_lines(report):
    """[(line, cumulative spent, plan)] where this report would take a line above its approved plan."""
    earlier = spent_by_line(report.agreement, exclude_report=report)
    found = []
    for row in report.spending:
        line = row.budget_line
        total = earlier.get(line.id, ZERO) + row.spent
        if total > line.planned:
            found.append((line, total, line.planned))
    return found


def problems(report):
    """Everything that stops submission, in words the NGO can act on."""
    found = []
    if not report.narrative:
        found.append(_("Describe what the project did in the period."))
    reported = {r.indicator_id for r in report.indicators}
    for indicator in report.agreement.indicators:
        if indicator.id not in reported:
            found.append(_("Give the actual value of “%(indicator)s”.", indicator=indicator.name))
    if report.reach < report.beneficiaries:
        found.append(_("Total reach counts every beneficiary at least once: it cannot be less than the unique "
                       "beneficiaries."))
    if report.women + report.men != report.beneficiaries:
        found.append(_("Women and men add up to %(n)d; the unique beneficiaries are %(total)d.",
                       n=report.women + report.men, total=report.beneficiaries))
    ages = sum(getattr(report, g) for g in AGE_GROUPS)
    if ages != report.beneficiaries:
        found.append(_("The age groups add up to %(n)d; the unique beneficiaries are %(total)d.", n=ages,
                       total=report.beneficiaries))
    for line, total, plan in overspent_lines(report):
        found.append(_("Spending on “%(item)s” would reach %(total)s, above its plan of %(plan)s. Propose a budget "
                       "amendment first; the operator must approve it.", item=line.item, total=format_money(total),
                       plan=format_money(plan)))
    evidenced = {e.activity_id for e in report.evidence}
    for row in report.activities:
        if row.done and row.activity_id not in evidenced:
            found.append(_("Attach a photo or document for the activity reported done: “%(activity)s”.",
                           activity=row.activity.activity[:120]))
    return found


def submit(actor, report, now=None, signature=None):
    """Draft or returned → submitted, complete; signed with the NGO's ЭЦП where given (and where required)."""
    _require_member(actor, report)
    _require_editable(report)
    found = problems(report)
    if found:
        raise ReportError(found[0])
    signed = signing.sign_submission(actor, report, signature, ReportError)
    before = report.status
    report.status = ReportStatus.submitted
    report.submitted_at = now or utcnow()
    report.submitted_by_id = actor.id
    audit.record(actor, "report.submit", report.agreement, {"report": report.number, "status": before},
                 {"report": report.number, "status": "submitted", "spent": report.spent,
                  **({"iin": signed.signer_iin, "sha256": signed.sha256, "test": signed.test} if signed else {})})
    return report


def _notify(report, template, kind=None, **context):
    """Tell the NGO's members: at once where the rules require it, else as each chose for `kind`."""
    for member in report.agreement.organization.memberships:
        locale = member.user.locale or report.agreement.language
        if kind is None:
            mail.queue_mail(member.user.email, template, locale, report=report, agreement=report.agreement, **context)
        else:
            notify(member.user, kind, template, locale, report=report, agreement=report.agreement, **context)


def _require_reviewer(actor, report):
    """The report's reviewer (grants.agreements.rules.review_report): the operator, or an SSO contract's customer."""
    decision = can(actor, "report.review", report)
    if not decision:
        raise ReportError(decision.reason)


def reviewed_by_customer(report):
    """Whether the report's last decision was its customer body's (an SSO contract's customer reviewed it), not the
    grant operator's: the NGO is told who decided."""
    if report.reviewed_by_id is None or report.agreement.kind != Kind.sso_contract:
        return False
    reviewer = db.session.get(User, report.reviewed_by_id)
    return reviewer is not None and not reviewer.has_any_role(*STAFF)


def accept(actor, report, comment="", signature=None):
    """Submitted → accepted, by the report's reviewer: the tranches that waited on it become payable. The acceptance
    is signed with the reviewer's ЭЦП where given (and where required)."""
    _require_reviewer(actor, report)
    if report.status != ReportStatus.submitted:
        raise ReportError(_("Only a submitted report is accepted or returned."))
    overspent = overspent_lines(report)
    if overspent:
        line, total, plan = overspent[0]
        raise ReportError(_("Spending on “%(item)s” reaches %(total)s, above its plan of %(plan)s: return the report "
                            "or approve an amendment first.", item=line.item, total=format_money(total),
                            plan=format_money(plan)))
    signed = signing.sign_acceptance(actor, report, signature, ReportError)
    report.status = ReportStatus.accepted
    report.reviewed_at = utcnow()
    report.reviewed_by_id = actor.id
    report.review_comment = (comment or "").strip() or None
    audit.record(actor, "report.accept", report.agreement, {"report": report.number, "status": "submitted"},
                 {"report": report.number, "status": "accepted", "comment": report.review_comment,
                  **({"iin": signed.signer_iin, "sha256": signed.sha256, "test": signed.test} if signed else {})})
    _notify(report, "report_reviewed", by_customer=reviewed_by_customer(report))
    return report


def return_for_revision(actor, report, comment, due_on, today=None):
    """Submitted → returned by the report's reviewer, with comments and a new due date."""
    _require_reviewer(actor, report)
    if report.status != ReportStatus.submitted:
        raise ReportError(_("Only a submitted report is accepted or returned."))
    if not (comment or "").strip():
        raise ReportError(_("Say what must be corrected: the NGO reads it."))
    if due_on is None or due_on <= (today or astana_today()):
        raise ReportError(_("The new due date must be after today."))
    before_due = report.due_on
    report.status = ReportStatus.returned
    report.reviewed_at = utcnow()
    report.reviewed_by_id = actor.id
    report.review_comment = comment.strip()
    report.due_on = due_on
    report.returns += 1
    audit.record(actor, "report.return", report.agreement,
                 {"report": report.number, "status": "submitted", "due_on": before_due},
                 {"report": report.number, "status": "returned", "due_on": due_on, "comment": comment.strip()})
    _notify(report, "report_reviewed", by_customer=reviewed_by_customer(report))
    return report


def notify_overdue(today=None):
    """Tell each NGO of its overdue reports, at most once a day; returns how many reports were notified."""
    today = today or astana_today()
    found = queries.overdue(today)
    notified = 0
    for report in found.reports:
        if report.reminded_on == today:
            continue
        report.reminded_on = today
        _notify(report, "report_overdue", "report_reminders", days=(today - report.due_on).days)
        notified += 1
    audit.record("monitoring", "monitoring.overdue", None, object_type="Monitoring", object_id=today, after={
        "day": today, "reports": [r.id for r in found.reports], "notified": notified,
        "tranches_blocked": [t.id for t, _why in found.tranches]})
    return notified


def tranches_on(report):
    """The tranches that wait on this report's acceptance."""
    return [t for t in report.agreement.tranches
            if t.condition == Condition.report_accepted and t.report_id == report.id]

