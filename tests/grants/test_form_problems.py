"""Forms say every problem at once, each beside its field and named in the summary above the form."""

import re
from html import unescape

from grants.extensions import db
from tests.conftest import csrf_token, login, translated
from tests.factories import create_application, make_bin

SUMMARY = re.compile(r'<div class="flash flash-error form-problems"[^>]*>(.*?)</div>', re.S)
LINK = re.compile(r'<li><a href="#([\w-]+)">(.*?)</a>: (.*?)</li>', re.S)


def summary(html):
    """[(field id, label, message)] of the page's problem summary."""
    found = SUMMARY.search(html)
    assert found, "no summary of the problems above the form"
    return [(fid, unescape(label), unescape(message)) for fid, label, message in LINK.findall(found.group(1))]


def application_post(client, application, **rows):
    url = f"/applications/{application.id}/edit"
    form = {"csrf_token": csrf_token(client, url), "revision": str(application.revision), "title": "Клуб",
            "language": "ru", "duration_months": "10", "summary": "Текст, который нельзя потерять",
            "indicators-0-name": "Обучено волонтеров", "indicators-0-unit": "чел.", "indicators-0-target": "100"}
    form.update(rows)
    return client.post(url, data=form)


def test_the_application_summary_names_a_reversed_month_range_and_a_wrong_check_digit(app, client):
    application = create_application(language="kk")
    login(client, application.created_by.email)
    client.get("/?lang=kk")
    good = make_bin(90003)
    typo = good[:11] + str((int(good[11]) + 1) % 10)
    response = application_post(client, application, **{
        "activities-0-activity": "Еріктілерді оқыту", "activities-0-start_month": "5", "activities-0-end_month": "2",
        "partners-0-number": typo, "partners-0-name": "«Дала» ЖШС", "budget-0-item": "Зал жалдау",
        "budget-0-quantity": "abc", "budget-0-unit_cost": "-1"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    problems = summary(html)
    by_field = {fid: message for fid, _label, message in problems}
    assert by_field["activities-0-end_month"] == translated("kk", "The last month comes before the first.")
    assert "partners-0-number" in by_field and by_field["partners-0-number"]
    assert by_field["budget-0-quantity"] == translated("kk", "Not a valid decimal value.")
    assert by_field["budget-0-unit_cost"] == translated("kk", "Number must be between %(min)s and %(max)s.",
                                                           min="0", max="1000000000000")
    for fid, label, _message in problems:
        assert f'id="{fid}"' in html  # the link leads to the field
        assert label.strip()
    # one heading, no flash repeating it, no vague "some lines are incomplete"
    assert html.count(translated("kk", "Please correct the marked fields.")) == 1
    incomplete = "Some lines are incomplete: see the marked fields. Nothing was lost; correct them and save."
    assert translated("kk", incomplete) not in html
    # the marked fields are marked for screen readers too
    assert re.search(r'id="activities-0-end_month"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*'
                     r'id="activities-0-end_month"', html)


def test_a_field_above_the_tables_failing_does_not_hide_the_rows_problems(app, client):
    application = create_application()
    login(client, application.created_by.email)
    client.get("/?lang=ru")
    response = application_post(client, application, duration_months="99", **{
        "activities-0-activity": "Обучение", "activities-0-start_month": "6", "activities-0-end_month": "3"})
    fields = {fid for fid, _label, _message in summary(response.get_data(as_text=True))}
    assert {"duration_months", "activities-0-end_month"} <= fields
    db.session.expire_all()


def test_a_failed_autosave_names_every_field_and_its_problem(app, client):
    application = create_application()
    login(client, application.created_by.email)
    client.get("/?lang=ru")
    url = f"/applications/{application.id}/edit"
    response = client.post(f"/applications/{application.id}/autosave", data={
        "csrf_token": csrf_token(client, url), "revision": str(application.revision), "language": "ru",
        "duration_months": "99", "activities-0-activity": "Обучение", "activities-0-start_month": "6",
        "activities-0-end_month": "3"})
    assert response.status_code == 400 and not response.json["saved"]
    problems = {p["id"]: p for p in response.json["problems"]}
    assert problems["duration_months"]["message"] == translated("ru", "Number must be between %(min)s and %(max)s.",
                                                                min="1", max="60")
    assert problems["activities-0-end_month"]["message"] == translated("ru", "The last month comes before the first.")
    assert all(p["label"] for p in problems.values())
