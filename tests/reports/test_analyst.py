"""The analyst's page: request a workbook, follow its job, download it, retry a failed one; Redis down is refused."""

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from grants.audit import AuditEvent
from grants.extensions import db
from grants.i18n import astana_today
from grants.jobs import get_queue, redis_connection
from reports import jobs
from reports.models import Workbook, WorkbookStatus
from reports.stats import Filters
from tests.conftest import post_form
from tests.factories import create_awarded_application, create_user, request_workbook, signed_in

CLOSED_PORT = "redis://127.0.0.1:6390/0"  # nothing listens here
REFRESH = '<meta http-equiv="refresh" content="2">'


def use_redis(app, url):
    app.config["REDIS_URL"] = url
    app.extensions.pop("baiqau_redis", None)


@pytest.fixture
def inprocess(app):
    """Jobs run in-process as the request commits, even where the suite has a real Redis."""
    saved = app.config["REDIS_URL"]
    use_redis(app, None)
    yield
    use_redis(app, saved)


@pytest.fixture
def analyst(app):
    return create_user("analyst", full_name="Айгерім Аналитик")


def workbooks():
    return db.session.execute(sa.select(Workbook).order_by(Workbook.id)).scalars().all()


def text(response):
    return response.get_data(as_text=True)


def test_request_follow_and_download(app, inprocess, analyst):
    create_awarded_application(language="kk")
    client = signed_in(app, analyst)
    page = client.get("/analyst/")
    assert page.status_code == 200 and "Build the workbook" in text(page) and 'name="region"' in text(page)
    response = request_workbook(client, year_from="2026", year_to="2026", language="kk")
    assert response.status_code == 302
    (workbook,) = workbooks()
    assert response.location.endswith(f"/analyst/workbooks/{workbook.id}")
    assert workbook.status == WorkbookStatus.done and workbook.progress == 100 and workbook.attempts == 1
    assert workbook.filters == {"year_from": 2026, "year_to": 2026} and workbook.language == "kk"
    assert workbook.size > 0 and len(workbook.sha256) == 64 and workbook.job_id

    shown = text(client.get(response.location))
    assert REFRESH not in shown and f"/analyst/workbooks/{workbook.id}/download" in shown
    with client.get(f"/analyst/workbooks/{workbook.id}/download") as download:
        assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")
        assert "baiqau-statistics-2026-kk.xlsx" in download.headers["Content-Disposition"]
        book = load_workbook(io.BytesIO(download.data))
    about = {r[0]: r[1] for r in book.worksheets[0].iter_rows(values_only=True) if r and r[0]}
    assert "Айгерім Аналитик" in " ".join(str(v) for v in about.values())
    assert book.worksheets[3]["A2"].value == 2026 and book.worksheets[3]["B2"].value == 1  # one Kazakh application
    listed = text(client.get("/analyst/"))
    assert f"/analyst/workbooks/{workbook.id}/download" in listed


def test_a_workbook_built_at_once_is_not_said_to_be_being_built(app, inprocess, analyst):
    """The job may finish before the page shows: the page says "being built" only while it is."""
    client = signed_in(app, analyst)
    assert request_workbook(client, language="en").status_code == 302
    shown = text(client.get(f"/analyst/workbooks/{workbooks()[0].id}"))
    assert workbooks()[0].status == WorkbookStatus.done
    assert "Ready" in shown and "being built" not in shown
    running = Workbook(requested_by_id=analyst.id, filters={}, language="en", status="running", progress=10)
    db.session.add(running)
    db.session.commit()
    shown = text(client.get(f"/analyst/workbooks/{running.id}?lang=en"))
    assert "The workbook is being built." in shown and "Ready" not in shown


def test_a_workbook_being_built_refreshes_itself_with_its_progress(app, analyst):
    workbook = Workbook(requested_by_id=analyst.id, filters={}, language="ru", status="running", progress=45)
    db.session.add(workbook)
    db.session.commit()
    client = signed_in(app, analyst)
    shown = text(client.get(f"/analyst/workbooks/{workbook.id}"))
    assert REFRESH in shown and '<progress id="progress" value="45" max="100">' in shown
    assert client.get(f"/analyst/workbooks/{workbook.id}/download").status_code == 404
    assert REFRESH not in text(client.get("/analyst/"))


