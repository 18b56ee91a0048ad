"""Oversight of an agreement: site visits, the evaluation of effectiveness, beneficiaries' feedback,
observers' recommendations and the operator's answers, and the NGO's track record.

Each verb checks the state and the actor's right, writes the audit trail on the agreement (so it shows
on the agreement's timeline) and flushes; the caller commits once.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from grants import audit, storage
from grants.agreements.models import Agreement, AgreementStatus, quantize
from grants.agreements.services import totals
from grants.auth.models import Role, User, UserRole
from grants.calls.models import Topic
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _, astana_today
from grants.monitoring.models import (
    Evaluation,
    Feedback,
    Recommendation,
    ReportKind,
    ReportStatus,
    SiteVisit,
    VisitPhoto,
    VisitStatus,
)
from grants.permissions import can
from grants.refusals import Refusal

VISITED = (AgreementStatus.active, AgreementStatus.suspended, AgreementStatus.completed)
SURVEYED = (AgreementStatus.active, AgreementStatus.completed)
PHOTO_KINDS = ("jpg", "png")
SHARE = Decimal("0.0001")
RATINGS = range(1, 6)
FINDINGS_MAX = 20000
COMMENT_MAX = 2000
RECOMMENDATION_MAX = 4000
SURVEY_LANGUAGES = ("kk", "ru")


class OversightError(Refusal):
    """A refusal, with a message for the operator, the NGO, an observer or a beneficiary."""


def _require(actor, action, obj=None):
    decision = can(actor, action, obj)
    if not decision:
        raise OversightError(decision.reason or _("Your role does not give access to this page."))


def _require_visited(agreement):
    if agreement.status not in VISITED:
        raise OversightError(_("Site visits are made to an agreement in force, suspended or completed "
                               "(this agreement's status: %(status)s).",
                               status=AgreementStatus(agreement.status).title))


def _text(value):
    return (value or "").strip()


def _rating(value):
    if value is None or value not in RATINGS:
        raise OversightError(_("Give a rating from 1 to 5."))
    return int(value)


# --- site visits ----------------------------------------------------------------------------------------

def inspectors():
    """Who may be sent on a site visit: active users with the grant operator's role."""
    return db.session.execute(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.operator, User.active.is_(True)).order_by(User.full_name, User.id)
    ).scalars().all()


def plan_visit(actor, agreement, planned_on, inspector):
    _require(actor, "agreement.manage")
    _require_visited(agreement)
    if planned_on is None:
        raise OversightError(_("Give the date of the visit."))
    if inspector is None or not inspector.active or not inspector.has_role(Role.operator):
        raise OversightError(_("Choose the inspector among the grant operator's staff."))
    visit = SiteVisit(agreement_id=agreement.id, planned_on=planned_on, inspector_id=inspector.id,
                      status=VisitStatus.planned)
    db.session.add(visit)
    db.session.flush()
    audit.record(actor, "visit.plan", agreement, after={
        "visit": visit.id, "planned_on": planned_on, "inspector": inspector.email})
    return visit


def record_visit(actor, visit, visited_on, findings, rating, follow_up="", follow_up_due=None, published=False,
                 today=None):
    """Planned → done: the findings, a rating of 1–5, the follow-up the NGO must take and by when."""
    _require(actor, "agreement.manage")
    agreement = visit.agreement
    _require_visited(agreement)
    if visit.status == VisitStatus.cancelled:
        raise OversightError(_("The visit was cancelled; plan a new one."))
    if visit.status == VisitStatus.done:
        raise OversightError(_("The visit is already recorded as done."))
    today = today or astana_today()
    if visited_on is None:
        raise OversightError(_("Give the date of the visit."))
    if visited_on > today:
        raise OversightError(_("A visit in the future cannot be recorded as done: record it on the day or after."))
    findings, follow_up = _text(findings), _text(follow_up)
    if not findings:
        raise OversightError(_("Describe the findings of the visit."))
    if len(findings) > FINDINGS_MAX or len(follow_up) > FINDINGS_MAX:
        raise OversightError(_("The text is too long: at most %(n)d characters.", n=FINDINGS_MAX))
    rating = _rating(rating)
    if follow_up and follow_up_due is None:
        raise OversightError(_("Give the date by which the NGO must take the follow-up actions."))
    if follow_up_due is not None and not follow_up:
        raise OversightError(_("Describe the follow-up actions the due date is for."))
    if follow_up_due is not None and follow_up_due < visited_on:
        raise OversightError(_("The follow-up actions are due after the visit."))
    visit.status = VisitStatus.done
    visit.visited_on = visited_on
    visit.findings = findings
    visit.rating = rating
    visit.follow_up = follow_up
    visit.follow_up_due = follow_up_due
    visit.published = bool(published)
    audit.record(actor, "visit.done", agreement, {"visit": visit.id, "status": "planned"}, {
        "visit": visit.id, "status": "done", "visited_on": visited_on, "rating": rating,
        "follow_up_due": follow_up_due, "published": visit.published})
    db.session.flush()
    return visit


