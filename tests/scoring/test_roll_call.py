"""The commission votes by roll call: each member declares conflicts per application first, the platform finds ties
itself, a conflicted member abstains and does not count towards that application's quorum, each member present
votes (the secretary for those in the room, a remote member in the platform), and the decision is counted from the
votes under the meeting's voting rule, never typed."""

import pytest
import sqlalchemy as sa

from grants.applications.models import Partner
from grants.audit import AuditEvent
from grants.db import utcnow
from grants.extensions import db
from grants.organizations.models import Membership
from scoring.commission import services
from scoring.commission.models import Vote
from tests.conftest import login, post_form, translated
from tests.factories import make_iin, operator, roll_call
from tests.worlds import commission_members, ranked_call


def meeting_of(call, n=3, remote=(), voting_rule="majority_chair", absent=()):
    """A meeting of n members (the first chairs), all in the room but those listed remote or absent (by index)."""
    meeting = services.convene(operator(), call, utcnow(), "Астана", commission_members(n), voting_rule=voting_rule)
    db.session.flush()
    services.record_attendance(operator(), meeting, {
        m.id: "absent" if i in absent else "remote" if i in remote else "in_person"
        for i, m in enumerate(meeting.members)})
    return meeting


def declare_all(meeting, conflicts=None):
    """Every member present declares; conflicts: {member index: {application id: note}}."""
    for i, member in enumerate(meeting.members):
        if member.present:
            services.declare(member.user, meeting, (conflicts or {}).get(i, {}))


def vote(meeting, application, choices):
    """choices: {member index: "for" | "against" | "abstain"}; in the room the secretary records it."""
    for i, choice in choices.items():
        member = meeting.members[i]
        actor = member.user if member.attendance == "remote" else operator()
        services.cast_vote(actor, meeting, application, member, choice)


def test_the_decision_counts_the_roll_call_and_names_the_conflicted_member(app):
    call, (application,) = ranked_call([[9, 9, 9, 9]])
    meeting = meeting_of(call, n=5)
    declare_all(meeting, {4: {application.id: "Моя сестра — директор этого фонда"}})
    services.propose(operator(), meeting, application, "awarded")
    vote(meeting, application, {0: "for", 1: "for", 2: "against", 3: "abstain"})
    decision = services.decide(operator(), meeting, application)
    # 2 for, 1 against, 1 abstained, the fifth member conflicted and not counted
    assert (decision.outcome, decision.votes_for, decision.votes_against, decision.votes_abstained,
            decision.votes_conflicted) == ("awarded", 2, 1, 1, 1)
    roll = meeting.roll_call(application.id)
    assert [m.user for m in roll["conflicted"]] == [meeting.members[4].user]
    assert [m.user for m in roll["against"]] == [meeting.members[2].user]
    declaration = meeting.members[4].declarations[0]
    assert (declaration.conflicted, declaration.detected, declaration.note) == (
        True, False, "Моя сестра — директор этого фонда")


def test_a_conflicted_member_does_not_vote(app):
    call, (application,) = ranked_call([[9, 9, 9, 9]])
    meeting = meeting_of(call, n=3)
    declare_all(meeting, {1: {application.id: ""}})
    services.propose(operator(), meeting, application, "awarded")
    with pytest.raises(services.CommissionError, match="declared a conflict of interest"):
        vote(meeting, application, {1: "for"})


def test_the_platform_finds_a_members_own_ngo_and_a_partners_iin_whatever_is_declared(app):
    call, (first, second) = ranked_call([[9, 9, 9, 9], [8, 8, 8, 8]])
    meeting = meeting_of(call, n=3)
    own, partner = meeting.members[1].user, meeting.members[2].user
    db.session.add(Membership(user_id=own.id, organization_id=first.organization_id))
    partner.iin = make_iin(321)
    db.session.add(Partner(application_id=second.id, position=1, number=partner.iin, name="Партнер", role="тренер"))
    db.session.flush()
    declare_all(meeting)  # nobody declares anything
    assert meeting.members[1].conflicted_on(first.id) and not meeting.members[1].conflicted_on(second.id)
    assert meeting.members[2].conflicted_on(second.id) and not meeting.members[2].conflicted_on(first.id)
    assert all(d.detected for m in meeting.members for d in m.declarations if d.conflicted)
    # the member who acts for the NGO cannot declare the finding away
    services.declare(own, meeting, {})
    assert meeting.members[1].conflicted_on(first.id)


