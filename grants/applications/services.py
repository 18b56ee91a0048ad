"""The verbs of an application: start, save, attach, submit; readiness.py, eligibility.py and outcome.py the rest."""

import logging

import sqlalchemy as sa
from flask import current_app

from grants import audit, mail, storage
from grants.appforms import blocks
from grants.applications import readiness
from grants.applications.models import (
    Activity,
    Application,
    BudgetLine,
    Document,
    Indicator,
    OfferLine,
    Partner,
    Status,
    Version,
    copy_row,
    row_dict,
)
from grants.auth.services import eds_required
from grants.calls.services import next_receipt_number
from grants.db import database_now, utcnow
from grants.extensions import db
from grants.i18n import _, format_money, format_number, ngettext
from grants.identifiers import number_problem
from grants.refusals import Refusal
from grants.signatures import documents

log = logging.getLogger(__name__)


class ApplicationError(Refusal):
    """A refusal, with a message for the applicant."""


class PartnerRefused(ApplicationError):
    """A partner the application cannot name; `position` is its place among the partners given."""

    def __init__(self, message, position):
        super().__init__(message)
        self.position = position


def _require_member(actor, application_or_org):
    org = getattr(application_or_org, "organization", application_or_org)
    if not org.has_member(actor):
        raise ApplicationError(_("Only the staff of %(ngo)s can do this.", ngo=org.name))


def _require_editable(application):
    if not application.editable:
        raise ApplicationError(_("The application has been submitted and can no longer be changed."))


def start(actor, topic, organization, language, now=None):
    """A new draft for a topic, written in kk or ru, on behalf of the actor's NGO."""
    _require_member(actor, organization)
    call = topic.call
    if not call.is_open(now):
        raise ApplicationError(_("This call is not accepting applications now."))
    if language not in call.languages:
        raise ApplicationError(_("This call does not accept applications in this language."))
    application = Application(topic=topic, organization=organization, language=language, status=Status.draft,
                              created_by_id=actor.id, duration_months=topic.duration_months,
                              sections=blocks.prefilled(call.application_form, organization, language))
    db.session.add(application)
    audit.record(actor, "application.start", application,
                 after={"topic_id": topic.id, "organization": organization.bin, "language": language})
    return application


def offer_problem(item, volume, unit_price):
    """Why an offer's line cannot be kept, or None: the committed volume no less than the specification's, the
    price per unit no more than its maximum."""
    if volume is not None and volume < item.volume:
        return _("At least %(volume)s: the volume the specification asks for.", volume=format_number(item.volume))
    if unit_price is not None and unit_price > item.max_price:
        return _("At most %(price)s per unit: the specification's maximum price.",
                 price=format_money(item.max_price))
    return None


def _offer_lines(application, offer):
    """OfferLines from the typed rows, each answering one service of the application's topic."""
    items = {item.id: item for item in application.topic.spec_items}
    lines = []
    for row in offer:
        item = items.get(row["spec_item_id"])
        if item is None:
            raise ApplicationError(_("The offer answers a service that is not in the topic's specification. Reload "
                                     "the page."))
        if problem := offer_problem(item, row.get("volume"), row.get("unit_price")):
            raise ApplicationError(problem)
        lines.append(OfferLine(spec_item_id=item.id, position=item.position,
                               approach=(row.get("approach") or "").strip()[:5000], volume=row.get("volume"),
                               unit_price=row.get("unit_price")))
    return sorted(lines, key=lambda line: line.position)


def partner_problem(application, number):
    """Why a partner's BIN or IIN cannot be kept, or None: its check digit must match, and the applicant NGO is
    not its own partner."""
    if problem := number_problem(number, "either"):
        return problem
    if number == application.organization.bin:
        return _("The applicant NGO is not its own partner.")
    return None


def _check_partners(application, partners):
    for position, row in enumerate(partners):
        if problem := partner_problem(application, row.get("number")):
            raise PartnerRefused(problem, position)


