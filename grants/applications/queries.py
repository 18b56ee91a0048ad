"""The read side of applications: an NGO's own list, and the operator's list of a call."""

import sqlalchemy as sa

from grants.applications.models import Application, Status
from grants.calls.models import Topic
from grants.organizations.models import Membership


def member_applications(user):
    """The applications of every NGO the user acts for, newest first."""
    return (sa.select(Application)
            .join(Membership, Membership.organization_id == Application.organization_id)
            .where(Membership.user_id == user.id)
            .order_by(Application.updated_at.desc()))


def call_applications(call, args):
    """A call's applications for the operator, filtered by status, language and topic."""
    query = (sa.select(Application).join(Topic, Topic.id == Application.topic_id)
             .where(Topic.call_id == call.id, Application.status != Status.draft))
    if args.get("status") in set(Status):
        query = query.where(Application.status == args["status"])
    if args.get("language") in ("kk", "ru"):
        query = query.where(Application.language == args["language"])
    if (args.get("topic") or "").isdigit():
        query = query.where(Topic.number == int(args["topic"]))
    return query.order_by(Application.receipt_number)
