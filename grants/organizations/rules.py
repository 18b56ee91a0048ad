"""Who may see an NGO's records: its own people, the operator and the administrator."""

from grants.auth.models import Role
from grants.i18n import _l
from grants.permissions import YES, Decision, rule

STAFF = (Role.operator, Role.admin)


@rule("organization.list")
def list_organizations(user, obj=None):
    if user.is_authenticated and user.has_any_role(Role.applicant, *STAFF):
        return YES
    return Decision(False, str(_l("Only NGO staff and the grant operator see NGO records.")))


@rule("organization.view")
def view_organization(user, obj=None):
    allowed = list_organizations(user)
    if not allowed or obj is None:
        return allowed
    if user.has_any_role(*STAFF) or obj.has_member(user):
        return YES
    return Decision(False, str(_l("This NGO's records are open only to its own staff.")))


@rule("organization.register")
def register_organization(user, obj=None):
    if user.is_authenticated and user.has_role(Role.applicant):
        return YES
    return Decision(False, str(_l("NGOs are registered by their own staff with an applicant account.")))


@rule("organization.edit")
def edit_organization(user, obj=None):
    allowed = register_organization(user)
    if not allowed or obj is None:
        return allowed
    if obj.has_member(user):
        return YES
    return Decision(False, str(_l("This NGO's records are open only to its own staff.")))


@rule("organization.verify")
def verify_organization(user, obj=None):
    if user.is_authenticated and user.has_any_role(*STAFF):
        return YES
    return Decision(False, str(_l("Only the grant operator verifies an NGO by its documents.")))
