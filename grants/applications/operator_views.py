"""The operator's pages: a call's applications, the eligibility check, integrity flags, the conclusion."""

from io import BytesIO

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from grants import audit, audit_display
from grants.appforms.export import answers_workbook
from grants.applications import eligibility, queries, seal, services
from grants.applications.forms import OpenEarlyForm, ReviewForm
from grants.applications.models import CHECKLIST, Application, EligibilityReview, Outcome, Status
from grants.auth.forms import ConfirmForm
from grants.calls.models import Call
from grants.db import utcnow
from grants.extensions import db
from grants.forms import choices
from grants.i18n import _
from grants.permissions import allow, can, require
from grants.reference.models import ReasonCode, Region
from grants.refusals import attempt
from grants.work import due

bp = Blueprint("review", __name__, url_prefix="/manage", template_folder="templates")

PER_PAGE = 50


@bp.route("/calls/<int:call_id>/applications")
@allow("application.review")
def call_applications(call_id):
    call = db.get_or_404(Call, call_id)
    require("application.review", call)
    args = {k: request.args.get(k, "") for k in queries.CALL_FILTERS}
    page = db.paginate(queries.call_applications(call, args), per_page=PER_PAGE, error_out=False)
    regions = db.session.execute(sa.select(Region).order_by(Region.kato)).scalars().all()
    sealed = seal.call_sealed(call)
    counts = eligibility.counts(call)
    screening = due.screening_of(call, counts, utcnow())
    return render_template("applications/operator/list.html", call=call, page=page, args=args, regions=regions,
                           statuses=[s for s in Status if s != Status.draft], screening=screening,
                           conclusion=eligibility.conclusion_of(call), counts=counts,
                           confirm=ConfirmForm(), sealed=sealed, openings=seal.openings(call),
                           by_region=seal.counts_by_region(call) if sealed else None)


def require_call_unsealed(call):
    """What reads every application of a call at once waits for its deadline."""
    if seal.call_sealed(call):
        abort(403, description=seal.sealed_reason(call))


@bp.route("/calls/<int:call_id>/applications/answers.xlsx")
@allow("application.review")
def call_answers(call_id):
    """Every submitted application's answers, a column per question of the call's form."""
    call = db.get_or_404(Call, call_id)
    require("application.review", call)
    require_call_unsealed(call)
    return send_file(BytesIO(answers_workbook(call)), as_attachment=True,
                     download_name=f"{call.code}-answers.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def reason_options():
    rows = db.session.execute(sa.select(ReasonCode).where(ReasonCode.active).order_by(ReasonCode.code)).scalars()
    return [(r.code, r.name) for r in rows]


@bp.route("/applications/<int:app_id>/review", methods=["GET", "POST"])
@allow("application.review")
def review(app_id):
    application = db.get_or_404(Application, app_id)
    require("application.review", application)
    require("application.unsealed", application)
    form = ReviewForm()
    form.outcome.choices = choices((o.value, o.title) for o in Outcome)
    form.reasons.choices = choices(reason_options())
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            checklist = {code: request.form.get(f"check_{code}") == "y" for code, _label in CHECKLIST}
            if attempt(eligibility.review, current_user, application, form.outcome.data, checklist,
                       request.form.getlist("reason_codes"), form.comment.data, form.revision_days.data,
                       success=_("The decision is recorded and the applicant is notified.")):
                return redirect(url_for("review.call_applications", call_id=application.call.id))
    return render_template("applications/operator/review.html", application=application, form=form,
                           content=services.snapshot(application), checklist=CHECKLIST,
                           reasons=reason_options(), history=application_reviews(application),
                           events=audit_display.entries(audit.timeline(application))
                           if can(current_user, "work.mine") else None), status


def application_reviews(application):
    return db.session.execute(sa.select(EligibilityReview).where(EligibilityReview.application_id == application.id)
                              .order_by(EligibilityReview.id)).scalars().all()


@bp.route("/calls/<int:call_id>/integrity")
@allow("application.review")
def integrity(call_id):
    call = db.get_or_404(Call, call_id)
    require("application.review", call)
    require_call_unsealed(call)
    twice = eligibility.same_ngo_twice(call)
    similar = eligibility.similar_applications(call)
    pair = None
    if request.args.get("a", "").isdigit() and request.args.get("b", "").isdigit():
        a, b = db.session.get(Application, int(request.args["a"])), db.session.get(Application, int(request.args["b"]))
        if a is None or b is None or a.call.id != call.id or b.call.id != call.id:
            abort(404)
        pair = (a, b, eligibility.passages(a, b))
    return render_template("applications/operator/integrity.html", call=call, twice=twice, similar=similar,
                           pair=pair)


@bp.route("/applications/<int:app_id>/open-early", methods=["GET", "POST"])
@allow("application.open_early")
def open_early(app_id):
    """Open one sealed application before the deadline, for a reason published after it."""
    application = db.get_or_404(Application, app_id)
    require("application.review", application)
    form = OpenEarlyForm()
    status = 200
    if form.validate_on_submit():
        if attempt(seal.open_early, current_user, application, form.reason.data,
                   success=_("Application %(number)s is open to the grant operator before the deadline. The "
                             "opening and its reason are recorded and published on the call's page after the "
                             "deadline.", number=application.receipt_number)):
            return redirect(url_for("review.review", app_id=application.id))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("applications/operator/open_early.html", application=application, form=form,
                           sealed=seal.sealed(application)), status


@bp.route("/calls/<int:call_id>/conclusion", methods=["POST"])
@allow("application.review")
def publish_conclusion(call_id):
    call = db.get_or_404(Call, call_id)
    require("application.review", call)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(eligibility.publish_conclusion, current_user, call,
            success=_("The conclusion is published on the call's page."))
    return redirect(url_for("review.call_applications", call_id=call.id))
