"""The search itself: the filters read from the address, the matching entries a page at a time, best first, and
each hit with the page its viewer may open.

PostgreSQL matches a word by the Russian stemmer or by its stem as a prefix (the simple configuration), from the
tsvector's GIN index; when that finds nothing, by the stem's trigrams anywhere inside a word (pg_trgm's index: a
Kazakh stem under a prefix, say). SQLite matches the stem as an FTS5 prefix. A number (a BIN, a receipt, an
agreement's or a call's number) is matched exactly and comes first; then the most relevant (PostgreSQL's ts_rank_cd
with trigram similarity for Kazakh words, SQLite's bm25), or, when the address asks sort=newest, the newest. What is
ranked and counted stops at MAX_COUNT + 1 matches (see entries()): a common word in a third of 100,000 applications
would cost half a second to rank or count in full, so past MAX_COUNT the page says "more than 1,000", how many are
listed, and to narrow the search. A sealed application (grants/applications/seal.py) is found by nothing until
its seal lifts.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.dialects import postgresql

from grants.agreements.models import Agreement, AgreementStatus
from grants.applications.models import Application, Status
from grants.calls.models import Call
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _, pgettext
from grants.organizations.models import Organization
from grants.permissions import can
from grants.reference.models import Region
from grants.search import index
from grants.search.models import Kind, SearchEntry
from grants.search.snippets import matcher, snippet
from grants.search.text import MAX_QUERY, as_number, stem, words

E = SearchEntry
TSV = sa.literal_column("search_entries.tsv")
PER_PAGE = 20
MAX_COUNT = 1000
NEWEST = "newest"  # the one order besides relevance, kept in the address
KAZAKH_LETTERS = set("әғқңөұүһі")

# What each kind of hit opens for the viewer, and the permission that page asks.
PAGES = {
    Kind.call: (Call, "call.manage", "manage_calls.show", "call_id"),
    Kind.application: (Application, "application.view", "applications.show", "app_id"),
    Kind.organization: (Organization, "organization.view", "organizations.show", "org_id"),
    Kind.agreement: (Agreement, "agreement.manage", "manage_agreements.show", "agreement_id"),
}
STATUSES = {f"{Kind.application}:{s}": s for s in Status if s != Status.draft} | \
    {f"{Kind.agreement}:{s}": s for s in AgreementStatus}
FILTERS = ("q", "kind", "call", "region", "language", "status", "sort")


def status_options():
    """[(group label, [(value, title)])] for the status filter: an application's and an agreement's."""
    return [(pgettext("search kind", "Application"),
             [(f"{Kind.application}:{s}", s.title) for s in Status if s != Status.draft]),
            (pgettext("search kind", "Agreement"), [(f"{Kind.agreement}:{s}", s.title) for s in AgreementStatus])]


@dataclass
class Filters:
    q: str = ""
    kind: str = ""
    call: int | None = None
    region: int | None = None
    language: str = ""
    status: str = ""
    sort: str = ""  # "" by relevance, or NEWEST
    page: int = 1
    problems: list = field(default_factory=list)

    @property
    def empty(self):
        return not (self.q or self.kind or self.call or self.region or self.language or self.status)

    def args(self):
        """The filters as the address carries them: the shareable link."""
        values = {"q": self.q, "kind": self.kind, "call": self.call, "region": self.region,
                  "language": self.language, "status": self.status, "sort": self.sort}
        return {k: v for k, v in values.items() if v not in ("", None)}


def _id_of(model, raw, problem, problems):
    if not raw:
        return None
    if raw.isdigit() and db.session.get(model, int(raw)) is not None:
        return int(raw)
    problems.append(problem)
    return None


def parse(args):
    """The filters of the address, each checked; what is wrong is said in `problems`, in the viewer's language."""
    f = Filters(problems=[])
    f.q = (args.get("q") or "").strip()
    if len(f.q) > MAX_QUERY:
        f.problems.append(_("The search is too long: at most %(max)d characters.", max=MAX_QUERY))
        f.q = f.q[:MAX_QUERY]
    f.kind = args.get("kind") or ""
    if f.kind and f.kind not in set(Kind):
        f.problems.append(_("There is no such kind of record to search: choose a call, an application, an NGO or "
                            "an agreement."))
        f.kind = ""
    f.call = _id_of(Call, args.get("call"), _("There is no such call: choose one from the list."), f.problems)
    f.region = _id_of(Region, args.get("region"), _("There is no such region: choose one from the list."),
                      f.problems)
    f.language = args.get("language") or ""
    if f.language and f.language not in ("kk", "ru"):
        f.problems.append(_("An application is written in Kazakh or in Russian: choose one of them."))
        f.language = ""
    f.status = args.get("status") or ""
    if f.status and (f.status not in STATUSES or (f.kind and not f.status.startswith(f"{f.kind}:"))):
        f.problems.append(_("There is no such status for what is searched: choose one from the list."))
        f.status = ""
    f.sort = args.get("sort") or ""
    if f.sort not in ("", NEWEST):
        f.problems.append(_("There is no such sorting: choose the most relevant first or the newest first."))
        f.sort = ""
    page = args.get("page") or "1"
    if not page.isdigit() or int(page) < 1:
        f.problems.append(_("The page number must be a whole number, 1 or more."))
    else:
        f.page = int(page)
    return f


