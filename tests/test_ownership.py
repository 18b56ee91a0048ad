"""Every route that names an object in its address refuses the people the object does not belong to.

test_permissions proves each role reaches its pages with the world's own people. This proves that,
inside a role, the object decides: an applicant of another NGO, an expert not assigned, another analyst,
a customer of another body and a commission member not on the meeting are each refused (403, or 404
where the app hides that the object exists), and a refused POST changes nothing in the database or in
the file store. A new route with an argument needs a row in OWNED, or this test fails.
"""

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from grants.agreements import services as agreement_services
from grants.applications import services as app_services
from grants.auth.models import Role
from grants.calls import services as call_services
from grants.extensions import db
from grants.reference.models import CustomerBody, Direction
from reports.models import ApiToken, Workbook
from reports.tokens import digest
from scoring.experts import services as expert_services
from scoring.sheets import services as sheet_services
from tests.access import API, EXPECTED, routes, url_of
from tests.access import world as world  # the fixture: users of every role and the objects they own
from tests.conftest import csrf_token, login
from tests.factories import PDF, create_agreement, create_application, create_call, create_user

OTHER_NGO = "other_ngo"  # an applicant, member of an NGO of their own, not of the object's
UNASSIGNED_EXPERT = "unassigned_expert"  # on the expert register, not assigned to the world's application
OTHER_ANALYST = "other_analyst"  # not the analyst who asked for the workbook and holds the token
OTHER_CUSTOMER = "other_customer"  # a customer acting for another state body than the call's
OTHER_COMMISSION = "other_commission"  # a commission member who does not sit on the world's meeting
OUTSIDERS = (OTHER_NGO, UNASSIGNED_EXPERT, OTHER_ANALYST, OTHER_CUSTOMER, OTHER_COMMISSION)
ROLE = {OTHER_NGO: Role.applicant, UNASSIGNED_EXPERT: Role.expert, OTHER_ANALYST: Role.analyst,
        OTHER_CUSTOMER: Role.customer, OTHER_COMMISSION: Role.commission}

# Besides the world's objects, each route is asked for objects no outsider may see even in part, by the
# arguments they replace, and for another's child under a parent the outsider may open (their own).
OWN_PARENT = "another's child under one's own parent"
VARIANT_OBJECT = {"a draft call": {"call_id"}, "a draft application": {"app_id"},
                  "a draft agreement": {"agreement_id"},
                  OWN_PARENT: {"doc_id", "agreement_doc_id", "evidence_id", "topic_id", "call_doc_id", "criterion_id"}}
# Pages of the parents an outsider asks through: they open, so a refusal below is for the child alone.
OWN_PARENT_PAGES = {OTHER_NGO: ("applications.show", "agreements.show", "monitoring.show"),
                    OTHER_ANALYST: ("agreements.show",), OTHER_CUSTOMER: ("manage_calls.show", "proposals.manage")}

