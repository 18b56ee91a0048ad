"""Benchmark: the operator's big lists on 100,000 generated applications in PostgreSQL, against loading every row.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/lists_bench.py \\
        [--rows 100000] [--agreements 10000] [--repeat 30] [--baseline-repeat 5] [--keep]

A fresh database `lists_bench_<hex>` is made beside DATABASE_URL's, given the schema and the reference data, and
filled in bulk by INSERT ... SELECT generate_series (attributes drawn by hashint4, so that they do not go together):
NGOs (one per 20 applications), calls of five topics (the first call holds half the applications), --rows
applications in every status, --agreements agreements for awarded ones (the other awarded applications wait for
theirs), two reports and three tranches each. Then the Flask test client, signed in as the grant operator, asks each
list — a call's applications, the monitoring board with its awarded applications without an agreement, the reports
awaiting review, the overdue page — for its first page, a middle page, a filtered page and a sorted page, --repeat
times each, and one JSON line per measurement gives p50 and p95 in milliseconds and the SQL statements of one
request. The baseline is the obvious alternative, measured in the same run on the same URL: `db.paginate` swapped
for one that loads every matching row through the ORM and slices the page in Python (--baseline-repeat times).
The database is dropped at the end unless --keep.
"""

import argparse
import json
import math
import os
import re
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("BAIQAU_ENV", "test")  # settings of their own below; no secret needed

import sqlalchemy as sa  # noqa: E402
from flask_sqlalchemy.pagination import Pagination  # noqa: E402

from tests.databases import throwaway_database  # noqa: E402

PASSWORD = "correct-horse-bench-42"  # noqa: S105 -- the generated operator's, in a throwaway database
OPERATOR = "lists@bench.example"
TOPICS_PER_CALL = 5
BASELINE = "every matching row loaded through the ORM, the page sliced in Python"


def settings(url):
    return {"ENV_NAME": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "TESTING": True}


@contextmanager
def fresh_database(keep=False):
    """A PostgreSQL database of its own beside DATABASE_URL's, dropped afterwards unless `keep`."""
    raw = os.environ.get("DATABASE_URL", "")
    if not raw.startswith("postgresql"):
        sys.exit("DATABASE_URL must name a PostgreSQL server: this benchmark fills PostgreSQL")
    with throwaway_database(raw, "lists_bench", keep=keep, say=lambda line: print(line, file=sys.stderr)) as url:
        yield url


# --- the data ----------------------------------------------------------------------------------------------

