"""Keeping the search index current: a listener on every flush re-indexes the calls, applications, NGOs and
agreements the flush wrote, so no service has to remember it; `flask search-reindex` rebuilds the whole index.

An application's draft is its NGO's alone and is not indexed; a submitted one carries the moment its seal lifts.
"""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from grants.agreements.models import Agreement
from grants.applications.models import Application, Status
from grants.calls.models import Call, Topic
from grants.db import Session
from grants.extensions import db
from grants.organizations.models import Organization
from grants.search.models import Kind, SearchEntry
from grants.search.text import normalise

TABLE = SearchEntry.__table__


def _text(*parts):
    return "\n".join(p for p in parts if p)


def call_text(call):
    topics = [t for topic in call.topics for t in (topic.title_kk, topic.title_ru, topic.goal_kk, topic.goal_ru)]
    return _text(call.code, call.title_kk, call.title_ru, call.title_en, call.description_kk, call.description_ru,
                 *topics)


def application_text(application):
    org = application.organization
    return _text(application.text(), org.name_kk, org.name_ru)


def organization_text(org):
    return _text(org.name_kk, org.name_ru, org.head_name, org.address)


def agreement_text(agreement):
    org = agreement.organization
    return _text(agreement.title, org.name_kk, org.name_ru)


def _numbers(*parts):
    return " ".join(dict.fromkeys(p.strip().upper() for p in parts if p and p.strip()))


def call_entry(call):
    return dict(kind=Kind.call, object_id=call.id, language=None, call_id=call.id, region_id=None,
                status=call.status, sealed_until=None, numbers=_numbers(call.code),
                words=normalise(call_text(call)))


def application_entry(application):
    if application.status == Status.draft:
        return None
    org, call = application.organization, application.call
    return dict(kind=Kind.application, object_id=application.id, language=application.language, call_id=call.id,
                region_id=org.region_id, status=application.status,
                sealed_until=None if application.opened_early_at is not None else call.deadline_at,
                numbers=_numbers(application.receipt_number, org.bin),
                words=normalise(application_text(application)))


def organization_entry(org):
    return dict(kind=Kind.organization, object_id=org.id, language=None, call_id=None, region_id=org.region_id,
                status=None, sealed_until=None, numbers=_numbers(org.bin),
                words=normalise(organization_text(org)))


def agreement_entry(agreement):
    org = agreement.organization
    return dict(kind=Kind.agreement, object_id=agreement.id, language=agreement.language,
                call_id=agreement.topic.call_id, region_id=org.region_id, status=agreement.status,
                sealed_until=None,
                numbers=_numbers(agreement.number, agreement.contract_number, agreement.procurement_ref, org.bin),
                words=normalise(agreement_text(agreement)))


ENTRIES = {Call: (Kind.call, call_entry), Application: (Kind.application, application_entry),
           Organization: (Kind.organization, organization_entry), Agreement: (Kind.agreement, agreement_entry)}


TEXTS = {Call: call_text, Application: application_text, Organization: organization_text,
         Agreement: agreement_text}


def source_text(obj):
    """The text an entry's words are made from, as written: what a snippet is cut from (grants/search/snippets.py)."""
    return TEXTS[type(obj)](obj)


def write(connection, objects, removed=()):
    """Replace the entries of `objects` (their current state) and drop those of `removed` [(kind, id)]."""
    rows, gone = [], set(removed)
    for obj in objects:
        kind, entry = ENTRIES[type(obj)]
        gone.add((kind.value, obj.id))
        if (row := entry(obj)) is not None:
            rows.append(row)
    for kind in {k for k, _id in gone}:
        ids = [i for k, i in gone if k == kind]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            connection.execute(TABLE.delete().where(TABLE.c.kind == kind, TABLE.c.object_id.in_(chunk)))
    if rows:
        connection.execute(TABLE.insert(), rows)
    return len(rows)


def _changed(session):
    """What this flush wrote that an entry is made from: (objects to index again, (kind, id) of those deleted,
    calls whose deadline moved)."""
    objects, removed, deadlines = set(), set(), set()
    for obj in session.deleted:
        if type(obj) in ENTRIES:
            removed.add((ENTRIES[type(obj)][0].value, obj.id))
    for obj in (*session.new, *session.dirty):
        if obj in session.deleted:
            continue
        if isinstance(obj, Topic):
            obj = obj.call
        if type(obj) not in ENTRIES or obj is None:
            continue
        objects.add(obj)
        if isinstance(obj, Call) and obj in session.dirty and sa.inspect(obj).attrs.deadline_at.history.has_changes():
            deadlines.add(obj)
        if isinstance(obj, Organization) and obj in session.dirty:
            # an application and an agreement are found by their NGO's name and region too
            objects.update(session.execute(sa.select(Application).where(
                Application.organization_id == obj.id, Application.status != Status.draft)).scalars())
            objects.update(session.execute(sa.select(Agreement).where(Agreement.organization_id == obj.id)).scalars())
    return objects, removed, deadlines


def after_flush(session, flush_context):
    if not (session.new or session.dirty or session.deleted):
        return
    with session.no_autoflush:
        objects, removed, deadlines = _changed(session)
        if not (objects or removed):
            return
        connection = session.connection()
        write(connection, objects, removed)
        for call in deadlines:  # a moved deadline moves the seal of the call's applications not opened early
            connection.execute(TABLE.update().where(
                TABLE.c.kind == Kind.application, TABLE.c.call_id == call.id, TABLE.c.sealed_until.is_not(None))
                .values(sealed_until=call.deadline_at))


def register(app):
    if not sa.event.contains(Session, "after_flush", after_flush):
        sa.event.listen(Session, "after_flush", after_flush)


# What an entry (and a hit's snippet and line) reads of its object, loaded a batch at a time.
LOADS = {
    Call: (selectinload(Call.topics),),
    Application: (selectinload(Application.activities), joinedload(Application.topic).selectinload(Topic.call)),
    Organization: (),
    Agreement: (),
}


def reindex(batch=500):
    """Rebuild the whole index from the objects; {kind: entries written}."""
    connection = db.session.connection()
    connection.execute(TABLE.delete())
    counts = {}
    for model, (kind, _entry) in ENTRIES.items():
        query = sa.select(model.id).order_by(model.id)
        if model is Application:
            query = query.where(Application.status != Status.draft)
        ids = db.session.execute(query).scalars().all()
        counts[kind.value] = 0
        for start in range(0, len(ids), batch):
            chunk = db.session.execute(sa.select(model).where(model.id.in_(ids[start:start + batch]))
                                       .options(*LOADS[model])).unique().scalars().all()
            counts[kind.value] += write(connection, chunk)
    return counts
