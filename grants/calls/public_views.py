"""Calls as the public sees them: without signing in, in three languages."""

from flask import Blueprint, abort, render_template, request

import grants.calls.rules  # noqa: F401  (registers the rules)
from grants.applications.eligibility import conclusion_of
from grants.calls import queries
from grants.calls.models import Call, CallStatus
from grants.extensions import db
from grants.permissions import allow

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
    call = db.get_or_404(Call, call_id)
    if call.status == CallStatus.draft:
        abort(404)  # a draft does not exist for the public
    return render_template("calls/public/show.html", call=call, conclusion=conclusion_of(call))
