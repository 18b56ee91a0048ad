"""The operator's big lists — a call's applications, the monitoring board and its awarded applications without an
agreement, the reports awaiting review, the overdue reports and blocked tranches — are paginated, filtered and
sorted in the database: a page costs the same number of SQL statements and loads no more rows whether the list
holds a few rows or many, each sort and filter gives the rows a person expects, and page 2 goes on where page 1
stopped. The rows are made straight through the models (many of them, fast); what a list must show is worked out
here from them, not asked of the code under test."""

import io
import math
import re
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import g

from grants.agreements import operator_views as board_views
from grants.agreements.models import Agreement, Condition, Tranche
from grants.agreements.services import tranche_state
from grants.applications import eligibility
from grants.applications import operator_views as application_views
from grants.applications import services as app_services
from grants.applications.models import CHECKLIST, Application, Status
from grants.auth.models import Role
from grants.calls import proposals
from grants.calls import services as call_services
from grants.db import utcnow
from grants.demo import application_content
from grants.extensions import db
from grants.i18n import astana_today
from grants.monitoring import oversight_views, recommendations, visits
from grants.monitoring import services as monitoring
from grants.monitoring import views as report_views
from grants.monitoring.models import Report
from grants.reference.models import Direction, Region
from reports.models import ApiToken, Workbook
from reports.tokens import digest
from scoring import ranking
from scoring.assignments import services as assignments
from scoring.commission import appeals
from scoring.commission import services as commission
from scoring.experts import services as experts
from scoring.sheets import services as sheets
from tests.conftest import IsolatedClient
from tests.factories import (
    PDF,
    SPEC_ITEMS,
    create_agreement,
    create_application,
    create_call,
    create_organization,
    create_sso_contract,
    create_user,
    end_intake,
    fill_report,
    in_time,
    make_bin,
    operator,
    roll_call,
    signed_in,
    topic_data,
)
from tests.worlds import enrol

TODAY = astana_today()
BASE = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # a UTC moment the submissions are spread after
KATOS = ("750000000", "430000000", "710000000")  # Almaty, Kyzylorda Region, Astana
SHOWN = (Status.submitted, Status.eligible, Status.ineligible, Status.returned)


def region_ids():
    rows = db.session.execute(sa.select(Region.kato, Region.id).where(Region.kato.in_(KATOS))).all()
    return [dict(rows)[kato] for kato in KATOS]


def ngo(i, label):
    """An NGO whose name sorts the same in Python and under any database collation (one prefix, padded digits)."""
    name = f"ОО «{label} {(i * 37) % 1000:03d}»"
    return create_organization(kato=KATOS[i % 3], name_ru=name, name_kk=name.replace("ОО", "ҚБ"))


def add_applications(call, start, count, status=None):
    """`count` applications of the call, each of its own NGO, varied so that each sort gives another order."""
    made = []
    for i in range(start, start + count):
        state = status or (SHOWN[i % 4] if i % 7 else Status.draft)
        submitted = state != Status.draft
        made.append(Application(
            topic=call.topics[i % len(call.topics)], organization=ngo(i, "Заявитель"),
            language="kk" if i % 2 == 0 else "ru", status=state, title=f"Проект {i}", sections={},
            created_by_id=operator().id,
            submitted_at=BASE + timedelta(hours=(i * 13) % 101) if submitted else None,
            receipt_number=f"ЗВ-{(i * 29) % 1000:05d}" if submitted else None,
            revision_deadline=BASE + timedelta(days=30) if state == Status.returned else None))
    db.session.add_all(made)
    db.session.commit()
    return made