# Every route with an argument, and whose is the object it names (written by hand, not derived from the rules).
OWNED = {
    # the NGO's own records
    "organizations.show": "the NGO: its members, the operator",
    "organizations.edit": "the NGO: its members",
    "organizations.invite": "the NGO: its members",
    "organizations.verify": "the NGO's documents checked: the operator only, never the NGO itself",
    "applications.show": "the application: its NGO, the operator",
    "applications.edit": "the application: its NGO",
    "applications.autosave": "the application: its NGO",
    "comments.on_application": "the application's comments: its NGO, the operator, its experts",
    "comments.on_agreement": "the agreement's comments: its NGO, the operator",
    "comments.on_report": "the report's comments: its NGO, the operator",
    "comments.attachment": "a comment's file: whom the comment is meant for",
    "work.lead_application": "the application's lead: the operator",
    "work.lead_agreement": "the agreement's lead: the operator",
    "work.batch_applications": "a batch action on the call's applications: the operator",
    "letters.edit": "a decision letter of the grant operator: its staff",
    "applications.copy_answers": "the application: its NGO",
    "applications.upload": "the application: its NGO",
    "applications.remove_document": "the application's document: its NGO",
    "applications.document": "the application's document: its NGO, the operator",
    "applications.submit": "the application: its NGO",
    "applications.receipt": "the application's receipt: its NGO, the operator",
    "applications.version": "the application's submitted version: its NGO, the operator",
    "applications.changes": "what a version changed: its NGO, the operator",
    "signatures.download": "the signed version's files: its NGO, the operator",
    "signatures.signed_file": "a signed agreement's, report's or protocol's files: whoever sees that document",
    "applications.start": "the call: any NGO once the call is published",
    "commission.my_scores": "the application's scores: its NGO, the operator",
    "commission.appeal": "the application's appeal: its NGO",
    # the grantee's agreement and what hangs on it
    "agreements.show": "the agreement: the grantee, the operator, the call's customer, oversight once signed",
    "agreements.document": "the agreement's document: as the agreement",
    "agreements.propose": "the agreement's budget amendment: the grantee",
    "agreements.sign": "the agreement's ЭЦП signature: the grantee",
    "monitoring.show": "the report: the grantee, the operator; oversight once accepted",
    "monitoring.edit": "the report: the grantee",
    "monitoring.upload": "the report's evidence: the grantee",
    "monitoring.evidence": "the report's evidence: as the report",
    "monitoring.remove_evidence": "the report's evidence: the grantee",
    "monitoring.submit": "the report: the grantee",
    "monitoring.review": "the report under review: the operator",
    "monitoring.accept": "the report: the operator",
    "monitoring.return_report": "the report: the operator",
    "customer_reports.review": "an SSO contract's report under review: the customer body of its call",
    "customer_reports.accept": "an SSO contract's report: the customer body of its call",
    "customer_reports.return_report": "an SSO contract's report: the customer body of its call",
    "oversight.photo": "the site visit's photo: the grantee, the operator; oversight once published",
    "oversight.feedback_qr": "the agreement's survey QR code: the grantee, the operator",
    "survey_codes.issue": "the agreement's survey codes: the grantee, the operator",
    "survey_codes.sheet": "the agreement's survey codes: the grantee, the operator",
    "oversight.recommend": "the agreement: observers send recommendations",
    "oversight.feedback": "the agreement's survey: anyone holding its token",
    "auth.reset": "a password reset link: whoever holds the mailed token",
    "auth.verify_email": "an e-mail confirmation link: whoever holds the mailed token",
    "oversight.feedback_thanks": "the agreement's survey: anyone holding its token",
    # the expert's own work
    "expert.show": "the assignment and its conflict declaration: the assigned expert",
    "sheets.save": "the assignment's scoring sheet: the assigned expert",
    # the commission member's meeting
    "commission.meeting": "the meeting: its members, the operator",
    "commission.protocol": "the meeting's protocol: its members, the operator",
    "commission.protocol_docx": "the meeting's protocol: its members, the operator",
    # the analyst's own
    "analyst.workbook": "the workbook: the analyst who asked for it, the operator",
    "analyst.retry": "the workbook: the analyst who asked for it, the operator",
    "analyst.download": "the workbook: the analyst who asked for it, the operator",
    "tokens.revoke": "the API token: its holder",
    # public pages of a call
    "calls.show": "the call: public once published",
    "calls.document": "the call's document: public once the call is published",
    "commission.results": "the call's results: public once published",
    "commission.public_protocol": "the meeting's protocol: public once its results are published",
    "proposals.send": "the call's plan: anyone may send a proposal once the call is published",
    # the call as a customer body prepares it
    "manage_calls.show": "the call: the operator, the customer body it is for",
    "manage_calls.edit": "the call: the operator, the customer body it is for",
    "manage_calls.topic_new": "the call: the operator, the customer body it is for",
    "manage_calls.topic_edit": "the call's topic: the operator, the customer body it is for",
    "manage_calls.topic_delete": "the call's topic: the operator, the customer body it is for",
    "manage_calls.add_document": "the call: the operator, the customer body it is for",
    "manage_calls.remove_document": "the call's document: the operator, the customer body it is for",
    "appforms.show": "the call's application form: the operator, the customer body it is for",
    "appforms.new": "the call's application form: the operator, the customer body it is for",
    "appforms.edit": "the call's form block: the operator, the customer body it is for",
    "appforms.move_up": "the call's form block: the operator, the customer body it is for",
    "appforms.move_down": "the call's form block: the operator, the customer body it is for",
    "appforms.remove": "the call's form block: the operator, the customer body it is for",
    "appforms.reset": "the call's application form: the operator, the customer body it is for",
    "appforms.preview": "the call's application form: the operator, the customer body it is for",
    "manage_calls.publish": "the call: the operator",
    "manage_calls.close": "the call: the operator",
    "manage_calls.extend": "the call: the operator",
    "proposals.manage": "the call's proposals and their answers: the operator, the customer body it is for",
    # the operator's own acts on anybody's objects
    "review.call_applications": "the call's applications: the operator",
    "review.call_answers": "the call's applications: the operator",
    "review.review": "the application's eligibility: the operator",
    "review.integrity": "the call's applications: the operator",
    "review.open_early": "a sealed application's early opening: the operator",
    "review.publish_conclusion": "the call's eligibility conclusion: the operator",
    "assignments.call_assignments": "the call's panels: the operator",
    "assignments.run": "the call's panels: the operator",
    "assignments.by_hand": "the application's panel: the operator",
    "assignments.extra": "the application's panel: the operator",
    "assignments.recuse": "the assignment: the operator",
    "experts.show": "the expert's record: the operator",
    "experts.add_affiliation": "the expert's ties: the operator",
    "experts.remove_affiliation": "the expert's ties: the operator",
    "experts.add_relative": "the expert's relatives: the operator",
    "experts.remove_relative": "the expert's relatives: the operator",
    "sheets.call_scoring": "the call's scoring rules: the operator",
    "sheets.default_criteria": "the call's criteria: the operator",
    "sheets.call_ranking": "the call's ranking: the operator",
    "sheets.application_sheets": "the application's sheets: the operator",
    "sheets.reopen": "the scoring sheet: the operator",
    "sheets.criterion_new": "the call's criteria: the operator",
    "sheets.criterion_edit": "the call's criterion: the operator",
    "sheets.criterion_delete": "the call's criterion: the operator",
    "commission.call_meetings": "the call's meetings: the operator",
    "commission.decide": "the meeting's decision on the application: the operator",
    "commission.propose": "the meeting's motion on the application: the operator",
    "commission.record_votes": "the votes in the room on the application: the operator as secretary",
    "commission.approve": "the meeting: the operator",
    "commission.publish": "the meeting: the operator",
    "commission.sign": "the meeting's protocol: its members present",
    "commission.declare": "the meeting's declaration of conflicts: its members",
    "commission.vote": "a remote vote on the meeting's motion: its members",
    "commission.call_appeals": "the call's appeals: the operator",
    "commission.appeals_panel": "the call's appeals panel: the operator",
    "commission.hear_appeal": "the appeal: its call's appeals panel",
    "manage_agreements.draw_up": "the application's agreement: the operator",
    "manage_agreements.show": "the agreement: the operator",
    "manage_agreements.schedule": "the agreement: the operator",
    "manage_agreements.upload": "the agreement: the operator",
    "manage_agreements.sign": "the agreement: the operator",
    "manage_agreements.sign_eds": "the agreement: the operator",
    "manage_agreements.pay": "the tranche: the operator",
    "manage_agreements.suspend": "the agreement: the operator",
    "manage_agreements.resume": "the agreement: the operator",
    "manage_agreements.complete": "the agreement: the operator",
    "manage_agreements.terminate": "the agreement: the operator",
    "manage_agreements.repayment": "the agreement: the operator",
    "manage_agreements.decide": "the budget amendment: the operator",
    "oversight.plan_visit": "the agreement's site visits: the operator",
    "oversight.visit": "the site visit: the operator",
    "oversight.record_visit": "the site visit: the operator",
    "oversight.cancel_visit": "the site visit: the operator",
    "oversight.add_photo": "the site visit: the operator",
    "oversight.evaluate": "the agreement's evaluation: the operator",
    "oversight.answer": "the observer's recommendation: the operator",
    # administration
    "users_admin.user_edit": "a user account: the administrator",
    "users_admin.user_reset_password": "a user account: the administrator",
    "users_admin.user_reset_two_factor": "a user account: the administrator",
    "reference.entries": "reference data: the administrator",
    "reference.new": "reference data: the administrator",
    "reference.edit": "a reference entry: the administrator",
}

