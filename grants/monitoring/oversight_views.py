"""Site visits, the evaluation of effectiveness, beneficiaries' feedback, observers' recommendations, overdue."""

import io
import logging
from types import SimpleNamespace

import segno
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale, get_locale
from flask_login import current_user

import grants.agreements.rules  # noqa: F401  (registers the rules)
from grants import audit, storage
from grants.agreements import operator_views
from grants.agreements import views as agreement_views
from grants.agreements.models import Agreement, AgreementStatus
from grants.extensions import db
from grants.filters import enum_title
from grants.forms import choices
from grants.i18n import LANGUAGE_NAMES, _, astana_today
from grants.monitoring import evaluation, survey, survey_codes, visits
from grants.monitoring import queries as report_queries
from grants.monitoring import recommendations as recommendation_services
from grants.monitoring.models import Recommendation, SiteVisit, VisitPhoto, VisitStatus
from grants.monitoring.oversight_forms import (
    AnswerForm,
    EvaluationForm,
    FeedbackForm,
    RecommendationForm,
    SurveyCodesForm,
    VisitCancelForm,
    VisitDoneForm,
    VisitPhotoForm,
    VisitPlanForm,
)
from grants.monitoring.views import list_options
from grants.permissions import allow, can, require
from grants.refusals import attempt

log = logging.getLogger(__name__)
bp = Blueprint("oversight", __name__, template_folder="templates")
bp.add_app_template_filter(enum_title(VisitStatus), "visit_status_title")


OVERDUE_PER_PAGE = 50
VISIT_BADGES = {VisitStatus.planned: "draft", VisitStatus.done: "accepted", VisitStatus.cancelled: "closed"}


def load_agreement(agreement_id, action="agreement.view"):
    agreement = db.get_or_404(Agreement, agreement_id)
    require(action, agreement)
    return agreement


def load_visit(visit_id):
    return db.get_or_404(SiteVisit, visit_id)


def insider(agreement):
    """The operator and the grantee NGO's own staff."""
    return bool(can(current_user, "agreement.manage")) or agreement.organization.has_member(current_user)


def survey_url(agreement):
    """The survey's address as people open it: the public address, not whatever host served this request."""
    return current_app.config["PUBLIC_URL"] + url_for("oversight.feedback", token=agreement.feedback_token)


def plan_form(**kwargs):
    form = VisitPlanForm(**kwargs)
    form.inspector_id.choices = choices([("", _("— choose —"))]
                                        + [(u.id, u.full_name) for u in visits.inspectors()])
    return form


def again(agreement, manage, **forms):
    """The agreement page once more, with the oversight form that failed (its errors, what was typed), 400."""
    g.oversight_forms = forms
    agreement = db.session.get(Agreement, agreement.id)
    if manage:
        return operator_views.render_show(agreement, 400)
    return agreement_views.render_show(agreement, status=400)


@bp.app_template_global("oversight_for")
def oversight_for(agreement, manage=False):
    """What the oversight part of an agreement page shows to the current user; `manage` on the operator's page."""
    staff = bool(can(current_user, "agreement.manage"))
    member = agreement.organization.has_member(current_user)
    manage = bool(manage) and staff
    forms = g.get("oversight_forms", {})
    evaluated = evaluation.evaluation_of(agreement)
    can_evaluate = manage and evaluated is None and agreement.status == AgreementStatus.completed
    signed = agreement.status != AgreementStatus.draft
    return SimpleNamespace(
        manage=manage, insider=staff or member, staff=staff,
        visits=visits.visits_for(current_user, agreement), visit_badges=VISIT_BADGES,
        can_plan=manage and agreement.status in visits.VISITED,
        plan=forms.get("plan") or (plan_form(formdata=None) if manage else None),
        evaluation=evaluated,
        figures=(evaluation.figures(agreement) if evaluated is None and agreement.status == AgreementStatus.completed
                 and (staff or member) else None),
        can_evaluate=can_evaluate,
        evaluation_form=(forms.get("evaluation") or EvaluationForm(formdata=None)) if can_evaluate else None,
        signed=signed, survey_open=survey.survey_open(agreement),
        summary=survey.feedback_summary(agreement) if signed else None,
        comments=survey.latest_comments(agreement) if signed and (staff or member) else [],
        survey_url=survey_url(agreement) if signed and (staff or member) else None,
        code_sheets=survey_codes.sheets(agreement) if signed and (staff or member) else [],
        codes_form=forms.get("codes") or SurveyCodesForm(formdata=None),
        recommendations=recommendation_services.recommendations_of(agreement) if signed else [],
        can_recommend=signed and bool(can(current_user, "recommendation.send", agreement)),
        recommend_form=forms.get("recommend") or RecommendationForm(formdata=None),
        answer_form=forms.get("answer"), answer_for=forms.get("answer_for"),
        blank_answer=AnswerForm(formdata=None) if manage else None,
    )


# --- site visits ---------------------------------------------------------------------------------------