def add_agreements(calls, start, count):
    """`count` signed agreements across the calls, each with a late first report (a draft or returned), a second
    report submitted for review, an unpaid first tranche on signing past its date (payable on an active agreement,
    blocked on a suspended one: every fifth) and a second tranche past its date that waits on the first report's
    acceptance (odd ones) or the second's (even ones)."""
    made = []
    for i in range(start, start + count):
        call = calls[i % len(calls)]
        org = ngo(i, "Грантополучатель")
        application = Application(
            topic=call.topics[0], organization=org, language="ru", status=Status.awarded, title=f"Грант {i}",
            sections={}, created_by_id=operator().id, submitted_at=BASE, receipt_number=f"ГР-{i:05d}")
        agreement = Agreement(
            number=f"БЛ-{(i * 31) % 1000:04d}", application=application, organization=org, topic=call.topics[0],
            title=f"Грант {i}", language="ru", amount=Decimal(1_000_000 + (i * 53) % 100 * 1000),
            starts_on=TODAY - timedelta(days=200), ends_on=TODAY + timedelta(days=200),
            status="suspended" if i % 5 == 0 else "active", signed_on=TODAY - timedelta(days=200),
            feedback_token=uuid.uuid4().hex, created_by_id=operator().id)
        late = Report(agreement=agreement, kind="interim", number=1, period_from=TODAY - timedelta(days=200),
                      period_to=TODAY - timedelta(days=90), due_on=TODAY - timedelta(days=1 + (i * 17) % 61),
                      status="returned" if i % 2 else "draft", submitted_at=utcnow() if i % 2 else None)
        waiting = Report(agreement=agreement, kind="interim" if i % 3 == 0 else "final", number=2,
                         period_from=TODAY - timedelta(days=89), period_to=TODAY,
                         due_on=TODAY + timedelta(days=(i * 23) % 59), status="submitted",
                         submitted_at=BASE + timedelta(hours=(i * 19) % 103))
        agreement.tranches = [
            Tranche(position=0, amount=Decimal("100000.00"), planned_on=TODAY - timedelta(days=150),
                    condition=Condition.on_signing),
            Tranche(position=1, amount=Decimal("200000.00"), planned_on=TODAY - timedelta(days=1 + (i * 11) % 43),
                    condition=Condition.report_accepted, report=late if i % 2 else waiting)]
        db.session.add_all([agreement, late, waiting])
        made.append(agreement)
    db.session.commit()
    return made


def add_awaiting(call, start, count):
    """Awarded applications that have no agreement yet."""
    return add_applications(call, start, count, status=Status.awarded)


# --- what a request costs --------------------------------------------------------------------------------

@contextmanager
def watching():
    """Every SQL statement run, and how many rows of each list's kind were loaded into Python as objects."""
    seen = SimpleNamespace(statements=[], loaded=Counter())

    def statement(_conn, _cursor, sql, *_rest):
        seen.statements.append(sql)

    def loaded(target, _context):
        seen.loaded[type(target).__name__] += 1

    kinds = (Application, Agreement, Report, Tranche)
    sa.event.listen(db.engine, "before_cursor_execute", statement)
    for kind in kinds:
        sa.event.listen(kind, "load", loaded)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", statement)
        for kind in kinds:
            sa.event.remove(kind, "load", loaded)


def cost(client, url):
    client.get(url)  # anything cached on the first request is cached
    with watching() as seen:
        response = client.get(url)
        assert response.status_code == 200, url
    return len(seen.statements), seen.loaded


def costs_do_not_grow(client, urls, grow, most):
    """Each page costs as many statements after `grow()` added rows as before, and loads at most `most` rows
    of each kind: one page, not the list."""
    few = {url: cost(client, url)[0] for url in urls}
    grow()
    for url in urls:
        statements, loaded = cost(client, url)
        assert statements == few[url], f"{url}: {few[url]} statements with a few rows, {statements} with more"
        for kind, at_most in most.items():
            assert loaded[kind] <= at_most, (url, kind, loaded)


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def walk(client, url, pattern, expected, per_page, param="page"):
    """Every page of a list, in turn: page after page goes on from the last, without overlap, to the end."""
    pages = max(1, math.ceil(len(expected) / per_page))
    seen = []
    for number in range(1, pages + 1):
        html = html_of(client, f"{url}{'&' if '?' in url else '?'}{param}={number}")
        rows = [tuple(int(x) for x in m) if isinstance(m, tuple) else int(m) for m in re.findall(pattern, html)]
        assert len(rows) == (per_page if number < pages else len(expected) - per_page * (pages - 1)), number
        assert not set(rows) & set(seen), f"page {number} repeats rows of an earlier page"
        seen += rows
        if number < pages:
            assert f"Page {number} of {pages}" in html
    assert seen == expected
    return seen


def next_links(html):
    """The query of each pager's Next link, in the page's order: the filters must ride along in it."""
    return [{k: v[0] for k, v in parse_qs(urlsplit(unescape(href)).query, keep_blank_values=True).items()}
            for href in re.findall(r'<a href="([^"]+)">Next', html)]


# --- a call's applications ---------------------------------------------------------------------------------

APPLICATION_ROW = r'href="/manage/applications/(\d+)/review"'


