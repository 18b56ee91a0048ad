"""Who may see, write and check applications."""

from grants.auth.models import Role
from grants.i18n import _l
from grants.permissions import YES, Decision, register_role_rules, rule

STAFF = (Role.operator, Role.admin)

register_role_rules({
    "application.start": (Role.applicant,),
    "application.review": STAFF,
})


@rule("application.view")
def view_application(user, application=None):
    if not user.is_authenticated or not user.has_any_role(Role.applicant, *STAFF):
        return Decision(False, str(_l("Applications are open only to their NGO and the grant operator.")))
    if application is None or user.has_any_role(*STAFF) or application.organization.has_member(user):
        return YES
    return Decision(False, str(_l("This application belongs to another NGO.")))


@rule("application.edit")
def edit_application(user, application=None):
    if not user.is_authenticated or not user.has_role(Role.applicant):
        return Decision(False, str(_l("Only the NGO's own staff write its applications.")))
    if application is None or application.organization.has_member(user):
        return YES
    return Decision(False, str(_l("This application belongs to another NGO.")))
