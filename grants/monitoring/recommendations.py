"""Observers' recommendations on a signed agreement, and the operator's answers; both stay on the record."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from grants import audit
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _
from grants.monitoring.models import Recommendation
from grants.monitoring.oversight import OversightError, require_right, stripped

RECOMMENDATION_MAX = 4000


def recommend(actor, agreement, text):
    """An observer's recommendation on a signed agreement; it stays on the record."""
    require_right(actor, "recommendation.send", agreement)
    require_right(actor, "agreement.view", agreement)
    text = stripped(text)
    if not text:
        raise OversightError(_("Write the recommendation."))
    if len(text) > RECOMMENDATION_MAX:
        raise OversightError(_("The text is too long: at most %(n)d characters.", n=RECOMMENDATION_MAX))
    recommendation = Recommendation(agreement_id=agreement.id, author_id=actor.id, text=text, created_at=utcnow())
    return audit.add(actor, "recommendation.send", agreement, recommendation, id_as="recommendation")


def answer(actor, recommendation, text):
    """The operator's answer, once; the recommendation and the answer both stay."""
    require_right(actor, "agreement.manage")
    if recommendation.answered_at is not None:
        raise OversightError(_("This recommendation is already answered."))
    text = stripped(text)
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