def test_a_calls_applications_cost_the_same_statements_with_3_or_40_and_load_one_page(app, monkeypatch):
    monkeypatch.setattr(application_views, "PER_PAGE", 10)
    call = create_call(topics=2)
    client = signed_in(app, operator())
    url = f"/manage/calls/{call.id}/applications"
    add_applications(call, 1, 3)
    urls = [url, f"{url}?sort=newest", f"{url}?sort=ngo&language=ru", f"{url}?page=3&sort=ngo&topic=1"]
    costs_do_not_grow(client, urls, lambda: add_applications(call, 4, 40), {"Application": 10})
    assert cost(client, url)[1]["Application"] == 10  # a full page: there were rows to load


def test_a_calls_applications_are_sorted_filtered_and_paged_in_order(app, monkeypatch):
    monkeypatch.setattr(application_views, "PER_PAGE", 7)
    call, other = create_call(topics=2), create_call()
    made = add_applications(call, 1, 60)
    add_applications(other, 61, 5)  # another call's: never shown
    end_intake(call)  # each row links the application's page: after the deadline
    db.session.commit()
    client = signed_in(app, operator())
    url = f"/manage/calls/{call.id}/applications"
    shown = [a for a in made if a.status != Status.draft]
    by_receipt = sorted(shown, key=lambda a: a.receipt_number)
    walk(client, url, APPLICATION_ROW, [a.id for a in by_receipt], 7)
    walk(client, f"{url}?sort=receipt", APPLICATION_ROW, [a.id for a in by_receipt], 7)
    newest = sorted(shown, key=lambda a: (a.submitted_at, a.receipt_number), reverse=True)
    walk(client, f"{url}?sort=newest", APPLICATION_ROW, [a.id for a in newest], 7)
    by_ngo = sorted(shown, key=lambda a: (a.organization.name_ru, a.receipt_number))
    walk(client, f"{url}?sort=ngo", APPLICATION_ROW, [a.id for a in by_ngo], 7)

    almaty = region_ids()[0]
    expected = [a.id for a in by_ngo if a.language == "ru" and a.organization.region_id == almaty]
    filtered = f"{url}?language=ru&region={almaty}&sort=ngo"
    assert len(expected) > 7
    walk(client, filtered, APPLICATION_ROW, expected, 7)
    following = next_links(html_of(client, filtered))[0]  # the filters stay in the page links: a bookmark
    assert following == {"page": "2", "language": "ru", "region": str(almaty), "sort": "ngo", "status": "",
                          "topic": ""}
    expected = [a.id for a in by_receipt if a.status == Status.eligible and a.topic.number == 2]
    walk(client, f"{url}?status=eligible&topic=2", APPLICATION_ROW, expected, 7)
    assert re.findall(APPLICATION_ROW, html_of(client, f"{url}?status=draft")) == []
    assert re.findall(APPLICATION_ROW, html_of(client, f"{url}?status=awarded")) == []
    assert [int(i) for i in re.findall(APPLICATION_ROW, html_of(client, f"{url}?sort=bogus&region=x"))] == [
        a.id for a in by_receipt[:7]]  # what the list cannot do is ignored


# --- the monitoring board and the awarded applications without an agreement -------------------------------

BOARD_ROW = r'href="/manage/agreements/(\d+)"'
AWAITING_ROW = r'href="/manage/applications/(\d+)/agreement/new"'


def test_the_board_with_its_awaiting_panel_costs_the_same_with_3_or_40_and_loads_one_page(app, monkeypatch):
    monkeypatch.setattr(board_views, "PER_PAGE", 10)
    monkeypatch.setattr(board_views, "AWAITING_PER_PAGE", 5)
    call = create_call()
    client = signed_in(app, operator())
    add_agreements([call], 1, 3)
    add_awaiting(call, 100, 3)

    def grow():
        add_agreements([call], 4, 40)
        add_awaiting(call, 103, 40)

    urls = ["/manage/agreements", "/manage/agreements?sort=ngo&status=active", "/manage/agreements?overdue=1",
            "/manage/agreements?awaiting_page=2&sort=amount"]  # page 2 of 3 rows would be empty: cheaper
    costs_do_not_grow(client, urls, grow, {"Agreement": 10, "Application": 5})
    loaded = cost(client, "/manage/agreements")[1]
    assert loaded["Agreement"] == 10 and loaded["Application"] == 5  # not the 43 awaiting nor the 43 awarded