# What an outsider may legitimately open in the world, each with its reason; everything else refuses them.
PUBLIC = {
    "calls.show": "a published call's page is public",
    "calls.document": "a published call's documents are published with it",
    "commission.results": "published results are public: no one has to wonder what the commission decided",
    "commission.public_protocol": "a published meeting's protocol is public, its members and votes named",
    "proposals.send": "a published call's plan takes proposals from anyone (the service refuses a grant's call)",
    "oversight.feedback": "the beneficiaries' survey is open to whoever holds its token (a printed QR code)",
    "oversight.feedback_thanks": "the survey's thank-you page, by the same token",
    "auth.reset": "a reset link is answered for anyone; only a mailed, unused, unexpired token sets a password",
    "auth.verify_email": "a confirmation link is answered for anyone; only a mailed, unexpired token confirms",
}
ALLOWED = {
    (OTHER_NGO, "applications.start"): "any NGO may apply to a published call",
    (OTHER_ANALYST, "agreements.show"): "signed agreements are open to analysts as public oversight (agreement.view)",
    (OTHER_ANALYST, "agreements.document"): "as the agreement's page: the signed copy of a signed agreement",
}

# What the outsider POSTs: what the owner would send, so that a missing check would change something.
# test_the_owner_changes_what_the_outsiders_could_not below proves that some of them work.
DATA = {
    "organizations.edit": lambda a: {
        "name_kk": "Басып алынған ҮЕҰ", "name_ru": "Захваченное НПО", "address": "Астана", "head_name": "Чужой",
        "phone": "+7 700 111 11 11", "email": "intruder@example.kz", "registry_year": "2026"},
    "organizations.invite": lambda a: {"email": "intruder@example.kz"},
    "applications.edit": lambda a: {"revision": "", "title": "Чужая заявка", "language": "ru"},
    "applications.autosave": lambda a: {"revision": "", "title": "Чужая заявка", "language": "ru"},
    "applications.upload": lambda a: {"kind": "charter", "file": (io.BytesIO(PDF), "intruder.pdf")},
    "commission.appeal": lambda a: {"text": "Чужая апелляция"},
    "commission.hear_appeal": lambda a: {"upheld": "n", "resolution": "Чужой ответ"},
    "commission.appeals_panel": lambda a: {"remove": str(a["panelist_id"])},
    "agreements.propose": lambda a: {"amendment_reason": "Чужое предложение"},
    "monitoring.edit": lambda a: {"revision": "", "narrative": "Чужой отчёт", "beneficiaries": "5"},
    "monitoring.upload": lambda a: {"file": (io.BytesIO(PDF), "intruder.pdf"), "caption": "Чужое"},
    "expert.show": lambda a: {"conflict": "", "note": "Конфликта нет"},
    "comments.on_application": lambda a: {"body": "Чужой комментарий", "visibility": "applicant"},
    "comments.on_agreement": lambda a: {"body": "Чужой комментарий", "visibility": "applicant"},
    "comments.on_report": lambda a: {"body": "Чужой комментарий", "visibility": "applicant"},
    "letters.edit": lambda a: {"subject": "Чужое письмо", "body": "Чужое письмо"},
    "work.batch_applications": lambda a: {"action": "lead", "lead": "0", "application": str(a["app_id"]),
                                          "confirm": "1"},
    "sheets.save": lambda a: {f"points-{a['criterion_id']}": "1", "comment": "Чужая оценка", "action": "submit"},
    "oversight.recommend": lambda a: {"recommendation_text": "Чужая рекомендация"},
    "survey_codes.issue": lambda a: {"codes_count": "5", "codes_event": "Чужое мероприятие"},
}