def save(actor, application, data, *, activities=(), indicators=(), budget=(), partners=(), offer=(),
         expected_revision=None):
    """Save the draft as typed: incomplete is fine, checks that block come at submission."""
    _require_member(actor, application)
    _require_editable(application)
    if expected_revision is not None and expected_revision != application.revision:
        raise ApplicationError(_("The application was changed in another window. Reload the page to see the "
                                 "latest text; your typing here was not saved."))
    _check_partners(application, partners)
    if data.get("language") and data["language"] != application.language:
        if data["language"] not in application.call.languages:
            raise ApplicationError(_("This call does not accept applications in this language."))
        application.language = data["language"]
        application.language_confirmed = False
    application.title = (data.get("title") or "").strip()[:400]
    definition = application.call.application_form
    if blocks.has(definition, "plan"):
        application.duration_months = data.get("duration_months")
    # An answer to a block the form no longer asks (a correction) is kept, not lost; it is not shown.
    sections = dict(application.sections or {})
    for block in blocks.value_blocks(definition):
        sections[block.code] = blocks.stored(block, data.get(block.code))
    application.sections = sections
    if data.get("language_confirmed") is not None:
        application.language_confirmed = bool(data["language_confirmed"])
    if blocks.has(definition, "plan"):
        application.activities = [Activity(position=i, **row) for i, row in enumerate(activities)]
    if blocks.has(definition, "indicators"):
        application.indicators = [Indicator(position=i, **row) for i, row in enumerate(indicators)]
    if blocks.has(definition, "budget"):
        application.budget_lines = [BudgetLine(position=i, **row) for i, row in enumerate(budget)]
    if blocks.has(definition, "partners"):
        application.partners = [Partner(position=i, **row) for i, row in enumerate(partners)]
    if blocks.has(definition, "offer"):
        lines = _offer_lines(application, offer)
        application.offer_lines = []
        db.session.flush()  # the old lines go first: one line per service
        application.offer_lines = lines
    application.revision += 1
    application.updated_at = utcnow()
    db.session.flush()
    return application


def copy_answers(actor, application, source):
    """Fill the draft's empty answers from one of its NGO's earlier applications: every question the two forms
    share (the same code and kind), and the plan, indicators, budget and partners where the draft has none yet.
    What the applicant already wrote is kept. Returns how many answers were copied."""
    _require_member(actor, application)
    _require_editable(application)
    if source.id == application.id or source.organization_id != application.organization_id:
        raise ApplicationError(_("Answers are copied only from another application of the same NGO."))
    mine = {b.code: b for b in blocks.value_blocks(application.call.application_form)}
    theirs = {b.code: b for b in blocks.value_blocks(source.call.application_form)}
    sections, kept = dict(application.sections or {}), source.sections or {}
    copied = []
    for code, block in mine.items():
        other = theirs.get(code)
        if other is not None and other.kind == block.kind and block.empty(sections.get(code)) \
                and not other.empty(kept.get(code)):
            sections[code] = kept[code]
            copied.append(code)
    application.sections = sections
    definition = application.call.application_form

    def planned_year(kind, row):
        """The row's year where the draft's form plans by year and has that year; else none, as the form saves
        a single budget, and a year the form does not plan is the applicant's to give."""
        if "year" not in row.FIELDS:
            return {}
        planned = blocks.years(definition, kind)
        return {"year": row.year if planned > 1 and row.year is not None and row.year <= planned else None}

    for kind, rows in (("plan", "activities"), ("indicators", "indicators"), ("budget", "budget_lines"),
                       ("partners", "partners")):
        if blocks.has(definition, kind) and not getattr(application, rows) and getattr(source, rows):
            setattr(application, rows, [copy_row(r, **planned_year(kind, r)) for r in getattr(source, rows)])
            copied.append(kind)
    if not application.title and source.title:
        application.title = source.title
        copied.append("title")
    if copied:
        application.revision += 1
        application.updated_at = utcnow()
        audit.record(actor, "application.copy_answers", application,
                     after={"source": source.receipt_number or source.id, "blocks": copied})
    db.session.flush()
    return len(copied)


