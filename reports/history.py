"""The history import: applications and grants of the years before the platform, from the operator's files.

A file is checked whole before anything is written: one bad row and nothing is imported, and the
refusal lists every bad row with its line and reason. Rows are keyed by `ref`, the source's own
number, so importing a file again adds only what is new. Rows stream through in chunks: the checked
rows wait in a temporary spool file, not in memory, so a file of a million rows imports in constant
memory (apart from the refs seen, kept to find a ref repeated within the file).

Messages are in English, the language of the command line (as the other `flask` commands).

One piece although long: reading, checking and inserting share the checker's state (the refs seen, the
customers to create, the spool), and the file's all-or-nothing rule holds only while they stay together.
"""

import csv
import pickle
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from grants import audit
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import astana_today
from grants.identifiers import bin_problem
from grants.organizations.models import Organization
from grants.reference.models import CustomerBody, Direction, Region
from grants.refusals import Refusal
from reports.models import FUNDING_SOURCES, INSTRUMENTS, OUTCOMES, HistoricalApplication

COLUMNS = ("ref", "year", "call_code", "instrument", "funding_source", "customer", "direction", "region_kato",
           "language", "ngo_bin", "ngo_name", "outcome", "amount_requested", "amount_awarded")
CHUNK = 5000
LANGUAGES = ("kk", "ru")
MAX_AMOUNT = Decimal("99999999999999.99")  # Numeric(16, 2)
# What a stored row is compared on when its ref comes again.
COMPARED = ("year", "call_code", "instrument", "funding_source", "customer_id", "direction_id", "region_id",
            "language", "organization_id", "outcome", "amount_requested", "amount_awarded")
_CODE = re.compile(r"^[A-Za-z0-9-]+$")  # as an administrator types one under Reference data
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\t'")


class ImportRefused(Refusal):
    """The file holds bad rows, or cannot be read: nothing was imported.

    `problems` lists (line, reason); the line is None for a problem of the whole file.
    """

    def __init__(self, problems, source_file=""):
        super().__init__()
        self.problems = list(problems)
        self.source_file = source_file

    def __str__(self):
        rows = len({line for line, _reason in self.problems if line is not None})
        what = f"{rows} bad row{'s' if rows != 1 else ''}" if rows else self.problems[0][1]
        return f"{self.source_file or 'The file'}: {what}; nothing imported."


@dataclass
class Summary:
    """What an import did. `differs`: refs already imported whose stored row differs from the file's; the
    stored row is left as it was (a history import never rewrites history; correct it by hand if needed)."""

    source_file: str
    rows: int = 0
    added: int = 0
    already_imported: int = 0
    differs: int = 0
    ngos_created: int = 0
    customers_created: list = field(default_factory=list)

    def as_dict(self):
        found = {"source_file": self.source_file, "rows": self.rows, "added": self.added,
                 "already_imported": self.already_imported, "already_imported_differs": self.differs,
                 "ngos_created": self.ngos_created, "customers_created": list(self.customers_created)}
        if self.customers_created:
            found["note"] = CUSTOMERS_NOTE
        return found


CUSTOMERS_NOTE = ("customer bodies created with their code as their name in kk, ru and en; local (in the region of "
                  "their first row) when that row's funding is local, republican otherwise: name them under "
                  "Reference data")


# --- reading files --------------------------------------------------------------------------------------------

def import_file(path):
    """Import a CSV (UTF-8, with or without BOM, `,` or `;`) or an XLSX file (its first sheet)."""
    path = Path(path)
    try:
        if not path.is_file():
            raise ImportRefused([(None, f"no such file: {path}")])
        with path.open("rb") as probe:
            magic = probe.read(4)
        rows = _xlsx_rows(path) if magic == b"PK\x03\x04" else _csv_rows(path)
        return import_rows(rows, path.name)
    except ImportRefused as refusal:
        refusal.source_file = refusal.source_file or path.name
        raise


def _header(cells):
    """{column: position} from the header row, names trimmed and in any case; a missing column refuses the file."""
    found = {}
    for position, cell in enumerate(cells):
        found.setdefault("" if cell is None else str(cell).strip().lower(), position)
    missing = [c for c in COLUMNS if c not in found]
    if missing:
        raise ImportRefused([(1, f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
                                 f"(the first row names the columns {', '.join(COLUMNS)})")])
    return {c: found[c] for c in COLUMNS}


