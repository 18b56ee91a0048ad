"""Workbooks built in the background: the request, the RQ job on the `reports` queue, and the retry.

With REDIS_URL the job waits in Redis for `flask worker reports`; without it grants.jobs runs it
in-process as the request commits. A request is refused, before anything is written, while Redis
is configured but does not answer; a request whose job cannot be queued after its commit is
marked failed with the reason, so nothing waits forever.
"""

import logging
import uuid
from io import BytesIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from redis.exceptions import RedisError
from rq import Retry, get_current_job
from sqlalchemy.orm import joinedload

from grants import audit, storage
from grants.auth.models import Role
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _, _l
from grants.jobs import enqueue_after_commit, redis_connection
from grants.refusals import Refusal
from reports.models import Workbook, WorkbookStatus
from reports.stats import BadFilter, Filters
from reports.workbook import LANGUAGES, build, filename

log = logging.getLogger(__name__)

QUEUE = "reports"
JOB_TIMEOUT = 10 * 60  # seconds: 1,000,000 applications take under 15 s; a dead worker's job is retried after +60 s
RETRIES = 2  # a worker that dies mid-way (or a passing database error) gets two more tries
MAX_BYTES = 200 * 1024 * 1024
UNAVAILABLE = _l("The statistics service is unavailable right now: try again in a few minutes. Nothing was lost.")
STAFF = (Role.operator, Role.admin)


class ServiceUnavailable(Refusal):
    """Redis is configured but does not answer: nothing is written, the analyst may try again."""

    status = 503


def is_staff(user):
    return user.has_any_role(*STAFF)


def may_open(user, workbook):
    """An analyst opens their own workbooks; the operator and the administrator open everyone's."""
    return user.is_authenticated and (workbook.requested_by_id == user.id or is_staff(user))


def visible_to(user):
    """The workbooks the user may list, newest first."""
    query = (sa.select(Workbook).options(joinedload(Workbook.requested_by))
             .order_by(Workbook.requested_at.desc(), Workbook.id.desc()))
    return query if is_staff(user) else query.where(Workbook.requested_by_id == user.id)


def check_service():
    """Refuse at once while Redis is configured and silent (the connection's short timeout applies)."""
    conn = redis_connection()
    if conn is None:
        return  # the embedded default: the job runs in-process
    try:
        conn.ping()
    except (RedisError, OSError) as exc:
        log.warning("reports queue unavailable: %s", exc)
        raise ServiceUnavailable(str(UNAVAILABLE)) from None


def _enqueue(workbook):
    workbook.job_id = f"workbook-{workbook.id}-{uuid.uuid4().hex[:12]}"
    enqueue_after_commit(db.session, build_workbook_job, workbook.id, queue=QUEUE, required=True,
                         job_id=workbook.job_id,
                         job_timeout=JOB_TIMEOUT, retry=Retry(max=RETRIES), description=f"workbook {workbook.id}")


def request_workbook(actor, filters, language):
    """A workbook for the actor, queued; its job goes out when the caller commits (see commit_request)."""
    if not isinstance(filters, Filters):
        raise Refusal(_("The filters are not understood."))
    if language not in LANGUAGES:
        raise Refusal(_("Choose the language of the labels: Kazakh, Russian or English."))
    check_service()
    workbook = Workbook(requested_by_id=actor.id, filters=filters.as_dict(), language=language,
                        status=WorkbookStatus.queued, progress=0, attempts=0)
    db.session.add(workbook)
    db.session.flush()
    _enqueue(workbook)
    audit.record(actor, "workbook.request", workbook, after={"filters": workbook.filters, "language": language})
    return workbook


