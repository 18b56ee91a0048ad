"""A worker killed with SIGKILL in the middle of a statistics job: the next worker builds the workbook."""

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from rq import Queue
from rq.job import Job

from grants.extensions import db
from grants.jobs import redis_connection
from reports import jobs
from reports.models import Workbook, WorkbookStatus
from reports.stats import Filters
from tests.conftest import ON_POSTGRES, login
from tests.factories import create_awarded_application, create_user
from tests.faults.conftest import until

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="the job is held mid-way by a PostgreSQL table lock")
ROOT = Path(__file__).resolve().parents[2]


def flask_worker(app, log, *args):
    """`flask worker reports` as its own process, on the test's database, Redis and upload folder."""
    env = {**os.environ, "FLASK_APP": "wsgi", "BAIQAU_ENV": "test",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": app.config["REDIS_URL"],
           "BAIQAU_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"]}
    return subprocess.Popen([sys.executable, "-m", "flask", "worker", "reports", *args], cwd=ROOT, env=env,  # noqa: S603
                            stdout=log, stderr=subprocess.STDOUT)


def test_a_workbook_whose_worker_was_killed_is_built_by_the_next_worker(committed, redis_server, tmp_path):
    with committed(REDIS_URL=redis_server.url) as app:
        create_awarded_application(language="kk")
        analyst = create_user("analyst")
        workbook = jobs.commit_request(jobs.request_workbook(analyst, Filters(), "ru"))
        workbook_id, job_id = workbook.id, workbook.job_id
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        observer = sa.create_engine(url, poolclass=sa.NullPool)
        locker = observer.connect()
        log = (tmp_path / "worker.log").open("wb")
        try:
            # hold the applications table: the job starts, marks its workbook running, then waits on its query
            locker.execute(sa.text("LOCK TABLE applications IN ACCESS EXCLUSIVE MODE"))
            worker = flask_worker(app, log)

            def waiting_mid_job():
                with observer.connect() as conn:
                    status = conn.execute(sa.select(Workbook.status).where(Workbook.id == workbook_id)).scalar()
                    waiting = conn.execute(sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")).scalar()
                return status == WorkbookStatus.running and waiting == 1

            until(waiting_mid_job, "the worker to start the job and wait on the table")
            os.kill(worker.pid, signal.SIGKILL)
            assert worker.wait(timeout=30) == -signal.SIGKILL
        finally:
            locker.rollback()
            locker.close()
            observer.dispose()

        job = Job.fetch(job_id, connection=redis_connection())
        assert job.get_status() == "started"  # as far as Redis knows, the dead worker still has it
        db.session.expire_all()
        assert db.session.get(Workbook, workbook_id).status == WorkbookStatus.running

        # A worker that dies says nothing: RQ finds the job abandoned when the worker's heartbeat expires
        # (the job's timeout plus a minute). Rather than wait that long, the test moves that moment to now.
        conn = redis_connection()
        started = job.started_job_registry.key
        for member in conn.zrange(started, 0, -1):
            conn.zadd(started, {member: 1})
        conn.delete(Queue(jobs.QUEUE, connection=conn).registry_cleaning_key)  # clean at the next start

        second = flask_worker(app, log, "--burst")
        assert second.wait(timeout=120) == 0, (tmp_path / "worker.log").read_text()
        log.close()
        db.session.expire_all()
        built = db.session.get(Workbook, workbook_id)
        assert built.status == WorkbookStatus.done and built.attempts == 2 and built.progress == 100
        client = app.test_client()
        login(client, analyst.email)
        with client.get(f"/analyst/workbooks/{workbook_id}/download") as download:
            assert download.status_code == 200
            book = load_workbook(io.BytesIO(download.data))
        assert len(book.worksheets) > 5