def _tsquery(terms):
    """Every word, by the Russian stemmer or by its stem as a prefix."""
    query = None
    for w in terms:
        either = sa.func.plainto_tsquery("russian", w).op("||")(sa.func.to_tsquery("simple", f"'{stem(w)}':*"))
        query = either if query is None else query.op("&&")(either)
    return query


def _trigrams(terms):
    """Every stem inside a word, by pg_trgm's index (which serves a pattern of three letters or more); or None."""
    stems = [stem(w) for w in terms]
    if not all(len(s) >= 3 for s in stems):
        return None
    return sa.and_(*(E.words.ilike(f"%{s}%") for s in stems))


def _sqlite_match(terms):
    return " AND ".join(f'"{stem(w)}"*' for w in terms)


def _number_condition(number, on_postgresql):
    if on_postgresql:
        return sa.func.string_to_array(E.numbers, " ").op("@>")(sa.cast(postgresql.array([number]),
                                                                        postgresql.ARRAY(sa.Text)))
    pattern = number.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (" " + E.numbers + " ").like(f"% {pattern} %", escape="\\")


def _kazakh(f, terms):
    """Whether the words are Kazakh ones: typed with a letter of Kazakh's own, or looked for in Kazakh applications."""
    return f.language == "kk" or any(KAZAKH_LETTERS & set(w) for w in terms)


def _pg_rank(f, terms, tsquery, trigrams):
    """Relevance on PostgreSQL: ts_rank_cd (how often and how close together the words occur, over the log of the
    length); for words matched inside words by trigrams, how often their stems occur. Kazakh has no stemmer, so its
    prefix match also takes in other words of the same start (бала: балалар, балабақша): for Kazakh words the
    trigram similarity of each typed word to the word where its stem first occurs raises the texts written in the
    form typed, up to twice. Only that word is compared: the similarity to a whole text costs 0.2 ms an entry."""
    stems = {w: stem(w) for w in terms}
    if trigrams:
        rank = sum((sa.func.length(E.words) - sa.func.length(sa.func.replace(E.words, s, ""))) / len(s)
                   for s in set(stems.values()))
    else:
        rank = sa.func.ts_rank_cd(TSV, tsquery, 1)
    if _kazakh(f, terms):
        near = [sa.func.word_similarity(w, sa.func.substr(
            E.words, sa.func.greatest(sa.func.strpos(E.words, s) - 1, 1), len(w) + 12)) for w, s in stems.items()]
        rank = rank * (1 + sum(near) / len(near))
    return rank


@dataclass
class Found:
    """What entries() makes: the select of a page's entries (id, kind, object_id), the count, and what the
    snippets need. By relevance the page's select carries the count (`total`, over the entries it ranks); newest
    first, `count` is a select of its own."""

    query: sa.Select
    count: sa.Select | None
    terms: list
    inside: bool


