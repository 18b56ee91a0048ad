"""Redis stops while the platform is in use: pages and submissions go on, jobs are refused, then work again."""

import sqlalchemy as sa
from rq import Queue

from grants.applications.models import Application, Status
from grants.extensions import db
from grants.jobs import redis_connection
from grants.mail import OutboxMessage
from reports.models import Workbook, WorkbookStatus
from tests.conftest import login, post_form, translated
from tests.factories import create_application, create_user, request_workbook
from tests.faults.conftest import count

UNAVAILABLE = "The statistics service is unavailable right now: try again in a few minutes. Nothing was lost."


def test_with_redis_stopped_pages_and_submissions_work_jobs_are_refused_and_all_resumes(committed, redis_server):
    with committed(REDIS_URL=redis_server.url) as app:
        analyst = create_user("analyst")
        application = create_application()
        analyst_client, ngo = app.test_client(), app.test_client()
        login(analyst_client, analyst.email)
        login(ngo, application.created_by.email)
        assert request_workbook(analyst_client).status_code == 302  # Redis up: queued
        assert count(Workbook) == 1

        redis_server.stop()
        for client, url in ((ngo, "/"), (ngo, "/calls/"), (ngo, f"/applications/{application.id}"),
                            (analyst_client, "/analyst/"), (analyst_client, "/analyst/dashboard/")):
            assert client.get(url).status_code == 200, url
        # the NGO opens the form again and submits: the submission stands, its e-mail waits in the outbox
        assert ngo.get(f"/applications/{application.id}/edit").status_code == 200
        submitted = post_form(ngo, f"/applications/{application.id}/submit", page=f"/applications/{application.id}")
        assert submitted.status_code == 302 and submitted.location.endswith("/receipt")
        assert ngo.get(submitted.location).status_code == 200
        db.session.expire_all()
        stored = db.session.get(Application, application.id)
        assert stored.status == Status.submitted and stored.receipt_number and len(stored.versions) == 1
        unsent = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))).scalars().all()
        assert unsent, "the confirmation e-mail is kept to be sent later"
        # a statistics job is refused in words, and nothing is written
        refused = request_workbook(analyst_client)
        assert refused.status_code == 503  # in the analyst's language (Kazakh by default)
        assert translated("kk", UNAVAILABLE) in refused.get_data(as_text=True)
        assert count(Workbook) == 1

        redis_server.start()  # back, empty: it keeps nothing on disk
        assert request_workbook(analyst_client).status_code == 302
        assert count(Workbook) == 2
        runner = app.test_cli_runner()
        flushed = runner.invoke(args=["mail", "flush"])
        assert flushed.exit_code == 0 and f"Queued {len(unsent)} unsent" in flushed.output
        assert Queue("mail", connection=redis_connection()).count == len(unsent)
        worked = runner.invoke(args=["worker", "reports", "--burst"])
        assert worked.exit_code == 0, worked.output
        newest = db.session.execute(sa.select(Workbook).order_by(Workbook.id.desc())).scalars().first()
        db.session.refresh(newest)
        assert newest.status == WorkbookStatus.done
