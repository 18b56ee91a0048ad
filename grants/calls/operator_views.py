"""Preparing and running calls: the operator's pages, and a customer body's for its own calls."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from grants import storage
from grants.auth.forms import ConfirmForm
from grants.calls import queries, services
from grants.calls.forms import MAX_SPEC_ITEMS, SPEC_KEYS, CallDocumentForm, CallForm, ExtensionForm, TopicForm
from grants.calls.models import Call, Instrument, Topic
from grants.calls.services import CALL_FIELDS, SPEC_ITEM_FIELDS, SPEC_TEXTS, TOPIC_FIELDS
from grants.extensions import db
from grants.forms import typed
from grants.i18n import _, local_to_utc, utc_to_local
from grants.permissions import allow, require
from grants.reference.models import Region
from grants.refusals import attempt

bp = Blueprint("manage_calls", __name__, url_prefix="/manage/calls", template_folder="templates")


def load_call(call_id, action="call.manage", options=()):
    call = db.session.get(Call, call_id, options=options)
    if call is None:
        abort(404)
    require(action, call)
    return call


def _status(form):
    return 400 if request.method == "POST" else 200


def _call_form(call=None):
    customers = None if current_user.has_any_role("operator", "admin") else [current_user.customer_body_id]
    data = None
    if call is not None:
        data = {k: getattr(call, k) for k in CALL_FIELDS}
        data["opens_at"], data["deadline_at"] = utc_to_local(call.opens_at), utc_to_local(call.deadline_at)
    if request.method == "GET":
        return CallForm(data=data, customers=customers, call=call)
    return CallForm(customers=customers, call=call)


def _call_data(form):
    data = {k: getattr(form, k).data for k in CALL_FIELDS}
    data["opens_at"], data["deadline_at"] = local_to_utc(data["opens_at"]), local_to_utc(data["deadline_at"])
    data["code"] = data["code"].strip().upper()
    return data


@bp.route("/")
@allow("call.manage")
def index():
    page = db.paginate(queries.managed_calls(current_user), per_page=30, error_out=False)
    return render_template("calls/operator/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@allow("call.manage")
def new():
    form = _call_form()
    if form.validate_on_submit():
        data = _call_data(form)
        created = _("Call %(code)s created as a draft. Add its topics, then publish it.", code=data["code"])
        call = attempt(services.create_call, current_user, data, success=created)
        if call:
            return redirect(url_for("manage_calls.show", call_id=call.id))
    return render_template("calls/operator/call_form.html", form=form, call=None), _status(form)


@bp.route("/<int:call_id>")
@allow("call.manage")
def show(call_id):
    # the topics with their services (an SSO topic's row sums them): loaded with the call, not a topic at a time
    call = load_call(call_id, options=[selectinload(Call.topics).selectinload(Topic.spec_items)])
    return render_template("calls/operator/show.html", call=call, confirm=ConfirmForm(), upload=CallDocumentForm())


@bp.route("/<int:call_id>/edit", methods=["GET", "POST"])
@allow("call.manage")
def edit(call_id):
    call = load_call(call_id)
    form = _call_form(call)
    if form.validate_on_submit():
        if attempt(services.update_call, current_user, call, _call_data(form), success=_("Saved.")):
            return redirect(url_for("manage_calls.show", call_id=call.id))
    return render_template("calls/operator/call_form.html", form=form, call=call), _status(form)


def _topic_page(call, topic):
    sso = call.instrument == Instrument.sso
    if request.method == "GET" and topic is not None:
        spec = [{k: getattr(item, k) for k in SPEC_ITEM_FIELDS} for item in topic.spec_items]
        form = TopicForm(data={**{k: getattr(topic, k) for k in TOPIC_FIELDS + SPEC_TEXTS},
                               "regions": [r.id for r in topic.regions], "spec": spec + [{}]}, sso=sso)
    else:
        form = TopicForm(sso=sso)
    if form.validate_on_submit():
        regions = db.session.query(Region).filter(Region.id.in_(form.regions.data)).all()
        data = {k: getattr(form, k).data for k in TOPIC_FIELDS + SPEC_TEXTS}
        items = form.spec_items() if sso else None
        if attempt(services.save_topic, current_user, call, topic, data, regions, items,
                   success=_("Topic saved.")):
            return redirect(url_for("manage_calls.show", call_id=call.id))
    if sso and request.method == "POST" and len(form.spec) < MAX_SPEC_ITEMS \
            and any(typed(form.spec[-1].form[k]) for k in SPEC_KEYS):
        form.spec.append_entry()  # a blank line below the written ones, for the next service
    return render_template("calls/operator/topic_form.html", form=form, call=call, topic=topic), _status(form)


@bp.route("/<int:call_id>/topics/new", methods=["GET", "POST"])
@allow("call.manage")
def topic_new(call_id):
    return _topic_page(load_call(call_id), None)


def load_topic(call, topic_id):
    topic = db.session.get(Topic, topic_id)
    if topic is None or topic.call_id != call.id:
        abort(404)
    return topic


@bp.route("/<int:call_id>/topics/<int:topic_id>", methods=["GET", "POST"])
@allow("call.manage")
def topic_edit(call_id, topic_id):
    call = load_call(call_id)
    return _topic_page(call, load_topic(call, topic_id))


def _act(call, verb, *args, success):
    """Run one service for a POSTed button; refusals come back as a message, not an error page."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(verb, current_user, call, *args, success=success)
    return redirect(url_for("manage_calls.show", call_id=call.id))