@bp.route("/manage/agreements/<int:agreement_id>/visits", methods=["POST"])
@allow("agreement.manage")
def plan_visit(agreement_id):
    agreement = load_agreement(agreement_id, "agreement.manage")
    form = plan_form()
    if form.validate_on_submit():
        inspector = next((u for u in visits.inspectors() if u.id == form.inspector_id.data), None)
        visit = attempt(visits.plan_visit, current_user, agreement, form.visit_planned_on.data, inspector,
                        success=_("The site visit is planned."))
        if visit:
            return redirect(url_for("oversight.visit", visit_id=visit.id))
    return again(agreement, True, plan=form)


def render_visit(visit, status=200, **forms):
    today = astana_today()
    blank = {"done": VisitDoneForm(formdata=None, data={"visited_on": min(today, visit.planned_on)}),
             "cancel": VisitCancelForm(formdata=None), "photo": VisitPhotoForm(formdata=None)}
    blank.update(forms)
    return render_template("monitoring/visit.html", visit=visit, agreement=visit.agreement, badges=VISIT_BADGES,
                           visitable=visit.agreement.status in visits.VISITED, **blank), status


@bp.route("/manage/visits/<int:visit_id>")
@allow("agreement.manage")
def visit(visit_id):
    return render_visit(load_visit(visit_id))


@bp.route("/manage/visits/<int:visit_id>/done", methods=["POST"])
@allow("agreement.manage")
def record_visit(visit_id):
    visit = load_visit(visit_id)
    form = VisitDoneForm()
    if form.validate_on_submit() and attempt(
            visits.record_visit, current_user, visit, form.visited_on.data, form.findings.data,
            form.visit_rating.data, form.follow_up.data, form.follow_up_due.data, form.published.data,
            success=_("The site visit is recorded.")):
        return redirect(url_for("oversight.visit", visit_id=visit_id))
    return render_visit(db.session.get(SiteVisit, visit_id), 400, done=form)


@bp.route("/manage/visits/<int:visit_id>/cancel", methods=["POST"])
@allow("agreement.manage")
def cancel_visit(visit_id):
    visit = load_visit(visit_id)
    form = VisitCancelForm()
    if form.validate_on_submit() and attempt(visits.cancel_visit, current_user, visit, form.cancel_reason.data,
                                             success=_("The site visit is cancelled.")):
        return redirect(url_for("oversight.visit", visit_id=visit_id))
    return render_visit(db.session.get(SiteVisit, visit_id), 400, cancel=form)


@bp.route("/manage/visits/<int:visit_id>/photos", methods=["POST"])
@allow("agreement.manage")
def add_photo(visit_id):
    visit = load_visit(visit_id)
    form = VisitPhotoForm()
    if form.validate_on_submit():
        try:
            photo = attempt(visits.add_visit_photo, current_user, visit, form.photo.data.stream,
                            form.photo.data.filename, form.photo_caption.data or "")
        except storage.StorageError:
            db.session.rollback()
            log.exception("photo of site visit %s not stored", visit_id)
            flash(_("The file could not be stored just now; nothing was lost. Try again in a few minutes."), "error")
            return render_visit(db.session.get(SiteVisit, visit_id), 503, photo=form)
        if photo:
            flash(_("%(name)s is attached.", name=photo.filename), "success")
            return redirect(url_for("oversight.visit", visit_id=visit_id) + "#photos")
    return render_visit(db.session.get(SiteVisit, visit_id), 400, photo=form)


@bp.route("/visits/<int:visit_id>/photos/<int:photo_id>")
@allow("agreement.view")
def photo(visit_id, photo_id):
    visit = load_visit(visit_id)
    require("agreement.view", visit.agreement)
    if not visits.visit_open_to(current_user, visit):
        abort(403, description=_("The findings of this visit are not published."))
    item = db.session.get(VisitPhoto, photo_id)
    if item is None or item.visit_id != visit.id:
        abort(404)
    try:
        stream = storage.storage_from_config(current_app.config).open(item.storage_key)
    except FileNotFoundError:
        log.error("photo %s of site visit %s is missing from storage", item.id, visit.id)
        abort(404)
    return send_file(stream, mimetype=item.content_type, download_name=item.filename)


# --- the evaluation of effectiveness ---------------------------------------------------------------------

@bp.route("/manage/agreements/<int:agreement_id>/evaluation", methods=["POST"])
@allow("agreement.manage")
def evaluate(agreement_id):
    agreement = load_agreement(agreement_id, "agreement.manage")
    form = EvaluationForm()
    if form.validate_on_submit() and attempt(evaluation.evaluate, current_user, agreement,
                                             form.evaluation_rating.data, form.conclusion.data,
                                             success=_("The evaluation of effectiveness is recorded.")):
        return redirect(url_for("manage_agreements.show", agreement_id=agreement_id) + "#evaluation")
    return again(agreement, True, evaluation=form)


# --- beneficiaries' feedback ---------------------------------------------------------------------------------

SURVEY_LANGUAGES = {code: LANGUAGE_NAMES[code] for code in survey.SURVEY_LANGUAGES}


