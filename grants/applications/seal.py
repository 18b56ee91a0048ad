"""Sealed intake: until a call's deadline its applications are their NGO's alone.

Nobody else reads one before the deadline, the grant operator and the call's customer body included: not its
content, its documents, its versions, its receipt, the call's answers workbook or its integrity check; nor is its
eligibility decided. What is seen while sealed is the count of applications by language and region. The operator
may open one application early (a technical complaint, say): that takes a reason, is audited, opens it for the
staff at once, and is listed on the call's public page once the deadline has passed.
"""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants import audit
from grants.applications.models import Application, Status
from grants.auth.models import Role
from grants.calls.models import Topic
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _, format_datetime
from grants.organizations.models import Organization
from grants.permissions import YES, Decision, rule
from grants.reference.models import Region
from grants.refusals import Refusal

MAX_REASON = 2000


class SealError(Refusal):
    """A refused early opening, or a sealed application asked for."""


def call_sealed(call, now=None):
    """Is the call's intake still running, so that its applications are sealed?"""
    return (now or utcnow()) < call.deadline_at


def sealed(application, now=None):
    """Is this application sealed to everyone but its NGO?"""
    return call_sealed(application.call, now) and application.opened_early_at is None


def sealed_reason(call):
    return _("Applications to this call are sealed until its deadline, %(deadline)s: nobody reads them before it, "
             "the grant operator included.", deadline=format_datetime(call.deadline_at))


@rule("application.unsealed")
def unsealed(user, application=None):
    """Its NGO reads an application at any time; anyone else only once it is unsealed."""
    if application is None:
        return YES
    if user.is_authenticated and user.has_role(Role.applicant) and application.organization.has_member(user):
        return YES
    if sealed(application):
        return Decision(False, sealed_reason(application.call))
    return YES


def require_unsealed(application, error=SealError, now=None):
    """For the services that act on an application's content: refused while it is sealed."""
    if sealed(application, now):
        raise error(sealed_reason(application.call))


@rule("application.open_early")
def may_open_early(user, application=None):
    if user.is_authenticated and user.has_any_role(Role.operator, Role.admin):
        return YES
    return Decision(False, _("Only the grant operator opens an application before the deadline."))


def open_early(actor, application, reason, now=None):
    """Open one sealed application before the deadline, for a reason that is published after it."""
    now = now or utcnow()
    allowed = may_open_early(actor, application)
    if not allowed:
        raise SealError(allowed.reason)
    if application.opened_early_at is not None:
        raise SealError(_("This application was already opened before the deadline, on %(date)s.",
                          date=format_datetime(application.opened_early_at)))
    if not call_sealed(application.call, now):
        raise SealError(_("The call's deadline has passed: its applications are no longer sealed."))
    if application.receipt_number is None:
        raise SealError(_("Only a submitted application can be opened: a draft is its NGO's own work."))
    reason = (reason or "").strip()
    if not reason:
        raise SealError(_("Give the reason for opening the application before the deadline: it is published on "
                          "the call's page after the deadline."))
    if len(reason) > MAX_REASON:
        raise SealError(_("The reason is too long: at most %(max)d characters.", max=MAX_REASON))
    application.opened_early_at = now
    application.opened_early_by_id = actor.id
    application.opened_early_reason = reason
    audit.record(actor, "application.open_early", application, {"opened_early_at": None},
                 {"opened_early_at": now, "reason": reason, "receipt": application.receipt_number})
    return application


def openings(call):
    """The call's applications opened before its deadline, in the order they were opened."""
    return db.session.execute(
        sa.select(Application).join(Topic).where(Topic.call_id == call.id, Application.opened_early_at.is_not(None))
        .options(selectinload(Application.opened_early_by))
        .order_by(Application.opened_early_at, Application.id)).scalars().all()


def counts_by_region(call):
    """What is seen while sealed beside the counts by language (eligibility.counts): the submitted applications
    by their NGO's region, [(region, count)] in KATO order."""
    return db.session.execute(
        sa.select(Region, sa.func.count(Application.id)).join(Topic, Topic.id == Application.topic_id)
        .join(Organization, Organization.id == Application.organization_id)
        .join(Region, Region.id == Organization.region_id)
        .where(Topic.call_id == call.id, Application.status != Status.draft)
        .group_by(Region.id).order_by(Region.kato)).all()
