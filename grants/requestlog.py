"""One id per request, carried into its log lines, its audit events and the jobs it queued; logs as JSON.

The id is the proxy's `X-Request-Id` when a trusted proxy sent a well-formed one (BAIQAU_PROXIES), otherwise
drawn here; every response says it back. A job keeps the id of the request that queued it in its meta, so
its log lines carry it too. With BAIQAU_LOG_FORMAT=json (the default in production) every line is one JSON
object: when, level, logger, message and the request id.
"""

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from flask import g, has_request_context, request

HEADER = "X-Request-Id"
WELL_FORMED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id():
    """The id of the request being served, or of the request that queued the job being run; None elsewhere."""
    if has_request_context():
        return g.get("request_id")
    try:
        from rq import get_current_job

        job = get_current_job()
    except Exception:  # noqa: BLE001 — outside a worker there is no job, whatever RQ raises to say so
        job = None
    return (job.meta or {}).get("request_id") if job is not None else None


_factory = logging.getLogRecordFactory()


def _record(*args, **kwargs):
    record = _factory(*args, **kwargs)
    record.request_id = current_request_id()
    return record


class TextFormatter(logging.Formatter):
    """A line for people: when, level, logger, the request id in brackets, the message."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")

    def format(self, record):
        record.__dict__.setdefault("request_id", None)  # a record made without our factory
        return super().format(record)


class JSONFormatter(logging.Formatter):
    def format(self, record):
        line = {"at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                "request_id": getattr(record, "request_id", None)}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


_handler = None


def configure_logging(app):
    """Every record gets the request id; our one handler on the root logger writes text or JSON lines."""
    global _handler
    if logging.getLogRecordFactory() is not _record:
        logging.setLogRecordFactory(_record)
    root = logging.getLogger()
    if _handler is None:
        _handler = logging.StreamHandler()
        root.addHandler(_handler)
        if root.level == logging.WARNING:  # the default: our INFO lines (audit, jobs) are what operators read
            root.setLevel(logging.INFO)
    _handler.setFormatter(JSONFormatter() if app.config.get("LOG_FORMAT") == "json" else TextFormatter())


def register(app):
    configure_logging(app)

    @app.before_request
    def _assign():
        given = request.headers.get(HEADER, "")
        trusted = app.config.get("PROXIES", 0) > 0 and WELL_FORMED.match(given)
        g.request_id = given if trusted else uuid.uuid4().hex

    @app.after_request
    def _say(response):
        if (request_id := g.get("request_id")) is not None:
            response.headers[HEADER] = request_id
        return response
