"""Agreements: drawn up from an awarded application, scheduled, signed, paid, amended, terminated, refunded."""

import html
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from grants.agreements import queries
from grants.agreements import services as agreements
from grants.agreements.models import Agreement, AgreementBudgetLine, AgreementStatus, AmendmentState, BudgetAmendment
from grants.audit import AuditEvent
from grants.extensions import db
from grants.i18n import astana_today, format_money
from grants.monitoring import queries as report_queries
from grants.monitoring import services as reports
from grants.reference.models import Region
from tests.conftest import post_form
from tests.factories import (
    PDF,
    create_agreement,
    create_application,
    create_awarded_application,
    create_call,
    create_organization,
    create_sso_winner,
    create_user,
    make_bin,
    operator,
    signed_in,
)


def fill(report, owner):
    agreement = report.agreement
    reports.save(owner, report, {"narrative": "Провели тренинги.", "beneficiaries": 10, "reach": 25, "women": 6,
                                 "men": 4, "under_18": 2, "from_18_to_34": 5, "from_35_to_62": 3, "over_62": 0},
                 indicators={i.id: (Decimal("5"), "") for i in agreement.indicators},
                 spending={agreement.budget_lines[0].id: Decimal("1000.00")},
                 activities={agreement.activities[0].id: (True, "Проведено")})
    reports.add_evidence(owner, report, io.BytesIO(PDF), "act.pdf", agreement.activities[0].id)


def test_a_tranche_on_a_report_becomes_payable_once_the_report_is_accepted(app):
    agreement = create_agreement()
    owner = agreement.organization.memberships[0].user
    first, second, _third = agreement.tranches
    assert agreements.tranche_state(first) == ("payable", None)
    assert agreements.tranche_state(second)[0] == "blocked"
    with pytest.raises(agreements.AgreementError):
        agreements.pay(operator(), second, astana_today(), "ПП-2")
    agreements.pay(operator(), first, astana_today(), "ПП-1")
    report = agreement.reports[0]
    fill(report, owner)
    reports.submit(owner, report)
    reports.accept(operator(), report)
    assert agreements.tranche_state(second) == ("payable", None)
    agreements.pay(operator(), second, astana_today(), "ПП-2")
    db.session.commit()
    totals = queries.totals([agreement.id])[agreement.id]
    assert totals.paid == first.amount + second.amount
    assert totals.spent == Decimal("1000.00")
    assert agreement.status == AgreementStatus.active


def test_a_refund_larger_than_what_was_paid_is_refused(app):
    agreement = create_agreement()
    agreements.pay(operator(), agreement.tranches[0], astana_today(), "ПП-1")
    paid = agreement.tranches[0].amount
    with pytest.raises(agreements.AgreementError):
        agreements.terminate(operator(), agreement, "misuse", "Нецелевое использование", paid + 1, astana_today())
    agreements.terminate(operator(), agreement, "misuse", "Нецелевое использование", paid / 2, astana_today())
    agreements.record_repayment(operator(), agreement, paid / 4, astana_today(), "В-1")
    with pytest.raises(agreements.AgreementError):
        agreements.record_repayment(operator(), agreement, paid, astana_today(), "В-2")
    db.session.commit()
    assert queries.totals([agreement.id])[agreement.id].refund_balance == (paid / 2 - paid / 4).quantize(
        Decimal("0.01"))
    assert report_queries.overdue(astana_today() + timedelta(days=400)).reports == []


# --- helpers for the pages -------------------------------------------------------------------

TODAY = astana_today()



def as_operator(app):
    return signed_in(app, operator())


def page_of(agreement):
    return f"/manage/agreements/{agreement.id}"


def act(client, agreement, action, data=None):
    return post_form(client, f"{page_of(agreement)}/{action}", data, page=page_of(agreement))


def text(response):
    return response.get_data(as_text=True)


def accept_report(report):
    owner = report.agreement.organization.memberships[0].user
    fill(report, owner)
    reports.submit(owner, report)
    reports.accept(operator(), report)
    db.session.commit()


def fresh(agreement):
    db.session.expire_all()
    return db.session.get(Agreement, agreement.id)


# --- drawing up, scheduling, signing -----------------------------------------------------------

