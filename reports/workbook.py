"""The statistics workbook: a sheet per statistic of reports/stats.py, labelled in the analyst's language.

Every number is computed by reports.stats (GROUP BY in the database); this module only lays the
grouped rows out with openpyxl: numbers as numbers, tenge and percent formats, frozen headers,
filters, two native charts, and text cells that cannot run as formulas.

One piece although long: each sheet is a short function over the same `table` and `Names`, and the about
sheet describes them all; split, a new statistic would be added in two places.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO

import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from grants.applications.models import Application, Status
from grants.calls.models import INSTRUMENT_TITLES, FundingSource, Instrument
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import ALMATY, LANGUAGE_NAMES, _, _l, missing
from grants.reference.models import CustomerBody, Direction, ReasonCode, Region
from grants.xlsx import text
from reports import stats
from reports.models import HistoricalApplication

LANGUAGES = ("kk", "ru", "en")
MONEY = '#,##0.00 "₸"'
SHARE = "0.0%"
COUNT = "#,##0"
RATE = "0.00"
MOMENT = "dd.mm.yyyy hh:mm"
SHEET_TITLE_UNSAFE = str.maketrans({c: " " for c in "[]:*?/\\"})
MAX_WIDTH = 48
HEADER_WIDTH = 24  # a longer header wraps instead of widening its column


def cell_value(value):
    """What openpyxl writes: numbers as numbers (Decimal as float, formatted by the column), text neutralised."""
    if value is None or isinstance(value, bool | int | float | datetime):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return text(value)


class Names:
    """Names of the reference rows in the current locale, loaded once: plain dicts, so a commit expires nothing."""

    def __init__(self):
        def named(model, key):
            return {getattr(row, key): row.name for row in db.session.execute(sa.select(model)).scalars()}

        self.regions = named(Region, "kato")
        self.directions = named(Direction, "code")
        self.customers = named(CustomerBody, "code")
        self.reasons = named(ReasonCode, "code")
        self.active_regions = list(db.session.execute(
            sa.select(Region.kato).where(Region.active).order_by(Region.kato)).scalars())

    @staticmethod
    def instrument(code):
        return str(INSTRUMENT_TITLES[Instrument(code)]) if code in Instrument.__members__ else code

    @staticmethod
    def funding_source(code):
        return str(FundingSource(code).title) if code in FundingSource.__members__ else code


def years_text(filters):
    if filters.year_from is not None and filters.year_to is not None:
        if filters.year_from == filters.year_to:
            return str(filters.year_from)
        return f"{filters.year_from}–{filters.year_to}"
    if filters.year_from is not None:
        return _("from %(year)s", year=filters.year_from)
    if filters.year_to is not None:
        return _("up to %(year)s", year=filters.year_to)
    return _("all years")


def describe(filters, names):
    """The filters in words, in the current locale: [(label, value)], every filter listed."""
    everything = _("all")

    def named(value, table):
        return everything if value is None else f"{table.get(value, value)}"

    return [
        (_("Years"), years_text(filters)),
        (_("Instrument"), everything if filters.instrument is None else names.instrument(filters.instrument)),
        (_("Customer"), named(filters.customer, names.customers)),
        (_("Funding source"),
         everything if filters.funding_source is None else names.funding_source(filters.funding_source)),
        (_("Region"), named(filters.region, names.regions)),
        (_("Direction"), everything if filters.direction is None
         else f"{filters.direction}. {names.directions.get(filters.direction, '')}".rstrip(". ")),
    ]


def summary(filters, names):
    """The filters in one line, for the history of workbooks: the years, then whatever narrows them."""
    chosen = (filters.instrument, filters.customer, filters.funding_source, filters.region, filters.direction)
    described = describe(filters, names)[1:]
    return " · ".join([years_text(filters)] + [value for (_label, value), choice in zip(described, chosen, strict=True)
                                               if choice is not None])


def filename(filters, language):
    """baiqau-statistics-2020-2023-kk.xlsx"""
    start, end = filters.year_from, filters.year_to
    if start is not None and end is not None:
        years = str(start) if start == end else f"{start}-{end}"
    elif start is not None:
        years = f"{start}-now"
    elif end is not None:
        years = f"to-{end}"
    else:
        years = "all-years"
    return f"baiqau-statistics-{years}-{language}.xlsx"


# --- laying out a table --------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    title: str
    format: str | None = None  # None: text or a plain number (a year, a code)
    missing: object = None  # what a cell says where its figure is None, after the dash: why it is missing
    charted: bool = False  # a chart reads it: a missing figure stays an empty cell (a gap; a chart draws text
    #                        as zero) and the dash with its reason goes into the cell's comment


def _width(value, number_format):
    if value is None:
        return 0
    if isinstance(value, float):
        return len(f"{value:,.2f}") + (2 if number_format == MONEY else 0)
    if isinstance(value, datetime):
        return 16
    return len(str(value))


def table(sheet, columns, rows):
    """Header row (bold, frozen, filtered) and the rows below it; returns the last row's number."""
    sheet.append([text(c.title) for c in columns])
    widths = [min(len(c.title), HEADER_WIDTH) for c in columns]
    for row in rows:
        # A missing figure is never a bare blank cell (read as nothing, or as zero): a dash and, where known, why.
        values = [None if v is None and c.charted else text(missing(c.missing)) if v is None else cell_value(v)
                  for v, c in zip(row, columns, strict=True)]
        sheet.append(values)
        for index, (value, column) in enumerate(zip(row, columns, strict=True), start=1):
            if value is None and column.charted:
                sheet.cell(row=sheet.max_row, column=index).comment = Comment(missing(column.missing), "Baiqau")
        for i, (value, column) in enumerate(zip(values, columns, strict=True)):
            widths[i] = max(widths[i], _width(value, column.format))
    last = sheet.max_row
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(widths[index - 1] + 2, MAX_WIDTH)
        if column.format:
            for (cell,) in sheet.iter_rows(min_row=2, max_row=last, min_col=index, max_col=index):
                cell.number_format = column.format
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"
    return last