@bp.route("/<int:call_id>/topics/<int:topic_id>/delete", methods=["POST"])
@allow("call.manage")
def topic_delete(call_id, topic_id):
    call = load_call(call_id)
    return _act(call, services.delete_topic, load_topic(call, topic_id), success=_("Topic deleted."))


@bp.route("/<int:call_id>/publish", methods=["POST"])
@allow("call.run")
def publish(call_id):
    call = load_call(call_id, "call.run")
    return _act(call, services.publish, success=_("The call is published."))


@bp.route("/<int:call_id>/close", methods=["POST"])
@allow("call.run")
def close(call_id):
    call = load_call(call_id, "call.run")
    return _act(call, services.close, success=_("The call is closed."))


@bp.route("/<int:call_id>/extend", methods=["GET", "POST"])
@allow("call.run")
def extend(call_id):
    call = load_call(call_id, "call.run")
    form = ExtensionForm()
    if form.validate_on_submit():
        if attempt(services.extend_deadline, current_user, call, local_to_utc(form.new_deadline.data),
                   form.reason.data, success=_("The deadline is extended and the extension is published.")):
            return redirect(url_for("manage_calls.show", call_id=call.id))
    return render_template("calls/operator/extend.html", form=form, call=call), _status(form)


@bp.route("/<int:call_id>/documents", methods=["POST"])
@allow("call.manage")
def add_document(call_id):
    call = load_call(call_id)
    form = CallDocumentForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    else:
        try:
            attempt(services.add_document, current_user, call, form.title.data, form.file.data.stream,
                    form.file.data.filename, success=_("The document is published with the call."))
        except storage.StorageError:
            db.session.rollback()
            flash(_("The file could not be stored just now; nothing was lost. Try again in a few minutes."), "error")
    return redirect(url_for("manage_calls.show", call_id=call.id) + "#documents")


@bp.route("/<int:call_id>/documents/<int:call_doc_id>/delete", methods=["POST"])
@allow("call.manage")
def remove_document(call_id, call_doc_id):
    call = load_call(call_id)
    document = next((d for d in call.documents if d.id == call_doc_id), None)
    if document is None:
        abort(404)
    return _act(call, services.remove_document, document, success=_("The document is removed."))
