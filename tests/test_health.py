"""What operations and people see when things fail: the health check and the 500 page."""

from grants.app import create_app
from tests.conftest import settings_for, translated


def test_alive_asks_nothing_of_the_database_and_ready_names_it_when_it_does_not_answer(tmp_path):
    # a database file in a folder that does not exist: every connection fails
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}",
                                  UPLOAD_FOLDER=str(tmp_path / "uploads"), REDIS_URL=None))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unready", "checks": {"database": "unreachable",
                                                                   "redis": "not configured", "storage": "ok"}}


def test_ready_when_the_database_and_the_storage_answer(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["database"] == "ok" and response.get_json()["checks"]["storage"] == "ok"


def test_not_ready_while_redis_refuses_connections(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1: a real refused connection
    app.extensions.pop("baiqau_redis", None)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["redis"] == "unreachable"


def test_not_ready_when_the_documents_folder_cannot_be_written(app, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    app.config["UPLOAD_FOLDER"] = str(blocked / "uploads")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["storage"] == "unavailable"


def test_an_unexpected_error_gets_the_500_page_in_the_users_language(app, caplog):
    from grants.permissions import allow

    @allow("public")
    def boom():
        raise RuntimeError("a bug")

    app.add_url_rule("/test-boom", "test_boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the handler answers, not the test runner
    client = app.test_client()
    client.get("/?lang=kk")
    response = client.get("/test-boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert translated("kk", "Something went wrong on our side") in page
    assert "a bug" not in page and "Traceback" not in page
    assert any("unhandled error on GET /test-boom" in r.getMessage() for r in caplog.records)
