"""The dashboard: charts of the statistics, drawn on the server as SVG.

Every figure comes from reports.stats (GROUP BY in the database); this module only names the groups in
the interface language, orders them and hands them to reports.charts. Each chart has its numbers in a
data table beneath it, for screen readers and for copying into Excel.
"""

import tempfile

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request, send_file, url_for
from flask_babel import get_locale

import reports.filters
import reports.rules  # noqa: F401  (registers the rules)
from grants.calls.models import FundingSource, Instrument
from grants.extensions import db
from grants.i18n import _, format_money
from grants.permissions import allow
from grants.reference.models import CustomerBody, Direction, Region
from reports import charts, stats
from reports.export import write_applications_xlsx

bp = Blueprint("dashboard", __name__, url_prefix="/analyst/dashboard", template_folder="templates")

# The sector's contribution, added up from accepted monitoring reports: (key, is money).
CONTRIBUTION = (("beneficiaries", False), ("jobs_created", False), ("cofunding", True),
                ("services_delivered", False), ("volunteers", False))


def read_filters():
    """(Filters, typed arguments, []) or (None, typed arguments, [messages]): every problem of the query string."""
    args = reports.filters.typed(request.args)
    try:
        return reports.filters.read(request.args), args, []
    except reports.filters.Refused as refused:
        return None, args, [problem.message for problem in refused.problems]


def form_options():
    def rows(model, order):
        return db.session.execute(sa.select(model).order_by(order)).scalars().all()

    return {"instruments": list(Instrument), "funding_sources": list(FundingSource),
            "customers": rows(CustomerBody, CustomerBody.code), "regions_list": rows(Region, Region.kato),
            "directions_list": rows(Direction, Direction.code), "percent": charts.percent,
            "analyst_url": analyst_url()}


def analyst_url():
    """The analyst's page (workbooks, API tokens): another module's, linked once it is there."""
    return url_for("analyst.index") if "analyst.index" in current_app.view_functions else None


def by_code(model, column):
    return {getattr(row, column): row for row in db.session.execute(sa.select(model)).scalars()}


def region_charts(filters):
    regions = by_code(Region, "kato")
    rows = stats.per_thousand_ngos(filters)
    for row in rows:
        row["name"] = regions[row["region"]].name
    counts = sorted(rows, key=lambda r: (-r["applications"], -r["awarded"], r["name"]))
    # Regions with a registered count first, largest rate first; those without one last, as "no data".
    rates = sorted(rows, key=lambda r: (r["applications_per_1000"] is None, -(r["applications_per_1000"] or 0),
                                        r["name"]))
    applications, winners = _("Applications"), _("Winners")
    return {
        "rows": counts, "rates": rates,
        "chart": charts.hbars(
            "chart-regions", _("Applications and winners by region"),
            _("Horizontal bars: for each region, the number of applications and of winning applications, "
              "largest first. The numbers are in the data table below."),
            [(r["name"], (r["applications"], r["awarded"])) for r in counts], (applications, winners)),
        "rate_chart": charts.hbars(
            "chart-per-1000", _("Applications and winners per 1,000 registered NGOs"),
            _("Horizontal bars: for each region, applications and winners per 1,000 NGOs registered there. "
              "Regions whose registered count is not known say “no data”."),
            [(r["name"], (r["applications_per_1000"], r["awarded_per_1000"])) for r in rates],
            (_("Applications per 1,000 NGOs"), _("Winners per 1,000 NGOs")), missing=_("no data")),
    }


def share_chart(filters):
    rows = stats.kazakh_share("year", filters)
    return {"rows": rows, "chart": charts.line(
        "chart-kk-share", _("Share of applications and winners in Kazakh, by year"),
        _("Lines on a percent axis from 0 to 100: for each year, the share of applications written in Kazakh "
          "and the share of winning applications in Kazakh. The numbers are in the data table below."),
        [str(r["year"]) for r in rows], (_("Applications"), _("Winners")),
        [[r["kk_share_applications"] for r in rows], [r["kk_share_awarded"] for r in rows]])}


def direction_chart(filters):
    directions = by_code(Direction, "code")
    rows = stats.applications(["direction"], filters)
    for row in rows:
        row["name"] = directions[row["direction"]].name
    rows.sort(key=lambda r: (-r["applications"], -r["awarded"], r["direction"]))
    return {"rows": rows, "chart": charts.hbars(
        "chart-directions", _("Applications and winners by direction"),
        _("Horizontal bars: for each direction of grant financing, the number of applications and of winning "
          "applications, largest first. The numbers are in the data table below."),
        [(f"{r['direction']}. {r['name']}", (r["applications"], r["awarded"])) for r in rows],
        (_("Applications"), _("Winners")))}


def money_charts(filters):
    sources = stats.applications(["funding_source"], filters)
    for row in sources:
        row["name"] = FundingSource(row["funding_source"]).title
    sources.sort(key=lambda r: (-r["amount_awarded"], r["funding_source"]))
    customers = by_code(CustomerBody, "code")
    by_customer = stats.applications(["customer"], filters)
    for row in by_customer:
        row["name"] = customers[row["customer"]].name
    by_customer.sort(key=lambda r: (-r["amount_awarded"], r["name"]))
    return {
        "sources": sources, "customers": by_customer,
        "source_chart": charts.hbars(
            "chart-funding", _("Amount awarded by funding source"),
            _("Horizontal bars: the amount awarded in tenge from each funding source, largest first. "
              "The numbers are in the data table below."),
            [(r["name"], (r["amount_awarded"],)) for r in sources], (_("Amount awarded"),), fmt=format_money),
        "customer_chart": charts.hbars(
            "chart-customers", _("Amount awarded by customer"),
            _("Horizontal bars: the amount awarded in tenge through each customer, largest first. "
              "The numbers are in the data table below."),
            [(r["name"], (r["amount_awarded"],)) for r in by_customer], (_("Amount awarded"),), fmt=format_money),
    }


def contribution(filters):
    """The monitoring figures added up over the filtered years (each row of stats.monitoring is one year)."""
    years = stats.monitoring(filters)
    totals = {key: sum((row[key] for row in years), start=stats.ZERO if money else 0) for key, money in CONTRIBUTION}
    totals["agreements"] = sum(row["agreements"] for row in years)
    return totals


@bp.route("/")
@allow("stats.view")
def index():
    filters, args, errors = read_filters()
    if errors:
        return render_template("reports/dashboard.html", args=args, errors=errors, **form_options()), 400
    return render_template("reports/dashboard.html", args=args, errors=[], regions=region_charts(filters),
                           share=share_chart(filters), directions=direction_chart(filters),
                           money=money_charts(filters), contribution=contribution(filters),
                           contribution_keys=CONTRIBUTION, **form_options())


@bp.route("/applications.xlsx")
@allow("stats.view")
def export():
    """Every application under the filters, one row each, for the analyst's own pivots.

    Written row by row into a temporary file (constant memory, a new sheet at Excel's row limit),
    then sent; the file goes when the response is closed.
    """
    filters, args, errors = read_filters()
    if errors:
        return render_template("reports/dashboard.html", args=args, errors=errors, **form_options()), 400
    out = tempfile.TemporaryFile()
    language = str(get_locale()) if str(get_locale()) in ("kk", "ru", "en") else "ru"
    write_applications_xlsx(out, filters, language)
    out.seek(0)
    years = "-".join(str(y) for y in (filters.year_from, filters.year_to) if y) or "all"
    return send_file(out, as_attachment=True, download_name=f"baiqau-applications-{years}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
