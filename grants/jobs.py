"""RQ queues, and jobs enqueued only once the transaction that asked for them has committed."""

import logging

from fakeredis import FakeStrictRedis
from flask import current_app
from redis import Redis
from rq import Queue
from sqlalchemy import event

from grants.db import Session

log = logging.getLogger(__name__)
_PENDING = "baiqau_pending_jobs"
_READY = "baiqau_committed_jobs"


def redis_connection(app=None):
    """The app's Redis connection, or None in the embedded default (no REDIS_URL)."""
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    conn = app.extensions.get("baiqau_redis")
    if conn is None:
        conn = app.extensions["baiqau_redis"] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return conn


def get_queue(name="default"):
    """A real RQ queue when REDIS_URL is set; otherwise one that runs each job in-process."""
    conn = redis_connection()
    if conn is None:
        return Queue(name, is_async=False, connection=FakeStrictRedis())
    return Queue(name, connection=conn)


def enqueue_after_commit(session, func, *args, queue="default", **kwargs):
    """Enqueue func(*args) once session's transaction commits; dropped on rollback."""
    session.connection()  # begin the transaction now, so a rollback has one to end
    session.info.setdefault(_PENDING, []).append((queue, func, args, kwargs))


@event.listens_for(Session, "after_commit")
def _commit_pending(session):
    # Committed, but the session still holds its connection here; send once it is released,
    # so an in-process job that opens its own session never waits for a second connection.
    session.info.setdefault(_READY, []).extend(session.info.pop(_PENDING, []))


@event.listens_for(Session, "after_transaction_end")
def _send_ready(session, transaction):
    if transaction.parent is not None:
        return
    for queue, func, args, kwargs in session.info.pop(_READY, []):
        job = get_queue(queue).enqueue(func, *args, **kwargs)
        log.info("enqueued %s on %s as %s", getattr(func, "__name__", func), queue, job.id)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session, previous_transaction):
    if session.info.pop(_PENDING, None):
        log.info("transaction rolled back: pending jobs dropped")
