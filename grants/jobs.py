"""RQ queues, and jobs enqueued only once the transaction that asked for them has committed."""

import logging

from fakeredis import FakeStrictRedis
from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import event

from grants.db import Session
from grants.requestlog import current_request_id

log = logging.getLogger(__name__)
QUEUES = ("default", "mail", "monitoring", "reports")  # every queue a job of ours is put on
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


def enqueue_after_commit(session, func, *args, queue="default", required=False, **kwargs):
    """Enqueue func(*args) once session's transaction commits; dropped on rollback.

    If Redis refuses the job after the commit, the commit stands: an NGO's submission must not turn
    into an error page because a notification could not be queued. The refusal is logged, and the
    job must be one that can be sent again (mail stays in the outbox for `flask mail flush`).
    With required=True the refusal is raised to the caller instead (see reports.jobs.commit_request).
    """
    session.connection()  # begin the transaction now, so a rollback has one to end
    # The request that queued it goes with the job, so the job's log lines carry its id.
    kwargs = {**kwargs, "meta": {**kwargs.get("meta", {}), "request_id": current_request_id()}}
    session.info.setdefault(_PENDING, []).append((queue, func, args, kwargs, required))


@event.listens_for(Session, "after_commit")
def _commit_pending(session):
    # Committed, but the session still holds its connection here; send once it is released,
    # so an in-process job that opens its own session never waits for a second connection.
    session.info.setdefault(_READY, []).extend(session.info.pop(_PENDING, []))


@event.listens_for(Session, "after_transaction_end")
def _send_ready(session, transaction):
    if transaction.parent is not None:
        return
    for queue, func, args, kwargs, required in session.info.pop(_READY, []):
        name = getattr(func, "__name__", func)
        try:
            job = get_queue(queue).enqueue(func, *args, **kwargs)
        except (RedisError, OSError) as exc:
            if required:
                raise
            log.error("committed, but %s%r could not be queued on %s: %s", name, args, queue, exc)
            continue
        log.info("enqueued %s on %s as %s", name, queue, job.id)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session, previous_transaction):
    if session.info.pop(_PENDING, None):
        log.info("transaction rolled back: pending jobs dropped")
