"""Benchmark: search over 100,000 applications in PostgreSQL, against ILIKE over the applications' text.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/search_bench.py \\
        [--rows 100000] [--repeat 30] [--baseline-repeat 5] [--keep]

A fresh database `search_bench_<hex>` is made beside DATABASE_URL's, given the schema and the reference data, and
filled in bulk: NGOs (one per 20 applications), ten calls of five topics, and --rows submitted applications (a
quarter in Kazakh) whose title and sections are sentences drawn from a pool of Kazakh and Russian ones about the
projects NGOs run, with the city and the numbers varied, copied in with COPY; then their index entries (the words of
the title, the sections and the NGO's names, the receipt and the BIN, as grants/search/index.py writes them) and the
NGOs', by INSERT ... SELECT. Each search — a Russian word in another form (most relevant first, and newest first), a
Kazakh word with its endings, two words, a BIN, a receipt number — runs --repeat times through
grants.search.queries.search, the function the page calls (the ranking and count, its first page, the objects, their
snippets and permission checks), and one JSON line gives p50 and p95 in milliseconds with the hits found ("more than
1000" past the count's cap). The baseline, measured in the same run, is the obvious alternative: `ILIKE '%word%'`
over each application's title and sections with no index, counting and taking the first page (--baseline-repeat
times). The database is dropped at the end unless --keep; --here fills DATABASE_URL's own database
instead (where no other may be made), dropping its tables before and after.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("BAIQAU_ENV", "test")  # settings of their own below; no secret needed

import sqlalchemy as sa  # noqa: E402

from bench.lists_bench import OPERATOR, PASSWORD, p95, settings  # noqa: E402
from tests.databases import throwaway_database  # noqa: E402

BASELINE = "ILIKE '%word%' over the applications' title and sections, no index: count and first page"
CITIES_KK = ("Қызылорда", "Павлодар", "Шымкент", "Ақтөбе", "Түркістан", "Семей", "Атырау", "Көкшетау")
CITIES_RU = ("Кызылорда", "Павлодар", "Шымкент", "Актобе", "Туркестан", "Семей", "Атырау", "Кокшетау")
KK = (
    "{city} қаласындағы балаларға арналған шахмат үйірмесін ашамыз.",
    "Жоба ауыл жастарын еріктілік қызметке тартады және {n} адамды оқытады.",
    "Мүгедектігі бар балалары бар отбасыларға үйде көмек көрсетеміз.",
    "Қарт адамдарға әлеуметтік қолдау көрсету үшін еріктілер клубын құрамыз.",
    "Мектептерде экологиялық сабақтар өткізіліп, {n} оқушы қатысады.",
    "Жастардың кәсіпкерлік дағдыларын дамытуға арналған тренингтер ұйымдастырылады.",
    "Аудандық кітапханаларда оқу клубтары мен пікірсайыстар өтеді.",
    "Әйелдерге құқықтық кеңес беру орталығы {city} облысында жұмыс істейді.",
    "Спорттық жарыстар мен туристік жорықтар жасөспірімдердің денсаулығын нығайтады.",
    "Қазақ тілін үйрену курстары ересектерге тегін өткізіледі.",
    "Жобаның нәтижесінде {n} отбасы тұрақты көмек алады.",
    "Ата-аналар мен мұғалімдер бірлесіп балалардың қауіпсіздігі туралы семинарлар өткізеді.",
    "Ауыл шаруашылығы кооперативтеріне цифрлық сауаттылық сабақтары беріледі.",
    "Мәдени мұраны сақтау үшін өлкетану экспедициялары ұйымдастырылады.",
    "Психологиялық қолдау қызметі жасөспірімдерге қашықтан кеңес береді.",
    "Еріктілер қала саябақтарын абаттандыруға және ағаш отырғызуға қатысады.",
)
RU = (
    "В {city} откроем шахматный кружок при сельской школе для детей.",
    "Проект вовлекает молодежь в волонтерскую помощь и обучит {n} человек.",
    "Семьи с детьми с инвалидностью получат регулярную помощь на дому.",
    "Создадим клуб волонтеров для социальной поддержки пожилых людей.",
    "В школах пройдут экологические уроки, в которых примут участие {n} учеников.",
    "Организуем тренинги по развитию предпринимательских навыков молодежи.",
    "В районных библиотеках будут работать читательские клубы и дебаты.",
    "Центр правовой помощи женщинам работает в {city} и области.",
    "Спортивные соревнования и туристические походы укрепят здоровье подростков.",
    "Курсы казахского языка для взрослых проводятся бесплатно.",
    "В результате проекта {n} семей получат постоянную поддержку.",
    "Родители и учителя вместе проведут семинары о безопасности детей.",
    "Сельскохозяйственным кооперативам проведем занятия по цифровой грамотности.",
    "Для сохранения культурного наследия организуем краеведческие экспедиции.",
    "Служба психологической поддержки консультирует подростков дистанционно.",
    "Волонтеры благоустраивают городские парки и высаживают деревья.",
)
TITLES_KK = ("Балаларға арналған шахмат үйірмесі", "Еріктілер клубы", "Қарттарға қамқорлық", "Жасыл қала",
             "Жастар кәсіпкерлігі", "Құқықтық көмек орталығы")
TITLES_RU = ("Шахматный кружок для детей", "Клуб волонтеров", "Забота о пожилых", "Зеленый город",
             "Предпринимательство молодежи", "Центр правовой помощи")
SECTIONS = ("summary", "problem", "goal", "target_groups", "risks")

SQL = {
    "calls": """
