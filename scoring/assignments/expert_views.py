"""The expert's pages: what is assigned to them, the conflict-of-interest question first, then the sheet."""

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from grants.appforms.blocks import blocks as form_blocks
from grants.applications.models import Application
from grants.applications.services import snapshot
from grants.auth.forms import ConfirmForm
from grants.calls.models import Topic
from grants.extensions import db
from grants.i18n import _
from grants.permissions import allow, require
from grants.refusals import attempt
from scoring import phases
from scoring.assignments import services
from scoring.assignments.forms import DeclarationForm
from scoring.assignments.models import Assignment, State
from scoring.experts.models import Expert
from scoring.sheets import services as sheets
from scoring.sheets.models import ScoreSheet, ScoringRules

bp = Blueprint("expert", __name__, url_prefix="/expert", template_folder="templates")


@bp.route("/")
@allow("assignment.own")
def index():
    rows = db.session.execute(
        sa.select(Assignment, ScoreSheet.state, ScoringRules.deadline).join(Expert).outerjoin(ScoreSheet)
        .join(Application, Application.id == Assignment.application_id)
        .join(Topic, Topic.id == Application.topic_id)
        .outerjoin(ScoringRules, ScoringRules.call_id == Topic.call_id)
        .where(Expert.user_id == current_user.id).order_by(Assignment.id.desc())
        .options(joinedload(Assignment.application).joinedload(Application.topic).joinedload(Topic.call))
    ).all()
    scopes = phases.scopes({s.application.call for s, _state, _deadline in rows})  # one query for every call
    return render_template("assignments/expert/index.html", rows=rows, scopes=scopes)


def render_assignment(assignment, form=None, typed=None, problems=None):
    """The assignment page; `typed` is a refused sheet's input, drawn back so nothing is lost, and
    `problems` its messages by criterion id."""
    application = assignment.application
    call = application.call
    rules = sheets.rules(call)
    content = None
    sheet = None
    if assignment.state == State.accepted:
        content = snapshot(application)
        if rules.blind:
            content["organization"] = None
            content["partners"] = []  # partners name the applicant as surely as its own name
            for block in form_blocks(content.get("form") or call.application_form):
                if block.data.get("prefill"):  # filled in from the NGO's profile: its name, head, address…
                    content["sections"][block.code] = ""
        sheet = db.session.execute(
            sa.select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id)).scalar_one_or_none()
    return render_template("assignments/expert/show.html", assignment=assignment, application=application,
                           form=form or DeclarationForm(), content=content, blind=rules.blind, sheet=sheet,
                           criteria=sheets.criteria(call), typed=typed, problems=problems or {},
                           confirm=ConfirmForm())


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
    return render_assignment(assignment, form), 400 if request.method == "POST" else 200


def _accepted(user, application):
    return db.session.execute(
        sa.select(Assignment).join(Expert).where(Expert.user_id == user.id, Assignment.application_id == application.id,
                                                 Assignment.state == State.accepted)).scalar_one_or_none()


def is_expert(user, application):
    """An expert who has declared no conflict on the application reads the comments meant for its experts."""
    return _accepted(user, application) is not None


def page(user, application, external=False):
    assignment = _accepted(user, application)
    return url_for("expert.show", assignment_id=assignment.id, _anchor="comments", _external=external) \
        if assignment else None
