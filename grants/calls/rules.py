"""Who may prepare and run a call: the operator, and a customer body for its own calls."""

from grants.auth.models import Role
from grants.calls.models import CallStatus
from grants.i18n import _l
from grants.permissions import YES, Decision, rule


@rule("call.manage")
def manage_call(user, call=None):
    if not user.is_authenticated or not user.has_any_role(Role.operator, Role.admin, Role.customer):
        return Decision(False, str(_l("Only the grant operator and customer bodies prepare calls.")))
    if call is None or user.has_any_role(Role.operator, Role.admin):
        return YES
    if user.customer_body_id is not None and call.customer_id == user.customer_body_id:
        return YES
    return Decision(False, str(_l("This call belongs to another customer body.")))


@rule("call.run")
def run_call(user, call=None):
    """Publishing, extending and closing are the operator's acts."""
    if user.is_authenticated and user.has_any_role(Role.operator, Role.admin):
        return YES
    return Decision(False, str(_l("Only the grant operator publishes, extends and closes calls.")))


@rule("call.view")
def view_call(user, call=None):
    if call is None or call.status != CallStatus.draft:
        return YES
    return manage_call(user, call)


@rule("proposal.answer")
def answer_proposal(user, call=None):
    """Proposals on a state social order's plan are answered by its customer body, or by the operator."""
    if not user.is_authenticated or not user.has_any_role(Role.operator, Role.admin, Role.customer):
        return Decision(False, str(_l("Only the call's customer body and the grant operator answer proposals.")))
    return manage_call(user, call)
