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


def timeline(obj, limit=300):
    """The object's audit events, newest first: its activity as its staff read it."""
    return db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.object_type == type(obj).__name__,
                                    AuditEvent.object_id == str(obj.id))
        .order_by(AuditEvent.id.desc()).limit(limit)).scalars().all()


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


class AuditHead(db.Model):
    """The chain's head as published on a day (Astana time): the newest event then, by its position in the chain
    and its hash. Whoever keeps a published head can later prove that nothing up to it was removed or changed."""

    __tablename__ = "audit_heads"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, unique=True)
    # not a foreign key: a head outlives a tampered log, which is what it is kept to reveal
    event_id: Mapped[int]
    position: Mapped[int]  # the events in the chain up to and with this one
    hash: Mapped[str] = mapped_column(sa.String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def current_head():
    """(event id, position, hash) of the chain's newest event, or None while the chain is empty."""
    last = db.session.execute(sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc())
                              .limit(1)).first()
    if last is None:
        return None
    position = db.session.execute(sa.select(sa.func.count(AuditEvent.id))
                                  .where(AuditEvent.id <= last.id)).scalar_one()
    return last.id, position, last.hash


def publish_head(now=None):
    """Publish today's head (once a day, from cron: `flask audit publish-head`); today's, if already published."""
    from grants.i18n import ALMATY

    now = now or utcnow()
    day = now.astimezone(ALMATY).date()
    head = db.session.execute(sa.select(AuditHead).where(AuditHead.day == day)).scalar_one_or_none()
    if head is not None:
        return head
    current = current_head()
    if current is None:
        return None
    event_id, position, digest = current
    head = AuditHead(day=day, event_id=event_id, position=position, hash=digest, published_at=now)
    db.session.add(head)
    db.session.flush()
    return head


def published_heads(limit=None):
    query = sa.select(AuditHead).order_by(AuditHead.day.desc())
    return db.session.execute(query.limit(limit) if limit else query).scalars().all()


def verify_head(position, digest):
    """Why the chain does not hold `digest` as its event at `position` (None when it does)."""
    row = db.session.execute(sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id)
                             .offset(position - 1).limit(1)).first() if position >= 1 else None
    if row is None:
        return f"the chain has fewer than {position} events: events were removed"
    if row.hash != digest:
        return f"event {position} of the chain does not have the published hash: the chain was changed"
    return None


def verify_published(digest=None):
    """Each head published here (and `digest`, a head kept elsewhere) is still in the chain, at its position.

    Returns a list of problems, empty when every head holds. The chain itself is checked by verify()."""
    problems = []
    for head in published_heads():
        why = verify_head(head.position, head.hash)
        if why:
            problems.append(f"head of {head.day.isoformat()} ({head.hash[:12]}…): {why}")
    if digest:
        known = db.session.execute(sa.select(AuditHead).where(AuditHead.hash == digest)).scalars().first()
        if known is None and db.session.execute(
                sa.select(AuditEvent.id).where(AuditEvent.hash == digest)).first() is None:
            problems.append(f"head {digest[:12]}… is not in the chain: events were removed or changed")
    return problems
