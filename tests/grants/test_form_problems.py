"""Forms say every problem at once, each beside its field and named in the summary above the form."""

import re
from html import unescape

import sqlalchemy as sa

from grants.extensions import db
from grants.reference.models import CustomerBody
from tests.conftest import csrf_token, login, post_form, translated
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


# --- a new call --------------------------------------------------------------------------------

def call_form(**changes):
    from tests.factories import call_data

    form = {k: v for k, v in call_data().items() if not k.endswith("_at")}
    form.update(opens_at="2026-12-01T09:00", deadline_at="2026-12-25T18:00", accepts_kk="y", accepts_ru="y")
    form.update(changes)
    return {k: ("" if v is None else v) for k, v in form.items() if v is not False}


def test_a_new_call_shows_every_problem_at_once_beside_its_field(app, client):
    from tests.factories import create_call, operator

    taken = create_call(published=False, topics=0)
    local = db.session.execute(sa.select(CustomerBody).where(CustomerBody.level == "local")).scalars().first()
    login(client, operator().email)
    client.get("/?lang=ru")
    form = call_form(code=taken.code.lower(), budget_year="2031", opens_at="2026-12-25T18:00",
                     deadline_at="2026-12-01T09:00", customer_id=local.id, funding_source="republican")
    form.pop("accepts_kk"), form.pop("accepts_ru")
    response = post_form(client, "/manage/calls/new", form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    by_field = {fid: message for fid, _label, message in summary(html)}
    # the missing MCI says where to mend it, with a link to that page of the reference data
    assert 'href="/admin/reference/mrp/"' in by_field["budget_year"]
    by_field["budget_year"] = re.sub(r"<[^>]+>", "", by_field["budget_year"])
    assert by_field == {
        "code": translated("ru", "Another call already has the code %(code)s.", code=taken.code),
        "budget_year": translated("ru", "There is no MCI for %(year)d in the reference data. An administrator adds "
                                  "the year's MCI under %(place)s; then the call can be saved.", year=2031,
                                  place=translated("ru", "Reference data") + " → "
                                  + translated("ru", "MCI (monthly calculation index) by year")),
        "deadline_at": translated("ru", "The deadline must come after the opening of intake."),
        "accepts_kk": translated("ru", "Accept applications in at least one language."),
        "funding_source": translated("ru", "A %(source)s call needs a customer body of the same budget level.",
                                     source=translated("ru", "republican budget")),
    }
    for fid in by_field:  # each beside its field too
        assert f'id="{fid}-err"' in html


def test_zero_experts_says_what_is_allowed(app, client):
    from tests.factories import operator

    login(client, operator().email)
    client.get("/?lang=kk")
    response = post_form(client, "/manage/calls/new", call_form(experts_per_application="0"))
    by_field = {fid: message for fid, _label, message in summary(response.get_data(as_text=True))}
    assert by_field == {"experts_per_application": translated("kk", "Number must be between %(min)s and %(max)s.",
                                                              min="1", max="15")}


def test_the_new_call_forms_defaults_are_a_valid_pair(app, client):
    """The first customer body (an akimat, local) with the first funding source (republican) always failed."""
    from tests.factories import operator

    login(client, operator().email)
    page = client.get("/manage/calls/new?lang=en").get_data(as_text=True)
    customer = int(re.search(r'<select[^>]*name="customer_id".*?<option[^>]*value="(\d+)"', page, re.S).group(1))
    source = re.search(r'<select[^>]*name="funding_source".*?<option[^>]*selected[^>]*value="(\w+)"|'
                       r'<select[^>]*name="funding_source".*?<option[^>]*value="(\w+)"[^>]*selected', page, re.S)
    assert source, "no funding source chosen by default"
    level = db.session.get(CustomerBody, customer).level
    assert (source.group(1) or source.group(2)) == str(level)


# --- a score sheet -----------------------------------------------------------------------------

def test_a_score_sheet_with_11_minus_1_and_abc_reports_all_three_beside_their_criteria(app, client):
    from scoring.assignments import services as assignments
    from scoring.sheets import services as sheets
    from tests.worlds import scored_call

    call, _apps, (expert,) = scored_call()
    (assignment,) = assignments.call_assignments(call)
    first, second, third, *rest = sheets.criteria(call)
    login(client, expert.user.email)
    client.get("/?lang=ru")
    data = {f"points-{first.id}": "11", f"points-{second.id}": "−1".replace("−", "-"), f"points-{third.id}": "abc",
            "action": "save"} | {f"points-{c.id}": "1" for c in rest}
    response = post_form(client, f"/expert/assignments/{assignment.id}/sheet", data,
                         page=f"/expert/assignments/{assignment.id}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    by_field = {fid: message for fid, _label, message in summary(html)}
    with_max = "%(criterion)s: from 0 to %(max)d points."
    assert by_field == {
        f"points-{first.id}": translated("ru", with_max, criterion=first.name_ru, max=first.max_points),
        f"points-{second.id}": translated("ru", with_max, criterion=second.name_ru, max=second.max_points),
        f"points-{third.id}": translated("ru", "%(criterion)s: points must be a number.", criterion=third.name_ru),
    }
    for fid in by_field:
        assert f'id="{fid}-err"' in html
    assert 'value="abc"' in html and 'value="11"' in html


def test_submitting_a_sheet_names_every_criterion_left_unscored(app, client):
    from scoring.assignments import services as assignments
    from scoring.sheets import services as sheets
    from tests.worlds import scored_call

    call, _apps, (expert,) = scored_call()
    (assignment,) = assignments.call_assignments(call)
    first, *rest = sheets.criteria(call)
    login(client, expert.user.email)
    client.get("/?lang=kk")
    response = post_form(client, f"/expert/assignments/{assignment.id}/sheet",
                         {f"points-{first.id}": str(first.max_points), "action": "submit"},
                         page=f"/expert/assignments/{assignment.id}")
    assert response.status_code == 400
    fields = {fid for fid, _label, _message in summary(response.get_data(as_text=True))}
    assert fields == {f"points-{c.id}" for c in rest}