def object_routes(app):
    return [rule for rule in routes(app) if rule.arguments]


def test_every_object_route_is_classified(app):
    found = {rule.endpoint: rule.rule for rule in object_routes(app)}
    unclassified = {endpoint: rule for endpoint, rule in found.items() if endpoint not in OWNED}
    assert not unclassified, f"routes naming an object without a row in OWNED (whose is it?): {unclassified}"
    assert set(OWNED) <= set(found), f"OWNED names routes that are gone: {set(OWNED) - set(found)}"
    assert set(PUBLIC) <= set(OWNED)
    assert {endpoint for _who, endpoint in ALLOWED} <= set(OWNED)
    assert set(DATA) <= set(OWNED)


@pytest.fixture
def outsiders(app, world):
    """The outsiders, each a working user of their role with objects of their own."""
    users, _args = world
    operator = users[Role.operator]
    stranger = create_user("applicant", email="other.ngo@example.kz")
    their_application = create_application(owner=stranger)
    their_agreement = create_agreement(owner=stranger)
    expert = create_user("expert", email="other.expert@example.kz")
    directions = db.session.execute(sa.select(Direction).where(Direction.code == 11)).scalars().all()
    expert_services.enrol(operator, expert, {"iin": None, "reads_kk": True, "reads_ru": True, "region_id": None,
                                             "active": True}, directions)
    analyst = create_user("analyst", email="other.analyst@example.kz")
    db.session.add(ApiToken(user=analyst, token_hash=digest("bq_other_analyst"), name="mine"))
    db.session.add(Workbook(requested_by_id=analyst.id, filters={}, language="ru"))
    customer = create_user("customer", email="other.customer@example.kz")
    other_body = db.session.execute(sa.select(CustomerBody.id).where(CustomerBody.code == "ALA-IP")).scalar_one()
    customer.customer_body_id = other_body  # Almaty's department; the world's calls are the ministry's (MCI)
    their_call = create_call(published=False, actor=operator, customer_id=other_body, funding_source="local",
                             regions=("750000000",))
    member = create_user("commission", email="other.commission@example.kz")
    db.session.commit()
    people = {OTHER_NGO: stranger, UNASSIGNED_EXPERT: expert, OTHER_ANALYST: analyst, OTHER_CUSTOMER: customer,
              OTHER_COMMISSION: member}
    # The parents an outsider may open (the applicant's own, the customer's own call), to ask for a child
    # of the world's through them.
    own = {"app_id": their_application.id, "agreement_id": their_agreement.id,
           "report_id": their_agreement.reports[0].id, "call_id": their_call.id}
    return people, own