def test_the_board_sorts_filters_and_pages_and_so_does_its_awaiting_panel(app, monkeypatch):
    monkeypatch.setattr(board_views, "PER_PAGE", 6)
    monkeypatch.setattr(board_views, "AWAITING_PER_PAGE", 4)
    calls = [create_call(), create_call()]
    made = add_agreements(calls, 1, 20)
    awaiting = add_awaiting(calls[0], 50, 11)
    client = signed_in(app, operator())
    by_number = sorted(made, key=lambda a: a.number)
    walk(client, "/manage/agreements", BOARD_ROW, [a.id for a in by_number], 6)
    by_amount = sorted(made, key=lambda a: (-a.amount, a.number))
    walk(client, "/manage/agreements?sort=amount", BOARD_ROW, [a.id for a in by_amount], 6)
    by_ngo = sorted(made, key=lambda a: (a.organization.name_ru, a.number))
    walk(client, "/manage/agreements?sort=ngo", BOARD_ROW, [a.id for a in by_ngo], 6)
    kyzylorda = region_ids()[1]
    expected = [a.id for a in by_amount if a.status == "active" and a.organization.region_id == kyzylorda]
    walk(client, f"/manage/agreements?status=active&region={kyzylorda}&sort=amount", BOARD_ROW, expected, 6)
    expected = [a.id for a in by_number if a.topic.call_id == calls[1].id]
    walk(client, f"/manage/agreements?call={calls[1].id}", BOARD_ROW, expected, 6)

    in_order = [a.id for a in sorted(awaiting, key=lambda a: a.receipt_number)]
    walk(client, "/manage/agreements?page=2&sort=ngo", AWAITING_ROW, in_order, 4, param="awaiting_page")
    awaiting_next, board_next = next_links(html_of(client, "/manage/agreements?page=2&sort=ngo"))
    assert (awaiting_next["awaiting_page"], awaiting_next["page"], awaiting_next["sort"]) == ("2", "2", "ngo")
    assert (board_next["page"], board_next["awaiting_page"], board_next["sort"]) == ("3", "1", "ngo")


# --- the reports awaiting review ----------------------------------------------------------------------------

QUEUE_ROW = r'href="/manage/reports/(\d+)"'


def test_the_review_queue_costs_the_same_with_3_or_40_and_loads_one_page(app, monkeypatch):
    monkeypatch.setattr(report_views, "PER_PAGE", 10)
    call = create_call()
    client = signed_in(app, operator())
    add_agreements([call], 1, 3)
    urls = ["/manage/reports", "/manage/reports?sort=due&kind=final", "/manage/reports?sort=number&page=2"]
    costs_do_not_grow(client, urls, lambda: add_agreements([call], 4, 40), {"Report": 10, "Agreement": 10})
    loaded = cost(client, "/manage/reports")[1]
    assert loaded["Report"] == 10 and loaded["Agreement"] == 10


def waiting_reports(agreements):
    return [r for a in agreements for r in a.reports if r.status == "submitted"]


def test_the_review_queue_sorts_filters_and_pages(app, monkeypatch):
    monkeypatch.setattr(report_views, "PER_PAGE", 6)
    calls = [create_call(), create_call()]
    made = add_agreements(calls, 1, 20)
    client = signed_in(app, operator())
    waiting = waiting_reports(made)
    walk(client, "/manage/reports", QUEUE_ROW,
         [r.id for r in sorted(waiting, key=lambda r: (r.submitted_at, r.id))], 6)
    by_due = sorted(waiting, key=lambda r: (r.due_on, r.id))
    walk(client, "/manage/reports?sort=due", QUEUE_ROW, [r.id for r in by_due], 6)
    walk(client, "/manage/reports?sort=number", QUEUE_ROW,
         [r.id for r in sorted(waiting, key=lambda r: (r.agreement.number, r.number))], 6)
    expected = [r.id for r in by_due if r.kind == "final" and r.agreement.topic.call_id == calls[0].id]
    url = f"/manage/reports?kind=final&call={calls[0].id}&sort=due"
    walk(client, url, QUEUE_ROW, expected, 6)
    assert next_links(html_of(client, url)) == [{"page": "2", "kind": "final", "call": str(calls[0].id),
                                                 "region": "", "sort": "due"}]
    astana = region_ids()[2]
    expected = [r.id for r in by_due if r.agreement.organization.region_id == astana]
    walk(client, f"/manage/reports?region={astana}&sort=due", QUEUE_ROW, expected, 6)


# --- the overdue reports and the blocked tranches -------------------------------------------------------------

LATE_ROW = r'href="/manage/agreements/(\d+)#reports"'
BLOCKED_ROW = r'href="/manage/agreements/(\d+)#tranches">[^<]*</a></td>\s*<td>[^<]*</td><td>№ (\d+)</td>'


