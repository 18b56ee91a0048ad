"""The operator's pages: draw up, schedule, sign, pay, amend, suspend, complete, terminate; the monitoring board."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

import grants.agreements.rules  # noqa: F401  (registers the rules)
from grants import audit_display, storage
from grants.agreements import export, queries, services, signing
from grants.agreements import schedule as scheduling
from grants.agreements.forms import (
    CompleteForm,
    ContractForm,
    DecideForm,
    DocumentForm,
    DrawUpForm,
    PayForm,
    RepaymentForm,
    ScheduleForm,
    SignForm,
    SuspendForm,
    TerminateForm,
)
from grants.agreements.models import Agreement, AgreementStatus, BudgetAmendment, Condition, Kind, Tranche
from grants.agreements.views import page_context
from grants.applications.models import Application
from grants.auth.eds import posted_signature
from grants.auth.forms import ConfirmForm
from grants.auth.services import eds_required
from grants.calls.models import Call, Topic
from grants.extensions import db
from grants.forms import choices
from grants.i18n import _, astana_today
from grants.organizations.models import Organization
from grants.permissions import allow
from grants.reference.models import Direction, Region
from grants.refusals import attempt

bp = Blueprint("manage_agreements", __name__, url_prefix="/manage", template_folder="templates")

PER_PAGE = 50
AWAITING_PER_PAGE = 20  # awarded applications without an agreement, shown above the board

def load(agreement_id):
    return db.get_or_404(Agreement, agreement_id)


def back(agreement, anchor=""):
    return redirect(url_for("manage_agreements.show", agreement_id=agreement.id) + anchor)


# --- the monitoring board ------------------------------------------------------------------

def board_args():
    return {k: request.args.get(k, "") for k in queries.BOARD_FILTERS}


def board_options():
    calls = db.session.execute(sa.select(Call).where(Call.id.in_(
        sa.select(Topic.call_id).join(Agreement, Agreement.topic_id == Topic.id))).order_by(Call.code)).scalars()
    directions = db.session.execute(sa.select(Direction).order_by(Direction.code)).scalars()
    regions = db.session.execute(sa.select(Region).order_by(Region.kato)).scalars()
    return {"calls": calls.all(), "directions": directions.all(), "regions": regions.all(),
            "statuses": list(AgreementStatus), "kinds": list(Kind)}


def eager(query):
    """What a board row shows beyond the agreement: the NGO and its region, the topic, its call and direction."""
    return query.options(joinedload(Agreement.organization).joinedload(Organization.region),
                         joinedload(Agreement.topic).joinedload(Topic.call),
                         joinedload(Agreement.topic).joinedload(Topic.direction))


@bp.route("/agreements")
@allow("monitoring.board")
def board():
    args = board_args()
    query = queries.board_query(args)
    page = db.paginate(eager(query), per_page=PER_PAGE, error_out=False)
    ids = [a.id for a in page.items]
    awaiting = db.paginate(queries.awarded_without_agreement(), page=request.args.get("awaiting_page", 1, type=int),
                           per_page=AWAITING_PER_PAGE, error_out=False)
    return render_template("agreements/operator/board.html", page=page, args=args, totals=queries.totals(ids),
                           rows=queries.board_rows(ids), sums=queries.board_totals(query),
                           awaiting=awaiting, **board_options())


def _chunks(items, size=500):
    for i in range(0, len(items), size):
        yield items[i:i + size]


@bp.route("/agreements.xlsx")
@allow("monitoring.board")
def board_xlsx():
    query = queries.board_query(board_args())
    agreements = db.session.execute(eager(query)).unique().scalars().all()
    totals, rows = {}, {}
    for chunk in _chunks([a.id for a in agreements]):
        totals.update(queries.totals(chunk))
        rows.update(queries.board_rows(chunk))
    content = export.board_workbook(agreements, totals, rows, queries.board_totals(query))
    return send_file(BytesIO(content), as_attachment=True, download_name=f"agreements-{astana_today():%Y-%m-%d}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- drawing up ----------------------------------------------------------------------------

@bp.route("/applications/<int:app_id>/agreement/new", methods=["GET", "POST"])
@allow("agreement.manage")
def draw_up(app_id):
    application = db.get_or_404(Application, app_id)
    existing = queries.agreement_for(application)
    if existing is not None:
        flash(_("The application already has agreement %(number)s.", number=existing.number), "info")
        return back(existing)
    today = astana_today()
    months = application.duration_months or application.topic.duration_months
    form = DrawUpForm(data={"starts_on": today, "ends_on": scheduling.add_months(today, months) - timedelta(days=1)}
                      if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            agreement = attempt(services.draw_up, current_user, application, form.starts_on.data, form.ends_on.data,
                                success=_("The draft agreement is drawn up. Set its schedule next."))
            if agreement:
                return back(agreement)
    return render_template("agreements/operator/draw_up.html", application=application, form=form), status


def _amount_arg(name):
    """A money amount from the query string, or None for anything that is not one (never a 500)."""
    try:
        value = Decimal(request.args.get(name) or "")
    except ArithmeticError:  # decimal.InvalidOperation
        return None
    return value if value.is_finite() and value > 0 else None


def sso_topics():
    return db.session.execute(sa.select(Topic).join(Call, Call.id == Topic.call_id).where(Call.instrument == "sso")
                              .order_by(Call.code, Topic.number)).scalars().all()


@bp.route("/contracts/new", methods=["GET", "POST"])
@allow("agreement.manage")
def new_contract():
    topics = sso_topics()
    # From the list of winners waiting for their agreement: the topic, the winner and its offered price filled in.
    given = {"topic_id": request.args.get("topic_id", type=int), "supplier_bin": request.args.get("supplier_bin"),
             "price": _amount_arg("price")} if request.method == "GET" else None
    form = ContractForm(data={k: v for k, v in given.items() if v is not None} if given else None)
    form.topic_id.choices = choices((t.id, f"{t.call.code} · {t.number}. {t.title}") for t in topics)
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            topic = next(t for t in topics if t.id == form.topic_id.data)
            agreement = attempt(services.register_contract, current_user, topic, form.supplier_bin.data,
                                form.contract_number.data, form.procurement_ref.data, form.price.data,
                                form.starts_on.data, form.ends_on.data, form.title.data, form.language.data,
                                success=_("The contract is registered as a draft. Set its schedule next."))
            if agreement:
                return back(agreement)
    return render_template("agreements/operator/contract.html", form=form, topics=topics), status


# --- the agreement page --------------------------------------------------------------------

def render_show(agreement, status=200, **forms):
    """The agreement page; a form given here (with its errors or typed values) replaces the blank one."""
    blank = {"upload": DocumentForm, "sign": SignForm, "pay": PayForm, "suspend": SuspendForm,
             "complete": CompleteForm, "terminate": TerminateForm, "repayment": RepaymentForm,
             "decide": DecideForm}
    today = astana_today()
    defaults = {"sign": {"signed_on": today}, "pay": {"paid_on": today}, "complete": {"completed_on": today},
                "terminate": {"terminated_on": today}, "repayment": {"received_on": today}}
    made = {name: forms.get(name) or cls(formdata=None, data=defaults.get(name)) for name, cls in blank.items()}
    events = audit_display.entries(queries.timeline(agreement))
    return render_template("agreements/operator/show.html", **page_context(agreement), **made,
                           blank_pay=PayForm(formdata=None, data=defaults["pay"]), pay_for=forms.get("pay_for"),
                           blank_decide=DecideForm(formdata=None), decide_for=forms.get("decide_for"),
                           confirm=ConfirmForm(), events=events, manage=True, signing=signing.state(agreement),
                           paper=not eds_required(current_user)), status


@bp.route("/agreements/<int:agreement_id>")
@allow("agreement.manage")
def show(agreement_id):
    return render_show(load(agreement_id))


def act(agreement, name, form, service, *args, success, anchor="", **extra):
    """Validate one form of the page and run its service: back to the page, or the page again with a 400."""
    if form.validate_on_submit() and attempt(service, current_user, *args, success=success):
        return back(agreement, anchor)
    return render_show(db.session.get(Agreement, agreement.id), 400, **{name: form}, **extra)


@bp.route("/agreements/<int:agreement_id>/documents", methods=["POST"])
@allow("agreement.manage")
def upload(agreement_id):
    agreement = load(agreement_id)
    form = DocumentForm()
    if form.validate_on_submit():
        try:
            document = attempt(services.add_document, current_user, agreement, form.document_kind.data,
                               form.document_file.data.stream, form.document_file.data.filename)
        except storage.StorageError:
            db.session.rollback()
            flash(_("The file could not be stored just now; nothing was lost. Try again in a few minutes."), "error")
        else:
            if document:
                flash(_("%(name)s is attached.", name=document.filename), "success")
                return back(agreement, "#documents")
    return render_show(db.session.get(Agreement, agreement_id), 400, upload=form)


@bp.route("/agreements/<int:agreement_id>/sign", methods=["POST"])
@allow("agreement.manage")
def sign(agreement_id):
    agreement = load(agreement_id)
    form = SignForm()
    return act(agreement, "sign", form, services.sign, agreement, form.signed_on.data,
               success=_("The agreement is signed and active."))


@bp.route("/agreements/<int:agreement_id>/sign-eds", methods=["POST"])
@allow("agreement.manage")
def sign_eds(agreement_id):
    """The operator's ЭЦП signature of the terms the NGO signed: the agreement is active."""
    agreement = load(agreement_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(signing.sign_as_operator, current_user, agreement,
            posted_signature(lambda: signing.manifest(agreement)),
            success=_("The agreement is signed with EDS by the NGO and the grant operator, and active."))
    return back(agreement, "#signing")


@bp.route("/tranches/<int:tranche_id>/pay", methods=["POST"])
@allow("agreement.manage")
def pay(tranche_id):
    tranche = db.get_or_404(Tranche, tranche_id)
    agreement = tranche.agreement
    form = PayForm()
    return act(agreement, "pay", form, services.pay, tranche, form.paid_on.data, form.payment_reference.data,
               success=_("The payment of tranche %(n)d is recorded.", n=tranche.position + 1), anchor="#tranches",
               pay_for=tranche_id)


@bp.route("/agreements/<int:agreement_id>/suspend", methods=["POST"])
@allow("agreement.manage")
def suspend(agreement_id):
    agreement = load(agreement_id)
    form = SuspendForm()
    return act(agreement, "suspend", form, services.suspend, agreement, form.suspension_reason.data,
               success=_("The agreement is suspended."))


@bp.route("/agreements/<int:agreement_id>/resume", methods=["POST"])
@allow("agreement.manage")
def resume(agreement_id):
    agreement = load(agreement_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if attempt(services.resume, current_user, agreement, success=_("The agreement is active again.")):
        return back(agreement)
    return render_show(db.session.get(Agreement, agreement_id), 400)


@bp.route("/agreements/<int:agreement_id>/complete", methods=["POST"])
@allow("agreement.manage")
def complete(agreement_id):
    agreement = load(agreement_id)
    form = CompleteForm()
    return act(agreement, "complete", form, services.complete, agreement, form.completed_on.data,
               success=_("The agreement is completed."))


@bp.route("/agreements/<int:agreement_id>/terminate", methods=["POST"])
@allow("agreement.manage")
def terminate(agreement_id):
    agreement = load(agreement_id)
    form = TerminateForm()
    return act(agreement, "terminate", form, services.terminate, agreement, form.ground.data,
               form.termination_reason.data, form.refund_due.data, form.terminated_on.data,
               success=_("The agreement is terminated. Record the refunds as they arrive."))


@bp.route("/agreements/<int:agreement_id>/repayments", methods=["POST"])
@allow("agreement.manage")
def repayment(agreement_id):
    agreement = load(agreement_id)
    form = RepaymentForm()
    return act(agreement, "repayment", form, services.record_repayment, agreement, form.repayment_amount.data,
               form.received_on.data, form.repayment_reference.data, success=_("The refund is recorded."),
               anchor="#refund")


@bp.route("/amendments/<int:amendment_id>/decide", methods=["POST"])
@allow("agreement.manage")
def decide(amendment_id):
    amendment = db.get_or_404(BudgetAmendment, amendment_id)
    agreement = load(amendment.agreement_id)
    form = DecideForm()
    approve = form.decision.data == "approve"
    return act(agreement, "decide", form, services.decide_amendment, amendment, approve, form.decision_note.data,
               success=_("The budget is amended.") if approve else _("The proposal is rejected; the NGO is told why."),
               anchor="#amendments", decide_for=amendment_id)


# --- the schedule --------------------------------------------------------------------------

def schedule_data(agreement):
    """The schedule as form data; an award starts from its one report, a budget planned by year from a report and
    a tranche a year."""
    yearly = None if agreement.reports else scheduling.default_schedule(agreement)
    if yearly is not None:
        reports, tranches = yearly
        return {"reports": [{"kind": r.kind, "period_from": r.period_from, "period_to": r.period_to,
                             "due_on": r.due_on} for r in reports],
                "tranches": [{"amount": t.amount, "planned_on": t.planned_on, "condition": t.condition,
                              "report_number": t.report_number} for t in tranches]}
    positions = {r.id: r.number for r in agreement.reports}
    return {"reports": [{"kind": r.kind, "period_from": r.period_from, "period_to": r.period_to, "due_on": r.due_on}
                        for r in agreement.reports],
            "tranches": [{"amount": t.amount, "planned_on": t.planned_on, "condition": t.condition,
                          "report_number": positions.get(t.report_id)} for t in agreement.tranches]}


def _written(entry, keys):
    return any(entry.form[k].data not in (None, "") for k in keys)


def collect_schedule(form):
    """ReportRows and TrancheRows from the form, blank lines dropped; None when a line is half-written."""
    reports, numbers = [], {}
    for i, entry in enumerate(form.reports, start=1):
        row = entry.form
        if not _written(entry, ("kind", "period_from", "period_to", "due_on")):
            continue
        if not (row.kind.data and row.period_from.data and row.period_to.data and row.due_on.data):
            row.kind.errors.append(_("Give the kind of report, its period and its due date."))
            continue
        numbers[i] = len(reports) + 1
        reports.append(scheduling.ReportRow(row.kind.data, row.period_from.data, row.period_to.data, row.due_on.data))
    tranches = []
    for entry in form.tranches:
        row = entry.form
        if not _written(entry, ("amount", "planned_on", "condition", "report_number")):
            continue
        if row.amount.data is None or not row.planned_on.data or not row.condition.data:
            row.amount.errors.append(_("Give the amount, the planned date and the condition."))
            continue
        number = None
        if row.condition.data == Condition.report_accepted:
            if row.report_number.data not in numbers:
                row.report_number.errors.append(_("Give the No. of a report in the schedule above."))
                continue
            number = numbers[row.report_number.data]
        tranches.append(scheduling.TrancheRow(row.amount.data, row.planned_on.data, row.condition.data, number))
    has_errors = any(f.errors for rows in (form.reports, form.tranches) for entry in rows for f in entry.form)
    return None if has_errors else (reports, tranches)


@bp.route("/agreements/<int:agreement_id>/schedule", methods=["GET", "POST"])
@allow("agreement.manage")
def schedule(agreement_id):
    agreement = load(agreement_id)
    if agreement.status != AgreementStatus.draft:
        flash(_("The schedule is set before signing (agreement status: %(status)s).",
                status=AgreementStatus(agreement.status).title), "info")
        return back(agreement)
    form = ScheduleForm(data=schedule_data(agreement)) if request.method == "GET" else ScheduleForm()
    status = 200
    if request.method == "POST":
        status = 400
        collected = collect_schedule(form) if form.validate() else None
        if collected is None:
            flash(_("Some lines are incomplete: see the marked fields. Nothing was lost; correct them and save."),
                  "error")
        elif attempt(scheduling.schedule, current_user, agreement, *collected,
                     success=_("The schedule is set. Upload the signed copy and sign the agreement.")):
            return back(agreement)
        agreement = db.session.get(Agreement, agreement_id)
    return render_template("agreements/operator/schedule.html", agreement=agreement, form=form), status