def test_a_failing_job_shows_its_reason_and_the_retry_builds_it(app, inprocess, analyst, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(jobs, "build", broken)
    client = signed_in(app, analyst)
    assert request_workbook(client).status_code == 302
    (workbook,) = workbooks()
    assert workbook.status == WorkbookStatus.failed and workbook.finished_at is not None
    assert "the disk is on fire" in workbook.error and workbook.storage_key is None
    shown = text(client.get(f"/analyst/workbooks/{workbook.id}"))
    assert REFRESH not in shown and "the disk is on fire" in shown and "Retry" in shown

    monkeypatch.undo()
    page = f"/analyst/workbooks/{workbook.id}"
    response = post_form(client, f"{page}/retry", page=page)
    assert response.status_code == 302
    db.session.refresh(workbook)
    assert workbook.status == WorkbookStatus.done and workbook.attempts == 2 and workbook.error is None
    with client.get(f"{page}/download") as download:
        assert download.status_code == 200
    again = post_form(client, f"{page}/retry", page=page)  # a finished workbook is not built twice
    assert again.status_code == 302 and "Only a workbook that failed" in text(client.get(page))
    trail = db.session.execute(sa.select(AuditEvent.verb, AuditEvent.actor_id).where(
        AuditEvent.object_type == "Workbook", AuditEvent.object_id == str(workbook.id))
        .order_by(AuditEvent.id)).all()
    assert trail == [("workbook.request", analyst.id), ("workbook.retry", analyst.id)]


def test_the_job_builds_again_after_a_worker_died_and_leaves_a_finished_one_alone(app, inprocess, analyst):
    workbook = Workbook(requested_by_id=analyst.id, filters={"year_from": 2020}, language="en", status="running",
                        progress=30, attempts=1)  # what a worker that died mid-way leaves behind
    db.session.add(workbook)
    db.session.commit()
    key = jobs.build_workbook_job(workbook.id)
    db.session.refresh(workbook)
    assert workbook.status == WorkbookStatus.done and workbook.attempts == 2 and workbook.storage_key == key
    assert jobs.build_workbook_job(workbook.id) == key
    db.session.refresh(workbook)
    assert workbook.attempts == 2


def test_bad_filters_are_refused_with_a_message(app, inprocess, analyst):
    client = signed_in(app, analyst)
    this_year = astana_today().year
    response = request_workbook(client, year_from=str(this_year), year_to=str(this_year - 1))
    assert response.status_code == 400 and "The last year must not be before the first." in text(response)
    assert request_workbook(client, region="999999999").status_code == 400
    assert request_workbook(client, language="de").status_code == 400
    assert workbooks() == []


def test_redis_unreachable_refuses_the_request_and_nothing_else_breaks(app, analyst):
    use_redis(app, CLOSED_PORT)
    client = signed_in(app, analyst)
    response = request_workbook(client)
    assert response.status_code == 503
    assert "The statistics service is unavailable right now: try again in a few minutes. Nothing was lost." in text(
        response)
    assert workbooks() == []
    assert client.get("/analyst/").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/calls/").status_code == 200


def test_a_job_that_cannot_be_queued_after_the_commit_marks_its_workbook_failed(app, analyst, monkeypatch):
    use_redis(app, CLOSED_PORT)
    monkeypatch.setattr(jobs, "check_service", lambda: None)  # Redis answered the ping, then went away
    client = signed_in(app, analyst)
    response = request_workbook(client)
    assert response.status_code == 503 and "Nothing was lost" in text(response)
    (workbook,) = workbooks()
    assert workbook.status == WorkbookStatus.failed and "unavailable" in workbook.error
    monkeypatch.undo()
    use_redis(app, None)  # Redis is back (here: in-process); the analyst retries
    page = f"/analyst/workbooks/{workbook.id}"
    assert post_form(client, f"{page}/retry", page=page).status_code == 302
    db.session.refresh(workbook)
    assert workbook.status == WorkbookStatus.done


def test_who_sees_which_workbooks(app, inprocess, analyst):
    other = create_user("analyst", full_name="Другой Аналитик")
    mine = jobs.commit_request(jobs.request_workbook(analyst, Filters(), "en"))
    theirs = jobs.commit_request(jobs.request_workbook(other, Filters(year_from=2020), "ru"))
    client = signed_in(app, analyst)
    for url in (f"/analyst/workbooks/{theirs.id}", f"/analyst/workbooks/{theirs.id}/download"):
        assert client.get(url).status_code == 403
    page = f"/analyst/workbooks/{theirs.id}"
    assert post_form(client, f"{page}/retry", page=f"/analyst/workbooks/{mine.id}").status_code == 403
    listed = text(client.get("/analyst/"))
    assert f"/analyst/workbooks/{mine.id}" in listed and f"/analyst/workbooks/{theirs.id}" not in listed

    operator = signed_in(app, create_user("operator"))
    listed = text(operator.get("/analyst/"))
    assert f"/analyst/workbooks/{mine.id}" in listed and f"/analyst/workbooks/{theirs.id}" in listed
    assert "Другой Аналитик" in listed
    with operator.get(f"/analyst/workbooks/{theirs.id}/download") as download:
        assert download.status_code == 200

    for role in ("applicant", "expert", "observer", "customer"):
        outsider = signed_in(app, create_user(role))
        assert outsider.get("/analyst/").status_code == 403
        assert outsider.get(f"/analyst/workbooks/{mine.id}").status_code == 403
    assert app.test_client().get("/analyst/").status_code == 302  # to the sign-in page


def test_the_menu_shows_statistics_to_those_who_may_see_them(app, analyst):
    assert 'href="/analyst/"' in text(signed_in(app, analyst).get("/"))
    assert 'href="/analyst/"' not in text(signed_in(app, create_user("applicant")).get("/"))


def test_the_history_is_newest_first_and_paginated(app, analyst):
    for n in range(23):
        db.session.add(Workbook(requested_by_id=analyst.id, filters={"year_from": 2000 + n}, language="kk",
                                status="failed", error="x"))
    db.session.commit()
    client = signed_in(app, analyst)
    first = text(client.get("/analyst/"))
    ids = [int(i) for i in re.findall(r'/analyst/workbooks/(\d+)"', first)]
    assert len(set(ids)) == 20 and ids == sorted(ids, reverse=True)
    second = text(client.get("/analyst/?page=2"))
    assert len(set(re.findall(r'/analyst/workbooks/(\d+)"', second))) == 3


# --- on a real Redis (CI sets REDIS_URL) ----------------------------------------------------------

@pytest.fixture
def reports_queue(app):
    if not app.config["REDIS_URL"]:
        pytest.skip("REDIS_URL is not set: the real queue is tested in CI")
    queue = get_queue("reports")
    queue.empty()
    conn = redis_connection()
    conn.delete(queue.registry_cleaning_key)  # let this test's worker clean the registries at once
    yield queue
    queue.empty()


def test_a_worker_builds_the_queued_workbook(app, analyst, reports_queue):
    client = signed_in(app, analyst)
    assert request_workbook(client, language="ru").status_code == 302
    (workbook,) = workbooks()
    assert workbook.status == WorkbookStatus.queued and workbook.job_id in reports_queue.job_ids
    assert REFRESH in text(client.get(f"/analyst/workbooks/{workbook.id}"))
    result = app.test_cli_runner().invoke(args=["worker", "reports", "--burst"])
    assert result.exit_code == 0, result.output
    db.session.refresh(workbook)
    assert workbook.status == WorkbookStatus.done and workbook.attempts == 1
    with client.get(f"/analyst/workbooks/{workbook.id}/download") as download:
        assert download.status_code == 200


def test_a_job_whose_worker_died_is_retried_and_the_analyst_gets_the_workbook(app, analyst, reports_queue,
                                                                            monkeypatch):
    from rq.executions import Execution

    workbook = jobs.commit_request(jobs.request_workbook(analyst, Filters(), "kk"))
    job = reports_queue.fetch_job(workbook.job_id)
    assert job.retries_left == jobs.RETRIES

    class WorkerKilled(BaseException):
        """What the job sees of a SIGKILL: nothing after it runs."""

    def dies(filters, language, label, progress):
        progress(3, 11)
        raise WorkerKilled

    # A worker takes the job off the queue, starts it, and dies in the middle of the build.
    conn = redis_connection()
    reports_queue.remove(job)
    with conn.pipeline() as pipe:
        job.prepare_for_execution("worker-that-died", pipe)
        Execution.create(job, ttl=60, pipeline=pipe, worker_name="worker-that-died")
        pipe.execute()
    monkeypatch.setattr(jobs, "build", dies)
    with pytest.raises(WorkerKilled):
        jobs.build_workbook_job(workbook.id)
    monkeypatch.undo()
    db.session.refresh(workbook)
    assert workbook.status == WorkbookStatus.running and workbook.progress == 27 and workbook.attempts == 1
    started = job.started_job_registry.key
    for member in conn.zrange(started, 0, -1):
        conn.zadd(started, {member: 1})  # its heartbeat stopped long ago

    result = app.test_cli_runner().invoke(args=["worker", "reports", "--burst"])
    assert result.exit_code == 0, result.output
    db.session.refresh(workbook)
    assert workbook.status == WorkbookStatus.done and workbook.attempts == 2 and workbook.progress == 100
    job.refresh()
    assert job.retries_left == jobs.RETRIES - 1
    client = signed_in(app, analyst)
    with client.get(f"/analyst/workbooks/{workbook.id}/download") as download:
        assert download.status_code == 200


def test_a_job_that_keeps_failing_is_tried_three_times_then_shows_its_reason(app, analyst, reports_queue,
                                                                           monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    workbook = jobs.commit_request(jobs.request_workbook(analyst, Filters(), "en"))
    monkeypatch.setattr(jobs, "build", broken)
    result = app.test_cli_runner().invoke(args=["worker", "reports", "--burst"])
    assert result.exit_code == 0, result.output
    db.session.refresh(workbook)
    assert workbook.status == WorkbookStatus.failed and workbook.attempts == 1 + jobs.RETRIES
    assert "the database went away" in workbook.error and "will be built again" not in workbook.error
    assert reports_queue.fetch_job(workbook.job_id).is_failed
