"""The applicant's pages: start, write, attach, submit, and the printable receipt."""

import logging
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

import grants.applications.rules  # noqa: F401  (registers the rules)
from grants import storage
from grants.appforms import blocks
from grants.applications import eligibility, queries, services
from grants.applications.forms import (
    MAX_ROWS,
    DocumentForm,
    StartForm,
    application_form_class,
)
from grants.applications.models import Application, Document, row_dict
from grants.auth.forms import ConfirmForm
from grants.calls.models import Call
from grants.extensions import db
from grants.filters import LANGUAGE_TITLES
from grants.forms import choices, form_problems, typed, written_rows
from grants.i18n import _, format_datetime, ngettext
from grants.identifiers import number_problem
from grants.organizations.models import Membership, Organization
from grants.permissions import allow, require
from grants.refusals import attempt

log = logging.getLogger(__name__)
bp = Blueprint("applications", __name__, template_folder="templates")


def load(app_id, action):
    application = db.get_or_404(Application, app_id)
    require(action, application)
    return application


@bp.route("/applications/")
@allow("application.start")
def index():
    page = db.paginate(queries.member_applications(current_user), per_page=30, error_out=False)
    return render_template("applications/applicant/index.html", page=page)


@bp.route("/calls/<int:call_id>/apply", methods=["GET", "POST"])
@allow("application.start")
def start(call_id):
    call = db.get_or_404(Call, call_id)
    require("call.view", call)
    orgs = db.session.execute(
        sa.select(Organization).join(Membership).where(Membership.user_id == current_user.id)
    ).scalars().all()
    if not orgs:
        flash(_("First register your NGO: applications are made on its behalf."), "info")
        return redirect(url_for("organizations.register", next=request.path))
    form = StartForm()
    form.topic_id.choices = choices((t.id, f"{t.number}. {t.title}") for t in call.topics)
    form.organization_id.choices = choices((o.id, f"{o.name} ({o.bin})") for o in orgs)
    form.language.choices = choices((lang, LANGUAGE_TITLES[lang]) for lang in call.languages)
    if form.validate_on_submit():
        topic = next(t for t in call.topics if t.id == form.topic_id.data)
        org = next(o for o in orgs if o.id == form.organization_id.data)
        application = attempt(services.start, current_user, topic, org, form.language.data)
        if application:
            return redirect(url_for("applications.edit", app_id=application.id))
    return render_template("applications/applicant/start.html", form=form, call=call), \
        400 if request.method == "POST" else 200


@bp.route("/applications/<int:app_id>")
@allow("application.view")
def show(app_id):
    application = load(app_id, "application.view")
    return render_template(
        "applications/applicant/show.html", application=application, content=services.snapshot(application),
        problems=services.problems(application) if application.editable else [],
        earlier=earlier_applications(application) if application.editable else [],
        review=eligibility.latest_review(application), confirm=ConfirmForm(),
        upload=DocumentForm(definition=application.call.application_form),
        deadline=services.submission_deadline(application))


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
        elif problem := number_problem(number, "either"):
            _complain(row.number, problem)
        elif number == application.organization.bin:
            _complain(row.number, _("The applicant NGO is not its own partner."))
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


def _save(application, form):
    """Check the whole form, then save it: None when saved, else the refusal's message.

    The rows are checked even when a field above failed, so every problem shows at once; the
    problems stay on their fields and the summary above the form names each one.
    """
    form.validate()
    collected = collect(form, application)
    if has_problems(form):
        count = sum(1 for _problem in form_problems(form))
        return ngettext("Not saved: %(num)d problem, marked in the form. Nothing was lost; correct it and save.",
                        "Not saved: %(num)d problems, marked in the form. Nothing was lost; correct them and save.",
                        count)
    data, activities, indicators, budget, partners, offer = collected
    expected = int(form.revision.data) if (form.revision.data or "").isdigit() else None
    try:
        services.save(current_user, application, data, activities=activities, indicators=indicators, budget=budget,
                      partners=partners, offer=offer, expected_revision=expected)
    except services.ApplicationError as refusal:
        db.session.rollback()
        return str(refusal)
    db.session.commit()
    return None


@bp.route("/applications/<int:app_id>/edit", methods=["GET", "POST"])
@allow("application.edit")
def edit(app_id):
    application = load(app_id, "application.edit")
    if not application.editable:
        flash(_("The application has been submitted and can no longer be changed."), "info")
        return redirect(url_for("applications.show", app_id=application.id))
    form = application_form(application, data=form_data(application)) if request.method == "GET" \
        else application_form(application)
    status = 200
    if request.method == "POST":
        status = 400
        problem = _save(application, form)
        if problem is None:
            flash(_("Saved at %(time)s.", time=format_datetime(application.updated_at, "HH:mm")), "success")
            target = "applications.show" if request.form.get("then") == "review" else "applications.edit"
            return redirect(url_for(target, app_id=application.id))
        if not has_problems(form):  # a field's problem is in the summary above the form, not said twice
            flash(problem, "error")
    return render_template("applications/applicant/edit.html", form=form, application=application,
                           blocks=blocks.blocks(application.call.application_form),
                           warning=services.language_warning(application)), status


