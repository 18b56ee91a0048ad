"""The analysts' dashboard: SVG charts drawn on the server, each with its numbers in a table equal to reports.stats."""

import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from babel.numbers import format_decimal
from flask_babel import force_locale
from openpyxl import load_workbook

from grants.applications import eligibility
from grants.applications import outcome as app_outcome
from grants.applications.models import CHECKLIST
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import format_money
from grants.reference.models import CustomerBody, Direction, Region
from reports import charts, stats
from reports.models import HistoricalApplication
from tests.conftest import PAGE_LIMIT, page_weight
from tests.factories import (
    create_agreement,
    create_application,
    create_awarded_application,
    create_call,
    create_organization,
    create_user,
    end_intake,
    operator,
    signed_in,
)

URL = "/analyst/dashboard/"
ALMATY, KYZYLORDA, PAVLODAR = "750000000", "430000000", "550000000"
CHARTS = ("chart-regions", "chart-per-1000", "chart-kk-share", "chart-directions", "chart-funding",
          "chart-customers")


# --- reading the page as a person (or a screen reader) does ---------------------------------------------

class _Tables(HTMLParser):
    """Every table's rows as lists of cell texts, keyed by the table's id."""

    def __init__(self):
        super().__init__()
        self.tables, self._table, self._row, self._cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("id"), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(re.sub(r"[ \t\r\n]+", " ", "".join(self._cell)).strip())  # keeps no-break spaces
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html):
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def row_of(table, first_cell):
    found = [row for row in table if row[0] == first_cell]
    assert len(found) == 1, f"{first_cell!r} not once in {table}"
    return found[0]


def svg(html, chart_id):
    match = re.search(rf'<svg class="chart[^"]*" id="{chart_id}".*?</svg>', html, re.S)
    assert match, f"no chart {chart_id}"
    return match.group(0)


def en(value):
    return format_decimal(value, format="#,##0.##", locale="en")


# --- the world ------------------------------------------------------------------------------------------

def region(kato):
    return db.session.execute(sa.select(Region).where(Region.kato == kato)).scalar_one()


def apply(kato, language, awarded=False, call=None):
    owner = create_user("applicant")
    org = create_organization(owner=owner, kato=kato)
    application = create_application(owner=owner, org=org, call=call, language=language, submit=True)
    if awarded:  # as create_awarded_application, for this region's NGO
        end_intake(application.call)
        eligibility.review(operator(), application, "eligible", {code: True for code, _label in CHECKLIST})
        app_outcome.record_outcome(operator(), application, "awarded")
        db.session.commit()
    return application


def history(year, kato, language, outcome, amount="5000000.00", customer="MCI", direction=11, ref=None):
    """An imported application of the years before the platform."""
    org = create_organization(kato=kato)
    row = HistoricalApplication(
        ref=ref or f"H-{year}-{org.id}", year=year, call_code=f"{year}-MCI-01", instrument="state_grant",
        funding_source="republican", language=language, outcome=outcome,
        customer_id=db.session.execute(sa.select(CustomerBody.id).where(CustomerBody.code == customer)).scalar_one(),
        direction_id=db.session.execute(sa.select(Direction.id).where(Direction.code == direction)).scalar_one(),
        region_id=region(kato).id, organization_id=org.id, amount_requested=Decimal(amount),
        amount_awarded=Decimal(amount) if outcome == "awarded" else None, source_file="history.csv")
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def world(app):
    """Applications in kk and ru from three regions, on the platform (2026) and from the history (2023);
    registered NGO counts for two regions and none for Pavlodar; one agreement with an accepted report."""
    region(ALMATY).ngos_registered = 2000
    region(KYZYLORDA).ngos_registered = 400
    region(PAVLODAR).ngos_registered = None
    call = create_call(regions=(ALMATY, KYZYLORDA, PAVLODAR))
    apply(ALMATY, "ru", call=call)
    apply(KYZYLORDA, "kk", call=call)
    apply(PAVLODAR, "ru", call=call)
    apply(KYZYLORDA, "kk", awarded=True)
    agreement = create_agreement(language="kk")  # an Almaty NGO, awarded
    report = agreement.reports[0]
    report.status, report.submitted_at = "accepted", utcnow()
    report.beneficiaries, report.reach, report.jobs_created = 1250, 1400, 3
    report.cofunding, report.services_delivered, report.volunteers = Decimal("750000.00"), 42, 17
    history(2023, ALMATY, "ru", "awarded", "8000000.00")
    history(2023, ALMATY, "kk", "rejected")
    history(2023, KYZYLORDA, "kk", "awarded", "6000000.00", direction=1)
    db.session.commit()
    return agreement


@pytest.fixture
def analyst(app):
    return create_user("analyst", email="analyst@example.kz")


