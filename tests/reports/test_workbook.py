"""The statistics workbook: every sheet holds reports.stats' numbers, formatted for Excel, in the language asked."""

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from grants.applications import eligibility
from grants.extensions import db
from grants.reference.models import CustomerBody, Direction, Region
from grants.xlsx import text
from reports import stats, tokens
from reports.stats import Filters
from reports.workbook import MONEY, SHARE, build, filename
from tests.conftest import translated
from tests.factories import (
    create_application,
    create_awarded_application,
    create_history,
    create_organization,
    create_user,
    end_intake,
    operator,
)

EVIL = '=HYPERLINK("http://evil.example/","click")'


@pytest.fixture
def world():
    """2020–2021 from history in Astana, Almaty and Kyzylorda; this year's platform applications in Almaty."""
    astana = create_organization(kato="710000000")
    create_history(2020, "710000000", "kk", "awarded", "2500000.00", org=astana)
    create_history(2020, "710000000", "ru", org=astana, call="H-2020-07")
    create_history(2020, "750000000", "ru", "ineligible", direction=3)
    create_history(2021, "750000000", "kk", "awarded", "1800000.50", customer="ALA-IP", funding="local")
    create_history(2021, "430000000", "ru", "rejected", instrument="award", call="H-2021-01")
    awarded = create_awarded_application(language="kk")
    create_application(language="ru", submit=True)
    stopped = create_application(language="ru", submit=True)
    end_intake(stopped.call)
    eligibility.review(operator(), stopped, "ineligible", {}, reason_codes=["TOPIC", "AMOUNT"], comment="Нет.")
    db.session.commit()
    return awarded


def read(content):
    return load_workbook(io.BytesIO(content))


def rows_of(sheet):
    return [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]


def money(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


def by(rows, *columns):
    return {tuple(r[c] for c in columns): r for r in rows}


def test_every_sheet_holds_the_statistics_numbers(world):
    book = read(build(Filters(), "en", "Test Analyst"))
    assert len(book.sheetnames) == 11 and book.sheetnames[0] == "About"
    regions, by_year, lang_year, lang_call, directions, funding, instruments, per_1000, monitoring, reasons = (
        book.worksheets[1:])

    found = by(rows_of(regions), 1)
    for row in stats.applications(["region"]):
        cells = found[(row["region"],)]
        assert cells[2:5] == [row["applications"], row["ngos"], row["awarded"]]
        assert money(cells[5]) == row["amount_requested"] and money(cells[6]) == row["amount_awarded"]
    assert found[("710000000",)][0] == "Astana" and found[("710000000",)][2:5] == [2, 1, 1]
    assert found[("750000000",)][2] == 5  # two imported, three on the platform
    assert found[("790000000",)][2:5] == [0, 0, 0]  # a region without applications is listed with zeros
    counts = [r[2] for r in rows_of(regions)]
    assert counts == sorted(counts, reverse=True)  # the largest first, as the chart shows them

    found = by(rows_of(by_year), 1, 2)
    expected = stats.applications(["region", "year"])
    assert len(found) == len(expected)
    for row in expected:
        cells = found[(row["region"], row["year"])]
        assert cells[3:6] == [row["applications"], row["ngos"], row["awarded"]]
        assert money(cells[7]) == row["amount_awarded"]
    assert money(found[("750000000", 2021)][7]) == Decimal("1800000.50")

    found = by(rows_of(lang_year), 0)
    for row in stats.kazakh_share("year"):
        cells = found[(row["year"],)]
        assert cells[1:3] == [row["applications_kk"], row["applications_ru"]]
        assert cells[3] == pytest.approx(float(row["kk_share_applications"]))
        assert cells[4:6] == [row["awarded_kk"], row["awarded_ru"]]
    assert found[(2020,)][1:4] == [1, 2, pytest.approx(0.3333)]

    found = by(rows_of(lang_call), 0)
    assert {k[0] for k in found} == {r["call"] for r in stats.kazakh_share("call")}
    assert found[("H-2020-07",)][1:3] == [0, 1]

    found = by(rows_of(directions), 0, 2)
    for row in stats.applications(["direction", "year"]):
        assert found[(row["direction"], row["year"])][3] == row["applications"]
    assert found[(3, 2020)][1] == db.session.execute(sa.select(Direction).where(Direction.code == 3)).scalar_one(
    ).name_en

    found = by(rows_of(funding), 1, 3)
    for row in stats.applications(["funding_source", "customer", "year"]):
        assert found[(row["customer"], row["year"])][4] == row["applications"]
    assert found[("ALA-IP", 2021)][0] == "Local budget"

    found = by(rows_of(instruments), 0)
    assert found[("Award",)][1] == 1 and found[("State grant",)][1] == 7

    found = by(rows_of(per_1000), 1)
    for row in stats.per_thousand_ngos():
        cells = found[(row["region"],)]
        assert cells[3:5] == [row["applications"], row["awarded"]]
        if row["ngos_registered"] is not None:
            assert cells[2] == row["ngos_registered"]
            assert cells[6] == pytest.approx(float(row["applications_per_1000"]))

    assert rows_of(monitoring) == []  # no agreement in this world: the next test fills the sheet

    found = by(rows_of(reasons), 0)
    assert {k[0]: r[2] for k, r in found.items()} == {r["code"]: r["applications"] for r in stats.reasons()}
    assert found[("TOPIC",)][1:] == ["Does not fit the topic's goal", 1]


def test_the_monitoring_sheet_counts_the_agreements_and_their_money(world):
    from tests.factories import create_agreement

    create_agreement()  # signed today; its budget: 10 days of training at 300 000 ₸, a call of budget year 2026
    terminated = create_agreement()
    from grants.agreements import services as agreements

    agreements.terminate(operator(), terminated, "non_performance", "Не исполнено.", Decimal("0.00"),
                         terminated.starts_on)
    db.session.commit()
    monitoring = read(build(Filters(), "en", "Test Analyst"))["Monitoring"]
    (row,) = rows_of(monitoring)
    assert row[:4] == [2026, 2, 0, 1] and money(row[4]) == Decimal("6000000.00")  # two agreements of 3 000 000


def test_the_filters_narrow_every_sheet_and_the_first_sheet_says_what_was_asked(world):
    filters = Filters(year_from=2020, year_to=2021, region="750000000")
    book = read(build(filters, "en", "Aigerim Analyst <a@example.kz>",
                      now=datetime(2026, 3, 1, 7, 30, tzinfo=UTC)))
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True) if r and r[0]}
    assert about["Years"] == "2020–2021" and about["Region"] == "Almaty" and about["Instrument"] == "all"
    assert about["Requested by"] == "Aigerim Analyst <a@example.kz>"
    assert about["Built on (Astana time)"] == datetime(2026, 3, 1, 12, 30)  # UTC+5
    assert about["Applications submitted on the platform"] == 0  # this year's are outside 2020–2021
    assert about["Applications of earlier years, imported"] == 2
    assert isinstance(about["Newest data (Astana time)"], datetime)
    regions = rows_of(book.worksheets[1])
    assert [(r[1], r[2]) for r in regions] == [("750000000", 2)]
    assert {r[2] for r in rows_of(book.worksheets[2])} == {2020, 2021}
    assert filename(filters, "kk") == "baiqau-statistics-2020-2021-kk.xlsx"


