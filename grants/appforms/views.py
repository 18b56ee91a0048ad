"""The operator's form builder: a call's application form, block by block, without JavaScript."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grants.appforms import blocks, services
from grants.appforms.blocks import KIND_TITLES, KINDS, LIMITS
from grants.appforms.forms import LIMIT_TITLES, ReasonForm, block_data, block_form_class, form_data, with_blank_rows
from grants.calls.operator_views import load_call
from grants.extensions import db
from grants.i18n import _, _l
from grants.permissions import allow
from grants.refusals import Refusal, attempt

bp = Blueprint("appforms", __name__, url_prefix="/manage/calls/<int:call_id>/form", template_folder="templates")


def _limits_in_words(block):
    return [(LIMIT_TITLES[(block.kind, name)], block.limit(name)) for name in LIMITS.get(block.kind, {})]


@bp.route("")
@allow("call.manage")
def show(call_id):
    call = load_call(call_id)
    state, frozen_why = services.form_state(call)
    rows = [(b, _limits_in_words(b)) for b in blocks.blocks(call.application_form)]
    return render_template("appforms/show.html", call=call, rows=rows, state=state, frozen_why=frozen_why,
                           confirm=ReasonForm(), kinds=[(k, KIND_TITLES[k]) for k in KINDS], kind_titles=KIND_TITLES)


ACTION_TITLES = {"move_up": _l("Move the block up"), "move_down": _l("Move the block down"),
                 "remove": _l("Remove the block"), "reset": _l("Start again from the instrument's template")}


def _act(call, verb, *args, success, action, code=None):
    """A button of the form's page. A published form's correction asks first for its reason, on a page of its
    own (GET); a draft's change is made at once (POST)."""
    form = ReasonForm()
    if request.method == "GET":
        state, _why = services.form_state(call)
        if state != "correctable":
            return redirect(url_for("appforms.show", call_id=call.id))
        block = next((b for b in blocks.blocks(call.application_form) if b.code == code), None)
        if code is not None and block is None:
            abort(404)
        return render_template("appforms/confirm.html", call=call, form=form, block=block,
                               title=ACTION_TITLES[action], action=url_for(f"appforms.{action}", call_id=call.id,
                                                                           **({"code": code} if code else {})))
    if not form.validate_on_submit():
        abort(400)
    attempt(verb, current_user, call, *args, reason=form.reason.data, success=success)
    return redirect(url_for("appforms.show", call_id=call.id))


def _success(call):
    if call.status == "draft":
        return _("The application form is saved.")
    return _("The application form is corrected, and the correction is published with the call.")


@bp.route("/<code>/up", methods=["GET", "POST"])
@allow("call.manage")
def move_up(call_id, code):
    call = load_call(call_id)
    return _act(call, services.move_block, code, -1, success=_success(call), action="move_up", code=code)


@bp.route("/<code>/down", methods=["GET", "POST"])
@allow("call.manage")
def move_down(call_id, code):
    call = load_call(call_id)
    return _act(call, services.move_block, code, 1, success=_success(call), action="move_down", code=code)


@bp.route("/<code>/remove", methods=["GET", "POST"])
@allow("call.manage")
def remove(call_id, code):
    call = load_call(call_id)
    return _act(call, services.remove_block, code, success=_success(call), action="remove", code=code)


@bp.route("/reset", methods=["GET", "POST"])
@allow("call.manage")
def reset(call_id):
    call = load_call(call_id)
    return _act(call, services.reset_to_template, success=_success(call), action="reset")


def _block_page(call, kind, block):
    new = block is None
    form_class = block_form_class(kind, new)
    form = form_class(data=form_data(block)) if request.method == "GET" and not new else form_class()
    state, frozen_why = services.form_state(call)
    problems = []
    if form.validate_on_submit():
        data = block_data(form, kind)
        try:
            if new:
                services.add_block(current_user, call, data, reason=form.reason.data)
            else:
                services.update_block(current_user, call, block["code"], data, reason=form.reason.data)
        except services.FormProblems as refusal:
            db.session.rollback()
            problems = refusal.problems
        except Refusal as refusal:
            db.session.rollback()
            problems = [str(refusal)]
        else:
            db.session.commit()
            flash(_success(call), "success")
            return redirect(url_for("appforms.show", call_id=call.id))
    with_blank_rows(form)
    status = 400 if request.method == "POST" else 200
    return render_template("appforms/block_form.html", call=call, form=form, kind=kind, block=block,
                           kind_title=KIND_TITLES[kind], problems=problems, state=state,
                           frozen_why=frozen_why), status


@bp.route("/new", methods=["GET", "POST"])
@allow("call.manage")
def new(call_id):
    call = load_call(call_id)
    kind = request.args.get("kind")
    if kind not in KINDS:
        abort(404)
    return _block_page(call, kind, None)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@allow("call.manage")
def edit(call_id, code):
    call = load_call(call_id)
    block = next((b for b in call.application_form or () if b.get("code") == code), None)
    if block is None:
        abort(404)
    return _block_page(call, block["kind"], block)


@bp.route("/preview")
@allow("call.manage")
def preview(call_id):
    from grants.applications.forms import application_form_class

    call = load_call(call_id)
    form = application_form_class(call.application_form)(formdata=None, meta={"csrf": False})
    return render_template("appforms/preview.html", call=call, form=form, blocks=blocks.blocks(call.application_form),
                           application=None)
