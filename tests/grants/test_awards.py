"""An award: nominations on the award's own form, scored on past contribution, and the nomination's
amount shared equally by its winners, rounded down to the tiyn with the remainder stated."""

from decimal import Decimal

import pytest

from grants.agreements import services as agreements
from grants.agreements.models import Kind
from grants.applications import outcome as app_outcome
from grants.applications.models import Status
from grants.audit import AuditEvent
from grants.extensions import db
from grants.i18n import astana_today
from scoring.assignments import services as assignments
from scoring.commission import services as commission
from scoring.sheets import services as sheets
from tests.factories import create_call, operator, roll_call
from tests.worlds import convene_with_quorum, enrol, fill_sheet, nominate, sheet_of


def decided(cap, winners, nominees=None):
    """An award call with one nomination of `cap`, scored, and `winners` of its nominees awarded."""
    call = create_call(instrument="award", criteria_set="award", experts_per_application=1)
    topic = call.topics[0]
    topic.amount_cap, topic.grants_count = Decimal(cap), winners
    nominations = [nominate(call) for _ in range(nominees or winners)]
    expert = enrol()
    sheets.use_default_criteria(operator(), call)
    assignments.assign(operator(), call)
    for a in assignments.call_assignments(call):
        assignments.declare(a.expert.user, a)
    for points, nomination in zip(range(9, 0, -1), nominations, strict=False):  # ranked in nomination order
        sheets.submit(expert.user, fill_sheet(call, sheet_of(call, nomination, expert), expert, [points]))
    db.session.commit()
    meeting = convene_with_quorum(call)
    for n, nomination in enumerate(nominations):
        roll_call(meeting, nomination, "awarded" if n < winners else "reserve")
    commission.approve(operator(), meeting)
    commission.publish(operator(), meeting)
    db.session.commit()
    return call, nominations


@pytest.mark.parametrize("cap, winners, share, remainder", [
    ("10000000.00", 2, "5000000.00", "0.00"),
    ("10000000.00", 3, "3333333.33", "0.01"),   # 3 × 3 333 333,33 = 9 999 999,99
    ("9000000.05", 2, "4500000.02", "0.01"),    # 2 × 4 500 000,02 = 9 000 000,04
])
def test_the_winners_share_the_nominations_amount_equally_and_the_remainder_is_stated(app, client, cap, winners,
                                                                                      share, remainder):
    call, nominations = decided(cap, winners, nominees=winners + 1)
    won = [n for n in nominations if n.status == Status.awarded]
    assert len(won) == winners and all(n.awarded_amount == Decimal(share) for n in won)
    assert [n.awarded_amount for n in nominations if n.status != Status.awarded] == [None]
    shared = app_outcome.award_share(call.topics[0])
    assert (shared.share, shared.remainder, shared.winners) == (Decimal(share), Decimal(remainder), winners)
    assert db.session.query(AuditEvent).filter(AuditEvent.verb == "application.award_share").count() == winners
    today = astana_today()
    agreement = agreements.draw_up(operator(), won[0], today, today.replace(year=today.year + 1))
    db.session.commit()
    assert agreement.kind == Kind.award and agreement.amount == Decimal(share)
    assert agreement.budget_lines == [] and agreement.activities == []


def test_a_nominations_receipt_asks_for_no_amount(app, client):
    from tests.conftest import login

    call = create_call(instrument="award", criteria_set="award")
    nomination = nominate(call)
    login(client, nomination.created_by.email)
    page = client.get(f"/applications/{nomination.id}/receipt?lang=en").get_data(as_text=True)
    assert nomination.receipt_number in page and "Amount requested" not in page


def test_an_award_agreement_waits_for_the_published_share(app):
    call = create_call(instrument="award", criteria_set="award")
    nomination = nominate(call)
    app_outcome.record_outcome(operator(), nomination, "awarded")  # decided, but no results published
    today = astana_today()
    with pytest.raises(agreements.AgreementError, match="published"):
        agreements.draw_up(operator(), nomination, today, today.replace(year=today.year + 1))


def test_an_award_calls_total_is_the_sum_of_its_nominations_not_times_its_winners(app):
    call = create_call(instrument="award", criteria_set="award")
    topic = call.topics[0]
    assert call.total_amount == topic.amount_cap  # topic_data: 10 000 000 ₸ for 2 winners
    grant = create_call()
    assert grant.total_amount == grant.topics[0].amount_cap * 2


def test_statistics_count_a_winner_at_its_share(app):
    from reports import stats

    call, nominations = decided("10000000.00", 3)
    (row,) = stats.applications(["instrument"], stats.Filters(instrument="award"))
    assert row["awarded"] == 3 and row["amount_awarded"] == Decimal("9999999.99")


def test_an_award_is_paid_on_signing_and_reported_on_once(app, client):
    """The award's schedule starts from one final report on the use of the money and the whole share paid on
    signing; a schedule with a second report is refused and nothing is set."""
    from datetime import timedelta

    from grants.agreements.schedule import ReportRow, TrancheRow, default_schedule, schedule
    from tests.conftest import login

    call, nominations = decided("10000000.00", 2)
    today = astana_today()
    agreement = agreements.draw_up(operator(), nominations[0], today, today + timedelta(days=364))
    db.session.commit()
    reports, tranches = default_schedule(agreement)
    assert [(r.kind, r.period_from, r.period_to, r.due_on) for r in reports] == [
        ("final", today, today + timedelta(days=364), today + timedelta(days=364 + 15))]
    assert [(t.amount, t.condition) for t in tranches] == [(Decimal("5000000.00"), "on_signing")]
    with pytest.raises(agreements.AgreementError, match="reported on once"):
        schedule(operator(), agreement, [
            ReportRow("interim", today, today + timedelta(days=100), today + timedelta(days=110)),
            ReportRow("final", today + timedelta(days=101), today + timedelta(days=364),
                      today + timedelta(days=370))], [TrancheRow(Decimal("5000000.00"), today, "on_signing")])
    db.session.rollback()
    assert agreement.reports == [] and agreement.tranches == []
    login(client, operator().email)
    page = client.get(f"/manage/agreements/{agreement.id}/schedule").get_data(as_text=True)
    assert 'value="5000000.00"' in page and f'value="{today + timedelta(days=379)}"' in page
