"""The administrator's pages for the reference catalogues; one set of views for all of them."""

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from grants.auth.models import Role
from grants.extensions import db
from grants.i18n import _
from grants.permissions import allow, can, register_role_rules, require
from grants.reference import services
from grants.reference.catalogues import CATALOGUES
from grants.refusals import attempt

bp = Blueprint("reference", __name__, url_prefix="/admin/reference", template_folder="templates")

register_role_rules({
    "admin.reference": (Role.admin,),
    "reference.reasons": (Role.admin, Role.operator),
    "reference.any": (Role.admin, Role.operator),
})


def catalogue_or_404(slug):
    try:
        cat = CATALOGUES[slug]
    except KeyError:
        abort(404)
    require(cat.action)
    return cat


@bp.route("/")
@allow("reference.any")
def index():
    shown = [c for c in CATALOGUES.values() if can(current_user, c.action)]
    return render_template("reference/index.html", catalogues=shown)


@bp.route("/<slug>/")
@allow("reference.any")
def entries(slug):
    cat = catalogue_or_404(slug)
    rows = db.session.execute(sa.select(cat.model).order_by(getattr(cat.model, cat.order_by))).scalars().all()
    return render_template("reference/entries.html", cat=cat, rows=rows)


def _edit(cat, obj):
    form = cat.form(obj=obj)
    if form.validate_on_submit():
        data = {name: getattr(form, name).data for name in cat.fields}
        if attempt(services.save_entry, current_user, cat, obj, data, success=_("Saved.")):
            return redirect(url_for("reference.entries", slug=cat.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("reference/edit.html", cat=cat, form=form, obj=obj), status


@bp.route("/<slug>/new", methods=["GET", "POST"])
@allow("reference.any")
def new(slug):
    cat = catalogue_or_404(slug)
    if not cat.can_create:
        abort(404)
    return _edit(cat, None)


@bp.route("/<slug>/<int:entry_id>", methods=["GET", "POST"])
@allow("reference.any")
def edit(slug, entry_id):
    cat = catalogue_or_404(slug)
    return _edit(cat, db.get_or_404(cat.model, entry_id))
