"""Loading the reference files, and the administrator's edits of the catalogues."""

import csv
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import has_request_context, url_for
from markupsafe import Markup, escape

from grants import audit
from grants.extensions import db
from grants.i18n import _
from grants.reference.catalogues import CATALOGUES
from grants.reference.models import CustomerBody, Direction, MrpRate, ReasonCode, Region
from grants.refusals import Refusal

DATA = Path(__file__).parent / "data"


class ReferenceError(Refusal):
    """An edit refused, with a message for the administrator."""


class ReferenceFileError(ValueError):
    """A committed reference file that cannot be read as it stands: the message names the file and line."""


def read_rows(name, folder=None):
    """The rows of one reference file as dicts; a row whose column count differs from the header is refused.

    csv.DictReader would silently put surplus cells under a None key (an unquoted comma in a name)
    and fill missing ones with None, so the count is checked here, before any row is used.
    """
    path = (folder or DATA) / name
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header:
            raise ReferenceFileError(f"{path}: the file is empty; its first line must name the columns")
        for cells in reader:
            if not cells:
                continue
            if len(cells) != len(header):
                raise ReferenceFileError(
                    f"{path}, line {reader.line_num}: {len(cells)} columns where the header has {len(header)}"
                    " (a comma inside a value needs double quotes around the value)"
                )
            yield dict(zip(header, cells, strict=True))


def _names(row):
    return {"name_kk": row["name_kk"], "name_ru": row["name_ru"], "name_en": row["name_en"]}


def load_reference():
    """Insert the rows of the committed reference files that are missing.

    Existing rows are left alone, so an administrator's edits survive a reload.
    Returns how many rows were added per catalogue.
    """
    added = {}

    def missing(model, key, value):
        return db.session.execute(sa.select(model.id).where(key == value)).first() is None

    count = 0
    for row in read_rows("directions.csv"):
        if missing(Direction, Direction.code, int(row["code"])):
            db.session.add(Direction(code=int(row["code"]), **_names(row)))
            count += 1
    added["directions"] = count
    count = 0
    for row in read_rows("regions.csv"):
        if missing(Region, Region.kato, row["kato"]):
            db.session.add(Region(kato=row["kato"], iso=row["iso"], kind=row["kind"],
                                  ngos_registered=int(row["ngos_registered"]) if row.get("ngos_registered") else None,
                                  **_names(row)))
            count += 1
    added["regions"] = count
    count = 0
    for row in read_rows("mrp.csv"):
        if missing(MrpRate, MrpRate.year, int(row["year"])):
            db.session.add(MrpRate(year=int(row["year"]), amount=Decimal(row["amount"])))
            count += 1
    added["mrp"] = count
    db.session.flush()
    count = 0
    for row in read_rows("customers.csv"):
        if missing(CustomerBody, CustomerBody.code, row["code"]):
            region = None
            if row["region_kato"]:
                region = db.session.execute(sa.select(Region).where(Region.kato == row["region_kato"])).scalar_one()
            db.session.add(CustomerBody(code=row["code"], level=row["level"], region=region, **_names(row)))
            count += 1
    added["customers"] = count
    count = 0
    for row in read_rows("reasons.csv"):
        if missing(ReasonCode, ReasonCode.code, row["code"]):
            db.session.add(ReasonCode(code=row["code"], **_names(row)))
            count += 1
    added["reasons"] = count
    if any(added.values()):
        audit.record(None, "reference.load", None, after=added, object_type="reference", object_id="files")
    return added


def mrp_for(year):
    """The МРП of a budget year, or None when the administrator has not entered it."""
    return db.session.execute(sa.select(MrpRate.amount).where(MrpRate.year == year)).scalar_one_or_none()


def mrp_missing(year):
    """Why nothing can be priced in `year` yet, and who mends it where: the page is a link when there is a page.

    Markup, so that the link survives the flash and a field's error; the words are escaped.
    """
    place = f"{_('Reference data')} → {CATALOGUES['mrp'].title}"
    if has_request_context():
        place = Markup('<a href="%s">%s</a>') % (url_for("reference.entries", slug="mrp"), place)
    words = escape(_("There is no MCI for %(year)d in the reference data. An administrator adds the year's MCI "
                     "under %(place)s; then the call can be saved."))  # escaped: Markup, whose % escapes the values
    return words % {"year": year, "place": place}


def save_entry(actor, catalogue, obj, data):
    """Create (obj is None) or update one catalogue entry from cleaned form data; audited."""
    model = catalogue.model
    for field in catalogue.unique:
        clash = db.session.execute(
            sa.select(model).where(getattr(model, field) == data[field])
        ).scalar_one_or_none()
        if clash is not None and clash is not obj:
            raise ReferenceError(_("Another entry already has this value: %(value)s.", value=data[field]))
    if catalogue.validate:
        problem = catalogue.validate(data)
        if problem:
            raise ReferenceError(problem)
    creating = obj is None
    if creating:
        obj = model()
        db.session.add(obj)
    audit.update(actor, f"reference.{catalogue.slug}.{'create' if creating else 'update'}", obj, data,
                 created=creating)
    return obj
