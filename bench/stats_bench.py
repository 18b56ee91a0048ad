"""Benchmark: the statistics workbook and the raw export on N generated applications, against their alternatives.

A fresh database (SQLite in a temporary folder, or a new PostgreSQL database beside DATABASE_URL's) gets the
schema, the reference data and N imported applications; then each measured function runs in a child process
of its own (multiprocessing, 'spawn'), so its peak_rss_mb is its own peak, not the largest so far (read from
/proc/self/status VmHWM where there is one, else resource.getrusage's ru_maxrss, which Linux carries over from
the parent). peak_rss_mb counts the interpreter with the app imported (about 150 MB) as well.
"""

import csv
import os
import random
import resource
import sys
import tempfile
import time
from contextlib import contextmanager
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("BAIQAU_ENV", "test")  # settings of their own below; no secret needed

import sqlalchemy as sa  # noqa: E402

from tests.databases import throwaway_database  # noqa: E402

CHUNK = 50_000
YEARS = range(2016, 2024)
KK_SHARE = {2016: 0.12, 2017: 0.13, 2018: 0.14, 2019: 0.15, 2020: 0.16, 2021: 0.19, 2022: 0.22, 2023: 0.26}
INSTRUMENTS = (("state_grant", 80), ("sso", 10), ("award", 5), ("non_state_grant", 3), ("strategic_partnership", 2))
OUTCOMES = (("rejected", 45), ("awarded", 20), ("ineligible", 15), ("submitted", 20))
COLUMNS = ("ref", "year", "call_code", "instrument", "funding_source", "customer_id", "direction_id", "region_id",
           "language", "organization_id", "outcome", "amount_requested", "amount_awarded", "imported_at",
           "source_file")


def settings(url):
    return {"ENV_NAME": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "TESTING": True}