def entries(f, now=None, on_postgresql=None, trigrams=False):
    """The matching entries, best first (or newest first), and their count.

    What is ranked is bounded: every exact number match, and MAX_COUNT + 1 of the entries the words match, as the
    index gives them: to rank (or count) every match of a common word reads a third of the index, half a second at
    100,000 applications. So the count is exact up to MAX_COUNT and past it only "more", and then the ranking is
    among those MAX_COUNT + 1. Newest first needs no ranking: the newest matches a page at a time, counted the same
    way. With `trigrams` (PostgreSQL), words are matched inside words by their trigrams instead."""
    if on_postgresql is None:
        on_postgresql = db.session.get_bind().dialect.name == "postgresql"
    now = now or utcnow()
    where = [sa.or_(E.sealed_until.is_(None), E.sealed_until <= now)]
    for column, value in ((E.kind, f.kind or (f.status.split(":")[0] if f.status else "")), (E.call_id, f.call),
                          (E.region_id, f.region), (E.language, f.language),
                          (E.status, STATUSES[f.status].value if f.status else None)):
        if value:
            where.append(column == value)
    terms, number = words(f.q), as_number(f.q) if f.q else None
    exact, matched, rank, fts, inside = None, None, None, None, None
    if number:
        exact = _number_condition(number, on_postgresql)
    if terms and on_postgresql:
        tsquery = _tsquery(terms)
        inside = _trigrams(terms) if trigrams else None
        matched = inside if inside is not None else TSV.op("@@")(tsquery)
        rank = _pg_rank(f, terms, tsquery, inside is not None)
    elif terms:
        match = _sqlite_match(terms)
        matched = E.id.in_(sa.text("SELECT rowid FROM search_fts WHERE search_fts MATCH :match")
                           .bindparams(match=match))
        fts = sa.text("SELECT rowid, bm25(search_fts) AS rank FROM search_fts WHERE search_fts MATCH :match") \
            .bindparams(match=match).columns(sa.column("rowid"), sa.column("rank")).subquery("fts")
        rank = -sa.func.coalesce(fts.c.rank, 0)  # bm25 is the lower the better
    conditions = [c for c in (exact, matched) if c is not None]
    filters = list(where)
    if f.q:
        where.append(sa.or_(*conditions) if conditions else sa.false())
    first = [sa.case((exact, 0), else_=1)] if exact is not None else []
    marks = {"terms": terms, "inside": inside is not None}
    if rank is None or f.sort == NEWEST:
        query = sa.select(E.id, E.kind, E.object_id).where(*where).order_by(*first, E.id.desc())
        count = sa.select(sa.func.count()).select_from(sa.select(E.id).where(*where).limit(MAX_COUNT + 1).subquery())
        return Found(query, count, **marks)
    parts = [sa.select(E.id).where(*filters, matched).limit(MAX_COUNT + 1)]
    if exact is not None:
        parts.append(sa.select(E.id).where(*filters, exact))
    ranked = sa.union(*(sa.select(p.subquery().c.id) for p in parts)).subquery("ranked")
    query = sa.select(E.id, E.kind, E.object_id, sa.func.count().over().label("total")) \
        .join(ranked, ranked.c.id == E.id)
    if fts is not None:
        query = query.outerjoin(fts, fts.c.rowid == E.id)
    return Found(query.order_by(*first, rank.desc(), E.id.desc()), None, **marks)


@dataclass
class Page:
    """One page of hits and what the pager needs. `total` is exact up to MAX_COUNT; past it, `more` is true and the
    pages reach only as far as the MAX_COUNT entries ranked."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def more(self):
        return self.total > MAX_COUNT

    @property
    def pages(self):
        return max(1, -(-min(self.total, MAX_COUNT) // self.per_page))

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)


def paginate(found, f, per_page):
    """The page asked for, within the MAX_COUNT entries listed, and the count."""
    page = min(f.page, -(-MAX_COUNT // per_page))
    limited = found.query.limit(per_page).offset((page - 1) * per_page)
    rows = db.session.execute(limited).all()
    if found.count is not None:
        total = db.session.execute(found.count).scalar()
    elif rows:
        total = rows[0].total
    else:  # by relevance, a page past the end: counted on its own
        total = db.session.execute(sa.select(sa.func.count()).select_from(
            found.query.order_by(None).subquery())).scalar() if page > 1 else 0
    return Page(rows, page, per_page, total)


@dataclass
class Hit:
    kind: Kind
    obj: object
    url: str
    snippet: Markup | None


def search(user, f, per_page=PER_PAGE, now=None):
    """One page of what the user may open among the entries matching the filters: (hits, page)."""
    from flask import url_for

    found = entries(f, now)
    page = paginate(found, f, per_page)
    if page.total == 0 and found.terms and db.session.get_bind().dialect.name == "postgresql":
        found = entries(f, now, trigrams=True)  # no word as it is written: inside other words, by trigrams
        page = paginate(found, f, per_page)
    rows = page.items
    objects = {}
    for kind in {r.kind for r in rows}:
        model = PAGES[Kind(kind)][0]
        ids = [r.object_id for r in rows if r.kind == kind]
        objects[kind] = {o.id: o for o in db.session.execute(
            sa.select(model).where(model.id.in_(ids)).options(*index.LOADS[model])).unique().scalars()}
    matches = matcher(found.terms, inside=found.inside)
    hits = []
    for r in rows:
        model, action, endpoint, arg = PAGES[Kind(r.kind)]
        obj = objects[r.kind].get(r.object_id)
        if obj is not None and can(user, action, obj):  # a list links only what its viewer may open
            hits.append(Hit(Kind(r.kind), obj, url_for(endpoint, **{arg: obj.id}),
                            snippet(index.source_text(obj), matches)))
    return hits, page


def examples():
    """Searches to try from the empty page, taken from what the index holds: the newest call's number and an
    NGO's BIN."""
    rows = db.session.execute(sa.select(E.kind, E.numbers).where(E.kind.in_((Kind.call, Kind.organization)))
                              .order_by(E.kind, E.object_id.desc()).limit(50)).all()
    found = {}
    for kind, numbers in rows:
        found.setdefault(kind, numbers.split(" ")[0])
    return [found[k] for k in (Kind.call, Kind.organization) if found.get(k)]
