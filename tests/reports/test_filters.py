"""The one reading of the statistics filters (reports.filters): its refusals on a Kazakh and a Russian page, and
the API's English answers; every expected message is written out by hand."""

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from grants.extensions import db
from grants.i18n import astana_today
from grants.reference.models import Direction
from reports import tokens
from reports.filters import Refused, read
from reports.models import Workbook
from reports.stats import Filters
from tests.factories import create_user, request_workbook, signed_in

DASHBOARD = "/analyst/dashboard/"


@pytest.fixture
def analyst(app):
    return create_user("analyst", email="analyst@example.kz")


def token_of(user):
    _row, plaintext = tokens.issue(user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def test_a_kazakh_dashboard_names_every_bad_filter_in_kazakh(app, analyst):
    response = signed_in(app, analyst, lang="kk").get(f"{DASHBOARD}?from=20x3&region=123&direction=17")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Бастапқы жыл: «20x3» жыл емес. 2000–2100 аралығындағы жылды төрт цифрмен жазыңыз, мысалы: 2023." in html
    assert "Өңір: ӘАОЖ коды «123» болатын өңір жоқ. Өңірді тізімнен таңдаңыз." in html
    assert "Бағыт: «17» бағыттардың ешқайсысына сәйкес келмейді. Бағыттың нөмірін жазыңыз: 1–16." in html


def test_a_russian_dashboard_names_every_bad_filter_in_russian(app, analyst):
    response = signed_in(app, analyst, lang="ru").get(f"{DASHBOARD}?customer=NOPE&instrument=grant&from=2025&to=2020")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Заказчик: нет заказчика с кодом «NOPE». Выберите заказчика из списка." in html
    assert ("Вид поддержки: «grant» не входит в перечень видов государственной поддержки (state_grant, "
            "non_state_grant, sso, award, strategic_partnership).") in html
    assert ("Начальный год: начальный год (2025) позже конечного (2020). Конечный год не может быть раньше "
            "начального.") in html


def test_the_russian_workbook_form_refuses_years_in_the_wrong_order(app, analyst):
    client = signed_in(app, analyst, lang="ru")
    this_year = astana_today().year  # the form offers this year and the next when there is no data yet
    response = request_workbook(client, year_from=str(this_year + 1), year_to=str(this_year))
    assert response.status_code == 400
    assert (f"Начальный год: начальный год ({this_year + 1}) позже конечного ({this_year}). Конечный год не может "
            "быть раньше начального.") in response.get_data(as_text=True)
    assert db.session.execute(sa.select(Workbook)).first() is None


def test_the_directions_are_those_of_the_reference_table(app, analyst):
    db.session.execute(sa.delete(Direction).where(Direction.code == 16))
    db.session.commit()
    response = signed_in(app, analyst).get(f"{DASHBOARD}?direction=16")
    assert response.status_code == 400
    assert "Direction: “16” is not a direction. Write the number of one of them: 1–15." in response.get_data(
        as_text=True)
    assert signed_in(app, analyst).get(f"{DASHBOARD}?direction=15").status_code == 200


def test_the_api_answers_in_english_whatever_the_language_asked(app, client):
    headers = {**token_of(create_user("analyst")), "Accept-Language": "ru-RU,ru;q=0.9"}
    for query, message in [
        ("direction=17", "direction: “17” is not a direction. Write the number of one of them: 1–16."),
        ("region=75", "region: “75” is not a KATO code: nine digits, such as 750000000."),
        ("from=2020&from=2021", "from is given more than once; give it once."),
        ("customer=", "customer is empty; leave it out to count every value."),
        ("from=2023&to=2020", "from: The first year (2023) is after the last (2020). The last year must not be "
                              "before the first."),
    ]:
        response = client.get(f"/api/v1/stats/applications?{query}", headers=headers)
        assert response.status_code == 400 and response.get_json() == {"error": message}, query


def test_a_page_reads_blanks_as_everything_and_the_api_reads_codes_by_their_form(app):
    assert read({"from": " 2021 ", "to": "", "direction": "3", "region": ""}) == Filters(year_from=2021, direction=3)
    assert read(MultiDict({"region": "999999999", "customer": "NOBODY"}), exact=True) == Filters(
        region="999999999", customer="NOBODY")
    with pytest.raises(Refused) as refused:
        read({"region": "999999999", "customer": "NOBODY"})
    assert [problem.name for problem in refused.value.problems] == ["customer", "region"]
