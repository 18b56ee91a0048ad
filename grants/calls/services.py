"""The verbs of a call: create, edit, add topics, publish, extend the deadline, close."""

import logging
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup

from grants import audit, storage
from grants.appforms import templates as appform_templates
from grants.calls.models import (
    GRANT_TYPE_BOUNDS,
    Call,
    CallDocument,
    CallStatus,
    DeadlineExtension,
    GrantType,
    Instrument,
    SpecItem,
    Topic,
)
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _, format_datetime, format_money
from grants.reference.models import BudgetLevel, CustomerBody
from grants.reference.services import mrp_for, mrp_missing
from grants.refusals import Refusal

CENT = Decimal("0.01")
log = logging.getLogger(__name__)

CALL_FIELDS = ("code", "instrument", "customer_id", "funding_source", "budget_year", "title_kk", "title_ru",
               "title_en", "description_kk", "description_ru", "description_en", "opens_at", "deadline_at",
               "accepts_kk", "accepts_ru", "experts_per_application", "criteria_set")
TOPIC_FIELDS = ("direction_id", "title_kk", "title_ru", "title_en", "goal_kk", "goal_ru", "tasks_kk", "tasks_ru",
                "results_kk", "results_ru", "indicators_kk", "indicators_ru", "grant_type", "duration_months",
                "amount_cap", "grants_count")
SPEC_TEXTS = ("problem_kk", "problem_ru", "target_group_kk", "target_group_ru", "place_kk", "place_ru",
              "standard_kk", "standard_ru")
SPEC_ITEM_FIELDS = ("service_kk", "service_ru", "unit_kk", "unit_ru", "volume", "max_price")


def _spec_snapshot(topic):
    return audit.plain([[getattr(item, k) for k in SPEC_ITEM_FIELDS] for item in topic.spec_items])


class CallError(Refusal):
    """A refusal, with a message for the operator."""


def _require_status(call, *statuses):
    if call.status not in statuses:
        raise CallError(_("This is not possible in the call's current phase (%(phase)s).", phase=call.phase().title))


class CallProblems(CallError):
    """Every reason the call's data is refused, by field: {field name: message}."""

    def __init__(self, problems):
        self.problems = dict(problems)
        # plain text for logs and the command line; a Markup message (with its link) is read as text
        super().__init__(" ".join(m.striptags() if isinstance(m, Markup) else str(m) for m in self.problems.values()))


def call_problems(data, call=None):
    """Every reason the call's data cannot be saved, by the field it concerns, all checked at once.

    A value that is None (the form could not read it) is not checked here: its field says why.
    """
    found = {}
    code = data.get("code")
    if code:
        clash = db.session.execute(sa.select(Call.id).where(Call.code == code)).scalar_one_or_none()
        if clash is not None and (call is None or clash != call.id):
            found["code"] = _("Another call already has the code %(code)s.", code=code)
    if data.get("opens_at") and data.get("deadline_at") and data["deadline_at"] <= data["opens_at"]:
        found["deadline_at"] = _("The deadline must come after the opening of intake.")
    if not (data.get("accepts_kk") or data.get("accepts_ru")):
        found["accepts_kk"] = _("Accept applications in at least one language.")
    customer = db.session.get(CustomerBody, data["customer_id"]) if data.get("customer_id") else None
    if customer is None:
        found["customer_id"] = _("Choose the customer body.")
    else:
        expected = {"republican": BudgetLevel.republican, "local": BudgetLevel.local}.get(data.get("funding_source"))
        if expected and customer.level != expected:
            found["funding_source"] = _(
                "A %(source)s call needs a customer body of the same budget level.",
                source=_("republican budget") if expected == BudgetLevel.republican else _("local budget"))
    if data.get("budget_year") and mrp_for(data["budget_year"]) is None:
        found["budget_year"] = mrp_missing(data["budget_year"])
    return found


def _check_call(data, call=None):
    problems = call_problems(data, call)
    if problems:
        raise CallProblems(problems)


def _criteria_by_instrument(data):
    """The criteria left to the instrument: a grant's, the SSO's with the price, an award's past contribution."""
    if not data.get("criteria_set"):
        data = {**data, "criteria_set": appform_templates.CRITERIA[str(data["instrument"])]}
    return data


