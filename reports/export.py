"""The raw export: every application (platform and imported history) as one XLSX row, streamed.

The file is written straight into a zip, sheet XML row by row (inline strings, numbers as <v>),
reading the database with a server-side cursor in batches; memory stays flat however many rows
there are. At Excel's row limit (1,048,576 rows counting the header) a new sheet is started.
Text cells cannot run as formulas (a leading =, +, -, @ gets a '), and everything is XML-escaped.
"""

import zipfile
from xml.sax.saxutils import escape

from flask_babel import force_locale

from grants.applications.models import Status
from grants.calls.models import INSTRUMENT_TITLES, FundingSource, Instrument
from grants.extensions import db
from grants.filters import LANGUAGE_TITLES
from grants.i18n import _l
from grants.organizations.models import Organization
from grants.reference.models import CustomerBody, Direction, Region
from grants.xlsx import text
from reports import stats
from reports.facts import facts
from reports.models import OUTCOMES
from reports.workbook import LANGUAGES, MONEY, Names, sheet_title

EXCEL_ROWS = 1_048_576
MAX_ROWS_PER_SHEET = EXCEL_ROWS - 1  # data rows; the header takes one
BATCH = 5000
CACHED_CELLS = 100_000  # text cells remembered (codes repeat); the cache is emptied past this, so memory stays flat

# (header, kind, value): kind is "text", "number" or "money"; value takes the query's row and the labels.
# Codes that identify (call, customer, direction, KATO, BIN) stay beside their names, for the analyst's pivots;
# instrument, funding source, language and outcome are words in the workbook's language, as on every page.
COLUMNS = (
    (_l("Year"), "number", lambda r, n: r.year),
    (_l("Call code"), "text", lambda r, n: r.call_code),
    (_l("Instrument"), "text", lambda r, n: n.instrument(r.instrument)),
    (_l("Funding source"), "text", lambda r, n: n.funding_source(r.funding_source)),
    (_l("Customer"), "text", lambda r, n: n.customers.get(r.customer, r.customer)),
    (_l("Customer code"), "text", lambda r, n: r.customer),
    (_l("Direction"), "text", lambda r, n: n.directions.get(r.direction, r.direction)),
    (_l("Direction No."), "number", lambda r, n: r.direction),
    (_l("Region"), "text", lambda r, n: n.regions.get(r.kato, r.kato)),
    (_l("Region (KATO)"), "text", lambda r, n: r.kato),
    (_l("Language"), "text", lambda r, n: n.language(r.language)),
    (_l("NGO BIN"), "text", lambda r, n: r.bin),
    (_l("Outcome"), "text", lambda r, n: n.outcome(r.outcome)),
    (_l("Amount requested, ₸"), "money", lambda r, n: r.amount_requested),
    (_l("Amount awarded, ₸"), "money", lambda r, n: r.amount_awarded),
)
WIDTHS = (8, 14, 20, 20, 36, 14, 36, 10, 28, 14, 14, 14, 16, 20, 20)


class Labels(Names):
    """The reference names and the enum titles in the workbook's language, as plain strings built once:
    looking one up per row costs a dict access, however many rows stream past."""

    def __init__(self):
        super().__init__()
        self._instruments = {code.value: str(INSTRUMENT_TITLES[code]) for code in Instrument}
        self._sources = {code.value: str(code.title) for code in FundingSource}
        self._languages = {code: str(title) for code, title in LANGUAGE_TITLES.items()}
        # A fact's outcome is one of the application statuses submitted, ineligible, rejected, awarded.
        self._outcomes = {code: str(Status(code).title) for code in OUTCOMES}

    def instrument(self, code):
        return self._instruments.get(code, code)

    def funding_source(self, code):
        return self._sources.get(code, code)

    def language(self, code):
        return self._languages.get(code, code)

    def outcome(self, code):
        return self._outcomes.get(code, code)

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '{sheets}</Types>')
SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" '
              'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets>{sheets}</sheets></workbook>')
WORKBOOK_SHEET = '<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>'
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '{sheets}<Relationship Id="rId{styles}" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    '</Relationships>')
SHEET_REL = ('<Relationship Id="rId{n}" '
             'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
             'Target="worksheets/sheet{n}.xml"/>')
# Style 0: default; 1: tenge; 2: bold header.
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="{money}"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>').format(money=escape(MONEY, {'"': "&quot;"}))
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
    '<cols>{cols}</cols><sheetData>{header}')
SHEET_END = "</sheetData></worksheet>"


