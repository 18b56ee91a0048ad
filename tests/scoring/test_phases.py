"""Phases close: after the commission's approved protocol nothing of scoring or eligibility changes,
and after publication no decision is taken except through an appeal."""

from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from markupsafe import escape

from grants.applications import eligibility
from grants.applications import services as applications
from grants.applications.models import Status
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import format_datetime
from grants.reference.models import Direction
from scoring.assignments import services as assignments
from scoring.assignments.models import Assignment, State
from scoring.commission import services as commission
from scoring.sheets import services as sheets
from tests.conftest import login, post_form, translated
from tests.factories import create_application, create_user, operator, roll_call
from tests.worlds import ALL_PASS, convene_with_quorum, enrol, fill_sheet, scored_call, sheet_of

APPROVED = "The commission approved its protocol on %(date)s: declarations, score sheets and assignments of this " \
           "application can no longer change."


def decided_call():
    """Two eligible applications: the first scored and decided in an approved protocol; the second
    left with a draft sheet and a second expert who has not declared yet — as 2025-MCI-04 was."""
    call, (first, second), (expert,) = scored_call(n_apps=2, per_item=1, n_experts=1)
    submitted = fill_sheet(call, sheet_of(call, first, expert), expert, [8, 8, 8, 8])
    sheets.submit(expert.user, submitted)
    draft = fill_sheet(call, sheet_of(call, second, expert), expert, [7, 7, 7, 7])
    late = enrol()
    waiting = assignments.assign_by_hand(operator(), second, late, "Второе мнение")
    meeting = convene_with_quorum(call)
    roll_call(meeting, first, "awarded")
    commission.approve(operator(), meeting)
    db.session.commit()
    return call, meeting, first, second, expert, late, waiting, submitted, draft


def counts(call):
    """What scoring holds for the call: assignments by state, sheets by state and total."""
    return (sorted((a.application_id, a.expert_id, a.state) for a in assignments.call_assignments(call)),
            sorted((s.assignment_id, s.state, s.total) for s in db.session.execute(
                sa.select(sheets.ScoreSheet).join(Assignment)
                .where(Assignment.application_id.in_([a.application_id for a in
                                                      assignments.call_assignments(call)]))).scalars()))


def test_no_declaration_after_the_commission_decided(app):
    call, meeting, _first, _second, _expert, late, waiting, *_ = decided_call()
    before = counts(call)
    with pytest.raises(assignments.AssignmentError, match="approved its protocol"):
        assignments.declare(late.user, waiting)
    db.session.rollback()
    assert waiting.state == State.awaiting_declaration and counts(call) == before


def test_no_score_sheet_saved_or_submitted_after_the_commission_decided(app):
    call, _meeting, _first, second, expert, _late, _waiting, _submitted, draft = decided_call()
    with pytest.raises(sheets.ScoringError, match="approved its protocol"):
        fill_sheet(call, draft, expert, [9, 9, 9, 9])
    db.session.rollback()
    with pytest.raises(sheets.ScoringError, match="approved its protocol"):
        sheets.submit(expert.user, draft)
    db.session.rollback()
    with pytest.raises(sheets.ScoringError, match="approved its protocol"):
        sheet_of(call, second, expert)
    db.session.rollback()
    assert draft.state == "draft" and draft.total is None


def test_no_sheet_reopened_after_the_commission_decided(app):
    *_, submitted, _draft = decided_call()
    with pytest.raises(sheets.ScoringError, match="approved its protocol"):
        sheets.reopen(operator(), submitted, "Ошибка эксперта")
    db.session.rollback()
    assert submitted.state == "submitted" and submitted.total == Decimal("32.00")


def test_no_assignment_or_recusal_after_the_commission_decided(app):
    call, _meeting, _first, second, _expert, _late, waiting, *_ = decided_call()
    before = counts(call)
    with pytest.raises(assignments.AssignmentError, match="experts can no longer be assigned"):
        assignments.assign(operator(), call)
    with pytest.raises(assignments.AssignmentError, match="approved its protocol"):
        assignments.assign_by_hand(operator(), second, enrol(), "Третье мнение")
    with pytest.raises(assignments.AssignmentError, match="approved its protocol"):
        assignments.assign_extra(operator(), second)
    with pytest.raises(assignments.AssignmentError, match="approved its protocol"):
        assignments.recuse(operator(), waiting, "Не ответил")
    db.session.rollback()
    assert counts(call) == before


