"""The front page: what Baiqau is, and each signed-in person's way in."""

import logging

import sqlalchemy as sa
from flask import Blueprint, render_template

from grants.extensions import db
from grants.permissions import allow

log = logging.getLogger(__name__)
bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
@allow("public")
def index():
    return render_template("home/index.html")


@bp.route("/healthz")
@allow("public")
def healthz():
    """For load balancers: answers 200 only when the database answers too."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError:
        log.exception("health check: database unreachable")
        return {"status": "database unreachable"}, 503
    return {"status": "ok"}