def test_a_conflicted_member_does_not_count_towards_that_applications_quorum(app):
    call, (first, second) = ranked_call([[9, 9, 9, 9], [8, 8, 8, 8]])
    meeting = meeting_of(call, n=5, absent=(4,))  # 4 of 5 present; the quorum is ceil(5 * 2 / 3) = 4
    declare_all(meeting, {3: {first.id: "Работал в этом фонде"}})
    with pytest.raises(services.CommissionError, match="No quorum on this application: 3 members"):
        services.propose(operator(), meeting, first, "awarded")
    roll_call(meeting, second, "reserve", "Первое место не набрало кворума", against=())


def test_nobody_votes_before_every_member_present_has_declared(app):
    call, (application,) = ranked_call([[9, 9, 9, 9]])
    meeting = meeting_of(call, n=3)
    services.declare(meeting.members[0].user, meeting, {})
    with pytest.raises(services.CommissionError, match="Not every member present has declared"):
        services.propose(operator(), meeting, application, "awarded")
    assert meeting.members[1].user.full_name in str(_raised(services.propose, operator(), meeting, application,
                                                            "awarded"))


def _raised(function, *args):
    with pytest.raises(services.CommissionError) as caught:
        function(*args)
    return caught.value


def test_in_the_room_the_secretary_records_a_remote_member_votes_themself(app):
    call, (application,) = ranked_call([[9, 9, 9, 9]])
    meeting = meeting_of(call, n=3, remote=(2,))
    declare_all(meeting)
    services.propose(operator(), meeting, application, "awarded")
    remote, in_room = meeting.members[2], meeting.members[1]
    with pytest.raises(services.CommissionError, match="not in the room"):
        services.cast_vote(operator(), meeting, application, remote, "for")
    with pytest.raises(services.CommissionError, match="votes aloud"):
        services.cast_vote(in_room.user, meeting, application, in_room, "for")
    vote(meeting, application, {0: "for", 1: "for"})
    with pytest.raises(services.CommissionError, match="Not everyone has voted yet") as waiting:
        services.decide(operator(), meeting, application)
    assert remote.user.full_name in str(waiting.value)
    services.cast_vote(remote.user, meeting, application, remote, "against")
    decision = services.decide(operator(), meeting, application)
    assert (decision.votes_for, decision.votes_against) == (2, 1)
    kept = db.session.execute(sa.select(Vote).where(Vote.member_id == remote.id)).scalar_one()
    assert kept.remote and kept.recorded_by_id == remote.user_id


def test_an_absent_member_does_not_vote(app):
    call, (application,) = ranked_call([[9, 9, 9, 9]])
    meeting = meeting_of(call, n=3, absent=(2,))
    declare_all(meeting)
    services.propose(operator(), meeting, application, "awarded")
    with pytest.raises(services.CommissionError, match="not in the room"):
        services.cast_vote(operator(), meeting, application, meeting.members[2], "for")


# Each voting rule, on 4 voters (5 members, the fifth conflicted), the chair's ballot first → carried?
@pytest.mark.parametrize("rule, ballot, carried", [
    ("majority_chair", ("for", "for", "against", "against"), True),  # a tie: the chair voted for
    ("majority_chair", ("against", "for", "for", "against"), False),  # a tie: the chair voted against
    ("majority", ("for", "for", "against", "against"), False),  # a tie is not carried
    ("majority", ("for", "for", "against", "abstain"), True),
    ("majority", ("abstain", "for", "against", "abstain"), False),
    ("two_thirds", ("for", "for", "for", "against"), True),  # 3 of 4 voting
    ("two_thirds", ("for", "for", "against", "abstain"), True),  # 2 of 3 voting
    ("two_thirds", ("for", "for", "against", "against"), False),
    ("majority_chair", ("abstain", "abstain", "abstain", "abstain"), False),  # nobody voted
])
def test_the_voting_rule_carries_or_not(app, rule, ballot, carried):
    call, (application,) = ranked_call([[9, 9, 9, 9]])
    meeting = meeting_of(call, n=5, voting_rule=rule)
    declare_all(meeting, {4: {application.id: "конфликт"}})
    services.propose(operator(), meeting, application, "awarded")
    vote(meeting, application, dict(enumerate(ballot)))
    if carried:
        decision = services.decide(operator(), meeting, application)
        assert (decision.votes_for, decision.votes_against, decision.votes_abstained) == (
            ballot.count("for"), ballot.count("against"), ballot.count("abstain"))
    else:
        with pytest.raises(services.CommissionError, match="not carried"):
            services.decide(operator(), meeting, application)
        assert not meeting.decisions