def test_an_agreement_is_drawn_up_only_from_an_awarded_application_and_only_once(app):
    client = as_operator(app)
    submitted = create_application(submit=True)
    url = f"/manage/applications/{submitted.id}/agreement/new"
    data = {"starts_on": TODAY.isoformat(), "ends_on": (TODAY + timedelta(days=300)).isoformat()}
    refused = post_form(client, url, data)
    assert refused.status_code == 400
    assert "only for an awarded application" in text(refused)
    assert 'value="' + TODAY.isoformat() in text(refused)  # nothing typed is lost

    awarded = create_awarded_application()
    url = f"/manage/applications/{awarded.id}/agreement/new"
    bad = post_form(client, url, {"starts_on": TODAY.isoformat(), "ends_on": TODAY.isoformat()})
    assert bad.status_code == 400 and "must end after it starts" in text(bad)
    made = post_form(client, url, data)
    assert made.status_code == 302
    agreement = db.session.execute(sa.select(Agreement).where(Agreement.application_id == awarded.id)).scalar_one()
    assert made.location.endswith(page_of(agreement))
    assert agreement.status == "draft" and agreement.amount == awarded.budget_total
    assert [line.planned for line in agreement.budget_lines] == [b.total for b in awarded.budget_lines]
    page = client.get(page_of(agreement))
    assert page.status_code == 200 and agreement.number in text(page) and "Agreement drawn up" in text(page)

    again = client.get(url)
    assert again.status_code == 302 and again.location.endswith(page_of(agreement))
    with pytest.raises(agreements.AgreementError, match="already has agreement"):
        agreements.draw_up(operator(), awarded, TODAY, TODAY + timedelta(days=30))


def test_the_board_lists_awarded_applications_waiting_for_their_agreement(app):
    client = as_operator(app)
    awarded = create_awarded_application()
    board = text(client.get("/manage/agreements"))
    assert awarded.receipt_number in board and f"/manage/applications/{awarded.id}/agreement/new" in board


def schedule_form(agreement, reports_rows, tranche_rows):
    """Every line of the form, as a browser sends it: the unused ones empty."""
    data = {f"reports-{i}-{k}": "" for i in range(6) for k in ("kind", "period_from", "period_to", "due_on")}
    data.update({f"tranches-{i}-{k}": "" for i in range(8) for k in ("amount", "planned_on", "condition",
                                                                      "report_number")})
    for i, (kind, start, end, due) in enumerate(reports_rows):
        data.update({f"reports-{i}-kind": kind, f"reports-{i}-period_from": start.isoformat(),
                     f"reports-{i}-period_to": end.isoformat(), f"reports-{i}-due_on": due.isoformat()})
    for i, (amount, planned, condition, number) in enumerate(tranche_rows):
        data.update({f"tranches-{i}-amount": str(amount), f"tranches-{i}-planned_on": planned.isoformat(),
                     f"tranches-{i}-condition": condition, f"tranches-{i}-report_number": str(number or "")})
    return data


def draft(app):
    application = create_awarded_application()
    agreement = agreements.draw_up(operator(), application, TODAY - timedelta(days=30), TODAY + timedelta(days=300))
    db.session.commit()
    return agreement


