"""Proposals on a state social order's plan: anyone sends one while the plan is announced or open, the customer
body answers it on the record, and every refusal leaves the database as it was."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from grants.audit import AuditEvent
from grants.calls import proposals
from grants.calls.models import Proposal
from grants.db import utcnow
from grants.extensions import db
from grants.mail import OutboxMessage
from grants.reference.models import CustomerBody
from tests.conftest import csrf_token, login, post_form, translated
from tests.factories import create_call, create_organization, create_user, make_bin

TEXT = "Прошу добавить в спецификацию выезды к пожилым людям в сельские округа два раза в неделю."


def sso_call(**overrides):
    return create_call(instrument="sso", criteria_set="sso", **overrides)


def announced_sso_call():
    now = utcnow()
    return sso_call(opens_at=now + timedelta(days=5), deadline_at=now + timedelta(days=25))


def form(call, **overrides):
    data = {"author_name": "Гульмира Ахметова", "author_email": "gulmira@example.kz", "organization_bin": "",
            "topic_id": str(call.topics[0].id), "text": TEXT}
    data.update(overrides)
    return data


def customer_of(call, email=None):
    user = create_user("customer", email=email)
    user.customer_body_id = call.customer_id
    db.session.commit()
    return user


def customer_of_another_body():
    user = create_user("customer")
    user.customer_body_id = db.session.execute(
        sa.select(CustomerBody.id).where(CustomerBody.code == "ALA-IP")).scalar_one()
    db.session.commit()
    return user


def state():
    """What a refusal must leave as it was: the proposals with their answers, the audit trail and the outbox."""
    db.session.expire_all()
    return (db.session.execute(sa.select(Proposal.id, Proposal.answer, Proposal.answered_at,
                                         Proposal.answer_corrected_at).order_by(Proposal.id)).all(),
            db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one(),
            db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar_one())


def audit_of(proposal):
    return db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.object_type == "Proposal", AuditEvent.object_id == str(proposal.id))
        .order_by(AuditEvent.id)).scalars().all()


def page(client, call, lang="ru"):
    return client.get(f"/calls/{call.id}?lang={lang}").get_data(as_text=True)


def words(html):
    """The page's text as a person reads it: without tags, the entities decoded, spaces collapsed."""
    from html import unescape

    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


# --- sending -------------------------------------------------------------------------------------------------

def test_a_citizen_without_an_account_sends_a_proposal_on_an_open_plan(app):
    call = sso_call()
    proposal = proposals.send(None, call, form(call), ip="203.0.113.5")
    db.session.commit()
    stored = db.session.get(Proposal, proposal.id)
    assert (stored.call_id, stored.topic_id, stored.user_id) == (call.id, call.topics[0].id, None)
    assert (stored.author_name, stored.author_email, stored.text) == ("Гульмира Ахметова", "gulmira@example.kz", TEXT)
    assert stored.answer is None and stored.answered_at is None
    [event] = audit_of(stored)
    assert (event.verb, event.actor_id, event.actor_label) == ("proposal.send", None, "public")
    assert event.after["text"] == TEXT and event.after["topic"] == 1
    assert "gulmira@example.kz" not in str(event.after)  # the e-mail is kept on the row, for the answer only


def test_an_ngo_member_signs_as_the_ngo_on_an_announced_plan_and_on_the_whole_plan(app):
    call = announced_sso_call()
    member = create_user("applicant", full_name="Марат Жұмабаев")
    org = create_organization(owner=member)
    proposal = proposals.send(member, call, form(call, topic_id="", organization_bin=org.bin,
                                                 author_email=" Marat@Example.kz "))
    db.session.commit()
    assert (proposal.user_id, proposal.organization_bin, proposal.topic_id) == (member.id, org.bin, None)
    assert proposal.author_email == "marat@example.kz"
    assert audit_of(proposal)[0].actor_id == member.id


def test_an_unregistered_ngos_bin_is_accepted_from_anyone(app):
    call = sso_call()
    proposal = proposals.send(None, call, form(call, organization_bin=make_bin(4321)))
    assert proposal.organization_bin == make_bin(4321)


