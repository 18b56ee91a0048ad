"""One row per application, from the platform and from the imported history, as a selectable to GROUP BY.

The platform's drafts are not applications yet and are left out. An application's region is
its NGO's; its year is the call's budget year; its amount awarded is the agreement's amount
once there is one, else an award winner's share, else what it asked for.

While a call's intake runs, its submitted applications are sealed (grants/applications/seal.py): they count, by
language and region, but what one asks for is nobody's to read before the deadline, so its amount requested is
empty (NULL) until then — in every figure, workbook and export built on these rows.
"""

import sqlalchemy as sa

from grants.agreements.models import Agreement
from grants.applications.models import Application, BudgetLine, Status
from grants.calls.models import Call, Topic
from grants.db import utcnow
from grants.organizations.models import Organization
from reports.models import HistoricalApplication

COLUMNS = ("source", "year", "call_code", "instrument", "funding_source", "customer_id", "direction_id",
           "region_id", "language", "organization_id", "outcome", "amount_requested", "amount_awarded")


def _platform(now):
    # Each line rounded to the tiyn, as BudgetLine.total does: the sum the applicant saw and the agreement took.
    line_total = sa.func.round(BudgetLine.quantity * BudgetLine.unit_cost, 2)
    asked = (sa.select(sa.func.coalesce(sa.func.sum(line_total), 0))
             .where(BudgetLine.application_id == Application.id).correlate(Application).scalar_subquery())
    sealed = sa.and_(Call.deadline_at > now, Application.opened_early_at.is_(None))
    requested = sa.case((sealed, sa.null()), else_=asked)
    outcome = sa.case(
        (Application.status == Status.awarded, sa.literal("awarded")),
        (Application.status == Status.ineligible, sa.literal("ineligible")),
        (Application.status.in_([Status.rejected, Status.reserve]), sa.literal("rejected")),
        else_=sa.literal("submitted"))
    # An award's winner is awarded its share of the nomination (set at publication), not what it asked.
    awarded = sa.case((Application.status == Status.awarded,
                       sa.func.coalesce(Agreement.amount, Application.awarded_amount, asked)), else_=sa.null())
    return (sa.select(sa.literal("platform").label("source"), Call.budget_year.label("year"),
                      Call.code.label("call_code"), Call.instrument.label("instrument"),
                      Call.funding_source.label("funding_source"), Call.customer_id.label("customer_id"),
                      Topic.direction_id.label("direction_id"), Organization.region_id.label("region_id"),
                      Application.language.label("language"), Application.organization_id.label("organization_id"),
                      outcome.label("outcome"), sa.cast(requested, sa.Numeric(16, 2)).label("amount_requested"),
                      sa.cast(awarded, sa.Numeric(16, 2)).label("amount_awarded"))
            .select_from(Application)
            .join(Topic, Topic.id == Application.topic_id).join(Call, Call.id == Topic.call_id)
            .join(Organization, Organization.id == Application.organization_id)
            .outerjoin(Agreement, Agreement.application_id == Application.id)
            .where(Application.status != Status.draft))


def _history():
    h = HistoricalApplication
    return sa.select(sa.literal("history").label("source"), h.year, h.call_code, h.instrument, h.funding_source,
                     h.customer_id, h.direction_id, h.region_id, h.language, h.organization_id, h.outcome,
                     sa.cast(h.amount_requested, sa.Numeric(16, 2)).label("amount_requested"),
                     sa.cast(h.amount_awarded, sa.Numeric(16, 2)).label("amount_awarded"))


def facts(now=None):
    """The union of both, as a subquery named `facts`, as of `now` (for what is sealed)."""
    return sa.union_all(_platform(now or utcnow()), _history()).subquery("facts")
