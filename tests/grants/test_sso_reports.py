"""A state social order contract's reports are its customer body's to accept or return; a grant's, the operator's."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from grants.agreements import services as agreements
from grants.audit import AuditEvent
from grants.extensions import db
from grants.i18n import astana_today
from grants.mail import OutboxMessage
from grants.menu import menu_for
from grants.monitoring import services as reports
from grants.monitoring.models import ReportStatus
from grants.reference.models import CustomerBody
from tests.conftest import csrf_token, translated
from tests.factories import (
    create_sso_contract,
    create_user,
    operator,
    owner_of,
    reload_report,
    review_post,
    signed_in,
    submitted_report,
)

DESK = "/customer/reports"  # the customer's review pages


def body(code):
    return db.session.execute(sa.select(CustomerBody).where(CustomerBody.code == code)).scalar_one()


def customer_of(code="MCI"):
    """A customer user acting for the body of that code (the factories' calls are the ministry's, MCI)."""
    user = create_user("customer")
    user.customer_body_id = body(code).id
    db.session.commit()
    return user


def almaty_contract(submit_report=True):
    """A contract of Almaty's department (ALA-IP), a local body: its call is funded locally, in Almaty."""
    return create_sso_contract(submit_report=submit_report, customer_id=body("ALA-IP").id, funding_source="local",
                               regions=("750000000",))


def everything():
    """Every row of every table: what a refused review must leave as it was."""
    db.session.commit()
    return {table.name: sorted((tuple(row) for row in db.session.execute(sa.select(table))), key=repr)
            for table in db.metadata.sorted_tables}


# The supplier reads its mail in the contract's language (Russian here).
ACCEPTED = "The customer has accepted report %(n)s on agreement %(number)s."
RETURNED = ("The customer has returned report %(n)s on agreement %(number)s. Correct it and submit it again by "
            "%(due)s.")
BY_OPERATOR = "The grant operator has accepted report %(n)s on agreement %(number)s."


def supplier_mail(contract):
    return db.session.execute(sa.select(OutboxMessage).where(
        OutboxMessage.to == owner_of(contract).email, OutboxMessage.subject.contains(contract.number))
        .order_by(OutboxMessage.id)).scalars().all()


def test_the_customer_accepts_its_contracts_report_from_its_queue_audited_and_the_supplier_told(app):
    contract = create_sso_contract(submit_report=True)
    report = contract.reports[0]
    customer = customer_of("MCI")
    assert agreements.tranche_state(contract.tranches[1])[0] == "blocked"
    client = signed_in(app, customer)
    queue = client.get("/customer/reports").get_data(as_text=True)
    assert contract.number in queue and f'href="/customer/reports/{report.id}"' in queue
    page = client.get(f"/customer/reports/{report.id}").get_data(as_text=True)
    assert "Оказаны социальные услуги пожилым на дому." in page  # the report as the operator reads it
    assert f'action="/customer/reports/{report.id}/accept"' in page
    assert f'action="/customer/reports/{report.id}/return"' in page
    response = review_post(client, report, "accept", {"comment": "Услуги оказаны в срок."}, desk=DESK)
    assert response.status_code == 302 and response.location.endswith(f"/customer/reports/{report.id}")
    report = reload_report(report)
    assert report.status == ReportStatus.accepted and report.reviewed_by_id == customer.id
    assert report.review_comment == "Услуги оказаны в срок."
    assert agreements.tranche_state(report.agreement.tranches[1]) == ("payable", None)
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "report.accept")).scalar_one()
    assert event.actor_id == customer.id and event.object_id == str(contract.id)
    assert event.after == {"report": 1, "status": "accepted", "comment": "Услуги оказаны в срок."}
    (message,) = supplier_mail(contract)
    assert translated("ru", ACCEPTED, n=1, number=contract.number) in message.body
    assert "Услуги оказаны в срок." in message.body
    assert translated("ru", BY_OPERATOR, n=1, number=contract.number) not in message.body
    # The queue no longer lists it; the supplier reads whose comment it was.
    assert f"/customer/reports/{report.id}" not in client.get("/customer/reports").get_data(as_text=True)
    supplier = signed_in(app, owner_of(contract))
    assert "The customer's comment" in supplier.get(f"/reports/{report.id}").get_data(as_text=True)


