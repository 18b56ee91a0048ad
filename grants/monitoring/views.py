"""Reports: the NGO writes and submits; the operator accepts or returns (for an SSO contract, its customer:
grants/monitoring/customer_views.py, on the same review page)."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

import grants.agreements.rules  # noqa: F401  (registers the rules)
from grants import storage
from grants.agreements.models import ZERO, Agreement, AgreementStatus, Kind
from grants.agreements.queries import spent_by_line
from grants.agreements.services import tranche_state
from grants.auth.eds import posted_signature
from grants.auth.forms import ConfirmForm
from grants.auth.models import Role
from grants.calls.models import Call, Topic
from grants.extensions import db
from grants.forms import choices
from grants.i18n import _, astana_today
from grants.monitoring import queries, services, signing
from grants.monitoring.forms import AcceptForm, EvidenceForm, ReturnForm, collected, form_data, report_form
from grants.monitoring.models import Evidence, EvidenceKind, Report, ReportKind, ReportStatus
from grants.permissions import allow, can, require
from grants.reference.models import Region
from grants.refusals import attempt

log = logging.getLogger(__name__)
bp = Blueprint("monitoring", __name__, template_folder="templates")

STAFF = (Role.operator, Role.admin)
RETURN_DAYS = 10  # the new due date offered when a report is returned
PER_PAGE = 50


REPORT_RULES = ("report.view", "report.review")  # rules asked of the report itself; the others of its agreement


def load(report_id, action="report.view"):
    """The report, once the rule allows it: report.view and report.review on the report, the others on its
    agreement."""
    report = db.get_or_404(Report, report_id)
    require(action, report if action in REPORT_RULES else report.agreement)
    return report


@dataclass(frozen=True)
class Desk:
    """Where a reviewer works: the queue (asked with `needs`) and the review page with its two forms. The operator
    and an SSO contract's customer share the pages and differ in these endpoints."""

    needs: str
    queue: str
    review: str
    accept: str
    return_report: str


OPERATOR_DESK = Desk("report.queue", "monitoring.queue", "monitoring.review", "monitoring.accept",
                     "monitoring.return_report")
CUSTOMER_DESK = Desk("report.customer_review", "customer_reports.queue", "customer_reports.review",
                     "customer_reports.accept", "customer_reports.return_report")


def desk_for(user, report):
    """The desk whose review page of the report the user may open, or None."""
    if not can(user, "report.review", report):
        return None
    return next((desk for desk in (OPERATOR_DESK, CUSTOMER_DESK) if can(user, desk.needs)), None)


@bp.app_template_global("review_desk")
def current_desk(report):
    """desk_for the signed-in user: where an agreement's page links a submitted report for review."""
    return desk_for(current_user, report)


def load_evidence(report, evidence_id):
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.report_id != report.id:
        abort(404)
    return evidence


def sheet(report):
    """The report laid out for reading: indicators against targets, spending against the plan, activities."""
    agreement = report.agreement
    actuals = {row.indicator_id: row for row in report.indicators}
    indicators = []
    for indicator in agreement.indicators:
        row = actuals.get(indicator.id)
        actual = row.actual if row else None
        percent = None
        if actual is not None and indicator.target:
            percent = (Decimal(actual) * 100 / indicator.target).quantize(Decimal("0.1"))
        indicators.append({"indicator": indicator, "actual": actual, "comment": row.comment if row else "",
                           "percent": percent})
    before = spent_by_line(agreement, before=report)  # earlier in the schedule, not every other report
    now = {row.budget_line_id: row.spent for row in report.spending}
    lines = []
    for line in agreement.budget_lines:
        earlier, this = before.get(line.id, ZERO), now.get(line.id, ZERO)
        lines.append({"line": line, "plan": line.planned, "earlier": earlier, "this": this,
                      "cumulative": earlier + this, "variance": line.planned - earlier - this})
    totals = {key: sum((row[key] for row in lines), ZERO)
              for key in ("plan", "earlier", "this", "cumulative", "variance")}
    marks = {row.activity_id: row for row in report.activities}
    known = {a.id for a in agreement.activities}
    activities = [{"activity": a, "done": bool(marks.get(a.id) and marks[a.id].done),
                   "note": marks[a.id].note if a.id in marks else "",
                   "evidence": [e for e in report.evidence if e.activity_id == a.id]} for a in agreement.activities]
    other = [e for e in report.evidence if e.activity_id not in known]
    return {"indicators": indicators, "lines": lines, "totals": totals, "activities": activities,
            "other_evidence": other}


def _titles():
    return {"kind_title": lambda v: ReportKind(v).title, "status_title": lambda v: ReportStatus(v).title,
            "agreement_status_title": lambda v: AgreementStatus(v).title}