def test_numbers_are_numbers_with_formats_frozen_headers_filters_and_charts(world):
    book = read(build(Filters(), "en", "Test"))
    for sheet in book.worksheets[1:]:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref.startswith("A1:") and sheet.auto_filter.ref.endswith(str(sheet.max_row))
        assert all(cell.font.b for cell in sheet[1])
        assert all(sheet.column_dimensions[c.column_letter].width >= 4 for c in sheet[1])
    regions = book.worksheets[1]
    assert regions.auto_filter.ref == f"A1:G{regions.max_row}"
    assert regions["C2"].data_type == "n" and isinstance(regions["C2"].value, int)
    assert regions["G2"].number_format == MONEY and isinstance(regions["G2"].value, float)
    share = book.worksheets[3]
    assert share["D2"].number_format == SHARE == "0.0%" and 0 <= share["D2"].value <= 1
    assert len(regions._charts) == 1 and regions._charts[0].tagname == "barChart"
    assert len(share._charts) == 1 and share._charts[0].tagname == "lineChart"


def test_labels_follow_the_language_asked(world):
    kk, en = read(build(Filters(), "kk", "Тест")), read(build(Filters(), "en", "Test"))
    assert kk.worksheets[1]["A1"].value == translated("kk", "Region") and en.worksheets[1]["A1"].value == "Region"
    kk_names = {r[1]: r[0] for r in rows_of(kk.worksheets[1])}
    en_names = {r[1]: r[0] for r in rows_of(en.worksheets[1])}
    astana = db.session.execute(sa.select(Region).where(Region.kato == "710000000")).scalar_one()
    assert kk_names["710000000"] == astana.name_kk != en_names["710000000"] == astana.name_en
    kk_sources = {r[0] for r in rows_of(kk.worksheets[6])}
    assert translated("kk", "Republican budget") in kk_sources and "Republican budget" not in kk_sources
    assert kk.worksheets[4]["A1"].value == translated("kk", "Call")


def test_text_typed_by_people_cannot_run_as_a_formula(world):
    customer = CustomerBody(code="EVIL", level="republican", name_kk=EVIL, name_ru=EVIL, name_en=EVIL)
    db.session.add(customer)
    db.session.commit()
    create_history(2022, "750000000", "kk", customer="EVIL", call="+77012345678")
    book = read(build(Filters(), "en", "@SUM(A1:A9)"))
    funding = by(rows_of(book.worksheets[6]), 1)
    cell = funding[("EVIL",)][2]
    assert cell == "'" + EVIL
    calls = {r[0] for r in rows_of(book.worksheets[4])}
    assert "'+77012345678" in calls
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True) if r and r[0]}
    assert about["Requested by"] == "'@SUM(A1:A9)"
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert all(c.data_type != "f" for c in row), sheet.title
    assert text("-1") == "'-1" and text("\tx") == "'\tx" and text("Жастар") == "Жастар" and text("a\x07b") == "ab"