def test_the_customer_returns_its_contracts_report_with_a_reason_and_a_new_due_date(app):
    contract = create_sso_contract(submit_report=True)
    report = contract.reports[0]
    later = astana_today() + timedelta(days=14)
    client = signed_in(app, customer_of("MCI"))
    response = review_post(client, report, "return", {"comment": "", "due_on": later.isoformat()}, desk=DESK)
    assert response.status_code == 400 and "Say what must be corrected" in response.get_data(as_text=True)
    assert reload_report(report).status == ReportStatus.submitted
    response = review_post(client, report, "return", {"comment": "Приложите акты оказанных услуг.",
                                                      "due_on": later.isoformat()}, desk=DESK)
    assert response.status_code == 302
    report = reload_report(report)
    assert report.status == ReportStatus.returned and report.due_on == later and report.returns == 1
    (message,) = supplier_mail(contract)
    assert translated("ru", RETURNED, n=1, number=contract.number, due=later.strftime("%d.%m.%Y")) in message.body
    assert "Приложите акты" in message.body


def test_a_customer_of_another_body_is_refused_by_the_service_and_the_pages_and_nothing_changes(app):
    contract = create_sso_contract(submit_report=True)  # the ministry's (MCI)
    report = contract.reports[0]
    stranger = customer_of("ALA-IP")
    client = signed_in(app, stranger)  # signing in writes its own rows: before the snapshot
    before = everything()
    with pytest.raises(reports.ReportError, match="This contract belongs to another customer body."):
        reports.accept(stranger, report, "Принято")
    with pytest.raises(reports.ReportError, match="This contract belongs to another customer body."):
        reports.return_for_revision(stranger, report, "Доработать", astana_today() + timedelta(days=10))
    db.session.rollback()
    assert everything() == before
    assert client.get(f"/customer/reports/{report.id}").status_code == 403
    assert client.get(f"/reports/{report.id}").status_code == 403
    own_page = csrf_token(client, "/customer/reports")  # a token from a page the stranger may open
    for action, data in (("accept", {"comment": "Принято"}),
                         ("return", {"comment": "Доработать",
                                     "due_on": (astana_today() + timedelta(days=10)).isoformat()})):
        response = client.post(f"/customer/reports/{report.id}/{action}",
                               data={f"{action}-csrf_token": own_page, **{f"{action}-{k}": v for k, v in data.items()}})
        assert response.status_code == 403
    assert f"/customer/reports/{report.id}" not in client.get("/customer/reports").get_data(as_text=True)
    assert everything() == before
    assert reload_report(report).status == ReportStatus.submitted


def test_a_customer_cannot_review_a_grants_report_even_of_its_own_bodys_call(app):
    report = submitted_report()  # a grant of the ministry's call
    customer = customer_of("MCI")
    client = signed_in(app, customer)
    before = everything()
    with pytest.raises(reports.ReportError, match="This agreement's reports are reviewed by the grant operator."):
        reports.accept(customer, report)
    with pytest.raises(reports.ReportError, match="reviewed by the grant operator"):
        reports.return_for_revision(customer, report, "Доработать", astana_today() + timedelta(days=10))
    db.session.rollback()
    assert everything() == before
    assert client.get(f"/customer/reports/{report.id}").status_code == 403
    assert client.get(f"/manage/reports/{report.id}").status_code == 403
    token = csrf_token(client, "/customer/reports")
    assert client.post(f"/customer/reports/{report.id}/accept",
                       data={"accept-csrf_token": token}).status_code == 403
    assert f"/customer/reports/{report.id}" not in client.get("/customer/reports").get_data(as_text=True)
    assert everything() == before


