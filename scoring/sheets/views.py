"""Scoring pages: the expert's sheet, the operator's rules, ranking and reopening."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from grants.applications.models import Application
from grants.auth.forms import ConfirmForm
from grants.calls.models import Call
from grants.extensions import db
from grants.i18n import _, local_to_utc, utc_to_local
from grants.permissions import allow, require
from grants.refusals import Refusal, attempt
from scoring import ranking
from scoring.assignments.expert_views import render_assignment
from scoring.assignments.models import Assignment
from scoring.sheets import services
from scoring.sheets.forms import CriterionForm, ReopenForm, RulesForm, read_sheet
from scoring.sheets.models import Criterion, ScoreSheet

bp = Blueprint("sheets", __name__, template_folder="templates")


@bp.route("/expert/assignments/<int:assignment_id>/sheet", methods=["POST"])
@allow("assignment.own")
def save(assignment_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    require("assignment.own", assignment)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    criteria = services.criteria(assignment.application.call)
    values, problems = read_sheet(request.form, criteria)
    submitting = request.form.get("action") == "submit"
    if not problems:
        try:
            sheet = services.sheet_for(current_user, assignment)
            services.save(current_user, sheet, values, request.form.get("comment", ""))
            if submitting:
                services.submit(current_user, sheet)
        except services.SheetProblems as refusal:
            db.session.rollback()
            problems = refusal.problems
        except Refusal as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
        else:
            db.session.commit()
            flash(_("The sheet is submitted and locked.") if submitting else _("Saved."), "success")
            return redirect(url_for("expert.show", assignment_id=assignment.id) + "#sheet")
    # Refused: the page again with everything the expert typed, each criterion's problem beside it.
    return render_assignment(assignment, typed=request.form, problems=problems), 400


@bp.route("/manage/calls/<int:call_id>/scoring", methods=["GET", "POST"])
@allow("assignment.manage")
def call_scoring(call_id):
    call = db.get_or_404(Call, call_id)
    require("assignment.manage", call)
    current = services.rules(call)
    if request.method == "GET":
        form = RulesForm(data={**{k: getattr(current, k) for k in services.RULE_FIELDS},
                               "deadline": utc_to_local(current.deadline)})
    else:
        form = RulesForm()
    if form.validate_on_submit():
        data = {k: getattr(form, k).data for k in services.RULE_FIELDS}
        data["deadline"] = local_to_utc(data["deadline"])
        if call.instrument != "sso":
            data["price_points"] = 0  # the field is asked on a state social order's call only
        if attempt(services.set_rules, current_user, call, data, success=_("Saved.")):
            return redirect(url_for("sheets.call_scoring", call_id=call.id))
    return render_template("sheets/operator/scoring.html", call=call, form=form, criteria=services.criteria(call),
                           started=services.scoring_started(call), confirm=ConfirmForm()), \
        400 if request.method == "POST" else 200


@bp.route("/manage/calls/<int:call_id>/criteria/defaults", methods=["POST"])
@allow("assignment.manage")
def default_criteria(call_id):
    call = db.get_or_404(Call, call_id)
    require("assignment.manage", call)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(services.use_default_criteria, current_user, call, success=_("The default criteria are set."))
    return redirect(url_for("sheets.call_scoring", call_id=call.id))


@bp.route("/manage/calls/<int:call_id>/ranking")
@allow("assignment.manage")
def call_ranking(call_id):
    call = db.get_or_404(Call, call_id)
    require("assignment.manage", call)
    return render_template("sheets/operator/ranking.html", call=call, ranking=ranking.ranking(call),
                           tendencies=ranking.tendencies(call), rules=services.rules(call),
                           criteria=services.criteria(call), confirm=ConfirmForm())


@bp.route("/manage/applications/<int:app_id>/sheets")
@allow("assignment.manage")
def application_sheets(app_id):
    application = db.get_or_404(Application, app_id)
    require("assignment.manage", application)
    sheets = db.session.execute(
        sa.select(ScoreSheet).join(Assignment).where(Assignment.application_id == application.id)
        .options(selectinload(ScoreSheet.lines))  # each sheet's scores with the sheets, not a query per sheet
        .order_by(ScoreSheet.id)).scalars().all()
    return render_template("sheets/operator/sheets.html", application=application, sheets=sheets,
                           criteria=services.criteria(application.call), form=ReopenForm())


@bp.route("/manage/sheets/<int:sheet_id>/reopen", methods=["POST"])
@allow("assignment.manage")
def reopen(sheet_id):
    sheet = db.get_or_404(ScoreSheet, sheet_id)
    require("assignment.manage", sheet)
    form = ReopenForm()
    if form.validate_on_submit():
        attempt(services.reopen, current_user, sheet, form.reason.data,
                success=_("The sheet is reopened; the expert can change it."))
    else:
        flash(_("Give the reason for reopening the sheet."), "error")
    return redirect(url_for("sheets.application_sheets", app_id=sheet.assignment.application_id))


def _criterion_page(call, criterion):
    if request.method == "GET" and criterion is not None:
        form = CriterionForm(obj=criterion)
    else:
        form = CriterionForm()
    if form.validate_on_submit():
        data = {k: getattr(form, k).data for k in services.CRITERION_FIELDS}
        data.update({k: data[k] or "" for k in ("guidance_kk", "guidance_ru", "guidance_en")})
        if attempt(services.save_criterion, current_user, call, criterion, data, success=_("Saved.")):
            return redirect(url_for("sheets.call_scoring", call_id=call.id))
    return render_template("sheets/operator/criterion.html", call=call, criterion=criterion, form=form,
                           confirm=ConfirmForm()), 400 if request.method == "POST" else 200


@bp.route("/manage/calls/<int:call_id>/criteria/new", methods=["GET", "POST"])
@allow("assignment.manage")
def criterion_new(call_id):
    call = db.get_or_404(Call, call_id)
    require("assignment.manage", call)
    return _criterion_page(call, None)


def load_criterion(call, criterion_id):
    criterion = db.session.get(Criterion, criterion_id)
    if criterion is None or criterion.call_id != call.id:
        abort(404)
    return criterion


@bp.route("/manage/calls/<int:call_id>/criteria/<int:criterion_id>", methods=["GET", "POST"])
@allow("assignment.manage")
def criterion_edit(call_id, criterion_id):
    call = db.get_or_404(Call, call_id)
    require("assignment.manage", call)
    return _criterion_page(call, load_criterion(call, criterion_id))


@bp.route("/manage/calls/<int:call_id>/criteria/<int:criterion_id>/delete", methods=["POST"])
@allow("assignment.manage")
def criterion_delete(call_id, criterion_id):
    call = db.get_or_404(Call, call_id)
    require("assignment.manage", call)
    criterion = load_criterion(call, criterion_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(services.delete_criterion, current_user, call, criterion, success=_("The criterion is removed."))
    return redirect(url_for("sheets.call_scoring", call_id=call.id))
