"""Appeals heard by the call's appeals panel, not by the operator; an upheld appeal sets the contested sheet aside,
a new expert scores in its place, and a rehearing of the commission decides again and publishes.

The worked example (figures by hand): one topic of 2 grants, the mean of the sheets, a threshold of 30 points.
A is scored 9+9+9+9 = 36 and B 7+7+7+7 = 28 by the one expert of the call: A wins, B (below 30) is not supported,
so one grant is left unawarded. B appeals; the panel upholds, setting B's sheet aside. The new expert scores
B 9+8+8+8 = 33: B is now second at 33.00, above the threshold and within the topic's 2 grants, so the ranking
says it wins; the rehearing awards it, and the topic's winners are A and B, 2 of 2.
"""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from grants.applications.models import Status
from grants.audit import AuditEvent
from grants.extensions import db
from grants.mail import OutboxMessage
from grants.organizations.models import Membership
from scoring import ranking
from scoring.assignments import services as assignments
from scoring.assignments.models import Assignment, State
from scoring.commission import appeals, services
from scoring.commission.models import Appeal, AppealState, MeetingState
from scoring.sheets import services as sheets
from tests.conftest import login, post_form, translated
from tests.factories import create_user, operator, roll_call
from tests.worlds import convene_with_quorum, enrol, fill_sheet, ranked_call


def decided_world():
    """A (36) awarded and B (28, below the threshold) not supported, published; B's appeal filed."""
    call, (a, b) = ranked_call([[9, 9, 9, 9], [7, 7, 7, 7]])
    call.topics[0].grants_count = 2
    rules = sheets.rules(call)  # the call's rules as the operator would have set them before scoring
    rules.threshold = Decimal("30")
    db.session.add(rules)
    meeting = convene_with_quorum(call)
    roll_call(meeting, a, "awarded")
    roll_call(meeting, b, "rejected")
    services.approve(operator(), meeting)
    services.publish(operator(), meeting)
    appeal = appeals.file_appeal(b.created_by, b, "Эксперт не учёл письма поддержки акимата")
    panelist = create_user("commission", full_name="Гүлнар Апелляциялық")
    appeals.name_panelist(operator(), call, panelist)
    db.session.commit()
    return call, meeting, a, b, appeal, panelist


def contested(b):
    (sheet,) = appeals.contested_sheets(b)
    return sheet.assignment


def score_again(call, b):
    """The new expert declares no conflict and scores B 9+8+8+8 = 33."""
    new = db.session.execute(sa.select(Assignment).where(Assignment.application_id == b.id,
                                                         Assignment.state == State.awaiting_declaration)).scalar_one()
    user = new.expert.user
    assignments.declare(user, new)
    sheet = fill_sheet(call, sheets.sheet_for(user, new), new.expert, [9, 8, 8, 8])
    sheets.submit(user, sheet)
    db.session.commit()
    return new


def test_the_panel_is_named_from_people_outside_the_operator_and_the_commission(app):
    call, meeting, a, b, appeal, panelist = decided_world()
    refused = {
        "commission member role": create_user("applicant"),
        "works for the grant operator": create_user("commission", "operator"),
        "works for the grant operator or a customer body": create_user("commission", "customer"),
        "sits on this call's commission": meeting.members[1].user,
        "already on the appeals panel": panelist,
    }
    for message, user in refused.items():
        with pytest.raises(services.CommissionError, match=message):
            appeals.name_panelist(operator(), call, user)
    assert [p.user_id for p in appeals.panel(call)] == [panelist.id]
    with pytest.raises(services.CommissionError, match="appeals panel does not sit on its commission"):
        services.convene(operator(), call, meeting.held_at, "", [(panelist, "ngos", True)])


def test_the_form_offers_exactly_whom_naming_accepts_and_not_a_commission_member(app, client):
    call, meeting, a, b, appeal, panelist = decided_world()
    member = meeting.members[0].user
    free = create_user("commission", full_name="Айдос Еркін")
    create_user("commission", "customer")
    offered = appeals.eligible_panelists(call)
    assert free in offered and member not in offered and panelist not in offered
    login(client, operator().email)
    page = client.get(f"/manage/calls/{call.id}/appeals").get_data(as_text=True)
    assert f'<option value="{free.id}">' in page and f'<option value="{member.id}">' not in page
    for user in offered:  # everyone the form offers is named
        appeals.name_panelist(operator(), call, user)
    assert appeals.eligible_panelists(call) == []


def test_the_operator_does_not_answer_an_appeal_and_a_tied_panelist_is_refused(app):
    call, meeting, a, b, appeal, panelist = decided_world()
    with pytest.raises(services.CommissionError, match="heard by the call's appeals panel"):
        appeals.resolve_appeal(operator(), appeal, False, "Оценка верна")
    tied = create_user("commission")
    appeals.name_panelist(operator(), call, tied)
    b.organization.memberships.append(Membership(user=tied))
    db.session.flush()
    with pytest.raises(services.CommissionError, match="tied to the applicant NGO"):
        appeals.resolve_appeal(tied, appeal, False, "Оценка верна")
    stranger = create_user("commission")  # on no panel of this call
    with pytest.raises(services.CommissionError, match="not on this call's appeals panel"):
        appeals.resolve_appeal(stranger, appeal, False, "Оценка верна")
    assert appeal.state == AppealState.filed


