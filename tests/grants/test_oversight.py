"""Oversight: site visits, the evaluation of effectiveness, beneficiaries' feedback, recommendations of public
oversight, the overdue list and the NGO's track record."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from grants.agreements import services as agreements
from grants.agreements.models import AgreementIndicator
from grants.agreements.queries import timeline
from grants.audit import AuditEvent
from grants.extensions import db
from grants.i18n import astana_today
from grants.monitoring import evaluation, oversight, recommendations, survey, survey_codes, visits
from grants.monitoring import services as reports
from grants.monitoring.models import Evaluation, Feedback, Recommendation, SiteVisit, VisitStatus
from tests.conftest import csrf_token, post_form
from tests.factories import (
    PDF,
    PNG,
    create_agreement,
    create_organization,
    create_user,
    operator,
    owner_of,
    signed_in,
)

TODAY = astana_today()





def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def fetch(client, url):
    """(status, bytes) of a download, the response closed: a file left open is a warning, and warnings fail."""
    with client.get(url) as response:
        return response.status_code, response.get_data()


def verbs(agreement):
    return [e.verb for e in timeline(agreement)]


def file_report(report, actuals, beneficiaries=7, spent=Decimal("1000.00")):
    """The NGO saves a complete report (actuals by indicator position) and submits it; the operator accepts it."""
    agreement = report.agreement
    owner = owner_of(agreement)
    women = beneficiaries // 2
    reports.save(owner, report, {"narrative": "Провели тренинги.", "beneficiaries": beneficiaries,
                                 "reach": beneficiaries * 3, "women": women, "men": beneficiaries - women,
                                 "under_18": 0, "from_18_to_34": beneficiaries, "from_35_to_62": 0, "over_62": 0},
                 indicators={i.id: (actuals[n], "") for n, i in enumerate(agreement.indicators)},
                 spending={agreement.budget_lines[0].id: spent})
    reports.submit(owner, report)
    reports.accept(operator(), report)


def completed(beneficiaries=7):
    """An agreement with three indicators (targets 100, 10, 50), both reports accepted, two tranches paid
    (1 500 000 + 900 000 of 3 000 000), then completed. The final report reaches 100, 9.5 and 60: two of
    three indicators at or above their target."""
    agreement = create_agreement()
    agreement.indicators.append(AgreementIndicator(position=1, name="Изданы брошюры", unit="шт.",
                                                   target=Decimal("10")))
    agreement.indicators.append(AgreementIndicator(position=2, name="Проведены встречи", unit="шт.",
                                                   target=Decimal("50")))
    db.session.flush()
    first, second, _third = agreement.tranches
    agreements.pay(operator(), first, TODAY, "ПП-1")
    interim, final = agreement.reports
    file_report(interim, [Decimal("40"), Decimal("5"), Decimal("20")], beneficiaries=3)
    agreements.pay(operator(), second, TODAY, "ПП-2")
    file_report(final, [Decimal("100"), Decimal("9.5"), Decimal("60")], beneficiaries=beneficiaries)
    agreements.complete(operator(), agreement, TODAY)
    db.session.commit()
    return agreement


def planned(agreement=None, on=None):
    agreement = agreement or create_agreement()
    on = on or TODAY
    visit = visits.plan_visit(operator(), agreement, on, operator())
    db.session.commit()
    return visit


def upload(client, visit, content, name):
    token = csrf_token(client, f"/manage/visits/{visit.id}")
    return client.post(f"/manage/visits/{visit.id}/photos", data={
        "csrf_token": token, "photo": (io.BytesIO(content), name), "photo_caption": "Тренинг"},
        content_type="multipart/form-data")


# --- site visits ---------------------------------------------------------------------------------------

def test_a_visit_is_planned_for_an_operator_and_recorded_with_findings_and_a_rating(app):
    agreement = create_agreement()
    with pytest.raises(oversight.OversightError):
        visits.plan_visit(operator(), agreement, TODAY, owner_of(agreement))  # an NGO's staff is no inspector
    with pytest.raises(oversight.OversightError):
        visits.plan_visit(owner_of(agreement), agreement, TODAY, operator())  # nor plans visits
    visit = planned(agreement)
    assert visit.status == VisitStatus.planned
    for findings, rating in (("", 4), ("   ", 4), ("Всё по плану", None), ("Всё по плану", 6)):
        with pytest.raises(oversight.OversightError):
            visits.record_visit(operator(), visit, TODAY, findings, rating)
    with pytest.raises(oversight.OversightError, match="future"):
        visits.record_visit(operator(), visit, TODAY + timedelta(days=1), "Всё по плану", 4)
    with pytest.raises(oversight.OversightError):  # follow-up actions need a due date
        visits.record_visit(operator(), visit, TODAY, "Всё по плану", 4, "Дополнить журнал")
    visits.record_visit(operator(), visit, TODAY, "Тренинг идёт, журнал ведётся.", 4, "Дополнить журнал",
                        TODAY + timedelta(days=10), published=True)
    db.session.commit()
    assert (visit.status, visit.rating, visit.visited_on, visit.published) == ("done", 4, TODAY, True)
    with pytest.raises(oversight.OversightError, match="already"):
        visits.record_visit(operator(), visit, TODAY, "Ещё раз", 5)
    assert {"visit.plan", "visit.done"} <= set(verbs(agreement))


def test_a_cancelled_visit_cannot_be_recorded_as_done(app):
    visit = planned()
    with pytest.raises(oversight.OversightError):
        visits.cancel_visit(operator(), visit, "  ")
    visits.cancel_visit(operator(), visit, "Руководитель НПО в командировке")
    db.session.commit()
    assert visit.status == VisitStatus.cancelled
    with pytest.raises(oversight.OversightError, match="cancelled"):
        visits.record_visit(operator(), visit, TODAY, "Всё по плану", 4)
    with pytest.raises(oversight.OversightError):
        visits.cancel_visit(operator(), visit, "Ещё раз")
    assert "visit.cancel" in verbs(visit.agreement)


def test_visits_are_only_for_active_suspended_or_completed_agreements(app):
    draft = create_agreement(sign=False)
    with pytest.raises(oversight.OversightError):
        visits.plan_visit(operator(), draft, TODAY, operator())
    agreement = create_agreement()
    agreements.suspend(operator(), agreement, "Проверка")
    assert planned(agreement).status == VisitStatus.planned


def test_the_operator_plans_and_records_a_visit_through_the_pages(app):
    agreement = create_agreement()
    inspector = create_user("operator", full_name="Ерлан Инспектор")
    client = signed_in(app, operator())
    manage_url = f"/manage/agreements/{agreement.id}"
    assert "Plan a site visit" in page(client, manage_url)
    refused = post_form(client, f"/manage/agreements/{agreement.id}/visits", {"visit_planned_on": "",
                                                                              "inspector_id": str(inspector.id)},
                        page=manage_url)
    assert refused.status_code == 400
    assert "Give the date of the visit." in refused.get_data(as_text=True)
    response = post_form(client, f"/manage/agreements/{agreement.id}/visits", {
        "visit_planned_on": TODAY.isoformat(), "inspector_id": str(inspector.id)}, page=manage_url)
    assert response.status_code == 302
    visit = db.session.execute(sa.select(SiteVisit)).scalar_one()
    assert visit.inspector_id == inspector.id
    assert "Site visit planned" in page(client, manage_url)  # on the agreement's timeline, in words
    visit_url = f"/manage/visits/{visit.id}"
    future = post_form(client, f"{visit_url}/done", {"visited_on": (TODAY + timedelta(days=3)).isoformat(),
                                                     "findings": "Мероприятие проведено", "visit_rating": "5"},
                       page=visit_url)
    assert future.status_code == 400
    html = future.get_data(as_text=True)
    assert "A visit in the future cannot be recorded as done" in html
    assert "Мероприятие проведено" in html  # nothing typed is lost
    no_rating = post_form(client, f"{visit_url}/done", {"visited_on": TODAY.isoformat(),
                                                        "findings": "Мероприятие проведено", "visit_rating": ""},
                          page=visit_url)
    assert no_rating.status_code == 400
    assert "Give a rating from 1 to 5." in no_rating.get_data(as_text=True)
    done = post_form(client, f"{visit_url}/done", {"visited_on": TODAY.isoformat(), "findings": "Мероприятие проведено",
                                                   "visit_rating": "5", "published": "y"}, page=visit_url)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(SiteVisit, visit.id).status == VisitStatus.done
    assert "Мероприятие проведено" in page(client, manage_url)


def test_a_visit_photo_must_be_a_jpg_or_png(app):
    visit = planned()
    with pytest.raises(oversight.OversightError, match="JPG or PNG"):
        visits.add_visit_photo(operator(), visit, io.BytesIO(PDF), "act.pdf")
    db.session.rollback()
    client = signed_in(app, operator())
    refused = upload(client, visit, PDF, "photo.pdf")
    assert refused.status_code == 400
    assert "A visit photo must be a JPG or PNG image" in refused.get_data(as_text=True)
    assert upload(client, visit, PNG, "event.png").status_code == 302
    db.session.expire_all()
    photos = db.session.get(SiteVisit, visit.id).photos
    assert [p.filename for p in photos] == ["event.png"]
    assert "visit.add_photo" in verbs(visit.agreement)


def test_a_visit_photo_is_open_to_oversight_only_once_the_visit_is_published(app):
    visit = planned()
    photo = visits.add_visit_photo(operator(), visit, io.BytesIO(PNG), "event.png")
    visits.record_visit(operator(), visit, TODAY, "Всё по плану", 4, published=False)
    db.session.commit()
    url = f"/visits/{visit.id}/photos/{photo.id}"
    observer = create_user("observer")
    stranger = create_user("applicant")
    create_organization(owner=stranger)
    assert fetch(signed_in(app, operator()), url)[0] == 200
    grantee = signed_in(app, owner_of(visit.agreement))
    assert fetch(grantee, url) == (200, PNG)
    assert fetch(signed_in(app, stranger), url)[0] == 403
    watcher = signed_in(app, observer)
    assert fetch(watcher, url)[0] == 403
    assert "Всё по плану" not in page(watcher, f"/agreements/{visit.agreement_id}")
    visit.published = True
    db.session.commit()
    assert fetch(watcher, url)[0] == 200
    assert "Всё по плану" in page(watcher, f"/agreements/{visit.agreement_id}")
    assert fetch(signed_in(app, stranger), url)[0] == 403
    assert grantee.get(f"/manage/visits/{visit.id}").status_code == 403


# --- the evaluation of effectiveness ------------------------------------------------------------------------

def test_the_evaluation_is_computed_from_the_final_report_only_once_completed(app):
    active = create_agreement()
    with pytest.raises(oversight.OversightError, match="completed"):
        evaluation.evaluate(operator(), active, 4, "Хорошо")
    agreement = completed()
    with pytest.raises(oversight.OversightError):
        evaluation.evaluate(operator(), agreement, 4, "  ")
    with pytest.raises(oversight.OversightError):
        evaluation.evaluate(operator(), agreement, 0, "Хорошо")
    with pytest.raises(oversight.OversightError):
        evaluation.evaluate(owner_of(agreement), agreement, 5, "Отлично")
    recorded = evaluation.evaluate(operator(), agreement, 4, "Проект достиг большинства целей.")
    db.session.commit()
    db.session.expire_all()
    stored = db.session.execute(sa.select(Evaluation)).scalar_one()
    assert stored.indicators_achieved == Decimal("0.6667")  # 100 ≥ 100 and 60 ≥ 50; 9.5 < 10
    assert stored.beneficiaries == 7  # the final report's unique beneficiaries, not 3 + 7
    assert stored.cost_per_beneficiary == Decimal("342857.14")  # (1 500 000 + 900 000) / 7
    assert stored.rating == 4
    with pytest.raises(oversight.OversightError, match="already"):
        evaluation.evaluate(operator(), agreement, 5, "Ещё раз")
    assert recorded.id == stored.id
    assert "agreement.evaluate" in verbs(agreement)
    html = page(signed_in(app, create_user("observer")), f"/agreements/{agreement.id}")
    assert "Evaluation of effectiveness" in html
    assert "66.67 %" in html
    assert "342,857.14" in html


def test_no_beneficiaries_leave_the_cost_per_beneficiary_empty(app):
    agreement = completed(beneficiaries=0)
    assert evaluation.figures(agreement).cost_per_beneficiary is None
    recorded = evaluation.evaluate(operator(), agreement, 2, "Благополучателей нет.")
    db.session.commit()
    assert recorded.cost_per_beneficiary is None


def test_the_operator_evaluates_through_the_agreement_page(app):
    agreement = completed()
    client = signed_in(app, operator())
    url = f"/manage/agreements/{agreement.id}"
    html = page(client, url)
    assert "2 of 3 (66.67 %)" in html
    refused = post_form(client, f"{url}/evaluation", {"evaluation_rating": "4", "conclusion": ""}, page=url)
    assert refused.status_code == 400
    assert "Write the conclusion of the evaluation." in refused.get_data(as_text=True)
    assert post_form(client, f"{url}/evaluation", {"evaluation_rating": "4", "conclusion": "Цели достигнуты."},
                     page=url).status_code == 302
    html = page(client, url)
    assert "Цели достигнуты." in html
    assert "Record the evaluation" not in html


# --- beneficiaries' feedback ----------------------------------------------------------------------------------

def test_the_survey_of_an_unknown_token_is_404_and_of_a_draft_is_closed(client):
    assert client.get("/feedback/no-such-token").status_code == 404
    draft = create_agreement(sign=False)
    closed = client.get(f"/feedback/{draft.feedback_token}?lang=ru")
    assert closed.status_code == 200
    assert "<h1>" in closed.get_data(as_text=True) and 'name="satisfaction"' not in closed.get_data(as_text=True)
    sent = post_form(client, f"/feedback/{draft.feedback_token}", {"satisfaction": "5", "helped": "yes",
                                                                   "would_recommend": "yes"}, page="/auth/login")
    assert sent.status_code == 400
    assert db.session.execute(sa.select(sa.func.count(Feedback.id))).scalar_one() == 0


def test_beneficiaries_answer_anonymously_in_kazakh_or_russian_and_are_counted(app, client):
    agreement = create_agreement()
    url = f"/feedback/{agreement.feedback_token}"
    html = page(client, url + "?lang=kk")
    assert '<html lang="kk">' in html
    assert "English" not in html  # the survey offers Kazakh and Russian only
    first, second = survey_codes.issue(owner_of(agreement), agreement, 2)
    db.session.commit()
    missing = post_form(client, url, {"code": first, "helped": "yes", "would_recommend": "no",
                                      "comment": "Спасибо за курсы"})
    assert missing.status_code == 400
    assert "Спасибо за курсы" in missing.get_data(as_text=True)
    assert post_form(client, url, {"code": first, "satisfaction": "5", "helped": "yes", "would_recommend": "yes",
                                   "comment": "Рахмет!"}).status_code == 302
    # someone signed in answers too: still nothing ties the answer to them
    someone = signed_in(app, create_user("applicant"), lang="ru")
    thanks = post_form(someone, url, {"code": second, "satisfaction": "4", "helped": "no", "would_recommend": "yes"})
    assert thanks.status_code == 302
    assert '<html lang="ru">' in page(someone, thanks.location)
    rows = db.session.execute(sa.select(Feedback).order_by(Feedback.id)).scalars().all()
    assert [(f.language, f.satisfaction, f.helped, f.would_recommend) for f in rows] == [
        ("kk", 5, True, True), ("ru", 4, False, True)]
    assert not any("user" in c.name or "ip" == c.name for c in Feedback.__table__.columns)
    events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "feedback.add")).scalars().all()
    assert len(events) == 2 and all(e.actor_id is None for e in events)
    summary = survey.feedback_summary(agreement)
    assert (summary.count, summary.satisfaction, summary.helped, summary.would_recommend) == (
        2, Decimal("4.5"), Decimal("50.0"), Decimal("100.0"))
    grantee = page(signed_in(app, owner_of(agreement)), f"/agreements/{agreement.id}")
    assert "Mean satisfaction" in grantee and "4.5/5" in grantee and "Рахмет!" in grantee
    assert "http://127.0.0.1:5000" + url in grantee  # the survey link, absolute, for the NGO to hand out
    observer = page(signed_in(app, create_user("observer")), f"/agreements/{agreement.id}")
    assert "4.5/5" in observer and "Рахмет!" not in observer and url not in observer


def test_the_survey_qr_code_is_for_the_grantee_and_the_operator(app):
    agreement = create_agreement()
    url = f"/agreements/{agreement.id}/feedback-qr.svg"
    response = signed_in(app, owner_of(agreement)).get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data
    assert signed_in(app, operator()).get(url).status_code == 200
    assert signed_in(app, create_user("observer")).get(url).status_code == 403
    stranger = create_user("applicant")
    create_organization(owner=stranger)
    assert signed_in(app, stranger).get(url).status_code == 403


# --- recommendations of public oversight -------------------------------------------------------------------------

def test_observers_recommend_and_the_operator_answers_once(app):
    agreement = create_agreement()
    url = f"/agreements/{agreement.id}"
    observer = create_user("observer", full_name="Гульнар Наблюдатель")
    watcher = signed_in(app, observer)
    assert "Send a recommendation" in page(watcher, url)
    empty = post_form(watcher, f"{url}/recommendations", {"recommendation_text": " "}, page=url)
    assert empty.status_code == 400
    assert "Write the recommendation." in empty.get_data(as_text=True)
    assert post_form(watcher, f"{url}/recommendations", {
        "recommendation_text": "Опубликуйте график тренингов."}, page=url).status_code == 302
    grantee = signed_in(app, owner_of(agreement))
    assert post_form(grantee, f"{url}/recommendations", {"recommendation_text": "Сам себе"},
                     page=url).status_code == 403
    recommendation = db.session.execute(sa.select(Recommendation)).scalar_one()
    assert recommendation.author_id == observer.id
    with pytest.raises(oversight.OversightError):
        recommendations.answer(owner_of(agreement), recommendation, "Ответ НПО")
    staff = signed_in(app, operator())
    manage_url = f"/manage/agreements/{agreement.id}"
    assert "Awaiting the operator's answer" in page(staff, manage_url)
    answer_url = f"/manage/recommendations/{recommendation.id}/answer"
    blank = post_form(staff, answer_url, {"answer": ""}, page=manage_url)
    assert blank.status_code == 400
    assert "Write the answer" in blank.get_data(as_text=True)
    assert post_form(staff, answer_url, {"answer": "График опубликован."}, page=manage_url).status_code == 302
    again = post_form(staff, answer_url, {"answer": "Другой ответ"}, page=manage_url)
    assert again.status_code == 400
    assert "already answered" in again.get_data(as_text=True)
    db.session.expire_all()
    recommendation = db.session.get(Recommendation, recommendation.id)
    assert (recommendation.text, recommendation.answer) == ("Опубликуйте график тренингов.", "График опубликован.")
    public = page(watcher, url)
    assert "Опубликуйте график тренингов." in public and "График опубликован." in public
    assert {"recommendation.send", "recommendation.answer"} <= set(verbs(agreement))
    assert post_form(signed_in(app, create_user("observer")), answer_url, {"answer": "Нет"},
                     page="/").status_code == 403


def test_no_recommendation_on_a_draft_and_only_from_observers(app):
    draft = create_agreement(sign=False)
    observer = create_user("observer")
    with pytest.raises(oversight.OversightError):
        recommendations.recommend(observer, draft, "Рано")
    with pytest.raises(oversight.OversightError):
        recommendations.recommend(create_user("analyst"), create_agreement(), "Не моя роль")
    client = signed_in(app, create_user("applicant"))
    assert post_form(client, f"/agreements/{draft.id}/recommendations", {"recommendation_text": "Нет"},
                     page="/").status_code == 403


def test_the_operator_sees_unanswered_recommendations_first(app):
    agreement = create_agreement()
    observer = create_user("observer")
    answered = recommendations.recommend(observer, agreement, "Первая рекомендация")
    recommendations.answer(operator(), answered, "Учтено")
    recommendations.recommend(observer, agreement, "Вторая рекомендация")
    db.session.commit()
    html = page(signed_in(app, operator()), "/manage/recommendations")
    assert html.index("Вторая рекомендация") < html.index("Первая рекомендация")
    assert signed_in(app, observer).get("/manage/recommendations").status_code == 403


# --- the overdue list ----------------------------------------------------------------------------------------

def test_the_overdue_list_shows_late_reports_and_blocked_tranches(app):
    agreement = create_agreement()
    report = agreement.reports[0]
    report.due_on = TODAY - timedelta(days=3)
    agreement.tranches[1].planned_on = TODAY - timedelta(days=2)
    db.session.commit()
    reports.notify_overdue(TODAY)
    db.session.commit()
    html = page(signed_in(app, operator()), "/manage/overdue")
    reports_part, tranches_part = html.split('id="tranches"')
    assert agreement.number in reports_part and agreement.organization.name in reports_part
    assert "Interim report no. 1" in reports_part
    assert (TODAY - timedelta(days=3)).strftime("%d.%m.%Y") in reports_part
    assert '<td class="num">3</td>' in reports_part
    assert f"/manage/agreements/{agreement.id}" in reports_part
    assert "900,000.00" in tranches_part and "report 1 is not accepted yet" in tranches_part
    assert "The daily overdue check last ran" in html
    assert signed_in(app, owner_of(agreement)).get("/manage/overdue").status_code == 403


# --- the NGO's track record -----------------------------------------------------------------------------------

def test_the_track_record_shows_on_the_ngo_profile(app):
    agreement = completed()
    evaluation.evaluate(operator(), agreement, 5, "Отлично.")
    owner = owner_of(agreement)
    terminated = create_agreement(owner=owner)
    agreements.pay(operator(), terminated.tranches[0], TODAY, "ПП-9")
    agreements.terminate(operator(), terminated, "misuse", "Нецелевое использование", Decimal("1000000.00"), TODAY)
    agreements.record_repayment(operator(), terminated, Decimal("250000.00"), TODAY, "В-1")
    db.session.commit()
    org_id = agreement.organization_id
    assert terminated.organization_id != org_id  # the factory makes an NGO per application
    html = page(signed_in(app, owner), f"/organizations/{org_id}")
    assert "Track record" in html
    assert agreement.number in html and "5/5" in html and "2,400,000.00" in html
    other = page(signed_in(app, owner), f"/organizations/{terminated.organization_id}")
    assert "balance to return: 750,000.00" in other
    staff = page(signed_in(app, operator()), f"/organizations/{org_id}")
    assert f"/manage/agreements/{agreement.id}" in staff
    stranger = create_user("applicant")
    create_organization(owner=stranger)
    assert signed_in(app, stranger).get(f"/organizations/{org_id}").status_code == 403