def test_the_overdue_page_costs_the_same_with_3_or_40_and_loads_one_page_of_each(app, monkeypatch):
    monkeypatch.setattr(oversight_views, "OVERDUE_PER_PAGE", 10)
    call = create_call()
    client = signed_in(app, operator())
    add_agreements([call], 1, 3)
    urls = ["/manage/overdue", "/manage/overdue?sort=number", "/manage/overdue?page=2&tranches_page=3"]
    # A page of late reports, a page of blocked tranches and the reports these wait on: at most 10 + 10 + 10.
    costs_do_not_grow(client, urls, lambda: add_agreements([call], 4, 40), {"Report": 20, "Tranche": 10,
                                                                             "Agreement": 20})
    loaded = cost(client, "/manage/overdue?tranches_page=2")[1]
    assert loaded["Tranche"] == 10 and loaded["Report"] > 10  # some wait on a report that is not late


def blocked(agreements):
    """The tranches that cannot be paid although their date has passed: worked out from what was made."""
    rows = []
    for a in agreements:
        for t in a.tranches:
            waits = t.condition == Condition.report_accepted and t.report.status != "accepted"
            if t.paid_on is None and t.planned_on < TODAY and (a.status == "suspended" or waits):
                rows.append(t)
    return rows


def test_the_overdue_page_sorts_filters_and_pages_both_lists(app, monkeypatch):
    monkeypatch.setattr(oversight_views, "OVERDUE_PER_PAGE", 5)
    calls = [create_call(), create_call()]
    made = add_agreements(calls, 1, 16)
    client = signed_in(app, operator())
    late = [a.reports[0] for a in made]
    by_due = sorted(late, key=lambda r: (r.due_on, r.id))
    walk(client, "/manage/overdue", LATE_ROW, [r.agreement_id for r in by_due], 5)
    walk(client, "/manage/overdue?sort=number", LATE_ROW,
         [r.agreement_id for r in sorted(late, key=lambda r: (r.agreement.number, r.number))], 5)
    tranches = blocked(made)
    assert len(tranches) == 16 + 3  # the awaited one on each; the one on signing only where suspended
    # the page's SQL rule and one agreement's own (tranche_state, in Python) find the same tranches
    assert {t.id for a in made for t in a.tranches if t.paid_on is None and t.planned_on < TODAY
            and tranche_state(t)[0] == "blocked"} == {t.id for t in tranches}
    by_date = sorted(tranches, key=lambda t: (t.planned_on, t.id))
    walk(client, "/manage/overdue", BLOCKED_ROW, [(t.agreement_id, t.position + 1) for t in by_date], 5,
         param="tranches_page")
    by_number = sorted(tranches, key=lambda t: (t.agreement.number, t.position))
    walk(client, "/manage/overdue?sort=number", BLOCKED_ROW, [(t.agreement_id, t.position + 1) for t in by_number],
         5, param="tranches_page")

    almaty, chosen = region_ids()[0], calls[1].id
    url = f"/manage/overdue?region={almaty}&call={chosen}"
    expected = [r.agreement_id for r in by_due
                if r.agreement.organization.region_id == almaty and r.agreement.topic.call_id == chosen]
    html = html_of(client, url)
    assert re.findall(LATE_ROW, html) == [str(i) for i in expected]
    assert f"Reports past due: {len(expected)}" in html
    expected = [(t.agreement_id, t.position + 1) for t in by_date
                if t.agreement.organization.region_id == almaty and t.agreement.topic.call_id == chosen]
    assert [(int(a), int(n)) for a, n in re.findall(BLOCKED_ROW, html)] == expected
    reports_next, tranches_next = next_links(html_of(client, "/manage/overdue?sort=number&tranches_page=2"))
    assert reports_next == {"page": "2", "tranches_page": "2", "sort": "number", "call": "", "region": ""}
    assert tranches_next == {"tranches_page": "3", "page": "1", "sort": "number", "call": "", "region": ""}

    monkeypatch.setattr(oversight_views, "OVERDUE_PER_PAGE", 50)
    html = html_of(client, "/manage/overdue")
    suspended = sum(t.agreement.status == "suspended" for t in tranches)
    assert html.count("the agreement is suspended") == suspended
    for number in (1, 2):
        waits = sum(t.agreement.status == "active" and t.report.number == number for t in tranches)
        assert waits and html.count(f"report {number} is not accepted yet") == waits