SQL = {
    "calls": """
INSERT INTO calls (code, instrument, customer_id, funding_source, budget_year, title_kk, title_ru, title_en,
    description_kk, description_ru, description_en, opens_at, deadline_at, accepts_kk, accepts_ru,
    experts_per_application, criteria_set, status, receipt_seq, assignment_seed, created_by_id, created_at,
    published_at, application_form)
SELECT 'BN-' || lpad(g::text, 2, '0'), 'state_grant', :customer, 'republican', 2026, 'Байқау ' || g, 'Конкурс ' || g,
    'Call ' || g, '', '', '', now() - interval '60 days', now() - interval '30 days', true, true, 3, 'grant',
    'published', 0, 0, :user, now(), now() - interval '61 days', CAST(:application_form AS json)
FROM generate_series(1, :calls) g""",
    "topics": """
INSERT INTO topics (call_id, number, direction_id, title_kk, title_ru, title_en, goal_kk, goal_ru, tasks_kk, tasks_ru,
    results_kk, results_ru, indicators_kk, indicators_ru, grant_type, duration_months, amount_cap, grants_count)
SELECT c.id, t, (CAST(:directions AS int[]))[1 + (c.id + t) % cardinality(CAST(:directions AS int[]))],
    'Тақырып ' || t, 'Тема ' || t, 'Topic ' || t, '', '', '', '', '', '', '', '', 'short', 10, 10000000, 200
FROM calls c, generate_series(1, :topics) t""",
    "organizations": """
INSERT INTO organizations (bin, name_kk, name_ru, legal_form, region_id, address, head_name, phone, email,
    registry_year, created_at)
SELECT lpad(g::text, 12, '0'), 'ҚБ «' || substr(md5('kk' || g), 1, 10) || '»', 'ОО «' || substr(md5(g::text), 1, 10)
    || '»', 'Қоғамдық бірлестік', (CAST(:regions AS int[]))[1 + g % cardinality(CAST(:regions AS int[]))],
    'Алматы', '—', '+77000000000', 'ngo' || g || '@bench.example', 2026, now()
FROM generate_series(1, :organizations) g""",
    # The first call's topics get the first half of the applications; the other calls share the rest.
    "applications": """
INSERT INTO applications (topic_id, organization_id, language, status, title, sections, language_confirmed, revision,
    created_by_id, created_at, updated_at, submitted_at, receipt_number, version_count, revision_deadline)
SELECT CASE WHEN g <= :rows / 2 THEN (CAST(:first AS int[]))[1 + g % cardinality(CAST(:first AS int[]))]
            ELSE (CAST(:rest AS int[]))[1 + g % cardinality(CAST(:rest AS int[]))] END,
    1 + abs(hashint4(g)::bigint) % :organizations, CASE WHEN abs(hashint4(-g)::bigint) % 4 = 0 THEN 'kk' ELSE 'ru' END,
    s.status,
    'Жоба / Проект № ' || g, CAST(:sections AS json), true, 1, :user, s.at, s.at,
    CASE WHEN s.status <> 'draft' THEN s.at END,
    CASE WHEN s.status <> 'draft' THEN 'BN-' || lpad(g::text, 7, '0') END, 1,
    CASE WHEN s.status = 'returned' THEN s.at + interval '10 days' END
FROM generate_series(1, :rows) g,
    LATERAL (SELECT CASE WHEN b < 10 THEN 'draft' WHEN b < 40 THEN 'submitted' WHEN b < 60 THEN 'eligible'
                         WHEN b < 70 THEN 'ineligible' WHEN b < 75 THEN 'returned' WHEN b < 86 THEN 'awarded'
                         WHEN b < 91 THEN 'reserve' ELSE 'rejected' END AS status,
                    timestamptz '2026-01-10 04:00+00' + ((g::bigint * 104729) % :rows) * interval '20 seconds' AS at
             FROM (SELECT abs(hashint4(g + :rows)::bigint) % 100 AS b) bucket) s""",
    "agreements": """
INSERT INTO agreements (number, kind, application_id, organization_id, topic_id, title, language, amount, starts_on,
    ends_on, status, signed_on, completed_on, feedback_token, created_by_id, created_at)
SELECT 'Д-' || lpad(a.n::text, 6, '0'), 'grant', a.id, a.organization_id, a.topic_id, a.title, a.language,
    1000000 + (a.id * 37 % 9000) * 1000, current_date - 200, current_date + 165, s.status,
    CASE WHEN s.status <> 'draft' THEN current_date - 190 END,
    CASE WHEN s.status = 'completed' THEN current_date - 5 END, md5('feedback' || a.id), :user, now()
FROM (SELECT id, organization_id, topic_id, title, language, row_number() OVER (ORDER BY id) AS n
      FROM applications WHERE status = 'awarded' ORDER BY id LIMIT :agreements) a,
    LATERAL (SELECT CASE WHEN a.n % 20 < 16 THEN 'active' WHEN a.n % 20 = 16 THEN 'suspended'
                         WHEN a.n % 20 < 19 THEN 'completed' ELSE 'draft' END AS status) s""",
    # Report 1 is due in the past (accepted, submitted, draft or returned); report 2 is due later.
    "reports": """
INSERT INTO reports (agreement_id, kind, number, period_from, period_to, due_on, status, narrative, beneficiaries,
    reach, women, men, under_18, from_18_to_34, from_35_to_62, over_62, jobs_created, cofunding, services_delivered,
    volunteers, returns, revision, submitted_at)
SELECT ag.id, k.kind, k.n, current_date - 200 + (k.n - 1) * 100, current_date - 101 + (k.n - 1) * 200, s.due,
    s.status, repeat('Есеп мәтіні. ', 40), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    CASE WHEN s.status = 'returned' THEN 1 ELSE 0 END, 1,
    CASE WHEN s.status <> 'draft' THEN now() - ((ag.id * 7) % 500) * interval '1 hour' - k.n * interval '1 minute' END
FROM agreements ag CROSS JOIN (VALUES (1, 'interim'), (2, 'final')) AS k(n, kind),
    LATERAL (SELECT CASE WHEN k.n = 1 THEN current_date - (1 + ag.id % 60) ELSE current_date + ag.id % 150 END AS due,
                    CASE WHEN ag.status = 'draft' THEN 'draft'
                         WHEN k.n = 1 THEN (CASE WHEN (ag.id * 13) % 100 < 60 THEN 'accepted'
                                                 WHEN (ag.id * 13) % 100 < 75 THEN 'submitted'
                                                 WHEN (ag.id * 13) % 100 < 90 THEN 'draft' ELSE 'returned' END)
                         WHEN ag.id % 10 = 0 THEN 'submitted' ELSE 'draft' END AS status) s""",
    # On signing (paid once signed), on report 1 (paid once it is accepted), on report 2.
    "tranches": """
INSERT INTO tranches (agreement_id, position, amount, planned_on, condition, report_id, paid_on, payment_reference)
SELECT ag.id, t.position, round(ag.amount * t.share, 2), t.planned, t.condition, r.id,
    CASE WHEN t.paid THEN t.planned + 3 END, CASE WHEN t.paid THEN 'ПП-' || ag.id || '-' || t.position END
FROM agreements ag
    JOIN reports r1 ON r1.agreement_id = ag.id AND r1.number = 1
    JOIN reports r2 ON r2.agreement_id = ag.id AND r2.number = 2,
    LATERAL (VALUES (0, 0.5, current_date - 190, 'on_signing', NULL, ag.status <> 'draft'),
                    (1, 0.3, r1.due_on + 10, 'report_accepted', r1.id, r1.status = 'accepted'),
                    (2, 0.2, current_date + 200, 'report_accepted', r2.id, false))
        AS t(position, share, planned, condition, report_id, paid)
    LEFT JOIN reports r ON r.id = t.report_id""",
}


