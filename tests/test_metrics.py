"""/metrics: Prometheus finds the requests it saw counted, and the installation's state read at the scrape;
without the token the address does not exist."""

import re

from grants.extensions import db
from grants.mail import queue_mail

TOKEN = "scrape-me-9f2c"


def scrape(client, token=TOKEN):
    return client.get("/metrics", headers={"Authorization": f"Bearer {token}"} if token else {})


def sample(text, name, **labels):
    """The value of one sample in Prometheus's text format, read with a pattern of our own."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = rf"^{re.escape(name)}{re.escape('{' + wanted + '}') if labels else ''} (\S+)$"
    found = [float(m.group(1)) for line in text.splitlines() if (m := re.match(pattern, line))]
    assert len(found) == 1, f"{name} {labels}: {found}"
    return found[0]


def test_the_requests_seen_are_counted_by_endpoint_and_status(app):
    app.config["METRICS_TOKEN"] = TOKEN
    client = app.test_client()
    for _ in range(3):
        assert client.get("/calls/").status_code == 200
    assert client.get("/no-such-page").status_code == 404
    text = scrape(client).get_data(as_text=True)
    assert sample(text, "baiqau_requests_total", endpoint="calls.index", method="GET", status="200") == 3
    assert sample(text, "baiqau_requests_total", endpoint="unknown", method="GET", status="404") == 1
    assert sample(text, "baiqau_request_seconds_count", endpoint="calls.index") == 3


def test_the_outbox_and_the_audit_trail_are_read_at_the_scrape(app):
    from grants import audit
    from tests.factories import create_organization

    app.config["METRICS_TOKEN"] = TOKEN
    org = create_organization()
    for to in ("ngo@example.kz", "ngo2@example.kz"):
        queue_mail(to, "organization_invited", "kk", organization=org, has_account=False)
    audit.record("test", "call.publish", None, object_type="call", object_id=1)
    db.session.commit()
    text = scrape(app.test_client()).get_data(as_text=True)
    assert sample(text, "baiqau_outbox_waiting") == 2
    assert sample(text, "baiqau_outbox_oldest_unsent_seconds") >= 0
    assert sample(text, "baiqau_audit_events_last_hour") >= 1


def test_without_the_token_there_is_no_such_page_for_anyone_signed_in_or_not(app):
    from tests.conftest import login
    from tests.factories import create_user, operator

    client = app.test_client()
    assert scrape(client).status_code == 404  # no token configured: not served at all
    for user in (operator(), create_user("admin")):
        signed_in = app.test_client()
        login(signed_in, user.email)
        assert scrape(signed_in, token=None).status_code == 404
    app.config["METRICS_TOKEN"] = TOKEN
    assert scrape(client, token=None).status_code == 404
    assert scrape(client, token="guess").status_code == 404
    assert scrape(client).status_code == 200


def test_the_queues_depth_is_read_from_redis(app):
    import pytest

    from grants.jobs import get_queue

    if not app.config["REDIS_URL"]:
        pytest.skip("REDIS_URL is not set: the real queue is tested in CI")
    app.config["METRICS_TOKEN"] = TOKEN
    queue = get_queue("monitoring")
    queue.empty()
    try:
        for n in range(2):
            queue.enqueue("builtins.print", n)  # nobody works the queue here: the two wait
        text = scrape(app.test_client()).get_data(as_text=True)
        assert sample(text, "baiqau_queue_jobs", queue="monitoring") == 2
        assert sample(text, "baiqau_queue_failed_jobs", queue="monitoring") >= 0
    finally:
        queue.empty()