@pytest.mark.parametrize("bad", ["page=0", "page=-3", "page=abc", "page=999", "tranches_page=999&sort=x&call=y"])
def test_a_page_out_of_range_or_garbled_is_an_empty_page_not_an_error(app, bad):
    call = create_call()
    add_agreements([call], 1, 2)
    client = signed_in(app, operator())
    for url in (f"/manage/calls/{call.id}/applications", "/manage/agreements", "/manage/reports", "/manage/overdue"):
        assert client.get(f"{url}?{bad}").status_code == 200, url


# --- the three lists everyone opens: the public calls, an NGO's applications, the experts' register ------

def test_the_public_calls_cost_the_same_statements_with_2_or_12_calls(app):
    client = IsolatedClient(app)
    for _ in range(2):
        create_call(topics=2)
    costs_do_not_grow(client, ["/calls/", "/calls/?open=1&instrument=state_grant"],
                      lambda: [create_call(topics=2) for _ in range(10)], {})


def test_an_ngos_applications_cost_the_same_statements_with_2_or_12(app):
    owner = create_user("applicant")
    org = create_organization(owner=owner)
    call = create_call()
    for _ in range(2):
        create_application(owner=owner, org=org, call=call)
    client = signed_in(app, owner)
    costs_do_not_grow(client, ["/applications/"],
                      lambda: [create_application(owner=owner, org=org, call=call) for _ in range(10)],
                      {"Application": 30})


def test_the_experts_register_costs_the_same_statements_with_2_or_12_experts(app):
    for _ in range(2):
        enrol()
    client = signed_in(app, operator())
    costs_do_not_grow(client, ["/manage/experts/"], lambda: [enrol() for _ in range(10)], {})


# --- every role's list pages: the same statements with a few rows or more ---------------------------------
#
# A world of every role, grown in parts: each page names the parts its rows come from, and `grow()` adds rows to
# them with the objects each row brings — its own NGO, documents, partners, score sheets, decisions, reports,
# visits — so that a page loading a row's related objects one row at a time costs more once rows were added.

ALL_PASS = {code: True for code, _label in CHECKLIST}
PARTNER = {"number": "050240003456", "name": "Молодёжный ресурсный центр", "role": "Площадка для занятий"}
PROPOSAL = "Предлагаем добавить в план занятия для пожилых людей в сёлах района."


