"""Calls as the public sees them: without signing in, in three languages."""

from flask import Blueprint, abort, current_app, render_template, request, send_file
from sqlalchemy.orm import selectinload

import grants.calls.rules  # noqa: F401  (registers the rules)
from grants import storage
from grants.applications import seal
from grants.applications.eligibility import conclusion_of
from grants.calls import queries
from grants.calls.models import Call, CallStatus, Topic
from grants.extensions import db
from grants.permissions import allow, require

bp = Blueprint("calls", __name__, url_prefix="/calls", template_folder="templates")


@bp.route("/")
@allow("public")
def index():
    filters = queries.public_filters(request.args, db.session)
    page = db.paginate(queries.public_calls(filters), per_page=20, error_out=False)
    return render_template("calls/public/index.html", page=page, filters=filters,
                           options=queries.filter_choices(db.session))


@bp.route("/<int:call_id>")
@allow("public")
def show(call_id):
    return render_call(published_call(call_id))


def published_call(call_id):
    # the page lists every topic with its regions and services: loaded with the call, not one topic at a time
    call = db.session.get(Call, call_id, options=[selectinload(Call.topics).selectinload(Topic.regions),
                                                  selectinload(Call.topics).selectinload(Topic.spec_items)])
    if call is None or call.status == CallStatus.draft:
        abort(404)  # a draft does not exist for the public
    return call


def render_call(call, status=200, **extra):
    """The call's public page; a form sent from it (a proposal on the plan) comes back here with its problems."""
    openings = [] if seal.call_sealed(call) else seal.openings(call)  # published once the deadline has passed
    return render_template("calls/public/show.html", call=call, conclusion=conclusion_of(call), openings=openings,
                           **extra), status


@bp.route("/<int:call_id>/documents/<int:call_doc_id>")
@allow("call.view")
def document(call_id, call_doc_id):
    call = db.get_or_404(Call, call_id)
    require("call.view", call)
    found = next((d for d in call.documents if d.id == call_doc_id), None)
    if found is None:
        abort(404)
    stream = storage.storage_from_config(current_app.config).open(found.storage_key)
    return send_file(stream, mimetype=found.content_type, as_attachment=True, download_name=found.filename)
