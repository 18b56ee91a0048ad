"""Who may see, write and check applications."""

from grants.applications import seal
from grants.auth.models import Role
from grants.calls.rules import on_own_calls
from grants.i18n import _l
from grants.permissions import YES, Decision, register_role_rules, rule

STAFF = (Role.operator, Role.admin)

register_role_rules({
    "application.start": (Role.applicant,),
})
# The eligibility check: the operator's, and a customer body's on its own calls.
rule("application.review")(on_own_calls(_l("Applications are checked by the grant operator and the call's customer "
                                           "body.")))


@rule("application.view")
def view_application(user, application=None):
    """The NGO's staff; the grant operator; the users of the call's customer body, who run their own calls. Before
    the call's deadline an application is its NGO's alone (grants/applications/seal.py)."""
    if not user.is_authenticated or not user.has_any_role(Role.applicant, Role.customer, *STAFF):
        return Decision(False, str(_l("Applications are open only to their NGO and the grant operator.")))
    if application is None:
        return YES
    if user.has_role(Role.applicant) and application.organization.has_member(user):
        return YES
    if user.has_any_role(*STAFF) or (user.has_role(Role.customer) and user.customer_body_id is not None
                                     and application.call.customer_id == user.customer_body_id):
        return seal.unsealed(user, application)
    return Decision(False, str(_l("This application belongs to another NGO.")))


@rule("application.edit")
def edit_application(user, application=None):
    if not user.is_authenticated or not user.has_role(Role.applicant):
        return Decision(False, str(_l("Only the NGO's own staff write its applications.")))
    if application is None or application.organization.has_member(user):
        return YES
    return Decision(False, str(_l("This application belongs to another NGO.")))
