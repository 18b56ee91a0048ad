"""The operator's pages of the expert register."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

import scoring.rules  # noqa: F401  (registers the rules)
from grants.auth.forms import ConfirmForm
from grants.auth.services import find_user
from grants.extensions import db
from grants.i18n import _
from grants.permissions import allow
from grants.reference.models import Direction
from grants.refusals import attempt
from scoring.assignments.services import workload_history
from scoring.experts import services
from scoring.experts.forms import AffiliationForm, EnrolForm, ExpertForm, RelativeForm
from scoring.experts.models import Expert

bp = Blueprint("experts", __name__, url_prefix="/manage/experts", template_folder="templates")


def _directions(ids):
    return db.session.execute(sa.select(Direction).where(Direction.id.in_(ids or []))).scalars().all()


def _data(form):
    return {k: getattr(form, k).data for k in services.FIELDS}


@bp.route("/")
@allow("expert.register")
def index():
    # a row shows the expert's directions and counts its affiliations: both loaded with the page, not per row
    page = db.paginate(sa.select(Expert).join(Expert.user).order_by(sa.text("users.full_name"))
                       .options(selectinload(Expert.directions), selectinload(Expert.affiliations)), per_page=50,
                       error_out=False)
    return render_template("experts/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@allow("expert.register")
def new():
    form = EnrolForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is None:
            form.email.errors.append(_("No account has this e-mail: the administrator creates it first."))
        else:
            expert = attempt(services.enrol, current_user, user, _data(form), _directions(form.directions.data),
                             success=_("%(name)s is on the register.", name=user.full_name))
            if expert:
                return redirect(url_for("experts.show", expert_id=expert.id))
    return render_template("experts/new.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/<int:expert_id>", methods=["GET", "POST"])
@allow("expert.register")
def show(expert_id):
    expert = db.get_or_404(Expert, expert_id)
    if request.method == "GET":
        form = ExpertForm(data={**{k: getattr(expert, k) for k in services.FIELDS},
                                "directions": [d.id for d in expert.directions]})
    else:
        form = ExpertForm()
    if form.validate_on_submit():
        if attempt(services.update, current_user, expert, _data(form), _directions(form.directions.data),
                   success=_("Saved.")):
            return redirect(url_for("experts.show", expert_id=expert.id))
    return render_template("experts/show.html", expert=expert, form=form, affiliation=AffiliationForm(),
                           relative=RelativeForm(), confirm=ConfirmForm(), history=workload_history(expert)), \
        400 if request.method == "POST" else 200


@bp.route("/<int:expert_id>/affiliations", methods=["POST"])
@allow("expert.register")
def add_affiliation(expert_id):
    expert = db.get_or_404(Expert, expert_id)
    form = AffiliationForm()
    if form.validate_on_submit():
        attempt(services.add_affiliation, current_user, expert, form.bin.data, form.organisation_name.data,
                form.tie.data, form.until.data, success=_("The tie is recorded."))
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("experts.show", expert_id=expert.id) + "#affiliations")


@bp.route("/<int:expert_id>/affiliations/<int:affiliation_id>/delete", methods=["POST"])
@allow("expert.register")
def remove_affiliation(expert_id, affiliation_id):
    expert = db.get_or_404(Expert, expert_id)
    affiliation = next((a for a in expert.affiliations if a.id == affiliation_id), None)
    if affiliation is None or not ConfirmForm().validate_on_submit():
        abort(404 if affiliation is None else 400)
    attempt(services.remove_affiliation, current_user, expert, affiliation, success=_("The tie is removed."))
    return redirect(url_for("experts.show", expert_id=expert.id) + "#affiliations")


@bp.route("/<int:expert_id>/relatives", methods=["POST"])
@allow("expert.register")
def add_relative(expert_id):
    expert = db.get_or_404(Expert, expert_id)
    form = RelativeForm()
    if form.validate_on_submit():
        attempt(services.add_relative, current_user, expert, form.iin.data, form.full_name.data, form.relation.data,
                success=_("The relative is recorded."))
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("experts.show", expert_id=expert.id) + "#relatives")


@bp.route("/<int:expert_id>/relatives/<int:relative_id>/delete", methods=["POST"])
@allow("expert.register")
def remove_relative(expert_id, relative_id):
    expert = db.get_or_404(Expert, expert_id)
    relative = next((r for r in expert.relatives if r.id == relative_id), None)
    if relative is None or not ConfirmForm().validate_on_submit():
        abort(404 if relative is None else 400)
    attempt(services.remove_relative, current_user, expert, relative, success=_("The relative is removed."))
    return redirect(url_for("experts.show", expert_id=expert.id) + "#relatives")
