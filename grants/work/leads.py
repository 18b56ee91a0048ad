"""The lead of an application or an agreement: the one member of the operator's staff who follows it."""

from grants import audit
from grants.agreements.models import Agreement
from grants.applications.models import Application, Status
from grants.applications.seal import require_unsealed
from grants.comments.services import colleagues
from grants.i18n import _
from grants.notifications.services import notify
from grants.refusals import Refusal


class LeadError(Refusal):
    pass


def set_lead(actor, subject, user):
    """Name the lead (or nobody, with None); the new lead is told by mail unless they named themselves."""
    if isinstance(subject, Application):
        if subject.status == Status.draft:
            raise LeadError(_("A draft is its NGO's alone: a lead is named once it is submitted."))
        require_unsealed(subject, LeadError)
    if user is not None and user.id not in {c.id for c in colleagues()}:
        raise LeadError(_("The lead is one of the grant operator's staff."))
    before = subject.lead
    if before == user:
        return False
    subject.lead = user
    noun = "application" if isinstance(subject, Application) else "agreement"
    audit.record(actor, f"{noun}.lead", subject, {"lead": before.email if before else None},
                 {"lead": user.email if user else None})
    if user is not None and user != actor:
        notify(user, "leads", "lead_named", subject=subject, actor=actor, kind=noun, number=_number(subject))
    return True


def _number(subject):
    return subject.number if isinstance(subject, Agreement) else subject.receipt_number