def _csv_rows(path):
    """(line, {column: text}) per row; the line is where the row starts, the header being line 1."""
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        line = 1
        try:
            first = handle.readline()
            delimiter = ";" if first.count(";") > first.count(",") else ","
            handle.seek(0)
            reader = csv.reader(handle, delimiter=delimiter)
            header = next(reader, None)
            if header is None:
                raise ImportRefused([(None, "the file is empty: its first row names the columns")])
            positions = _header(header)
            line = reader.line_num + 1
            for cells in reader:
                start, line = line, reader.line_num + 1
                if any(c.strip() for c in cells):
                    yield start, {c: (cells[i] if i < len(cells) else "") for c, i in positions.items()}
        except UnicodeDecodeError:
            if line == 1:
                raise ImportRefused([(None, "the file is neither UTF-8 text nor an XLSX workbook")]) from None
            yield line, _Unreadable("the file is not UTF-8 text from about this line on: save it as UTF-8 "
                                    "(in Excel, “CSV UTF-8”)")
        except csv.Error as error:
            yield line, _Unreadable(f"the CSV cannot be read from here on ({error})")


def _xlsx_rows(path):
    """(row number, {column: cell value}) per row of the first sheet, the header being row 1."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # a damaged or foreign file: say so, with openpyxl's reason
        raise ImportRefused([(None, f"not a readable XLSX workbook ({error})")]) from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ImportRefused([(None, "the first sheet is empty: its first row names the columns")])
        positions = _header(header)
        for number, cells in enumerate(rows, start=2):
            if any(c is not None and str(c).strip() for c in cells):
                yield number, {c: (cells[i] if i < len(cells) else None) for c, i in positions.items()}
    finally:
        workbook.close()


class _Unreadable(str):
    """Stands for a row the reader could not read; the text says why."""


# --- checking rows ---------------------------------------------------------------------------------------------

def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _whole(value):
    """A whole number from text or a spreadsheet cell, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = _text(value)
    return int(text) if text.isascii() and text.isdigit() else None


_AMOUNT_HELP = "is not an amount in tenge (write 1250000.50 or 1 250 000,50: at most two digits after the point)"


def parse_amount(value):
    """Tenge as Decimal from "1 250 000,50", "1250000.50" or a number cell; ValueError says what is wrong."""
    if isinstance(value, bool):
        raise ValueError(_AMOUNT_HELP)
    if isinstance(value, int | float | Decimal):
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
            raise ValueError(_AMOUNT_HELP)
    else:
        text = _text(value).translate(_SPACES)
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        sign, digits = (text[0], text[1:]) if text[:1] in "+-" and text else ("", text)
        whole, _point, cents = digits.partition(".")
        if not (whole.isascii() and whole.isdigit()) or len(cents) > 2 or (cents and not cents.isdigit()) \
                or not cents.isascii() or (_point and not cents):
            raise ValueError(_AMOUNT_HELP)
        amount = Decimal(sign + digits)
    if amount < 0:
        raise ValueError("is below zero")
    if amount > MAX_AMOUNT:
        raise ValueError("is too large")
    return amount.quantize(Decimal("0.01"))