def create_call(actor, data):
    data = _criteria_by_instrument(data)
    _check_call(data)
    call = Call(**{k: data[k] for k in CALL_FIELDS}, status=CallStatus.draft, created_by_id=actor.id,
                application_form=appform_templates.for_instrument(data["instrument"]))
    db.session.add(call)
    audit.record(actor, "call.create", call, after={k: data[k] for k in ("code", "instrument", "deadline_at")})
    return call


def update_call(actor, call, data):
    _require_status(call, CallStatus.draft)
    data = _criteria_by_instrument(data)
    _check_call(data, call)
    if data["instrument"] != call.instrument and call.application_form == appform_templates.for_instrument(
            call.instrument):
        # The form was still the old instrument's template, untouched: the new instrument's replaces it.
        call.application_form = appform_templates.for_instrument(data["instrument"])
    audit.update(actor, "call.update", call, {k: data[k] for k in CALL_FIELDS})


def topic_problem(call, data):
    """Why a topic's money or duration does not fit its grant type, or None."""
    mrp = mrp_for(call.budget_year)
    amount = data["amount_cap"]
    if call.instrument in (Instrument.state_grant, Instrument.non_state_grant):
        low_months, high_months, low, high = GRANT_TYPE_BOUNDS[GrantType(data["grant_type"])]
        title = GrantType(data["grant_type"]).title
        if not low_months <= data["duration_months"] <= high_months:
            return _("A grant of type “%(type)s” must last %(low)d to %(high)d months.", type=title, low=low_months,
                     high=high_months)
        if amount < low * mrp:
            return _("A grant of type “%(type)s” must be at least %(mrp)d MCI (%(amount)s in %(year)d).",
                     type=title, mrp=low,
                     amount=format_money(low * mrp), year=call.budget_year)
        if high is not None and amount > high * mrp:
            return _("A grant of type “%(type)s” must be at most %(mrp)d MCI (%(amount)s in %(year)d).",
                     type=title, mrp=high,
                     amount=format_money(high * mrp), year=call.budget_year)
    if call.instrument == Instrument.award and amount < 2000 * mrp:
        return _("An award must be at least 2,000 MCI (%(amount)s in %(year)d).", amount=format_money(2000 * mrp),
                 year=call.budget_year)
    return None


def spec_problem(call, data, items):
    """Why a state social order topic's specification cannot be kept, or None: every service named in both
    languages with its unit, a volume and a maximum price, and all of them at their maximum within the money."""
    if not items:
        return _("List at least one service the supplier is to deliver.")
    for n, item in enumerate(items, start=1):
        if not all(item.get(k) for k in SPEC_ITEM_FIELDS) or item["volume"] <= 0 or item["max_price"] <= 0:
            return _("Service %(n)d: give the service and its unit in both languages, the volume and the maximum "
                     "price.", n=n)
    total = sum((Decimal(i["volume"]) * Decimal(i["max_price"]) for i in items), Decimal("0")).quantize(CENT)
    if total > data["amount_cap"]:
        return _("The services at their maximum prices come to %(total)s, more than the topic's amount, %(cap)s.",
                 total=format_money(total), cap=format_money(data["amount_cap"]))
    return None


def save_topic(actor, call, topic, data, regions, items=None):
    """Add (topic is None) or change a topic of a draft call; a state social order's topic with its technical
    specification (`items`: the services, each a dict of SPEC_ITEM_FIELDS)."""
    _require_status(call, CallStatus.draft)
    if not regions:
        raise CallError(_("Choose at least one region the topic covers."))
    data = {**data, "amount_cap": Decimal(data["amount_cap"]).quantize(Decimal("0.01"))}
    problem = topic_problem(call, data)
    sso = call.instrument == Instrument.sso
    if sso:
        items = [{**i, "volume": Decimal(i["volume"]).quantize(CENT) if i.get("volume") is not None else None,
                  "max_price": Decimal(i["max_price"]).quantize(CENT) if i.get("max_price") is not None else None}
                 for i in items or ()]
        problem = problem or spec_problem(call, data, items)
    if problem:
        raise CallError(problem)
    creating = topic is None
    if creating:
        number = max((t.number for t in call.topics), default=0) + 1
        topic = Topic(call=call, number=number)
        db.session.add(topic)
    values = {**{k: data[k] for k in TOPIC_FIELDS}, "regions": list(regions)}
    shown = {"regions": lambda t: sorted(r.kato for r in t.regions)}
    if sso:
        values |= {k: (data.get(k) or "").strip() for k in SPEC_TEXTS}
        values["spec_items"] = [SpecItem(position=n, **{k: item[k] for k in SPEC_ITEM_FIELDS})
                                for n, item in enumerate(items)]
        shown["spec"] = _spec_snapshot
    audit.update(actor, "topic.create" if creating else "topic.update", topic, values, shown=shown,
                 created=creating)
    return topic


