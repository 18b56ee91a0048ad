"""Every role of the demo world, in kk, ru and en: every link from its home page answers, and its work is reached.

Every page reached is also weighed with its assets, and must load nothing from outside the site and need no
script to read or post."""

import re
import shutil
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from grants.app import create_app
from grants.demo import PASSWORD
from grants.extensions import db
from tests.conftest import ON_POSTGRES, PAGE_LIMIT, IsolatedClient, login, settings_for

LANGUAGES = ("kk", "ru", "en")
PER_ENDPOINT = 12  # addresses followed per endpoint: 700 NGO pages share one template, and twelve of them show it
# (and reach past the open calls, listed first, to a closed one with results)
# A page's HTML, whatever the data behind it: lists are paged, so none should grow past this. An NGO
# accountant in Kyzylorda may be on a mobile connection: 200 KB is already a lot for one page.
MAX_PAGE_BYTES = 200 * 1024
MAX_PAGES = 500  # a bound on one crawl, far above what a role reaches (about 200 for the administrator)
# Pages that keep a language of their own whatever the interface's: the protocol prints in the language it is
# asked for, the beneficiaries' survey in the project's.
OWN_LANGUAGE = {"commission.protocol", "commission.public_protocol", "oversight.feedback", "oversight.feedback_thanks"}

# What each role works on (DESIGN.md, "Who uses it"), written out by hand: the crawl must reach every one.
WORK = {
    "admin@baiqau.kz": {
        "users_admin.users", "users_admin.user_new", "users_admin.user_edit", "users_admin.audit_log",
        "users_admin.outbox", "reference.index", "reference.entries", "reference.new", "reference.edit",
        "organizations.index", "organizations.show", "search.index"},
    "operator@baiqau.kz": {
        "manage_calls.index", "manage_calls.new", "manage_calls.show", "manage_calls.edit", "manage_calls.topic_edit",
        "review.call_applications", "review.review", "review.integrity", "review.open_early", "experts.index",
        "experts.new",
        "experts.show", "assignments.call_assignments", "sheets.call_scoring", "sheets.call_ranking",
        "sheets.application_sheets", "commission.call_meetings", "commission.meeting", "commission.protocol",
        "commission.call_appeals", "manage_agreements.board", "manage_agreements.show", "payments.pay_several",
        "manage_agreements.new_contract", "monitoring.queue", "monitoring.review", "oversight.overdue",
        "oversight.recommendations", "oversight.visit", "survey_codes.sheet", "analyst.index", "dashboard.index",
        "organizations.index",
        "organizations.show", "reference.index", "proposals.manage", "work.index", "comments.attachment",
        "search.index"},
    # ngo.pavlodar: a returned application to revise, last year's scores, and a grant with a report due
    "ngo.pavlodar@baiqau.kz": {
        "applications.index", "applications.show", "applications.edit", "applications.receipt",
        "commission.my_scores", "agreements.index", "agreements.show", "monitoring.show", "monitoring.edit",
        "organizations.show", "organizations.edit", "calls.show"},
    "expert@baiqau.kz": {"expert.index", "expert.show"},
    "staff@baiqau.kz": {"work.index", "manage_agreements.show", "review.review"},  # leads the suspended grant
    "commission@baiqau.kz": {"commission.mine", "commission.meeting", "commission.protocol",
                             "commission.protocol_docx"},
    "appeals@baiqau.kz": {"commission.mine", "commission.hear_appeal"},  # the appeals panel of 2025-MCI-04
    # the customer body runs its own calls as the operator runs the rest: the ministry's are the demo's
    "customer@baiqau.kz": {"manage_calls.index", "manage_calls.show", "proposals.manage", "agreements.index",
                           "agreements.show", "monitoring.show", "customer_reports.queue", "customer_reports.review",
                           "review.call_applications", "review.review", "applications.document",
                           "assignments.call_assignments", "sheets.call_scoring", "sheets.call_ranking",
                           "commission.call_meetings", "commission.meeting"},
    "analyst@baiqau.kz": {"analyst.index", "dashboard.index", "dashboard.export", "tokens.index",
                          "agreements.index", "agreements.show", "monitoring.show", "opendata.index"},
    "observer@baiqau.kz": {"agreements.index", "agreements.show", "monitoring.show", "calls.show",
                           "commission.results"},
}