class _Checker:
    """Checks rows against the reference data and the NGOs known; collects what the file will create."""

    def __init__(self):
        self.year_max = astana_today().year
        self.regions = dict(db.session.execute(sa.select(Region.kato, Region.id)).all())
        self.directions = dict(db.session.execute(sa.select(Direction.code, Direction.id)).all())
        self.customers = {code.upper(): id_ for code, id_ in
                          db.session.execute(sa.select(CustomerBody.code, CustomerBody.id))}
        self.new_customers = {}  # code in capitals → (code as written, level, region id), from its first row
        self.orgs = {}  # BIN → id, of the NGOs in the database the file names
        self.new_orgs = {}  # BIN → (name, region id), from the first row that names it
        self.refs = {}  # ref → the line it first came on

    def row(self, line, raw):
        """(the row normalised, its problems). The NGO's name is checked later, by `chunk`, once the chunk's BINs
        have been looked up together."""
        if isinstance(raw, _Unreadable):
            return {"bin": None}, [(line, str(raw))]
        problems = []

        def bad(message):
            problems.append((line, message))

        ref = _text(raw["ref"])
        if not ref:
            bad("ref is empty: every row needs the source's own number")
        elif len(ref) > 64:
            bad("ref is longer than 64 characters")
        elif ref in self.refs:
            bad(f"ref {ref} is already on line {self.refs[ref]}")
        else:
            self.refs[ref] = line
        year = _whole(raw["year"])
        if year is None or not 2000 <= year <= self.year_max:
            bad(f"year must be a year from 2000 to {self.year_max}, not {_text(raw['year'])!r}")
        call_code = _text(raw["call_code"])
        if not call_code:
            bad("call_code is empty")
        elif len(call_code) > 32:
            bad("call_code is longer than 32 characters")
        instrument = _text(raw["instrument"]).lower()
        if instrument not in INSTRUMENTS:
            bad(f"instrument must be one of {', '.join(INSTRUMENTS)}, not {_text(raw['instrument'])!r}")
        source = _text(raw["funding_source"]).lower()
        if source not in FUNDING_SOURCES:
            bad(f"funding_source must be one of {', '.join(FUNDING_SOURCES)}, not {_text(raw['funding_source'])!r}")
        direction = _whole(raw["direction"])
        direction_id = self.directions.get(direction) if direction is not None and 1 <= direction <= 16 else None
        if direction_id is None:
            bad(f"direction must be a direction's number, 1–16, not {_text(raw['direction'])!r}")
        kato = _text(raw["region_kato"])
        region_id = self.regions.get(kato)
        if region_id is None:
            bad(f"region_kato {kato!r} is not a region's KATO code" if kato else "region_kato is empty")
        customer = _text(raw["customer"])
        if not customer:
            bad("customer is empty: give the customer body's code")
        elif len(customer) > 32:
            bad("customer is longer than 32 characters")
        elif customer.upper() not in self.customers and not _CODE.match(customer):
            bad(f"customer {customer!r} is not a customer body's code (Latin letters, digits and hyphens)")
        elif customer.upper() not in self.customers and customer.upper() not in self.new_customers \
                and source in FUNDING_SOURCES and region_id is not None:
            level = "local" if source == "local" else "republican"
            self.new_customers[customer.upper()] = (customer, level, region_id if level == "local" else None)
        language = _text(raw["language"]).lower()
        if language not in LANGUAGES:
            bad(f"language must be kk or ru, not {_text(raw['language'])!r}")
        bin_ = _text(raw["ngo_bin"])
        if bin_.isdigit() and len(bin_) < 12 and isinstance(raw["ngo_bin"], int | float):
            bin_ = bin_.zfill(12)  # a spreadsheet kept the BIN as a number and dropped its leading zeros
        problem = None if bin_ in self.orgs or bin_ in self.new_orgs else \
            bin_problem(bin_) if bin_ else "ngo_bin is empty"
        if problem:
            bad(f"ngo_bin {bin_}: {problem}" if bin_ else problem)
        name = _text(raw["ngo_name"])
        if len(name) > 400:
            bad("ngo_name is longer than 400 characters")
        outcome = _text(raw["outcome"]).lower()
        if outcome not in OUTCOMES:
            bad(f"outcome must be one of {', '.join(OUTCOMES)}, not {_text(raw['outcome'])!r}")
        requested = awarded = None
        if _text(raw["amount_requested"]) == "":
            bad("amount_requested is empty")
        else:
            try:
                requested = parse_amount(raw["amount_requested"])
            except ValueError as error:
                bad(f"amount_requested {_text(raw['amount_requested'])!r} {error}")
        awarded_given = _text(raw["amount_awarded"]) != ""
        if awarded_given:
            try:
                awarded = parse_amount(raw["amount_awarded"])
            except ValueError as error:
                bad(f"amount_awarded {_text(raw['amount_awarded'])!r} {error}")
        if outcome in OUTCOMES and outcome != "awarded" and awarded == 0:
            awarded = None  # ministry spreadsheets write 0.00 on the rows that won nothing: zero is no award
        if outcome == "awarded" and not awarded_given:
            bad("amount_awarded is empty, but the outcome is awarded")
        elif outcome == "awarded" and awarded == 0:
            bad("amount_awarded is 0, but the outcome is awarded: an awarded row has the amount awarded")
        elif outcome in OUTCOMES and outcome != "awarded" and awarded is not None:
            bad(f"amount_awarded is {awarded}, but the outcome is {outcome}: only an awarded row has an amount "
                "(leave it empty or 0)")
        elif awarded is not None and requested is not None and awarded > requested:
            bad(f"amount_awarded {awarded} is more than amount_requested {requested}")
        return {"ref": ref, "year": year, "call_code": call_code, "instrument": instrument,
                "funding_source": source, "customer": customer.upper(), "direction_id": direction_id,
                "region_id": region_id, "language": language, "bin": None if problem else bin_, "name": name,
                "outcome": outcome, "amount_requested": requested, "amount_awarded": awarded}, problems

    def chunk(self, rows):
        """The NGO check of a chunk of (line, row): its BINs looked up at once; an NGO not known yet needs a name
        to be created by (its first row's name and region)."""
        unknown = {row["bin"] for _line, row in rows
                   if row["bin"] and row["bin"] not in self.orgs and row["bin"] not in self.new_orgs}
        if unknown:
            self.orgs.update(db.session.execute(
                sa.select(Organization.bin, Organization.id).where(Organization.bin.in_(unknown))).all())
        problems = []
        for line, row in rows:
            bin_ = row["bin"]
            if not bin_ or bin_ in self.orgs or bin_ in self.new_orgs:
                continue
            if not row["name"]:
                problems.append((line, f"ngo_name is empty, and no NGO with BIN {bin_} is known yet: "
                                       "give its name so it can be created"))
            elif row["region_id"] is not None:
                self.new_orgs[bin_] = (row["name"], row["region_id"])
        return problems


