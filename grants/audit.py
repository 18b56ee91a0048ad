"""The audit trail: who changed what, when, before and after, chained by SHA-256."""

import hashlib
import json
import logging
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.db import UTCDateTime, utcnow
from grants.extensions import db
from grants.requestlog import current_request_id

log = logging.getLogger(__name__)

GENESIS = "0" * 64
# Any constant works: PostgreSQL serialises chain appends on this advisory lock.
_CHAIN_LOCK = 0x62616971


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(255))
    verb: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(64))
    object_id: Mapped[str] = mapped_column(sa.String(64))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The request (or the job a request queued) that wrote it, to find its log lines; outside the hash: it
    # correlates, it does not attest.
    request_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)

    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    def payload(self):
        """The fields the hash covers, in a form that survives a database round trip."""
        return {
            "at": self.at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "verb": self.verb,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "before": self.before,
            "after": self.after,
        }

    def compute_hash(self):
        body = json.dumps(self.payload(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256((self.prev_hash + body).encode()).hexdigest()


def plain(value):
    """A JSON-safe copy of a value: Decimal and dates as strings, enums by value."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool):
        return value.value
    return value


def changes(before, after):
    """Only the keys whose values differ, as a (before, after) pair of dicts."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def add(actor, verb, subject, row, after=None, *, id_as=None):
    """A new row on subject's record: added, flushed so it has its id, and `verb` recorded on subject with
    `after` (led by the row's id under the key `id_as`, when given). Returns the row."""
    db.session.add(row)
    db.session.flush()
    record(actor, verb, subject, after=({id_as: row.id} if id_as else {}) | (after or {}))
    return row


def update(actor, verb, obj, values, *, shown=None, target=None, created=False):
    """Set `values` (attribute → value) on obj and record `verb` with the fields that changed, before and
    after; nothing is recorded when none did. Returns the changed fields' new values ({} when none).

    A relationship's rows are recorded only as `shown` says: record key → a function of obj giving a plain
    value (the directions' codes), read before and after the values are set. The event names `target`
    when it is not obj itself; an object just `created` is recorded whole, from nothing.
    """
    shown = shown or {}
    relationships = set(sa.inspect(obj.__class__).relationships.keys())  # current_user is a proxy

    def fields():
        return {name: plain(getattr(obj, name)) for name in values if name not in relationships} \
            | {key: plain(read(obj)) for key, read in shown.items()}

    before = {} if created else fields()
    for name, value in values.items():
        setattr(obj, name, value)
    old, new = (before, fields()) if created else changes(before, fields())
    if new or created:
        record(actor, verb, obj if target is None else target, old, new)
    return new


def record(actor, verb, obj, before=None, after=None, *, object_type=None, object_id=None):
    """Append one event to the chain and flush; the caller's transaction commits it."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    last = session.execute(
        sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    if obj is not None:
        session.flush()  # a new object needs its id before we name it
    event = AuditEvent(
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or str(actor or "system"),
        verb=verb,
        object_type=object_type or obj.__class__.__name__,  # the class behind a proxy (current_user)
        object_id=str(object_id if object_id is not None else getattr(obj, "id", "")),
        before=plain(before) if before is not None else None,
        after=plain(after) if after is not None else None,
        prev_hash=last or GENESIS,
        request_id=current_request_id(),
    )
    event.hash = event.compute_hash()
    session.add(event)
    session.flush()
    log.info("audit %s %s:%s by %s", verb, event.object_type, event.object_id, event.actor_label)
    return event


def verify(batch=1000):
    """Walk the chain in order; return (events checked, first broken event or None, why)."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).scalars().all()
        if not rows:
            return checked, None, None
        for event in rows:
            if event.prev_hash != prev:
                return checked, event, "prev_hash does not match the event before it"
            if event.compute_hash() != event.hash:
                return checked, event, "contents do not match the stored hash"
            prev = event.hash
            checked += 1
            last_id = event.id
        db.session.expunge_all()