def test_no_eligibility_decision_or_resubmission_after_the_commission_decided(app):
    call, (first,), (expert,) = scored_call()
    late = create_application(call=call, submit=True)
    returned = create_application(call=call, submit=True)
    eligibility.review(operator(), returned, "returned", ALL_PASS, ["BUDGET"], "Уточните бюджет", revision_days=5)
    sheets.submit(expert.user, fill_sheet(call, sheet_of(call, first, expert), expert, [8, 8, 8, 8]))
    meeting = convene_with_quorum(call)
    roll_call(meeting, first, "awarded")
    commission.approve(operator(), meeting)
    db.session.commit()
    assert call.commission_decided_at is not None  # the commission marked the call, from scoring
    with pytest.raises(applications.ApplicationError, match="eligibility can no longer be decided"):
        eligibility.review(operator(), late, "eligible", ALL_PASS)
    db.session.rollback()
    assert late.status == Status.submitted
    owner = returned.organization.memberships[0].user
    with pytest.raises(applications.ApplicationError, match="eligibility can no longer be decided"):
        applications.submit(owner, returned)
    db.session.rollback()
    assert returned.status == Status.returned


def test_eligibility_stays_open_until_a_protocol_is_approved(app):
    call, _apps, _pool = scored_call()
    convene_with_quorum(call)  # convened, not approved
    late = create_application(call=call, submit=True)
    eligibility.review(operator(), late, "eligible", ALL_PASS)  # no meeting approved: still allowed
    assert call.commission_decided_at is None


def test_no_decision_after_publication_even_in_another_meeting(app):
    call, meeting, first, *_ = decided_call()
    other = convene_with_quorum(call)
    with pytest.raises(commission.CommissionError, match="Another meeting decided this application"):
        roll_call(other, first, "rejected", "Пересмотр")
    db.session.rollback()
    commission.publish(operator(), meeting)
    db.session.commit()
    with pytest.raises(commission.CommissionError, match="only through an appeal"):
        roll_call(meeting, first, "rejected", "Пересмотр")
    with pytest.raises(commission.CommissionError, match="only through an appeal"):
        roll_call(other, first, "rejected", "Пересмотр")
    db.session.rollback()
    assert [d.outcome for d in meeting.decisions] == ["awarded"] and first.status == Status.awarded


def test_a_meeting_of_one_direction_leaves_the_others_open(app):
    call, (application,), (expert,) = scored_call()
    other_direction = db.session.execute(sa.select(Direction).where(Direction.code == 9)).scalar_one()
    meeting = commission.convene(operator(), call, utcnow(), "", [(create_user("commission"), "ngos", True)],
                                 direction=other_direction)
    db.session.flush()
    commission.record_attendance(operator(), meeting, {meeting.members[0].id: "in_person"})
    commission.approve(operator(), meeting)  # nothing of direction 9 in this call: approved empty
    sheet = fill_sheet(call, sheet_of(call, application, expert), expert, [8, 8, 8, 8])
    sheets.submit(expert.user, sheet)  # direction 11's scoring is still open
    assert sheet.state == "submitted"


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_expert_page_offers_no_declaration_once_decided_and_says_why(app, lang):
    _call, meeting, _first, _second, _expert, late, waiting, *_ = decided_call()
    client = app.test_client()
    assert login(client, late.user.email).status_code == 302
    with force_locale(lang):
        reason = str(escape(translated(lang, APPROVED, date=format_datetime(meeting.approved_at))))
    page = client.get(f"/expert/assignments/{waiting.id}?lang={lang}").get_data(as_text=True)
    assert reason in page and 'name="conflict"' not in page
    refused = post_form(client, f"/expert/assignments/{waiting.id}", {"conflict": ""}, page="/expert/")
    assert refused.status_code == 400 and reason in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Assignment, waiting.id).state == State.awaiting_declaration


def test_the_operator_pages_offer_no_closed_action(app):
    call, meeting, first, second, *_ = decided_call()
    client = app.test_client()
    assert login(client, operator().email).status_code == 302
    page = client.get(f"/manage/calls/{call.id}/assignments?lang=en").get_data(as_text=True)
    assert f"/manage/calls/{call.id}/assignments/run" not in page
    assert f"/manage/applications/{second.id}/assign" not in page and "/recuse" not in page
    sheets_page = client.get(f"/manage/applications/{first.id}/sheets?lang=en").get_data(as_text=True)
    assert "/reopen" not in sheets_page
    meeting_page = client.get(f"/manage/commission/{meeting.id}?lang=en").get_data(as_text=True)
    assert "/decide/" not in meeting_page


def test_the_demo_s_awaited_declaration_is_in_a_call_still_being_scored(app):
    """The README sends expert@baiqau.kz to a declaration she can make."""
    from scoring.phases import scoring_open

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    waiting = db.session.execute(
        sa.select(Assignment).join(Assignment.expert).where(Assignment.state == State.awaiting_declaration)
    ).scalars().all()
    mine = [a for a in waiting if a.expert.user.email == "expert@baiqau.kz"]
    assert [a.application.call.code for a in mine] == ["2026-MCI-01"]
    assert all(scoring_open(a.application) for a in waiting)
    assignments.declare(mine[0].expert.user, mine[0])
    assert mine[0].state == State.accepted
