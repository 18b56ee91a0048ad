"""The application's form, both ways: the stored application as form data, and a posted form read back into its
sections and rows, every line checked whatever the others hold. One piece: the pages that use it are in views.py."""

from decimal import Decimal

from grants.appforms import blocks
from grants.applications import services
from grants.applications.forms import MAX_ROWS, application_form_class
from grants.applications.models import row_dict
from grants.forms import form_problems, typed, written_rows
from grants.i18n import _


def form_data(application):
    """The stored application as form data, with one blank line at the end of each table that has room."""
    definition = application.call.application_form
    answers = application.sections or {}
    data = {"revision": application.revision, "title": application.title, "language": application.language,
            "language_confirmed": application.language_confirmed, "duration_months": application.duration_months}
    for block in blocks.value_blocks(definition):
        data[block.code] = blocks.form_value(block, answers.get(block.code))
        if block.kind == "table":
            data[block.code] = list(data[block.code] or [])
            if len(data[block.code]) < block.limit("max_rows"):
                data[block.code].append({})
    tables = {}
    for kind, table, rows in (("plan", "activities", "activities"), ("indicators", "indicators", "indicators"),
                              ("budget", "budget", "budget_lines"), ("partners", "partners", "partners")):
        if blocks.has(definition, kind):
            tables[table] = [row_dict(r) for r in getattr(application, rows)]
    for table, rows in tables.items():
        if len(rows) < MAX_ROWS[table]:
            rows.append({})
    if blocks.has(definition, "offer"):
        # One line per service of the specification, in its order; the volume starts at the one it asks for.
        lines = {line.spec_item_id: line for line in application.offer_lines}
        tables["offer"] = [{"spec_item_id": str(item.id), "approach": getattr(lines.get(item.id), "approach", ""),
                            "volume": lines[item.id].volume if item.id in lines else item.volume,
                            "unit_price": getattr(lines.get(item.id), "unit_price", None)}
                           for item in application.topic.spec_items]
    return data | tables


def application_form(application, **kwargs):
    return application_form_class(application.call.application_form)(**kwargs)


def _complain(field, message):
    """A row's message on a field, unless the field already says what is wrong with it."""
    if not field.errors:
        field.errors.append(message)


def _year(row, data, years):
    """The line's year where the form plans by year (None where it does not), with a message if it is missing."""
    if years <= 1:
        return None
    if not typed(row.year):
        _complain(row.year, _("Give the year, from 1 to %(n)d.", n=years))
    elif data["year"] is not None and data["year"] > years:
        _complain(row.year, _("Give the year, from 1 to %(n)d.", n=years))
    return data["year"]


def collect(form, application):
    """Rows and sections from a submitted form, every line checked whatever the others hold.

    A half-written line gets a message, not a guess; a value that could not be read keeps its own
    message (WTForms') and no second one about the same field.
    """
    activities, indicators, budget, partners = [], [], [], []
    definition = application.call.application_form
    years = {kind: blocks.years(definition, kind) for kind in ("indicators", "budget")}
    for row, data in written_rows(getattr(form, "activities", ()), ("activity", "start_month", "end_month", "output")):
        if not typed(row.activity):
            _complain(row.activity, _("Describe the activity."))
        if not typed(row.start_month) or not typed(row.end_month):
            _complain(row.start_month if not typed(row.start_month) else row.end_month,
                      _("Give the months from and to."))
        elif data["start_month"] and data["end_month"] and data["end_month"] < data["start_month"]:
            _complain(row.end_month, _("The last month comes before the first."))
        activities.append({**data, "output": data["output"] or ""})
    for row, data in written_rows(getattr(form, "indicators", ()), ("name", "unit", "baseline", "target")):
        if not typed(row.name) or not typed(row.unit) or not typed(row.target):
            _complain(row.name, _("Give the indicator, its unit and its target."))
        data["year"] = _year(row, data, years["indicators"])
        indicators.append({**data, "baseline": data["baseline"] or Decimal("0")})
    for row, data in written_rows(getattr(form, "budget", ()), ("item", "unit", "quantity", "unit_cost")):
        if not typed(row.item) or not typed(row.quantity) or not typed(row.unit_cost):
            _complain(row.item, _("Give the item, the quantity and the unit cost."))
        data["year"] = _year(row, data, years["budget"])
        budget.append({**data, "unit": data["unit"] or ""})
    for row, data in written_rows(getattr(form, "partners", ()), ("number", "name", "role")):
        number = "".join((data["number"] or "").split())
        name, role = (data["name"] or "").strip(), (data["role"] or "").strip()
        if not number or not name:
            _complain(row.number, _("Give the partner's BIN or IIN and name."))
        elif problem := services.partner_problem(application, number):
            _complain(row.number, problem)  # the rule save enforces, asked here so every problem shows at once
        partners.append({"number": number, "name": name, "role": role})
    offer = _offer(form, application)
    data = {}
    for block in blocks.value_blocks(application.call.application_form):
        field = form[block.code]
        if block.kind == "table":
            keys = [c.code for c in block.columns]
            data[block.code] = [row for _form, row in written_rows(field, keys)]
        else:
            data[block.code] = field.data
    duration = form.duration_months.data if "duration_months" in form else application.duration_months
    data.update(title=form.title.data, language=form.language.data, duration_months=duration,
                language_confirmed=form.language_confirmed.data)
    return data, activities, indicators, budget, partners, offer


def _offer(form, application):
    """The offer's lines as typed, each on a service of the topic's specification, out-of-bounds values marked."""
    items = {str(item.id): item for item in application.topic.spec_items}
    offer = []
    for row in getattr(form, "offer", ()):
        item = items.get(row.form.spec_item_id.data)
        if item is None:
            continue  # a service no longer specified (the page was older than the topic): nothing to keep
        data = {k: row.form[k].data for k in ("approach", "volume", "unit_price")}
        if problem := services.offer_problem(item, data["volume"], None):
            _complain(row.form.volume, problem)
        if problem := services.offer_problem(item, None, data["unit_price"]):
            _complain(row.form.unit_price, problem)
        offer.append({**data, "spec_item_id": item.id, "approach": data["approach"] or ""})
    return offer


def has_problems(form):
    return next(form_problems(form), None) is not None
