"""The statistics, each one GROUP BY in the database over the facts; Python only shapes the grouped rows.

Every statistic takes the same Filters. Money comes back as Decimal tenge, shares as Decimal 0–1.
"""

from dataclasses import asdict, dataclass
from decimal import Decimal

import sqlalchemy as sa

from grants.agreements.models import Agreement, AgreementIndicator, Repayment
from grants.applications.models import Application, EligibilityReview
from grants.calls.models import Call, Topic
from grants.extensions import db
from grants.monitoring.models import Report, ReportIndicator
from grants.organizations.models import Organization
from grants.reference.models import CustomerBody, Direction, ReasonCode, Region
from reports.facts import facts
from reports.models import FUNDING_SOURCES, INSTRUMENTS

DIMENSIONS = ("year", "region", "language", "direction", "funding_source", "instrument", "customer", "call")
MEASURES = ("applications", "ngos", "awarded", "amount_requested", "amount_awarded")
ZERO = Decimal("0.00")


class BadFilter(ValueError):
    """A filter or grouping the statistics do not know; the message names it."""


@dataclass(frozen=True)
class Filters:
    year_from: int | None = None
    year_to: int | None = None
    instrument: str | None = None
    customer: str | None = None  # a customer body's code
    funding_source: str | None = None
    region: str | None = None  # a KATO code
    direction: int | None = None  # 1–16

    def __post_init__(self):
        if self.instrument is not None and self.instrument not in INSTRUMENTS:
            raise BadFilter(f"instrument must be one of {', '.join(INSTRUMENTS)}")
        if self.funding_source is not None and self.funding_source not in FUNDING_SOURCES:
            raise BadFilter(f"funding_source must be one of {', '.join(FUNDING_SOURCES)}")
        if self.direction is not None and not 1 <= self.direction <= 16:
            raise BadFilter("direction must be 1–16")
        if None not in (self.year_from, self.year_to) and self.year_from > self.year_to:
            raise BadFilter("from must not be after to")

    def as_dict(self):
        return {k: v for k, v in asdict(self).items() if v is not None}


def _joined(f):
    return (sa.select().select_from(f)
            .join(Region, Region.id == f.c.region_id)
            .join(Direction, Direction.id == f.c.direction_id)
            .join(CustomerBody, CustomerBody.id == f.c.customer_id))


def _dimension(f, name):
    return {"year": f.c.year, "region": Region.kato, "language": f.c.language, "direction": Direction.code,
            "funding_source": f.c.funding_source, "instrument": f.c.instrument, "customer": CustomerBody.code,
            "call": f.c.call_code, "source": f.c.source}[name]


def _filtered(query, f, filters):
    if filters.year_from is not None:
        query = query.where(f.c.year >= filters.year_from)
    if filters.year_to is not None:
        query = query.where(f.c.year <= filters.year_to)
    for column, value in ((f.c.instrument, filters.instrument), (CustomerBody.code, filters.customer),
                          (f.c.funding_source, filters.funding_source), (Region.kato, filters.region),
                          (Direction.code, filters.direction)):
        if value is not None:
            query = query.where(column == value)
    return query


def _checked(group_by):
    unknown = [g for g in group_by if g not in DIMENSIONS]
    if unknown or len(set(group_by)) != len(group_by):
        raise BadFilter(f"group_by takes distinct names among {', '.join(DIMENSIONS)}")
    return list(group_by)


def _measured(f, dims):
    awarded = f.c.outcome == "awarded"
    return _joined(f).add_columns(
        *dims, sa.func.count().label("applications"),
        sa.func.count(sa.distinct(f.c.organization_id)).label("ngos"),
        sa.func.coalesce(sa.func.sum(sa.case((awarded, 1), else_=0)), 0).label("awarded"),
        sa.func.coalesce(sa.func.sum(f.c.amount_requested), 0).label("amount_requested"),
        sa.func.coalesce(sa.func.sum(f.c.amount_awarded), 0).label("amount_awarded"))


def _row(row, group_by):
    item = {g: row[g] for g in group_by}
    item.update(applications=int(row["applications"]), ngos=int(row["ngos"]), awarded=int(row["awarded"]),
                amount_requested=_money(row["amount_requested"]), amount_awarded=_money(row["amount_awarded"]))
    return item


