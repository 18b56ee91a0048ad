"""Applications: drafts, checks that block submission, submitting once, versions, documents, access."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from grants.applications import readiness, services
from grants.applications.forms import MAX_ROWS
from grants.applications.models import Application, Partner, Status
from grants.db import utcnow
from grants.demo import KK_TEXT, application_content
from grants.extensions import db
from grants.identifiers import check_digit
from grants.mail import OutboxMessage
from tests.conftest import csrf_token, login, post_form, translated
from tests.factories import PDF, create_application, create_call, create_organization, create_user, make_bin

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40


def refill(application, owner, **changes):
    data, activities, indicators, budget = application_content(application.language)
    data.update(changes.pop("data", {}))
    rows = {"activities": activities, "indicators": indicators, "budget": budget, **changes}
    services.save(owner, application, data, **rows)
    db.session.commit()


# --- starting and saving -------------------------------------------------------------------


def test_only_the_ngos_own_staff_start_an_application_for_it(app):
    call = create_call()
    stranger = create_user("applicant")
    org = create_organization(owner=create_user("applicant"))
    with pytest.raises(services.ApplicationError, match="Only the staff"):
        services.start(stranger, call.topics[0], org, "ru")


def test_no_application_to_a_call_that_is_not_open(app):
    owner = create_user("applicant")
    org = create_organization(owner=owner)
    call = create_call(opens_at=utcnow() + timedelta(days=3), deadline_at=utcnow() + timedelta(days=30))
    with pytest.raises(services.ApplicationError, match="not accepting"):
        services.start(owner, call.topics[0], org, "ru")


def test_a_language_the_call_does_not_accept_is_refused(app):
    owner = create_user("applicant")
    org = create_organization(owner=owner)
    call = create_call(accepts_ru=False)
    with pytest.raises(services.ApplicationError, match="language"):
        services.start(owner, call.topics[0], org, "ru")


def test_a_draft_saves_incomplete_and_lists_what_is_missing(app):
    application = create_application(filled=False)
    found = readiness.problems(application)
    assert any("title" in p for p in found)
    assert any("calendar plan" in p for p in found)
    assert application.status == Status.draft


def test_one_ngo_may_apply_to_several_topics(app):
    owner = create_user("applicant")
    org = create_organization(owner=owner)
    call = create_call(topics=2)
    for topic in call.topics:
        services.start(owner, topic, org, "kk")
    db.session.commit()
    assert len(db.session.execute(sa.select(Application).where(Application.organization_id == org.id)).all()) == 2


def test_budget_over_the_topic_cap_blocks_submission(app):
    application = create_application()
    owner = application.created_by
    _, _, _, budget = application_content()
    budget[0]["unit_cost"] = Decimal("1000000.01")  # 10 days: 10,000,000.10 over a 10,000,000.00 cap
    refill(application, owner, budget=budget)
    assert application.budget_total == Decimal("10000000.10")
    with pytest.raises(services.ApplicationError, match="above the topic's cap"):
        services.submit(owner, application)


def test_institutional_share_above_ten_percent_blocks_submission(app):
    application = create_application()
    owner = application.created_by
    budget = [{"item": "Тренинги", "unit": "день", "quantity": Decimal("1"), "unit_cost": Decimal("890000"),
               "institutional": False},
              {"item": "Бухгалтерия", "unit": "мес", "quantity": Decimal("1"), "unit_cost": Decimal("110000"),
               "institutional": True}]
    refill(application, owner, budget=budget)
    with pytest.raises(services.ApplicationError, match="at most 10%"):
        services.submit(owner, application)
    budget[1]["unit_cost"] = Decimal("100000")  # 100,000 of 990,000: 10.1 %
    refill(application, owner, budget=budget)
    with pytest.raises(services.ApplicationError, match="10.1%"):
        services.submit(owner, application)
    budget[0]["unit_cost"] = Decimal("900000")  # exactly 10 %
    refill(application, owner, budget=budget)
    services.submit(owner, application)


def test_an_activity_after_the_last_month_blocks_submission(app):
    application = create_application()
    _, activities, _, _ = application_content()
    activities[0]["end_month"] = 11
    refill(application, application.created_by, activities=activities)
    assert any("after the project's last month" in p for p in readiness.problems(application))


def test_text_in_the_other_language_needs_confirmation(app):
    application = create_application(language="ru")
    owner = application.created_by
    refill(application, owner, data=dict(KK_TEXT))
    assert readiness.language_warning(application).language == "kk"
    with pytest.raises(services.ApplicationError, match="language you declared"):
        services.submit(owner, application)
    refill(application, owner, data={**KK_TEXT, "language_confirmed": True})
    services.submit(owner, application)
    assert application.status == Status.submitted


def test_a_stale_save_from_another_window_is_refused(app):
    application = create_application()
    old = application.revision
    refill(application, application.created_by)
    data, *_ = application_content()
    with pytest.raises(services.ApplicationError, match="another window"):
        services.save(application.created_by, application, data, expected_revision=old)


# --- submission ------------------------------------------------------------------------------


def test_submission_gives_a_receipt_freezes_a_version_and_mails_the_applicant(app):
    application = create_application()
    services.submit(application.created_by, application)
    db.session.commit()
    assert application.status == Status.submitted
    assert application.receipt_number == f"{application.call.code}-00001"
    assert [v.number for v in application.versions] == [1]
    assert application.versions[0].content["sections"]["beneficiaries"] == 350
    message = db.session.execute(sa.select(OutboxMessage)).scalars().one()
    assert message.to == application.created_by.email and application.receipt_number in message.subject


def test_a_second_submit_does_not_submit_twice(app):
    application = create_application(submit=True)
    with pytest.raises(services.AlreadySubmitted) as already:
        services.submit(application.created_by, application)
    assert already.value.receipt_number == application.receipt_number
    assert len(application.versions) == 1


def test_submission_after_the_deadline_is_refused(app):
    application = create_application()
    late = application.call.deadline_at + timedelta(seconds=1)
    with pytest.raises(services.ApplicationError, match="deadline"):
        services.submit(application.created_by, application, now=late)
    assert application.status == Status.draft and application.receipt_number is None


def test_a_submitted_application_cannot_be_changed(app):
    application = create_application(submit=True)
    data, *_ = application_content()
    with pytest.raises(services.ApplicationError, match="can no longer be changed"):
        services.save(application.created_by, application, data)


def test_receipt_numbers_follow_each_other_within_a_call(app):
    call = create_call()
    first = create_application(call=call, submit=True)
    second = create_application(call=call, submit=True)
    assert (first.receipt_number, second.receipt_number) == (f"{call.code}-00001", f"{call.code}-00002")


def test_double_click_over_http_submits_once_and_shows_the_receipt(app, client):
    application = create_application()
    login(client, application.created_by.email)
    client.get("/?lang=en")
    token = csrf_token(client, f"/applications/{application.id}")
    first = client.post(f"/applications/{application.id}/submit", data={"csrf_token": token})
    second = client.post(f"/applications/{application.id}/submit", data={"csrf_token": token})
    assert first.status_code == second.status_code == 302
    assert second.location.endswith("/receipt")
    page = client.get(second.location).get_data(as_text=True)
    assert "already submitted" in page and f"{application.call.code}-00001" in page
    db.session.expire_all()
    assert len(db.session.get(Application, application.id).versions) == 1


def test_http_submission_after_the_deadline_says_so(app, client):
    application = create_application()
    application.call.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    login(client, application.created_by.email)
    client.get("/?lang=ru")
    response = post_form(client, f"/applications/{application.id}/submit", page=f"/applications/{application.id}")
    page = client.get(response.location).get_data(as_text=True)
    assert translated("ru", "The deadline (%(deadline)s) has passed.", deadline="")[:10] in page
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == Status.draft


# --- documents ------------------------------------------------------------------------------


def upload(client, application, content, name, kind="charter"):
    token = csrf_token(client, f"/applications/{application.id}")
    return client.post(f"/applications/{application.id}/documents", content_type="multipart/form-data",
                       data={"csrf_token": token, "kind": kind, "file": (io.BytesIO(content), name)})


def test_a_pdf_is_attached_and_served_only_to_those_allowed(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    application = create_application()
    client = app.test_client()
    login(client, application.created_by.email)
    assert upload(client, application, PDF, "../../Жарғы 2024.pdf").status_code == 302
    db.session.expire_all()
    document = db.session.get(Application, application.id).documents[0]
    assert document.filename == "Жарғы 2024.pdf"
    assert ".." not in document.storage_key
    with client.get(f"/applications/{application.id}/documents/{document.id}") as response:
        assert response.status_code == 200 and response.data == PDF
    stranger = app.test_client()
    login(stranger, create_organization(owner=create_user("applicant")).memberships[0].user.email)
    with stranger.get(f"/applications/{application.id}/documents/{document.id}") as response:
        assert response.status_code == 403


def test_a_png_named_pdf_is_refused_with_a_message(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    application = create_application()
    client = app.test_client()
    login(client, application.created_by.email)
    client.get("/?lang=en")
    response = upload(client, application, PNG, "charter.pdf")
    page = client.get(response.location).get_data(as_text=True)
    assert "but the file is" in page
    db.session.expire_all()
    assert db.session.get(Application, application.id).documents == []


def test_an_oversized_file_is_refused_and_nothing_is_kept(app, tmp_path):
    app.config.update(UPLOAD_FOLDER=str(tmp_path / "uploads"), MAX_FILE_BYTES=1024)
    application = create_application()
    client = app.test_client()
    login(client, application.created_by.email)
    client.get("/?lang=en")
    response = upload(client, application, PDF + b"0" * 2048, "big.pdf")
    assert "larger than" in client.get(response.location).get_data(as_text=True)
    assert not any(p.is_file() for p in (tmp_path / "uploads").rglob("*")) if (tmp_path / "uploads").exists() else True
    db.session.expire_all()
    assert db.session.get(Application, application.id).documents == []


def test_a_submitted_document_stays_in_its_version_when_removed_from_a_revision(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    application = create_application()
    owner = application.created_by
    document = services.add_document(owner, application, "charter", io.BytesIO(PDF), "charter.pdf")
    services.submit(owner, application)
    application.status = Status.returned  # as the eligibility check would
    application.revision_deadline = utcnow() + timedelta(days=5)
    db.session.commit()
    services.remove_document(owner, application, document)
    db.session.commit()
    assert application.documents == []
    assert application.versions[0].content["documents"][0]["filename"] == "charter.pdf"
    assert any(p.is_file() for p in (tmp_path / "uploads").rglob("*"))


# --- the pages ---------------------------------------------------------------------------------


def test_another_ngos_applicant_is_refused_every_page_of_an_application(app):
    application = create_application(submit=True)
    stranger = create_user("applicant")
    create_organization(owner=stranger)
    client = app.test_client()
    login(client, stranger.email)
    base = f"/applications/{application.id}"
    for url in (base, base + "/edit", base + "/receipt", base + "/versions/1"):
        assert client.get(url).status_code == 403, url
    for url in (base + "/submit", base + "/autosave", base + "/documents"):
        assert post_form(client, url, page="/applications/").status_code == 403, url


def test_the_edit_form_keeps_a_half_written_line_and_says_what_is_missing(app, client):
    application = create_application()
    login(client, application.created_by.email)
    client.get("/?lang=en")
    url = f"/applications/{application.id}/edit"
    page = client.get(url).get_data(as_text=True)
    form = {"csrf_token": csrf_token(client, url), "revision": str(application.revision), "title": "Клуб",
            "language": "ru", "duration_months": "10", "activities-0-activity": "Обучение волонтеров",
            "activities-0-start_month": "", "activities-0-end_month": "", "budget-0-item": "Аренда зала",
            "budget-0-quantity": "два", "summary": "Текст, который нельзя потерять"}
    response = client.post(url, data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Текст, который нельзя потерять" in page and 'value="Аренда зала"' in page
    assert "Not a valid decimal value" in page or "Give the months" in page


def test_autosave_answers_in_json_and_refuses_a_stale_revision(app, client):
    application = create_application()
    login(client, application.created_by.email)
    url = f"/applications/{application.id}/edit"
    token = csrf_token(client, url)
    data = {"csrf_token": token, "revision": str(application.revision), "title": "Новое название",
            "language": "ru", "summary": "Черновик сохраняется сам"}
    first = client.post(f"/applications/{application.id}/autosave", data=data)
    assert first.status_code == 200 and first.json["saved"]
    stale = client.post(f"/applications/{application.id}/autosave", data=data)
    assert stale.status_code == 400 and not stale.json["saved"]
    db.session.expire_all()
    assert db.session.get(Application, application.id).title == "Новое название"


def test_the_receipt_is_printable_and_names_the_receipt_number(app, client):
    application = create_application(submit=True)
    login(client, application.created_by.email)
    page = client.get(f"/applications/{application.id}/receipt").get_data(as_text=True)
    assert application.receipt_number in page
    assert "3\u00a0000\u00a0000,00\u00a0₸" in page or "3,000,000.00" in page


# --- project partners --------------------------------------------------------------------------


def person_iin(first11="90010130012"):
    """A valid IIN of a person (born 1990-01-01): its 5th digit is not the 4 of a legal entity."""
    return first11 + str(check_digit(first11))


def partner_form(client, application, **rows):
    url = f"/applications/{application.id}/edit"
    form = {"csrf_token": csrf_token(client, url), "revision": str(application.revision), "title": "Клуб",
            "language": "ru", "duration_months": "10", "summary": "Текст, который нельзя потерять",
            "indicators-0-name": "Обучено волонтеров", "indicators-0-unit": "чел.", "indicators-0-target": "100"}
    form.update(rows)
    return url, form


def test_partners_typed_in_the_form_are_stored_and_shown(app, client):
    application = create_application()
    login(client, application.created_by.email)
    client.get("/?lang=en")
    company = make_bin(90001)
    url, form = partner_form(client, application, **{
        "partners-0-number": f"{company[:6]} {company[6:]}", "partners-0-name": "ТОО «Дала»",
        "partners-0-role": "Площадка для тренингов",
        "partners-1-number": person_iin(), "partners-1-name": "Айгерим Сейткали", "partners-1-role": "Тренер"})
    response = client.post(url, data=form)
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Application, application.id)
    assert [(p.position, p.number, p.name, p.role) for p in stored.partners] == [
        (0, company, "ТОО «Дала»", "Площадка для тренингов"), (1, person_iin(), "Айгерим Сейткали", "Тренер")]
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Project partners" in page and company in page and "Айгерим Сейткали" in page and "Тренер" in page
    form = client.get(url).get_data(as_text=True)
    assert f'value="{company}"' in form and 'name="partners-2-number"' in form  # and a blank line to add one


def test_a_partner_number_with_a_wrong_check_digit_is_refused_and_nothing_is_lost(app, client):
    application = create_application()
    login(client, application.created_by.email)
    client.get("/?lang=en")
    good = make_bin(90002)
    typo = good[:11] + str((int(good[11]) + 1) % 10)
    url, form = partner_form(client, application, **{
        "partners-0-number": typo, "partners-0-name": "ТОО «Дала»", "partners-0-role": "Площадка"})
    response = client.post(url, data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "check digit does not match" in page
    assert f'value="{typo}"' in page and "ТОО «Дала»" in page and 'value="Площадка"' in page
    assert "Текст, который нельзя потерять" in page and 'value="Обучено волонтеров"' in page
    db.session.expire_all()
    assert db.session.get(Application, application.id).partners == []


def test_a_partner_without_a_number_or_a_name_is_refused(app, client):
    application = create_application()
    login(client, application.created_by.email)
    client.get("/?lang=en")
    url, form = partner_form(client, application, **{"partners-0-role": "Тренер"})
    response = client.post(url, data=form)
    assert response.status_code == 400
    assert "Give the partner&#39;s BIN or IIN and name." in response.get_data(as_text=True)


def test_the_applicant_ngo_is_not_its_own_partner(app, client):
    application = create_application()
    login(client, application.created_by.email)
    client.get("/?lang=en")
    url, form = partner_form(client, application, **{
        "partners-0-number": application.organization.bin, "partners-0-name": "Мы сами"})
    response = client.post(url, data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The applicant NGO is not its own partner." in page and 'value="Мы сами"' in page
    autosaved = client.post(f"/applications/{application.id}/autosave", data=form)
    assert autosaved.status_code == 400 and not autosaved.json["saved"]
    db.session.expire_all()
    assert db.session.get(Application, application.id).partners == []


def test_the_service_refuses_a_partner_whose_check_digit_does_not_match(app):
    application = create_application()
    good = make_bin(90003)
    typo = good[:11] + str((int(good[11]) + 1) % 10)
    with pytest.raises(services.PartnerRefused, match="check digit does not match") as refused:
        services.save(application.created_by, application, {"title": "Клуб"}, partners=[
            {"number": good, "name": "ТОО «Дала»", "role": ""}, {"number": typo, "name": "ТОО «Тау»", "role": ""}])
    assert refused.value.position == 1
    db.session.rollback()
    assert db.session.get(Application, application.id).partners == []


def test_the_service_refuses_the_ngo_as_its_own_partner(app):
    application = create_application()
    with pytest.raises(services.PartnerRefused, match="not its own partner") as refused:
        services.save(application.created_by, application, {"title": "Клуб"},
                      partners=[{"number": application.organization.bin, "name": "Мы сами", "role": ""}])
    assert refused.value.position == 0


def test_the_service_keeps_a_valid_partner(app):
    application = create_application()
    company = make_bin(90004)
    services.save(application.created_by, application, {"title": "Клуб"},
                  partners=[{"number": company, "name": "ТОО «Дала»", "role": "Площадка"}])
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Application, application.id)
    assert [(p.number, p.name, p.role) for p in stored.partners] == [(company, "ТОО «Дала»", "Площадка")]


def test_the_ngo_as_its_own_partner_is_refused_in_kazakh_on_its_line(app, client):
    application = create_application()
    login(client, application.created_by.email)
    client.get("/?lang=kk")
    company = make_bin(90005)
    url, form = partner_form(client, application, **{
        "partners-0-number": company, "partners-0-name": "ТОО «Дала»",
        "partners-1-number": application.organization.bin, "partners-1-name": "Біз өзіміз"})
    response = client.post(url, data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert translated("kk", "The applicant NGO is not its own partner.") in page
    assert f'value="{company}"' in page and 'value="Біз өзіміз"' in page and "Текст, который нельзя потерять" in page
    autosaved = client.post(f"/applications/{application.id}/autosave", data=form)
    assert autosaved.status_code == 400
    assert [p["id"] for p in autosaved.json["problems"]] == ["partners-1-number"]
    db.session.expire_all()
    assert db.session.get(Application, application.id).partners == []


def test_the_submitted_version_keeps_the_partners(app, client):
    application = create_application()
    owner = application.created_by
    company = make_bin(90003)
    refill(application, owner, partners=[{"number": company, "name": "ТОО «Дала»", "role": "Площадка"}])
    services.submit(owner, application)
    db.session.commit()
    assert application.versions[0].content["partners"] == [
        {"number": company, "name": "ТОО «Дала»", "role": "Площадка"}]
    login(client, owner.email)
    page = client.get(f"/applications/{application.id}/versions/1").get_data(as_text=True)
    assert company in page and "ТОО «Дала»" in page


def test_a_version_from_before_partners_still_shows(app, client):
    application = create_application(submit=True)
    version = application.versions[0]
    version.content = {k: v for k, v in version.content.items() if k != "partners"}
    db.session.commit()
    login(client, application.created_by.email)
    client.get("/?lang=en")
    response = client.get(f"/applications/{application.id}/versions/1")
    assert response.status_code == 200 and "Project partners" in response.get_data(as_text=True)


def test_a_full_table_opens_without_a_blank_line_beyond_its_limit(app, client):
    application = create_application()
    application.partners = [Partner(position=i, number=make_bin(90100 + i), name=f"Серіктес {i}", role="")
                            for i in range(MAX_ROWS["partners"])]
    db.session.commit()
    login(client, application.created_by.email)
    page = client.get(f"/applications/{application.id}/edit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'name="partners-{MAX_ROWS["partners"] - 1}-number"' in text
    assert f'name="partners-{MAX_ROWS["partners"]}-number"' not in text