@contextmanager
def fresh_database(folder):
    """SQLite in `folder`, or with DATABASE_URL a PostgreSQL database of its own, dropped afterwards."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    with throwaway_database(url, "stats_bench") as found:
        yield found


def _weighted(pairs):
    return [p for p, _w in pairs], [w for _p, w in pairs]


def generate(rows, ids, seed):
    """Chunks of rows shaped like the published figures: Astana and Almaty near 55 %, Kazakh share rising."""
    rng = random.Random(seed)
    regions = ids["regions"]
    astana, almaty = ids["region_of"]["710000000"], ids["region_of"]["750000000"]
    others = [r for r in regions if r not in (astana, almaty)]
    region_weights = [30 if r == astana else 25 if r == almaty else 45 / len(others) for r in regions]
    orgs_by_region = {}
    for org_id, region_id in ids["organizations"]:
        orgs_by_region.setdefault(region_id, []).append(org_id)
    everywhere = [org for orgs in orgs_by_region.values() for org in orgs]
    local_customers = ids["local_customers"]
    republican = ids["republican_customers"]
    directions = ids["directions"]
    direction_weights = [3 if i < 4 else 1 for i in range(len(directions))]
    instruments, instrument_weights = _weighted(INSTRUMENTS)
    outcomes, outcome_weights = _weighted(OUTCOMES)
    year_weights = [1 + i / 4 for i in range(len(YEARS))]  # more applications each year
    imported_at = "2024-01-15 06:00:00" if ids["dialect"] == "sqlite" else "2024-01-15 06:00:00+00"
    done = 0
    while done < rows:
        n = min(CHUNK, rows - done)
        years = rng.choices(YEARS, year_weights, k=n)
        region_ids = rng.choices(regions, region_weights, k=n)
        direction_ids = rng.choices(directions, direction_weights, k=n)
        instrument_list = rng.choices(instruments, instrument_weights, k=n)
        outcome_list = rng.choices(outcomes, outcome_weights, k=n)
        chunk = []
        for i in range(n):
            year, region_id, instrument = years[i], region_ids[i], instrument_list[i]
            if instrument == "non_state_grant":
                funding, customer = "non_state", rng.choice(republican)
            elif rng.random() < 0.35:
                funding = "local"
                customer = local_customers.get(region_id) or rng.choice(list(local_customers.values()))
            else:
                funding, customer = "republican", rng.choice(republican)
            orgs = orgs_by_region.get(region_id) or everywhere
            requested = Decimal(int(rng.lognormvariate(16, 0.6)) // 1000 * 1000)
            outcome = outcome_list[i]
            awarded = f"{(requested * Decimal('0.9')).quantize(Decimal('0.01'))}" if outcome == "awarded" else None
            call = f"H-{year}-{rng.randint(1, 30):02d}"
            language = "kk" if rng.random() < KK_SHARE[year] else "ru"
            chunk.append((f"B-{done + i + 1}", year, call, instrument, funding, customer, direction_ids[i], region_id,
                          language, rng.choice(orgs), outcome, f"{requested}.00", awarded, imported_at, "bench.csv"))
        done += n
        yield chunk


def load(url, rows, seed=1):
    """The schema, the reference data, NGOs (one per 20 applications) and `rows` imported applications."""
    from grants.app import create_app
    from grants.extensions import db
    from grants.reference.models import CustomerBody, Direction, Region
    from grants.reference.services import load_reference

    app = create_app(settings(url))
    with app.app_context():
        db.create_all()
        load_reference()
        db.session.commit()
        regions = db.session.execute(sa.select(Region.id, Region.kato).order_by(Region.kato)).all()
        customers = db.session.execute(sa.select(CustomerBody.id, CustomerBody.level, CustomerBody.region_id)).all()
        ids = {"dialect": db.engine.dialect.name, "regions": [r.id for r in regions],
               "region_of": {r.kato: r.id for r in regions},
               "directions": list(db.session.execute(sa.select(Direction.id).order_by(Direction.code)).scalars()),
               "republican_customers": [c.id for c in customers if c.level == "republican"],
               "local_customers": {c.region_id: c.id for c in customers if c.level == "local"}}
        rng = random.Random(seed)
        created = "2024-01-15 06:00:00" if ids["dialect"] == "sqlite" else "2024-01-15 06:00:00+00"
        organizations = [(i, rng.choice(ids["regions"])) for i in range(1, max(100, rows // 20) + 1)]
        org_rows = [(i, f"{i:012d}", f"ҚБ «Бенчмарк {i}»", f"ОО «Бенчмарк {i}»", "public_association", region_id,
                     "—", "—", "+77000000000", f"ngo{i}@bench.example", created) for i, region_id in organizations]
        ids["organizations"] = organizations
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            org_sql = ("INSERT INTO organizations (id, bin, name_kk, name_ru, legal_form, region_id, address, "
                       "head_name, phone, email, created_at) VALUES ({})")
            if ids["dialect"] == "sqlite":
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.executemany(org_sql.format(", ".join("?" * 11)), org_rows)
                sql = f"INSERT INTO historical_applications ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * 15)})"  # noqa: S608
                for chunk in generate(rows, ids, seed):
                    cursor.executemany(sql, chunk)
            else:
                cursor.executemany(org_sql.format(", ".join(["%s"] * 11)), org_rows)
                cursor.execute("SELECT setval('organizations_id_seq', (SELECT max(id) FROM organizations))")
                with cursor.copy(f"COPY historical_applications ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for chunk in generate(rows, ids, seed):
                        for row in chunk:
                            copy.write_row(row)
            raw.commit()
            if ids["dialect"] == "postgresql":
                cursor.execute("ANALYZE")
                raw.commit()
        finally:
            raw.close()
        db.engine.dispose()


# --- what is measured (each in a child process) -------------------------------------------

def workbook(out):
    from reports.stats import Filters
    from reports.workbook import build

    Path(out / "workbook.xlsx").write_bytes(build(Filters(), "ru", "bench"))


def bare(out):
    """Every statistic the workbook reads, computed as it computes them, and nothing written."""
    from reports import stats
    from reports.workbook import GROUPINGS, sources

    data = stats.Grouped(stats.Filters(), GROUPINGS)
    for group_by in (["region", "year"], ["direction", "year"], ["funding_source", "customer", "year"],
                     ["instrument"]):
        data.applications(group_by)
    data.kazakh_share("year")
    data.kazakh_share("call")
    data.per_thousand_ngos()
    stats.monitoring(data.filters)
    stats.reasons(data.filters)
    sources(data)


def _facts_frame():
    import pandas as pd

    from grants.extensions import db
    from grants.reference.models import CustomerBody, Direction, Region
    from reports import stats
    from reports.facts import facts

    f = facts()
    query = stats._joined(f).add_columns(
        f.c.year, f.c.call_code.label("call"), f.c.instrument, f.c.funding_source, CustomerBody.code.label("customer"),
        Direction.code.label("direction"), Region.kato.label("region"), f.c.language, f.c.organization_id,
        f.c.outcome, f.c.amount_requested, f.c.amount_awarded)
    with db.engine.connect() as conn:
        return pd.read_sql(query, conn)


def pandas_path(out):
    """The obvious alternative: read every fact row, pivot each statistic in pandas, write with to_excel."""
    import pandas as pd

    from grants.extensions import db

    df = _facts_frame()
    df["awarded"] = (df["outcome"] == "awarded").astype(int)
    values = {"organization_id": ["count", "nunique"], "awarded": "sum", "amount_requested": "sum",
              "amount_awarded": "sum"}

    def pivot(index):
        return pd.pivot_table(df, index=index, values=list(values), aggfunc=values)

    sheets = {"regions": pivot(["region"]), "regions by year": pivot(["region", "year"]),
              "directions": pivot(["direction", "year"]), "funding": pivot(["funding_source", "customer", "year"]),
              "instruments": pivot(["instrument"])}
    for by in ("year", "call"):
        share = pd.pivot_table(df, index=by, columns="language", values="awarded", aggfunc=["count", "sum"],
                               fill_value=0)
        share["kk_share"] = share[("count", "kk")] / (share[("count", "kk")] + share[("count", "ru")])
        sheets[f"language by {by}"] = share
    registered = pd.read_sql("SELECT kato AS region, ngos_registered FROM regions", db.engine).set_index("region")
    per_1000 = registered.join(df.groupby("region").agg(applications=("outcome", "size"), awarded=("awarded", "sum")))
    per_1000["per_1000"] = per_1000["applications"] * 1000 / per_1000["ngos_registered"]
    sheets["per 1000"] = per_1000
    with pd.ExcelWriter(out / "pandas.xlsx", engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name)


def raw_export(out):
    from reports.export import write_applications_xlsx
    from reports.stats import Filters

    write_applications_xlsx(out / "export.xlsx", Filters(), "ru")


def raw_to_excel(out):
    """The same rows and headers as the raw export, through pandas.read_sql and DataFrame.to_excel (openpyxl)."""
    import pandas as pd
    from flask_babel import force_locale

    from grants.extensions import db
    from reports.export import COLUMNS as EXPORTED
    from reports.export import query
    from reports.stats import Filters

    with db.engine.connect() as conn:
        df = pd.read_sql(query(Filters()), conn)
    with force_locale("ru"):
        df.columns = [str(title) for title, _kind in EXPORTED]
    df.to_excel(out / "to_excel.xlsx", index=False, engine="openpyxl")


def raw_csv(out):
    """The same rows and headers, streamed from the same query with the csv module."""
    from flask_babel import force_locale

    from grants.extensions import db
    from reports.export import BATCH, query
    from reports.export import COLUMNS as EXPORTED
    from reports.stats import Filters

    with open(out / "export.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        with force_locale("ru"):
            writer.writerow([str(title) for title, _kind in EXPORTED])
        result = db.session.execute(query(Filters()).execution_options(yield_per=BATCH))
        for batch in result.partitions():
            writer.writerows(batch)


MEASURED = {"workbook": workbook, "bare": bare, "pandas": pandas_path, "export": raw_export,
            "to_excel": raw_to_excel, "csv": raw_csv}


def _child(name, url, out):
    from grants.app import create_app
    from grants.extensions import db

    app = create_app(settings(url))
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))  # connect before the clock starts, as a worker would be
        started = time.perf_counter()
        MEASURED[name](Path(out))
        seconds = time.perf_counter() - started
        db.session.remove()
    return seconds, peak_rss_mb()


def peak_rss_mb():
    """This process's own peak. Linux carries ru_maxrss over fork and exec, so a spawned child would report at
    least its parent's peak (the parent generated the data); VmHWM is the child's own memory's high-water mark."""
    try:
        for entry in Path("/proc/self/status").read_text().splitlines():
            if entry.startswith("VmHWM:"):
                return int(entry.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name, url, out):
    """(seconds, peak_rss_mb) of one measured function, in a fresh 'spawn' child."""
    with get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(_child, (name, url, str(out)))