def test_the_schedule_is_refused_unless_the_tranches_add_up_and_the_final_report_comes_last(app):
    client = as_operator(app)
    agreement = draft(app)
    url = f"{page_of(agreement)}/schedule"
    assert client.get(url).status_code == 200
    half = (agreement.amount / 2).quantize(Decimal("0.01"))
    interim = ("interim", TODAY - timedelta(days=30), TODAY + timedelta(days=100), TODAY + timedelta(days=110))
    final = ("final", TODAY + timedelta(days=101), TODAY + timedelta(days=300), TODAY + timedelta(days=310))

    short = post_form(client, url, schedule_form(agreement, [interim, final], [
        (half, TODAY, "on_signing", None), (half - 1, TODAY + timedelta(days=120), "report_accepted", 2)]))
    assert short.status_code == 400 and "add up to" in text(short)
    assert str(half - 1) in text(short)  # the typed amount is still there

    wrong_order = post_form(client, url, schedule_form(agreement, [final, interim], [
        (agreement.amount, TODAY, "on_signing", None)]))
    assert wrong_order.status_code == 400 and "exactly one final report, and it must come last" in text(wrong_order)

    half_line = schedule_form(agreement, [interim, final], [(agreement.amount, TODAY, "on_signing", None)])
    half_line["tranches-1-amount"] = "100"
    incomplete = post_form(client, url, half_line)
    assert incomplete.status_code == 400 and "Give the amount, the planned date and the condition." in text(incomplete)

    no_report = post_form(client, url, schedule_form(agreement, [interim, final], [
        (half, TODAY, "on_signing", None), (agreement.amount - half, TODAY, "report_accepted", 5)]))
    assert no_report.status_code == 400 and "Give the No. of a report in the schedule" in text(no_report)

    # a blank line between reports is dropped, and the tranche still names the report by its line
    rows = schedule_form(agreement, [interim], [(half, TODAY, "on_signing", None),
                                                (agreement.amount - half, TODAY + timedelta(days=320),
                                                 "report_accepted", 3)])
    rows.update({k.replace("reports-0", "reports-2"): v for k, v in schedule_form(agreement, [final], [])
                 .items() if k.startswith("reports-0")})
    done = post_form(client, url, rows)
    assert done.status_code == 302, re.findall(r'class="(?:error|flash flash-error)"[^>]*>(.*?)<', text(done))
    agreement = fresh(agreement)
    assert [r.kind for r in agreement.reports] == ["interim", "final"]
    assert agreement.tranches[1].report_id == agreement.reports[1].id
    form = text(client.get(url))
    assert str(agreement.tranches[1].amount) in form  # pre-filled with the schedule


def test_signing_needs_the_schedule_and_the_signed_copy(app):
    client = as_operator(app)
    agreement = draft(app)
    refused = act(client, agreement, "sign", {"signed_on": TODAY.isoformat()})
    assert refused.status_code == 400 and "Set the schedule" in text(refused)
    agreement = create_agreement(sign=False)
    refused = act(client, agreement, "sign", {"signed_on": TODAY.isoformat()})
    assert refused.status_code == 400 and "Upload the signed copy" in text(refused)
    missing = act(client, agreement, "sign", {"signed_on": ""})
    assert missing.status_code == 400 and "Give the date." in text(missing)

    upload = client.post(f"{page_of(agreement)}/documents", data={
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text(client.get(
            page_of(agreement)))).group(1),
        "document_kind": "signed_copy", "document_file": (io.BytesIO(PDF), "signed.pdf")},
        content_type="multipart/form-data")
    assert upload.status_code == 302
    signed = act(client, agreement, "sign", {"signed_on": TODAY.isoformat()})
    assert signed.status_code == 302
    agreement = fresh(agreement)
    assert agreement.status == "active" and agreement.signed_on == TODAY
    document = agreement.signed_copy
    url = f"/agreements/{agreement.id}/documents/{document.id}"
    with client.get(url) as download:
        assert download.status_code == 200 and download.data == PDF
    with signed_in(app, agreement.organization.memberships[0].user).get(url) as download:
        assert download.data == PDF
    with signed_in(app, create_user("applicant")).get(url) as download:
        assert download.status_code == 403
    assert "Schedule of reports and tranches set" in text(client.get(page_of(agreement)))


# --- paying -------------------------------------------------------------------------------------

def test_a_tranche_waiting_on_a_report_is_refused_with_the_reason_and_paid_once(app):
    client = as_operator(app)
    agreement = create_agreement()
    first, second, _third = agreement.tranches
    page = text(client.get(page_of(agreement)))
    assert "report 1 is not accepted yet" in page
    assert f"/manage/tranches/{first.id}/pay" in page and f"/manage/tranches/{second.id}/pay" not in page

    early = post_form(client, f"/manage/tranches/{second.id}/pay",
                      {"paid_on": TODAY.isoformat(), "payment_reference": "ПП-2"}, page=page_of(agreement))
    assert early.status_code == 400
    assert "This tranche is not payable: report 1 is not accepted yet." in text(early)

    no_reference = post_form(client, f"/manage/tranches/{first.id}/pay", {"paid_on": TODAY.isoformat()},
                             page=page_of(agreement))
    assert no_reference.status_code == 400 and "Give the payment order" in text(no_reference)
    paid = post_form(client, f"/manage/tranches/{first.id}/pay",
                     {"paid_on": TODAY.isoformat(), "payment_reference": "ПП-1"}, page=page_of(agreement))
    assert paid.status_code == 302
    twice = post_form(client, f"/manage/tranches/{first.id}/pay",
                      {"paid_on": TODAY.isoformat(), "payment_reference": "ПП-1bis"}, page=page_of(agreement))
    assert twice.status_code == 400 and "already paid" in text(twice)
    totals = queries.totals([agreement.id])[agreement.id]
    assert totals.paid == first.amount
    page = text(client.get(page_of(agreement)))
    assert "ПП-1" in page and format_money(first.amount) in page and "Tranche paid" in page

    accept_report(agreement.reports[0])
    assert f"/manage/tranches/{second.id}/pay" in text(client.get(page_of(agreement)))


