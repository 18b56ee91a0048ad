"""The open data page and its files, public: no sign-in, no token."""

import json
import tempfile

from flask import Blueprint, Response, render_template, request, send_file, url_for
from flask_babel import get_locale

from grants import audit
from grants.i18n import _
from grants.permissions import allow
from reports import openapi, opendata

bp = Blueprint("opendata", __name__, url_prefix="/open-data")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BadYear(ValueError):
    pass


def _year(name):
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not openapi.YEAR_MIN <= int(raw) <= openapi.YEAR_MAX:
        raise BadYear(_("“%(name)s” must be a year from %(min)d to %(max)d, e.g. 2020.", name=name,
                        min=openapi.YEAR_MIN, max=openapi.YEAR_MAX))
    return int(raw)


def _years():
    year_from, year_to = _year("from"), _year("to")
    if None not in (year_from, year_to) and year_from > year_to:
        raise BadYear(_("“from” (%(from)d) must not be after “to” (%(to)d).", **{"from": year_from, "to": year_to}))
    return year_from, year_to


def _refused(error):
    return Response(str(error) + "\n", status=400, mimetype="text/plain")


def _filename(stem, ext, years):
    year_from, year_to = years
    span = "" if years == (None, None) else f"-{year_from or ''}-{year_to or ''}"
    return f"baiqau-{stem}{span}-{opendata.today_stamp()}.{ext}"


def _language():
    return str(get_locale() or "ru")


@bp.route("/")
@allow("public")
def index():
    return render_template("reports/opendata.html", files=[
        ("grants.json", _("Grants, 360Giving JSON"), url_for("opendata.grants_json")),
        ("grants.xlsx", _("Grants, 360Giving spreadsheet"), url_for("opendata.grants_xlsx")),
        ("sso.json", _("State social order contracts, OCDS release package"), url_for("opendata.sso_json")),
    ], heads=audit.published_heads(limit=30))


@bp.route("/grants.json")
@allow("public")
def grants_json():
    try:
        years = _years()
    except BadYear as error:
        return _refused(error)
    out = tempfile.TemporaryFile(prefix="baiqau-opendata-")  # written a grant at a time, sent from disk
    for piece in opendata.grants_360_json(*years, language=_language()):
        out.write(piece.encode())
    out.seek(0)
    return send_file(out, mimetype="application/json", as_attachment=True,
                     download_name=_filename("grants-360giving", "json", years))


@bp.route("/grants.xlsx")
@allow("public")
def grants_xlsx():
    try:
        years = _years()
    except BadYear as error:
        return _refused(error)
    out = tempfile.TemporaryFile(prefix="baiqau-opendata-")  # on disk, not in memory; closed by send_file
    opendata.grants_360_xlsx(out, *years, language=_language())
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True,
                     download_name=_filename("grants-360giving", "xlsx", years))


@bp.route("/sso.json")
@allow("public")
def sso_json():
    try:
        years = _years()
    except BadYear as error:
        return _refused(error)
    package = opendata.sso_ocds(*years, language=_language(), uri=url_for("opendata.sso_json", _external=True))
    return Response(json.dumps(package, ensure_ascii=False), mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{_filename("sso-ocds", "json", years)}"'})