INSERT INTO calls (code, instrument, customer_id, funding_source, budget_year, title_kk, title_ru, title_en,
    description_kk, description_ru, description_en, opens_at, deadline_at, accepts_kk, accepts_ru,
    experts_per_application, criteria_set, status, receipt_seq, assignment_seed, created_by_id, created_at,
    published_at, application_form)
SELECT 'SB-' || lpad(g::text, 2, '0'), 'state_grant', :customer, 'republican', 2026, 'Байқау ' || g, 'Конкурс ' || g,
    'Call ' || g, '', '', '', now() - interval '60 days', now() - interval '30 days', true, true, 3, 'grant',
    'published', 0, 0, :user, now(), now() - interval '61 days', CAST('[]' AS json)
FROM generate_series(1, 10) g""",
    "topics": """
INSERT INTO topics (call_id, number, direction_id, title_kk, title_ru, title_en, goal_kk, goal_ru, tasks_kk, tasks_ru,
    results_kk, results_ru, indicators_kk, indicators_ru, grant_type, duration_months, amount_cap, grants_count)
SELECT c.id, t, :direction, 'Тақырып ' || t, 'Тема ' || t, 'Topic ' || t, '', '', '', '', '', '', '', '', 'short', 10,
    10000000, 200
FROM calls c, generate_series(1, 5) t""",
    "organizations": """
INSERT INTO organizations (bin, name_kk, name_ru, legal_form, region_id, address, head_name, phone, email,
    registry_year, created_at)
SELECT lpad((100000000000 + g)::text, 12, '0'), '«Болашақ ' || g || '» қоғамдық бірлестігі',
    'Общественное объединение «Болашак ' || g || '»', 'Қоғамдық бірлестік',
    (CAST(:regions AS int[]))[1 + g % cardinality(CAST(:regions AS int[]))], 'Алматы', '—', '+77000000000',
    'ngo' || g || '@bench.example', 2026, now()
FROM generate_series(1, :organizations) g""",
    # the entries as grants/search/index.py writes them: lower case, ё as е; numbers upper case
    "application entries": """
INSERT INTO search_entries (kind, object_id, language, words, numbers, call_id, region_id, status, sealed_until)
SELECT 'application', a.id, a.language,
    replace(lower(concat_ws(E'\\n', a.title, a.sections->>'summary', a.sections->>'problem', a.sections->>'goal',
                            a.sections->>'target_groups', a.sections->>'risks', o.name_kk, o.name_ru)), 'ё', 'е'),
    upper(a.receipt_number) || ' ' || o.bin, t.call_id, o.region_id, a.status, c.deadline_at