# --- the page -------------------------------------------------------------------------------------------

def test_the_page_shows_every_chart_as_an_accessible_svg_with_its_table(app, world, analyst):
    html = signed_in(app, analyst).get(URL).get_data(as_text=True)
    for chart_id in CHARTS:
        chart = svg(html, chart_id)
        assert 'role="img"' in chart and f'aria-labelledby="{chart_id}-t {chart_id}-d"' in chart
        assert f'<title id="{chart_id}-t">' in chart and f'<desc id="{chart_id}-d">' in chart
        assert "style=" not in chart  # colours come from CSS classes: the CSP forbids style attributes
    found = tables(html)
    assert {"table-regions", "table-kk-share", "table-directions", "table-funding", "table-customers"} <= set(found)
    assert html.count('<details class="data">') == 5
    assert "<script" not in html
    assert 'href="/analyst/"' in html  # back to the analyst's page: workbooks and API tokens


def test_the_tables_hold_the_numbers_of_the_statistics(app, world, analyst):
    found = tables(signed_in(app, analyst).get(URL).get_data(as_text=True))
    with force_locale("en"):
        per_region = {r["region"]: r for r in stats.per_thousand_ngos()}
        almaty = row_of(found["table-regions"], "Almaty")
        expected = per_region[ALMATY]
        assert almaty[1:4] == [en(expected["applications"]), en(expected["awarded"]),
                               format_money(expected["amount_awarded"])]
        assert almaty[1:3] == ["4", "2"]  # counted by hand: two in 2023 (one won), two in 2026 (one with its agreement)
        assert almaty[4:] == ["2,000", en(expected["applications_per_1000"]), en(expected["awarded_per_1000"])]
        assert almaty[5:] == ["2", "1"]  # 4 applications and 2 winners per 2,000 NGOs
        kyzylorda = row_of(found["table-regions"], "Kyzylorda Region")
        assert kyzylorda[1:3] == ["3", "2"] and kyzylorda[5] == "7.5"

        shares = {str(r["year"]): r for r in stats.kazakh_share("year")}
        for year in ("2023", "2026"):
            row = row_of(found["table-kk-share"], year)
            assert row[1:3] == [en(shares[year]["applications_kk"]), en(shares[year]["applications_ru"])]
            assert row[3] == charts.percent(shares[year]["kk_share_applications"], "en")
        assert row_of(found["table-kk-share"], "2023")[1:] == ["2", "1", "66.7%", "1", "1", "50%"]

        by_direction = {r["direction"]: r for r in stats.applications(["direction"])}
        youth = next(row for row in found["table-directions"] if row[0].startswith("11. "))
        assert youth[1:4] == [en(by_direction[11]["applications"]), en(by_direction[11]["ngos"]),
                              en(by_direction[11]["awarded"])]
        assert row_of(found["table-directions"], "1. Education")[1:4] == ["1", "1", "1"]

        republican = stats.applications(["funding_source"])[0]
        assert row_of(found["table-funding"], "Republican budget")[1:] == [
            en(republican["applications"]), en(republican["awarded"]), format_money(republican["amount_requested"]),
            format_money(republican["amount_awarded"])]
        mci = stats.applications(["customer"], stats.Filters(customer="MCI"))[0]
        ministry = row_of(found["table-customers"], "Ministry of Culture and Information of the Republic of Kazakhstan")
        assert ministry[4] == format_money(mci["amount_awarded"])


def test_regions_without_a_registered_count_say_no_data_rather_than_zero(app, world, analyst):
    html = signed_in(app, analyst).get(URL).get_data(as_text=True)
    assert row_of(tables(html)["table-regions"], "Pavlodar Region")[4:] == [
        "— not entered", "— number of NGOs not entered", "— number of NGOs not entered"]
    rates = svg(html, "chart-per-1000")
    pavlodar = re.search(r'<g class="row"><title>Pavlodar Region:.*?</g>', rates).group(0)
    assert ">no data</text>" in pavlodar and "<rect" not in pavlodar  # no bar standing for a false zero
    # the largest rate comes first: Kyzylorda (7.5 per 1,000) before Almaty (2), though Almaty filed more
    assert rates.index("Kyzylorda Region") < rates.index(">Almaty<")
    counts = svg(html, "chart-regions")
    assert counts.index(">Almaty<") < counts.index("Kyzylorda Region")


