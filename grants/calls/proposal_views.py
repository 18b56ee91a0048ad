"""Proposals on a state social order's plan: sent from the call's public page by anyone, answered on the call's
management page by its customer body or the grant operator."""

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

import grants.calls.rules  # noqa: F401  (registers the rules)
from grants.calls import proposals
from grants.calls.models import Call, Proposal
from grants.calls.proposal_forms import AnswerForm, ProposalForm
from grants.calls.public_views import published_call, render_call
from grants.extensions import db
from grants.i18n import _
from grants.permissions import allow, require
from grants.refusals import Refusal, attempt

bp = Blueprint("proposals", __name__, template_folder="templates")


def blank_proposal_form(call):
    """A fresh form, the signed-in sender's name and e-mail filled in."""
    data = {"author_name": current_user.full_name, "author_email": current_user.email} \
        if current_user.is_authenticated else {}
    return ProposalForm(formdata=None, data=data, call=call, user=current_user)


@dataclass(frozen=True)
class Section:
    rows: list
    form: ProposalForm | None  # None while the plan takes no proposals
    closed: str | None  # why not


@bp.app_template_global()
def proposals_section(call, form=None):
    """The public page's section: every proposal with its answer, and the form while proposals are taken."""
    closed = proposals.closed_reason(call)
    return Section(proposals.public_list(call), None if closed else (form or blank_proposal_form(call)), closed)


@bp.route("/calls/<int:call_id>/proposals", methods=["POST"])
@allow("public")
def send(call_id):
    call = published_call(call_id)
    form = ProposalForm(call=call, user=current_user)
    status = 400
    if form.validate_on_submit():
        try:
            proposal = proposals.send(current_user, call, {**form.fields(), "locale": str(get_locale())},
                                      ip=request.remote_addr)
        except Refusal as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
            status = refusal.status
        else:
            db.session.commit()
            flash(_("Thank you: your proposal is published with the plan. The answer will appear under it and "
                    "come to your e-mail."), "success")
            return redirect(url_for("calls.show", call_id=call.id, _anchor=f"proposal-{proposal.id}"))
    return render_call(call, status, proposal_form=form)


def _proposal_of(call, value):
    """The proposal an answer form names: None when it names none (the form says so), 404 when not the call's."""
    if not (value or "").isdigit():
        return None
    proposal = db.session.get(Proposal, int(value))
    if proposal is None or proposal.call_id != call.id:
        abort(404)
    return proposal


@bp.route("/manage/calls/<int:call_id>/proposals", methods=["GET", "POST"])
@allow("proposal.answer")
def manage(call_id):
    call = db.get_or_404(Call, call_id)
    require("proposal.answer", call)
    sent, answering, status = None, None, 200
    if request.method == "POST":
        sent, status = AnswerForm(), 400
        answering = _proposal_of(call, sent.proposal.data)
        if sent.validate_on_submit() and answering is not None and attempt(
                proposals.answer, current_user, answering, sent.answer.data,
                success=_("The answer is published with the proposal, and the author is told by mail.")):
            return redirect(url_for("proposals.manage", call_id=call.id, _anchor=f"proposal-{answering.id}"))
    rows = proposals.answer_queue(call)
    forms = {row.proposal.id: sent if answering is not None and row.proposal.id == answering.id else
             AnswerForm(formdata=None, data={"proposal": row.proposal.id, "answer": row.proposal.answer or ""})
             for row in rows}
    return render_template("calls/operator/proposals.html", call=call, rows=rows, forms=forms,
                           awaiting=sum(1 for row in rows if row.proposal.answered_at is None),
                           closed=proposals.closed_reason(call)), status
