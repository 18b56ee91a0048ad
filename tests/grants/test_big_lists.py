"""The operator's big lists — a call's applications, the monitoring board and its awarded applications without an
agreement, the reports awaiting review, the overdue reports and blocked tranches — are paginated, filtered and
sorted in the database: a page costs the same number of SQL statements and loads no more rows whether the list
holds a few rows or many, each sort and filter gives the rows a person expects, and page 2 goes on where page 1
stopped. The rows are made straight through the models (many of them, fast); what a list must show is worked out
here from them, not asked of the code under test."""

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

from grants.agreements import operator_views as board_views
from grants.agreements.models import Agreement, Condition, Tranche
from grants.agreements.services import tranche_state
from grants.applications import operator_views as application_views
from grants.applications.models import Application, Status
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import astana_today
from grants.monitoring import oversight_views
from grants.monitoring import views as report_views
from grants.monitoring.models import Report
from grants.reference.models import Region
from tests.factories import create_call, create_organization, operator, signed_in

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
    from tests.conftest import IsolatedClient

    client = IsolatedClient(app)
    for _ in range(2):
        create_call(topics=2)
    costs_do_not_grow(client, ["/calls/", "/calls/?open=1&instrument=state_grant"],
                      lambda: [create_call(topics=2) for _ in range(10)], {})


def test_an_ngos_applications_cost_the_same_statements_with_2_or_12(app):
    from tests.factories import create_application, create_user

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
    from tests.worlds import enrol

    for _ in range(2):
        enrol()
    client = signed_in(app, operator())
    costs_do_not_grow(client, ["/manage/experts/"], lambda: [enrol() for _ in range(10)], {})
