"""Who may open what: the table of every route's expected audience, written by hand, and the world
of users of every role with the objects they own, shared by the permission and ownership tests."""

import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from grants.agreements.models import BudgetAmendment
from grants.applications import eligibility
from grants.applications import services as app_services
from grants.applications.models import CHECKLIST
from grants.auth.eds import demo_signature
from grants.auth.models import Role
from grants.auth.services import reset_token, verification_token
from grants.calls import services as call_services
from grants.comments import services as comments
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import astana_today
from grants.monitoring import recommendations, visits
from grants.monitoring import services as report_services
from grants.reference.models import Direction, MrpRate
from grants.signatures import Verifier
from reports.jobs import build_workbook_job
from reports.models import ApiToken, Workbook
from reports.tokens import digest
from scoring.assignments import services as assignment_services
from scoring.commission import appeals
from scoring.commission import services as commission
from scoring.commission import signing as protocol_signing
from scoring.commission.models import AppealPanelist
from scoring.experts import services as expert_services
from scoring.sheets import services as sheet_services
from tests.factories import (
    PDF,
    PNG,
    create_agreement,
    create_application,
    create_call,
    create_organization,
    create_sso_contract,
    create_user,
    end_intake,
    make_bin,
    make_iin,
    roll_call,
)

ANON = "anonymous"
EVERYONE = {ANON, *Role}
SIGNED_IN = set(Role)
ADMIN = {Role.admin}
NGO_RECORDS = {Role.applicant, Role.operator, Role.admin}
STAFF = {Role.operator, Role.admin}
CALL_PREPARERS = {Role.operator, Role.admin, Role.customer}  # the customer here acts for the call's body
CALL_RUNNERS = CALL_PREPARERS  # ... and runs the call's eligibility check, experts, scoring and commission
APPLICANT = {Role.applicant}  # a member of the NGO whose application is shown
STATS = {Role.analyst, Role.operator, Role.admin}
API = "/api/v1/stats/"