# What a page loads with it, by tag and attribute: it must come from the site itself.
ASSET_ATTRIBUTES = {"link": "href", "script": "src", "img": "src", "iframe": "src", "source": "src",
                    "video": "src", "audio": "src"}
LOADED_LINKS = ("stylesheet", "icon", "preload", "modulepreload")  # a <link> of another rel loads nothing


class Links(HTMLParser):
    """The addresses a person can follow from a page (links and images), what it loads, and its scripts."""

    def __init__(self):
        super().__init__()
        self.found, self.assets, self.scripts = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        wanted = {"a": "href", "img": "src"}.get(tag)
        if attrs.get(wanted):
            self.found.append(attrs[wanted])
        loaded = attrs.get(ASSET_ATTRIBUTES.get(tag, ""))
        if loaded and (tag != "link" or attrs.get("rel") in LOADED_LINKS):
            self.assets.append(loaded)
        if tag == "script":
            self.scripts.append(attrs)


def asset_problems(url, html_size, parser, asset_size):
    """A page loads nothing from outside the site, runs no inline script and waits for none (every script is
    deferred, so the page reads and its forms post before any runs), and weighs, with its stylesheet, scripts
    and icons, under PAGE_LIMIT."""
    problems = []
    outside = [a for a in parser.assets if urlsplit(a).netloc not in ("", "localhost")]
    if outside:
        problems.append(f"{url} loads {outside} from outside the site")
    for script in parser.scripts:
        if "src" not in script or "defer" not in script:
            problems.append(f"{url} has a script that is inline or not deferred: {script}")
    # the page and what every page loads with it; a report's photos and a QR code are its content, not its weight
    static = {a for a in parser.assets if a not in outside and urlsplit(a).path.startswith("/static/")}
    total = html_size + sum(asset_size(a) for a in static)
    if total > PAGE_LIMIT:
        problems.append(f"{url} weighs {total // 1024} KB with its assets, above {PAGE_LIMIT // 1024} KB")
    return problems