def line(name, rows, measured, baseline, baseline_name, ratio_of):
    seconds, rss = measured
    baseline_seconds, baseline_rss = baseline
    ratio = seconds / baseline_seconds if ratio_of == "seconds/baseline_seconds" else baseline_seconds / seconds
    return {"name": name, "rows": rows, "seconds": round(seconds, 3), "baseline": baseline_name,
            "baseline_seconds": round(baseline_seconds, 3), "ratio": round(ratio, 2), "ratio_of": ratio_of,
            "peak_rss_mb": round(rss, 1), "baseline_peak_rss_mb": round(baseline_rss, 1)}


def run(rows, only, seed=1, report=print):
    """Load a fresh database, measure each pair asked for, report one dict per line."""
    with tempfile.TemporaryDirectory(prefix="baiqau-bench-") as folder, fresh_database(folder) as url:
        started = time.perf_counter()
        load(url, rows, seed)
        print(f"loaded {rows:,} applications in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        out = Path(folder)
        book = None
        if "workbook" in only or "pandas" in only:
            book = measure("workbook", url, out)
        if "workbook" in only:
            report(line("workbook", rows, book, measure("bare", url, out), "bare GROUP BY queries (reports.stats)",
                        "seconds/baseline_seconds"))
        if "pandas" in only:
            report(line("workbook", rows, book, measure("pandas", url, out),
                        "pandas read_sql + pivot_table + to_excel", "baseline_seconds/seconds"))
        if "export" in only:
            exported = measure("export", url, out)
            report(line("raw export", rows, exported, measure("to_excel", url, out),
                        "pandas read_sql + DataFrame.to_excel (openpyxl)", "baseline_seconds/seconds"))
            report(line("raw export", rows, exported, measure("csv", url, out), "csv module, same rows",
                        "seconds/baseline_seconds"))
