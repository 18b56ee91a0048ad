"""Reports: the NGO files them with evidence; the operator accepts or returns; late ones are chased."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from grants.agreements import services as agreements
from grants.agreements.schedule import ReportRow, TrancheRow, schedule
from grants.extensions import db
from grants.i18n import astana_today
from grants.jobs import get_queue
from grants.mail import OutboxMessage
from grants.monitoring import queries as report_queries
from grants.monitoring import services as reports
from grants.monitoring.models import ReportStatus
from grants.monitoring.views import sheet
from tests.conftest import csrf_token, post_form
from tests.factories import (
    PDF,
    PNG,
    create_agreement,
    create_organization,
    create_user,
    fill_report,
    operator,
    owner_of,
    reload_report,
    review_post,
    signed_in,
    submitted_report,
)


def form_for(agreement, **overrides):
    """What an NGO types into the report form: a complete interim report."""
    indicator, line, activity = agreement.indicators[0], agreement.budget_lines[0], agreement.activities[0]
    data = {"revision": "0", "narrative": "Провели три тренинга для волонтеров в Алматы.", "beneficiaries": "40",
            "reach": "95", "women": "24", "men": "16", "under_18": "10", "from_18_to_34": "20", "from_35_to_62": "8",
            "over_62": "2", "jobs_created": "3", "cofunding": "250 000,50", "services_delivered": "12",
            "volunteers": "15", f"actual_{indicator.id}": "45", f"comment_{indicator.id}": "Набор идет по плану",
            f"spent_{line.id}": "1 200 000", f"done_{activity.id}": "y", f"note_{activity.id}": "Проведено три дня"}
    data.update(overrides)
    return data


def mails_about(agreement):
    """The NGO's mail about the agreement (it also had mail about its application)."""
    return db.session.execute(sa.select(OutboxMessage).where(
        OutboxMessage.to == owner_of(agreement).email, OutboxMessage.subject.contains(agreement.number))
        .order_by(OutboxMessage.id)).scalars().all()


# --- the NGO writes ---------------------------------------------------------------------------------------

def test_the_ngo_saves_its_report_and_reads_it_whole(app):
    agreement = create_agreement()
    report = agreement.reports[0]
    client = signed_in(app, owner_of(agreement))
    assert client.get(f"/reports/{report.id}/edit").status_code == 200
    response = post_form(client, f"/reports/{report.id}/edit", form_for(agreement, then="review"))
    assert response.status_code == 302 and response.location.endswith(f"/reports/{report.id}")
    report = reload_report(report)
    assert (report.beneficiaries, report.reach, report.women, report.over_62) == (40, 95, 24, 2)
    assert report.cofunding == Decimal("250000.50")
    assert report.indicators[0].actual == Decimal("45") and report.spending[0].spent == Decimal("1200000.00")
    assert report.activities[0].done and report.activities[0].note == "Проведено три дня"
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "Провели три тренинга" in page
    assert "45 %" in page  # 45 of a target of 100
    assert "250,000.50" in page and "1,200,000.00" in page and "1,800,000.00" in page  # spent, and left of 3 000 000
    assert f'href="/agreements/{agreement.id}"' in page
    # Still missing: evidence for the activity marked done. The page says so before submission.
    assert "What is still missing before you can submit" in page and "Attach a photo or document" in page
    # Saving again updates the same lines.
    again = post_form(client, f"/reports/{report.id}/edit", form_for(agreement, revision=str(report.revision),
                                                                     narrative="Исправлено."))
    assert again.status_code == 302
    assert reload_report(report).narrative == "Исправлено." and len(reload_report(report).indicators) == 1