class ListWorld:
    """A user of every role and the objects of the parts asked for; `grow(n)` adds n rows to each part."""

    def __init__(self, parts):
        self.parts = parts
        self.users = {role: create_user(role.value) for role in Role}
        g.test_operator = self.users[Role.operator]  # the factories act as the world's operator
        self.applicant = self.users[Role.applicant]
        self.users[Role.customer].customer_body_id = create_call().customer_id  # the factories' calls' body
        self.grown = 0
        self.call = self.sso = self.published = None
        if parts & {"call", "published"}:
            self._under_review()
        self.grow(1)

    def grow(self, n=3):
        for part in sorted(self.parts):
            getattr(self, f"_add_{part}")(n)
        self.grown += n
        db.session.commit()

    def _under_review(self):
        """The call under review, the world's expert (on its applications and the published ones) and a meeting."""
        self.call = create_call(topics=2, experts_per_application=2)
        for topic in self.call.topics:
            topic.grants_count = 100
        directions = db.session.execute(sa.select(Direction).where(Direction.code == 11)).scalars().all()
        self.expert = experts.enrol(operator(), self.users[Role.expert], {
            "iin": None, "reads_kk": True, "reads_ru": True, "region_id": None, "active": True}, directions)
        experts.add_affiliation(operator(), self.expert, make_bin(9, year=19), "Қор", "paid")
        sheets.use_default_criteria(operator(), self.call)
        self.meeting = self._meeting(self.call)
        self.first = None  # the call's first application: more experts score it as the world grows
        db.session.commit()

    def _meeting(self, call):
        """A meeting of the call with a quorum present, the world's commission member in the chair."""
        members = [(self.users[Role.commission], "ngos", True), (create_user("commission"), "ngos", False),
                   (create_user("commission"), "operator", False)]
        meeting = commission.convene(operator(), call, utcnow(), "Астана", members)
        db.session.flush()
        commission.record_attendance(operator(), meeting, {m.id: "in_person" for m in meeting.members})
        return meeting

    def _scored(self, call, scorers, number):
        """A submitted application to the call from an NGO of its own (the world's applicant on its staff), with a
        document and a partner, found eligible and scored by each of the experts."""
        org = create_organization(owner=self.applicant)
        application = app_services.start(self.applicant, call.topics[number % len(call.topics)], org, "ru",
                                         now=in_time(call))
        db.session.flush()
        data, activities, indicators, budget = application_content("ru")
        app_services.save(self.applicant, application, data, activities=activities, indicators=indicators,
                          budget=budget, partners=[PARTNER])
        app_services.add_document(self.applicant, application, "charter", io.BytesIO(PDF), "charter.pdf")
        app_services.submit(self.applicant, application, now=in_time(call))
        end_intake(call)
        eligibility.review(operator(), application, "eligible", ALL_PASS)
        for expert in scorers:
            self._score(application, expert)
        return application

    def _score(self, application, expert):
        assignment = assignments.assign_by_hand(operator(), application, expert, "Тест")
        assignments.declare(expert.user, assignment)
        sheet = sheets.sheet_for(expert.user, assignment)
        sheets.save(expert.user, sheet, {c.id: (Decimal(8), False, "Хорошо")
                                         for c in sheets.criteria(application.call)})
        sheets.submit(expert.user, sheet)
        db.session.flush()

    def _decide(self, meeting, application):
        """The decision the ranking says (no departure, so no reason to give)."""
        row = next(r for rows in ranking.ranking(meeting.call).values() for r in rows
                   if r.application.id == application.id)
        roll_call(meeting, application, commission.expected_outcome(row))

    def _add_call(self, n):
        """n applications more, decided in the meeting; n experts more on the first one; n meetings more."""
        for i in range(n):
            application = self._scored(self.call, [self.expert, enrol()], self.grown + i)
            self._decide(self.meeting, application)
            self.first = self.first or application
        for _ in range(n if self.grown else 0):
            self._score(self.first, enrol())
        for _ in range(n):
            self._meeting(self.call)

    def _add_published(self, n):
        """A call whose results are published, each application appealed and scored by as many experts as the
        call has applications: growing puts a bigger call in its place."""
        size = self.grown + n
        call = create_call(topics=2, experts_per_application=2)
        for topic in call.topics:
            topic.grants_count = size
        sheets.use_default_criteria(operator(), call)
        apps = [self._scored(call, [self.expert] + [enrol() for _ in range(size)], i) for i in range(size)]
        meeting = self._meeting(call)
        for application in apps:
            self._decide(meeting, application)
        commission.approve(operator(), meeting)
        commission.publish(operator(), meeting)
        for application in apps:
            appeals.file_appeal(self.applicant, application, "Прошу пересмотреть")
        self.published, self.published_first = call, apps[0]

    def _add_calls(self, n):
        for _ in range(n):
            create_call(topics=2)

    def _add_topics(self, n):
        """A draft call with its topics and documents, and a published state social order call (growing puts a
        bigger one in its place) with as many topics, each of its own direction, regions and services, and as many
        documents."""
        size = self.grown + n
        if self.grown == 0:
            self.draft = create_call(published=False, topics=0)
        self.topical = create_call(published=False, topics=0, instrument="sso", criteria_set="sso")
        directions = db.session.execute(sa.select(Direction).order_by(Direction.code)).scalars().all()
        regions = db.session.execute(sa.select(Region).order_by(Region.kato)).scalars().all()
        for call, (start, end) in ((self.draft, (self.grown, size)), (self.topical, (0, size))):
            for i in range(start, end):
                call_services.save_topic(operator(), call, None, topic_data(direction_id=directions[i].id),
                                         regions[i:i + 2], [dict(item) for item in SPEC_ITEMS]
                                         if call.instrument == "sso" else None)
                call_services.add_document(operator(), call, f"Документ {i}", io.BytesIO(PDF), f"d{i}.pdf")
        call_services.publish(operator(), self.topical)

    def _add_agreements(self, n):
        """Signed agreements of NGOs the world's applicant works for, each with a report submitted, a visit and
        an observer's recommendation."""
        for _ in range(n):
            agreement = create_agreement(owner=self.applicant)
            report = agreement.reports[0]
            fill_report(report, self.applicant)
            monitoring.submit(self.applicant, report)
            visit = visits.plan_visit(operator(), agreement, astana_today(), operator())
            visits.record_visit(operator(), visit, astana_today(), "Замечаний нет", 4)
            recommendations.recommend(self.users[Role.observer], agreement, "Рекомендуем опубликовать отчёт")
            db.session.commit()

    def _add_contracts(self, n):
        """State social order contracts of the customer's body, each with a report submitted."""
        for _ in range(n):
            create_sso_contract(submit_report=True)

    def _add_proposals(self, n):
        """The public's proposals on an announced state social order plan."""
        if self.sso is None:
            now = utcnow()
            self.sso = create_call(topics=2, instrument="sso", criteria_set="sso", opens_at=now + timedelta(days=5),
                                   deadline_at=now + timedelta(days=25))
        for i in range(self.grown, self.grown + n):
            proposals.send(None, self.sso, {"author_name": "Гульмира Ахметова",
                                            "author_email": f"citizen{i}@example.kz", "organization_bin": "",
                                            "topic_id": str(self.sso.topics[i % 2].id), "text": PROPOSAL})

    def _add_tokens(self, n):
        """The analyst's API tokens and workbooks."""
        analyst = self.users[Role.analyst]
        for i in range(self.grown, self.grown + n):
            db.session.add(ApiToken(user=analyst, token_hash=digest(f"bq_list_{i}"), name=f"Токен {i}"))
            db.session.add(Workbook(requested_by_id=analyst.id, filters={}, language="kk"))


