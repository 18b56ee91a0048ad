"""The search itself: the filters read from the address, the matching entries a page at a time, and each hit with
the page its viewer may open.

PostgreSQL matches a word by the Russian stemmer or by its stem as a prefix (the simple configuration), from the
tsvector's GIN index; when that finds nothing, by the stem's trigrams anywhere inside a word (pg_trgm's index: a
Kazakh stem under a prefix, say). SQLite matches the stem as an FTS5 prefix. A number (a BIN, a receipt, an
agreement's or a call's number) is matched exactly and comes first; the rest newest first, the same on both
databases. Counting stops past MAX_COUNT: a word in a third of 100,000 applications is counted in milliseconds, and
"more than 1,000" says to narrow the search. A sealed application (grants/applications/seal.py) is found by
nothing until its seal lifts.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_sqlalchemy.pagination import SelectPagination
from markupsafe import Markup, escape
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
from grants.search.models import Kind, SearchEntry
from grants.search.text import MAX_QUERY, as_number, stem, words

E = SearchEntry
TSV = sa.literal_column("search_entries.tsv")
PER_PAGE = 20
MAX_COUNT = 1000
START, STOP = "\x02", "\x03"  # around a matched word in a snippet; the index keeps no control characters
HEADLINE = f"StartSel={START}, StopSel={STOP}, MaxWords=24, MinWords=10, MaxFragments=2, FragmentDelimiter=\" … \""

# What each kind of hit opens for the viewer, and the permission that page asks.
PAGES = {
    Kind.call: (Call, "call.manage", "manage_calls.show", "call_id"),
    Kind.application: (Application, "application.view", "applications.show", "app_id"),
    Kind.organization: (Organization, "organization.view", "organizations.show", "org_id"),
    Kind.agreement: (Agreement, "agreement.manage", "manage_agreements.show", "agreement_id"),
}
STATUSES = {f"{Kind.application}:{s}": s for s in Status if s != Status.draft} | \
    {f"{Kind.agreement}:{s}": s for s in AgreementStatus}
FILTERS = ("q", "kind", "call", "region", "language", "status")


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
    page: int = 1
    problems: list = field(default_factory=list)

    @property
    def empty(self):
        return not (self.q or self.kind or self.call or self.region or self.language or self.status)

    def args(self):
        """The filters as the address carries them: the shareable link."""
        values = {"q": self.q, "kind": self.kind, "call": self.call, "region": self.region,
                  "language": self.language, "status": self.status}
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


def entries(f, now=None, on_postgresql=None, trigrams=False):
    """The select of matching entries, best first, and what the snippets need (the tsquery or the FTS5 match).
    With `trigrams` (PostgreSQL), words are matched inside words by their trigrams instead."""
    if on_postgresql is None:
        on_postgresql = db.session.get_bind().dialect.name == "postgresql"
    now = now or utcnow()
    query = sa.select(E).where(sa.or_(E.sealed_until.is_(None), E.sealed_until <= now))
    for column, value in ((E.kind, f.kind or (f.status.split(":")[0] if f.status else "")), (E.call_id, f.call),
                          (E.region_id, f.region), (E.language, f.language),
                          (E.status, STATUSES[f.status].value if f.status else None)):
        if value:
            query = query.where(column == value)
    terms, number = words(f.q), as_number(f.q)
    order, tsquery, match, conditions = [], None, None, []
    if number:
        exact = _number_condition(number, on_postgresql)
        conditions.append(exact)
        order.append(sa.case((exact, 0), else_=1))
    if terms and on_postgresql:
        tsquery = _tsquery(terms)
        inside = _trigrams(terms) if trigrams else None
        conditions.append(inside if inside is not None else TSV.op("@@")(tsquery))
    elif terms:
        match = _sqlite_match(terms)
        conditions.append(E.id.in_(sa.text("SELECT rowid FROM search_fts WHERE search_fts MATCH :match")
                                   .bindparams(match=match)))
    if f.q:
        query = query.where(sa.or_(*conditions) if conditions else sa.false())
    return query.order_by(*order, E.id.desc()), tsquery, match


class CappedPagination(SelectPagination):
    """A page of the entries, counted up to MAX_COUNT + 1 only: a count of every match is what costs."""

    def _query_count(self):
        sub = self._query_args["select"].order_by(None).limit(MAX_COUNT + 1).subquery()
        return self._query_args["session"].execute(sa.select(sa.func.count()).select_from(sub)).scalar()


def paginate(query, f, per_page):
    return CappedPagination(select=query, session=db.session(), page=f.page, per_page=per_page, error_out=False,
                            max_per_page=None, count=True)


def snippets(ids, tsquery, match):
    """{entry id: Markup} of the matched words in their context, every character escaped but the highlight."""
    if not ids or (tsquery is None and match is None):
        return {}
    if tsquery is not None:
        rows = db.session.execute(sa.select(E.id, sa.func.ts_headline("simple", E.words, tsquery, HEADLINE))
                                  .where(E.id.in_(ids)))
    else:
        rows = db.session.execute(sa.text(
            "SELECT rowid, snippet(search_fts, 0, char(2), char(3), ' … ', 16) FROM search_fts "
            "WHERE search_fts MATCH :match AND rowid IN (SELECT value FROM json_each(:ids))"),
            {"match": match, "ids": f"[{','.join(str(int(i)) for i in ids)}]"})
    # escaped first; only the two markers, which the index never holds, become markup
    return {i: Markup(str(escape(text)).replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704  # nosec B704
            for i, text in rows}


@dataclass
class Hit:
    kind: Kind
    obj: object
    url: str
    snippet: Markup | None


def search(user, f, per_page=PER_PAGE, now=None):
    """One page of what the user may open among the entries matching the filters: (hits, pagination)."""
    from flask import url_for

    query, tsquery, match = entries(f, now)
    page = paginate(query, f, per_page)
    if page.total == 0 and tsquery is not None:  # no word as it is written: inside other words, by trigrams
        query, tsquery, match = entries(f, now, trigrams=True)
        page = paginate(query, f, per_page)
    rows = page.items
    found = snippets([r.id for r in rows], tsquery, match)
    objects = {}
    for kind in {r.kind for r in rows}:
        model = PAGES[Kind(kind)][0]
        ids = [r.object_id for r in rows if r.kind == kind]
        objects[kind] = {o.id: o for o in db.session.execute(sa.select(model).where(model.id.in_(ids))).scalars()}
    hits = []
    for r in rows:
        model, action, endpoint, arg = PAGES[Kind(r.kind)]
        obj = objects[r.kind].get(r.object_id)
        if obj is not None and can(user, action, obj):  # a list links only what its viewer may open
            hits.append(Hit(Kind(r.kind), obj, url_for(endpoint, **{arg: obj.id}), found.get(r.id)))
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
