"""Fixtures: a fresh app per test on SQLite, or one rolled-back transaction per test on PostgreSQL."""

import contextvars
import os
import re
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from grants.app import create_app
from grants.extensions import db
from grants.i18n import astana_today
from grants.reference.services import load_reference
from tests.databases import throwaway_database

os.environ.setdefault("BAIQAU_ENV", "test")  # the environment the suite runs in; no secret needed
pytest_plugins = ["tests.pki"]  # the `pki` and `trusted` fixtures of the ЭЦП tests
PG_URL = os.environ.get("DATABASE_URL")
ON_POSTGRES = bool(PG_URL)
PASSWORD = "correct-horse-42"
# Where tests leave what a person looks at (screenshots, counts). TEST_ARTIFACTS moves it, so that two runs side by
# side (CI's SQLite and PostgreSQL suites) do not clear each other's screenshots.
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS") or Path(__file__).resolve().parents[1] / "test-artifacts")


def settings_for(uri, **extra):
    return {"ENV_NAME": "test", "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": uri, "TESTING": True, **extra}


@contextmanager
def fresh_database(tmp_path):
    """A database of its own, for tests that need real commits seen by other connections."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / f'db-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    uri = create_app().config["SQLALCHEMY_DATABASE_URI"]
    with throwaway_database(uri, sa.make_url(uri).database) as url:
        yield url


def build_schema(app):
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_reference()
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def _template(tmp_path_factory):
    """SQLite: one schema built once, copied per test. PostgreSQL: the schema, built once."""
    if ON_POSTGRES:
        build_schema(create_app({"ENV_NAME": "test", "SECRET_KEY": "test"}))
        return None
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    build_schema(create_app(settings_for(f"sqlite:///{path}")))
    return path


@pytest.fixture
def app(_template, tmp_path):
    if not ON_POSTGRES:
        path = tmp_path / "test.sqlite3"
        shutil.copy(_template, path)
        app = create_app(settings_for(f"sqlite:///{path}", UPLOAD_FOLDER=str(tmp_path / "uploads")))
        app.test_client_class = IsolatedClient
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
        return
    app = create_app({"ENV_NAME": "test", "SECRET_KEY": "test", "TESTING": True,
                      "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    app.test_client_class = IsolatedClient
    with app.app_context():
        conn = db.engine.connect()
        outer = conn.begin()
        app.extensions["baiqau_connection"] = conn
        try:
            yield app
        finally:
            db.session.remove()
            outer.rollback()
            conn.close()
            db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request in a context of its own, as in production.

    The test holds an app context open for its factories; without this, requests would
    reuse it and share `g` (the cached locale, the signed-in user) and the session.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html):
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def csrf_token(client, url="/auth/login"):
    return csrf_from(client.get(url).get_data(as_text=True))


def login(client, email, password=PASSWORD):
    token = csrf_token(client, "/auth/login")
    return client.post("/auth/login", data={"csrf_token": token, "email": email, "password": password})


def post_form(client, url, data=None, page=None):
    """POST like a browser: the CSRF token comes from the page the form lives on."""
    token = csrf_token(client, page or url)
    return client.post(url, data={"csrf_token": token, **(data or {})})


# What a page may weigh with everything it links to: a slow rural connection carries it.
PAGE_LIMIT = 150 * 1024


def page_weight(client, url):
    """The HTML plus every stylesheet, script and image it links to, as transferred."""
    html = client.get(url).get_data()
    total = len(html)
    for asset in set(re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)):
        with client.get(asset.decode()) as response:
            assert response.status_code == 200, asset
            total += len(response.get_data())
    return total, html.decode()


def translated(lang, msgid, /, context=None, **params):
    """msgid (in its context, if it has one) as the catalogue renders it in lang; it must differ from the English."""
    from flask_babel import force_locale, gettext, pgettext

    with force_locale(lang):
        text = pgettext(context, msgid, **params) if context else gettext(msgid, **params)
    if lang != "en":
        assert text != (msgid % params if params else msgid), f"{msgid!r} is not translated into {lang}"
    return text


@pytest.fixture(autouse=True)
def _today_is_the_day_the_test_runs(request):
    """A module's TODAY is the day in Astana when its test runs, not when it was imported: a run that crosses
    midnight in Astana (19:00 UTC) would otherwise plan visits "yesterday" and count one day too few overdue."""
    if hasattr(request.module, "TODAY"):
        request.module.TODAY = astana_today()


@pytest.fixture(autouse=True)
def _app_context(app):
    """Every test runs inside a fresh app's context, so factories and queries just work."""
    yield