@pytest.mark.parametrize("case", ["draft", "intake ended", "not an SSO call"])
def test_a_proposal_outside_a_published_sso_plans_announced_or_open_phase_is_refused(app, case):
    call = {"draft": lambda: sso_call(published=False), "intake ended": sso_call,
            "not an SSO call": create_call}[case]()
    now = call.deadline_at + timedelta(minutes=1) if case == "intake ended" else None
    before = state()
    with pytest.raises(proposals.ProposalError) as refused:
        proposals.send(None, call, form(call), now=now)
    db.session.rollback()
    assert state() == before
    if case == "not an SSO call":
        assert "state social order" in str(refused.value)
    else:
        assert "phase" in str(refused.value)


@pytest.mark.parametrize("field, value, says", [
    ("author_email", "gulmira.example.kz", "Enter a valid e-mail address."),
    ("author_email", "gulmira@", "Enter a valid e-mail address."),
    ("author_email", "", "Give your e-mail"),
    ("text", "", "Write the proposal."),
    ("text", "   \n  ", "Write the proposal."),
    ("text", "Коротко", "at least 10 characters"),
    ("text", "я" * 5001, "at most 5000 characters"),
    ("author_name", "  ", "Give your name"),
    ("organization_bin", "123456789012", "check digit"),
    ("topic_id", "999999", "Choose a topic of this plan"),
])
def test_bad_input_is_refused_with_its_reason_and_writes_nothing(app, field, value, says):
    call = sso_call()
    before = state()
    with pytest.raises(proposals.ProposalProblems) as refused:
        proposals.send(None, call, form(call, **{field: value}))
    db.session.rollback()
    assert list(refused.value.problems) == [field] and says in refused.value.problems[field]
    assert state() == before


def test_a_topic_of_another_call_is_refused(app):
    call, other = sso_call(), sso_call()
    before = state()
    with pytest.raises(proposals.ProposalProblems) as refused:
        proposals.send(None, call, form(call, topic_id=str(other.topics[0].id)))
    db.session.rollback()
    assert list(refused.value.problems) == ["topic_id"]
    assert state() == before


def test_nobody_but_its_member_signs_as_a_registered_ngo(app):
    call = sso_call()
    org = create_organization(owner=create_user("applicant"))
    outsider = create_user("applicant")
    before = state()
    for who in (None, outsider):
        with pytest.raises(proposals.ProposalProblems) as refused:
            proposals.send(who, call, form(call, organization_bin=org.bin))
        db.session.rollback()
        assert list(refused.value.problems) == ["organization_bin"]
    assert state() == before


def test_the_sending_limit_counts_an_hour_per_e_mail_and_four_times_as_many_per_address(app):
    app.config["PROPOSALS_PER_HOUR"] = 2
    call = sso_call()
    now = utcnow()
    for n in range(2):
        proposals.send(None, call, form(call), now=now + timedelta(minutes=n), ip="203.0.113.7")
    db.session.commit()
    before = state()
    with pytest.raises(proposals.TooMany) as refused:
        proposals.send(None, call, form(call), now=now + timedelta(minutes=5), ip="198.51.100.1")
    db.session.rollback()
    assert refused.value.status == 429 and state() == before
    # an hour after the first, the e-mail may send again
    proposals.send(None, call, form(call), now=now + timedelta(minutes=61), ip="198.51.100.1")
    # from one address: 4 × 2 in the hour, whatever e-mails they give (the first two are an hour old by now)
    for n in range(8):
        proposals.send(None, call, form(call, author_email=f"p{n}@example.kz"), now=now + timedelta(minutes=62),
                       ip="203.0.113.7")
    db.session.commit()
    with pytest.raises(proposals.TooMany):
        proposals.send(None, call, form(call, author_email="new@example.kz"), now=now + timedelta(minutes=62),
                       ip="203.0.113.7")


# --- answering -----------------------------------------------------------------------------------------------

def sent(call, **overrides):
    proposal = proposals.send(None, call, form(call, **overrides))
    db.session.commit()
    return proposal


