"""The grantee's, the customer's and public oversight's pages of an agreement."""

from decimal import Decimal

from flask import Blueprint, abort, current_app, redirect, render_template, send_file, url_for
from flask_login import current_user

import grants.agreements.rules  # noqa: F401  (registers the rules)
from grants import storage
from grants.agreements import queries, services, signing
from grants.agreements.forms import AmendmentForm
from grants.agreements.models import (
    ZERO,
    Agreement,
    AgreementDocument,
    AgreementStatus,
    AmendmentState,
    Condition,
    DocumentKind,
    Ground,
    Kind,
)
from grants.agreements.rules import STAFF
from grants.auth.eds import posted_signature
from grants.auth.forms import ConfirmForm
from grants.extensions import db
from grants.filters import enum_title
from grants.i18n import _
from grants.monitoring.models import ReportKind, ReportStatus
from grants.permissions import allow, can, require
from grants.refusals import attempt

bp = Blueprint("agreements", __name__, template_folder="templates")

for _name, _enum in {"agreement_status_title": AgreementStatus, "agreement_kind_title": Kind, "ground_title": Ground,
                     "condition_title": Condition, "agreement_document_title": DocumentKind,
                     "amendment_state_title": AmendmentState, "report_kind_title": ReportKind,
                     "report_status_title": ReportStatus}.items():
    bp.add_app_template_filter(enum_title(_enum), _name)


def load(agreement_id, action="agreement.view"):
    agreement = db.get_or_404(Agreement, agreement_id)
    require(action, agreement)
    return agreement


def page_context(agreement):
    """What both agreement pages show: the totals, the budget against accepted spending, the tranches'
    states, the amendments with the lines they change."""
    spent = queries.spent_by_line(agreement, statuses=(ReportStatus.accepted,))
    lines = {line.id: line for line in agreement.budget_lines}
    amendments = [(a, [(lines[int(k)], lines[int(k)].planned, Decimal(v)) for k, v in a.changes.items()
                       if int(k) in lines]) for a in agreement.amendments]
    return {
        "agreement": agreement,
        "totals": queries.totals([agreement.id])[agreement.id],
        "budget": [(line, spent.get(line.id, ZERO), line.planned - spent.get(line.id, ZERO))
                   for line in agreement.budget_lines],
        "tranches": [(t, *services.tranche_state(t)) for t in agreement.tranches],
        "amendments": amendments,
    }


@bp.route("/agreements")
@allow("agreement.view")
def index():
    if current_user.has_any_role(*STAFF):
        return redirect(url_for("manage_agreements.board"))
    page = db.paginate(queries.visible_agreements(current_user), per_page=30, error_out=False)
    totals = queries.totals(a.id for a in page.items)
    return render_template("agreements/index.html", page=page, totals=totals)


def amendment_form(agreement):
    return AmendmentForm(data={"lines": [{"line_id": line.id, "planned": line.planned}
                                         for line in agreement.budget_lines]})


def render_show(agreement, form=None, status=200):
    grantee = can(current_user, "agreement.grantee", agreement)
    if form is None and grantee and agreement.status == AgreementStatus.active:
        form = amendment_form(agreement)
    signs = agreement.organization.has_member(current_user) and agreement.status == AgreementStatus.draft
    state = signing.state(agreement)
    if state is not None and not (signs or state["grantee"] or state["operator"]):
        state = None  # nothing signed, nothing for this viewer to sign
    return render_template("agreements/show.html", **page_context(agreement), grantee=bool(grantee),
                           form=form, manage=False, confirm=ConfirmForm(), signing=state, signs=signs), status


@bp.route("/agreements/<int:agreement_id>")
@allow("agreement.view")
def show(agreement_id):
    return render_show(load(agreement_id))


@bp.route("/agreements/<int:agreement_id>/amendments", methods=["POST"])
@allow("agreement.grantee")
def propose(agreement_id):
    agreement = load(agreement_id, "agreement.grantee")
    form = AmendmentForm()
    if form.validate():
        changes = {int(row.form.line_id.data): row.form.planned.data for row in form.lines
                   if (row.form.line_id.data or "").isdigit()}
        if attempt(services.propose_amendment, current_user, agreement, changes, form.amendment_reason.data,
                   success=_("The proposal is sent to the operator.")):
            return redirect(url_for("agreements.show", agreement_id=agreement.id) + "#amendments")
        agreement = db.session.get(Agreement, agreement_id)
    return render_show(agreement, form, 400)


@bp.route("/agreements/<int:agreement_id>/sign", methods=["POST"])
@allow("agreement.grantee")
def sign(agreement_id):
    """The NGO's ЭЦП signature of the draft's terms; the operator signs after it."""
    agreement = load(agreement_id, "agreement.grantee")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(signing.sign_as_grantee, current_user, agreement, posted_signature(lambda: signing.manifest(agreement)),
            success=_("The NGO's signature is kept. The grant operator signs next; the agreement is active then."))
    return redirect(url_for("agreements.show", agreement_id=agreement.id) + "#signing")


@bp.route("/agreements/<int:agreement_id>/documents/<int:agreement_doc_id>")
@allow("agreement.view")
def document(agreement_id, agreement_doc_id):
    agreement = load(agreement_id)
    doc = db.session.get(AgreementDocument, agreement_doc_id)
    if doc is None or doc.agreement_id != agreement.id:
        abort(404)
    stream = storage.storage_from_config(current_app.config).open(doc.storage_key)
    return send_file(stream, mimetype=doc.content_type, as_attachment=True, download_name=doc.filename)
