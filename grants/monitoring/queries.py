"""The lists of monitoring, each a query decided in the database: the reports awaiting review (the operator's
queue and a customer body's), the reports overdue and the tranches blocked past their date. One piece: the verbs
on reports are in services.py."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager, defer, lazyload

from grants.agreements.models import Agreement, AgreementStatus, Condition, Kind, Tranche
from grants.agreements.services import tranche_state
from grants.calls.models import Call, Topic
from grants.extensions import db
from grants.i18n import astana_today
from grants.monitoring.models import EDITABLE, Report, ReportKind, ReportStatus
from grants.organizations.models import Organization

OPEN_AGREEMENT = (AgreementStatus.active, AgreementStatus.suspended)


@dataclass(frozen=True)
class Overdue:
    reports: list  # reports past due, not submitted
    tranches: list  # (tranche, why) unpaid past their planned date because their condition does not hold


def _agreement_filters(query, args):
    """The call and the NGO's region of a list of the agreements' reports or tranches, as WHERE clauses."""
    for key, column in (("call", Topic.call_id), ("region", Organization.region_id)):
        if str(args.get(key) or "").isdigit():
            query = query.where(column == int(args[key]))
    return query


def _with_agreement(query, entity):
    """Join the agreement, its topic and its NGO, and load them from that join: one query for the whole page."""
    return (query.join(Agreement, Agreement.id == entity.agreement_id).join(Topic, Topic.id == Agreement.topic_id)
            .join(Organization, Organization.id == Agreement.organization_id)
            .options(contains_eager(entity.agreement).contains_eager(Agreement.topic),
                     contains_eager(entity.agreement).contains_eager(Agreement.organization)))


QUEUE_FILTERS = ("kind", "call", "region", "sort")
QUEUE_SORTS = ("waiting", "due", "number")


def review_queue(args=None, customer_id=None):
    """Submitted reports awaiting review, filtered by kind, call and region, the longest waiting first (or by due
    date, or by agreement number): a query to paginate.

    The operator's queue (no `customer_id`) holds every agreement's but the state social order contracts': those
    are their customer bodies' to review (grants.agreements.rules.review_report); a customer's queue holds the SSO
    contracts of its own body's calls alone."""
    args = args or {}
    query = _with_agreement(sa.select(Report), Report).where(Report.status == ReportStatus.submitted)
    if customer_id is None:
        query = query.where(Agreement.kind != Kind.sso_contract)
    else:
        query = query.where(Agreement.kind == Kind.sso_contract,
                            Topic.call_id.in_(sa.select(Call.id).where(Call.customer_id == customer_id)))
    query = _agreement_filters(query, args).options(defer(Report.narrative))
    if args.get("kind") in set(ReportKind):
        query = query.where(Report.kind == args["kind"])
    sort = args.get("sort") if args.get("sort") in QUEUE_SORTS else "waiting"
    order = {"waiting": (Report.submitted_at,), "due": (Report.due_on,),
             "number": (Agreement.number, Report.number)}[sort]
    return query.order_by(*order, Report.id)


OVERDUE_FILTERS = ("call", "region", "sort")
OVERDUE_SORTS = ("late", "number")


def overdue_reports(args=None, today=None):
    """Reports past due and not submitted on open agreements, the longest overdue first (or by agreement number)."""
    args, today = args or {}, today or astana_today()
    query = _with_agreement(sa.select(Report), Report).where(
        Agreement.status.in_(OPEN_AGREEMENT), Report.due_on < today, Report.status.in_(EDITABLE))
    query = _agreement_filters(query, args).options(defer(Report.narrative))
    if args.get("sort") == "number":
        return query.order_by(Agreement.number, Report.number, Report.id)
    return query.order_by(Report.due_on, Report.id)


def blocked_tranches(args=None, today=None):
    """Unpaid tranches past their planned date on open agreements whose condition does not hold (the agreement is
    suspended, or the report it awaits is not accepted): the same as `tranche_state` says, decided in the
    database, with the agreement and the awaited report loaded for the words of why."""
    args, today = args or {}, today or astana_today()
    awaited = aliased(Report)
    blocked = sa.or_(Agreement.status != AgreementStatus.active,
                     sa.and_(Tranche.condition == Condition.report_accepted, awaited.status != ReportStatus.accepted))
    query = (_with_agreement(sa.select(Tranche), Tranche).outerjoin(awaited, awaited.id == Tranche.report_id)
             .where(Agreement.status.in_(OPEN_AGREEMENT), Tranche.paid_on.is_(None), Tranche.planned_on < today,
                    blocked)
             .options(contains_eager(Tranche.report.of_type(awaited)).options(
                 defer(awaited.narrative), lazyload(awaited.agreement))))  # the tranche's own, already loaded
    query = _agreement_filters(query, args)
    if args.get("sort") == "number":
        return query.order_by(Agreement.number, Tranche.position, Tranche.id)
    return query.order_by(Tranche.planned_on, Tranche.id)


def why_blocked(tranches):
    """(tranche, why) for tranches loaded by `blocked_tranches`: no further query."""
    return [(tranche, tranche_state(tranche)[1]) for tranche in tranches]


def overdue(today=None):
    """What is late on every open agreement, found in the database."""
    today = today or astana_today()
    reports = db.session.execute(overdue_reports(today=today)).scalars().all()
    tranches = db.session.execute(blocked_tranches(today=today)).scalars().all()
    return Overdue(reports, why_blocked(tranches))