def delete_topic(actor, call, topic):
    _require_status(call, CallStatus.draft)
    audit.record(actor, "topic.delete", topic, before={"number": topic.number, "title_ru": topic.title_ru})
    call.topics.remove(topic)


def publish(actor, call, now=None):
    _require_status(call, CallStatus.draft)
    now = now or utcnow()
    if not call.topics:
        raise CallError(_("Add at least one topic before publishing."))
    if call.instrument == Instrument.sso:
        for topic in call.topics:
            if not topic.spec_items:
                raise CallError(_("Topic %(n)d has no technical specification: list its services before "
                                  "publishing.", n=topic.number))
    if call.deadline_at <= now:
        raise CallError(_("The deadline has already passed: change it before publishing."))
    call.status = CallStatus.published
    call.published_at = now
    audit.record(actor, "call.publish", call, {"status": "draft"}, {"status": "published"})


def extend_deadline(actor, call, new_deadline, reason, now=None):
    """Move the deadline later; the old one and the reason stay on the record and on the public page."""
    _require_status(call, CallStatus.published)
    now = now or utcnow()
    if new_deadline <= call.deadline_at:
        raise CallError(_("The new deadline must be later than the current one (%(deadline)s).",
                          deadline=format_datetime(call.deadline_at)))
    if new_deadline <= now:
        raise CallError(_("The new deadline must be in the future."))
    if not (reason or "").strip():
        raise CallError(_("Give the reason for the extension: it is published."))
    extension = DeadlineExtension(call_id=call.id, old_deadline=call.deadline_at, new_deadline=new_deadline,
                                  reason=reason.strip(), by_id=actor.id)
    db.session.add(extension)
    call.extensions.append(extension)
    audit.record(actor, "call.extend_deadline", call, {"deadline_at": call.deadline_at},
                 {"deadline_at": new_deadline, "reason": reason.strip()})
    call.deadline_at = new_deadline
    return extension


def close(actor, call, now=None):
    _require_status(call, CallStatus.published)
    now = now or utcnow()
    if call.deadline_at > now:
        raise CallError(_("Intake is still running until %(deadline)s.", deadline=format_datetime(call.deadline_at)))
    call.status = CallStatus.closed
    call.closed_at = now
    audit.record(actor, "call.close", call, {"status": "published"}, {"status": "closed"})


def record_commission_decision(actor, call, now=None):
    """The commission approved a protocol on the call: from the first one, eligibility is decided for good.

    Called by the commission (grants never asks scoring); later protocols keep the first date.
    """
    if call.commission_decided_at is not None:
        return
    call.commission_decided_at = now or utcnow()
    audit.record(actor, "call.commission_decided", call, {"commission_decided_at": None},
                 {"commission_decided_at": call.commission_decided_at})


def add_document(actor, call, title, stream, filename):
    """Publish a document with the call; it is public as soon as the call is."""
    if not (title or "").strip():
        raise CallError(_("Give the document a title."))
    stored = storage.storage_from_config(current_app.config).save(
        stream, max_bytes=current_app.config["MAX_FILE_BYTES"], filename=filename or "document")
    document = CallDocument(call_id=call.id, title=title.strip()[:400], **storage.stored_columns(stored, actor))
    call.documents.append(document)
    audit.record(actor, "call.add_document", call, after={"document": document.filename, "sha256": stored.sha256})
    return document


def remove_document(actor, call, document):
    audit.record(actor, "call.remove_document", call, before={"document": document.filename})
    key = document.storage_key
    call.documents.remove(document)
    db.session.flush()
    storage.storage_from_config(current_app.config).delete(key)


def next_receipt_number(call):
    """The next receipt number of the call; a row lock makes two submissions never share one."""
    seq = db.session.execute(
        sa.update(Call).where(Call.id == call.id).values(receipt_seq=Call.receipt_seq + 1).returning(Call.receipt_seq)
    ).scalar_one()
    return f"{call.code}-{seq:05d}"