# The expected answer of each endpoint, written out by hand: not derived from the rules.
EXPECTED = {
    "home.index": EVERYONE,
    "home.healthz": EVERYONE,
    "home.readyz": EVERYONE,
    "auth.login": EVERYONE,
    "auth.register": EVERYONE,
    "auth.forgot": EVERYONE,
    "auth.reset": EVERYONE,  # a mailed link opens for whoever holds it (ARGS below)
    "auth.verify_email": EVERYONE,  # the mailed link confirms the address for whoever holds it (ARGS below)
    "auth.resend_verification": SIGNED_IN,  # an account already confirmed is mailed nothing
    "auth.logout": SIGNED_IN,
    "auth.account": SIGNED_IN,
    "notifications.preferences": SIGNED_IN,
    "notifications.index": SIGNED_IN,
    "notifications.read": SIGNED_IN,  # marks only the person's own notifications read
    "auth.change_password": SIGNED_IN,
    "auth.two_factor": EVERYONE,  # the code after the password: it says so when no sign-in waits for one
    "auth.two_factor_setup": SIGNED_IN,
    "auth.eds_sign_in": EVERYONE,  # a signed-in person is sent on to where they were going
    "auth.eds_account": EVERYONE,  # with no verified certificate waiting, it sends back to the ЭЦП page
    "users_admin.users": ADMIN,
    "users_admin.user_new": ADMIN,
    "users_admin.user_edit": ADMIN,
    "users_admin.user_reset_password": ADMIN,
    "users_admin.user_reset_two_factor": ADMIN,
    "users_admin.audit_log": ADMIN,
    "users_admin.outbox": ADMIN,
    "reference.index": STAFF,
    "reference.entries": ADMIN,
    "reference.new": ADMIN,
    "reference.edit": ADMIN,
    "organizations.index": NGO_RECORDS,
    "organizations.show": NGO_RECORDS,  # the applicant here is a member of the NGO shown
    "organizations.register": APPLICANT,
    "organizations.edit": APPLICANT,
    "organizations.invite": APPLICANT,
    "organizations.verify": STAFF,
    "search.index": STAFF,  # the grant operator's search; each hit shown only where its own page opens
    "manage_agreements.board": STAFF,
    "manage_agreements.board_xlsx": STAFF,
    "manage_agreements.draw_up": STAFF,
    "manage_agreements.new_contract": STAFF,
    "manage_agreements.show": STAFF,
    "manage_agreements.schedule": STAFF,
    "manage_agreements.upload": STAFF,
    "manage_agreements.sign": STAFF,
    "manage_agreements.sign_eds": STAFF,
    "manage_agreements.pay": STAFF,
    "payments.pay_several": STAFF,
    "manage_agreements.suspend": STAFF,
    "manage_agreements.resume": STAFF,
    "manage_agreements.complete": STAFF,
    "manage_agreements.terminate": STAFF,
    "manage_agreements.repayment": STAFF,
    "manage_agreements.decide": STAFF,
    # staff are sent on to the board; the customer here acts for the call's body
    "agreements.index": STAFF | {Role.applicant, Role.customer, Role.observer, Role.analyst},
    "agreements.show": STAFF | {Role.applicant, Role.customer, Role.observer, Role.analyst},
    "agreements.document": STAFF | {Role.applicant, Role.customer, Role.observer, Role.analyst},
    "agreements.propose": APPLICANT,
    "agreements.sign": APPLICANT,
    "monitoring.show": NGO_RECORDS,  # the world's report is a draft: outsiders see only accepted ones
    "monitoring.edit": APPLICANT,
    "monitoring.upload": APPLICANT,
    "monitoring.evidence": NGO_RECORDS,
    "monitoring.remove_evidence": APPLICANT,
    "monitoring.submit": APPLICANT,
    "monitoring.queue": STAFF,
    "monitoring.review": STAFF,
    "monitoring.accept": STAFF,
    "monitoring.return_report": STAFF,
    "customer_reports.queue": {Role.customer},  # the customer acts for a body: the queue of its SSO contracts
    "customer_reports.review": {Role.customer},  # the world's SSO contract is the customer's body's (ARGS below)
    "customer_reports.accept": {Role.customer},
    "customer_reports.return_report": {Role.customer},
    "oversight.plan_visit": STAFF,
    "oversight.visit": STAFF,
    "oversight.record_visit": STAFF,
    "oversight.cancel_visit": STAFF,
    "oversight.add_photo": STAFF,
    "oversight.photo": STAFF | APPLICANT,  # the world's visit is done but not published
    "oversight.evaluate": STAFF,
    "oversight.feedback": EVERYONE,  # the beneficiaries' survey of an active agreement
    "oversight.feedback_thanks": EVERYONE,
    "oversight.feedback_qr": STAFF | APPLICANT,
    "survey_codes.issue": STAFF | APPLICANT,  # the grantee and the operator issue the codes
    "survey_codes.sheet": STAFF | APPLICANT,
    "oversight.recommend": {Role.observer},
    "oversight.answer": STAFF,
    "oversight.recommendations": STAFF,
    "oversight.overdue": STAFF,
    "dashboard.index": STATS,
    "dashboard.export": STATS,
    "analyst.index": STATS,
    "analyst.workbook": STATS,
    "analyst.retry": STATS,
    "analyst.download": STATS,
    "api.applications": STATS,  # by a personal token: the API ignores the session
    "api.kazakh_share": STATS,
    "api.per_thousand_ngos": STATS,
    "api.monitoring": STATS,
    "api.reasons": STATS,
    "api.openapi_document": EVERYONE,
    "opendata.index": EVERYONE,
    "opendata.grants_json": EVERYONE,
    "opendata.grants_xlsx": EVERYONE,
    "opendata.sso_json": EVERYONE,
    "tokens.index": STATS,
    "tokens.revoke": {Role.analyst},  # the world's token is the analyst's own
    "calls.index": EVERYONE,
    "calls.show": EVERYONE,
    "manage_calls.index": CALL_PREPARERS,
    "manage_calls.new": CALL_PREPARERS,
    "manage_calls.show": CALL_PREPARERS,
    "manage_calls.edit": CALL_PREPARERS,
    "manage_calls.topic_new": CALL_PREPARERS,
    "manage_calls.topic_edit": CALL_PREPARERS,
    "manage_calls.topic_delete": CALL_PREPARERS,
    "manage_calls.publish": CALL_PREPARERS,
    "manage_calls.close": CALL_PREPARERS,
    "manage_calls.extend": CALL_PREPARERS,
    "manage_calls.add_document": CALL_PREPARERS,
    "manage_calls.remove_document": CALL_PREPARERS,
    "appforms.show": CALL_PREPARERS,
    "appforms.new": CALL_PREPARERS,
    "appforms.edit": CALL_PREPARERS,
    "appforms.move_up": CALL_PREPARERS,
    "appforms.move_down": CALL_PREPARERS,
    "appforms.remove": CALL_PREPARERS,
    "appforms.reset": CALL_PREPARERS,
    "appforms.preview": CALL_PREPARERS,
    "calls.document": EVERYONE,
    # anyone sends a proposal on an SSO plan (the world's call is a grant's: the service refuses, a 400);
    # the call's customer body and the operator answer them
    "proposals.send": EVERYONE,
    "proposals.manage": CALL_PREPARERS,
    "applications.index": APPLICANT,
    "applications.start": APPLICANT,
    "applications.show": NGO_RECORDS | {Role.customer},
    "applications.edit": APPLICANT,
    "applications.autosave": APPLICANT,
    "applications.copy_answers": APPLICANT,
    "applications.upload": APPLICANT,
    "applications.remove_document": APPLICANT,
    "applications.document": NGO_RECORDS | {Role.customer},
    "applications.submit": APPLICANT,
    "applications.receipt": NGO_RECORDS | {Role.customer},
    "signatures.verify": EVERYONE,
    "signatures.verify_files": EVERYONE,
    "signatures.signed_file": CALL_RUNNERS | {Role.commission},  # the world's is the protocol's: as the meeting
    "signatures.download": NGO_RECORDS | {Role.customer},  # as the receipt (the world's version has no signature: 404)
    "applications.version": NGO_RECORDS | {Role.customer},
    "applications.changes": NGO_RECORDS | {Role.customer},
    "review.call_applications": CALL_RUNNERS,
    "review.call_answers": CALL_RUNNERS,
    "review.review": CALL_RUNNERS,
    # comments: the staff, the NGO and (on an application) its experts write; the world's expert is assigned
    "comments.on_application": STAFF | {Role.applicant, Role.expert},
    "comments.on_agreement": NGO_RECORDS,
    "comments.on_report": NGO_RECORDS,
    "comments.attachment": STAFF | {Role.expert},  # the world's comment is meant for the application's experts
    "work.index": STAFF,
    "work.lead_application": STAFF,
    "work.lead_agreement": STAFF,
    "work.batch_applications": STAFF,
    "letters.index": STAFF,
    "letters.edit": STAFF,
    "review.integrity": CALL_RUNNERS,
    "review.open_early": STAFF,
    "review.publish_conclusion": CALL_RUNNERS,
    "experts.index": STAFF,
    "experts.new": STAFF,
    "experts.show": STAFF,
    "experts.add_affiliation": STAFF,
    "experts.remove_affiliation": STAFF,
    "experts.add_relative": STAFF,
    "experts.remove_relative": STAFF,
    "assignments.call_assignments": CALL_RUNNERS,
    "assignments.run": CALL_RUNNERS,
    "assignments.by_hand": CALL_RUNNERS,
    "assignments.recuse": CALL_RUNNERS,
    "assignments.extra": CALL_RUNNERS,
    "expert.index": {Role.expert},
    "expert.show": {Role.expert},  # the expert here is the one assigned
    "sheets.save": {Role.expert},
    "sheets.call_scoring": CALL_RUNNERS,
    "sheets.default_criteria": CALL_RUNNERS,
    "sheets.call_ranking": CALL_RUNNERS,
    "sheets.application_sheets": CALL_RUNNERS,
    "sheets.reopen": CALL_RUNNERS,
    "sheets.criterion_new": CALL_RUNNERS,
    "sheets.criterion_edit": CALL_RUNNERS,
    "sheets.criterion_delete": CALL_RUNNERS,
    "commission.call_meetings": CALL_RUNNERS,
    "commission.mine": {Role.commission},
    "commission.meeting": CALL_RUNNERS | {Role.commission},  # the commission user here sits on the meeting
    "commission.decide": CALL_RUNNERS,
    "commission.propose": CALL_RUNNERS,
    "commission.record_votes": CALL_RUNNERS,
    "commission.declare": {Role.commission},  # a member of the meeting declares conflicts
    "commission.vote": {Role.commission},  # a remote member votes
    "commission.approve": CALL_RUNNERS,
    "commission.publish": CALL_RUNNERS,
    "commission.sign": {Role.commission},  # a member of the meeting signs its approved protocol
    "commission.protocol": CALL_RUNNERS | {Role.commission},
    "commission.protocol_docx": CALL_RUNNERS | {Role.commission},
    "commission.results": EVERYONE,
    "commission.public_protocol": EVERYONE,  # once the results are published
    "commission.my_scores": NGO_RECORDS | {Role.customer},
    "commission.appeal": APPLICANT,
    "commission.call_appeals": CALL_RUNNERS,
    "commission.appeals_panel": CALL_RUNNERS,  # the operator names the call's appeals panel
    "commission.hear_appeal": {Role.commission},  # a member of the call's appeals panel
}


