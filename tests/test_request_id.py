"""One id follows a request: said back in its response, written on its audit events, carried by the jobs it
queued, and printed in its log lines (as one JSON object per line in production)."""

import json
import logging

import sqlalchemy as sa

from grants.audit import AuditEvent
from grants.extensions import db
from grants.requestlog import JSONFormatter
from tests.conftest import login, post_form
from tests.factories import create_application


def test_a_submission_s_id_is_on_its_response_its_audit_event_its_job_and_its_log_lines(app, caplog):
    application = create_application()
    client = app.test_client()
    login(client, application.created_by.email)
    caplog.set_level(logging.INFO)
    caplog.clear()
    response = post_form(client, f"/applications/{application.id}/submit", page=f"/applications/{application.id}")
    assert response.status_code == 302
    request_id = response.headers["X-Request-Id"]
    assert len(request_id) == 32
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "application.submit")).scalar_one()
    assert event.request_id == request_id
    lines = [r for r in caplog.records if getattr(r, "request_id", None) == request_id]
    assert any("application.submit" in r.getMessage() for r in lines)
    queued = [r for r in lines if r.getMessage().startswith("enqueued ")]
    assert queued, "the submission queues its receipt mail"
    line = json.loads(JSONFormatter().format(queued[0]))
    assert line["request_id"] == request_id and line["level"] == "INFO" and line["message"].startswith("enqueued")
    if app.config["REDIS_URL"]:  # a real queue: the job waits with the request's id in its meta
        from grants.jobs import get_queue

        job_id = queued[0].getMessage().rsplit(" as ", 1)[1]
        job = get_queue("mail").fetch_job(job_id)
        assert job.meta["request_id"] == request_id


def test_each_request_has_its_own_id_and_an_untrusted_one_is_not_taken(app):
    client = app.test_client()
    first, second = client.get("/"), client.get("/", headers={"X-Request-Id": "forged-by-a-client-1234"})
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    assert second.headers["X-Request-Id"] != "forged-by-a-client-1234"  # no trusted proxy in front
    app.config["PROXIES"] = 1
    assert client.get("/", headers={"X-Request-Id": "from-the-proxy-1234"}).headers["X-Request-Id"] == \
        "from-the-proxy-1234"
    assert client.get("/", headers={"X-Request-Id": "bad id with spaces"}).headers["X-Request-Id"] != \
        "bad id with spaces"