@pytest.fixture
def variants(app, world, outsiders):
    """For an outsider, the routes' arguments: the world's, then objects no outsider may see even in part
    (a draft call with its topic, document and criteria, the NGO's draft application, its draft agreement),
    then a child of those under a parent the outsider may open (another's file through one's own page)."""
    users, args = world
    _people, own = outsiders
    operator, owner = users[Role.operator], users[Role.applicant]
    draft = create_call(published=False, actor=operator)
    draft_doc = call_services.add_document(operator, draft, "Проект правил", io.BytesIO(PDF), "draft.pdf")
    sheet_services.use_default_criteria(operator, draft)
    db.session.flush()
    unsent = create_application(owner=owner, call=create_call(actor=operator))
    unsent_doc = app_services.add_document(owner, unsent, "charter", io.BytesIO(PDF), "charter.pdf")
    unsigned = create_agreement(owner=owner, sign=False)
    unsigned_doc = agreement_services.add_document(operator, unsigned, "other", io.BytesIO(PDF), "draft.pdf")
    db.session.commit()
    hidden_call = {"call_id": draft.id, "topic_id": draft.topics[0].id, "call_doc_id": draft_doc.id,
                   "criterion_id": sheet_services.criteria(draft)[0].id}
    cases = {
        "the world": args,
        "a draft call": {**args, **hidden_call},
        "a draft application": {**args, "app_id": unsent.id, "doc_id": unsent_doc.id},
        "a draft agreement": {**args, "agreement_id": unsigned.id, "agreement_doc_id": unsigned_doc.id},
    }

    def for_outsider(who):
        # The customer asks through a call of their own body; the others through the public call.
        parents = {**own, "call_id": own["call_id"] if who == OTHER_CUSTOMER else args["call_id"]}
        return {**cases, OWN_PARENT: {**args, **hidden_call, **parents}}

    return for_outsider


def snapshot(app):
    """Every row of every table, and every stored file: what a refused request must leave as it was."""
    db.session.commit()
    rows = {table.name: sorted((tuple(row) for row in db.session.execute(sa.select(table))), key=repr)
            for table in db.metadata.sorted_tables}
    root = app.config["UPLOAD_FOLDER"]
    files = sorted(str(path) for path in Path(root).rglob("*"))
    return rows, files


def changed(before, after):
    rows_before, files_before = before
    rows_after, files_after = after
    tables = sorted(name for name in rows_before if rows_before[name] != rows_after[name])
    return tables + (["stored files"] if files_before != files_after else [])