def cancel_visit(actor, visit, reason):
    _require(actor, "agreement.manage")
    if visit.status != VisitStatus.planned:
        raise OversightError(_("Only a planned visit can be cancelled."))
    reason = _text(reason)
    if not reason:
        raise OversightError(_("Give the reason for the cancellation."))
    if len(reason) > COMMENT_MAX:
        raise OversightError(_("The text is too long: at most %(n)d characters.", n=COMMENT_MAX))
    visit.status = VisitStatus.cancelled
    visit.findings = reason  # a cancelled visit has no findings: the field keeps why it did not happen
    audit.record(actor, "visit.cancel", visit.agreement, {"visit": visit.id, "status": "planned"},
                 {"visit": visit.id, "status": "cancelled", "reason": reason})
    db.session.flush()
    return visit


def _looks_like_photo(stream):
    """True when the first bytes are a JPG's or a PNG's; the stream is rewound. None when it cannot be peeked."""
    try:
        head = stream.read(8)
        stream.seek(0)
    except (AttributeError, OSError, ValueError):
        return None
    return head.startswith(b"\xff\xd8\xff") or head == storage.PNG_SIGNATURE


def _photo_refused():
    return OversightError(_("A visit photo must be a JPG or PNG image; this file is not. Documents belong with "
                            "the agreement or the report."))


def add_visit_photo(actor, visit, stream, filename, caption=""):
    _require(actor, "agreement.manage")
    _require_visited(visit.agreement)
    if visit.status == VisitStatus.cancelled:
        raise OversightError(_("The visit was cancelled; plan a new one."))
    if _looks_like_photo(stream) is False:
        raise _photo_refused()
    store = storage.storage_from_config(current_app.config)
    stored = store.save(stream, max_bytes=current_app.config["MAX_FILE_BYTES"], filename=filename or "photo")
    if stored.kind not in PHOTO_KINDS:
        store.delete(stored.key)
        raise _photo_refused()
    photo = VisitPhoto(visit_id=visit.id, caption=_text(caption)[:400], **storage.stored_columns(stored, actor))
    visit.photos.append(photo)
    db.session.flush()
    audit.record(actor, "visit.add_photo", visit.agreement, after={
        "visit": visit.id, "file": photo.filename, "sha256": stored.sha256})
    return photo


def visit_open_to(user, visit):
    """The operator and the grantee's staff see every visit; whoever else sees the agreement, the published ones."""
    agreement = visit.agreement
    if not can(user, "agreement.view", agreement):
        return False
    if can(user, "agreement.manage") or agreement.organization.has_member(user):
        return True
    return visit.status == VisitStatus.done and visit.published


def visits_for(user, agreement):
    query = sa.select(SiteVisit).where(SiteVisit.agreement_id == agreement.id)
    if not (can(user, "agreement.manage") or agreement.organization.has_member(user)):
        query = query.where(SiteVisit.status == VisitStatus.done, SiteVisit.published.is_(True))
    return db.session.execute(query.order_by(SiteVisit.planned_on.desc(), SiteVisit.id.desc())).scalars().all()


# --- the evaluation of effectiveness -----------------------------------------------------------------------

@dataclass(frozen=True)
class Figures:
    achieved: int  # indicators at or above their target
    indicators: int
    share: Decimal  # achieved / indicators, 0–1, four places
    beneficiaries: int  # unique, from the final report (reports are cumulative)
    paid: Decimal
    cost_per_beneficiary: Decimal | None  # paid / beneficiaries; None when nobody was reached