def test_others_than_the_operator_and_the_customer_are_refused_with_the_reason(app):
    contract = create_sso_contract(submit_report=True)
    report = contract.reports[0]
    for who in (owner_of(contract), create_user("observer"), create_user("analyst")):
        with pytest.raises(reports.ReportError, match="Reports are accepted or returned by the grant operator"):
            reports.accept(who, report)
    assert reload_report(report).status == ReportStatus.submitted


def test_the_queue_lists_only_its_own_bodys_submitted_contract_reports(app):
    mine = create_sso_contract(submit_report=True)
    unsent = create_sso_contract(submit_report=False)  # the ministry's too, its reports still drafts
    theirs = almaty_contract()
    grant = submitted_report()  # the ministry's call, but a grant: the operator's
    client = signed_in(app, customer_of("MCI"))
    page = client.get("/customer/reports").get_data(as_text=True)
    listed = {int(n) for n in re.findall(r'href="/customer/reports/(\d+)"', page)}
    assert listed == {mine.reports[0].id}
    assert unsent.number not in page and theirs.number not in page and grant.agreement.number not in page
    for report_id in listed:  # a list links only what its viewer may open
        assert client.get(f"/customer/reports/{report_id}").status_code == 200
    # Almaty's department sees its own alone; the operator's queue keeps the grants' and leaves the contracts'.
    almaty = signed_in(app, customer_of("ALA-IP"))
    page = almaty.get("/customer/reports").get_data(as_text=True)
    assert set(map(int, re.findall(r'href="/customer/reports/(\d+)"', page))) == {theirs.reports[0].id}
    staff = signed_in(app, operator())
    page = staff.get("/manage/reports").get_data(as_text=True)
    assert set(map(int, re.findall(r'href="/manage/reports/(\d+)"', page))) == {grant.id}


def test_the_menu_entry_shows_for_a_customer_body_alone(app):
    customer, bodiless = customer_of("MCI"), create_user("customer")
    with app.test_request_context("/"):
        def urls(user):
            return [link.url for _group, links in menu_for(user, "home.index") for link in links]

        assert "/customer/reports" in urls(customer)
        for user in (bodiless, operator(), create_user("admin"), create_user("applicant"), create_user("analyst")):
            assert "/customer/reports" not in urls(user)
    client = signed_in(app, customer)
    assert 'href="/customer/reports"' in client.get("/").get_data(as_text=True)
    assert signed_in(app, bodiless).get("/customer/reports").status_code == 403
    assert signed_in(app, operator()).get("/customer/reports").status_code == 403


def test_the_operator_may_still_decide_a_contracts_report_as_supervisor(app):
    contract = create_sso_contract(submit_report=True)
    report = contract.reports[0]
    client = signed_in(app, operator())
    page = client.get(f"/manage/agreements/{contract.id}").get_data(as_text=True)
    assert f'href="/manage/reports/{report.id}"' in page  # reached from the contract's page, not the queue
    token = csrf_token(client, f"/manage/reports/{report.id}")
    response = client.post(f"/manage/reports/{report.id}/accept", data={"accept-csrf_token": token})
    assert response.status_code == 302
    assert reload_report(report).status == ReportStatus.accepted
    (message,) = supplier_mail(contract)
    assert translated("ru", BY_OPERATOR, n=1, number=contract.number) in message.body


def test_the_supplier_is_told_the_customer_reviews_and_the_customer_is_linked_to_its_review(app):
    contract = create_sso_contract(submit_report=True)
    report = contract.reports[0]
    supplier = signed_in(app, owner_of(contract))
    page = supplier.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "The customer is reviewing the report" in page and "/customer/reports/" not in page
    customer = signed_in(app, customer_of("MCI"))
    for url in (f"/agreements/{contract.id}", f"/reports/{report.id}"):
        assert f'href="/customer/reports/{report.id}"' in customer.get(url).get_data(as_text=True), url
    # A grant's report is not the customer's to review: its pages link no review for the customer.
    grant = submitted_report()
    page = customer.get(f"/agreements/{grant.agreement.id}").get_data(as_text=True)
    assert "/customer/reports/" not in page and "/manage/reports/" not in page