def snapshot(application):
    """The whole application as submitted, including the NGO's details from its profile."""
    org = application.organization
    return audit.plain({
        "title": application.title,
        "language": application.language,
        "topic": {"id": application.topic_id, "number": application.topic.number,
                  "title_ru": application.topic.title_ru, "title_kk": application.topic.title_kk},
        "organization": {"bin": org.bin, "name_kk": org.name_kk, "name_ru": org.name_ru, "region": org.region.kato,
                         "address": org.address, "head_name": org.head_name, "phone": org.phone, "email": org.email},
        "duration_months": application.duration_months,
        # The form as the applicant answered it: a version is read with its own questions.
        "form": application.call.application_form,
        "sections": application.sections,
        "activities": [row_dict(a) for a in application.activities],
        "indicators": [row_dict(i) for i in application.indicators],
        "budget": [row_dict(b) | {"total": b.total} for b in application.budget_lines],
        "partners": [row_dict(p) for p in application.partners],
        # The offer with the services it answers, as the specification stood: a version reads without the topic.
        "offer": [{"service_kk": o.spec_item.service_kk, "service_ru": o.spec_item.service_ru,
                   "unit_kk": o.spec_item.unit_kk, "unit_ru": o.spec_item.unit_ru,
                   "spec_volume": o.spec_item.volume, "max_price": o.spec_item.max_price, "approach": o.approach,
                   "volume": o.volume, "unit_price": o.unit_price, "total": o.total}
                  for o in application.offer_lines],
        "offer_total": application.offer_total,
        "budget_total": application.budget_total,
        "budget_by_year": application.budget_by_year,
        "institutional_total": application.institutional_total,
        "documents": [{"id": d.id, "kind": d.kind, "filename": d.filename, "size": d.size, "sha256": d.sha256}
                      for d in application.documents],
    })


def signing_content(application, frozen=None):
    """The canonical bytes of what a submission freezes (the snapshot, which names every file's SHA-256); `frozen`
    is that snapshot when the caller made it already."""
    return documents.canonical_json(snapshot(application) if frozen is None else frozen)


def signing_manifest(application, content=None):
    """What the NGO signs to submit: the application, its call, the draft's revision and its content's SHA-256. A
    change of the draft changes the revision, so a signature of an earlier state does not submit a later one."""
    content = signing_content(application) if content is None else content
    return documents.manifest("application", {"application": application.id, "call": application.call.code,
                                              "revision": application.revision}, content)


def _verified_signer(actor, application, signature):
    """The signer of a submission's signature, or ApplicationError saying why it does not sign this application."""
    content = signing_content(application)
    signed = signing_manifest(application, content)
    signer = documents.signer_of(signature, signed, ApplicationError)
    if signer.bin != application.organization.bin:
        raise ApplicationError(_("The application is signed with a certificate that is not of this NGO (BIN "
                                 "%(bin)s). Sign with the EDS of the NGO: the certificate of its head, or of an "
                                 "employee, with its BIN.", bin=application.organization.bin))
    if actor.iin is None:  # who signed must be known as this account's person, as for an agreement
        raise ApplicationError(_("Your account has no EDS linked yet. Sign out, sign in once with “Sign in with "
                                 "EDS”, then sign the application."))
    if signer.iin != actor.iin:
        raise ApplicationError(_("The application is signed with another person's certificate. Sign with your own "
                                 "EDS."))
    return signer, signed, content


