"""On PostgreSQL: 50 NGOs submit at once, each twice (a double click), while the deadline passes."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from grants.app import create_app
from grants.applications import services
from grants.applications.models import Application, Status, Version
from grants.auth.models import User
from grants.db import utcnow
from grants.extensions import db
from tests.conftest import ON_POSTGRES, build_schema, fresh_database, settings_for
from tests.factories import create_application, create_call, create_organization, create_user

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="the submission race needs a real PostgreSQL")
NGOS = 50


def submit_twice(app, app_id, user_id, barrier, outcomes):
    with app.app_context():
        barrier.wait()
        for _ in range(2):
            application = db.session.get(Application, app_id)
            user = db.session.get(User, user_id)
            try:
                services.submit(user, application)
                db.session.commit()
                outcomes.append((app_id, "accepted", application.receipt_number))
            except services.AlreadySubmitted as already:
                db.session.rollback()
                outcomes.append((app_id, "already", already.receipt_number))
            except services.ApplicationError as refusal:
                db.session.rollback()
                outcomes.append((app_id, "refused", str(refusal)))
            finally:
                db.session.remove()


def test_fifty_racing_submissions_are_each_accepted_once_or_refused(tmp_path):
    with fresh_database(tmp_path) as url:
        app = create_app(settings_for(url, UPLOAD_FOLDER=str(tmp_path / "uploads")))
        build_schema(app)
        with app.app_context():
            owner = create_user("applicant")
            call = create_call()
            ids = [create_application(owner=owner, org=create_organization(owner=owner), call=call).id
                   for _ in range(NGOS)]
            owner_id, call_code = owner.id, call.code
            deadline = utcnow() + timedelta(milliseconds=400)
            call.deadline_at = deadline
            db.session.commit()
            db.session.remove()
        barrier = threading.Barrier(NGOS)
        outcomes = []
        threads = [threading.Thread(target=submit_twice, args=(app, i, owner_id, barrier, outcomes)) for i in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        with app.app_context():
            rows = db.session.execute(sa.select(Application).where(Application.id.in_(ids))).scalars().all()
            versions = dict(db.session.execute(
                sa.select(Version.application_id, sa.func.count()).group_by(Version.application_id)).all())
            accepted = [a for a in rows if a.status == Status.submitted]
            for application in rows:
                mine = [o for o in outcomes if o[0] == application.id]
                assert len(mine) == 2
                if application.status == Status.submitted:
                    # accepted exactly once, before the deadline; the second click saw the same receipt
                    assert versions[application.id] == 1
                    assert application.submitted_at < deadline
                    assert sorted(kind for _, kind, _ in mine) in (["accepted", "already"],)
                    assert {detail for _, _, detail in mine} == {application.receipt_number}
                else:
                    # refused with a clear message, nothing half-done
                    assert application.status == Status.draft and application.receipt_number is None
                    assert application.id not in versions
                    assert all(kind == "refused" and "deadline" in detail for _, kind, detail in mine)
            numbers = sorted(int(a.receipt_number.rsplit("-", 1)[1]) for a in accepted)
            assert numbers == list(range(1, len(accepted) + 1)), "receipt numbers are unique and without gaps"
            assert all(a.receipt_number.startswith(call_code) for a in accepted)
            print(f"\n{len(accepted)} accepted, {NGOS - len(accepted)} refused after the deadline")
            db.session.remove()
            db.engine.dispose()