def test_another_motion_discards_the_votes_on_the_one_before(app):
    call, (first, second) = ranked_call([[9, 9, 9, 9], [8, 8, 8, 8]])
    meeting = meeting_of(call, n=3)
    declare_all(meeting)
    services.propose(operator(), meeting, first, "awarded")
    vote(meeting, first, {0: "against", 1: "against", 2: "for"})
    with pytest.raises(services.CommissionError, match="not carried: 1 for, 2 against"):
        services.decide(operator(), meeting, first)
    services.propose(operator(), meeting, first, "reserve", "Бюджет завышен")
    assert meeting.motion_on(first.id).votes == []
    with pytest.raises(services.CommissionError, match="Not everyone has voted yet"):
        services.decide(operator(), meeting, first)
    vote(meeting, first, {0: "for", 1: "for", 2: "for"})
    assert services.decide(operator(), meeting, first).outcome == "reserve"
    verbs = db.session.execute(sa.select(AuditEvent.verb).where(AuditEvent.verb.like("commission.%"))
                               .order_by(AuditEvent.id)).scalars()
    assert [v for v in verbs if v in ("commission.propose", "commission.vote", "commission.decide")] == [
        "commission.propose", *["commission.vote"] * 3, "commission.propose", *["commission.vote"] * 3,
        "commission.decide"]


def test_a_conflict_declared_after_a_vote_withdraws_that_vote(app):
    call, (application,) = ranked_call([[9, 9, 9, 9]])
    meeting = meeting_of(call, n=3)
    declare_all(meeting)
    services.propose(operator(), meeting, application, "awarded")
    vote(meeting, application, {0: "for", 1: "for", 2: "for"})
    services.declare(meeting.members[2].user, meeting, {application.id: "Вспомнил: мой брат в партнерах"})
    assert [v.member_id for v in meeting.motion_on(application.id).votes] == [m.id for m in meeting.members[:2]]
    assert services.decide(operator(), meeting, application).votes_conflicted == 1


def test_after_the_protocol_is_approved_nothing_is_declared_or_voted(app):
    call, (application,) = ranked_call([[9, 9, 9, 9]])
    meeting = meeting_of(call, n=3)
    roll_call(meeting, application, "awarded")
    services.approve(operator(), meeting)
    with pytest.raises(services.CommissionError, match="protocol is approved"):
        services.declare(meeting.members[0].user, meeting, {application.id: "поздно"})
    with pytest.raises(services.CommissionError, match="protocol is approved"):
        services.cast_vote(operator(), meeting, application, meeting.members[0], "against")


def test_a_non_member_does_not_declare(app):
    call, (application,) = ranked_call([[9, 9, 9, 9]])
    meeting = meeting_of(call, n=3)
    other = commission_members(1)[0][0]
    with pytest.raises(services.CommissionError, match="Only a member"):
        services.declare(other, meeting, {})


def test_the_pages_a_member_declares_and_votes_remotely_the_secretary_records_the_room(app, client):
    call, (application,) = ranked_call([[9, 9, 9, 9]])
    meeting = meeting_of(call, n=3, remote=(2,))
    db.session.commit()
    remote = meeting.members[2]
    login(client, remote.user.email)
    page = f"/manage/commission/{meeting.id}"
    response = post_form(client, f"/commission/{meeting.id}/declare", {f"note-{application.id}": ""}, page=page)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(remote)
    assert remote.declared_at is not None and not remote.conflicted_on(application.id)
    for member in meeting.members[:2]:
        services.declare(member.user, meeting, {})
    services.propose(operator(), meeting, application, "awarded")
    db.session.commit()
    html = client.get(f"{page}?lang=ru").get_data(as_text=True)
    assert translated("ru", "Your vote") in html and f"/commission/{meeting.id}/vote/{application.id}" in html
    assert f"/manage/commission/{meeting.id}/votes/" not in html  # the secretary's form is not the member's
    post_form(client, f"/commission/{meeting.id}/vote/{application.id}", {"choice": "against"}, page=page)
    db.session.expire_all()
    assert meeting.motion_on(application.id).vote_of(remote).choice == "against"

    client = app.test_client()  # the secretary, on their own computer
    login(client, operator().email)
    post_form(client, f"/manage/commission/{meeting.id}/votes/{application.id}",
              {f"vote-{meeting.members[0].id}": "for", f"vote-{meeting.members[1].id}": "for"}, page=page)
    post_form(client, f"/manage/commission/{meeting.id}/decide/{application.id}", {}, page=page)
    db.session.expire_all()
    [decision] = meeting.decisions
    assert (decision.votes_for, decision.votes_against, decision.votes_abstained) == (2, 1, 0)
    protocol = client.get(f"/manage/commission/{meeting.id}/protocol/ru").get_data(as_text=True)
    assert translated("ru", "Roll call") in protocol and remote.user.full_name in protocol
    assert translated("ru", "Simple majority of those voting; on a tie, the chair's vote decides") in protocol
