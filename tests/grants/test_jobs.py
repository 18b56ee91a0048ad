"""Jobs go out only after the transaction that asked for them commits."""

import pytest

from grants.extensions import db
from grants.jobs import enqueue_after_commit, get_queue

RAN = []
QUEUE = "baiqau-test"


def remember(value):
    RAN.append(value)
    return value


@pytest.fixture
def queued(app):
    """What reached the queue: jobs run in-process without Redis, or wait in the real Redis queue."""
    RAN.clear()
    if not app.config["REDIS_URL"]:
        yield lambda: list(RAN)
        return
    queue = get_queue(QUEUE)
    queue.empty()
    yield lambda: [job.args[0] for job in queue.get_jobs()]
    queue.empty()


def test_a_job_waits_for_the_commit(queued):
    enqueue_after_commit(db.session, remember, "after commit", queue=QUEUE)
    assert queued() == []
    db.session.commit()
    assert queued() == ["after commit"]


def test_a_rolled_back_transaction_sends_nothing(queued):
    enqueue_after_commit(db.session, remember, "never", queue=QUEUE)
    db.session.rollback()
    db.session.commit()
    assert queued() == []


def app_name():
    from flask import current_app

    return current_app.name


def test_the_worker_runs_queued_jobs_inside_the_app(app):
    runner = app.test_cli_runner()
    if not app.config["REDIS_URL"]:
        result = runner.invoke(args=["worker", "--burst"])
        assert result.exit_code != 0 and "REDIS_URL is not set" in result.output
        return
    queue = get_queue(QUEUE)
    queue.empty()
    job = queue.enqueue(app_name)
    result = runner.invoke(args=["worker", QUEUE, "--burst"])
    assert result.exit_code == 0, result.output
    job.refresh()
    assert job.return_value() == "grants"
