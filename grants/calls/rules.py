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
    """Publishing, extending and closing: the operator's acts, and a customer body's on its own calls (a ministry
    or an akimat department announces its own state social order)."""
    if user.is_authenticated and user.has_any_role(Role.operator, Role.admin):
        return YES
    if user.is_authenticated and user.has_role(Role.customer) and user.customer_body_id is not None \
            and (call is None or call.customer_id == user.customer_body_id):
        return YES
    return Decision(False, str(_l("Only the grant operator and the call's customer body publish, extend and close "
                                  "a call.")))


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


def call_of(obj):
    """The call an object belongs to: a call itself, or what hangs on it (a topic, an application, a meeting, an
    appeal, an assignment, a score sheet, a criterion)."""
    from grants.calls.models import Call

    for _ in range(4):
        if obj is None or isinstance(obj, Call):
            return obj
        for name in ("call", "application", "assignment", "topic"):
            if (found := getattr(obj, name, None)) is not None:
                obj = found
                break
        else:
            if (call_id := getattr(obj, "call_id", None)) is not None:
                from grants.extensions import db

                return db.session.get(Call, call_id)
            return None
    return obj if isinstance(obj, Call) else None


def on_own_calls(reason):
    """A rule for running a call's steps: the grant operator on every call, and a customer body's users on its
    own calls. Asked without an object (may this person ever?), it admits a customer acting for a body; the page
    asks again with the object it loaded."""

    def check(user, obj=None):
        if not user.is_authenticated:
            return Decision(False, str(reason))
        if user.has_any_role(Role.operator, Role.admin):
            return YES
        if user.has_role(Role.customer) and user.customer_body_id is not None:
            call = call_of(obj)
            if obj is None or (call is not None and call.customer_id == user.customer_body_id):
                return YES
            return Decision(False, str(_l("This call belongs to another customer body.")))
        return Decision(False, str(reason))

    return check
