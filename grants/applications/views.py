"""The applicant's pages: start, write, attach, submit, and the printable receipt."""

import base64
import logging

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

import grants.applications.rules  # noqa: F401  (registers the rules)
from grants import signatures, storage
from grants.appforms import blocks
from grants.applications import eligibility, queries, readiness, services
from grants.applications.changes import compare
from grants.applications.formdata import application_form, collect, form_data, has_problems
from grants.applications.forms import (
    DocumentForm,
    StartForm,
)
from grants.applications.models import Application, Document
from grants.auth.eds import posted_signature
from grants.auth.forms import ConfirmForm
from grants.auth.services import eds_required
from grants.calls.models import Call
from grants.extensions import db
from grants.filters import LANGUAGE_TITLES
from grants.forms import choices, form_problems
from grants.i18n import _, format_datetime, ngettext
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
    content = services.snapshot(application)
    return render_template(
        "applications/applicant/show.html", application=application, content=content,
        problems=readiness.problems(application) if application.editable else [],
        earlier=earlier_applications(application) if application.editable else [],
        review=eligibility.latest_review(application), confirm=ConfirmForm(),
        upload=DocumentForm(definition=application.call.application_form),
        deadline=readiness.submission_deadline(application), signing=_signing(application, content))


def _signing(application, content):
    """What the review page hands NCALayer to sign with the submission, where ЭЦП is on: the manifest in Base64,
    whether the demo's test key may sign instead, whether an unsigned submission is refused, and whether the account
    is linked to an ЭЦП at all (a signature is accepted only from the account's own person)."""
    if current_app.config.get("EDS", "off") == "off" or not application.editable:
        return None
    manifest = services.signing_manifest(application, services.signing_content(application, content))
    return {"manifest": base64.b64encode(manifest).decode(),
            "demo": signatures.verifier().demo is not None, "required": eds_required(current_user),
            "linked": current_user.iin is not None}


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
                           warning=readiness.language_warning(application)), status


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
    signature = posted_signature(lambda: services.signing_manifest(application))
    try:
        services.submit(current_user, application, signature=signature)
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
    signed = signatures.documents.of("ApplicationVersion", version.id)
    return render_template("applications/applicant/receipt.html", application=application, version=version,
                           signature=signed[-1] if signed else None)


@bp.route("/applications/<int:app_id>/versions/<int:number>/changes")
@allow("application.view")
def changes(app_id, number):
    """What version `number` changed against the one before it."""
    application = load(app_id, "application.view")
    versions = {v.number: v for v in application.versions}
    if number not in versions or number - 1 not in versions:
        abort(404)
    before, after = versions[number - 1], versions[number]
    found = compare(before.content, after.content, application.call.application_form)
    own = application.organization.has_member(current_user)
    back = url_for("applications.show" if own else "review.review", app_id=application.id)
    return render_template("applications/changes.html", application=application, before=before, after=after,
                           changes=found, changed=sum(c.changed for c in found), back=back)


@bp.route("/applications/<int:app_id>/versions/<int:number>")
@allow("application.view")
def version(app_id, number):
    application = load(app_id, "application.view")
    found = next((v for v in application.versions if v.number == number), None)
    if found is None:
        abort(404)
    return render_template("applications/applicant/version.html", application=application, version=found,
                           content=found.content)