def final_report(agreement):
    return next((r for r in agreement.reports if r.kind == ReportKind.final), None)


def figures(agreement):
    """The evaluation's figures from the accepted final report and the money paid, in Decimal; None before the
    final report is accepted."""
    report = final_report(agreement)
    if report is None or report.status != ReportStatus.accepted:
        return None
    actual = {row.indicator_id: Decimal(row.actual) for row in report.indicators}
    achieved = sum(1 for i in agreement.indicators
                   if i.id in actual and actual[i.id] >= Decimal(i.target))
    count = len(agreement.indicators)
    share = (Decimal(achieved) / Decimal(count)).quantize(SHARE, rounding=ROUND_HALF_UP) if count else Decimal("0")
    paid = totals([agreement.id])[agreement.id].paid
    cost = quantize(paid / report.beneficiaries) if report.beneficiaries else None
    return Figures(achieved, count, share, report.beneficiaries, paid, cost)


def evaluation_of(agreement):
    return db.session.execute(sa.select(Evaluation).where(Evaluation.agreement_id == agreement.id)
                              ).scalar_one_or_none()


def evaluate(actor, agreement, rating, conclusion):
    """The evaluation of a completed agreement, once: the figures are computed here, the operator rates."""
    _require(actor, "agreement.manage")
    if agreement.status != AgreementStatus.completed:
        raise OversightError(_("The evaluation of effectiveness is made once the agreement is completed."))
    if evaluation_of(agreement) is not None:
        raise OversightError(_("The evaluation of effectiveness is already recorded; it is made once."))
    found = figures(agreement)
    if found is None:
        raise OversightError(_("The evaluation needs the accepted final report."))
    rating = _rating(rating)
    conclusion = _text(conclusion)
    if not conclusion:
        raise OversightError(_("Write the conclusion of the evaluation."))
    if len(conclusion) > FINDINGS_MAX:
        raise OversightError(_("The text is too long: at most %(n)d characters.", n=FINDINGS_MAX))
    evaluation = Evaluation(agreement_id=agreement.id, indicators_achieved=found.share,
                            beneficiaries=found.beneficiaries, cost_per_beneficiary=found.cost_per_beneficiary,
                            rating=rating, conclusion=conclusion, evaluated_by_id=actor.id, evaluated_at=utcnow())
    db.session.add(evaluation)
    db.session.flush()
    audit.record(actor, "agreement.evaluate", agreement, after={
        "indicators_achieved": found.share, "beneficiaries": found.beneficiaries, "paid": found.paid,
        "cost_per_beneficiary": found.cost_per_beneficiary, "rating": rating})
    return evaluation


# --- beneficiaries' feedback -------------------------------------------------------------------------------

def agreement_by_token(token):
    if not token or len(token) > 64:
        return None
    return db.session.execute(sa.select(Agreement).where(Agreement.feedback_token == token)).scalar_one_or_none()


def survey_open(agreement):
    return agreement.status in SURVEYED


def add_feedback(agreement, language, satisfaction, helped, would_recommend, comment=""):
    """An anonymous answer: nothing about who sent it is kept."""
    if not survey_open(agreement):
        raise OversightError(_("The survey of this project is closed."))
    if language not in SURVEY_LANGUAGES:
        language = agreement.language
    if satisfaction is None or satisfaction not in RATINGS:
        raise OversightError(_("Choose how satisfied you are, from 1 to 5."))
    if helped is None or would_recommend is None:
        raise OversightError(_("Answer yes or no."))
    comment = _text(comment)
    if len(comment) > COMMENT_MAX:
        raise OversightError(_("The comment is too long: at most %(n)d characters.", n=COMMENT_MAX))
    feedback = Feedback(agreement_id=agreement.id, language=language, satisfaction=int(satisfaction),
                        helped=bool(helped), would_recommend=bool(would_recommend), comment=comment)
    db.session.add(feedback)
    db.session.flush()
    audit.record("beneficiary", "feedback.add", agreement, after={
        "feedback": feedback.id, "language": language, "satisfaction": feedback.satisfaction})
    return feedback


