"""What operations and people see when things fail: the health check and the 500 page."""

from grants.app import create_app
from tests.conftest import settings_for, translated


def test_health_check_answers_503_when_the_database_does_not(tmp_path):
    # a database file in a folder that does not exist: every connection fails
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "database unreachable"}


def test_health_check_answers_200_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


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
