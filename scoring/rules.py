"""Who may keep the expert register, assign experts, and see an assignment."""

from grants.auth.models import Role
from grants.calls.rules import call_of, on_own_calls
from grants.i18n import _l
from grants.permissions import YES, Decision, register_role_rules, rule

register_role_rules({
    "expert.register": (Role.operator, Role.admin),
    "commission.own": (Role.commission,),  # the member's own list of meetings
})
# Assigning experts, scoring rules and ranking, the commission: the operator's, and a customer body's on its own
# calls (a ministry runs its own state social order).
rule("assignment.manage")(on_own_calls(_l("Experts are assigned by the grant operator and the call's customer "
                                          "body.")))
rule("commission.manage")(on_own_calls(_l("The commission is run by the grant operator and the call's customer "
                                          "body.")))


@rule("commission.view")
def view_meeting(user, meeting=None):
    """The operator, the call's customer body, and the members of that meeting."""
    if not user.is_authenticated or not user.has_any_role(Role.operator, Role.admin, Role.commission,
                                                          Role.customer):
        return Decision(False, str(_l("This page is for the grant operator and the commission.")))
    if meeting is None or user.has_any_role(Role.operator, Role.admin):
        return YES
    if user.has_role(Role.customer) and user.customer_body_id is not None \
            and call_of(meeting).customer_id == user.customer_body_id:
        return YES
    if any(m.user_id == user.id for m in meeting.members):
        return YES
    return Decision(False, str(_l("You are not a member of this meeting.")))


def _members_only(message):
    """A rule for what only a member of the meeting does (the services say whether they were present)."""
    def check(user, meeting=None):
        if not user.is_authenticated or not user.has_role(Role.commission):
            return Decision(False, str(message))
        if meeting is None or any(m.user_id == user.id for m in meeting.members):
            return YES
        return Decision(False, str(_l("You are not a member of this meeting.")))
    return check


# A member of the meeting signs its protocol; declares conflicts and, when remote, votes.
rule("commission.sign")(_members_only(_l("The protocol is signed by the commission's members.")))
rule("commission.vote")(_members_only(_l("Conflicts are declared and votes cast by the commission's members.")))


@rule("assignment.own")
def own_assignment(user, assignment=None):
    """An expert sees only what is assigned to them."""
    if not user.is_authenticated or not user.has_role(Role.expert):
        return Decision(False, str(_l("This page is for experts.")))
    if assignment is None or assignment.expert.user_id == user.id:
        return YES
    return Decision(False, str(_l("This application is not assigned to you.")))