def test_bad_figures_are_refused_and_nothing_typed_is_lost(app):
    agreement = create_agreement()
    report = agreement.reports[0]
    client = signed_in(app, owner_of(agreement))
    response = post_form(client, f"/reports/{report.id}/edit",
                         form_for(agreement, narrative="Текст, который нельзя потерять.", women="-3", reach="5"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Текст, который нельзя потерять." in page
    assert "cannot be less than the unique beneficiaries" in page
    assert reload_report(report).narrative == ""


def test_a_save_from_a_stale_window_is_refused_and_the_text_kept(app):
    agreement = create_agreement()
    report = agreement.reports[0]
    reports.save(owner_of(agreement), report, {"narrative": "Из другого окна."})
    db.session.commit()
    client = signed_in(app, owner_of(agreement))
    response = post_form(client, f"/reports/{report.id}/edit", form_for(agreement, narrative="Мой текст.",
                                                                        revision="0"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "changed in another window" in page and "Мой текст." in page
    assert reload_report(report).narrative == "Из другого окна."


def test_a_report_of_another_ngo_is_refused(app):
    agreement = create_agreement()
    report = agreement.reports[0]
    stranger = create_user("applicant")
    create_organization(owner=stranger)
    client = signed_in(app, stranger)
    assert client.get(f"/reports/{report.id}").status_code == 403
    assert client.get(f"/reports/{report.id}/edit").status_code == 403
    assert post_form(client, f"/reports/{report.id}/edit", form_for(agreement), page="/").status_code == 403
    assert post_form(client, f"/reports/{report.id}/submit", page="/").status_code == 403
    token = csrf_token(client, "/")
    upload = client.post(f"/reports/{report.id}/evidence", content_type="multipart/form-data",
                         data={"csrf_token": token, "file": (io.BytesIO(PDF), "act.pdf")})
    assert upload.status_code == 403
    with pytest.raises(reports.ReportError, match="Only the staff of"):
        reports.save(stranger, report, {"narrative": "Чужой отчет"})
    db.session.rollback()
    with pytest.raises(reports.ReportError):
        reports.submit(stranger, report)
    db.session.rollback()
    assert reload_report(report).narrative == ""


# --- submission --------------------------------------------------------------------------------------------

def test_an_empty_report_is_not_submitted_and_the_page_lists_what_is_missing(app):
    agreement = create_agreement()
    report = agreement.reports[0]
    client = signed_in(app, owner_of(agreement))
    response = post_form(client, f"/reports/{report.id}/submit", page=f"/reports/{report.id}")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Describe what the project did in the period." in page
    assert "Give the actual value of" in page
    assert reload_report(report).status == ReportStatus.draft


def test_submission_is_refused_until_the_figures_add_up_and_every_done_activity_has_evidence(app):
    agreement = create_agreement()
    report = agreement.reports[0]
    owner = owner_of(agreement)
    fill_report(report, owner, evidence=False)
    reports.save(owner, report, {"narrative": "", "beneficiaries": 10, "reach": 25, "women": 6, "men": 3,
                                 "under_18": 2, "from_18_to_34": 5, "from_35_to_62": 3, "over_62": 0})
    found = reports.problems(report)
    assert "Describe what the project did in the period." in found
    assert "Women and men add up to 9; the unique beneficiaries are 10." in found
    assert any("Attach a photo or document for the activity reported done" in p for p in found)
    with pytest.raises(reports.ReportError, match="Describe what the project did"):
        reports.submit(owner, report)
    db.session.rollback()
    fill_report(report, owner)
    assert reports.problems(report) == []
    reports.submit(owner, report)
    assert report.status == ReportStatus.submitted
    with pytest.raises(reports.ReportError, match="can no longer be changed"):
        reports.save(owner, report, {"narrative": "После подачи"})


def test_spending_above_a_lines_plan_needs_an_approved_amendment(app):
    agreement = create_agreement()
    report = agreement.reports[0]
    owner = owner_of(agreement)
    plan = agreement.budget_lines[0].planned
    fill_report(report, owner, spent=plan + Decimal("0.01"))
    db.session.commit()
    with pytest.raises(reports.ReportError, match="Propose a budget amendment first"):
        reports.submit(owner, report)
    db.session.rollback()
    client = signed_in(app, owner)
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "Propose a budget amendment first" in page


# --- the operator's review ------------------------------------------------------------------------------

def test_accepting_makes_the_next_tranche_payable_and_tells_the_ngo(app):
    report = submitted_report()
    agreement = report.agreement
    second = agreement.tranches[1]
    assert agreements.tranche_state(second)[0] == "blocked"
    client = signed_in(app, operator())
    queue = client.get("/manage/reports").get_data(as_text=True)
    assert agreement.number in queue and f"/manage/reports/{report.id}" in queue
    page = client.get(f"/manage/reports/{report.id}").get_data(as_text=True)
    assert "Tranche 2, 900,000.00" in page and "becomes payable once the report is accepted" in page
    response = review_post(client, report, "accept", {"comment": "Хороший отчет."})
    assert response.status_code == 302
    report = reload_report(report)
    assert report.status == ReportStatus.accepted and report.review_comment == "Хороший отчет."
    assert agreements.tranche_state(report.agreement.tranches[1]) == ("payable", None)
    assert "Tranche 2, 900,000.00\u00a0₸, is payable." in client.get(response.location).get_data(as_text=True)
    message = mails_about(agreement)[0]
    assert agreement.number in message.subject and f"/reports/{report.id}" in message.body
    assert "/manage/reports/" not in client.get("/manage/reports").get_data(as_text=True).split("<main")[1]
    # Accepted once; neither accepted again nor returned.
    with pytest.raises(reports.ReportError, match="Only a submitted report"):
        reports.accept(operator(), report)
    with pytest.raises(reports.ReportError, match="Only a submitted report"):
        reports.return_for_revision(operator(), report, "Поздно", astana_today() + timedelta(days=5))


def test_a_draft_is_neither_accepted_nor_returned(app):
    agreement = create_agreement()
    report = agreement.reports[0]
    with pytest.raises(reports.ReportError, match="Only a submitted report"):
        reports.accept(operator(), report)
    client = signed_in(app, operator())
    response = review_post(client, report, "accept", {})
    assert response.status_code == 400 and "Only a submitted report" in response.get_data(as_text=True)
    assert reload_report(report).status == ReportStatus.draft


def test_a_return_needs_a_comment_and_a_future_date(app):
    report = submitted_report()
    client = signed_in(app, operator())
    later = (astana_today() + timedelta(days=14)).isoformat()
    response = review_post(client, report, "return", {"comment": "", "due_on": later})
    assert response.status_code == 400
    assert "Say what must be corrected: the NGO reads it." in response.get_data(as_text=True)
    response = review_post(client, report, "return", {"comment": "Приложите акты.",
                                                      "due_on": astana_today().isoformat()})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The new due date must be after today." in page and "Приложите акты." in page
    assert reload_report(report).status == ReportStatus.submitted
    with pytest.raises(reports.ReportError, match="Say what must be corrected"):
        reports.return_for_revision(operator(), report, "  ", astana_today() + timedelta(days=3))


def test_a_returned_report_is_editable_again_with_its_new_due_date_and_the_ngo_is_told(app):
    report = submitted_report()
    agreement = report.agreement
    later = astana_today() + timedelta(days=14)
    client = signed_in(app, operator())
    response = review_post(client, report, "return", {"comment": "Приложите фото тренинга.",
                                                      "due_on": later.isoformat()})
    assert response.status_code == 302
    report = reload_report(report)
    assert report.status == ReportStatus.returned and report.due_on == later and report.returns == 1
    message = mails_about(agreement)[0]
    assert "Приложите фото тренинга." in message.body and later.strftime("%d.%m.%Y") in message.body
    ngo = signed_in(app, owner_of(agreement))
    page = ngo.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "Приложите фото тренинга." in page and later.strftime("%d.%m.%Y") in page
    assert ngo.get(f"/reports/{report.id}/edit").status_code == 200
    assert post_form(ngo, f"/reports/{report.id}/submit", page=f"/reports/{report.id}").status_code == 302
    assert reload_report(report).status == ReportStatus.submitted


def test_observers_see_an_accepted_report_but_not_a_draft(app):
    report = submitted_report()
    evidence = report.evidence[0]
    observer = signed_in(app, create_user("observer"))
    assert observer.get(f"/reports/{report.id}").status_code == 403
    assert observer.get(f"/reports/{report.id}/evidence/{evidence.id}").status_code == 403
    assert observer.get(f"/manage/reports/{report.id}").status_code == 403
    reports.accept(operator(), report)
    db.session.commit()
    page = observer.get(f"/reports/{report.id}")
    assert page.status_code == 200 and "Провели тренинги." in page.get_data(as_text=True)
    assert "Submit the report" not in page.get_data(as_text=True)
    with observer.get(f"/reports/{report.id}/evidence/{evidence.id}") as response:
        assert response.status_code == 200 and response.data == PDF


def test_the_agreement_page_links_a_report_only_for_whom_it_opens(app):
    """Observers were shown "Open" on a report not yet accepted, which then answered 403."""
    report = submitted_report()
    agreement = report.agreement
    link = f'href="/reports/{report.id}"'
    observer = signed_in(app, create_user("observer"))
    ngo = signed_in(app, owner_of(agreement))
    assert link not in observer.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert link in ngo.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    reports.accept(operator(), report)
    db.session.commit()
    assert link in observer.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert observer.get(f"/reports/{report.id}").status_code == 200


def test_the_queue_and_the_review_are_the_operators(app):
    report = submitted_report()
    ngo = signed_in(app, owner_of(report.agreement))
    assert ngo.get("/manage/reports").status_code == 403
    assert ngo.get(f"/manage/reports/{report.id}").status_code == 403
    assert post_form(ngo, f"/manage/reports/{report.id}/accept", page="/").status_code == 403


# --- evidence -----------------------------------------------------------------------------------------------

def upload(client, report, content, name, activity_id="", caption=""):
    token = csrf_token(client, f"/reports/{report.id}")
    return client.post(f"/reports/{report.id}/evidence", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(content), name), "activity_id": activity_id,
                             "caption": caption})


def test_a_false_file_is_refused_with_the_reason_and_a_photo_is_shown(app):
    agreement = create_agreement()
    report = agreement.reports[0]
    activity = agreement.activities[0]
    client = signed_in(app, owner_of(agreement))
    refused = upload(client, report, b"not a pdf", "x.pdf", str(activity.id), "Акт выполненных работ")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Only PDF, DOCX, XLSX, JPG and PNG files are accepted" in page and "Акт выполненных работ" in page
    assert reload_report(report).evidence == []
    assert upload(client, report, PNG, "тренинг.png", str(activity.id), "Тренинг").status_code == 302
    photo = reload_report(report).evidence[0]
    assert photo.kind == "photo" and photo.activity_id == activity.id
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert f'<img src="/reports/{report.id}/evidence/{photo.id}"' in page
    with client.get(f"/reports/{report.id}/evidence/{photo.id}") as response:
        assert response.mimetype == "image/png" and "attachment" not in response.headers.get(
            "Content-Disposition", "")
    assert upload(client, report, PDF, "акт.pdf").status_code == 302
    document = reload_report(report).evidence[1]
    with client.get(f"/reports/{report.id}/evidence/{document.id}") as response:
        assert response.data == PDF and "attachment" in response.headers["Content-Disposition"]
    response = post_form(client, f"/reports/{report.id}/evidence/{photo.id}/delete", page=f"/reports/{report.id}")
    assert response.status_code == 302
    assert [e.id for e in reload_report(report).evidence] == [document.id]


def test_an_activity_of_another_agreement_is_refused(app):
    agreement, other = create_agreement(), create_agreement()
    report = agreement.reports[0]
    with pytest.raises(reports.ReportError, match="Choose an activity"):
        reports.add_evidence(owner_of(agreement), report, io.BytesIO(PDF), "a.pdf", other.activities[0].id)


# --- the overdue sweep ----------------------------------------------------------------------------------

def test_the_overdue_sweep_tells_the_ngo_once_a_day_and_lists_blocked_tranches(app):
    agreement = create_agreement()
    report, second = agreement.reports[0], agreement.tranches[1]
    day = report.due_on + timedelta(days=11)  # the report is late, and so is the tranche waiting on it
    assert second.planned_on < day
    runner = app.test_cli_runner()

    def mails():
        return len(mails_about(agreement))

    if app.config["REDIS_URL"]:
        get_queue("monitoring").empty()

    def sweep(on):
        """The cron command; with Redis it only queues the job, and a worker runs it."""
        result = runner.invoke(args=["monitoring", "overdue", "--day", on.isoformat()])
        assert result.exit_code == 0, result.output
        if app.config["REDIS_URL"]:
            assert "queued as job" in result.output
            worked = runner.invoke(args=["worker", "monitoring", "--burst"])
            assert worked.exit_code == 0, worked.output
        return result.output

    output = sweep(day)
    if not app.config["REDIS_URL"]:
        assert "Overdue: 1 report(s), 1 NGO notice(s) sent, 1 tranche(s) blocked." in output
    assert mails() == 1
    message = mails_about(agreement)[0]
    assert report.agreement.number in message.subject and f"/reports/{report.id}" in message.body
    sweep(day)
    assert mails() == 1  # once a day
    sweep(day + timedelta(days=1))
    assert mails() == 2
    found = report_queries.overdue(day)
    assert [r.id for r in found.reports] == [report.id]
    assert [t.id for t, _why in found.tranches] == [second.id]
    assert "report 1 is not accepted yet" in found.tranches[0][1]
    assert report_queries.overdue(report.due_on).reports == []  # due today is not late


# --- spending across the schedule -------------------------------------------------------------------------

def test_spent_in_earlier_reports_counts_only_the_reports_before_it_in_the_schedule(app):
    agreement = create_agreement(sign=False)
    today = astana_today()
    schedule(operator(), agreement, [
        ReportRow("interim", today - timedelta(days=30), today + timedelta(days=60), today + timedelta(days=70)),
        ReportRow("interim", today + timedelta(days=61), today + timedelta(days=150), today + timedelta(days=160)),
        ReportRow("final", today + timedelta(days=151), today + timedelta(days=300), today + timedelta(days=310)),
    ], [TrancheRow(agreement.amount, today, "on_signing")])
    agreements.add_document(operator(), agreement, "signed_copy", io.BytesIO(PDF), "signed.pdf")
    agreements.sign(operator(), agreement, today)
    db.session.commit()
    owner = owner_of(agreement)
    first, second, final = agreement.reports
    # Filed out of order, the final report first, as the demo's grantee did.
    for report, spent in ((final, Decimal("400000.00")), (first, Decimal("100000.00")),
                          (second, Decimal("250000.00"))):
        fill_report(report, owner, spent=spent)
        reports.submit(owner, report)
    db.session.commit()
    # By hand: nothing precedes No. 1; No. 1's 100,000 precedes No. 2; 100,000 + 250,000 precede the final.
    expected = {first.id: Decimal("0.00"), second.id: Decimal("100000.00"), final.id: Decimal("350000.00")}
    for report in (first, second, final):
        totals = sheet(report)["totals"]
        assert totals["earlier"] == expected[report.id], report.number
        assert totals["cumulative"] == expected[report.id] + report.spending[0].spent
    # A return for revision moves No. 1's due date past No. 2's; the schedule's order stays.
    reports.return_for_revision(operator(), first, "Приложите акты.", today + timedelta(days=200))
    fill_report(first, owner, spent=Decimal("100000.00"), evidence=False)
    reports.submit(owner, first)
    db.session.commit()
    assert reload_report(first).due_on > reload_report(second).due_on
    assert sheet(reload_report(second))["totals"]["earlier"] == Decimal("100000.00")
    assert sheet(reload_report(first))["totals"]["earlier"] == Decimal("0.00")
    page = signed_in(app, owner).get(f"/reports/{first.id}").get_data(as_text=True)
    assert "350,000.00" not in page and "650,000.00" not in page  # later reports' spending is not "earlier"
