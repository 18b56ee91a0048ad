"""The read side of applications: an NGO's own list, and the operator's list of a call."""

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import contains_eager, defer, joinedload

from grants.applications.models import Application, Status
from grants.calls.models import Topic
from grants.organizations.models import Membership, Organization

CALL_FILTERS = ("status", "language", "topic", "region", "sort")
CALL_SORTS = ("receipt", "newest", "ngo")


def member_applications(user):
    """The applications of every NGO the user acts for, newest first, each with its call (the row shows the call's
    code and deadline: loaded with the rows, not one call at a time)."""
    return (sa.select(Application).options(joinedload(Application.topic).joinedload(Topic.call))
            .join(Membership, Membership.organization_id == Application.organization_id)
            .where(Membership.user_id == user.id)
            .order_by(Application.updated_at.desc()))


def organization_name():
    """The NGO's name as the page shows it: Kazakh in the Kazakh interface, Russian otherwise."""
    return Organization.name_kk if str(get_locale()) == "kk" else Organization.name_ru


def call_applications(call, args):
    """A call's applications for the operator, filtered by status, language, topic and the NGO's region, sorted
    by receipt number (unless told: newest first, or by NGO), all in the database. A row shows the NGO, its
    region and the topic, joined in the same query; the application's content (`sections`) is not loaded. The NGO
    is joined for filtering or sorting only when asked to (the model joins it for the row anyway), so counting the
    list's rows reads applications and topics alone."""
    query = (sa.select(Application).join(Topic, Topic.id == Application.topic_id)
             .where(Topic.call_id == call.id, Application.status != Status.draft)
             .options(contains_eager(Application.topic), defer(Application.sections)))
    sort = args.get("sort") if args.get("sort") in CALL_SORTS else "receipt"
    region = args.get("region") or ""
    if sort == "ngo" or region.isdigit():
        query = (query.join(Organization, Organization.id == Application.organization_id)
                 .options(contains_eager(Application.organization)))
    if region.isdigit():
        query = query.where(Organization.region_id == int(region))
    if args.get("status") in set(Status):
        query = query.where(Application.status == args["status"])
    if args.get("language") in ("kk", "ru"):
        query = query.where(Application.language == args["language"])
    if (args.get("topic") or "").isdigit():
        query = query.where(Topic.number == int(args["topic"]))
    order = {"receipt": (Application.receipt_number,),
             "newest": (Application.submitted_at.desc(), Application.receipt_number.desc()),
             "ngo": (organization_name(), Application.receipt_number)}[sort]
    return query.order_by(*order, Application.id)
