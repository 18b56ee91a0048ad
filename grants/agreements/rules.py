"""Who may manage an agreement, see it, propose a budget amendment, file its reports and review them."""

from grants.agreements.models import Kind
from grants.auth.models import Role
from grants.i18n import _l
from grants.permissions import YES, Decision, register_role_rules, rule

STAFF = (Role.operator, Role.admin)

register_role_rules({
    "agreement.manage": STAFF,  # draft, schedule, sign, pay, suspend, terminate, refund, amendments, visits
    "monitoring.board": STAFF,
    "report.queue": STAFF,  # the operator's queue of reports and its review pages
})


def acts_for_customer(user, agreement):
    """The user acts for the customer body of the agreement's call."""
    return (user.is_authenticated and user.has_role(Role.customer) and user.customer_body_id is not None
            and user.customer_body_id == agreement.call.customer_id)


@rule("agreement.view")
def view_agreement(user, agreement=None):
    """The operator; the grantee NGO's staff; the customer body of the call; observers and analysts once signed."""
    if not user.is_authenticated or not user.has_any_role(*STAFF, Role.applicant, Role.customer, Role.observer,
                                                          Role.analyst):
        return Decision(False, str(_l("Agreements are open to the operator, the grantee, the customer and "
                                      "public oversight.")))
    if agreement is None or user.has_any_role(*STAFF) or agreement.organization.has_member(user):
        return YES
    if acts_for_customer(user, agreement):
        return YES
    if user.has_any_role(Role.observer, Role.analyst) and agreement.status != "draft":
        return YES
    return Decision(False, str(_l("This agreement belongs to another NGO.")))


@rule("report.view")
def view_report(user, report=None):
    """Whoever sees the agreement; beyond the operator, the grantee's staff and whoever reviews the report (an SSO
    contract's customer), only once the report is accepted."""
    decision = view_agreement(user, report.agreement if report is not None else None)
    if not decision or report is None:
        return decision
    if user.has_any_role(*STAFF) or report.agreement.organization.has_member(user) or report.status == "accepted":
        return YES
    if review_report(user, report):
        return YES
    return Decision(False, str(_l("A report is open to the customer and public oversight once the grant operator "
                                  "has accepted it.")))


@rule("report.review")
def review_report(user, report=None):
    """Who accepts a report or returns it for revision.

    A grant's (an award's, a partnership's): the grant operator, as it always was. A state social order
    contract's: the customer body of its call — under the law the programme's administrator — so the report
    comes to that body's queue (`report.customer_review`) and leaves the operator's. The operator and the
    administrator keep the power over every report as supervisors: they may still accept or return an SSO
    contract's report, from the contract's page, when the customer cannot. Asked without a report: whether the
    user reviews reports at all.
    """
    if not user.is_authenticated or not user.has_any_role(*STAFF, Role.customer):
        return Decision(False, str(_l("Reports are accepted or returned by the grant operator, and a state social "
                                      "order contract's reports by its customer.")))
    if report is None or user.has_any_role(*STAFF):
        return YES
    if report.agreement.kind != Kind.sso_contract:
        return Decision(False, str(_l("This agreement's reports are reviewed by the grant operator.")))
    if acts_for_customer(user, report.agreement):
        return YES
    return Decision(False, str(_l("This contract belongs to another customer body.")))


@rule("report.customer_review")
def customer_review(user, obj=None):
    """A customer acting for a state body: the reports of its state social order contracts come to its queue."""
    if user.is_authenticated and user.has_role(Role.customer) and user.customer_body_id is not None:
        return YES
    return Decision(False, str(_l("This queue is a customer body's: the reports of its state social order "
                                  "contracts.")))


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