def test_the_page_links_a_submitted_report_for_review_and_tells_its_story(app):
    client = as_operator(app)
    agreement = create_agreement()
    report = agreement.reports[0]
    owner = agreement.organization.memberships[0].user
    fill(report, owner)
    reports.submit(owner, report)
    db.session.commit()
    page = text(client.get(page_of(agreement)))
    assert f'href="/manage/reports/{report.id}"' in page and f'href="/reports/{report.id}"' in page
    history = page[page.index('id="timeline"'):]
    assert history.index("Report submitted") < history.index("Evidence attached to a report") < history.index(
        "Agreement signed") < history.index("Agreement drawn up")  # newest first
    grantee = text(signed_in(app, owner).get(f"/agreements/{agreement.id}"))
    assert "/manage/reports/" not in grantee and "/manage/tranches/" not in grantee
    assert f'href="/reports/{report.id}"' in grantee


# --- suspending, completing, terminating, refunds -------------------------------------------------

def test_suspension_needs_a_reason_and_resuming_brings_the_agreement_back(app):
    client = as_operator(app)
    agreement = create_agreement()
    refused = act(client, agreement, "suspend", {"suspension_reason": "  "})
    assert refused.status_code == 400 and "Give the reason for the suspension." in text(refused)
    assert act(client, agreement, "suspend", {"suspension_reason": "Проверка"}).status_code == 302
    agreement = fresh(agreement)
    assert agreement.status == "suspended" and agreement.suspension_reason == "Проверка"
    page = text(client.get(page_of(agreement)))
    assert "Проверка" in page and "the agreement is suspended" in page  # tranches blocked while suspended
    assert act(client, agreement, "resume").status_code == 302
    assert fresh(agreement).status == "active"
    again = act(client, agreement, "resume")
    assert again.status_code == 400 and "cannot be done now" in text(again)


def test_completion_waits_for_the_accepted_final_report(app):
    client = as_operator(app)
    agreement = create_agreement()
    refused = act(client, agreement, "complete", {"completed_on": TODAY.isoformat()})
    assert refused.status_code == 400 and "once its final report is accepted" in text(refused)
    accept_report(agreement.reports[0])
    accept_report(agreement.reports[1])
    assert act(client, agreement, "complete", {"completed_on": TODAY.isoformat()}).status_code == 302
    agreement = fresh(agreement)
    assert agreement.status == "completed" and agreement.completed_on == TODAY
    assert "Agreement completed" in text(client.get(page_of(agreement)))


def test_termination_refund_and_repayments_are_bounded_by_what_was_paid(app):
    client = as_operator(app)
    agreement = create_agreement()
    first = agreement.tranches[0]
    agreements.pay(operator(), first, TODAY, "ПП-1")
    db.session.commit()
    data = {"ground": "misuse", "termination_reason": "Нецелевое использование",
            "terminated_on": TODAY.isoformat()}
    too_much = act(client, agreement, "terminate", {**data, "refund_due": str(first.amount + 1)})
    assert too_much.status_code == 400 and "more than was paid" in text(too_much)
    assert "Нецелевое использование" in text(too_much)  # the reason typed is kept
    no_reason = act(client, agreement, "terminate", {**data, "termination_reason": "", "refund_due": "0"})
    assert no_reason.status_code == 400 and "Give the reason for the termination." in text(no_reason)
    due = Decimal("100000.00")
    assert act(client, agreement, "terminate", {**data, "refund_due": str(due)}).status_code == 302
    agreement = fresh(agreement)
    assert agreement.status == "terminated" and agreement.refund_due == due

    over = act(client, agreement, "repayments", {"repayment_amount": "100000.01", "received_on": TODAY.isoformat(),
                                                 "repayment_reference": "В-1"})
    assert over.status_code == 400 and "more than the balance to return" in text(over)
    ok = act(client, agreement, "repayments", {"repayment_amount": "40000", "received_on": TODAY.isoformat(),
                                               "repayment_reference": "В-1"})
    assert ok.status_code == 302
    page = text(client.get(page_of(agreement)))
    assert "В-1" in page and format_money(Decimal("60000.00")) in page and "Refund received" in page
    assert queries.totals([agreement.id])[agreement.id].refund_balance == Decimal("60000.00")