def query(filters):
    """The facts with their codes, filtered as the statistics are; no ORDER BY, so rows stream as they come."""
    f = facts()
    q = stats._joined(f).join(Organization, Organization.id == f.c.organization_id).add_columns(
        f.c.year, f.c.call_code, f.c.instrument, f.c.funding_source, CustomerBody.code.label("customer"),
        Direction.code.label("direction"), Region.kato.label("kato"), f.c.language, Organization.bin,
        f.c.outcome, f.c.amount_requested, f.c.amount_awarded)
    return stats._filtered(q, f, filters)


def _inline(value):
    value = escape(text(value))
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c t="inlineStr"><is><t{space}>{value}</t></is></c>'


def _cells():
    """One function per column turning a value into its cell's XML; an empty cell is written as nothing."""
    cache = {}

    def text_cell(value):
        if value is None:
            return "<c/>"
        found = cache.get(value)
        if found is None:
            if len(cache) >= CACHED_CELLS:
                cache.clear()
            found = cache[value] = _inline(value)
        return found

    def number_cell(value):
        return "<c/>" if value is None else f"<c><v>{value}</v></c>"

    def money_cell(value):
        return "<c/>" if value is None else f'<c s="1"><v>{value}</v></c>'

    kinds = {"text": text_cell, "number": number_cell, "money": money_cell}
    return [(kinds[kind], value) for _title, kind, value in COLUMNS]


def write_applications_xlsx(out, filters=None, language="ru", max_rows_per_sheet=MAX_ROWS_PER_SHEET):
    """Write the raw export to `out` (a path or a binary file object); returns the number of data rows.

    Headers and values are in `language` (instrument, funding source, language and outcome as words, each
    reference code beside its name)."""
    filters = filters or stats.Filters()
    if language not in LANGUAGES:
        raise stats.BadFilter(f"language must be one of {', '.join(LANGUAGES)}")
    if max_rows_per_sheet < 1 or max_rows_per_sheet > MAX_ROWS_PER_SHEET:
        raise ValueError(f"max_rows_per_sheet must be 1–{MAX_ROWS_PER_SHEET}")
    with force_locale(language):
        headers = [str(title) for title, _kind, _value in COLUMNS]
        labels = Labels()
        sheet_name = str(_l("Applications"))[:25]
    header = '<row r="1">' + "".join(
        f'<c s="2" t="inlineStr"><is><t>{escape(text(h))}</t></is></c>' for h in headers) + "</row>"
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(WIDTHS, 1))
    start = SHEET_START.format(cols=cols, header=header).encode()
    cells = _cells()
    total = 0
    sheets = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        sheet = None
        row_number = 1
        result = db.session.execute(query(filters).execution_options(yield_per=BATCH))
        for batch in result.partitions():
            chunk = []
            for row in batch:
                if sheet is None or row_number > max_rows_per_sheet:
                    if chunk:
                        sheet.write("".join(chunk).encode())
                        chunk = []
                    if sheet is not None:
                        sheet.write(SHEET_END.encode())
                        sheet.close()
                    sheets += 1
                    sheet = zf.open(f"xl/worksheets/sheet{sheets}.xml", "w", force_zip64=True)
                    sheet.write(start)
                    row_number = 1
                row_number += 1
                chunk.append(f'<row r="{row_number}">'
                             + "".join([cell(value(row, labels)) for cell, value in cells]) + "</row>")
            total += len(batch)
            if chunk:
                sheet.write("".join(chunk).encode())
        result.close()
        if sheet is None:  # no rows: the header alone
            sheets = 1
            sheet = zf.open("xl/worksheets/sheet1.xml", "w")
            sheet.write(start)
        sheet.write(SHEET_END.encode())
        sheet.close()

        numbers = range(1, sheets + 1)
        taken = set()
        names = [sheet_title(sheet_name if sheets == 1 else f"{sheet_name} {n}", taken) for n in numbers]
        zf.writestr("[Content_Types].xml", CONTENT_TYPES.format(sheets="".join(SHEET_TYPE.format(n=n)
                                                                                for n in numbers)))
        zf.writestr("_rels/.rels", ROOT_RELS)
        listed = "".join(WORKBOOK_SHEET.format(name=escape(name, {'"': "&quot;"}), n=n)
                         for n, name in zip(numbers, names, strict=True))
        zf.writestr("xl/workbook.xml", WORKBOOK.format(sheets=listed))
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(
            sheets="".join(SHEET_REL.format(n=n) for n in numbers), styles=sheets + 1))
        zf.writestr("xl/styles.xml", STYLES)
    return total
