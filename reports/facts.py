"""One row per application, from the platform and from the imported history, as a selectable to GROUP BY.

The platform's drafts are not applications yet and are left out. An application's region is
its NGO's; its year is the call's budget year; its amount awarded is the agreement's amount
once there is one, else an award winner's share, else what it asked for.
"""

import sqlalchemy as sa

from grants.agreements.models import Agreement
from grants.applications.models import Application, BudgetLine, Status
from grants.calls.models import Call, Topic
from grants.organizations.models import Organization
from reports.models import HistoricalApplication

COLUMNS = ("source", "year", "call_code", "instrument", "funding_source", "customer_id", "direction_id",
           "region_id", "language", "organization_id", "outcome", "amount_requested", "amount_awarded")


def _platform():
    # Each line rounded to the tiyn, as BudgetLine.total does: the sum the applicant saw and the agreement took.
    line_total = sa.func.round(BudgetLine.quantity * BudgetLine.unit_cost, 2)
    requested = (sa.select(sa.func.coalesce(sa.func.sum(line_total), 0))
                 .where(BudgetLine.application_id == Application.id).correlate(Application).scalar_subquery())
    outcome = sa.case(
        (Application.status == Status.awarded, sa.literal("awarded")),
        (Application.status == Status.ineligible, sa.literal("ineligible")),
        (Application.status.in_([Status.rejected, Status.reserve]), sa.literal("rejected")),
        else_=sa.literal("submitted"))
    # An award's winner is awarded its share of the nomination (set at publication), not what it asked.
    awarded = sa.case((Application.status == Status.awarded,
                       sa.func.coalesce(Agreement.amount, Application.awarded_amount, requested)), else_=sa.null())
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


def facts():
    """The union of both, as a subquery named `facts`."""
    return sa.union_all(_platform(), _history()).subquery("facts")
