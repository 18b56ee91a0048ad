"""Who may keep the expert register, assign experts, and see an assignment."""

from grants.auth.models import Role
from grants.i18n import _l
from grants.permissions import YES, Decision, register_role_rules, rule

register_role_rules({
    "expert.register": (Role.operator, Role.admin),
    "assignment.manage": (Role.operator, Role.admin),
    "commission.manage": (Role.operator, Role.admin),
    "commission.own": (Role.commission,),  # the member's own list of meetings
})


@rule("commission.view")
def view_meeting(user, meeting=None):
    """The operator, and the members of that meeting."""
    if not user.is_authenticated or not user.has_any_role(Role.operator, Role.admin, Role.commission):
        return Decision(False, str(_l("This page is for the grant operator and the commission.")))
    if meeting is None or user.has_any_role(Role.operator, Role.admin):
        return YES
    if any(m.user_id == user.id for m in meeting.members):
        return YES
    return Decision(False, str(_l("You are not a member of this meeting.")))


@rule("assignment.own")
def own_assignment(user, assignment=None):
    """An expert sees only what is assigned to them."""
    if not user.is_authenticated or not user.has_role(Role.expert):
        return Decision(False, str(_l("This page is for experts.")))
    if assignment is None or assignment.expert.user_id == user.id:
        return YES
    return Decision(False, str(_l("This application is not assigned to you.")))