# Opened by no one's session, whatever the role: only the scraper's token (tests/test_metrics.py proves it).
TOKEN_ONLY = {"metrics.metrics"}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static" and rule.endpoint not in TOKEN_ONLY:
            yield rule


@pytest.fixture
def world(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    users = {role: create_user(role.value, email=f"{role.value}@example.kz") for role in Role}
    org = create_organization(owner=users[Role.applicant])
    call = create_call(actor=users[Role.operator])
    users[Role.customer].customer_body_id = call.customer_id
    # an application of the NGO's returned for revision and submitted again: two versions to compare
    revised = create_application(owner=users[Role.applicant], org=org, call=create_call(actor=users[Role.operator]),
                                 submit=True)
    end_intake(revised.call)
    eligibility.review(users[Role.operator], revised, "returned", {code: True for code, _l in CHECKLIST}, ["BUDGET"],
                       "Уточните смету", revision_days=5)
    app_services.submit(users[Role.applicant], revised)
    application = create_application(owner=users[Role.applicant], org=org, call=call)
    document = app_services.add_document(users[Role.applicant], application, "charter", io.BytesIO(PDF), "c.pdf")
    call_document = call_services.add_document(users[Role.operator], call, "Правила", io.BytesIO(PDF), "rules.pdf")
    # signed with the demo CA's test key of the NGO's head, so that the signed files are there to download
    app.config["EDS_DEMO"] = str(tmp_path / "eds-demo")
    app.extensions["signatures"] = Verifier.from_config(app.config)
    users[Role.applicant].iin = make_iin(990)
    app_services.submit(users[Role.applicant], application, signature=demo_signature(
        str(users[Role.applicant].id), app_services.signing_manifest(application), purpose="sign"))
    end_intake(call)
    eligibility.review(users[Role.operator], application, "eligible", {code: True for code, _l in CHECKLIST})
    rows = db.session.execute(sa.select(Direction).where(Direction.code == 11)).scalars().all()
    expert = expert_services.enrol(users[Role.operator], users[Role.expert], {
        "iin": None, "reads_kk": True, "reads_ru": True, "region_id": None, "active": True}, rows)
    affiliation = expert_services.add_affiliation(users[Role.operator], expert, make_bin(99, year=19), "Қор", "paid")
    relative = expert_services.add_relative(users[Role.operator], expert, make_bin(98, year=19), "Айгүл Сейітова",
                                            "sister")
    assignment = assignment_services.assign_by_hand(users[Role.operator], application, expert, "Тест")
    assignment_services.declare(users[Role.expert], assignment)
    sheet_services.use_default_criteria(users[Role.operator], call)
    sheet = sheet_services.sheet_for(users[Role.expert], assignment)
    sheet_services.save(users[Role.expert], sheet, {
        c.id: (Decimal(8), False, "") for c in sheet_services.criteria(call)})
    sheet_services.submit(users[Role.expert], sheet)
    meeting = commission.convene(users[Role.operator], call, utcnow(), "", [(users[Role.commission], "ngos", True)])
    db.session.flush()
    commission.record_attendance(users[Role.operator], meeting, {meeting.members[0].id: "in_person"})
    roll_call(meeting, application, "awarded", actor=users[Role.operator])
    commission.approve(users[Role.operator], meeting)
    users[Role.commission].iin = make_iin(991)  # the member present signs the protocol with the demo's test key
    protocol = commission.sign_protocol(users[Role.commission], meeting, demo_signature(
        str(users[Role.commission].id), protocol_signing.manifest(meeting), purpose="sign"))
    commission.publish(users[Role.operator], meeting)
    appeal = appeals.file_appeal(users[Role.applicant], application, "Прошу пересмотреть")
    # The world's one commission member also sits on the call's appeals panel, so that the panel's page has its
    # audience here; the service refuses a member of the call's commission (tests/scoring/test_appeals.py).
    panelist = AppealPanelist(call_id=call.id, user_id=users[Role.commission].id, named_by_id=users[Role.operator].id)
    db.session.add(panelist)
    comment = comments.add(users[Role.operator], application, "Проверьте смету", "experts",
                           upload=(io.BytesIO(PDF), "note.pdf"))
    db.session.commit()
    agreement = create_agreement(owner=users[Role.applicant])
    amendment = BudgetAmendment(agreement_id=agreement.id, changes={}, reason="Тест",
                                proposed_by_id=users[Role.applicant].id)
    db.session.add(amendment)
    report = agreement.reports[0]
    contract = create_sso_contract(submit_report=True)  # the ministry's call, as the world's customer's body
    evidence = report_services.add_evidence(users[Role.applicant], report, io.BytesIO(PDF), "act.pdf")
    visit = visits.plan_visit(users[Role.operator], agreement, astana_today(), users[Role.operator])
    photo = visits.add_visit_photo(users[Role.operator], visit, io.BytesIO(PNG), "p.png")
    visits.record_visit(users[Role.operator], visit, astana_today(), "Замечаний нет", 4)
    recommendation = recommendations.recommend(users[Role.observer], agreement, "Рекомендуем опубликовать отчёт")
    # Every role holds a token, so the API's own refusal (403 without the right) is what is tested.
    tokens = {role: ApiToken(user=users[role], token_hash=digest(f"bq_world_{role.value}"), name="world")
              for role in Role}
    db.session.add_all(tokens.values())
    workbook = Workbook(requested_by_id=users[Role.analyst].id, filters={}, language="kk")
    db.session.add(workbook)
    db.session.commit()
    build_workbook_job(workbook.id)  # directly, with or without Redis
    mrp = db.session.execute(sa.select(MrpRate).where(MrpRate.year == 2026)).scalar_one()
    args = {"user_id": users[Role.observer].id, "slug": "mrp", "entry_id": mrp.id, "org_id": org.id,
            "call_id": call.id, "topic_id": call.topics[0].id, "app_id": application.id, "doc_id": document.id,
            "number": 1, "call_doc_id": call_document.id, "code": "summary", "name": "signature.p7s",
            "expert_id": expert.id, "affiliation_id": affiliation.id, "relative_id": relative.id,
            "assignment_id": assignment.id,
            "sheet_id": sheet.id, "meeting_id": meeting.id, "language": "kk",
            "criterion_id": sheet_services.criteria(call)[0].id,
            "appeal_id": appeal.id, "panelist_id": panelist.id, "agreement_id": agreement.id,
            "tranche_id": agreement.tranches[0].id,
            "amendment_id": amendment.id, "agreement_doc_id": agreement.signed_copy.id, "report_id": report.id,
            "contract_report_id": contract.reports[0].id, "evidence_id": evidence.id, "visit_id": visit.id,
            "photo_id": photo.id, "comment_id": comment.id, "revised_app_id": revised.id, "revised_number": 2,
            "outcome": "eligible",
            "token": agreement.feedback_token, "rec_id": recommendation.id,
            "api_token_id": tokens[Role.analyst].id, "workbook_id": workbook.id, "signature_id": protocol.id,
            "reset_token": reset_token(users[Role.applicant]),
            "verify_token": verification_token(users[Role.applicant])}
    return users, args


# The query a page needs to be found at all: without it the page answers 404 to everyone, which would hide
# whether the role was let in.
QUERIES = {"appforms.new": "?kind=long_text"}
# Where a route is asked for another of the world's objects than its argument's usual one: {argument: world key}.
# The customer reviews a state social order contract's report; the world's usual report is a grant's.
ARGS = {endpoint: {"report_id": "contract_report_id"} for endpoint in (
    "customer_reports.review", "customer_reports.accept", "customer_reports.return_report")}
ARGS["applications.changes"] = {"app_id": "revised_app_id", "number": "revised_number"}
ARGS["auth.reset"] = {"token": "reset_token"}  # a mailed reset link of the world's applicant
ARGS["auth.verify_email"] = {"token": "verify_token"}  # the applicant's e-mail confirmation link


def url_of(rule, args):
    """The rule's address with the world's objects (ARGS swapping those a route is asked for instead)."""
    args = {**args, **{name: args[key] for name, key in ARGS.get(rule.endpoint, {}).items()}}
    return rule.build({k: args[k] for k in rule.arguments}, append_unknown=False)[1]