# --- importing ------------------------------------------------------------------------------------------------

def import_rows(rows, source_file):
    """Check every row, then import them all; or refuse (ImportRefused, every problem listed) and import nothing.

    rows: an iterable of (line number, {column: value}), read once. Returns a Summary; the caller commits.
    """
    source_file = str(source_file)[:255]
    checker = _Checker()
    summary = Summary(source_file)
    problems = []
    with tempfile.TemporaryFile(prefix="baiqau-history-") as spool:
        chunk = []

        def check(chunk):
            problems.extend(checker.chunk(chunk))
            if not problems:  # after the first problem nothing will be imported: only checking goes on
                pickle.dump([row for _line, row in chunk], spool, protocol=pickle.HIGHEST_PROTOCOL)

        for line, raw in rows:
            summary.rows += 1
            row, found = checker.row(line, raw)
            problems.extend(found)
            chunk.append((line, row))
            if len(chunk) == CHUNK:
                check(chunk)
                chunk = []
        if chunk:
            check(chunk)
        if problems:
            problems.sort(key=lambda problem: problem[0] or 0)
            raise ImportRefused(problems, source_file)
        checker.refs.clear()
        customers = _create_customers(checker, summary)
        stamp = utcnow()
        spool.seek(0)
        while True:
            try:
                good = pickle.load(spool)  # noqa: S301 (our own spool file)  # nosec B301
            except EOFError:
                break
            _insert(good, checker, customers, summary, stamp)
    audit.record("import-history", "history.import", None, object_type="HistoricalImport",
                 object_id=source_file[:64], after=summary.as_dict())
    return summary


def _create_customers(checker, summary):
    """The customer bodies the file names and the database does not know, with their code as their name in all
    three languages: local (in its first row's region) when that row's funding is local, else republican."""
    customers = dict(checker.customers)
    for key, (code, level, region_id) in checker.new_customers.items():
        body = CustomerBody(code=code, level=level, region_id=region_id, name_kk=code, name_ru=code, name_en=code)
        db.session.add(body)
        db.session.flush()
        customers[key] = body.id
        summary.customers_created.append(code)
    return customers


def _insert(rows, checker, customers, summary, stamp):
    """One chunk: rows whose ref is stored are left alone (and compared); the rest inserted in one statement."""
    h = HistoricalApplication
    stored = {r["ref"]: r for r in db.session.execute(
        sa.select(h.ref, *(getattr(h, c) for c in COMPARED)).where(h.ref.in_([row["ref"] for row in rows]))
    ).mappings()}
    fresh = []
    for row in rows:
        row["customer_id"] = customers[row["customer"]]
        row["organization_id"] = checker.orgs.get(row["bin"])
        before = stored.get(row["ref"])
        if before is None:
            fresh.append(row)
            continue
        summary.already_imported += 1
        if any(_differs(before[c], row[c]) for c in COMPARED):
            summary.differs += 1
    created = {}
    for row in fresh:
        if row["organization_id"] is None and row["bin"] not in created:
            name, region_id = checker.new_orgs[row["bin"]]
            created[row["bin"]] = {"bin": row["bin"], "name_kk": name, "name_ru": name, "region_id": region_id,
                                   "legal_form": "public_association", "address": "", "head_name": "", "phone": "",
                                   "email": "", "created_at": stamp}
    if created:
        _bulk_insert(Organization.__table__, list(created.values()))
        checker.orgs.update(db.session.execute(
            sa.select(Organization.bin, Organization.id).where(Organization.bin.in_(created))).all())
        summary.ngos_created += len(created)
    if fresh:
        _bulk_insert(HistoricalApplication.__table__, [
            {"ref": r["ref"], "year": r["year"], "call_code": r["call_code"], "instrument": r["instrument"],
             "funding_source": r["funding_source"], "customer_id": r["customer_id"],
             "direction_id": r["direction_id"], "region_id": r["region_id"], "language": r["language"],
             "organization_id": checker.orgs[r["bin"]], "outcome": r["outcome"],
             "amount_requested": r["amount_requested"], "amount_awarded": r["amount_awarded"],
             "imported_at": stamp, "source_file": summary.source_file} for r in fresh])
        summary.added += len(fresh)


def _bulk_insert(table, rows):
    """Many rows at once, on the table rather than through the ORM (whose unit of work costs more than the rows):
    PostgreSQL takes them by COPY, two to three times faster than a batched INSERT; others by executemany."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql" or len(rows) < 100:
        connection.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    names = ", ".join(table.c[c].name for c in columns)
    with connection.connection.driver_connection.cursor() as cursor, \
            cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _differs(stored, new):
    if isinstance(new, Decimal) or isinstance(stored, Decimal | float):
        return stored is None or new is None or Decimal(str(stored)).quantize(Decimal("0.01")) != new
    return stored != new
