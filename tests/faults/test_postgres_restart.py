"""PostgreSQL restarts under a running app: the next request works, without restarting the app."""

import sqlalchemy as sa

from grants.applications.models import Application, Status
from grants.extensions import db
from tests.conftest import login, post_form, translated
from tests.factories import create_application
from tests.faults.conftest import committed_app


def test_the_app_recovers_on_the_next_request_after_postgresql_restarts(postgres_cluster, tmp_path):
    with committed_app(postgres_cluster.url, UPLOAD_FOLDER=str(tmp_path / "uploads"),
                       PROPAGATE_EXCEPTIONS=False) as app:  # errors become pages, as in production
        application = create_application()
        app_id, email = application.id, application.created_by.email
        db.session.remove()
        ngo = app.test_client()
        login(ngo, email)
        assert ngo.get(f"/applications/{app_id}").status_code == 200  # the pool now holds a connection

        postgres_cluster.restart()  # every connection the app holds is now dead
        assert ngo.get(f"/applications/{app_id}").status_code == 200
        assert ngo.get("/calls/").status_code == 200

        postgres_cluster.stop()
        down = ngo.get(f"/applications/{app_id}")  # a page in words, at once: no hang, no bare 500
        assert down.status_code == 503
        assert translated("kk", "The service is briefly unavailable") in down.get_data(as_text=True)
        postgres_cluster.start()
        submitted = post_form(ngo, f"/applications/{app_id}/submit", page=f"/applications/{app_id}")
        assert submitted.status_code == 302 and submitted.location.endswith("/receipt")
        db.session.remove()
        assert db.session.execute(sa.select(Application.status).where(Application.id == app_id)).scalar() \
            == Status.submitted
