"""When a call's eligibility is over: the one place that says so, for the services and the pages.

The commission's first approved protocol on a call ends its eligibility phase for good: no
application of the call is checked, returned or resubmitted any more. The commission marks the
call (grants never asks scoring); this module only reads the mark.
"""

from grants.i18n import _, format_datetime
from grants.permissions import YES, Decision
from grants.refusals import Refusal


class EligibilityClosed(Refusal):
    """The commission has decided on the call; the message says when."""


def eligibility_open(call):
    """May the eligibility of the call's applications still be decided (or a returned one resubmitted)?"""
    if call.commission_decided_at is None:
        return YES
    return Decision(False, _("The commission approved its protocol on this call on %(date)s: eligibility can no "
                             "longer be decided.", date=format_datetime(call.commission_decided_at)))


def require_eligibility_open(call, error=EligibilityClosed):
    decision = eligibility_open(call)
    if not decision:
        raise error(decision.reason)
