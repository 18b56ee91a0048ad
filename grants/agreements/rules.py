"""Who may manage an agreement, see it, propose a budget amendment, and file its reports."""

from grants.auth.models import Role
from grants.i18n import _l
from grants.permissions import YES, Decision, register_role_rules, rule

STAFF = (Role.operator, Role.admin)

register_role_rules({
    "agreement.manage": STAFF,  # draft, schedule, sign, pay, suspend, terminate, refund, amendments, visits
    "monitoring.board": STAFF,
    "report.review": STAFF,
})


@rule("agreement.view")
def view_agreement(user, agreement=None):
    """The operator; the grantee NGO's staff; the customer body of the call; observers and analysts once signed."""
    if not user.is_authenticated or not user.has_any_role(*STAFF, Role.applicant, Role.customer, Role.observer,
                                                          Role.analyst):
        return Decision(False, str(_l("Agreements are open to the operator, the grantee, the customer and "
                                      "public oversight.")))
    if agreement is None or user.has_any_role(*STAFF) or agreement.organization.has_member(user):
        return YES
    if user.has_role(Role.customer) and user.customer_body_id == agreement.call.customer_id:
        return YES
    if user.has_any_role(Role.observer, Role.analyst) and agreement.status != "draft":
        return YES
    return Decision(False, str(_l("This agreement belongs to another NGO.")))


@rule("report.view")
def view_report(user, report=None):
    """Whoever sees the agreement; beyond the operator and the grantee's staff, only once the report is accepted."""
    decision = view_agreement(user, report.agreement if report is not None else None)
    if not decision or report is None:
        return decision
    if user.has_any_role(*STAFF) or report.agreement.organization.has_member(user) or report.status == "accepted":
        return YES
    return Decision(False, str(_l("A report is open to the customer and public oversight once the grant operator "
                                  "has accepted it.")))


@rule("agreement.grantee")
def grantee(user, agreement=None):
    """The grantee NGO's own staff: they file its reports and propose amendments."""
    if not user.is_authenticated or not user.has_role(Role.applicant):
        return Decision(False, str(_l("Only the grantee NGO's staff report on its grant.")))
    if agreement is None or agreement.organization.has_member(user):
        return YES
    return Decision(False, str(_l("This agreement belongs to another NGO.")))


@rule("recommendation.send")
def send_recommendation(user, agreement=None):
    if not user.is_authenticated or not user.has_role(Role.observer):
        return Decision(False, str(_l("Recommendations are sent by members of the public council.")))
    if agreement is None or agreement.status != "draft":
        return YES
    return Decision(False, str(_l("The agreement is not signed yet.")))