def earlier_applications(application):
    """The NGO's other applications, newest first: what its answers may be copied from."""
    return db.session.execute(
        sa.select(Application).where(Application.organization_id == application.organization_id,
                                     Application.id != application.id)
        .order_by(Application.updated_at.desc()).limit(50)).scalars().all()


@bp.route("/applications/<int:app_id>/copy", methods=["POST"])
@allow("application.edit")
def copy_answers(app_id):
    application = load(app_id, "application.edit")
    source_id = request.form.get("source", type=int)
    source = next((a for a in earlier_applications(application) if a.id == source_id), None)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if source is None:
        flash(_("Choose one of your NGO's earlier applications."), "error")
        return redirect(url_for("applications.show", app_id=app_id))
    copied = attempt(services.copy_answers, current_user, application, source)
    if copied is None:  # refused, and told why
        return redirect(url_for("applications.show", app_id=app_id))
    if copied == 0:
        flash(_("Nothing was copied: every answer the two forms share is already written here."), "info")
        return redirect(url_for("applications.show", app_id=app_id))
    flash(ngettext("%(num)d answer copied from %(source)s. Check it and save.",
                   "%(num)d answers copied from %(source)s. Check them and save.", copied,
                   source=source.receipt_number or source.title or _("(no title yet)")), "success")
    return redirect(url_for("applications.edit", app_id=app_id))


@bp.route("/applications/<int:app_id>/autosave", methods=["POST"])
@allow("application.edit")
def autosave(app_id):
    """The same save as the form's, called by the page's script every few seconds while typing."""
    application = load(app_id, "application.edit")
    if not application.editable:
        return jsonify(saved=False, message=_("The application has been submitted and can no longer be changed.")), 409
    form = application_form(application)
    problem = _save(application, form)
    if problem:
        fields = [{"id": p.field_id, "label": p.label, "message": p.message} for p in form_problems(form)]
        return jsonify(saved=False, message=problem, problems=fields), 400
    return jsonify(saved=True, revision=application.revision,
                   message=_("Saved at %(time)s.", time=format_datetime(application.updated_at, "HH:mm")))


@bp.route("/applications/<int:app_id>/documents", methods=["POST"])
@allow("application.edit")
def upload(app_id):
    application = load(app_id, "application.edit")
    form = DocumentForm(definition=application.call.application_form)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
        return redirect(url_for("applications.show", app_id=application.id) + "#documents")
    try:
        document = attempt(services.add_document, current_user, application, form.kind.data, form.file.data.stream,
                           form.file.data.filename)
    except storage.StorageError:
        db.session.rollback()
        log.exception("document for application %s not stored", application.id)
        flash(_("The file could not be stored just now; nothing was lost. Try again in a few minutes."), "error")
    else:
        if document:
            flash(_("%(name)s is attached.", name=document.filename), "success")
    return redirect(url_for("applications.show", app_id=application.id) + "#documents")


def load_document(application, doc_id):
    document = db.session.get(Document, doc_id)
    if document is None or document.application_id != application.id:
        abort(404)
    return document


@bp.route("/applications/<int:app_id>/documents/<int:doc_id>/delete", methods=["POST"])
@allow("application.edit")
def remove_document(app_id, doc_id):
    application = load(app_id, "application.edit")
    document = load_document(application, doc_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(services.remove_document, current_user, application, document, success=_("The document is removed."))
    return redirect(url_for("applications.show", app_id=application.id) + "#documents")


@bp.route("/applications/<int:app_id>/documents/<int:doc_id>")
@allow("application.view")
def document(app_id, doc_id):
    application = load(app_id, "application.view")
    doc = load_document(application, doc_id)
    stream = storage.storage_from_config(current_app.config).open(doc.storage_key)
    return send_file(stream, mimetype=doc.content_type, as_attachment=True, download_name=doc.filename)


@bp.route("/applications/<int:app_id>/submit", methods=["POST"])
@allow("application.edit")
def submit(app_id):
    application = load(app_id, "application.edit")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.submit(current_user, application)
    except services.AlreadySubmitted as already:
        db.session.rollback()
        flash(_("This application was already submitted; its receipt number is %(number)s.",
                number=already.receipt_number), "info")
        return redirect(url_for("applications.receipt", app_id=app_id))
    except services.ApplicationError as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(url_for("applications.show", app_id=app_id))
    db.session.commit()
    flash(_("The application is submitted. Receipt number: %(number)s.", number=application.receipt_number),
          "success")
    return redirect(url_for("applications.receipt", app_id=app_id))


@bp.route("/applications/<int:app_id>/receipt")
@allow("application.view")
def receipt(app_id):
    application = load(app_id, "application.view")
    if application.receipt_number is None:
        abort(404)
    version = application.versions[-1]
    return render_template("applications/applicant/receipt.html", application=application, version=version)


@bp.route("/applications/<int:app_id>/versions/<int:number>")
@allow("application.view")
def version(app_id, number):
    application = load(app_id, "application.view")
    found = next((v for v in application.versions if v.number == number), None)
    if found is None:
        abort(404)
    return render_template("applications/applicant/version.html", application=application, version=found,
                           content=found.content)