@dataclass(frozen=True)
class FeedbackSummary:
    count: int
    satisfaction: Decimal | None  # the mean, one place
    helped: Decimal | None  # percent, one place
    would_recommend: Decimal | None


def _percent(part, whole):
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def feedback_summary(agreement):
    count, total, helped, recommend = db.session.execute(
        sa.select(sa.func.count(Feedback.id), sa.func.coalesce(sa.func.sum(Feedback.satisfaction), 0),
                  sa.func.coalesce(sa.func.sum(sa.case((Feedback.helped.is_(True), 1), else_=0)), 0),
                  sa.func.coalesce(sa.func.sum(sa.case((Feedback.would_recommend.is_(True), 1), else_=0)), 0))
        .where(Feedback.agreement_id == agreement.id)).one()
    if not count:
        return FeedbackSummary(0, None, None, None)
    mean = (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return FeedbackSummary(count, mean, _percent(helped, count), _percent(recommend, count))


def latest_comments(agreement, limit=10):
    return db.session.execute(
        sa.select(Feedback).where(Feedback.agreement_id == agreement.id, Feedback.comment != "")
        .order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(limit)).scalars().all()


# --- observers' recommendations ----------------------------------------------------------------------------

def recommend(actor, agreement, text):
    """An observer's recommendation on a signed agreement; it stays on the record."""
    _require(actor, "recommendation.send", agreement)
    _require(actor, "agreement.view", agreement)
    text = _text(text)
    if not text:
        raise OversightError(_("Write the recommendation."))
    if len(text) > RECOMMENDATION_MAX:
        raise OversightError(_("The text is too long: at most %(n)d characters.", n=RECOMMENDATION_MAX))
    recommendation = Recommendation(agreement_id=agreement.id, author_id=actor.id, text=text, created_at=utcnow())
    db.session.add(recommendation)
    db.session.flush()
    audit.record(actor, "recommendation.send", agreement, after={"recommendation": recommendation.id})
    return recommendation


def answer(actor, recommendation, text):
    """The operator's answer, once; the recommendation and the answer both stay."""
    _require(actor, "agreement.manage")
    if recommendation.answered_at is not None:
        raise OversightError(_("This recommendation is already answered."))
    text = _text(text)
    if not text:
        raise OversightError(_("Write the answer: the observer and the public read it."))
    if len(text) > RECOMMENDATION_MAX:
        raise OversightError(_("The text is too long: at most %(n)d characters.", n=RECOMMENDATION_MAX))
    recommendation.answer = text
    recommendation.answered_by_id = actor.id
    recommendation.answered_at = utcnow()
    db.session.flush()
    audit.record(actor, "recommendation.answer", recommendation.agreement, {"recommendation": recommendation.id},
                 {"recommendation": recommendation.id, "answered": True})
    return recommendation


def recommendations_of(agreement):
    return db.session.execute(
        sa.select(Recommendation).where(Recommendation.agreement_id == agreement.id)
        .order_by(Recommendation.created_at.desc(), Recommendation.id.desc())).scalars().all()


def recommendations_queue():
    """Every recommendation, the unanswered first (oldest first), then the answered (latest first)."""
    unanswered = sa.case((Recommendation.answered_at.is_(None), 0), else_=1)
    return (sa.select(Recommendation).options(joinedload(Recommendation.agreement))
            .order_by(unanswered, sa.case((Recommendation.answered_at.is_(None), Recommendation.created_at)),
                      Recommendation.answered_at.desc(), Recommendation.id))


# --- the NGO's track record --------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrackRow:
    agreement: Agreement
    rating: int | None  # the evaluation's rating, if evaluated
    totals: object  # grants.agreements.services.Totals


def track_record(organization):
    """The NGO's agreements, newest first, with their evaluation rating: one query, then `totals`."""
    rows = db.session.execute(
        sa.select(Agreement, Evaluation.rating)
        .outerjoin(Evaluation, Evaluation.agreement_id == Agreement.id)
        .where(Agreement.organization_id == organization.id)
        .options(joinedload(Agreement.topic).joinedload(Topic.call))
        .order_by(Agreement.created_at.desc(), Agreement.id.desc())).unique().all()
    money = totals(a.id for a, _rating in rows)
    return [TrackRow(a, rating, money[a.id]) for a, rating in rows]
