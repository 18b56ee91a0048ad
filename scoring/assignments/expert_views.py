"""The expert's pages: what is assigned to them, and the conflict-of-interest question first."""

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from grants.applications.services import snapshot
from grants.extensions import db
from grants.i18n import _
from grants.permissions import allow, require
from grants.refusals import attempt
from scoring.assignments import services
from scoring.assignments.forms import DeclarationForm
from scoring.assignments.models import Assignment, State
from scoring.experts.models import Expert

bp = Blueprint("expert", __name__, url_prefix="/expert", template_folder="templates")


@bp.route("/")
@allow("assignment.own")
def index():
    assignments = db.session.execute(
        sa.select(Assignment).join(Expert).where(Expert.user_id == current_user.id).order_by(Assignment.id.desc())
    ).scalars().all()
    return render_template("assignments/expert/index.html", assignments=assignments)


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
@allow("assignment.own")
def show(assignment_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    require("assignment.own", assignment)
    form = DeclarationForm()
    if assignment.state == State.awaiting_declaration and form.validate_on_submit():
        if attempt(services.declare, current_user, assignment, form.conflict.data or None, form.note.data,
                   success=_("Your declaration is recorded.")):
            return redirect(url_for("expert.show", assignment_id=assignment.id))
    application = assignment.application
    # Until the expert answers the conflict question, nothing beyond title, topic and summary.
    content = snapshot(application) if assignment.state == State.accepted else None
    return render_template("assignments/expert/show.html", assignment=assignment, application=application,
                           form=form, content=content), 400 if request.method == "POST" else 200