FROM applications a JOIN organizations o ON o.id = a.organization_id JOIN topics t ON t.id = a.topic_id
    JOIN calls c ON c.id = t.call_id""",
    "organization entries": """
INSERT INTO search_entries (kind, object_id, language, words, numbers, call_id, region_id, status, sealed_until)
SELECT 'organization', o.id, NULL, replace(lower(concat_ws(E'\\n', o.name_kk, o.name_ru, o.head_name, o.address)),
    'ё', 'е'), o.bin, NULL, o.region_id, NULL, NULL
FROM organizations o""",
}


@contextmanager
def fresh_database(keep=False, here=False):
    """A PostgreSQL database of its own beside DATABASE_URL's, dropped afterwards unless `keep`; with `here`,
    DATABASE_URL's own database, its tables dropped and made again, and dropped at the end unless `keep`."""
    raw = os.environ.get("DATABASE_URL", "")
    if not raw.startswith("postgresql"):
        sys.exit("DATABASE_URL must name a PostgreSQL server: this benchmark fills PostgreSQL")
    if here:
        yield raw
        if not keep:
            from grants.app import create_app
            from grants.extensions import db

            with create_app(settings(raw)).app_context():
                db.drop_all()
                db.engine.dispose()
        return
    with throwaway_database(raw, "search_bench", keep=keep, say=lambda line: print(line, file=sys.stderr)) as url:
        yield url


def application_rows(rows, topics, organizations, user, seed=2026):
    """Each application as COPY takes it: a quarter in Kazakh, five sentences of its language's pool."""
    rng = random.Random(seed)
    for g in range(1, rows + 1):
        kazakh = rng.random() < 0.25
        pool, cities, titles = (KK, CITIES_KK, TITLES_KK) if kazakh else (RU, CITIES_RU, TITLES_RU)
        sections = {name: rng.choice(pool).format(city=rng.choice(cities), n=rng.randint(20, 900))
                    for name in SECTIONS}
        at = "2026-01-10 04:00:00+00"
        yield (topics[g % len(topics)], 1 + rng.randrange(organizations), "kk" if kazakh else "ru", "submitted",
               f"{rng.choice(titles)} № {g}", json.dumps(sections, ensure_ascii=False), True, 1, user, at, at, at,
               f"SB-{g:07d}", 1, "")