def test_a_dismissed_appeal_is_answered_with_reasons_and_changes_nothing(app):
    call, meeting, a, b, appeal, panelist = decided_world()
    before = [(s.assignment_id, s.total) for s in appeals.contested_sheets(b)]
    with pytest.raises(services.CommissionError, match="Write the answer"):
        appeals.resolve_appeal(panelist, appeal, False, " ")
    appeals.resolve_appeal(panelist, appeal, False, "Письма учтены в критерии реализуемости.")
    db.session.commit()
    assert appeal.state == AppealState.dismissed and appeal.resolved_by_id == panelist.id
    assert b.status == Status.rejected
    assert [(s.assignment_id, s.total) for s in appeals.contested_sheets(b)] == before
    assert db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.to == b.created_by.email,
                                                             OutboxMessage.body.contains("Письма учтены"))).scalar_one()
    with pytest.raises(services.CommissionError, match="already been answered"):
        appeals.resolve_appeal(panelist, appeal, True, "Передумали", set_aside=contested(b))
    with pytest.raises(services.CommissionError, match="answered an appeal on this call"):
        appeals.remove_panelist(operator(), call, appeals.panel(call)[0])
    with pytest.raises(services.CommissionError, match="No upheld appeal awaits"):
        services.convene(operator(), call, meeting.held_at, "",
                         [(m.user, m.named_by, m.is_chair) for m in meeting.members], rehearing=True)


def test_upholding_needs_the_contested_sheet_and_an_expert_free_to_score(app):
    call, meeting, a, b, appeal, panelist = decided_world()
    with pytest.raises(services.CommissionError, match="Choose the score sheet"):
        appeals.resolve_appeal(panelist, appeal, True, "Довод обоснован")
    with pytest.raises(services.CommissionError, match="Choose the score sheet"):  # A's sheet is not B's
        appeals.resolve_appeal(panelist, appeal, True, "Довод обоснован", set_aside=contested(a))
    # The call's only expert scored B already: nobody else may take the sheet's place.
    with pytest.raises(services.CommissionError, match="No other expert"):
        appeals.resolve_appeal(panelist, appeal, True, "Довод обоснован", set_aside=contested(b))
    db.session.rollback()
    assert db.session.get(Appeal, appeal.id).state == AppealState.filed
    assert db.session.get(type(b), b.id).status == Status.rejected


def test_an_upheld_appeal_is_scored_again_and_decided_again_at_a_rehearing(app):
    call, meeting, a, b, appeal, panelist = decided_world()
    first_expert = contested(b).expert
    fresh = enrol(languages=("ru",))
    kk_only = enrol(languages=("kk",))  # does not read B's language
    set_aside = contested(b)
    appeals.resolve_appeal(panelist, appeal, True, "Письма поддержки не рассмотрены экспертом.", set_aside=set_aside)
    db.session.commit()

    # The contested sheet no longer counts; the matcher's new expert is neither the first one nor a non-reader.
    assert appeal.state == AppealState.upheld and set_aside.state == State.recused
    new = db.session.get(Assignment, appeal.rescored_by_id)
    assert new.expert_id == fresh.id and new.expert_id not in (first_expert.id, kk_only.id)
    assert b.status == Status.eligible
    assert appeals.contested_sheets(b) == []
    # The new expert is told at once, by the digest an expert gets of the work waiting for them.
    (told,) = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.to == fresh.user.email)).scalars()
    assert f"/expert/assignments/{new.id}" in told.body and "None" not in told.body
    # Scoring is open again for B only: A's stays closed by the published protocol.
    assert ranking_row(call, b).rank is None
    with pytest.raises(assignments.AssignmentError, match="approved its protocol"):
        assignments.assign_by_hand(operator(), a, fresh, "Попытка")
    # The published protocol still says what was decided and counted then.
    (first_b,) = [d for d in meeting.decisions if d.application_id == b.id]
    assert (first_b.outcome, Decimal(first_b.score)) == ("rejected", Decimal("28.00"))
    assert ranking.criterion_means([b.id], as_of=meeting.approved_at)[b.id] \
        == {c.id: Decimal("7.00") for c in sheets.criteria(call)}

    rehearing = services.convene(operator(), call, meeting.held_at, "Астана",
                                 [(m.user, m.named_by, m.is_chair) for m in meeting.members], rehearing=True)
    db.session.flush()
    services.record_attendance(operator(), rehearing, {m.id: "in_person" for m in rehearing.members})
    db.session.commit()  # each refusal below is a request of its own, rolled back alone
    assert [x.application_id for x in rehearing.appeals] == [b.id]
    assert not rehearing.covers(a) and rehearing.covers(b)
    with pytest.raises(services.CommissionError, match="fully scored"):
        roll_call(rehearing, b, "awarded")
    db.session.rollback()

    score_again(call, b)
    row = ranking_row(call, b)
    assert (row.score, row.rank, row.below_threshold) == (Decimal("33.00"), 2, False)
    with pytest.raises(services.CommissionError, match="hears only the applications whose appeals were upheld"):
        roll_call(rehearing, a, "awarded")
    db.session.rollback()
    roll_call(rehearing, b, "awarded")
    services.approve(operator(), rehearing)
    services.publish(operator(), rehearing)
    db.session.commit()

    assert b.status == Status.awarded and a.status == Status.awarded
    current, superseded = appeals.published_decisions(call)
    assert (current[b.id].outcome, Decimal(current[b.id].score), current[b.id].rank) == ("awarded", Decimal("33.00"),
                                                                                         2)
    assert [(x.outcome, y.outcome) for x, y in superseded] == [("rejected", "awarded")]
    assert appeals.published_decision(b).meeting_id == rehearing.id
    # Once the rehearing approved its protocol, B's scoring is closed again.
    with pytest.raises(assignments.AssignmentError, match="approved its protocol"):
        assignments.assign_by_hand(operator(), b, kk_only, "Попытка")
    verbs = db.session.execute(sa.select(AuditEvent.verb).where(AuditEvent.verb.in_(
        ("appeal.resolve", "assignment.set_aside", "assignment.appeal", "application.reopened")))).scalars().all()
    assert sorted(verbs) == ["appeal.resolve", "application.reopened", "assignment.appeal", "assignment.set_aside"]