def evidence_form(report, **kwargs):
    form = EvidenceForm(**kwargs)
    form.activity_id.choices = choices(
        [("", _("— not tied to an activity —"))]
        + [(str(a.id), f"{a.position + 1}. {a.activity[:100]}") for a in report.agreement.activities])
    return form


def render_show(report, upload=None, status=200):
    grantee = can(current_user, "agreement.grantee", report.agreement)
    editable = grantee and services.refusal_to_edit(report) is None
    return render_template(
        "monitoring/report_show.html", report=report, agreement=report.agreement, sheet=sheet(report),
        grantee=grantee, editable=editable, problems=services.problems(report) if editable else [],
        upload=upload or evidence_form(report), confirm=ConfirmForm(), desk=desk_for(current_user, report),
        signing=signing.offer(current_user, signing.submission_manifest(report)) if editable else None,
        signatures=signing.signatures_of(report),
        by_customer=services.reviewed_by_customer(report), sso=report.agreement.kind == Kind.sso_contract,
        **_titles()), status


@bp.route("/reports/<int:report_id>")
@allow("report.view")
def show(report_id):
    return render_show(load(report_id))


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
@allow("agreement.grantee")
def edit(report_id):
    report = load(report_id, "agreement.grantee")
    refusal = services.refusal_to_edit(report)
    if refusal:
        flash(refusal, "info")
        return redirect(url_for("monitoring.show", report_id=report.id))
    if request.method == "GET":
        form = report_form(report, data=form_data(report))
        return render_template("monitoring/report_edit.html", form=form, report=report, agreement=report.agreement,
                               **_titles())
    form = report_form(report)
    if form.validate():
        data, indicators, spending, activities = collected(form, report)
        expected = int(form.revision.data) if (form.revision.data or "").isdigit() else None
        try:
            services.save(current_user, report, data, indicators=indicators, spending=spending,
                          activities=activities, expected_revision=expected)
        except services.ReportError as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
        else:
            db.session.commit()
            flash(_("The report is saved."), "success")
            target = "monitoring.show" if request.form.get("then") == "review" else "monitoring.edit"
            return redirect(url_for(target, report_id=report.id))
    return render_template("monitoring/report_edit.html", form=form, report=report, agreement=report.agreement,
                           **_titles()), 400


@bp.route("/reports/<int:report_id>/evidence", methods=["POST"])
@allow("agreement.grantee")
def upload(report_id):
    report = load(report_id, "agreement.grantee")
    form = evidence_form(report)
    if not form.validate_on_submit():
        return render_show(report, upload=form, status=400)
    activity_id = int(form.activity_id.data) if (form.activity_id.data or "").isdigit() else None
    try:
        evidence = attempt(services.add_evidence, current_user, report, form.file.data.stream,
                           form.file.data.filename, activity_id=activity_id, caption=form.caption.data or "")
    except storage.StorageError:
        db.session.rollback()
        log.exception("evidence for report %s not stored", report.id)
        flash(_("The file could not be stored just now; nothing was lost. Try again in a few minutes."), "error")
        return render_show(report, upload=form, status=503)
    if not evidence:
        return render_show(report, upload=form, status=400)
    flash(_("%(name)s is attached.", name=evidence.filename), "success")
    return redirect(url_for("monitoring.show", report_id=report.id) + "#evidence")


@bp.route("/reports/<int:report_id>/evidence/<int:evidence_id>")
@allow("report.view")
def evidence(report_id, evidence_id):
    report = load(report_id)
    item = load_evidence(report, evidence_id)
    try:
        stream = storage.storage_from_config(current_app.config).open(item.storage_key)
    except FileNotFoundError:
        log.error("evidence %s of report %s is missing from storage", item.id, report.id)
        abort(404)
    return send_file(stream, mimetype=item.content_type, as_attachment=item.kind != EvidenceKind.photo,
                     download_name=item.filename)


