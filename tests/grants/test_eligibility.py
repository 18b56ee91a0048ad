"""The eligibility check: decisions with coded reasons, returns for revision, the conclusion, flags."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from grants.applications import eligibility, services
from grants.applications.models import CHECKLIST, Status
from grants.audit import AuditEvent
from grants.demo import KK_TEXT, RU_TEXT, application_content
from grants.extensions import db
from grants.mail import OutboxMessage
from tests.conftest import csrf_token, login
from tests.factories import create_application, create_call, end_intake, operator

ALL_PASS = {code: True for code, _label in CHECKLIST}


def test_eligible_needs_every_item_of_the_checklist(app):
    application = create_application(submit=True)
    end_intake(application.call)
    with pytest.raises(services.ApplicationError, match="every item"):
        eligibility.review(operator(), application, "eligible", {**ALL_PASS, "registry": False})
    eligibility.review(operator(), application, "eligible", ALL_PASS)
    assert application.status == Status.eligible


def test_ineligible_needs_a_coded_reason_and_words(app):
    application = create_application(submit=True)
    end_intake(application.call)
    with pytest.raises(services.ApplicationError, match="coded reason"):
        eligibility.review(operator(), application, "ineligible", ALL_PASS, [], "Нет в базе")
    with pytest.raises(services.ApplicationError, match="Write the reasons"):
        eligibility.review(operator(), application, "ineligible", ALL_PASS, ["REGISTRY"], "")
    with pytest.raises(services.ApplicationError, match="from the list"):
        eligibility.review(operator(), application, "ineligible", ALL_PASS, ["MADE_UP"], "x")
    eligibility.review(operator(), application, "ineligible", ALL_PASS, ["REGISTRY"], "НПО нет в базе данных НПО")
    db.session.commit()
    assert application.status == Status.ineligible
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "application.ineligible")).scalar_one()
    assert event.after["reasons"] == ["REGISTRY"]
    assert db.session.execute(sa.select(OutboxMessage).where(
        OutboxMessage.subject.contains(application.receipt_number))).scalars().all()


def test_only_a_submitted_application_is_decided(app):
    application = create_application()
    with pytest.raises(services.ApplicationError, match="awaiting the check"):
        eligibility.review(operator(), application, "eligible", ALL_PASS)


def test_a_returned_application_is_revised_and_resubmitted_as_a_new_version(app):
    application = create_application(submit=True)
    end_intake(application.call)
    owner = application.created_by
    eligibility.review(operator(), application, "returned", ALL_PASS, ["BUDGET"], "Уточните смету", revision_days=5)
    db.session.commit()
    assert application.status == Status.returned and application.editable
    assert application.revision_deadline - application.decided_at == timedelta(days=5)
    data, activities, indicators, budget = application_content()
    data["summary"] = "Исправленная версия краткого описания проекта"
    services.save(owner, application, data, activities=activities, indicators=indicators, budget=budget)
    late = application.revision_deadline + timedelta(seconds=1)
    with pytest.raises(services.ApplicationError, match="deadline"):
        services.submit(owner, application, now=late)
    services.submit(owner, application)
    db.session.commit()
    assert [v.number for v in application.versions] == [1, 2]
    assert application.versions[0].content["sections"]["summary"] == RU_TEXT["summary"]
    assert application.versions[1].content["sections"]["summary"].startswith("Исправленная")
    assert application.receipt_number.endswith("-00001")  # the receipt number stays with the application


def test_the_conclusion_counts_applications_and_ngos_by_language_and_outcome(app):
    call = create_call()
    ru = [create_application(call=call, submit=True) for _ in range(3)]
    kk = [create_application(call=call, language="kk", submit=True) for _ in range(2)]
    create_application(call=call)  # a draft is not an application yet
    with pytest.raises(services.ApplicationError, match="after the deadline"):
        eligibility.publish_conclusion(operator(), call)
    end_intake(call)
    eligibility.review(operator(), ru[0], "eligible", ALL_PASS)
    eligibility.review(operator(), ru[1], "ineligible", ALL_PASS, ["AMOUNT"], "Превышена сумма")
    later = call.deadline_at + timedelta(hours=1)
    with pytest.raises(services.ApplicationError, match="3 application"):
        eligibility.publish_conclusion(operator(), call, now=later)
    eligibility.review(operator(), ru[2], "returned", ALL_PASS, ["DOCUMENTS"], "Нет устава", revision_days=3)
    for application in kk:
        eligibility.review(operator(), application, "eligible", ALL_PASS)
    conclusion = eligibility.publish_conclusion(operator(), call, now=later)
    assert conclusion.counts["by_language"]["ru"] == {
        "applications": 3, "ngos": 3, "by_status": {"eligible": 1, "ineligible": 1, "returned": 1}}
    assert conclusion.counts["by_language"]["kk"] == {"applications": 2, "ngos": 2, "by_status": {"eligible": 2}}
    assert conclusion.counts["total"] == {"applications": 5, "ngos": 5}


def test_the_published_conclusion_is_on_the_public_call_page(app, client):
    call = create_call()
    application = create_application(call=call, language="kk", submit=True)
    end_intake(call)
    eligibility.review(operator(), application, "eligible", ALL_PASS)
    eligibility.publish_conclusion(operator(), call, now=call.deadline_at + timedelta(hours=1))
    db.session.commit()
    page = client.get(f"/calls/{call.id}?lang=en").get_data(as_text=True)
    assert "Conclusion of the eligibility check" in page


def test_one_ngo_twice_on_one_topic_is_flagged(app):
    call = create_call()
    first = create_application(call=call, submit=True)
    create_application(owner=first.created_by, org=first.organization, call=call, submit=True)
    create_application(call=call, submit=True)
    flags = eligibility.same_ngo_twice(call)
    assert [(row[1], row[2]) for row in flags] == [(first.organization_id, 2)]


def test_a_text_copied_from_another_ngo_is_flagged_with_the_passages(app, client):
    call = create_call()
    original = create_application(call=call, language="kk", submit=True)
    copy = create_application(call=call, language="kk")
    data, activities, indicators, budget = application_content("kk")
    data["summary"] = "Біздің ұйым басқа жобаны жүзеге асырады. " + KK_TEXT["summary"]
    services.save(copy.created_by, copy, data, activities=activities, indicators=indicators, budget=budget)
    services.submit(copy.created_by, copy)
    honest = create_application(call=call, submit=True)
    end_intake(call)
    db.session.commit()
    pairs = eligibility.similar_applications(call)
    assert {(a.id, b.id) for a, b, _score in pairs} == {tuple(sorted((original.id, copy.id)))}
    assert honest.id not in {x.id for a, b, _s in pairs for x in (a, b)}
    login(client, operator().email)
    page = client.get(f"/manage/calls/{call.id}/integrity?a={original.id}&b={copy.id}").get_data(as_text=True)
    assert KK_TEXT["problem"][:40] in page


def test_operator_records_a_decision_through_the_page(app, client):
    application = create_application(submit=True)
    end_intake(application.call)
    db.session.commit()
    login(client, operator().email)
    client.get("/?lang=en")
    url = f"/manage/applications/{application.id}/review"
    form = {"csrf_token": csrf_token(client, url), "outcome": "ineligible", "reason_codes": ["TOPIC", "AMOUNT"],
            "comment": "Проект не соответствует цели темы", "revision_days": "5"}
    form.update({f"check_{code}": "y" for code, _label in CHECKLIST})
    assert client.post(url, data=form).status_code == 302
    db.session.expire_all()
    review = eligibility.latest_review(application)
    assert review.reason_codes == ["AMOUNT", "TOPIC"] and review.outcome == "ineligible"