def test_region_and_direction_names_follow_the_interface_language(app, world, analyst):
    client = signed_in(app, analyst)
    kk = client.get(URL + "?lang=kk").get_data(as_text=True)
    assert "Алматы қаласы" in svg(kk, "chart-regions") and "город Алматы" not in kk
    assert row_of(tables(kk)["table-directions"], "1. Білім беру")
    ru = client.get(URL + "?lang=ru").get_data(as_text=True)
    assert "город Алматы" in svg(ru, "chart-regions") and "Алматы қаласы" not in ru
    assert row_of(tables(ru)["table-directions"], "1. Образование")
    assert row_of(tables(ru)["table-kk-share"], "2023")[3] == "66,7\u00a0%"  # the locale's own percent


def test_the_sectors_contribution_adds_up_the_monitoring_figures(app, world, analyst):
    html = signed_in(app, analyst).get(URL).get_data(as_text=True)

    def tile(key):
        match = re.search(rf'id="tile-{key}"><span class="tile-value[^"]*">([^<]*)</span>', html)
        assert match, key
        return match.group(1)

    years = stats.monitoring()
    with force_locale("en"):
        assert tile("beneficiaries") == en(sum(y["beneficiaries"] for y in years)) == "1,250"
        assert tile("jobs_created") == "3" and tile("services_delivered") == "42" and tile("volunteers") == "17"
        assert tile("cofunding") == format_money(Decimal("750000.00"))


def test_filters_narrow_every_chart(app, world, analyst):
    client = signed_in(app, analyst)
    html = client.get(URL + f"?from=2023&to=2023&region={KYZYLORDA}").get_data(as_text=True)
    found = tables(html)
    assert [row[0] for row in found["table-kk-share"][1:]] == ["2023"]
    assert row_of(found["table-regions"], "Kyzylorda Region")[1:3] == ["1", "1"]
    assert [row[0] for row in found["table-regions"][1:]] == ["Kyzylorda Region"]
    assert 'value="2023"' in html and f'<option value="{KYZYLORDA}" selected' in html
    empty = client.get(URL + "?from=2030").get_data(as_text=True)
    assert "No applications match these filters." in empty and "chart-regions" not in empty


