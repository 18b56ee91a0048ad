"""NGO pages: an applicant's own NGOs, the operator's register of NGOs."""

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user

from grants.auth.models import Role
from grants.extensions import db
from grants.organizations import rules  # noqa: F401  (registers the rules)
from grants.organizations.models import Membership, Organization
from grants.permissions import allow, require

bp = Blueprint("organizations", __name__, url_prefix="/organizations", template_folder="templates")


@bp.route("/")
@allow("organization.list")
def index():
    query = sa.select(Organization).order_by(Organization.name_ru)
    if not current_user.has_any_role(*rules.STAFF):
        query = query.join(Membership).where(Membership.user_id == current_user.id)
    needle = (request.args.get("q") or "").strip()
    if needle:
        like = f"%{needle.lower()}%"
        query = query.where(sa.or_(Organization.bin.startswith(needle), sa.func.lower(Organization.name_ru).like(like),
                                   sa.func.lower(Organization.name_kk).like(like)))
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("organizations/index.html", page=page, q=needle,
                           staff=current_user.has_any_role(Role.operator, Role.admin))


@bp.route("/<int:org_id>")
@allow("organization.view")
def show(org_id):
    org = db.get_or_404(Organization, org_id)
    require("organization.view", org)
    return render_template("organizations/show.html", org=org)
