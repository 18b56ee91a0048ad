"""What the commission's published decision makes of an application: its status, and an award winner's share."""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

import sqlalchemy as sa

from grants import audit
from grants.applications.models import CENT, DECIDED, Application, Status
from grants.applications.services import ApplicationError
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _


@dataclass(frozen=True)
class AwardShare:
    """How an award topic's amount is shared: by how many winners, how much each, and what is left over."""

    amount: Decimal
    winners: int
    share: Decimal
    remainder: Decimal


def award_share(topic):
    """Equal shares of the nomination's amount among its winners, each rounded down to the tiyn; the tiyn
    left over are not paid and are stated. None when the topic has no winner."""
    winners = db.session.execute(sa.select(sa.func.count()).select_from(Application).where(
        *_winners_of(topic))).scalar_one()
    return _shared(topic.amount_cap, winners)


def _winners_of(topic):
    return Application.topic_id == topic.id, Application.status == Status.awarded


def _shared(amount, winners):
    if not winners:
        return None
    share = (amount / winners).quantize(CENT, rounding=ROUND_DOWN)
    return AwardShare(amount, winners, share, amount - share * winners)


def settle_award_shares(actor, call):
    """After the results are published: each winner of an award topic takes its equal share."""
    if call.instrument != "award":
        return
    db.session.flush()
    for topic in call.topics:
        winners = db.session.execute(sa.select(Application).where(*_winners_of(topic))).scalars().all()
        shared = _shared(topic.amount_cap, len(winners))
        for application in winners:
            if application.awarded_amount == shared.share:
                continue
            before = application.awarded_amount
            application.awarded_amount = shared.share
            audit.record(actor, "application.award_share", application, {"awarded_amount": before},
                         {"awarded_amount": shared.share, "winners": shared.winners, "remainder": shared.remainder})


def record_outcome(actor, application, outcome, now=None):
    """The commission's published decision becomes the application's status."""
    outcome = Status(outcome)
    if outcome not in DECIDED:
        raise ApplicationError(_("Unknown outcome."))
    if application.status != Status.eligible:
        raise ApplicationError(_("Only an eligible application receives the commission's decision."))
    application.status = outcome
    application.decided_at = now or utcnow()
    audit.record(actor, f"application.{outcome.value}", application, {"status": "eligible"}, {"status": outcome})