@pytest.mark.parametrize("query, message", [
    ("from=20x3", "“20x3” is not a year"),
    ("from=2025&to=2020", "The first year (2025) is after the last (2020)"),
    ("direction=17", "“17” is not a direction"),
    ("instrument=grant", "“grant” is not one of the instruments"),
    ("funding_source=state", "“state” is not one of republican"),
    ("customer=NOPE", "no customer with the code “NOPE”"),
    ("region=123", "no region with the KATO code “123”"),
])
def test_a_bad_filter_is_refused_with_a_message(app, analyst, query, message):
    response = signed_in(app, analyst).get(f"{URL}?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'role="alert"' in html
    assert '<form method="get"' in html and "<svg" not in html  # the form to correct it, and no false charts


def test_every_label_is_escaped_in_the_svg(app, analyst):
    evil = '<script>alert("x")</script>'
    customer = CustomerBody(code="EVIL", level="republican", name_kk=evil, name_ru=evil, name_en=evil)
    db.session.add(customer)
    db.session.commit()
    create_awarded_application(call=create_call(customer_id=customer.id))
    client = signed_in(app, analyst)
    html = client.get(URL).get_data(as_text=True)
    assert "<script" not in html
    assert "&lt;script&gt;alert(" in svg(html, "chart-customers")
    bad = client.get(URL + "?instrument=<script>x</script>")
    assert bad.status_code == 400 and "<script" not in bad.get_data(as_text=True)


def test_only_those_who_read_statistics_open_it(app, world):
    assert signed_in(app, create_user("applicant")).get(URL).status_code == 403
    assert signed_in(app, create_user("expert")).get(URL).status_code == 403
    for role in ("analyst", "operator", "admin"):
        assert signed_in(app, create_user(role)).get(URL).status_code == 200
    assert app.test_client().get(URL).status_code == 302  # to the sign-in page


def test_the_page_stays_light_with_every_region_direction_and_customer(app, client, analyst):
    """Seven years × 20 regions × 16 directions from the history, through twenty customers."""
    regions = db.session.execute(sa.select(Region)).scalars().all()
    directions = db.session.execute(sa.select(Direction)).scalars().all()
    for n in range(16):
        db.session.add(CustomerBody(code=f"REG-{n}", level="republican",
                                    name_kk=f"Облыстың қоғамдық даму басқармасы {n}",
                                    name_ru=f"Управление общественного развития области номер {n}",
                                    name_en=f"Department of Public Development of Region number {n}"))
    for r in regions:
        r.ngos_registered = None if r.kato == PAVLODAR else 1000 + int(r.kato[:2]) * 10
    db.session.commit()
    customers = db.session.execute(sa.select(CustomerBody.id)).scalars().all()
    orgs = {r.id: create_organization(kato=r.kato).id for r in regions}
    rows = [dict(ref=f"R-{year}-{r.id}-{d.id}", year=year, call_code=f"{year}-01", instrument="state_grant",
                 funding_source=("republican", "local", "non_state")[(r.id + d.id) % 3],
                 customer_id=customers[(r.id * 16 + d.id) % len(customers)], direction_id=d.id, region_id=r.id,
                 language=("kk", "ru")[(year + d.id) % 2], organization_id=orgs[r.id],
                 outcome="awarded" if (r.id + d.id + year) % 4 == 0 else "rejected",
                 amount_requested=Decimal("12345678.90"),
                 amount_awarded=Decimal("12345678.90") if (r.id + d.id + year) % 4 == 0 else None,
                 source_file="history.xlsx")
            for year in range(2020, 2027) for r in regions for d in directions]
    db.session.execute(sa.insert(HistoricalApplication), rows)
    db.session.commit()
    client = signed_in(app, analyst, lang="ru")
    total, html = page_weight(client, URL)
    assert total < PAGE_LIMIT, f"the dashboard weighs {total} bytes"
    assert len(tables(html)["table-regions"]) == 1 + len(regions)
    assert len(tables(html)["table-customers"]) == 1 + len(customers)


# --- the chart helpers ----------------------------------------------------------------------------------

def test_bars_are_proportional_and_a_missing_value_has_no_bar(app):
    with force_locale("ru"):
        chart = charts.hbars("c", "Title", "Desc", [("A", (10, 5)), ("B", (None, 2))], ("One", "Two"),
                             missing="нет данных")
    widths = [float(w) for w in re.findall(r'<rect class="s\d" x="\d+" y="[\d.]+" width="([\d.]+)"', chart)]
    assert len(widths) == 3  # B has no bar for its missing value
    assert widths[1] == pytest.approx(widths[0] / 2, abs=0.1) and widths[2] == pytest.approx(widths[0] / 5, abs=0.1)
    assert ">нет данных</text>" in chart
    assert chart.startswith('<svg class="chart chart-bars" id="c" viewBox="0 0 400 ')


def test_bars_format_values_for_the_locale_and_escape_labels(app):
    with force_locale("ru"):
        chart = charts.hbars("c<", "T&", "D", [("<b>NGO</b>", (Decimal("1234567.50"),))], ("Amount",),
                             fmt=format_money)
    assert "1\u00a0234\u00a0567,50\u00a0₸" in chart
    assert "<b>" not in chart and "&lt;b&gt;NGO&lt;/b&gt;" in chart and 'id="c&lt;"' in chart and "T&amp;" in chart


def test_a_long_label_is_shortened_in_the_chart_and_whole_in_its_tooltip(app):
    label = "Protection of the rights and legitimate interests of citizens and organizations"
    chart = charts.hbars("c", "T", "D", [(label, (1,))], ("Count",))
    assert f"<title>{label}: Count 1</title>" in chart and "…</text>" in chart


def test_the_line_breaks_at_a_missing_year_and_reads_as_percent(app):
    with force_locale("en"):
        chart = charts.line("l", "T", "D", ["2020", "2021", "2022", "2023"], ("Applications", "Winners"),
                            [[Decimal("0.16"), Decimal("0.2"), Decimal("0.22"), Decimal("0.26")],
                             [Decimal("0.1"), None, Decimal("0.3"), Decimal("0.35")]])
    assert chart.count("<polyline") == 2  # a whole line, and the second series after its gap (2022–2023)
    assert chart.count("<circle") == 7
    assert ">100%</text>" in chart and ">0%</text>" in chart and ">26%</text>" in chart
    assert "Winners, 2023: 35%" in chart


def test_percent_and_number_follow_the_locale():
    assert charts.percent(Decimal("0.2567"), "ru") == "25,7\u00a0%"
    assert charts.percent(Decimal("0.16"), "kk") == "16%"
    assert charts.number(Decimal("1234.5"), "en") == "1,234.5"


def test_every_application_downloads_as_one_workbook_row_each(app, world, analyst):
    client = signed_in(app, analyst)
    answer = client.get("/analyst/dashboard/applications.xlsx?from=2023&to=2023")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].endswith("baiqau-applications-2023-2023.xlsx")
    content = answer.data
    answer.close()  # as a WSGI server does: the temporary file goes with the response
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    expected = sum(r["applications"] for r in stats.applications(["year"], stats.Filters(year_from=2023,
                                                                                        year_to=2023)))
    assert len(rows) == expected == 3  # the imported 2023 history only
    assert client.get("/analyst/dashboard/applications.xlsx?from=20x3").status_code == 400
    applicant = signed_in(app, create_user("applicant"))
    assert applicant.get("/analyst/dashboard/applications.xlsx").status_code == 403