# --- budget amendments ----------------------------------------------------------------------------

def two_lines(agreement):
    """The agreement's single budget line split in two, the total unchanged."""
    first = agreement.budget_lines[0]
    first.planned -= Decimal("100000.00")
    agreement.budget_lines.append(AgreementBudgetLine(position=1, item="Аренда зала", planned=Decimal("100000.00")))
    db.session.commit()
    return agreement.budget_lines


def amendment_data(agreement, plans, reason="Перенос средств"):
    data = {"amendment_reason": reason}
    for i, line in enumerate(agreement.budget_lines):
        data[f"lines-{i}-line_id"] = str(line.id)
        data[f"lines-{i}-planned"] = str(plans.get(line.id, line.planned))
    return data


def test_an_amendment_that_changes_the_total_or_goes_below_spending_is_refused(app):
    agreement = create_agreement()
    owner = agreement.organization.memberships[0].user
    first, second = two_lines(agreement)
    accept_report(agreement.reports[0])  # 1 000 spent on the first line
    grantee = signed_in(app, owner)
    url, page = f"/agreements/{agreement.id}/amendments", f"/agreements/{agreement.id}"
    assert "Propose a budget amendment" in text(grantee.get(page))

    total = post_form(grantee, url, amendment_data(agreement, {first.id: first.planned + 1}), page=page)
    assert total.status_code == 400 and "must still add up to" in text(total)
    assert str(first.planned + 1) in text(total)
    below = post_form(grantee, url, amendment_data(agreement, {first.id: Decimal("999.00"),
                                                               second.id: second.planned + first.planned - 999}),
                      page=page)
    assert below.status_code == 400 and "spent already" in text(below)
    no_reason = post_form(grantee, url, amendment_data(agreement, {}, reason=""), page=page)
    assert no_reason.status_code == 400 and "Explain why the budget should change." in text(no_reason)
    assert db.session.execute(sa.select(sa.func.count()).select_from(BudgetAmendment)).scalar_one() == 0


def test_an_approved_amendment_changes_the_plan_and_is_audited(app):
    agreement = create_agreement()
    owner = agreement.organization.memberships[0].user
    first, second = two_lines(agreement)
    plans = first.planned, second.planned
    grantee = signed_in(app, owner)
    page = f"/agreements/{agreement.id}"
    moved = post_form(grantee, f"{page}/amendments", amendment_data(
        agreement, {first.id: first.planned - 500, second.id: second.planned + 500}), page=page)
    assert moved.status_code == 302
    amendment = db.session.execute(sa.select(BudgetAmendment)).scalar_one()

    client = as_operator(app)
    assert "Перенос средств" in text(client.get(page_of(agreement)))
    decide = f"/manage/amendments/{amendment.id}/decide"
    no_note = post_form(client, decide, {"decision": "reject", "decision_note": ""}, page=page_of(agreement))
    assert no_note.status_code == 400 and "Give the reason for the rejection" in text(no_note)
    assert post_form(client, decide, {"decision": "approve"}, page=page_of(agreement)).status_code == 302
    agreement = fresh(agreement)
    assert [line.planned for line in agreement.budget_lines] == [plans[0] - 500, plans[1] + 500]
    assert db.session.get(BudgetAmendment, amendment.id).state == AmendmentState.approved
    verbs = db.session.execute(sa.select(AuditEvent.verb).where(
        AuditEvent.object_type == "Agreement", AuditEvent.object_id == str(agreement.id))).scalars().all()
    assert {"agreement.propose_amendment", "agreement.amend_budget", "agreement.decide_amendment"} <= set(verbs)
    assert "Budget amended" in text(client.get(page_of(agreement)))
    assert "Approved" in text(grantee.get(page))


