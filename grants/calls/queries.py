"""The read side of calls: the public list with its filters, and the operator's list."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants.calls.models import Call, CallStatus, FundingSource, Instrument, Topic, topic_regions
from grants.db import utcnow
from grants.reference.models import CustomerBody, Direction, Region


def public_filters(args, session):
    """Clean filter values from the query string; unknown values are dropped, not errors."""
    wanted = {}
    if args.get("instrument") in set(Instrument):
        wanted["instrument"] = args["instrument"]
    if args.get("funding_source") in set(FundingSource):
        wanted["funding_source"] = args["funding_source"]
    if (args.get("direction") or "").isdigit():
        wanted["direction"] = int(args["direction"])
    if (args.get("region") or "").isdigit() and len(args["region"]) == 9:
        wanted["region"] = args["region"]
    if (args.get("customer") or "").isdigit():
        wanted["customer"] = int(args["customer"])
    if args.get("open") == "1":
        wanted["open"] = "1"
    return wanted


def public_calls(filters, now=None):
    """Published and closed calls matching the filters, soonest deadline of open calls first."""
    now = now or utcnow()
    query = sa.select(Call).where(Call.status != CallStatus.draft)
    if "instrument" in filters:
        query = query.where(Call.instrument == filters["instrument"])
    if "funding_source" in filters:
        query = query.where(Call.funding_source == filters["funding_source"])
    if "customer" in filters:
        query = query.where(Call.customer_id == filters["customer"])
    if "direction" in filters:
        query = query.where(sa.exists().where(
            Topic.call_id == Call.id, Topic.direction_id == Direction.id, Direction.code == filters["direction"]))
    if "region" in filters:
        query = query.where(sa.exists().where(
            Topic.call_id == Call.id, topic_regions.c.topic_id == Topic.id,
            topic_regions.c.region_id == Region.id, Region.kato == filters["region"]))
    is_open = sa.and_(Call.status == CallStatus.published, Call.opens_at <= now, Call.deadline_at > now)
    if "open" in filters:
        query = query.where(is_open)
    # the cards count each call's topics: loaded with the page in one more statement, not one per card
    return query.order_by(sa.case((is_open, 0), else_=1), Call.deadline_at.desc()).options(selectinload(Call.topics))


def filter_choices(session):
    directions = session.execute(sa.select(Direction).order_by(Direction.code)).scalars().all()
    regions = session.execute(sa.select(Region).order_by(Region.kato)).scalars().all()
    customers = session.execute(sa.select(CustomerBody).order_by(CustomerBody.code)).scalars().all()
    return {"instruments": list(Instrument), "funding_sources": list(FundingSource), "directions": directions,
            "regions": regions, "customers": customers}


def managed_calls(user):
    query = sa.select(Call).order_by(Call.created_at.desc())
    if not user.has_any_role("operator", "admin"):
        query = query.where(Call.customer_id == user.customer_body_id)
    return query