MEASURES = (("applications", _l("Applications"), COUNT), ("ngos", _l("NGOs that applied"), COUNT),
            ("awarded", _l("Grants awarded"), COUNT), ("amount_requested", _l("Amount requested, ₸"), MONEY),
            ("amount_awarded", _l("Amount awarded, ₸"), MONEY))


def measure_columns():
    return [Column(str(title), fmt) for _key, title, fmt in MEASURES]


def measures(row):
    return [row[key] for key, _title, _fmt in MEASURES]


# --- the sheets ------------------------------------------------------------------------------

def sheet_regions(sheet, data, names):
    """Totals per region, every active region listed (a region with no application shows 0), with a bar chart."""
    found = {row["region"]: row for row in data.applications(["region"])}
    katos = [k for k in names.active_regions if data.filters.region in (None, k)]
    katos += sorted(k for k in found if k not in katos)
    empty = {"applications": 0, "ngos": 0, "awarded": 0, "amount_requested": stats.ZERO,
             "amount_awarded": stats.ZERO}
    rows = sorted(([names.regions.get(k, k), k, *measures(found.get(k, empty))] for k in katos),
                  key=lambda r: (-r[2], r[1]))
    last = table(sheet, [Column(_("Region")), Column(_("KATO")), *measure_columns()], rows)
    if rows:
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = _("Applications by region")
        chart.legend = None
        chart.add_data(Reference(sheet, min_col=3, min_row=1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=last))
        chart.x_axis.scaling.orientation = "maxMin"  # the largest first, as in the table
        chart.x_axis.delete = chart.y_axis.delete = False
        chart.height, chart.width = max(7.5, 0.55 * len(rows) + 2), 18
        sheet.add_chart(chart, "J2")


def sheet_regions_by_year(sheet, data, names):
    rows = [[names.regions.get(r["region"], r["region"]), r["region"], r["year"], *measures(r)]
            for r in data.applications(["region", "year"])]
    table(sheet, [Column(_("Region")), Column(_("KATO")), Column(_("Year")), *measure_columns()], rows)


def language_columns(first, charted=False):
    return [first, Column(_("Applications in Kazakh"), COUNT), Column(_("Applications in Russian"), COUNT),
            Column(_("Kazakh share of applications"), SHARE, _("no applications"), charted),
            Column(_("Grants awarded in Kazakh"), COUNT), Column(_("Grants awarded in Russian"), COUNT),
            Column(_("Kazakh share of grants awarded"), SHARE, _("no grants awarded"), charted)]


def language_row(key, row):
    return [key, row["applications_kk"], row["applications_ru"], row["kk_share_applications"], row["awarded_kk"],
            row["awarded_ru"], row["kk_share_awarded"]]


def sheet_language_by_year(sheet, data, names):
    rows = [language_row(r["year"], r) for r in data.kazakh_share("year")]
    last = table(sheet, language_columns(Column(_("Year")), charted=True), rows)
    if rows:
        chart = LineChart()
        chart.title = _("Kazakh share by year")
        chart.style = 12
        chart.add_data(Reference(sheet, min_col=4, min_row=1, max_row=last), titles_from_data=True)
        chart.add_data(Reference(sheet, min_col=7, min_row=1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=last))
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min = 0
        chart.x_axis.delete = chart.y_axis.delete = False
        chart.legend.position = "b"
        chart.height, chart.width = 9, 18
        sheet.add_chart(chart, "I2")