# --- who sees what --------------------------------------------------------------------------------

def test_the_agreement_pages_open_only_to_those_concerned(app):
    active = create_agreement()
    draft_one = create_agreement(sign=False)
    url = f"/agreements/{active.id}"

    def client_for(user):
        return signed_in(app, user)

    someone_else = create_user("applicant")
    create_organization(owner=someone_else)
    other_ngo = client_for(someone_else)
    assert other_ngo.get(url).status_code == 403
    assert other_ngo.post(f"{url}/amendments").status_code in (400, 403)
    owner = client_for(active.organization.memberships[0].user)
    assert owner.get(url).status_code == 200
    listing = text(owner.get("/agreements"))
    assert active.number in listing and draft_one.number not in listing

    observer = client_for(create_user("observer"))
    assert observer.get(url).status_code == 200
    assert "Propose a budget amendment" not in text(observer.get(url))
    assert observer.get(f"/agreements/{draft_one.id}").status_code == 403
    listing = text(observer.get("/agreements"))
    assert active.number in listing and draft_one.number not in listing

    customer = create_user("customer")
    customer.customer_body_id = active.call.customer_id
    stranger = create_user("customer")
    db.session.commit()
    assert client_for(customer).get(url).status_code == 200
    assert client_for(stranger).get(url).status_code == 403
    assert active.number not in text(client_for(stranger).get("/agreements"))

    assert client_for(create_user("expert")).get(url).status_code == 403
    assert client_for(create_user("applicant")).get(page_of(active)).status_code == 403
    staff = as_operator(app)
    assert staff.get("/agreements").location.endswith("/manage/agreements")



# --- the monitoring board --------------------------------------------------------------------------

def money_on(html, label):
    """The figure shown next to a label of a facts list."""
    match = re.search(re.escape(label) + r"</dt><dd[^>]*>([^<]+)</dd>", html)
    assert match, label
    return match.group(1)


def tenge(shown):
    """A figure as the English interface shows it (1,234.56 ₸), back to Decimal."""
    return Decimal(shown.replace(",", "").replace("\u00a0₸", ""))


def a_varied_world():
    """Agreements in several states and regions, with payments, accepted spending and a refund."""
    paid = create_agreement()
    agreements.pay(operator(), paid.tranches[0], TODAY, "ПП-1")
    accept_report(paid.reports[0])
    agreements.pay(operator(), paid.tranches[1], TODAY, "ПП-2")
    refunded = create_agreement()
    refunded.organization.region = db.session.execute(sa.select(Region).where(Region.kato == "430000000")).scalar_one()
    agreements.pay(operator(), refunded.tranches[0], TODAY, "ПП-3")
    agreements.terminate(operator(), refunded, "misuse", "Нецелевое", Decimal("5000.00"), TODAY)
    agreements.record_repayment(operator(), refunded, Decimal("1234.56"), TODAY, "В-1")
    unsigned = create_agreement(sign=False)
    db.session.commit()
    return paid, refunded, unsigned


def test_the_boards_totals_are_the_sum_of_the_agreement_pages_and_of_the_export(app):
    client = as_operator(app)
    world = a_varied_world()
    board = text(client.get("/manage/agreements"))
    labels = {"amount": "Amount", "paid": "Paid", "spent": "Spent in accepted reports", "refunded": "Refunded"}
    shown = {field: Decimal("0.00") for field in labels}
    for agreement in world:
        page = text(client.get(page_of(agreement)))
        for field, label in labels.items():
            if field == "refunded" and agreement.status != "terminated":
                continue  # only a terminated agreement's page speaks of refunds
            shown[field] += tenge(money_on(page, label))
    # Worked out from what a_varied_world did, not asked of queries.totals, which every view below uses:
    # three agreements of 3 000 000 (10 days of training at 300 000); paid: 50 % and 30 % of the first,
    # 50 % of the second; 1 000 spent in the accepted report; 1 234,56 repaid.
    expected = {"amount": Decimal("9000000.00"), "paid": Decimal("1500000.00") + Decimal("900000.00")
                + Decimal("1500000.00"), "spent": Decimal("1000.00"), "refunded": Decimal("1234.56")}
    sums = queries.board_totals(queries.board_query({}))
    for field, label in labels.items():
        assert getattr(sums, field) == shown[field] == expected[field], field
        assert tenge(money_on(board, label)) == expected[field]
    assert queries.board_totals([a.id for a in world]) == sums

    export = client.get("/manage/agreements.xlsx")
    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:O{len(rows) - 1}"
    assert len(body) == 3 and sorted(r[0] for r in body) == sorted(a.number for a in world)
    money = [header.index(h) for h in ("Amount, tenge", "Paid, tenge", "Spent, tenge", "Refunded, tenge")]
    for i, field in zip(money, ("amount", "paid", "spent", "refunded"), strict=True):
        assert Decimal(str(total[i])).quantize(Decimal("0.01")) == expected[field]
        assert sum(Decimal(str(r[i])) for r in body).quantize(Decimal("0.01")) == expected[field]
    assert sheet.cell(row=2, column=money[0] + 1).number_format == "#,##0.00"

    filtered = client.get("/manage/agreements.xlsx?status=terminated")
    rows = list(load_workbook(io.BytesIO(filtered.data)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:-1]] == [world[1].number]
    assert Decimal(str(rows[-1][money[3]])).quantize(Decimal("0.01")) == Decimal("1234.56")