def test_an_empty_database_still_gives_a_workbook():
    book = read(build(Filters(year_from=1999, year_to=1999), "ru", "Тест"))
    assert len(book.worksheets) == 11
    assert rows_of(book.worksheets[3]) == [] and book.worksheets[3]._charts == []
    assert book.worksheets[1].max_row == 1 + db.session.execute(
        sa.select(sa.func.count()).select_from(Region).where(Region.active)).scalar_one()


def test_progress_is_reported_after_each_sheet(world):
    seen = []
    build(Filters(), "ru", "Тест", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(n, 11) for n in range(1, 12)]


def test_an_unknown_language_is_refused():
    with pytest.raises(stats.BadFilter):
        build(Filters(), "de", "Test")


def test_the_command_line_writes_the_same_workbook(app, world, tmp_path):
    out = tmp_path / "stats.xlsx"
    result = app.test_cli_runner().invoke(args=["reports", "build", "--from", "2020", "--to", "2021", "--lang", "en",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = read(out.read_bytes())
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True) if r and r[0]}
    assert about["Requested by"] == "command line" and about["Years"] == "2020–2021"
    assert {r[0]: r[1] for r in rows_of(book.worksheets[3])} == {2020: 1, 2021: 1}


def test_the_command_line_refuses_bad_filters(app, tmp_path):
    runner = app.test_cli_runner()
    out = str(tmp_path / "x.xlsx")
    result = runner.invoke(args=["reports", "build", "--from", "2023", "--to", "2020", "--out", out])
    assert result.exit_code != 0 and "from must not be after to" in result.output
    assert not (tmp_path / "x.xlsx").exists()
    result = runner.invoke(args=["reports", "build", "--lang", "de", "--out", out])
    assert result.exit_code != 0


def test_the_workbook_and_the_api_give_the_same_numbers(app, world):
    """An analyst who checks the workbook against the API finds the same figures, cell for cell."""
    analyst = create_user("analyst")
    _row, token = tokens.issue(analyst, "check")
    db.session.commit()
    answer = app.test_client().get("/api/v1/stats/applications?group_by=region,year",
                                   headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    api = {(r["region"], r["year"]): r for r in answer.get_json()["rows"]}
    sheet = read(build(Filters(), "ru", "Test Analyst")).worksheets[2]  # regions by year
    cells = by(rows_of(sheet), 1, 2)
    assert set(cells) == set(api)
    for key, row in api.items():
        assert cells[key][3:6] == [row["applications"], row["ngos"], row["awarded"]]
        assert money(cells[key][6]) == Decimal(row["amount_requested"])
        assert money(cells[key][7]) == Decimal(row["amount_awarded"])
    share = app.test_client().get("/api/v1/stats/kazakh-share?by=year",
                                  headers={"Authorization": f"Bearer {token}"}).get_json()["rows"]
    lang_year = by(rows_of(read(build(Filters(), "ru", "Test Analyst")).worksheets[3]), 0)
    for row in share:
        assert lang_year[(row["year"],)][1:3] == [row["applications_kk"], row["applications_ru"]]


def test_sheet_names_fit_excel_without_a_word_cut():
    """Excel allows 31 characters: a longer name is cut at a word boundary, and the names of the sheets fit whole."""
    from flask_babel import force_locale

    from grants.i18n import _
    from reports.workbook import SHEETS, sheet_title

    assert sheet_title("Талаптарға сәйкес келмеу себептері бойынша", set()) == "Талаптарға сәйкес келмеу"
    assert sheet_title("Причины несоответствия требованиям", set()) == "Причины несоответствия"
    taken = set()
    assert sheet_title("Reasons", taken) == "Reasons" and sheet_title("Reasons", taken) == "Reasons (2)"
    for lang in ("kk", "ru", "en"):
        with force_locale(lang):
            for title in (_("About"), *(str(t) for t, _fill in SHEETS)):
                assert len(title) <= 31, (lang, title)


def test_a_region_without_its_registered_ngos_says_so_on_the_per_1000_sheet_in_every_language(world):
    """The reference data gives registered NGOs for 5 regions of 20 (DOMAIN.md); the others are not entered."""
    pavlodar = db.session.execute(sa.select(Region).where(Region.kato == "550000000")).scalar_one()
    assert pavlodar.ngos_registered is None
    for language in ("en", "kk", "ru"):
        sheet = read(build(Filters(), language, "Test")).worksheets[8]
        found = by(rows_of(sheet), 1)
        words = translated(language, "not entered"), translated(language, "number of NGOs not entered")
        assert found[("550000000",)][2] == f"— {words[0]}"
        assert found[("550000000",)][6:8] == [f"— {words[1]}"] * 2
        assert isinstance(found[("710000000",)][2], int)  # Astana's 3,554 is entered: a number still
        blank = [(r[1], i) for r in rows_of(sheet) for i, v in enumerate(r) if v is None]
        assert blank == [], f"{language}: blank cells {blank}"