def retry_workbook(actor, workbook):
    """Queue a failed workbook again, for its owner or the staff."""
    if not may_open(actor, workbook):
        raise Refusal(_("Only the analyst who asked for this workbook can build it again."))
    if workbook.status != WorkbookStatus.failed:
        raise Refusal(_("Only a workbook that failed can be built again."))
    check_service()
    workbook.status = WorkbookStatus.queued
    workbook.progress = 0
    workbook.error = None
    workbook.started_at = workbook.finished_at = None
    db.session.flush()
    _enqueue(workbook)
    audit.record(actor, "workbook.retry", workbook)
    return workbook


def commit_request(workbook):
    """Commit the request, which sends its job; if the queue refuses the job after the commit,
    the workbook is marked failed with the reason (it can be retried) and the refusal raised."""
    workbook_id = workbook.id
    try:
        db.session.commit()
    except (RedisError, OSError) as exc:
        log.warning("workbook %s committed but not queued: %s", workbook_id, exc)
        db.session.rollback()
        db.session.execute(sa.update(Workbook).where(Workbook.id == workbook_id,
                                                     Workbook.status == WorkbookStatus.queued)
                           .values(status=WorkbookStatus.failed, error=str(UNAVAILABLE), finished_at=utcnow()))
        db.session.commit()
        raise ServiceUnavailable(str(UNAVAILABLE)) from None
    return workbook


def requester_label(user):
    return f"{user.full_name} <{user.email}>" if user.full_name != user.email else user.email


def reason_for(exc):
    """Why a build failed, in words the analyst can act on (the traceback stays in the worker's log)."""
    if isinstance(exc, BadFilter):
        return _("The filters of this workbook are not valid: %(why)s", why=str(exc))
    if isinstance(exc, storage.StorageError):
        return _("The workbook was built but could not be stored. Try again later; if it fails again, "
                 "tell the administrator.")
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return _("An error stopped the build (%(error)s). Try again; if it fails again, tell the administrator.",
             error=f"{type(exc).__name__}: {first_line}"[:300])


def _will_be_retried():
    """True when RQ will run this job again after this failure (a real queue with tries left)."""
    job = get_current_job()
    return bool(job is not None and redis_connection() is not None and job.retries_left)


def build_workbook_job(workbook_id):
    """Job: build the workbook, committing its progress after every sheet, and keep the file.

    Safe to run again: a finished workbook is left alone; one left "running" by a worker that
    died, or "failed", is simply built again from the start.
    """
    app = current_app._get_current_object()
    with app.app_context():
        workbook = db.session.get(Workbook, workbook_id)
        if workbook is None or workbook.status == WorkbookStatus.done:
            return workbook.storage_key if workbook is not None else None
        workbook.status = WorkbookStatus.running
        workbook.attempts += 1
        workbook.started_at = utcnow()
        workbook.finished_at = None
        workbook.progress = 0
        db.session.commit()
        language = workbook.language
        try:
            filters = Filters(**workbook.filters)
            label = requester_label(workbook.requested_by)

            def progress(done, total):
                workbook.progress = min(99, done * 100 // total)  # 100 once the file is kept
                db.session.commit()

            content = build(filters, language, label, progress)
            stored = storage.storage_from_config(app.config).save(
                BytesIO(content), max_bytes=MAX_BYTES, filename=filename(filters, language))
            workbook.storage_key, workbook.size, workbook.sha256 = stored.key, stored.size, stored.sha256
            workbook.status = WorkbookStatus.done
            workbook.progress = 100
            workbook.error = None
            workbook.finished_at = utcnow()
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            log.exception("workbook %s failed", workbook_id)
            retried = _will_be_retried()
            with force_locale(language):
                reason = reason_for(exc)
                if retried:
                    reason = _("Attempt %(n)s failed and the workbook will be built again: %(why)s",
                               n=workbook.attempts, why=reason)
            db.session.execute(sa.update(Workbook).where(Workbook.id == workbook_id).values(
                status=WorkbookStatus.queued if retried else WorkbookStatus.failed, error=reason,
                finished_at=None if retried else utcnow()))
            db.session.commit()
            raise
        return workbook.storage_key
