"""NGO pages: an applicant's own NGOs, registration by BIN, the profile, the operator's register."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from grants.auth.models import Role
from grants.extensions import db
from grants.i18n import _
from grants.monitoring.track_record import track_record
from grants.organizations import ownership, services
from grants.organizations.forms import InviteForm, ProfileForm, RegisterForm, VerifyForm
from grants.organizations.models import Membership, Organization
from grants.organizations.rules import STAFF
from grants.organizations.services import PROFILE_FIELDS
from grants.permissions import allow, require
from grants.reference.models import Direction
from grants.refusals import attempt
from grants.security import safe_next

bp = Blueprint("organizations", __name__, url_prefix="/organizations", template_folder="templates")


def _directions(ids):
    return db.session.execute(sa.select(Direction).where(Direction.id.in_(ids or []))).scalars().all()


def _status():
    return 400 if request.method == "POST" else 200


@bp.route("/")
@allow("organization.list")
def index():
    query = sa.select(Organization).order_by(Organization.name_ru)
    if not current_user.has_any_role(*STAFF):
        query = query.join(Membership).where(Membership.user_id == current_user.id)
    needle = (request.args.get("q") or "").strip()
    if needle:
        like = f"%{needle.lower()}%"
        query = query.where(sa.or_(Organization.bin.startswith(needle), sa.func.lower(Organization.name_ru).like(like),
                                   sa.func.lower(Organization.name_kk).like(like)))
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("organizations/index.html", page=page, q=needle,
                           staff=current_user.has_any_role(Role.operator, Role.admin))


@bp.route("/register", methods=["GET", "POST"])
@allow("organization.register")
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        data = {k: getattr(form, k).data for k in PROFILE_FIELDS}
        org = attempt(services.register, current_user, form.bin.data, data, _directions(form.directions.data),
                      field=form.bin, proof=session.get("eds_entity"))
        if org:
            flash(_("%(name)s is registered. You are its owner.", name=org.name), "success")
            if not org.verified:
                flash(ownership.submit_problem(org), "info")
            return redirect(safe_next(request.args.get("next"), url_for("organizations.show", org_id=org.id)))
    return render_template("organizations/register.html", form=form), _status()


@bp.route("/<int:org_id>")
@allow("organization.view")
def show(org_id):
    org = db.get_or_404(Organization, org_id)
    require("organization.view", org)
    return render_template("organizations/show.html", org=org, invite=InviteForm(), verify=VerifyForm(),
                           owner=services.is_owner(current_user, org), track_record=track_record(org))


@bp.route("/<int:org_id>/verify", methods=["POST"])
@allow("organization.verify")
def verify(org_id):
    """The operator's check of the NGO's registration documents, with what was seen."""
    org = db.get_or_404(Organization, org_id)
    form = VerifyForm()
    if form.validate_on_submit():
        if attempt(ownership.verify_by_documents, current_user, org, form.note.data,
                   success=_("The NGO is verified by its documents.")):
            return redirect(url_for("organizations.show", org_id=org.id))
    elif form.errors:
        flash(_("Write which documents you checked and what they show."), "error")
    return redirect(url_for("organizations.show", org_id=org.id))


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@allow("organization.edit")
def edit(org_id):
    org = db.get_or_404(Organization, org_id)
    require("organization.edit", org)
    if request.method == "GET":
        form = ProfileForm(data={**{k: getattr(org, k) for k in PROFILE_FIELDS},
                                 "directions": [d.id for d in org.directions]})
    else:
        form = ProfileForm()
    if form.validate_on_submit():
        if attempt(services.update, current_user, org, {k: getattr(form, k).data for k in PROFILE_FIELDS},
                   _directions(form.directions.data), success=_("Saved.")):
            return redirect(url_for("organizations.show", org_id=org.id))
    return render_template("organizations/edit.html", form=form, org=org), _status()


@bp.route("/<int:org_id>/invite", methods=["POST"])
@allow("organization.edit")
def invite(org_id):
    org = db.get_or_404(Organization, org_id)
    require("organization.edit", org)
    form = InviteForm()
    if form.validate_on_submit():
        outcome = attempt(services.invite, current_user, org, form.email.data)
        if outcome is True:
            flash(_("An invitation is sent to %(email)s; they join when they register.", email=form.email.data),
                  "success")
        elif outcome:
            flash(_("%(email)s now acts for the NGO.", email=form.email.data), "success")
    else:
        flash(_("Enter a valid e-mail address."), "error")
    return redirect(url_for("organizations.show", org_id=org.id))
