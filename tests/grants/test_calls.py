"""Calls: drafting, topics checked against МРП, publishing, extensions, closing, the public list."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from grants.audit import AuditEvent
from grants.calls import services
from grants.calls.models import Call, Phase
from grants.db import utcnow
from grants.extensions import db
from grants.mail import queue_mail
from grants.reference.models import Region
from tests.conftest import csrf_token, login, post_form
from tests.factories import PDF, call_data, create_call, create_organization, create_user, operator, topic_data


def regions(*katos):
    return db.session.execute(sa.select(Region).where(Region.kato.in_(katos))).scalars().all()


def test_a_call_goes_from_draft_to_published_to_closed(app):
    call = create_call(published=False)
    assert call.phase() == Phase.draft
    services.publish(operator(), call)
    assert call.phase() == Phase.open
    with pytest.raises(services.CallError, match="still running"):
        services.close(operator(), call)
    services.close(operator(), call, now=call.deadline_at + timedelta(seconds=1))
    assert call.phase() == Phase.closed
    verbs = db.session.execute(sa.select(AuditEvent.verb).where(AuditEvent.object_type == "Call")).scalars().all()
    assert {"call.create", "call.publish", "call.close"} <= set(verbs)


def test_intake_opens_and_ends_by_the_clock(app):
    call = create_call(opens_at=utcnow() + timedelta(days=2), deadline_at=utcnow() + timedelta(days=25))
    assert call.phase() == Phase.announced
    assert call.phase(call.opens_at) == Phase.open
    assert call.phase(call.deadline_at) == Phase.intake_ended


def test_a_call_without_topics_cannot_be_published(app):
    call = services.create_call(operator(), call_data())
    with pytest.raises(services.CallError, match="at least one topic"):
        services.publish(operator(), call)


def test_a_published_call_cannot_be_edited(app):
    call = create_call()
    with pytest.raises(services.CallError):
        services.update_call(operator(), call, call_data(code=call.code))
    with pytest.raises(services.CallError):
        services.save_topic(operator(), call, None, topic_data(), regions("750000000"))


def test_a_draft_is_edited_and_its_topics_changed_and_deleted_through_the_pages(app):
    from tests.factories import signed_in

    call = create_call(published=False, topics=2)
    staff = signed_in(app, operator())
    page = f"/manage/calls/{call.id}"
    data = {k: ("y" if v is True else "" if v is False else str(v)) for k, v in call_data(code=call.code).items()
            if v is not False}
    data.update(title_ru="Новое название конкурса", opens_at=(utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
                deadline_at=(utcnow() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"))
    assert post_form(staff, f"{page}/edit", data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Call, call.id).title_ru == "Новое название конкурса"
    first, second = db.session.get(Call, call.id).topics
    assert post_form(staff, f"{page}/topics/{first.id}/delete", page=page).status_code == 302
    db.session.expire_all()
    assert [t.id for t in db.session.get(Call, call.id).topics] == [second.id]
    verbs = set(db.session.execute(sa.select(AuditEvent.verb)).scalars())
    assert {"call.update", "topic.delete"} <= verbs
    # a topic of another call is not found through this one, and nothing is deleted
    other = create_call(published=False)
    assert post_form(staff, f"{page}/topics/{other.topics[0].id}/delete", page=page).status_code == 404
    db.session.expire_all()
    assert len(db.session.get(Call, other.id).topics) == 1
    # once published, the pages refuse both, in words, and change nothing
    services.publish(operator(), db.session.get(Call, call.id))
    db.session.commit()
    refused = post_form(staff, f"{page}/topics/{second.id}/delete", page=page)
    assert refused.status_code == 302
    db.session.expire_all()
    assert [t.id for t in db.session.get(Call, call.id).topics] == [second.id]


@pytest.mark.parametrize("grant_type, months, amount, fits", [
    ("short", 10, Decimal("12975000"), True),     # 3,000 МРП of 2026 exactly
    ("short", 10, Decimal("12975000.01"), False),  # a tiyn over
    ("short", 10, Decimal("2162499.99"), False),  # under 500 МРП
    ("short", 13, Decimal("5000000"), False),     # too long for short-term
    ("medium", 18, Decimal("20000000"), True),
    ("long", 30, Decimal("43250000"), True),      # 10,000 МРП
    ("long", 30, Decimal("43249999"), False),
])
def test_topic_amount_and_duration_follow_the_grant_type_in_mrp(app, grant_type, months, amount, fits):
    call = services.create_call(operator(), call_data())
    data = topic_data(grant_type=grant_type, duration_months=months, amount_cap=amount)
    if fits:
        services.save_topic(operator(), call, None, data, regions("750000000"))
    else:
        with pytest.raises(services.CallError, match="MCI|months"):
            services.save_topic(operator(), call, None, data, regions("750000000"))


def test_a_call_for_a_year_without_mrp_is_refused(app):
    with pytest.raises(services.CallError, match="for 2031 in the reference data") as refused:
        services.create_call(operator(), call_data(budget_year=2031))
    assert "year's" in str(refused.value) and "<" not in str(refused.value)  # plain text outside a page


def test_a_local_call_needs_a_local_customer(app):
    with pytest.raises(services.CallError, match="budget level"):
        services.create_call(operator(), call_data(funding_source="local"))


def test_extension_is_recorded_and_shown_publicly(app, client):
    call = create_call()
    old = call.deadline_at
    services.extend_deadline(operator(), call, old + timedelta(days=5), "Просьбы НПО из отдаленных районов")
    db.session.commit()
    assert call.deadline_at == old + timedelta(days=5)
    assert call.extensions[0].old_deadline == old
    page = client.get(f"/calls/{call.id}?lang=ru").get_data(as_text=True)
    assert "Просьбы НПО из отдаленных районов" in page
    with pytest.raises(services.CallError, match="later"):
        services.extend_deadline(operator(), call, old, "earlier")


def test_operator_creates_a_call_with_times_in_astana_time(app, client):
    login(client, operator().email)
    client.get("/?lang=en")
    form = {k: v for k, v in call_data(code="2026-sg-07").items() if not k.endswith("_at")}
    form.update(opens_at="2026-12-01T09:00", deadline_at="2026-12-25T18:00", accepts_kk="y", accepts_ru="y")
    form = {k: ("" if v is None else v) for k, v in form.items() if v is not False}
    response = post_form(client, "/manage/calls/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    call = db.session.execute(sa.select(Call).where(Call.code == "2026-SG-07")).scalar_one()
    assert call.deadline_at.isoformat() == "2026-12-25T13:00:00+00:00"  # 18:00 in Astana is 13:00 UTC


def test_operator_form_refusal_keeps_the_input(app, client):
    login(client, operator().email)
    client.get("/?lang=en")
    form = {k: v for k, v in call_data(code="BAD-1").items() if not k.endswith("_at")}
    form.update(opens_at="2026-12-25T18:00", deadline_at="2026-12-01T09:00", accepts_kk="y")
    response = post_form(client, "/manage/calls/new", {k: v for k, v in form.items() if v is not False})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The deadline must come after the opening of intake." in page
    assert 'value="BAD-1"' in page


def test_a_call_for_a_year_without_mci_says_who_adds_it_and_links_to_the_page(app, client):
    from grants.reference.models import MrpRate

    assert db.session.execute(sa.select(MrpRate).where(MrpRate.year == 2027)).scalar_one_or_none() is None
    login(client, operator().email)
    for lang in ("en", "ru", "kk"):
        client.get(f"/?lang={lang}")
        form = {k: v for k, v in call_data(code="2027-MCI-09", budget_year=2027).items() if not k.endswith("_at")}
        form.update(opens_at="2027-02-01T09:00", deadline_at="2027-02-25T18:00", accepts_kk="y", accepts_ru="y")
        form = {k: ("" if v is None else v) for k, v in form.items() if v is not False}
        response = post_form(client, "/manage/calls/new", form)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert '<a href="/admin/reference/mrp/">' in page, lang  # the page where the year's MCI is added
        assert "2027" in page and "&lt;a" not in page  # the link is a link, not escaped text
    assert db.session.execute(sa.select(Call).where(Call.code == "2027-MCI-09")).scalar_one_or_none() is None


def test_customer_prepares_only_its_own_calls(app):
    call = create_call(published=False)
    mine = create_user("customer")
    mine.customer_body_id = call.customer_id
    other = create_user("customer")
    db.session.commit()
    for user, status in ((mine, 200), (other, 403)):
        client = app.test_client()
        login(client, user.email)
        assert client.get(f"/manage/calls/{call.id}").status_code == status


def test_customer_publishes_its_own_state_social_order_and_no_other_bodys_call(app):
    """A ministry announces its own SSO; the customer of another body is refused and nothing changes."""
    call = create_call(published=False, instrument="sso", criteria_set="")
    mine = create_user("customer")
    mine.customer_body_id = call.customer_id
    other = create_user("customer")
    db.session.commit()
    outsider = app.test_client()
    login(outsider, other.email)
    refused = post_form(outsider, f"/manage/calls/{call.id}/publish", page="/manage/calls/")
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(Call, call.id).status == "draft"
    client = app.test_client()
    login(client, mine.email)
    assert post_form(client, f"/manage/calls/{call.id}/publish", page=f"/manage/calls/{call.id}").status_code == 302
    db.session.expire_all()
    assert db.session.get(Call, call.id).status == "published"
    assert db.session.query(AuditEvent).filter(AuditEvent.verb == "call.publish",
                                               AuditEvent.actor_id == mine.id).count() == 1


def test_a_draft_is_invisible_to_the_public(app, client):
    draft = create_call(published=False)
    assert client.get(f"/calls/{draft.id}").status_code == 404
    assert draft.code not in client.get("/calls/").get_data(as_text=True)


def test_public_list_filters_by_direction_region_and_openness(app, client):
    almaty = create_call(regions=("750000000",))
    pavlodar = create_call(regions=("550000000",))
    page = client.get("/calls/?region=550000000").get_data(as_text=True)
    assert pavlodar.code in page and almaty.code not in page
    page = client.get("/calls/?direction=11&open=1").get_data(as_text=True)
    assert pavlodar.code in page and almaty.code in page
    page = client.get("/calls/?direction=2").get_data(as_text=True)
    assert pavlodar.code not in page
    assert client.get("/calls/?region=nonsense&direction=x").status_code == 200


@pytest.mark.parametrize("instrument, criteria", [("state_grant", "grant"), ("non_state_grant", "grant"),
                                                  ("sso", "sso"), ("award", "award"),
                                                  ("strategic_partnership", "grant")])
def test_criteria_left_to_the_instrument_are_the_instruments_own(app, instrument, criteria):
    call = create_call(published=False, instrument=instrument, criteria_set="")
    assert call.criteria_set == criteria
    chosen = create_call(published=False, instrument="award", criteria_set="grant")
    assert chosen.criteria_set == "grant"  # a choice the operator made stays


def test_public_list_filters_by_instrument_and_funding_source(app, client):
    from grants.reference.models import CustomerBody

    local_body = db.session.execute(sa.select(CustomerBody).where(CustomerBody.code == "ALA-IP")).scalar_one()
    grant = create_call()
    award = create_call(instrument="award", criteria_set="award")
    local = create_call(customer_id=local_body.id, funding_source="local")
    page = client.get("/calls/?instrument=award").get_data(as_text=True)
    assert award.code in page and grant.code not in page and local.code not in page
    page = client.get("/calls/?funding_source=local").get_data(as_text=True)
    assert local.code in page and grant.code not in page and award.code not in page
    page = client.get("/calls/?funding_source=republican&instrument=state_grant").get_data(as_text=True)
    assert grant.code in page and award.code not in page and local.code not in page
    assert client.get("/calls/?funding_source=state&instrument=grant").status_code == 200  # unknown: dropped


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_public_call_page_in_each_language(app, client, lang):
    call = create_call()
    page = client.get(f"/calls/{call.id}?lang={lang}").get_data(as_text=True)
    assert getattr(call, f"title_{lang}") in page


def test_a_document_published_with_the_call_is_public_once_the_call_is(app, client, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    draft = create_call(published=False)
    staff = app.test_client()
    login(staff, operator().email)
    token = csrf_token(staff, f"/manage/calls/{draft.id}")
    response = staff.post(f"/manage/calls/{draft.id}/documents", content_type="multipart/form-data",
                          data={"csrf_token": token, "title": "Конкурсная документация",
                                "file": (io.BytesIO(PDF), "Правила конкурса.pdf")})
    assert response.status_code == 302
    db.session.expire_all()
    document = db.session.get(Call, draft.id).documents[0]
    url = f"/calls/{draft.id}/documents/{document.id}"
    assert client.get(url).status_code == 302  # a draft's document: sign in, and even then only staff
    services.publish(operator(), db.session.get(Call, draft.id))
    db.session.commit()
    with client.get(url) as response:
        assert response.status_code == 200 and response.data == PDF
    assert "Конкурсная документация" in client.get(f"/calls/{draft.id}").get_data(as_text=True)


def test_the_administrator_reads_mail_that_smtp_did_not_send(app, client):
    org = create_organization(owner=create_user("applicant"))
    queue_mail("ngo@example.kz", "organization_invited", "kk", organization=org, has_account=False)
    db.session.commit()
    create_user("admin", email="root@example.kz")
    login(client, "root@example.kz")
    page = client.get("/admin/outbox/").get_data(as_text=True)
    assert "ngo@example.kz" in page and org.bin in page