@bp.route("/reports/<int:report_id>/evidence/<int:evidence_id>/delete", methods=["POST"])
@allow("agreement.grantee")
def remove_evidence(report_id, evidence_id):
    report = load(report_id, "agreement.grantee")
    item = load_evidence(report, evidence_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(services.remove_evidence, current_user, report, item, success=_("The file is removed."))
    return redirect(url_for("monitoring.show", report_id=report.id) + "#evidence")


@bp.route("/reports/<int:report_id>/submit", methods=["POST"])
@allow("agreement.grantee")
def submit(report_id):
    report = load(report_id, "agreement.grantee")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sso = report.agreement.kind == Kind.sso_contract
    if report.status == ReportStatus.submitted:
        flash(_("The report is already submitted; the customer is reviewing it.") if sso else
              _("The report is already submitted; the grant operator is reviewing it."), "info")
    else:
        attempt(services.submit, current_user, report,
                signature=posted_signature(lambda: signing.submission_manifest(report)),
                success=_("The report is submitted. The customer will accept it or return it with comments.") if sso
                else _("The report is submitted. The grant operator will accept it or return it with comments."))
    return redirect(url_for("monitoring.show", report_id=report.id))


# --- the reviewers: the operator here, an SSO contract's customer in customer_views.py ------------------

def render_queue(desk, customer_id=None):
    args = {k: request.args.get(k, "") for k in queries.QUEUE_FILTERS}
    page = db.paginate(queries.review_queue(args, customer_id=customer_id), per_page=PER_PAGE, error_out=False)
    if customer_id is not None:
        hint = _("Submitted reports of your body's state social order contracts, the longest waiting first.")
    else:
        hint = " ".join((_("Submitted reports, the longest waiting first."),
                         _("State social order contracts' reports are their customers' to review; open one from "
                           "its contract's page.")))
    return render_template("monitoring/review_queue.html", page=page, args=args, kinds=list(ReportKind), desk=desk,
                           hint=hint, **list_options(customer_id), **_titles())


@bp.route("/manage/reports")
@allow("report.queue")
def queue():
    return render_queue(OPERATOR_DESK)


def list_options(customer_id=None):
    """The calls that have agreements (a customer's: its body's calls with SSO contracts), and the regions: the
    choices of the lists of reports."""
    with_agreements = sa.select(Topic.call_id).join(Agreement, Agreement.topic_id == Topic.id)
    if customer_id is not None:
        with_agreements = with_agreements.where(Agreement.kind == Kind.sso_contract)
    calls = sa.select(Call).where(Call.id.in_(with_agreements))
    if customer_id is not None:
        calls = calls.where(Call.customer_id == customer_id)
    regions = db.session.execute(sa.select(Region).order_by(Region.kato)).scalars()
    return {"calls": db.session.execute(calls.order_by(Call.code)).scalars().all(), "regions": regions.all()}


def waiting_tranches(report):
    """The tranches on this report, each with its state now and what accepting the report does to it."""
    rows = []
    for tranche in services.tranches_on(report):
        state, why = tranche_state(tranche)
        rows.append({"tranche": tranche, "number": tranche.position + 1, "state": state, "why": why})
    return rows


def render_review(report, desk, accept_form=None, return_form=None, status=200):
    return_form = return_form or ReturnForm(prefix="return", data={"due_on": astana_today() + timedelta(
        days=RETURN_DAYS)})
    return render_template(
        "monitoring/review.html", report=report, agreement=report.agreement, sheet=sheet(report),
        tranches=waiting_tranches(report), overspent=services.overspent_lines(report),
        accept_form=accept_form or AcceptForm(prefix="accept"), return_form=return_form,
        problems=services.problems(report), desk=desk, by_customer=services.reviewed_by_customer(report),
        signing=signing.offer(current_user, signing.acceptance_manifest(report))
        if report.status == ReportStatus.submitted else None, signatures=signing.signatures_of(report),
        **_titles()), status


def accept_report(report, desk):
    """The review page's Accept: the one service, then back to the review; the form again if refused."""
    form = AcceptForm(prefix="accept")
    if form.validate_on_submit() and attempt(
            services.accept, current_user, report, form.comment.data or "",
            signature=posted_signature(lambda: signing.acceptance_manifest(report)),
            success=_("The report is accepted; the NGO is told by e-mail.")):
        return redirect(url_for(desk.review, report_id=report.id))
    return render_review(report, desk, accept_form=form, status=400)


def return_report_for_revision(report, desk):
    """The review page's Return for revision: the reason and the new due date, then back to the review."""
    form = ReturnForm(prefix="return")
    if form.validate_on_submit() and attempt(
            services.return_for_revision, current_user, report, form.comment.data, form.due_on.data,
            success=_("The report is returned for revision; the NGO is told by e-mail.")):
        return redirect(url_for(desk.review, report_id=report.id))
    return render_review(report, desk, return_form=form, status=400)


@bp.route("/manage/reports/<int:report_id>")
@allow("report.queue")
def review(report_id):
    return render_review(load(report_id, "report.review"), OPERATOR_DESK)


@bp.route("/manage/reports/<int:report_id>/accept", methods=["POST"])
@allow("report.queue")
def accept(report_id):
    return accept_report(load(report_id, "report.review"), OPERATOR_DESK)


@bp.route("/manage/reports/<int:report_id>/return", methods=["POST"])
@allow("report.queue")
def return_report(report_id):
    return return_report_for_revision(load(report_id, "report.review"), OPERATOR_DESK)
