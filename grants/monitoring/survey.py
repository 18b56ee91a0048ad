"""The beneficiaries' survey: anonymous answers through the agreement's link, one per survey code, and their
summary."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from grants import audit
from grants.agreements.models import Agreement, AgreementStatus
from grants.extensions import db
from grants.i18n import _
from grants.monitoring import survey_codes
from grants.monitoring.models import Feedback
from grants.monitoring.oversight import COMMENT_MAX, RATINGS, OversightError, stripped

SURVEYED = (AgreementStatus.active, AgreementStatus.completed)
SURVEY_LANGUAGES = ("kk", "ru")


def agreement_by_token(token):
    if not token or len(token) > 64:
        return None
    return db.session.execute(sa.select(Agreement).where(Agreement.feedback_token == token)).scalar_one_or_none()


def survey_open(agreement):
    return agreement.status in SURVEYED


def add_feedback(agreement, language, satisfaction, helped, would_recommend, comment="", code=None):
    """An anonymous answer with one of the project's survey codes, once per code: nothing about who sent it is
    kept, nor which code it came with."""
    if not survey_open(agreement):
        raise OversightError(_("The survey of this project is closed."))
    if language not in SURVEY_LANGUAGES:
        language = agreement.language
    if satisfaction is None or satisfaction not in RATINGS:
        raise OversightError(_("Choose how satisfied you are, from 1 to 5."))
    if helped is None or would_recommend is None:
        raise OversightError(_("Answer yes or no."))
    comment = stripped(comment)
    if len(comment) > COMMENT_MAX:
        raise OversightError(_("The comment is too long: at most %(n)d characters.", n=COMMENT_MAX))
    survey_codes.use(agreement, code)  # last: a refused answer leaves its code unused
    feedback = Feedback(agreement_id=agreement.id, language=language, satisfaction=int(satisfaction),
                        helped=bool(helped), would_recommend=bool(would_recommend), comment=comment)
    return audit.add("beneficiary", "feedback.add", agreement, feedback,
                     {"language": language, "satisfaction": feedback.satisfaction}, id_as="feedback")


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