def survey_language(agreement):
    """Kazakh or Russian: the visitor's choice (?lang=kk|ru), else the project's language."""
    chosen = str(get_locale())
    return chosen if chosen in survey.SURVEY_LANGUAGES else agreement.language


def by_token(token):
    agreement = survey.agreement_by_token(token)
    if agreement is None:
        abort(404)
    return agreement


@bp.route("/feedback/<token>", methods=["GET", "POST"])
@allow("public")
def feedback(token):
    agreement = by_token(token)
    language = survey_language(agreement)
    with force_locale(language):
        context = {"agreement": agreement, "languages": SURVEY_LANGUAGES, "token": token}
        status = 200 if request.method == "GET" else 400
        if not survey.survey_open(agreement):
            return render_template("monitoring/feedback_closed.html", **context), status
        form = FeedbackForm()
        if request.method == "GET" and request.args.get("code"):
            form.code.data = request.args["code"][:20]  # the card's QR code carries it
        if form.validate_on_submit() and attempt(survey.add_feedback, agreement, language, *form.answers()):
            return redirect(url_for("oversight.feedback_thanks", token=token))
        return render_template("monitoring/feedback.html", form=form, **context), status


@bp.route("/feedback/<token>/thanks")
@allow("public")
def feedback_thanks(token):
    agreement = by_token(token)
    with force_locale(survey_language(agreement)):
        return render_template("monitoring/feedback_thanks.html", agreement=agreement, languages=SURVEY_LANGUAGES,
                               token=token)


@bp.route("/agreements/<int:agreement_id>/feedback-qr.svg")
@allow("agreement.view")
def feedback_qr(agreement_id):
    agreement = load_agreement(agreement_id)
    if not insider(agreement):
        abort(403, description=_("The survey's QR code is for the grantee and the grant operator."))
    out = io.BytesIO()
    segno.make(survey_url(agreement), error="m").save(out, kind="svg", scale=5, border=4, xmldecl=True,
                                                      title=_("Beneficiaries' survey"))
    out.seek(0)
    name = "survey-" + "".join(c if c.isalnum() else "-" for c in agreement.number) + ".svg"
    return send_file(out, mimetype="image/svg+xml", download_name=name)


# --- observers' recommendations ------------------------------------------------------------------------------

@bp.route("/agreements/<int:agreement_id>/recommendations", methods=["POST"])
@allow("recommendation.send")
def recommend(agreement_id):
    agreement = load_agreement(agreement_id)
    require("recommendation.send", agreement)
    form = RecommendationForm()
    if form.validate_on_submit() and attempt(
            recommendation_services.recommend, current_user, agreement, form.recommendation_text.data,
            success=_("The recommendation is sent. The grant operator answers it on this page.")):
        return redirect(url_for("agreements.show", agreement_id=agreement_id) + "#recommendations")
    return again(agreement, False, recommend=form)


@bp.route("/manage/recommendations/<int:rec_id>/answer", methods=["POST"])
@allow("agreement.manage")
def answer(rec_id):
    recommendation = db.get_or_404(Recommendation, rec_id)
    agreement = load_agreement(recommendation.agreement_id, "agreement.manage")
    form = AnswerForm()
    if form.validate_on_submit() and attempt(recommendation_services.answer, current_user, recommendation,
                                             form.answer.data,
                                             success=_("The answer is published with the recommendation.")):
        return redirect(url_for("manage_agreements.show", agreement_id=agreement.id) + "#recommendations")
    return again(agreement, True, answer=form, answer_for=rec_id)


@bp.route("/manage/recommendations")
@allow("agreement.manage")
def recommendations():
    page = db.paginate(recommendation_services.recommendations_queue(), per_page=50, error_out=False)
    waiting = db.session.execute(sa.select(sa.func.count(Recommendation.id))
                                 .where(Recommendation.answered_at.is_(None))).scalar_one()
    return render_template("monitoring/recommendations.html", page=page, waiting=waiting)


# --- the overdue list ----------------------------------------------------------------------------------------

@bp.route("/manage/overdue")
@allow("monitoring.board")
def overdue():
    """Two lists, each paginated in the database: late reports (`page`) and blocked tranches (`tranches_page`)."""
    today = astana_today()
    args = {k: request.args.get(k, "") for k in report_queries.OVERDUE_FILTERS}
    late = db.paginate(report_queries.overdue_reports(args, today), per_page=OVERDUE_PER_PAGE, error_out=False)
    blocked = db.paginate(report_queries.blocked_tranches(args, today), per_page=OVERDUE_PER_PAGE,
                          page=request.args.get("tranches_page", 1, type=int), error_out=False)
    last_sweep = db.session.execute(
        sa.select(audit.AuditEvent.at).where(audit.AuditEvent.verb == "monitoring.overdue")
        .order_by(audit.AuditEvent.id.desc()).limit(1)).scalar_one_or_none()
    return render_template("monitoring/overdue.html", late=late, blocked=blocked,
                           why=report_queries.why_blocked(blocked.items), args=args, today=today,
                           last_sweep=last_sweep, **list_options())