def submit(actor, application, now=None, signature=None):
    """Submit before the deadline, exactly once.

    A compare-and-set on the status makes a double click or a retried request submit
    once: the loser sees `already_submitted` and the winner's receipt. The deadline is
    checked here, in the transaction that commits the submission, against the moment the database
    received it: a submission that arrived in time is accepted however long it waits for the lock.
    """
    now = now or database_now(db.session)
    _require_member(actor, application)
    if application.status not in (Status.draft, Status.returned):
        raise AlreadySubmitted(application.receipt_number)
    found = readiness.problems(application, now)
    if found:
        raise ApplicationError(found[0])
    signed = None
    if signature:
        signed = _verified_signer(actor, application, signature)
    elif eds_required(actor):
        raise ApplicationError(_("Your role submits applications signed with EDS: choose “Sign with EDS and "
                                 "submit”."))
    source = application.status
    # Claim the row: the conditional update takes its lock, so a second submit waits for
    # this transaction and then finds the status changed.
    claimed = db.session.execute(
        sa.update(Application)
        .where(Application.id == application.id, Application.status == source,
               Application.revision == application.revision)
        .values(revision=Application.revision + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        log.info("application %s: a concurrent submit claimed it first", application.id)
        status, receipt = db.session.execute(
            sa.select(Application.status, Application.receipt_number).where(Application.id == application.id)
        ).one()
        if status == source:
            raise ApplicationError(_("The application was changed in another window. Reload the page, check the "
                                     "text and submit again."))
        raise AlreadySubmitted(receipt)
    db.session.refresh(application, ["revision"])
    if application.receipt_number is None:
        application.receipt_number = next_receipt_number(application.call)
    application.status = Status.submitted
    application.submitted_at = now
    application.version_count += 1
    application.revision_deadline = None
    for document in application.documents:
        document.frozen = True
    version = Version(application_id=application.id, number=application.version_count, submitted_at=now,
                      submitted_by_id=actor.id, content=snapshot(application))
    db.session.add(version)
    evidence = {}
    if signed is not None:
        signer, manifest, content = signed
        db.session.flush()
        documents.keep("ApplicationVersion", version.id, manifest, content, signature, signer, actor)
        evidence = {"signed_by": signer.full_name, "certificate": signer.serial, "test": signer.test}
    audit.record(actor, "application.submit", application, {"status": source},
                 {"status": "submitted", "receipt": application.receipt_number,
                  "version": application.version_count, **evidence})
    mail.queue_mail(actor.email, "application_submitted", actor.locale or application.language,
                    application=application, version=application.version_count)
    log.info("application %s submitted as %s", application.id, application.receipt_number)
    return application


class AlreadySubmitted(ApplicationError):
    """The application was submitted already (a double click, a retry, another tab)."""

    def __init__(self, receipt_number):
        super().__init__(receipt_number)
        self.receipt_number = receipt_number


def add_document(actor, application, kind, stream, filename):
    _require_member(actor, application)
    _require_editable(application)
    slot = blocks.slot(application.call.application_form, kind)
    if slot is None:
        raise ApplicationError(_("Choose what the document is, from the list."))
    if sum(1 for d in application.documents if d.kind == slot.code) >= slot.limit("max"):
        raise ApplicationError(ngettext("At most %(num)d file is allowed under “%(slot)s”; remove one first.",
                                        "At most %(num)d files are allowed under “%(slot)s”; remove one first.",
                                        slot.limit("max"), slot=slot.label))
    max_bytes = min(current_app.config["MAX_FILE_BYTES"], slot.limit("max_mb") * 1024 * 1024)
    store = storage.storage_from_config(current_app.config)
    stored = store.save(stream, max_bytes=max_bytes, filename=filename or "document")
    if stored.kind not in slot.file_types:  # what the file really is, read by storage, not its name
        store.delete(stored.key)
        raise ApplicationError(_("Under “%(slot)s” only these kinds of file are accepted: %(types)s.",
                                 slot=slot.label, types=", ".join(t.upper() for t in slot.file_types)))
    document = Document(application_id=application.id, kind=slot.code, **storage.stored_columns(stored, actor))
    application.all_documents.append(document)
    audit.record(actor, "application.add_document", application,
                 after={"document": document.filename, "kind": slot.code, "sha256": stored.sha256})
    return document


def remove_document(actor, application, document):
    _require_member(actor, application)
    _require_editable(application)
    audit.record(actor, "application.remove_document", application, before={"document": document.filename})
    if document.frozen:
        document.withdrawn = True  # a submitted version still names it
        return
    key = document.storage_key
    application.all_documents.remove(document)
    db.session.flush()
    storage.storage_from_config(current_app.config).delete(key)
