"""The read side of agreements: the totals, the spending by budget line, the monitoring board's list, filters
and sums, the agreements a user may see, and an agreement's timeline.

Totals come from one query (`totals`), so the board, the agreement page and the exports cannot disagree.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased, defer, joinedload

from grants import audit
from grants.agreements.models import ZERO, Agreement, AgreementStatus, Condition, Kind, Repayment, Tranche, quantize
from grants.applications.models import Application, Status
from grants.calls.models import Topic
from grants.extensions import db
from grants.i18n import astana_today
from grants.monitoring.models import Report, ReportSpending, ReportStatus
from grants.organizations.models import Organization


@dataclass(frozen=True)
class Totals:
    amount: Decimal
    paid: Decimal
    spent: Decimal  # in accepted reports
    refund_due: Decimal
    refunded: Decimal

    @property
    def unpaid(self):
        return self.amount - self.paid

    @property
    def refund_balance(self):
        return self.refund_due - self.refunded

    @property
    def unspent(self):
        """Paid and not yet shown spent in an accepted report."""
        return self.paid - self.spent


def totals(agreement_ids):
    """{agreement id: Totals} for many agreements in one query, summed in the database in Decimal."""
    ids = list(agreement_ids)
    if not ids:
        return {}
    paid = (sa.select(sa.func.coalesce(sa.func.sum(Tranche.amount), 0)).where(
        Tranche.agreement_id == Agreement.id, Tranche.paid_on.is_not(None)).scalar_subquery())
    spent = (sa.select(sa.func.coalesce(sa.func.sum(ReportSpending.spent), 0))
             .join(Report, Report.id == ReportSpending.report_id)
             .where(Report.agreement_id == Agreement.id, Report.status == ReportStatus.accepted).scalar_subquery())
    refunded = (sa.select(sa.func.coalesce(sa.func.sum(Repayment.amount), 0))
                .where(Repayment.agreement_id == Agreement.id).scalar_subquery())
    rows = db.session.execute(sa.select(Agreement.id, Agreement.amount, paid, spent,
                                        sa.func.coalesce(Agreement.refund_due, 0), refunded)
                              .where(Agreement.id.in_(ids)))
    return {row[0]: Totals(*(quantize(v) for v in row[1:])) for row in rows}


def spent_by_line(agreement, statuses=(ReportStatus.submitted, ReportStatus.accepted), exclude_report=None,
                  before=None):
    """{budget line id: money reported spent} over the agreement's reports in the given statuses.

    exclude_report leaves one report out (every other one counts: the plan caps the whole);
    before counts only the reports earlier in the schedule than that one — by number, the
    schedule's order, not by due date, which a return for revision moves.
    """
    query = (sa.select(ReportSpending.budget_line_id, sa.func.sum(ReportSpending.spent))
             .join(Report, Report.id == ReportSpending.report_id)
             .where(Report.agreement_id == agreement.id, Report.status.in_(list(statuses)))
             .group_by(ReportSpending.budget_line_id))
    if exclude_report is not None:
        query = query.where(Report.id != exclude_report.id)
    if before is not None:
        query = query.where(Report.number < before.number)
    return {line_id: quantize(total) for line_id, total in db.session.execute(query)}



def agreement_for(application):
    return db.session.execute(sa.select(Agreement).where(Agreement.application_id == application.id)
                              ).scalar_one_or_none()


def awarded_without_agreement(call=None):
    """Awarded applications still waiting for their agreement, by receipt number: the operator's to-do list, as a
    query to paginate (the NGO is joined by the model; the application's content is not loaded)."""
    query = (sa.select(Application).outerjoin(Agreement, Agreement.application_id == Application.id)
             .where(Application.status == Status.awarded, Agreement.id.is_(None))
             .options(defer(Application.sections)).order_by(Application.receipt_number, Application.id))
    if call is not None:
        query = query.join(Topic, Topic.id == Application.topic_id).where(Topic.call_id == call.id)
    return query


# --- the read side of the monitoring board -------------------------------------------------

OPEN = (AgreementStatus.active, AgreementStatus.suspended)
BOARD_FILTERS = ("call", "direction", "region", "status", "kind", "overdue", "sort")
BOARD_SORTS = ("number", "amount", "ngo")


def overdue_clause(today=None):
    """True for an open agreement with a report past due and not submitted, or an unpaid tranche past its
    planned date whose condition does not hold: the same findings as monitoring's overdue sweep."""
    today = today or astana_today()
    late_report = sa.exists().where(Report.agreement_id == Agreement.id, Report.due_on < today,
                                    Report.status.in_((ReportStatus.draft, ReportStatus.returned)))
    awaited = aliased(Report)
    not_accepted = ~sa.exists().where(awaited.id == Tranche.report_id, awaited.status == ReportStatus.accepted)
    blocked = sa.or_(Agreement.status != AgreementStatus.active,
                     sa.and_(Tranche.condition == Condition.report_accepted, not_accepted))
    late_tranche = sa.exists().where(Tranche.agreement_id == Agreement.id, Tranche.paid_on.is_(None),
                                     Tranche.planned_on < today, blocked)
    return sa.and_(Agreement.status.in_(OPEN), sa.or_(late_report, late_tranche))


def board_query(args, today=None):
    """Every agreement, filtered by the board's query string (call, direction, region, status, kind, overdue)
    and sorted (by number unless told): loader options are the caller's."""
    query = (sa.select(Agreement).join(Topic, Topic.id == Agreement.topic_id)
             .join(Organization, Organization.id == Agreement.organization_id))
    for key, column in (("call", Topic.call_id), ("direction", Topic.direction_id),
                        ("region", Organization.region_id)):
        if str(args.get(key) or "").isdigit():
            query = query.where(column == int(args[key]))
    if args.get("status") in set(AgreementStatus):
        query = query.where(Agreement.status == args["status"])
    if args.get("kind") in set(Kind):
        query = query.where(Agreement.kind == args["kind"])
    if args.get("overdue"):
        query = query.where(overdue_clause(today))
    sort = args.get("sort") if args.get("sort") in BOARD_SORTS else "number"
    order = {"number": (Agreement.number,), "amount": (Agreement.amount.desc(), Agreement.number),
             "ngo": (Organization.name_ru, Agreement.number)}[sort]
    return query.order_by(*order, Agreement.id)


def _ids(query_or_ids):
    """The agreement ids of a board query (as a subquery) or of a list."""
    if isinstance(query_or_ids, sa.Select):
        return (query_or_ids.with_only_columns(Agreement.id, maintain_column_froms=True).order_by(None)
                .correlate(None))
    return list(query_or_ids)


def board_totals(query_or_ids):
    """Amount, paid, spent (accepted reports), refund due and refunded over a whole filtered set, in one query
    of ungrouped aggregates: the same sums as `totals`, added up."""
    ids = _ids(query_or_ids)
    if isinstance(ids, list) and not ids:
        return Totals(ZERO, ZERO, ZERO, ZERO, ZERO)
    agreement = aliased(Agreement)
    amount = sa.select(sa.func.coalesce(sa.func.sum(agreement.amount), 0)).where(agreement.id.in_(ids))
    paid = sa.select(sa.func.coalesce(sa.func.sum(Tranche.amount), 0)).where(
        Tranche.agreement_id.in_(ids), Tranche.paid_on.is_not(None))
    spent = (sa.select(sa.func.coalesce(sa.func.sum(ReportSpending.spent), 0))
             .join(Report, Report.id == ReportSpending.report_id)
             .where(Report.agreement_id.in_(ids), Report.status == ReportStatus.accepted))
    refund_due = sa.select(sa.func.coalesce(sa.func.sum(agreement.refund_due), 0)).where(agreement.id.in_(ids))
    refunded = sa.select(sa.func.coalesce(sa.func.sum(Repayment.amount), 0)).where(Repayment.agreement_id.in_(ids))
    row = db.session.execute(sa.select(*(q.scalar_subquery() for q in (amount, paid, spent, refund_due,
                                                                        refunded)))).one()
    return Totals(*(quantize(v) for v in row))


@dataclass(frozen=True)
class BoardRow:
    next_due: date | None  # the earliest report not yet submitted, on an open agreement
    overdue: bool


def board_rows(agreement_ids, today=None):
    """{agreement id: BoardRow} for a page of the board, in one query."""
    ids = list(agreement_ids)
    if not ids:
        return {}
    next_due = (sa.select(sa.func.min(Report.due_on))
                .where(Report.agreement_id == Agreement.id,
                       Report.status.in_((ReportStatus.draft, ReportStatus.returned))).scalar_subquery())
    rows = db.session.execute(sa.select(Agreement.id, sa.case((Agreement.status.in_(OPEN), next_due)),
                                        overdue_clause(today)).where(Agreement.id.in_(ids)))
    return {row[0]: BoardRow(row[1], bool(row[2])) for row in rows}


def visible_agreements(user):
    """The agreements a non-staff user may open, newest first: their NGOs', their customer body's calls',
    and, for observers and analysts, every signed one."""
    from grants.auth.models import Role
    from grants.calls.models import Call
    from grants.organizations.models import Membership

    seen = []
    if user.has_role(Role.applicant):
        seen.append(Agreement.organization_id.in_(
            sa.select(Membership.organization_id).where(Membership.user_id == user.id)))
    if user.has_role(Role.customer) and user.customer_body_id is not None:
        seen.append(Agreement.topic_id.in_(sa.select(Topic.id).join(Call, Call.id == Topic.call_id)
                                           .where(Call.customer_id == user.customer_body_id)))
    if user.has_any_role(Role.observer, Role.analyst):
        seen.append(Agreement.status != AgreementStatus.draft)
    return (sa.select(Agreement).where(sa.or_(*seen) if seen else sa.false())
            .order_by(Agreement.created_at.desc(), Agreement.id.desc()))


def timeline(agreement):
    """The agreement's audit events, newest first."""
    return audit.timeline(agreement)


def _tranches(*where, limit=200):
    """Tranches with what their rows show and their state reads: the agreement, its NGO and the report awaited."""
    return db.session.execute(
        sa.select(Tranche).join(Agreement, Agreement.id == Tranche.agreement_id)
        .outerjoin(Report, Report.id == Tranche.report_id)
        .options(joinedload(Tranche.agreement).joinedload(Agreement.organization), joinedload(Tranche.report))
        .where(*where).order_by(Tranche.planned_on, Agreement.number, Tranche.position).limit(limit)
    ).scalars().unique().all()


def payable_tranches(lead=None, limit=200):
    """Tranches the operator may pay now, by their planned date: unpaid, of an active agreement, their condition
    met (as services.tranche_state says it); of the agreements `lead` leads, if given."""
    return _tranches(Agreement.status == AgreementStatus.active, Tranche.paid_on.is_(None),
                     sa.or_(Tranche.condition == Condition.on_signing, Report.status == ReportStatus.accepted),
                     *([Agreement.lead_id == lead.id] if lead is not None else []), limit=limit)


def tranches_by_id(ids, limit=200):
    """The tranches among the ids given (others ignored), in the same order."""
    wanted = {int(i) for i in ids if str(i).isdigit()}
    return _tranches(Tranche.id.in_(wanted), limit=limit) if wanted else []