def test_the_calls_customer_answers_and_corrects_and_the_audit_keeps_each_answer(app):
    call = sso_call()
    proposal = sent(call)
    customer = customer_of(call)
    proposals.answer(customer, proposal, "Спасибо, выезды два раза в неделю добавлены в спецификацию.")
    db.session.commit()
    first_at = proposal.answered_at
    assert proposal.answered_by_id == customer.id and first_at is not None and proposal.answer_corrected_at is None
    mail = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.to == "gulmira@example.kz")).scalar_one()
    assert "выезды два раза в неделю" in mail.body and call.code in mail.subject
    proposals.answer(customer, proposal, "Спасибо, выезды три раза в неделю добавлены в спецификацию.")
    db.session.commit()
    assert proposal.answer.startswith("Спасибо, выезды три раза") and proposal.answered_at == first_at
    assert proposal.answer_corrected_at is not None
    send, answered, corrected = audit_of(proposal)
    assert (answered.verb, answered.before, answered.after["answer"]) == (
        "proposal.answer", {"answer": None}, "Спасибо, выезды два раза в неделю добавлены в спецификацию.")
    assert (corrected.verb, corrected.before["answer"], corrected.after["answer"]) == (
        "proposal.correct_answer", "Спасибо, выезды два раза в неделю добавлены в спецификацию.",
        "Спасибо, выезды три раза в неделю добавлены в спецификацию.")


def test_the_operator_answers_too(app):
    call = sso_call()
    proposal = sent(call)
    proposals.answer(create_user("operator"), proposal, "Ответ оператора по предложению.")
    assert proposal.answered_at is not None


@pytest.mark.parametrize("who", ["another body's customer", "applicant", "observer"])
def test_only_the_calls_customer_body_and_the_operator_answer(app, who):
    call = sso_call()
    proposal = sent(call)
    actor = {"another body's customer": customer_of_another_body, "applicant": lambda: create_user("applicant"),
             "observer": lambda: create_user("observer")}[who]()
    before = state()
    with pytest.raises(proposals.NotYours) as refused:
        proposals.answer(actor, proposal, "Чужой ответ на предложение.")
    db.session.rollback()
    assert refused.value.status == 403 and state() == before


@pytest.mark.parametrize("text", ["", "   ", "я" * 5001])
def test_an_empty_or_too_long_answer_is_refused(app, text):
    call = sso_call()
    proposal = sent(call)
    before = state()
    with pytest.raises(proposals.ProposalError):
        proposals.answer(customer_of(call), proposal, text)
    db.session.rollback()
    assert state()[0] == before[0]


def test_the_same_answer_again_is_not_a_correction(app):
    call = sso_call()
    proposal = sent(call)
    customer = customer_of(call)
    proposals.answer(customer, proposal, "Ответ заказчика по предложению.")
    db.session.commit()
    before = state()
    with pytest.raises(proposals.ProposalError):
        proposals.answer(customer, proposal, " Ответ заказчика по предложению. ")
    db.session.rollback()
    assert state() == before


# --- the public page -----------------------------------------------------------------------------------------

def test_an_anonymous_visitor_sends_from_the_public_page_and_sees_the_proposal_awaiting_its_answer(app, client):
    call = sso_call()
    response = post_form(client, f"/calls/{call.id}/proposals?lang=ru", form(call), page=f"/calls/{call.id}")
    assert response.status_code == 302
    proposal = db.session.execute(sa.select(Proposal)).scalar_one()
    assert response.location.endswith(f"/calls/{call.id}#proposal-{proposal.id}") and proposal.user_id is None
    assert proposal.locale == "ru" and proposal.sender_ip == "127.0.0.1"
    html = page(client, call)
    text = words(html)
    assert translated("ru", "Thank you: your proposal is published with the plan. The answer will appear under it "
                            "and come to your e-mail.") in text
    section = words(html[html.index('id="proposals"'):])
    assert "Гульмира Ахметова" in section and TEXT in section
    assert "Тема 1. Поддержка волонтерских инициатив молодежи" in section
    assert translated("ru", "Awaiting the customer's answer") in section
    assert "gulmira@example.kz" not in html
    # the date in Astana time (UTC+5)
    assert (proposal.created_at + timedelta(hours=5)).strftime("%d.%m.%Y %H:%M") in section