def applications(group_by, filters=Filters()):
    """[{dimension…, applications, ngos, awarded, amount_requested, amount_awarded}] grouped as asked."""
    return _grouped(_checked(group_by), filters)


def _grouped(group_by, filters):
    f = facts()
    dims = [_dimension(f, g).label(g) for g in group_by]
    query = _filtered(_measured(f, dims), f, filters).group_by(*dims)
    return _ordered([_row(row, group_by) for row in db.session.execute(query).mappings()], group_by)


def _ordered(rows, group_by):
    """Grouped rows in the order of their dimensions, by code point: the same on every database."""
    return sorted(rows, key=lambda item: tuple((item[g] is None, item[g]) for g in group_by))


class Grouped:
    """The applications statistic under one set of filters for several groupings, each computed once.

    On PostgreSQL every grouping asked for up front comes from one scan of the facts (GROUPING SETS);
    elsewhere each is one GROUP BY, run when first asked. The rows are those of `applications`, in its order.
    `source` (platform or history) is a grouping here too, for the workbook's first sheet.
    """

    def __init__(self, filters=Filters(), groupings=()):
        self.filters = filters
        self.found = {}
        wanted = [tuple(g) for g in dict.fromkeys(tuple(g) for g in groupings)]
        for g in wanted:
            _checked([d for d in g if d != "source"])
        if len(wanted) > 1 and db.session.get_bind().dialect.name == "postgresql":
            self._at_once(wanted)

    def _at_once(self, wanted):
        names = list(dict.fromkeys(d for g in wanted for d in g))
        f = facts()
        dims = [_dimension(f, d).label(d) for d in names]
        by = {d: _dimension(f, d) for d in names}
        # GROUPING(a, b, …) has a bit set, the first name the highest, for each name left out of the row's set
        mask = sa.func.grouping(*dims).label("grouping_mask")
        sets = sa.func.grouping_sets(*(sa.tuple_(*(by[d] for d in g)) for g in wanted))
        query = _filtered(_measured(f, dims).add_columns(mask), f, self.filters).group_by(sets)
        of_mask = {sum(1 << (len(names) - 1 - i) for i, d in enumerate(names) if d not in g): g for g in wanted}
        for g in wanted:
            self.found[g] = []
        for row in db.session.execute(query).mappings():
            g = of_mask[row["grouping_mask"]]
            self.found[g].append(_row(row, g))
        for g in wanted:
            self.found[g] = _ordered(self.found[g], g)

    def applications(self, group_by):
        g = tuple(group_by)
        if g not in self.found:
            self.found[g] = _grouped(list(g), self.filters)
        return self.found[g]

    def kazakh_share(self, by):
        return kazakh_share(by, self.filters, rows=self.applications([by, "language"]))

    def per_thousand_ngos(self):
        return per_thousand_ngos(self.filters, rows=self.applications(["region"]))


def _money(value):
    return Decimal(value or 0).quantize(Decimal("0.01"))


def share(part, whole):
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


def kazakh_share(by, filters=Filters(), rows=None):
    """Per `by` (year or call): applications and winners in kk and ru, and the Kazakh share of each.

    `rows`, when given, are `applications([by, "language"], filters)` computed already."""
    found = {}
    for row in rows if rows is not None else applications([by, "language"], filters):
        entry = found.setdefault(row[by], {by: row[by], "applications_kk": 0, "applications_ru": 0,
                                           "awarded_kk": 0, "awarded_ru": 0})
        entry[f"applications_{row['language']}"] = row["applications"]
        entry[f"awarded_{row['language']}"] = row["awarded"]
    for entry in found.values():
        entry["kk_share_applications"] = share(entry["applications_kk"],
                                               entry["applications_kk"] + entry["applications_ru"])
        entry["kk_share_awarded"] = share(entry["awarded_kk"], entry["awarded_kk"] + entry["awarded_ru"])
    return [found[k] for k in sorted(found)]