def url_for_rule(rule, args):
    return url_of(rule, args)  # the customer's review pages are asked for the world's SSO contract's report


def applies(rule, name):
    """A variant is tried on the routes that name an object it replaces."""
    return name == "the world" or bool(VARIANT_OBJECT[name] & set(rule.arguments))


def signed_in(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client, csrf_token(client, "/")


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsider_is_refused_every_object_it_does_not_own(app, outsiders, variants, who):
    people, _own = outsiders
    client, token = signed_in(app, people[who])
    rules = {rule.endpoint: rule for rule in routes(app)}
    for endpoint in OWN_PARENT_PAGES.get(who, ()):
        response = client.get(url_for_rule(rules[endpoint], variants(who)[OWN_PARENT]))
        response.close()
        assert response.status_code == 200, f"{who} cannot open their own {endpoint}: {response.status_code}"
    problems, hidden = [], set()
    initial = snapshot(app)
    for rule in object_routes(app):
        for name, args in variants(who).items():
            if not applies(rule, name):
                continue
            url = url_for_rule(rule, args)
            allowed = name == "the world" and (rule.endpoint in PUBLIC or (who, rule.endpoint) in ALLOWED)
            if "GET" in rule.methods:
                response = client.get(url)
                response.close()
                if allowed and response.status_code != 200:
                    problems.append(f"{rule.endpoint} ({name}) is allow-listed but gave {response.status_code}")
                elif not allowed and response.status_code not in (403, 404):
                    problems.append(f"GET {rule.endpoint} ({name}) gave {response.status_code}, not a refusal")
                if not allowed and ROLE[who] in EXPECTED[rule.endpoint]:
                    hidden.add(url)  # the role opens such pages; this one is refused for its object alone
            if "POST" in rule.methods and not allowed:
                data = DATA.get(rule.endpoint, lambda a: {})(args)
                response = client.post(url, data={"csrf_token": token, **data})
                response.close()
                if response.status_code not in (403, 404):
                    problems.append(f"POST {rule.endpoint} ({name}) gave {response.status_code}, not a refusal")
                if changes := changed(initial, snapshot(app)):
                    problems.append(f"POST {rule.endpoint} ({name}) changed {', '.join(changes)}")
                    initial = snapshot(app)
    problems += named_in_lists(app, client, hidden)
    assert not problems, f"{who}:\n" + "\n".join(problems)


def named_in_lists(app, client, hidden):
    """The outsider's lists (their applications, agreements, workbooks, tokens, calls...) link none of it."""
    found = []
    if not hidden:
        return found
    # As a link's address: after a quote or a host, before its end; "/manage/calls/7" does not name "/calls/7".
    pattern = re.compile(r"(?:[\"'=]|://[\w.:-]+)(" + "|".join(re.escape(url) for url in sorted(hidden)) + r")[\"'#?]")
    for rule in routes(app):
        if rule.arguments or "GET" not in rule.methods or rule.rule.startswith(API):
            continue
        response = client.get(rule.rule)
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        response.close()
        if response.status_code == 200 and (match := pattern.search(body)):
            found.append(f"{rule.endpoint} links {match.group(1)}, which this user is refused")
    return found


def test_the_owner_changes_what_the_outsiders_could_not(app, world, variants):
    """The refused POSTs above carry payloads that work: the owner sending them changes the records."""
    users, _args = world
    args = variants(OTHER_NGO)["a draft application"]
    by_owner = [(users[Role.applicant], "organizations.invite"), (users[Role.applicant], "applications.upload"),
                (users[Role.applicant], "applications.remove_document"), (users[Role.applicant], "monitoring.upload"),
                (users[Role.applicant], "monitoring.remove_evidence"), (users[Role.analyst], "tokens.revoke")]
    rules = {rule.endpoint: rule for rule in routes(app)}
    for user, endpoint in by_owner:
        client, token = signed_in(app, user)
        before = snapshot(app)
        data = DATA.get(endpoint, lambda a: {})(args)
        response = client.post(url_for_rule(rules[endpoint], args), data={"csrf_token": token, **data})
        response.close()
        assert response.status_code == 302, f"the owner was refused {endpoint}: {response.status_code}"
        assert changed(before, snapshot(app)), f"the owner's {endpoint} changed nothing"