def load(url, rows):
    """Schema, reference data and the operator through the app; the rest in bulk, in the database."""
    from grants.app import create_app
    from grants.auth import services as auth_services
    from grants.extensions import db
    from grants.reference.models import CustomerBody, Direction, Region
    from grants.reference.services import load_reference

    app = create_app(settings(url))
    counts = {}
    with app.app_context():
        db.drop_all()  # an empty database, or the one --here names
        db.create_all()
        load_reference()
        user, _password = auth_services.create_user("bench", OPERATOR, "Bench Operator", ["operator"], PASSWORD, "ru")
        db.session.commit()
        params = {
            "user": user.id, "organizations": max(100, rows // 20),
            "customer": db.session.execute(sa.select(CustomerBody.id).where(CustomerBody.code == "MCI")).scalar_one(),
            "regions": list(db.session.execute(sa.select(Region.id).order_by(Region.kato)).scalars()),
            "direction": db.session.execute(sa.select(Direction.id).where(Direction.code == 11)).scalar_one(),
        }
        with db.engine.begin() as conn:
            for table in ("calls", "topics", "organizations", "applications", "application entries",
                          "organization entries"):
                started = time.perf_counter()
                if table == "applications":
                    topics = list(conn.execute(sa.text("SELECT id FROM topics ORDER BY id")).scalars())
                    cursor = conn.connection.driver_connection.cursor()
                    with cursor.copy("COPY applications (topic_id, organization_id, language, status, title, sections, "
                                     "language_confirmed, revision, created_by_id, created_at, updated_at, "
                                     "submitted_at, receipt_number, version_count, opened_early_reason) "
                                     "FROM STDIN") as copy:
                        for row in application_rows(rows, topics, params["organizations"], user.id):
                            copy.write_row(row)
                    counts[table] = rows
                else:
                    counts[table] = conn.execute(sa.text(SQL[table]), params).rowcount
                print(f"{table}: {counts[table]:,} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        db.engine.dispose()
    return counts


def cases(db):
    """(name, query): the searches measured, the numbers taken from the data."""
    bin_, receipt = db.session.execute(sa.text(
        "SELECT o.bin, a.receipt_number FROM applications a JOIN organizations o ON o.id = a.organization_id "
        "ORDER BY a.id LIMIT 1 OFFSET 4321")).one()
    return [("a Russian word in another form", "школами"), ("a Russian word, newest first", "школами"),
            ("a Kazakh word with its endings", "балаларға"), ("two Russian words", "волонтеры пожилых"),
            ("a Kazakh word, rare", "өлкетану"), ("a BIN", bin_), ("a receipt number", receipt)]


def baseline(db, word):
    """The obvious alternative: ILIKE over each application's text, no index, counted and paged."""
    where = "(a.title || ' ' || a.sections::text) ILIKE :like"
    like = f"%{word}%"
    total = db.session.execute(sa.text(f"SELECT count(*) FROM applications a WHERE {where}"),  # noqa: S608
                               {"like": like}).scalar_one()
    db.session.execute(sa.text(f"SELECT a.id FROM applications a WHERE {where} ORDER BY a.id DESC LIMIT 20"),  # noqa: S608
                       {"like": like}).all()
    return total


def timed(fn, times):
    fn()  # warm
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        result = fn()
        spent.append((time.perf_counter() - started) * 1000)
    return spent, result


def measure(url, rows, repeat, baseline_repeat, report=print):
    from grants.app import create_app
    from grants.auth.models import User
    from grants.extensions import db
    from grants.search import queries

    app = create_app(settings(url))
    with app.test_request_context("/search/?lang=ru"):
        user = db.session.execute(sa.select(User).where(User.email == OPERATOR)).scalar_one()
        for name, q in cases(db):
            filters = queries.parse({"q": q, "sort": queries.NEWEST if "newest" in name else ""})

            def search(filters=filters):
                db.session.expire_all()  # every search reads as a fresh request would
                hits, page = queries.search(user, filters)
                return page.total, len(hits)

            spent, (total, shown) = timed(search, repeat)
            base, base_total = timed(lambda q=q: baseline(db, q), baseline_repeat)
            p50, base_p50 = statistics.median(spent), statistics.median(base)
            report({"name": f"search: {name}", "rows": rows, "query": q, "sort": filters.sort or "relevance",
                    "found": "more than 1000" if total > queries.MAX_COUNT else total, "shown": shown,
                    "requests": repeat, "p50_ms": round(p50, 1), "p95_ms": round(p95(spent), 1),
                    "baseline": BASELINE, "baseline_found": base_total, "baseline_requests": baseline_repeat,
                    "baseline_p50_ms": round(base_p50, 1), "baseline_p95_ms": round(p95(base), 1),
                    "ratio": round(base_p50 / p50, 1), "ratio_of": "baseline_p50_ms/p50_ms"})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="generated submitted applications")
    parser.add_argument("--repeat", type=int, default=30, help="searches per measurement")
    parser.add_argument("--baseline-repeat", type=int, default=5, help="runs per baseline measurement")
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    parser.add_argument("--reuse", action="store_true",
                        help="with --here: measure the data a run with --keep left, without loading it again")
    parser.add_argument("--here", action="store_true",
                        help="fill DATABASE_URL's own database instead of a new one (its tables are dropped)")
    args = parser.parse_args()
    with fresh_database(args.keep, args.here) as url:
        started = time.perf_counter()
        counts = {} if args.reuse and args.here else load(url, args.rows)
        print(json.dumps({"name": "generate", "rows": args.rows, "seconds": round(time.perf_counter() - started, 1),
                          **{f"{table.replace(' ', '_')}_rows": n for table, n in counts.items()}}), flush=True)
        measure(url, args.rows, args.repeat, args.baseline_repeat,
                report=lambda found: print(json.dumps(found, ensure_ascii=False), flush=True))


if __name__ == "__main__":
    main()
