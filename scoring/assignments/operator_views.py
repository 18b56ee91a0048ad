"""The operator's pages: run the assignment for a call, assign by hand, recuse."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from grants.applications.models import Application
from grants.auth.forms import ConfirmForm
from grants.calls.models import Call
from grants.extensions import db
from grants.filters import LANGUAGE_TITLES
from grants.forms import choices
from grants.i18n import _
from grants.permissions import allow, require
from grants.refusals import attempt
from grants.security import safe_next
from scoring.assignments import names, services
from scoring.assignments.forms import ByHandForm, RecusalForm
from scoring.assignments.models import ACTIVE, Assignment
from scoring.experts.models import Expert

bp = Blueprint("assignments", __name__, url_prefix="/manage", template_folder="templates")

SHORTFALL_REASONS = {
    "language": lambda s: _("too few experts read its language (%(n)d can)", n=s.eligible_experts),
    "conflicts": lambda s: _("conflicts of interest leave %(n)d experts", n=s.eligible_experts),
    "capacity": lambda s: _("the experts who could take it are full"),
}


def lacks(application, shortfall):
    """The one sentence for a shortfall: after a run, and on the Experts page for as long as it lasts."""
    return _("%(number)s lacks %(n)d expert(s): %(why)s.", number=application.receipt_number, n=shortfall.missing,
             why=SHORTFALL_REASONS[shortfall.reason](shortfall))


@bp.route("/calls/<int:call_id>/assignments")
@allow("assignment.manage")
def call_assignments(call_id):
    call = db.get_or_404(Call, call_id)
    require("assignment.manage", call)
    assignments = services.call_assignments(call)
    experts = {e.id: e for e in db.session.execute(
        sa.select(Expert).options(selectinload(Expert.relatives), selectinload(Expert.affiliations))
        .where(Expert.id.in_({a.expert_id for a in assignments}))).scalars()}
    by_application = {}
    for assignment in assignments:
        by_application.setdefault(assignment.application_id, []).append(assignment)
    return render_template("assignments/operator/call.html", call=call, confirm=ConfirmForm(),
                           applications=services.eligible_applications(call), by_application=by_application,
                           shortfalls=services.shortfalls(call), lacks=lacks,
                           loads=sorted(((experts[i].name, n) for i, n in services.loads(call).items()),
                                        key=lambda pair: (-pair[1], pair[0])),
                           name_flags=names.flags(
                               [a for a in assignments if a.state in ACTIVE]))


@bp.route("/calls/<int:call_id>/assignments/run", methods=["POST"])
@allow("assignment.manage")
def run(call_id):
    call = db.get_or_404(Call, call_id)
    require("assignment.manage", call)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    shortfalls = attempt(services.assign, current_user, call, success=_("Experts are assigned."))
    if isinstance(shortfalls, list):
        for s in shortfalls:
            application = db.session.get(Application, s.application_id)
            flash(lacks(application, s), "error")
    return redirect(url_for("assignments.call_assignments", call_id=call.id))


@bp.route("/applications/<int:app_id>/assign", methods=["GET", "POST"])
@allow("assignment.manage")
def by_hand(app_id):
    application = db.get_or_404(Application, app_id)
    require("assignment.manage", application)
    form = ByHandForm()
    experts = db.session.execute(sa.select(Expert).where(Expert.active)).scalars().all()
    def spoken(expert):  # the languages by name, as everywhere: "Kazakh, Russian", not "kk, ru"
        return ", ".join(str(LANGUAGE_TITLES.get(code, code)) for code in sorted(expert.languages))

    form.expert_id.choices = choices((e.id, f"{e.name} ({spoken(e)})") for e in experts
                                     if application.language in e.languages)
    if form.validate_on_submit():
        if attempt(services.assign_by_hand, current_user, application, db.session.get(Expert, form.expert_id.data),
                   form.reason.data, success=_("The expert is assigned.")):
            return redirect(url_for("assignments.call_assignments", call_id=application.call.id))
    return render_template("assignments/operator/by_hand.html", application=application, form=form), \
        400 if request.method == "POST" else 200


@bp.route("/applications/<int:app_id>/extra-expert", methods=["POST"])
@allow("assignment.manage")
def extra(app_id):
    """One more expert, chosen by the matcher's rules, for an application whose experts diverge."""
    application = db.get_or_404(Application, app_id)
    require("assignment.manage", application)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    assignment = attempt(services.assign_extra, current_user, application)
    if assignment:
        flash(_("%(name)s is assigned to %(number)s as an extra expert.", name=assignment.expert.name,
                number=application.receipt_number), "success")
    return redirect(safe_next(request.form.get("next"),
                              url_for("assignments.call_assignments", call_id=application.call.id)))


@bp.route("/assignments/<int:assignment_id>/recuse", methods=["GET", "POST"])
@allow("assignment.manage")
def recuse(assignment_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    require("assignment.manage", assignment)
    form = RecusalForm()
    if form.validate_on_submit():
        if attempt(services.recuse, current_user, assignment, form.reason.data,
                   success=_("The expert is taken off the application.")):
            return redirect(url_for("assignments.call_assignments", call_id=assignment.application.call.id))
    return render_template("assignments/operator/recuse.html", assignment=assignment, form=form), \
        400 if request.method == "POST" else 200
