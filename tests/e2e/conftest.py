"""A live server on its own database, and Debian's Chromium driven by Playwright."""

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from grants.app import create_app
from tests.conftest import ARTIFACTS as TEST_ARTIFACTS
from tests.conftest import build_schema, fresh_database, settings_for

CHROMIUM = os.environ.get("BAIQAU_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = TEST_ARTIFACTS / "e2e"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@contextmanager
def served(app):
    """The app served on a free loopback port (its address in LIVE_URL) until the block ends."""
    from grants.extensions import db

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    try:
        yield
    finally:
        server.shutdown()
        thread.join()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_app(tmp_path):
    """The app on a database of its own, served on a free loopback port."""
    with fresh_database(tmp_path) as url:
        app = create_app(settings_for(url))
        build_schema(app)
        with served(app):
            yield app


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def shot(page, name):
    """Keep what the browser saw, for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory):
    """The demo world (`flask seed-demo`), seeded once and served for the layout and accessibility tests."""
    from grants import demo
    from grants.extensions import db

    tmp = tmp_path_factory.mktemp("demo-site")
    with fresh_database(tmp) as url:
        app = create_app(settings_for(url, UPLOAD_FOLDER=str(tmp / "uploads")))
        build_schema(app)
        with app.app_context():
            demo.seed()
            db.session.commit()
            db.session.remove()
        with served(app):
            yield app


def demo_context(browser, site, email, width=1280, height=800):
    """A browser context signed in as one of the demo world's accounts (or anonymous when email is None)."""
    from grants.demo import PASSWORD as DEMO_PASSWORD

    context = browser.new_context(viewport={"width": width, "height": height})
    if email:
        page = context.new_page()
        base = site.config["LIVE_URL"]
        page.goto(f"{base}/auth/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(DEMO_PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/")
        page.close()
    return context