def test_the_export_neutralises_formulas_typed_into_names(app):
    client = as_operator(app)
    agreement = create_agreement()
    agreement.organization.name_ru = agreement.organization.name_kk = '=HYPERLINK("http://evil")'
    db.session.commit()
    sheet = load_workbook(io.BytesIO(client.get("/manage/agreements.xlsx").data)).active
    assert sheet.cell(row=2, column=2).value == "'=HYPERLINK(\"http://evil\")"
    assert sheet.cell(row=2, column=2).data_type == "s"


def test_the_board_filters_by_status_region_and_overdue_and_paginates(app):
    client = as_operator(app)
    paid, refunded, unsigned = a_varied_world()
    board = text(client.get("/manage/agreements?status=draft"))
    assert unsigned.number in board and paid.number not in board and refunded.number not in board
    region = refunded.organization.region_id
    board = text(client.get(f"/manage/agreements?region={region}"))
    assert refunded.number in board and paid.number not in board
    board = text(client.get(f"/manage/agreements?call={paid.topic.call_id}"))
    assert paid.number in board and unsigned.number not in board

    late = create_agreement()
    report = late.reports[0]
    report.due_on = TODAY - timedelta(days=1)  # the interim report is late
    db.session.commit()
    board = text(client.get("/manage/agreements?overdue=1"))
    assert late.number in board and paid.number not in board and unsigned.number not in board
    found = report_queries.overdue(TODAY)
    assert {r.agreement_id for r in found.reports} | {t.agreement_id for t, _why in found.tranches} == {late.id}
    assert "Overdue</span>" in text(client.get(f"/manage/agreements?call={late.topic.call_id}"))

    agreements.suspend(operator(), paid, "Проверка")  # its unpaid tranches are now blocked…
    paid.tranches[2].planned_on = TODAY - timedelta(days=1)  # …and one is past its date
    db.session.commit()
    board = text(client.get("/manage/agreements?overdue=1"))
    assert paid.number in board and late.number in board and refunded.number not in board
    late_ones = queries.totals([paid.id, late.id])
    sums = queries.board_totals(queries.board_query({"overdue": "1"}))
    assert sums.spent == Decimal("1000.00") and sums.refunded == 0
    assert sums.paid == sum((t.paid for t in late_ones.values()), Decimal("0.00"))
    assert money_on(board, "Paid") == format_money(sums.paid)
    board = text(client.get(f"/manage/agreements?region={region}&status=terminated"))
    assert money_on(board, "Refunded") == format_money(Decimal("1234.56"))
    assert money_on(board, "Amount") == format_money(refunded.amount)

    for _ in range(48):
        agreements.draw_up(operator(), create_awarded_application(), TODAY, TODAY + timedelta(days=30))
    db.session.commit()
    first = text(client.get("/manage/agreements"))
    assert "Page 1 of 2" in first and first.count("/manage/agreements/") - first.count("/manage/agreements/?") >= 50
    second = text(client.get("/manage/agreements?page=2&status=&sort=number"))
    numbers = sorted(a.number for a in db.session.execute(sa.select(Agreement)).scalars())
    assert numbers[-1] in second and numbers[0] not in second


