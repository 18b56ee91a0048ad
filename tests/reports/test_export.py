"""The raw export: one XLSX row per application, streamed, split at the sheet's row limit, safe to open."""

import io
from collections import Counter
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import force_locale, gettext, pgettext
from openpyxl import load_workbook

from grants.extensions import db
from grants.organizations.models import Organization
from grants.reference.models import CustomerBody, Direction, Region
from reports import stats
from reports.export import write_applications_xlsx
from reports.facts import facts
from reports.stats import Filters
from tests.factories import (
    create_application,
    create_awarded_application,
    create_history,
    create_organization,
    end_intake,
)

EVIL = '=cmd|"/c calc"!A1'  # call codes are at most 32 characters


def export(filters=None, language="en", **kwargs):
    out = io.BytesIO()
    count = write_applications_xlsx(out, filters or Filters(), language, **kwargs)
    out.seek(0)
    return count, load_workbook(out)


def data_rows(book):
    rows = []
    for sheet in book.worksheets:
        rows += [tuple(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    return rows


# The English words, written out here rather than read from the enums the export uses.
INSTRUMENTS_EN = {"state_grant": "State grant", "award": "Award", "sso": "State social order"}
SOURCES_EN = {"republican": "Republican budget", "local": "Local budget", "non_state": "Non-state funds"}
LANGUAGES_EN = {"kk": "Kazakh", "ru": "Russian"}
OUTCOMES_EN = {"submitted": "Submitted", "ineligible": "Ineligible", "rejected": "Not supported",
               "awarded": "Awarded"}


def expected_rows():
    """The facts, read independently of the export, labelled in English, amounts as float."""
    f = facts()
    query = sa.select(f.c.year, f.c.call_code, f.c.instrument, f.c.funding_source, f.c.customer_id, f.c.direction_id,
                      f.c.region_id, f.c.language, f.c.organization_id, f.c.outcome, f.c.amount_requested,
                      f.c.amount_awarded)
    customers = {c.id: (c.name_en, c.code) for c in db.session.execute(sa.select(CustomerBody)).scalars()}
    directions = {d.id: (d.name_en, d.code) for d in db.session.execute(sa.select(Direction)).scalars()}
    regions = {r.id: (r.name_en, r.kato) for r in db.session.execute(sa.select(Region)).scalars()}
    bins = dict(db.session.execute(sa.select(Organization.id, Organization.bin)).all())
    found = []
    for (year, call, instrument, funding, customer, direction, region, language, org, outcome, requested,
         awarded) in db.session.execute(query):
        found.append((year, call, INSTRUMENTS_EN[instrument], SOURCES_EN[funding], *customers[customer],
                      *directions[direction], *regions[region], LANGUAGES_EN[language], bins[org],
                      OUTCOMES_EN[outcome], None if requested is None else float(requested),
                      None if awarded is None else float(awarded)))
    return found


def seven():
    create_history(2020, "710000000", "kk", "awarded", "2500000.50")
    create_history(2020, "750000000", "ru", "ineligible", direction=3)
    create_history(2021, "750000000", "kk", "awarded", "1800000.00", customer="ALA-IP", funding="local")
    create_history(2021, "430000000", "ru", "rejected", instrument="award", call="H-2021-01")
    create_history(2022, "710000000", "ru")
    create_awarded_application(language="kk")
    create_application(language="ru", submit=True)


def test_every_application_is_a_row_with_its_names_codes_and_amounts():
    seven()
    count, book = export()
    assert count == 7 and book.sheetnames == ["Applications"]
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == [
        "Year", "Call code", "Instrument", "Funding source", "Customer", "Customer code", "Direction",
        "Direction No.", "Region", "Region (KATO)", "Language", "NGO BIN", "Outcome", "Amount requested, ₸",
        "Amount awarded, ₸"]
    assert sheet.freeze_panes == "A2"
    rows = data_rows(book)
    assert Counter(rows) == Counter(expected_rows())
    awarded = next(r for r in rows if r[14] == 2500000.5)
    assert awarded[:4] == (2020, "H-2020-03", "State grant", "Republican budget")
    assert awarded[8:11] == ("Astana", "710000000", "Kazakh") and awarded[12:14] == ("Awarded", 1e6)
    assert sum(r[14] is None for r in rows) == 4  # not awarded: the cell is empty, not 0
    money = next(c for c in sheet[2:sheet.max_row] if c[14].value == 2500000.5)[14]
    assert money.data_type == "n" and "₸" in money.number_format  # a number in tenge, not text
    assert all(isinstance(r[11], str) and len(r[11]) == 12 for r in rows)  # BINs keep their leading zeros
    codes = {"state_grant", "award", "republican", "local", "kk", "ru", "submitted", "awarded", "rejected",
             "ineligible"}
    assert not codes & {value for row in rows for value in row}  # no code where a word belongs


def test_a_sealed_application_s_amount_requested_is_empty_until_the_deadline():
    application = create_application(language="ru", submit=True)
    asked = float(sum(line.total for line in application.budget_lines))
    assert asked > 0
    [row] = data_rows(export()[1])
    assert row[12] == "Submitted" and row[13] is None  # counted, but what it asks is sealed
    assert stats.applications(["year"])[0]["amount_requested"] == 0
    end_intake(application.call)
    [row] = data_rows(export()[1])
    assert row[13] == asked
    assert float(stats.applications(["year"])[0]["amount_requested"]) == asked


def test_filters_narrow_the_export():
    seven()
    count, book = export(Filters(year_from=2021, year_to=2021))
    assert count == 2 and {r[0] for r in data_rows(book)} == {2021}
    count, book = export(Filters(region="710000000", year_to=2022))
    assert count == 2 and {r[9] for r in data_rows(book)} == {"710000000"}


def test_a_new_sheet_begins_at_the_row_limit():
    seven()
    count, book = export(max_rows_per_sheet=3)
    assert count == 7
    assert book.sheetnames == ["Applications 1", "Applications 2", "Applications 3"]
    assert [s.max_row for s in book.worksheets] == [4, 4, 2]  # each with its own header
    assert all(s["A1"].value == "Year" for s in book.worksheets)
    assert Counter(data_rows(book)) == Counter(expected_rows())


def test_an_empty_export_is_a_valid_file_with_the_header():
    count, book = export()
    assert count == 0 and book.worksheets[0].max_row == 1 and book.worksheets[0]["A1"].value == "Year"


def test_text_cannot_run_as_a_formula_and_any_script_survives():
    org = create_organization(kato="710000000")
    create_history(2020, "710000000", "kk", call=EVIL, org=org)
    create_history(2020, "710000000", "ru", call="Әлеуметтік <жоба> & «грант»", org=org)
    _count, book = export(language="kk")
    calls = {r[1] for r in data_rows(book)}
    assert "'" + EVIL in calls and EVIL not in calls
    assert "Әлеуметтік <жоба> & «грант»" in calls
    sheet = book.worksheets[0]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert sheet["A1"].value != "Year"  # the headers are in Kazakh
    assert isinstance(sheet["N2"].value, float) and Decimal(str(sheet["N2"].value)) == Decimal("1000000")
    # The values are Kazakh words too: the instrument, the funding source, the language and the outcome.
    with force_locale("kk"):
        words = (gettext("State grant"), gettext("Republican budget"), pgettext("application status", "Submitted"),
                 gettext("Kazakh"), gettext("Russian"))
    assert "Мемлекеттік грант" in words
    for row in sheet.iter_rows(min_row=2, values_only=True):
        assert (row[2], row[3], row[12]) == words[:3] and row[10] in words[3:]