def sheet_language_by_call(sheet, data, names):
    rows = [language_row(r["call"], r) for r in data.kazakh_share("call")]
    table(sheet, language_columns(Column(_("Call"))), rows)


def sheet_directions(sheet, data, names):
    rows = [[r["direction"], names.directions.get(r["direction"], ""), r["year"], *measures(r)]
            for r in data.applications(["direction", "year"])]
    table(sheet, [Column(_("No.")), Column(_("Direction")), Column(_("Year")), *measure_columns()], rows)


def sheet_funding(sheet, data, names):
    rows = [[names.funding_source(r["funding_source"]), r["customer"], names.customers.get(r["customer"], ""),
             r["year"], *measures(r)]
            for r in data.applications(["funding_source", "customer", "year"])]
    table(sheet, [Column(_("Funding source")), Column(_("Customer code")), Column(_("Customer")), Column(_("Year")),
                  *measure_columns()], rows)


def sheet_instruments(sheet, data, names):
    rows = [[names.instrument(r["instrument"]), *measures(r)] for r in data.applications(["instrument"])]
    table(sheet, [Column(_("Instrument")), *measure_columns()], rows)


def sheet_per_thousand(sheet, data, names):
    rows = [[names.regions.get(r["region"], r["region"]), r["region"], r["ngos_registered"], r["applications"],
             r["awarded"], r["amount_awarded"], r["applications_per_1000"], r["awarded_per_1000"]]
            for r in data.per_thousand_ngos()]
    # A rate needs the region's registered NGOs, which the administrator enters under Reference data → Regions.
    not_entered, no_count = _("not entered"), _("number of NGOs not entered")
    table(sheet, [Column(_("Region")), Column(_("KATO")), Column(_("NGOs registered"), COUNT, not_entered),
                  Column(_("Applications"), COUNT), Column(_("Grants awarded"), COUNT),
                  Column(_("Amount awarded, ₸"), MONEY), Column(_("Applications per 1,000 NGOs"), RATE, no_count),
                  Column(_("Grants awarded per 1,000 NGOs"), RATE, no_count)], rows)


MONITORING = (
    ("agreements", _l("Agreements"), COUNT),
    ("completed", _l("Agreements completed"), COUNT),
    ("terminated", _l("Agreements terminated"), COUNT),
    ("amount", _l("Amount of the agreements, ₸"), MONEY),
    ("refund_due", _l("Refund due, ₸"), MONEY),
    ("refunded", _l("Refunded, ₸"), MONEY),
    ("reports", _l("Reports submitted"), COUNT),
    ("reports_on_time", _l("Reports on time"), COUNT),
    ("reports_on_time_share", _l("Share of reports on time"), SHARE),
    ("indicators", _l("Indicators in final reports"), COUNT),
    ("indicators_achieved", _l("Indicators achieved"), COUNT),
    ("indicators_achieved_share", _l("Share of indicators achieved"), SHARE),
    ("beneficiaries", _l("Beneficiaries"), COUNT),
    ("jobs_created", _l("Jobs created"), COUNT),
    ("cofunding", _l("Co-funding, ₸"), MONEY),
    ("services_delivered", _l("Services delivered"), COUNT),
    ("volunteers", _l("Volunteers"), COUNT),
)


# Why a share of the monitoring sheet can be missing: nothing to divide by.
MONITORING_MISSING = {"reports_on_time_share": _l("no reports submitted"),
                      "indicators_achieved_share": _l("no indicators in final reports")}


def sheet_monitoring(sheet, data, names):
    rows = [[r["year"], *(r[key] for key, _title, _fmt in MONITORING)] for r in stats.monitoring(data.filters)]
    table(sheet, [Column(_("Year")), *(Column(str(title), fmt, MONITORING_MISSING.get(key))
                                       for key, title, fmt in MONITORING)], rows)


def sheet_reasons(sheet, data, names):
    rows = [[r["code"], names.reasons.get(r["code"], ""), r["applications"]] for r in stats.reasons(data.filters)]
    table(sheet, [Column(_("Code")), Column(_("Reason")), Column(_("Applications"), COUNT)], rows)


# Each sheet: its title and what fills it; the titles are read in the workbook's language.
SHEETS = (
    (_l("Regions"), sheet_regions),
    (_l("Regions by year"), sheet_regions_by_year),
    (_l("Language by year"), sheet_language_by_year),
    (_l("Language by call"), sheet_language_by_call),
    (_l("Directions by year"), sheet_directions),
    (_l("Funding and customers"), sheet_funding),
    (_l("Instruments"), sheet_instruments),
    (_l("Per 1,000 NGOs"), sheet_per_thousand),
    (_l("Monitoring"), sheet_monitoring),
    (_l("Reasons of ineligibility"), sheet_reasons),
)
# Every grouping the sheets ask for, computed together (one scan of the facts on PostgreSQL)
GROUPINGS = (("source",), ("region",), ("region", "year"), ("year", "language"), ("call", "language"),
             ("direction", "year"), ("funding_source", "customer", "year"), ("instrument",))


