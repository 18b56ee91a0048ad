"""The front page: what Baiqau is, and each signed-in person's way in."""

from flask import Blueprint, render_template

from grants.permissions import allow

bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
@allow("public")
def index():
    return render_template("home/index.html")


@bp.route("/healthz")
@allow("public")
def healthz():
    return {"status": "ok"}