def load(url, rows, agreements, calls):
    """Schema, reference data and the operator through the app; everything else in bulk, in the database."""
    from grants.app import create_app
    from grants.appforms import templates as appform_templates
    from grants.auth import services as auth_services
    from grants.extensions import db
    from grants.reference.models import CustomerBody, Direction, Region
    from grants.reference.services import load_reference

    app = create_app(settings(url))
    counts = {}
    with app.app_context():
        db.create_all()
        load_reference()
        user, _password = auth_services.create_user("bench", OPERATOR, "Bench Operator", ["operator"], PASSWORD, "ru")
        db.session.commit()
        params = {
            "user": user.id, "rows": rows, "agreements": agreements, "calls": calls, "topics": TOPICS_PER_CALL,
            "organizations": max(100, rows // 20),
            "customer": db.session.execute(sa.select(CustomerBody.id).where(CustomerBody.code == "MCI")).scalar_one(),
            "regions": list(db.session.execute(sa.select(Region.id).order_by(Region.kato)).scalars()),
            "directions": list(db.session.execute(sa.select(Direction.id).order_by(Direction.code)).scalars()),
            "application_form": json.dumps(appform_templates.for_instrument("state_grant"), ensure_ascii=False),
            "sections": json.dumps({"summary": "Жобаның қысқаша сипаттамасы. " * 20,
                                    "relevance": "Актуальность проекта для целевой группы. " * 20},
                                   ensure_ascii=False),
        }
        with db.engine.begin() as conn:
            for table in ("calls", "topics", "organizations", "applications", "agreements", "reports", "tranches"):
                if table == "applications":
                    topics = conn.execute(sa.text("SELECT t.id, c.code FROM topics t JOIN calls c ON c.id = t.call_id "
                                                  "ORDER BY c.code, t.number")).all()
                    params["first"] = [t.id for t in topics if t.code == "BN-01"]
                    params["rest"] = [t.id for t in topics if t.code != "BN-01"] or params["first"]
                started = time.perf_counter()
                counts[table] = conn.execute(sa.text(SQL[table]), params).rowcount
                print(f"{table}: {counts[table]:,} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        db.engine.dispose()
    return counts


# --- the measurement -------------------------------------------------------------------------------------------

class LoadAllPagination(Pagination):
    """The obvious alternative: run the list's query without LIMIT, load every row, slice the page in Python."""

    def _rows(self):
        if not hasattr(self, "_all"):
            select, session = self._query_args["select"], self._query_args["session"]
            self._all = list(session.execute(select).unique().scalars())
        return self._all

    def _query_items(self):
        return self._rows()[self._query_offset:self._query_offset + self.per_page]

    def _query_count(self):
        return len(self._rows())


@contextmanager
def loading_every_row(db):
    def paginate(select, **kwargs):
        return LoadAllPagination(select=select, session=db.session(), **kwargs)

    db.paginate = paginate
    try:
        yield
    finally:
        del db.paginate  # the extension's own method again


def sign_in(app):
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/auth/login", data={"csrf_token": token, "email": OPERATOR, "password": PASSWORD})
    assert answer.status_code == 302, "the operator could not sign in"
    return client


def timed(client, url, times, engine):
    """Milliseconds of each of `times` requests (after one to warm up), and the statements of one request. No app
    context is held around the requests: each has its own, and so its own session, as in production."""
    statements = []

    def count(*_args):
        statements.append(1)

    assert client.get(url).status_code == 200, url
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        response = client.get(url)
        spent.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    return spent, len(statements)


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def pages(db, select, per_page):
    total = db.session.execute(sa.select(sa.func.count()).select_from(select.order_by(None).subquery())).scalar()
    return total, max(1, math.ceil(total / per_page))


def cases(db):
    """(list, page, url, matching rows) for each list: its first page, a middle one, a filtered one, a sorted one."""
    from grants.agreements import operator_views as board_views
    from grants.agreements import queries as agreement_queries
    from grants.applications import operator_views as application_views
    from grants.applications import queries
    from grants.calls.models import Call
    from grants.monitoring import oversight_views
    from grants.monitoring import queries as reports
    from grants.monitoring import views as report_views
    from grants.reference.models import Region

    almaty = db.session.execute(sa.select(Region.id).where(Region.kato == "750000000")).scalar_one()
    call = db.session.execute(sa.select(Call).where(Call.code == "BN-01")).scalar_one()
    found = []

    def add(name, url, select, per_page):
        total, count = pages(db, select, per_page)
        found.append((name, "first page", url, total))
        found.append((name, "middle page", f"{url}?page={count // 2 + 1}", total))

    base = f"/manage/calls/{call.id}/applications"
    add("applications of a call", base, queries.call_applications(call, {}), application_views.PER_PAGE)
    filtered = {"status": "eligible", "language": "kk", "region": str(almaty)}
    found.append(("applications of a call", "filtered page", f"{base}?status=eligible&language=kk&region={almaty}",
                  pages(db, queries.call_applications(call, filtered), application_views.PER_PAGE)[0]))
    total, count = pages(db, queries.call_applications(call, {"sort": "ngo"}), application_views.PER_PAGE)
    found.append(("applications of a call", "sorted page (by NGO, middle)", f"{base}?sort=ngo&page={count // 2 + 1}",
                  total))
    total, count = pages(db, queries.call_applications(call, {"sort": "newest"}), application_views.PER_PAGE)
    found.append(("applications of a call", "sorted page (newest first)", f"{base}?sort=newest", total))

    add("monitoring board", "/manage/agreements", agreement_queries.board_query({}), board_views.PER_PAGE)
    found.append(("monitoring board", "filtered page", f"/manage/agreements?status=active&region={almaty}",
                  pages(db, agreement_queries.board_query({"status": "active", "region": str(almaty)}), 1)[0]))
    found.append(("monitoring board", "sorted page (by amount)", "/manage/agreements?sort=amount",
                  pages(db, agreement_queries.board_query({}), 1)[0]))
    total, count = pages(db, agreement_queries.awarded_without_agreement(), board_views.AWAITING_PER_PAGE)
    found.append(("monitoring board", "awaiting panel, middle page",
                  f"/manage/agreements?awaiting_page={count // 2 + 1}", total))

    add("reports awaiting review", "/manage/reports", reports.review_queue({}), report_views.PER_PAGE)
    found.append(("reports awaiting review", "filtered page", f"/manage/reports?kind=interim&region={almaty}",
                  pages(db, reports.review_queue({"kind": "interim", "region": str(almaty)}), 1)[0]))
    found.append(("reports awaiting review", "sorted page (by agreement number)", "/manage/reports?sort=number",
                  pages(db, reports.review_queue({}), 1)[0]))

    per_page = oversight_views.OVERDUE_PER_PAGE
    late, late_pages = pages(db, reports.overdue_reports({}), per_page)
    blocked, blocked_pages = pages(db, reports.blocked_tranches({}), per_page)
    found.append(("overdue", "first page", "/manage/overdue", late + blocked))
    found.append(("overdue", "middle page",
                  f"/manage/overdue?page={late_pages // 2 + 1}&tranches_page={blocked_pages // 2 + 1}", late + blocked))
    total = pages(db, reports.overdue_reports({"region": str(almaty)}), 1)[0] + pages(
        db, reports.blocked_tranches({"region": str(almaty)}), 1)[0]
    found.append(("overdue", "filtered page", f"/manage/overdue?region={almaty}", total))
    found.append(("overdue", "sorted page (by agreement number)", "/manage/overdue?sort=number", late + blocked))
    return found


def measure(url, rows, repeat, baseline_repeat, report=print):
    from grants.app import create_app
    from grants.extensions import db

    app = create_app(settings(url))
    with app.test_request_context():  # the NGO's name the list sorts by follows the interface's language
        measured = cases(db)
        engine = db.engine
        db.session.remove()
    client = sign_in(app)
    for name, page, path, matching in measured:
        spent, statements = timed(client, path, repeat, engine)
        with loading_every_row(db):
            base, base_statements = timed(client, path, baseline_repeat, engine)
        p50, base_p50 = statistics.median(spent), statistics.median(base)
        report({"name": f"{name}: {page}", "rows": rows, "list_rows": matching, "url": path, "requests": repeat,
                "p50_ms": round(p50, 1), "p95_ms": round(p95(spent), 1), "statements": statements,
                "baseline": BASELINE, "baseline_requests": baseline_repeat, "baseline_p50_ms": round(base_p50, 1),
                "baseline_p95_ms": round(p95(base), 1), "baseline_statements": base_statements,
                "ratio": round(base_p50 / p50, 1), "ratio_of": "baseline_p50_ms/p50_ms"})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="generated applications")
    parser.add_argument("--agreements", type=int, default=10_000, help="agreements, 2 reports and 3 tranches each")
    parser.add_argument("--calls", type=int, default=10, help="calls of five topics; the first holds half")
    parser.add_argument("--repeat", type=int, default=30, help="requests per measurement")
    parser.add_argument("--baseline-repeat", type=int, default=5, help="requests per baseline measurement")
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    args = parser.parse_args()
    with fresh_database(args.keep) as url:
        started = time.perf_counter()
        counts = load(url, args.rows, args.agreements, args.calls)
        print(json.dumps({"name": "generate", "rows": args.rows, "seconds": round(time.perf_counter() - started, 1),
                          **{f"{table}_rows": n for table, n in counts.items()}}), flush=True)
        measure(url, args.rows, args.repeat, args.baseline_repeat,
                report=lambda found: print(json.dumps(found, ensure_ascii=False), flush=True))


if __name__ == "__main__":
    main()