def fit(text, limit):
    """text in at most limit characters, cut at a word boundary rather than mid-word."""
    if len(text) <= limit:
        return text
    head = text[:limit + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head.strip() else text[:limit]
    return cut[:limit].rstrip(" ,;:–-")


def sheet_title(title, taken):
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = fit(" ".join(title.translate(SHEET_TITLE_UNSAFE).split()), 31).strip("' ") or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = fit(base, 31 - len(suffix)) + suffix, n + 1
    taken.add(name.lower())
    return name


# --- the first sheet: what was asked, when, by whom, from which data ---------------------------

def sources(data):
    """How many applications of each source the filters take in, and when each source last changed."""
    counts = {row["source"]: row["applications"] for row in data.applications(["source"])}
    platform_newest = db.session.execute(
        sa.select(sa.func.max(Application.updated_at)).where(Application.status != Status.draft)).scalar()
    history_newest = db.session.execute(sa.select(sa.func.max(HistoricalApplication.imported_at))).scalar()
    return counts, platform_newest, history_newest


def local(moment):
    """An aware UTC moment as the naive Astana wall-clock time an Excel cell holds."""
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite's MAX() hands back the stored UTC time without its zone
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ALMATY).replace(tzinfo=None)


def sheet_about(sheet, data, language, requested_by, names, titles, now):
    filters = data.filters
    counts, platform_newest, history_newest = sources(data)
    newest = max((m for m in (local(platform_newest), local(history_newest)) if m is not None), default=None)
    bold = Font(bold=True)
    sheet.append([text(_("Statistics of the state support of NGOs"))])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])

    def heading(words):
        sheet.append([text(words)])
        sheet.cell(row=sheet.max_row, column=1).font = bold

    def line(label, value, number_format=None):
        sheet.append([text(label), text(missing(_("no data"))) if value is None else cell_value(value)])
        if number_format:
            sheet.cell(row=sheet.max_row, column=2).number_format = number_format
        sheet.cell(row=sheet.max_row, column=2).alignment = Alignment(horizontal="left", wrap_text=True)

    heading(_("What was asked"))
    for label, value in describe(filters, names):
        line(label, value)
    line(_("Language of the labels"), LANGUAGE_NAMES[language])
    sheet.append([])
    heading(_("When and by whom"))
    line(_("Built on (Astana time)"), now, MOMENT)
    line(_("Requested by"), requested_by)
    sheet.append([])
    heading(_("From which data"))
    line(_("Applications submitted on the platform"), counts.get("platform", 0), COUNT)
    line(_("Applications of earlier years, imported"), counts.get("history", 0), COUNT)
    line(_("Newest data (Astana time)"), newest, MOMENT)
    sheet.append([])
    heading(_("How to read it"))
    for note in (_("An application's year is the budget year of its call; its region is the region of its NGO."),
                 _("Drafts are not counted. Amounts are in tenge; an awarded amount is the agreement's amount "
                   "once an agreement is drawn up."),
                 _("Shares count applications in Kazakh against all applications in Kazakh and Russian."),
                 _("The figures are those of the moment the workbook was built.")):
        sheet.append([text(note)])
    sheet.append([])
    heading(_("Sheets"))
    for title in titles:
        sheet.append([text(title)])
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 60


def build(filters, language, requested_by_label, progress: Callable[[int, int], None] | None = None, now=None):
    """The workbook as XLSX bytes, labelled in `language`; progress(done, total) after each sheet."""
    if language not in LANGUAGES:
        raise stats.BadFilter(f"language must be one of {', '.join(LANGUAGES)}")
    now = local(now or utcnow())
    total = len(SHEETS) + 1
    with force_locale(language):
        names = Names()
        data = stats.Grouped(filters, GROUPINGS)
        book = Workbook()
        about = book.active
        taken = set()
        about.title = sheet_title(_("About"), taken)
        titles = [sheet_title(str(title), taken) for title, _fill in SHEETS]
        sheet_about(about, data, language, str(requested_by_label), names, titles, now)
        if progress:
            progress(1, total)
        for done, (title, (_msgid, fill)) in enumerate(zip(titles, SHEETS, strict=True), start=2):
            fill(book.create_sheet(title), data, names)
            if progress:
                progress(done, total)
        out = BytesIO()
        book.save(out)
    return out.getvalue()
