"""The evaluation of effectiveness: made once, on a completed agreement, from its accepted final report."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from grants import audit
from grants.agreements.models import AgreementStatus, quantize
from grants.agreements.queries import totals
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _
from grants.monitoring.models import Evaluation, ReportKind, ReportStatus
from grants.monitoring.oversight import FINDINGS_MAX, OversightError, checked_rating, require_right, stripped

SHARE = Decimal("0.0001")


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
    require_right(actor, "agreement.manage")
    if agreement.status != AgreementStatus.completed:
        raise OversightError(_("The evaluation of effectiveness is made once the agreement is completed."))
    if evaluation_of(agreement) is not None:
        raise OversightError(_("The evaluation of effectiveness is already recorded; it is made once."))
    found = figures(agreement)
    if found is None:
        raise OversightError(_("The evaluation needs the accepted final report."))
    rating = checked_rating(rating)
    conclusion = stripped(conclusion)
    if not conclusion:
        raise OversightError(_("Write the conclusion of the evaluation."))
    if len(conclusion) > FINDINGS_MAX:
        raise OversightError(_("The text is too long: at most %(n)d characters.", n=FINDINGS_MAX))
    evaluation = Evaluation(agreement_id=agreement.id, indicators_achieved=found.share,
                            beneficiaries=found.beneficiaries, cost_per_beneficiary=found.cost_per_beneficiary,
                            rating=rating, conclusion=conclusion, evaluated_by_id=actor.id, evaluated_at=utcnow())
    return audit.add(actor, "agreement.evaluate", agreement, evaluation, {
        "indicators_achieved": found.share, "beneficiaries": found.beneficiaries, "paid": found.paid,
        "cost_per_beneficiary": found.cost_per_beneficiary, "rating": rating})