def test_what_a_sender_types_is_shown_as_text(app, client):
    call = sso_call()
    sent(call, author_name="<b>Злоумышленник</b>", text="<script>alert('x')</script> и еще немного текста")
    html = page(client, call)
    assert "<script>alert" not in html and "<b>Злоумышленник" not in html
    assert "&lt;script&gt;alert" in html and "&lt;b&gt;Злоумышленник" in html


def test_the_public_page_shows_each_answer_and_the_awaiting_ones(app, client):
    call = sso_call()
    answered, waiting = sent(call), sent(call, topic_id="", author_name="Ержан Сапаров", author_email="e@example.kz")
    proposals.answer(customer_of(call), answered, "Ответ заказчика: выезды включены в спецификацию.")
    db.session.commit()
    html = page(client, call)
    first = words(html[html.index(f'id="proposal-{answered.id}"'):html.index(f'id="proposal-{waiting.id}"')])
    second = words(html[html.index(f'id="proposal-{waiting.id}"'):])
    assert translated("ru", "The customer body's answer") in first
    assert "Ответ заказчика: выезды включены в спецификацию." in first
    assert translated("ru", "Awaiting the customer's answer") not in first
    assert translated("ru", "The plan as a whole") in second and translated("ru", "Awaiting the customer's answer") \
        in second


def test_the_form_is_filled_for_a_signed_in_user_and_the_proposal_is_theirs(app):
    call = sso_call()
    user = create_user("applicant", email="aigul@example.kz", full_name="Айгүл Сейітқызы")
    client = app.test_client()
    login(client, user.email)
    html = page(client, call, "kk")
    assert 'value="Айгүл Сейітқызы"' in html and 'value="aigul@example.kz"' in html
    response = post_form(client, f"/calls/{call.id}/proposals", form(
        call, author_name="Айгүл Сейітқызы", author_email="aigul@example.kz"), page=f"/calls/{call.id}")
    assert response.status_code == 302
    assert db.session.execute(sa.select(Proposal.user_id)).scalar_one() == user.id


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_bad_input_comes_back_with_the_reasons_in_the_pages_language_and_nothing_is_sent(app, client, lang):
    call = sso_call()
    before = state()
    response = post_form(client, f"/calls/{call.id}/proposals?lang={lang}",
                         form(call, author_email="not-an-address", text=""), page=f"/calls/{call.id}")
    assert response.status_code == 400
    text = words(response.get_data(as_text=True))
    assert translated(lang, "Enter a valid e-mail address.") in text
    assert translated(lang, "Write the proposal.") in text
    assert 'value="Гульмира Ахметова"' in response.get_data(as_text=True)  # what was typed stays in the form
    assert state() == before


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_plan_past_its_intake_shows_its_proposals_without_the_form(app, client, lang):
    call = sso_call()
    sent(call)
    call.deadline_at = call.opens_at + timedelta(seconds=1)  # intake ended a day ago
    db.session.commit()
    html = page(client, call, lang)
    assert "Гульмира Ахметова" in html and f'action="/calls/{call.id}/proposals"' not in html
    assert translated(lang, "The plan takes no proposals at the call's current phase (%(phase)s).",
                      phase=translated(lang, "Intake ended", context="call phase")) in words(html)
    before = state()
    response = post_form(client, f"/calls/{call.id}/proposals?lang={lang}", form(call), page="/auth/login")
    assert response.status_code == 400 and state() == before


def test_a_grant_calls_page_has_no_proposals_and_refuses_one(app, client):
    call = create_call()
    assert 'id="proposals"' not in page(client, call)
    before = state()
    response = post_form(client, f"/calls/{call.id}/proposals?lang=ru", form(call), page="/auth/login")
    assert response.status_code == 400 and state() == before
    assert translated("ru", "Proposals on the plan are taken for state social order calls only.") in words(
        response.get_data(as_text=True))


def test_a_draft_calls_plan_does_not_exist_for_the_public(app, client):
    call = sso_call(published=False)
    before = state()
    assert post_form(client, f"/calls/{call.id}/proposals", form(call), page="/auth/login").status_code == 404
    assert state() == before