def per_thousand_ngos(filters=Filters(), rows=None):
    """Per region: applications and winners against the NGOs registered there (reference data).

    `rows`, when given, are `applications(["region"], filters)` computed already."""
    rows = {row["region"]: row for row in (rows if rows is not None else applications(["region"], filters))}
    regions = db.session.execute(sa.select(Region).where(Region.active).order_by(Region.kato)).scalars()
    found = []
    for region in regions:
        if filters.region is not None and region.kato != filters.region:
            continue
        row = rows.get(region.kato, {"applications": 0, "awarded": 0, "amount_awarded": ZERO})
        registered = region.ngos_registered
        found.append({"region": region.kato, "ngos_registered": registered, "applications": row["applications"],
                      "awarded": row["awarded"], "amount_awarded": row["amount_awarded"],
                      "applications_per_1000": _per_thousand(row["applications"], registered),
                      "awarded_per_1000": _per_thousand(row["awarded"], registered)})
    return found


def _per_thousand(count, registered):
    return (Decimal(count) * 1000 / Decimal(registered)).quantize(Decimal("0.01")) if registered else None


def _scoped(query, topic_id, organization_id, filters):
    """Join the call, topic, NGO region, direction and customer of a platform row, and apply the filters."""
    query = (query.join(Topic, Topic.id == topic_id).join(Call, Call.id == Topic.call_id)
             .join(Organization, Organization.id == organization_id)
             .join(Region, Region.id == Organization.region_id).join(Direction, Direction.id == Topic.direction_id)
             .join(CustomerBody, CustomerBody.id == Call.customer_id))
    if filters.year_from is not None:
        query = query.where(Call.budget_year >= filters.year_from)
    if filters.year_to is not None:
        query = query.where(Call.budget_year <= filters.year_to)
    for column, value in ((Call.instrument, filters.instrument), (CustomerBody.code, filters.customer),
                          (Call.funding_source, filters.funding_source), (Region.kato, filters.region),
                          (Direction.code, filters.direction)):
        if value is not None:
            query = query.where(column == value)
    return query


def reasons(filters=Filters()):
    """Why applications were found ineligible: each coded reason and how many applications it stopped.

    Reason codes are a short catalogue kept in a JSON list on each review; one aggregate query
    counts them all, a column per code, so nothing is loaded row by row.
    """
    codes = db.session.execute(sa.select(ReasonCode).order_by(ReasonCode.code)).scalars().all()
    if not codes:
        return []
    text = sa.cast(EligibilityReview.reason_codes, sa.String)
    # "_" (allowed in a code) is LIKE's any-character: escaped, so NO_SEAL does not also count NOTSEAL
    counted = [sa.func.count(sa.distinct(sa.case((text.like(f'%"{c.code.replace("_", "!_")}"%', escape="!"),
                                                  EligibilityReview.application_id)))) for c in codes]
    query = (sa.select(*counted).select_from(EligibilityReview)
             .join(Application, Application.id == EligibilityReview.application_id)
             .where(EligibilityReview.outcome == "ineligible"))
    counts = db.session.execute(_scoped(query, Application.topic_id, Application.organization_id, filters)).one()
    return [{"code": c.code, "applications": int(n)} for c, n in zip(codes, counts, strict=True) if n]


