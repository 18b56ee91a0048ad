"""The search page: GET only, every filter in the address, so that a search is a link to share."""

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user

import grants.search.rules  # noqa: F401  (registers the rule)
from grants.calls.models import Call
from grants.extensions import db
from grants.permissions import allow
from grants.reference.models import Region
from grants.search import queries
from grants.search.models import Kind

bp = Blueprint("search", __name__, url_prefix="/search", template_folder="templates")


@bp.route("/")
@allow("search.use")
def index():
    f = queries.parse(request.args)
    hits, page = (None, None) if f.problems or f.empty else queries.search(current_user, f)
    calls = db.session.execute(sa.select(Call).order_by(Call.code.desc())).scalars().all()
    regions = db.session.execute(sa.select(Region).order_by(Region.kato)).scalars().all()
    return render_template("search/index.html", f=f, hits=hits, page=page, kinds=list(Kind), calls=calls,
                           regions=regions, statuses=queries.status_options(),
                           examples=queries.examples(), max_count=queries.MAX_COUNT), 400 if f.problems else 200