def ranking_row(call, application):
    return next(r for rows in ranking.ranking(call).values() for r in rows if r.application.id == application.id)


def test_a_rehearing_keeps_the_topics_number_of_grants(app):
    call, meeting, a, b, appeal, panelist = decided_world()
    call.topics[0].grants_count = 1  # A holds the topic's one grant
    enrol(languages=("ru",))
    appeals.resolve_appeal(panelist, appeal, True, "Довод обоснован", set_aside=contested(b))
    score_again(call, b)
    rehearing = services.convene(operator(), call, meeting.held_at, "",
                                 [(m.user, m.named_by, m.is_chair) for m in meeting.members], rehearing=True)
    db.session.flush()
    services.record_attendance(operator(), rehearing, {m.id: "in_person" for m in rehearing.members})
    roll_call(rehearing, b, "awarded", "Лучший проект для района")
    with pytest.raises(services.CommissionError, match="2 winners for 1 grant"):
        services.approve(operator(), rehearing)
    roll_call(rehearing, b, "reserve", "Грант темы уже присуждён: заявка первая в резерве")
    services.approve(operator(), rehearing)
    assert rehearing.state == MeetingState.approved


def test_the_panel_hears_from_its_menu_and_the_results_show_both_decisions(app, client):
    call, meeting, a, b, appeal, panelist = decided_world()
    enrol(languages=("ru",))
    login(client, panelist.email)
    client.get("/?lang=ru")
    mine = client.get("/commission/").get_data(as_text=True)
    assert f"/commission/appeals/{appeal.id}" in mine and b.receipt_number in mine
    # on no meeting: a sentence, not an empty table of meetings
    assert translated("ru", "You sit on no commission meeting: you are on the appeals panel of the calls below, "
                            "and hear their appeals.") in mine
    assert translated("ru", "Your part") not in mine
    page = f"/commission/appeals/{appeal.id}"
    refused = post_form(client, page, {"upheld": "y", "resolution": "Довод обоснован"})
    assert refused.status_code == 400
    assert translated("ru", "Choose the score sheet the appeal contests: it is set aside and scored again.") \
        in refused.get_data(as_text=True)
    assert "Довод обоснован" in refused.get_data(as_text=True)  # the typed answer is kept
    done = post_form(client, page, {"upheld": "y", "resolution": "Довод обоснован",
                                    "set_aside": str(contested(b).id)})
    assert done.status_code == 302
    db.session.expire_all()  # the request committed in its own session
    assert db.session.get(Appeal, appeal.id).state == AppealState.upheld
    # The operator sees the answer but has no form to give one, and the panelist's page is not theirs.
    post_form(client, "/auth/logout", page="/account/")
    login(client, operator().email)
    listed = client.get(f"/manage/calls/{call.id}/appeals").get_data(as_text=True)
    assert "Довод обоснован" in listed and 'name="upheld"' not in listed
    assert client.get(page).status_code == 403
    results = client.get(f"/calls/{call.id}/results?lang=ru").get_data(as_text=True)
    assert translated("ru", "Appeal upheld: scored again, the commission decides again") in results


def test_my_meetings_says_the_members_part(app, client):
    call, meeting, a, b, appeal, panelist = decided_world()
    chair = next(m for m in meeting.members if m.is_chair)
    other = next(m for m in meeting.members if not m.is_chair)
    for member, part in ((chair, "Chair"), (other, "Member")):
        login(client, member.user.email)
        mine = client.get("/commission/?lang=en").get_data(as_text=True)
        assert "Your part" in mine and f"<td>{part} " in mine
        post_form(client, "/auth/logout", page="/account/")
