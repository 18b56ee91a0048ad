"""Appeal pages: the NGO files its appeal; the operator names the call's appeals panel and follows the appeals; a
member of the panel hears each one and answers it, choosing, when upholding it, the score sheet it contests."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grants.applications.models import Application
from grants.auth.forms import ConfirmForm
from grants.auth.models import User
from grants.calls.models import Call, Topic
from grants.extensions import db
from grants.i18n import _
from grants.permissions import allow, require
from grants.refusals import attempt
from scoring.assignments.models import Assignment
from scoring.commission import appeals
from scoring.commission.models import Appeal, AppealState
from scoring.commission.views import bp


@bp.route("/applications/<int:app_id>/appeal", methods=["POST"])
@allow("application.edit")
def appeal(app_id):
    application = db.get_or_404(Application, app_id)
    require("application.edit", application)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(appeals.file_appeal, current_user, application, request.form.get("text", ""),
            success=_("The appeal is filed; the call's appeals panel answers it here and by mail."))
    return redirect(url_for("commission.my_scores", app_id=application.id))


def _call_appeals(call):
    return db.session.execute(
        sa.select(Appeal).join(Application).join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id).order_by(Appeal.filed_at)).scalars().all()


@bp.route("/manage/calls/<int:call_id>/appeals")
@allow("commission.manage")
def call_appeals(call_id):
    """The operator follows the call's appeals and names its panel; the panel, not the operator, answers them."""
    call = db.get_or_404(Call, call_id)
    require("commission.manage", call)
    return render_template("commission/appeals.html", call=call, appeals=_call_appeals(call), panel=appeals.panel(call),
                           candidates=appeals.eligible_panelists(call), confirm=ConfirmForm(),
                           awaiting=appeals.awaiting_rehearing(call))


@bp.route("/manage/calls/<int:call_id>/appeals/panel", methods=["POST"])
@allow("commission.manage")
def appeals_panel(call_id):
    call = db.get_or_404(Call, call_id)
    require("commission.manage", call)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if request.form.get("remove", "").isdigit():
        panelist = next((p for p in appeals.panel(call) if p.id == int(request.form["remove"])), None)
        if panelist is None:
            abort(404)
        attempt(appeals.remove_panelist, current_user, call, panelist,
                success=_("%(name)s is no longer on the appeals panel.", name=panelist.user.full_name))
    else:
        user = db.session.get(User, int(request.form["user_id"])) if request.form.get("user_id", "").isdigit() \
            else None
        if user is None:
            flash(_("Choose the person to name to the appeals panel."), "error")
        else:
            attempt(appeals.name_panelist, current_user, call, user,
                    success=_("%(name)s is named to the appeals panel.", name=user.full_name))
    return redirect(url_for("commission.call_appeals", call_id=call.id) + "#panel")


@bp.route("/commission/appeals/<int:appeal_id>", methods=["GET", "POST"])
@allow("appeal.hear")
def hear_appeal(appeal_id):
    """A member of the appeals panel reads the appeal beside the decision and the sheets it contests, and answers."""
    found = db.get_or_404(Appeal, appeal_id)
    require("appeal.hear", found)
    application = found.application
    sheets = appeals.contested_sheets(application)
    status = 200
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit() or request.form.get("upheld") not in ("y", "n"):
            abort(400)
        chosen = request.form.get("set_aside", "")
        set_aside = next((s.assignment for s in sheets if str(s.assignment_id) == chosen), None)
        if attempt(appeals.resolve_appeal, current_user, found, request.form["upheld"] == "y",
                   request.form.get("resolution", ""), set_aside=set_aside,
                   success=_("The answer is recorded and the NGO is notified.")):
            return redirect(url_for("commission.hear_appeal", appeal_id=found.id))
        status = 400
    rescored = db.session.get(Assignment, found.rescored_by_id) if found.rescored_by_id else None
    return render_template("commission/hearing.html", appeal=found, application=application, sheets=sheets,
                           decision=appeals.published_decision(application), rescored=rescored,
                           confirm=ConfirmForm(), typed=request.form,
                           may_answer=found.state == AppealState.filed), status
