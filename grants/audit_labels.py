"""The core's words for its audit events: verbs, objects, fields and coded values, in every language."""

from grants.agreements.models import AgreementStatus, Ground
from grants.agreements.models import DocumentKind as AgreementDocumentKind
from grants.applications.models import DocumentKind, Status
from grants.audit_display import describe
from grants.auth.models import Role
from grants.calls.models import FundingSource, GrantType, Instrument
from grants.filters import LANGUAGE_TITLES
from grants.i18n import _l, pgettext
from grants.monitoring.models import ReportKind, ReportStatus, VisitStatus
from grants.reference.catalogues import CATALOGUES


def call_status(value):
    """A call's stored status (CallStatus has no titles: pages show its phase, derived from the clock)."""
    return {"draft": pgettext("call status", "Draft"), "published": pgettext("call status", "Published"),
            "closed": pgettext("call status", "Closed")}.get(value, value)


describe(
    verbs={
        "agreement.draw_up": _l("Agreement drawn up"),
        "agreement.register_contract": _l("Contract registered"),
        "agreement.schedule": _l("Schedule of reports and tranches set"),
        "agreement.add_document": _l("Document uploaded"),
        "agreement.sign": _l("Agreement signed"),
        "agreement.suspend": _l("Agreement suspended"),
        "agreement.resume": _l("Agreement resumed"),
        "tranche.pay": _l("Tranche paid"),
        "agreement.propose_amendment": _l("Budget amendment proposed"),
        "agreement.amend_budget": _l("Budget amended"),
        "agreement.decide_amendment": _l("Budget amendment decided"),
        "agreement.complete": _l("Agreement completed"),
        "agreement.terminate": _l("Agreement terminated"),
        "agreement.repayment": _l("Refund received"),
        "report.submit": _l("Report submitted"),
        "report.accept": _l("Report accepted"),
        "report.return": _l("Report returned for revision"),
        "report.add_evidence": _l("Evidence attached to a report"),
        "report.remove_evidence": _l("Evidence removed from a report"),
        "visit.plan": _l("Site visit planned"),
        "visit.done": _l("Site visit recorded"),
        "visit.cancel": _l("Site visit cancelled"),
        "visit.add_photo": _l("Photo of a site visit added"),
        "agreement.evaluate": _l("Evaluation of effectiveness recorded"),
        "feedback.add": _l("Beneficiary's feedback received"),
        "recommendation.send": _l("Recommendation of public oversight received"),
        "recommendation.answer": _l("Recommendation answered"),
        "monitoring.overdue": _l("Overdue reports and blocked tranches checked"),
        "application.start": _l("Application started"),
        "application.submit": _l("Application submitted"),
        "application.add_document": _l("Document attached to an application"),
        "application.remove_document": _l("Document removed from an application"),
        "application.eligible": _l("Application found eligible"),
        "application.ineligible": _l("Application found ineligible"),
        "application.returned": _l("Application returned for revision"),
        "application.awarded": _l("Application awarded"),
        "application.reserve": _l("Application put on the reserve list"),
        "application.rejected": _l("Application not supported"),
        "call.create": _l("Call created"),
        "call.update": _l("Call edited"),
        "call.publish": _l("Call published"),
        "call.extend_deadline": _l("Deadline extended"),
        "call.close": _l("Call closed"),
        "call.publish_conclusion": _l("Eligibility conclusion published"),
        "call.commission_decided": _l("Commission's first decision on the call approved: eligibility closed"),
        "call.add_document": _l("Document attached to a call"),
        "call.remove_document": _l("Document removed from a call"),
        "call.form_add_block": _l("Block added to the application form"),
        "call.form_update_block": _l("Block of the application form changed"),
        "call.form_move_block": _l("Block of the application form moved"),
        "call.form_remove_block": _l("Block removed from the application form"),
        "call.form_reset_to_template": _l("Application form started again from the instrument's template"),
        "topic.create": _l("Priority topic added"),
        "topic.delete": _l("Priority topic removed"),
        "organization.register": _l("NGO registered"),
        "organization.create": _l("NGO registered"),
        "organization.update": _l("NGO profile edited"),
        "organization.invite": _l("Colleague invited to the NGO"),
        "organization.add_member": _l("Colleague joined the NGO"),
        "user.create": _l("Account created"),
        "user.update_profile": _l("Account details edited"),
        "user.set_roles": _l("Roles changed"),
        "user.activate": _l("Account enabled"),
        "user.deactivate": _l("Account disabled"),
        "user.change_password": _l("Password changed"),
        "user.reset_password": _l("Password reset by an administrator"),
        "reference.load": _l("Reference data loaded"),
        **{f"reference.{slug}.create": _l("Entry added to the reference data: %(catalogue)s", catalogue=c.title)
           for slug, c in CATALOGUES.items()},
        **{f"reference.{slug}.update": _l("Reference data edited: %(catalogue)s", catalogue=c.title)
           for slug, c in CATALOGUES.items()},
    },
    objects={
        "Agreement": _l("Agreement"), "Application": _l("Application"), "Call": _l("Call"), "Topic": _l("Topic"),
        "Organization": _l("NGO"), "User": _l("Account"), "reference": _l("Reference data"),
        "Monitoring": _l("Monitoring"),
    },
    fields={
        "status": _l("Status"), "amount": _l("Amount"), "language": _l("Language"), "number": _l("Number"),
        "comment": _l("Comment"), "reason": _l("Reason"), "reasons": _l("Reasons"), "document": _l("Document"),
        "file": _l("File"), "kind": _l("Kind"), "rating": _l("Rating"), "region": _l("Region"),
        "regions": _l("Regions"), "direction_id": _l("Direction"), "directions": _l("Directions"),
        "code": _l("Code"), "instrument": _l("Instrument"), "criteria": _l("Criteria"), "roles": _l("Roles"),
        "email": _l("E-mail"), "bin": _l("BIN"), "iin": _l("IIN"), "receipt": _l("Receipt number"),
        "version": _l("Version"), "topic_id": _l("Topic"), "application": _l("Application"),
        "organization": _l("BIN"), "report": _l("Report"), "tranche": _l("Tranche"), "visit": _l("Site visit"),
        "inspector": _l("Inspector"), "reference": _l("Payment order"), "paid_on": _l("Paid on"),
        "paid": _l("Paid"), "starts_on": _l("Starts on"), "ends_on": _l("Ends on"), "signed_on": _l("Signed on"),
        "due_on": _l("Due date"), "published": _l("Shown on the public page"), "amount_cap": _l("Amount cap"),
        "grant_type": _l("Grant type"), "duration_months": _l("Duration, months"),
        "grants_count": _l("Number of grants"), "title_kk": _l("Title in Kazakh"),
        "title_ru": _l("Title in Russian"), "title_en": _l("Title in English"), "goal_kk": _l("Goal in Kazakh"),
        "goal_ru": _l("Goal in Russian"), "deadline_at": _l("Deadline"), "revision_deadline": _l("Revision deadline"),
        "spent": _l("Spent"), "refund_due": _l("Refund due"), "satisfaction": _l("Satisfaction"),
        "beneficiaries": _l("Beneficiaries"), "recommendation": _l("Recommendation"), "answered": _l("Answered"),
        "visited_on": _l("Visited on"), "planned_on": _l("Planned on"), "follow_up_due": _l("Follow-up due"),
        "ground": _l("Ground"), "terminated_on": _l("Terminated on"), "completed_on": _l("Completed on"),
        "received_on": _l("Received on"), "cost_per_beneficiary": _l("Cost per beneficiary"),
        "indicators_achieved": _l("Indicators achieved"), "feedback": _l("Beneficiary's feedback"),
        "sha256": _l("SHA-256 of the file"), "name_kk": _l("Name in Kazakh"), "name_ru": _l("Name in Russian"),
        "name_en": _l("Name in English"), "ngos_registered": _l("NGOs registered"), "year": _l("Year"),
        "active": _l("In use"), "funding_source": _l("Funding source"),
        "commission_decided_at": _l("Commission's decision approved on"), "full_name": _l("Full name"),
        "block": _l("Block of the form"), "position": _l("Place in the form"), "blocks": _l("Blocks of the form"),
    },
    values={
        ("application", "status"): Status, ("Application", "status"): Status, ("Application", "kind"): DocumentKind,
        ("agreement", "status"): AgreementStatus, ("Agreement", "status"): AgreementStatus,
        ("agreement", "kind"): AgreementDocumentKind, ("agreement", "ground"): Ground,
        ("report", "status"): ReportStatus, ("report", "kind"): ReportKind, ("visit", "status"): VisitStatus,
        ("Call", "status"): call_status, "instrument": Instrument, "grant_type": GrantType,
        "funding_source": FundingSource, "language": LANGUAGE_TITLES, "roles": Role,
    },
    money=("amount", "paid", "refund_due", "spent", "amount_cap", "cost_per_beneficiary"),
)