def seed(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def demo(_template, tmp_path_factory):
    """The demo world, seeded once: a SQLite file to copy per test, or an outer PostgreSQL transaction."""
    uploads = tmp_path_factory.mktemp("demo-uploads")  # the crawl only reads them: one folder for all
    if not ON_POSTGRES:
        path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
        shutil.copy(_template, path)
        app = create_app(settings_for(f"sqlite:///{path}", UPLOAD_FOLDER=str(uploads)))
        with app.app_context():
            seed(app)
            db.session.remove()
            db.engine.dispose()
        yield {"path": path, "uploads": uploads}
        return
    app = create_app({"ENV_NAME": "test", "SECRET_KEY": "test", "TESTING": True, "UPLOAD_FOLDER": str(uploads)})
    app.test_client_class = IsolatedClient
    with app.app_context():
        conn = db.engine.connect()
        outer = conn.begin()
        app.extensions["baiqau_connection"] = conn
        try:
            seed(app)
            db.session.remove()
            yield {"app": app, "connection": conn}
        finally:
            db.session.remove()
            outer.rollback()
            conn.close()
            db.engine.dispose()


@pytest.fixture
def app(demo, tmp_path):
    """This module's app: a copy of the seeded file, or a savepoint inside the seeded transaction, rolled back."""
    if not ON_POSTGRES:
        path = tmp_path / "demo.sqlite3"
        shutil.copy(demo["path"], path)
        app = create_app(settings_for(f"sqlite:///{path}", UPLOAD_FOLDER=str(demo["uploads"])))
        app.test_client_class = IsolatedClient
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
        return
    app = demo["app"]
    savepoint = demo["connection"].begin_nested()
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            savepoint.rollback()


def crawl(app, client, lang):
    """Breadth-first over every same-site GET link from the home page in one interface language.

    Returns ({endpoint: [address, ...]}, [problem, ...]). Sign-out and the switches to the other
    languages are not followed; downloads are fetched, not parsed.
    """
    hosts = {"", "localhost", urlsplit(app.config.get("PUBLIC_URL", "")).netloc}
    adapter = app.url_map.bind("localhost")
    start = f"/?lang={lang}"
    queue, seen, reached, problems = deque([(start, "(start)")]), {start}, {}, []
    per_endpoint = {}

    def follow(address, source):
        parts = urlsplit(urljoin(source, address))
        if parts.scheme not in ("", "http", "https") or parts.netloc not in hosts:
            return
        if parts.path.startswith("/static/") or parts.path == "/auth/logout":
            return
        if any(key == "lang" and value != lang for key, value in parse_qsl(parts.query)):
            return
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        if url in seen:
            return
        seen.add(url)
        try:
            endpoint = adapter.match(parts.path, method="GET")[0]
        except MethodNotAllowed:
            problems.append(f"{source} links to {url}, which answers no GET")
            return
        except NotFound:
            endpoint = None  # fetched all the same: the 404 is the finding
        if per_endpoint.setdefault(endpoint, 0) >= PER_ENDPOINT and endpoint is not None:
            return
        per_endpoint[endpoint] += 1
        queue.append((url, source))

    asset_sizes = {}

    def asset_size(address):
        if address not in asset_sizes:
            with client.get(urlsplit(address).path) as response:
                if response.status_code != 200:
                    problems.append(f"the asset {address} answered {response.status_code}")
                asset_sizes[address] = len(response.get_data())
        return asset_sizes[address]

    pages = 0
    while queue and pages < MAX_PAGES:
        url, source = queue.popleft()
        pages += 1
        with client.get(url) as response:  # a download is a file left open until closed
            body = response.get_data()
        if response.status_code >= 400:
            problems.append(f"{url} (linked from {source}) answered {response.status_code}")
            continue
        endpoint = adapter.match(urlsplit(url).path, method="GET")[0]
        reached.setdefault(endpoint, []).append(url)
        if response.status_code in (301, 302, 303, 307, 308):
            follow(response.headers["Location"], url)
            continue
        if response.mimetype != "text/html":
            continue
        html = body.decode()
        if len(body) > MAX_PAGE_BYTES:
            problems.append(f"{url} weighs {len(body) // 1024} KB of HTML, above {MAX_PAGE_BYTES // 1024} KB")
        if endpoint not in OWN_LANGUAGE and f'<html lang="{lang}">' not in html:
            problems.append(f"{url} is not in {lang}")
        parser = Links()
        parser.feed(html)
        problems += asset_problems(url, len(body), parser, asset_size)
        for address in parser.found:
            follow(address, url)
    assert not queue, f"the crawl stopped at {MAX_PAGES} pages: raise the bound or narrow PER_ENDPOINT"
    return reached, problems


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("email", list(WORK))
def test_every_link_a_role_is_shown_opens_and_its_work_pages_are_among_them(app, email, lang):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    reached, problems = crawl(app, client, lang)
    assert not problems, "\n".join(problems)
    missing = WORK[email] - set(reached)
    assert not missing, f"{email} cannot reach {sorted(missing)} from the home page in {lang}"


def test_the_readme_walkthrough_of_scoring_is_what_the_demo_shows(app):
    """README: 2025-MCI-04 → Experts shows the Almaty application without the experts it needs, and why:
    Гүлнар recused before the meeting, Нұрлан tied to the NGO by its BIN."""
    client = app.test_client()
    assert login(client, "operator@baiqau.kz", PASSWORD).status_code == 302
    calls = client.get("/manage/calls/?lang=en").get_data(as_text=True)
    call_id = re.search(r'href="/manage/calls/(\d+)">Social harmony', calls).group(1)
    page = client.get(f"/manage/calls/{call_id}/assignments").get_data(as_text=True)
    assert "2025-MCI-04-00001 lacks 2 expert(s): conflicts of interest leave 0 experts." in page
    assert "Kept off it for a conflict of interest: Гүлнар Сарапшы, Нұрлан Төлегенов." in page
    member = app.test_client()
    assert login(member, "commission@baiqau.kz", PASSWORD).status_code == 302
    mine = member.get("/commission/?lang=en").get_data(as_text=True)
    assert "2025-MCI-04" in mine and "Results published" in mine


def test_the_readme_walkthrough_of_paying_several_tranches_is_what_the_demo_shows(app):
    """README: the partnership's second tranche is payable; its lead, the operator, finds it on My work and pays it
    from the page of several tranches."""
    client = app.test_client()
    assert login(client, "operator@baiqau.kz", PASSWORD).status_code == 302
    work = client.get("/work?lang=en").get_data(as_text=True)
    assert "2025-MCI-SP1/001" in work and 'href="/manage/tranches/pay?mine=1"' in work
    page = client.get("/manage/tranches/pay?mine=1").get_data(as_text=True)
    assert page.count('name="tranche"') == 1 and "2025-MCI-SP1/001" in page