def test_a_proposal_without_the_forms_token_is_refused(app, client):
    call = sso_call()
    before = state()
    assert client.post(f"/calls/{call.id}/proposals", data=form(call)).status_code == 400
    assert state() == before


def test_too_many_from_one_address_is_a_429_with_the_time_to_come_back(app, client):
    app.config["PROPOSALS_PER_HOUR"] = 1
    call = sso_call()
    assert post_form(client, f"/calls/{call.id}/proposals", form(call), page=f"/calls/{call.id}").status_code == 302
    before = state()
    response = post_form(client, f"/calls/{call.id}/proposals?lang=ru", form(call), page=f"/calls/{call.id}")
    assert response.status_code == 429 and state() == before
    assert "Повторите попытку после" in words(response.get_data(as_text=True))


# --- the customer's page -------------------------------------------------------------------------------------

def test_the_customer_reaches_the_proposals_from_managing_calls_and_answers_there(app):
    call = sso_call()
    waiting, answered = sent(call), sent(call, author_name="Ержан Сапаров", author_email="e@example.kz")
    customer = customer_of(call, email="ministry@example.kz")
    proposals.answer(customer, answered, "Уже ответили на это предложение.")
    db.session.commit()
    client = app.test_client()
    login(client, customer.email)
    assert f'href="/manage/calls/{call.id}"' in client.get("/manage/calls/").get_data(as_text=True)
    assert f'href="/manage/calls/{call.id}/proposals"' in client.get(f"/manage/calls/{call.id}").get_data(as_text=True)
    html = client.get(f"/manage/calls/{call.id}/proposals?lang=ru").get_data(as_text=True)
    assert html.index(f'id="proposal-{waiting.id}"') < html.index(f'id="proposal-{answered.id}"')  # unanswered first
    assert "gulmira@example.kz" in html  # the customer may write to the author
    url = f"/manage/calls/{call.id}/proposals"
    response = post_form(client, url, {"proposal": str(waiting.id), "answer": "Ответ заказчика на предложение."})
    assert response.status_code == 302 and response.location.endswith(f"{url}#proposal-{waiting.id}")
    db.session.expire_all()
    assert db.session.get(Proposal, waiting.id).answered_by_id == customer.id
    assert "Ответ заказчика на предложение." in page(app.test_client(), call)


def test_an_empty_answer_comes_back_with_its_reason(app):
    call = sso_call()
    proposal = sent(call)
    client = app.test_client()
    login(client, customer_of(call).email)
    url = f"/manage/calls/{call.id}/proposals?lang=kk"
    client.get(url)  # the language switch is audited as a profile change: before the refused answer, not among it
    before = state()
    response = post_form(client, url, {"proposal": str(proposal.id), "answer": " "})
    assert response.status_code == 400 and state() == before
    assert translated("kk", "Write the answer: the author and the public read it.") in words(
        response.get_data(as_text=True))


@pytest.mark.parametrize("who", ["another body's customer", "applicant"])
def test_others_are_refused_the_page_and_the_answer(app, who):
    call = sso_call()
    proposal = sent(call)
    user = customer_of_another_body() if who != "applicant" else create_user("applicant")
    client = app.test_client()
    login(client, user.email)
    url = f"/manage/calls/{call.id}/proposals"
    assert client.get(url).status_code == 403
    before = state()
    token = csrf_token(client, "/")
    response = client.post(url, data={"csrf_token": token, "proposal": str(proposal.id), "answer": "Чужой ответ."})
    assert response.status_code == 403 and state() == before


def test_an_answer_to_another_calls_proposal_is_not_found(app):
    call, other = sso_call(), sso_call()
    theirs = sent(other)
    client = app.test_client()
    login(client, create_user("operator").email)
    before = state()
    response = post_form(client, f"/manage/calls/{call.id}/proposals", {"proposal": str(theirs.id),
                                                                          "answer": "Ответ не туда."})
    assert response.status_code == 404 and state() == before


def test_a_grant_calls_management_page_has_no_link_to_proposals(app):
    call = create_call()
    client = app.test_client()
    login(client, create_user("operator").email)
    assert "/proposals" not in client.get(f"/manage/calls/{call.id}").get_data(as_text=True)