def _astana_date(moment):
    """The date in Astana of a stored UTC moment: a report due on a day is on time until that day's midnight there.
    Kazakhstan is UTC+5 since 1 March 2024, before the platform's first report; a fixed offset gives both
    databases the same answer whatever their time zone data."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.timezone("UTC", moment) + sa.text("INTERVAL '5 hours'"), sa.Date)
    return sa.func.date(moment, "+5 hours")


def monitoring(filters=Filters()):
    """Per budget year of the call: agreements by state, money, reports on time, indicators achieved,
    and the contribution added up from accepted reports (each report counts from the project's start,
    so an agreement contributes its latest accepted figures)."""
    years = {}

    def row(year):
        return years.setdefault(year, {"year": year, "agreements": 0, "completed": 0, "terminated": 0,
                                       "amount": ZERO, "refund_due": ZERO, "refunded": ZERO, "reports": 0,
                                       "reports_on_time": 0, "indicators": 0, "indicators_achieved": 0,
                                       "beneficiaries": 0, "jobs_created": 0, "cofunding": ZERO,
                                       "services_delivered": 0, "volunteers": 0})

    refunded = (sa.select(sa.func.coalesce(sa.func.sum(Repayment.amount), 0))
                .where(Repayment.agreement_id == Agreement.id).correlate(Agreement).scalar_subquery())
    query = sa.select(Call.budget_year, sa.func.count(),
                      sa.func.sum(sa.case((Agreement.status == "completed", 1), else_=0)),
                      sa.func.sum(sa.case((Agreement.status == "terminated", 1), else_=0)),
                      sa.func.coalesce(sa.func.sum(Agreement.amount), 0),
                      sa.func.coalesce(sa.func.sum(Agreement.refund_due), 0), sa.func.coalesce(sa.func.sum(refunded), 0)
                      ).select_from(Agreement).where(Agreement.status != "draft")
    query = _scoped(query, Agreement.topic_id, Agreement.organization_id, filters).group_by(Call.budget_year)
    for year, count, completed, terminated, amount, due, back in db.session.execute(query):
        row(year).update(agreements=count, completed=int(completed), terminated=int(terminated),
                         amount=_money(amount), refund_due=_money(due), refunded=_money(back))

    on_time = _astana_date(Report.submitted_at) <= Report.due_on
    query = (sa.select(Call.budget_year, sa.func.count(), sa.func.sum(sa.case((on_time, 1), else_=0)))
             .select_from(Report).join(Agreement, Agreement.id == Report.agreement_id)
             .where(Report.status.in_(["submitted", "accepted"])))
    query = _scoped(query, Agreement.topic_id, Agreement.organization_id, filters).group_by(Call.budget_year)
    for year, count, timely in db.session.execute(query):
        row(year).update(reports=count, reports_on_time=int(timely or 0))

    achieved = ReportIndicator.actual >= AgreementIndicator.target
    query = (sa.select(Call.budget_year, sa.func.count(), sa.func.sum(sa.case((achieved, 1), else_=0)))
             .select_from(ReportIndicator).join(Report, Report.id == ReportIndicator.report_id)
             .join(AgreementIndicator, AgreementIndicator.id == ReportIndicator.indicator_id)
             .join(Agreement, Agreement.id == Report.agreement_id)
             .where(Report.kind == "final", Report.status == "accepted"))
    query = _scoped(query, Agreement.topic_id, Agreement.organization_id, filters).group_by(Call.budget_year)
    for year, count, hit in db.session.execute(query):
        row(year).update(indicators=count, indicators_achieved=int(hit or 0))

    latest = (sa.select(Report.agreement_id, sa.func.max(Report.beneficiaries).label("beneficiaries"),
                        sa.func.max(Report.jobs_created).label("jobs_created"),
                        sa.func.max(Report.cofunding).label("cofunding"),
                        sa.func.max(Report.services_delivered).label("services_delivered"),
                        sa.func.max(Report.volunteers).label("volunteers"))
              .where(Report.status == "accepted").group_by(Report.agreement_id).subquery())
    query = (sa.select(Call.budget_year, sa.func.sum(latest.c.beneficiaries), sa.func.sum(latest.c.jobs_created),
                       sa.func.sum(latest.c.cofunding), sa.func.sum(latest.c.services_delivered),
                       sa.func.sum(latest.c.volunteers))
             .select_from(latest).join(Agreement, Agreement.id == latest.c.agreement_id))
    query = _scoped(query, Agreement.topic_id, Agreement.organization_id, filters).group_by(Call.budget_year)
    for year, people, jobs, cofunding, services, volunteers in db.session.execute(query):
        row(year).update(beneficiaries=int(people or 0), jobs_created=int(jobs or 0), cofunding=_money(cofunding),
                         services_delivered=int(services or 0), volunteers=int(volunteers or 0))

    for entry in years.values():
        entry["reports_on_time_share"] = share(entry["reports_on_time"], entry["reports"])
        entry["indicators_achieved_share"] = share(entry["indicators_achieved"], entry["indicators"])
    return [years[y] for y in sorted(years)]