def count_queries(client, url):
    seen = []

    def count(*_args):
        seen.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_the_boards_query_count_does_not_grow_with_its_rows(app):
    client = as_operator(app)
    for _ in range(3):
        create_agreement()
    client.get("/manage/agreements")
    few = count_queries(client, "/manage/agreements")
    for _ in range(9):
        create_agreement()
    many = count_queries(client, "/manage/agreements")
    assert few == many
    assert text(client.get("/manage/agreements")).count('class="badge badge-active"') == 12


# --- state social order contracts, the timeline ---------------------------------------------------

def test_a_state_social_order_contract_is_registered_only_with_the_winner_at_its_offered_price(app):
    client = as_operator(app)
    winner = create_sso_winner()
    sso, supplier = winner.call, winner.organization
    create_call()  # a grant call: its topics are not offered
    loser = create_organization(owner=create_user("applicant"))
    board = text(client.get("/manage/agreements"))
    assert "Register the contract" in board and f"supplier_bin={supplier.bin}" in board
    form = text(client.get(f"/manage/contracts/new?topic_id={sso.topics[0].id}&supplier_bin={supplier.bin}"
                           "&price=3000000.00"))
    assert sso.code in form and f'value="{supplier.bin}"' in form and 'value="3000000.00"' in form
    assert client.get("/manage/contracts/new?price=abc&topic_id=x").status_code == 200  # bad arguments: ignored
    data = {"topic_id": str(sso.topics[0].id), "supplier_bin": supplier.bin, "contract_number": "ГЗ-17",
            "procurement_ref": "P-2026-55", "price": "3000000", "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + timedelta(days=200)).isoformat(), "title": "", "language": "kk"}
    unknown = post_form(client, "/manage/contracts/new", {**data, "supplier_bin": make_bin(4242)})
    assert unknown.status_code == 400 and "the NGO must register first" in text(unknown) and "ГЗ-17" in text(unknown)
    not_winner = post_form(client, "/manage/contracts/new", {**data, "supplier_bin": loser.bin})
    assert not_winner.status_code == 400 and "did not win it" in text(not_winner)
    other_price = post_form(client, "/manage/contracts/new", {**data, "price": "4500000"})
    # the offered price, worked out from the factory's budget: 10 days of training at 300 000
    assert other_price.status_code == 400 and "offered price, 3,000,000.00" in html.unescape(text(other_price))
    assert db.session.execute(sa.select(sa.func.count()).select_from(Agreement)).scalar_one() == 0
    made = post_form(client, "/manage/contracts/new", data)
    assert made.status_code == 302
    contract = db.session.execute(sa.select(Agreement).where(Agreement.kind == "sso_contract")).scalar_one()
    assert contract.organization_id == supplier.id and contract.amount == Decimal("3000000.00")
    assert contract.application_id == winner.id
    page = text(client.get(page_of(contract)))
    assert "ГЗ-17" in page and "P-2026-55" in page and "Contract registered" in page
    again = post_form(client, "/manage/contracts/new", {**data, "contract_number": "ГЗ-18"})
    assert again.status_code == 400 and "already has contract" in text(again)
    with pytest.raises(agreements.AgreementError, match="register the contract"):
        agreements.draw_up(operator(), winner, TODAY, TODAY + timedelta(days=200))


def test_today_is_the_day_in_astana_not_the_servers(app, monkeypatch):
    import datetime as dt

    from grants import i18n

    class LateEvening(dt.datetime):
        """23:30 UTC on 23 November: already 04:30 on 24 November in Astana."""

        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC).astimezone(tz)

    monkeypatch.setattr(i18n, "datetime", LateEvening)
    assert astana_today() == date(2026, 11, 24)
    agreement = create_agreement()
    assert agreement.signed_on == date(2026, 11, 24)
    tranche = agreement.tranches[0]
    with pytest.raises(agreements.AgreementError, match="future"):
        agreements.pay(operator(), tranche, date(2026, 11, 25), "ПП-25")
    # the operator pays on the Astana date: not "in the future", as the server's UTC date would have it
    agreements.pay(operator(), tranche, date(2026, 11, 24), "ПП-24")
    assert tranche.paid_on == date(2026, 11, 24)