# Every role's list pages: (role, the page's address, the parts its rows come from).
LIST_PAGES = [
    ("anonymous", "/calls/", {"calls"}),
    ("anonymous", "/calls/{w.published.id}/results", {"published"}),
    ("anonymous", "/calls/{w.topical.id}", {"topics"}),
    ("applicant", "/applications/", {"call", "published"}),
    ("applicant", "/applications/{w.published_first.id}/scores", {"published"}),
    ("applicant", "/agreements", {"agreements"}),
    ("applicant", "/organizations/", {"agreements"}),
    ("operator", "/manage/calls/", {"calls"}),
    ("operator", "/manage/calls/{w.draft.id}", {"topics"}),
    ("operator", "/manage/calls/{w.topical.id}", {"topics"}),
    ("operator", "/manage/calls/{w.call.id}/applications", {"call"}),
    ("operator", "/manage/calls/{w.call.id}/integrity", {"call"}),
    ("operator", "/manage/calls/{w.call.id}/assignments", {"call"}),
    ("operator", "/manage/calls/{w.call.id}/ranking", {"call"}),
    ("operator", "/manage/calls/{w.call.id}/commission", {"call"}),
    ("operator", "/manage/commission/{w.meeting.id}", {"call"}),
    ("operator", "/manage/applications/{w.first.id}/sheets", {"call"}),
    ("operator", "/manage/calls/{w.published.id}/appeals", {"published"}),
    ("operator", "/manage/calls/{w.sso.id}/proposals", {"proposals"}),
    ("operator", "/manage/experts/", {"call", "published"}),
    ("operator", "/manage/agreements", {"agreements"}),
    ("operator", "/manage/reports", {"agreements"}),
    ("operator", "/manage/overdue", {"agreements"}),
    ("operator", "/manage/recommendations", {"agreements"}),
    ("operator", "/organizations/", {"agreements"}),
    ("expert", "/expert/", {"call", "published"}),
    ("commission", "/commission/", {"call", "published"}),
    ("commission", "/manage/commission/{w.meeting.id}", {"call"}),
    ("customer", "/manage/calls/", {"calls"}),
    ("customer", "/customer/reports", {"contracts"}),
    ("customer", "/agreements", {"contracts"}),
    ("analyst", "/analyst/", {"tokens"}),
    ("analyst", "/analyst/tokens", {"tokens"}),
    ("analyst", "/agreements", {"agreements"}),
    ("observer", "/agreements", {"agreements"}),
    ("admin", "/admin/users/", {"call"}),
    # the trail names its objects in a query per kind of object shown: a page of one kind, whatever its length
    ("admin", "/admin/audit/?verb=application.", {"call"}),
    ("admin", "/admin/outbox/", {"published"}),
]


@pytest.mark.parametrize(("role", "address", "parts"), LIST_PAGES,
                         ids=[f"{role}:{address}" for role, address, _parts in LIST_PAGES])
def test_a_list_page_costs_the_same_statements_with_a_few_rows_or_more(app, role, address, parts):
    world = ListWorld(parts)
    client = IsolatedClient(app) if role == "anonymous" else signed_in(app, world.users[Role(role)])
    few = cost(client, address.format(w=world))[0]
    world.grow(3)
    more = cost(client, address.format(w=world))[0]
    assert more == few, f"{address.format(w=world)}: {few} statements with a few rows, {more} with more"
