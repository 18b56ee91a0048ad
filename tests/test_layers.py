"""The core (grants) knows nothing of the packages above it (scoring, reports): not in its code, not in its
templates, not at run time. An app built with the core alone serves the core's pages whole, with no link to a
page that is not there; the packages' links appear only where they are registered."""

import re
from pathlib import Path

import pytest

from grants.app import create_app
from grants.extensions import db
from tests.conftest import login
from tests.factories import create_application, create_user

ROOT = Path(__file__).resolve().parents[1]
WIRING = ROOT / "grants" / "app.py"  # the one module that wires the packages together


def package_endpoints(app):
    """The blueprints that scoring and reports register, by the package their view functions live in."""
    return {rule.endpoint.split(".")[0] for rule in app.url_map.iter_rules()
            if app.view_functions[rule.endpoint].__module__.split(".")[0] in ("scoring", "reports")}


def test_no_module_or_template_of_the_core_names_a_package_above_it(app):
    blueprints = package_endpoints(app)
    assert {"commission", "sheets", "analyst", "opendata"} <= blueprints  # the scan below looks for these
    names = "|".join(sorted(blueprints))
    endpoint = re.compile(rf"url_for\(\s*['\"]({names})\.")
    imports = re.compile(r"^\s*(from|import)\s+(scoring|reports)\b", re.M)
    found = []
    for path in sorted((ROOT / "grants").rglob("*")):
        if path.suffix not in (".py", ".html", ".txt") or "translations" in path.parts or path == WIRING:
            continue
        text = path.read_text(encoding="utf-8")
        matches = (*endpoint.finditer(text), *imports.finditer(text))
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in matches]
    assert found == []


@pytest.fixture
def core(app):
    """The core alone, on the test's own database (on PostgreSQL, inside the test's transaction)."""
    alone = create_app({**app.config}, packages=())
    if "baiqau_connection" in app.extensions:
        alone.extensions["baiqau_connection"] = app.extensions["baiqau_connection"]
    alone.test_client_class = app.test_client_class
    return alone


def test_the_core_alone_serves_its_pages_without_a_link_to_a_missing_one(app, core):
    operator = create_user("operator")
    application = create_application(submit=True)
    call = application.call
    db.session.commit()
    pages = ["/", f"/calls/{call.id}", f"/manage/calls/{call.id}"]
    scoring_links = (f"/manage/calls/{call.id}/ranking", f"/manage/calls/{call.id}/assignments", "/open-data")

    whole = app.test_client()
    login(whole, operator.email)
    operator_page = whole.get(f"/manage/calls/{call.id}").get_data(as_text=True)
    assert f"/manage/calls/{call.id}/ranking" in operator_page  # the packages fill the core's slots ...
    assert "/open-data" in whole.get("/").get_data(as_text=True)

    alone = core.test_client()
    login(alone, operator.email)
    for url in pages:
        response = alone.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert not [link for link in scoring_links if link in html], url  # ... and without them stay empty
        hrefs = set(re.findall(r'href="(/[^"#?]*)', html))
        missing = [h for h in hrefs if not h.startswith("/static/")
                   and core.url_map.bind("localhost").test(h) is False]
        assert missing == [], url
    with core.app_context():
        assert [g.key for g in core.extensions["baiqau.menu"]] == ["main", "manage", "admin"]
