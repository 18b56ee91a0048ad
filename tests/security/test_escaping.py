"""Text people type is shown as text, never run: in every page that shows it, and in every Excel export.

A world where every field a person fills in — the NGO's name and address, the call's and the topic's
titles, the application's title, summary and budget line, the eligibility comment, the expert's
comment, the report's narrative and the operator's comment on it, the visit's findings and follow-up,
the observer's recommendation and its answer, a beneficiary's comment — holds a script tag and an
attribute breaker. Every page of every audience that shows the field shows it escaped, and no page
holds the raw tag. tests/reports/test_dashboard.py covers the dashboard's SVG labels already.

The Excel exports (the monitoring board, the raw applications export, the 360Giving spreadsheet; the
analyst's workbook is covered in tests/reports/test_workbook.py) keep a value starting with =, +, -
or @ as text, never a formula, and characters an XLSX file cannot hold do not break them.
"""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from markupsafe import escape
from openpyxl import load_workbook

from grants.agreements import services as agreements
from grants.agreements.schedule import ReportRow, TrancheRow, schedule
from grants.applications import eligibility
from grants.extensions import db
from grants.i18n import astana_today
from grants.monitoring import recommendations, survey, survey_codes, visits
from grants.monitoring import services as monitoring
from reports import opendata
from reports.export import write_applications_xlsx
from scoring.assignments.models import Assignment
from scoring.commission.models import Decision, Meeting
from scoring.sheets.models import ScoreLine, ScoreSheet
from tests.factories import PDF, create_application, create_user, end_intake, operator, signed_in
from tests.worlds import awarded_by_commission

TODAY = astana_today()
SCRIPT = "<script>alert(1)</script>"
BREAKER = '"><img src=x onerror=alert(1)>'


def evil(label):
    return f"{label} {SCRIPT} {BREAKER}"


def escaped(label):
    return str(escape(evil(label)))


def signed_agreement(application):
    """The agreement for an awarded application: drawn up, scheduled (interim and final report), signed."""
    agreement = agreements.draw_up(operator(), application, TODAY - timedelta(days=30), TODAY + timedelta(days=300))
    amount = agreement.amount
    first = (amount / 2).quantize(Decimal("0.01"))
    schedule(operator(), agreement, [
        ReportRow("interim", TODAY - timedelta(days=30), TODAY + timedelta(days=120), TODAY + timedelta(days=130)),
        ReportRow("final", TODAY + timedelta(days=121), TODAY + timedelta(days=300), TODAY + timedelta(days=310)),
    ], [TrancheRow(first, TODAY, "on_signing"), TrancheRow(amount - first, TODAY + timedelta(days=320),
                                                           "report_accepted", 2)])
    agreements.add_document(operator(), agreement, "signed_copy", io.BytesIO(PDF), "signed.pdf")
    agreements.sign(operator(), agreement, TODAY)
    return agreement


@pytest.fixture
def world(app):
    application = awarded_by_commission()  # scored by an expert, decided by a published commission protocol
    call, topic, org = application.call, application.topic, application.organization
    owner = owner_of_application(application)
    call.title_kk = call.title_ru = call.title_en = evil("call title")
    call.description_kk = call.description_ru = call.description_en = evil("call description")
    topic.title_kk = topic.title_ru = topic.title_en = evil("topic title")
    org.name_kk = org.name_ru = evil("NGO name")
    org.address, org.head_name = evil("NGO address"), evil("NGO head")
    application.title = evil("application title")
    application.sections = {**application.sections, "summary": evil("application summary")}
    application.budget_lines[0].item = evil("budget item")
    sheet = db.session.execute(sa.select(ScoreSheet).join(Assignment).where(
        Assignment.application_id == application.id)).scalar_one()
    db.session.execute(sa.update(ScoreLine).where(ScoreLine.sheet_id == sheet.id).values(
        comment=evil("expert comment")))

    # Stopped at eligibility: in a call of its own, since the commission's approved protocol has closed
    # eligibility in the first one.
    stopped = create_application(submit=True)
    stopped.topic.title_kk = stopped.topic.title_ru = stopped.topic.title_en = evil("topic title")
    end_intake(stopped.call)
    eligibility.review(operator(), stopped, "ineligible", {}, reason_codes=["TOPIC"],
                       comment=evil("eligibility comment"))

    agreement = signed_agreement(application)
    agreement.title = evil("agreement title")
    interim = agreement.reports[0]
    monitoring.save(owner, interim, {"narrative": evil("report narrative"), "beneficiaries": 4, "reach": 12,
                                     "women": 2, "men": 2, "under_18": 0, "from_18_to_34": 4, "from_35_to_62": 0,
                                     "over_62": 0},
                    indicators={i.id: (Decimal("40"), "") for i in agreement.indicators},
                    spending={agreement.budget_lines[0].id: Decimal("1000.00")})
    monitoring.submit(owner, interim)
    monitoring.return_for_revision(operator(), interim, evil("report comment"), TODAY + timedelta(days=10))
    visit = visits.plan_visit(operator(), agreement, TODAY, operator())
    visits.record_visit(operator(), visit, TODAY, evil("visit findings"), 4, evil("visit follow-up"),
                        TODAY + timedelta(days=10), published=True)
    observer = create_user("observer")
    recommendation = recommendations.recommend(observer, agreement, evil("recommendation"))
    recommendations.answer(operator(), recommendation, evil("recommendation answer"))
    [code] = survey_codes.issue(owner, agreement, 1)
    survey.add_feedback(agreement, "ru", 5, True, True, evil("beneficiary comment"), code)
    db.session.commit()
    meeting = db.session.execute(sa.select(Meeting).join(Decision).where(
        Decision.application_id == application.id)).scalar_one()
    return {"application": application, "call": call, "org": org, "owner": owner, "stopped": stopped,
            "agreement": agreement, "report": interim, "visit": visit, "observer": observer, "sheet": sheet,
            "expert": sheet.assignment.expert.user, "meeting": meeting, "admin": create_user("admin")}


def owner_of_application(application):
    return application.organization.memberships[0].user


def pages(world):
    """(audience, user, url, the fields the page must show escaped): every page that shows typed text."""
    w = world
    a, c, ag, org, stopped = w["application"], w["call"], w["agreement"], w["org"], w["stopped"]
    meeting = w["meeting"]
    report, visit = w["report"], w["visit"]
    ngo = ["NGO name", "NGO address", "NGO head"]
    application = ["topic title", "NGO name", "NGO head", "application title", "application summary", "budget item"]
    monitoring_ = ["topic title", "NGO name", "NGO head", "budget item", "agreement title", "visit findings",
                   "visit follow-up", "recommendation", "recommendation answer"]
    report_ = ["NGO name", "budget item", "agreement title", "report narrative", "report comment"]
    return [
        ("public", None, "/calls/", ["call title"]),
        ("public", None, f"/calls/{c.id}", ["call title", "call description", "topic title"]),
        ("public", None, f"/calls/{c.id}/results", ["call title", "topic title", "NGO name"]),
        ("public", None, f"/feedback/{ag.feedback_token}", ["NGO name", "agreement title"]),
        ("applicant", w["owner"], "/applications/", ["NGO name", "application title"]),
        ("applicant", w["owner"], f"/applications/{a.id}", application),
        ("applicant", w["owner"], f"/applications/{a.id}/receipt", ["call title", "topic title", "NGO name"]),
        ("applicant", w["owner"], f"/applications/{a.id}/versions/1", []),  # frozen before the texts changed
        ("applicant", w["owner"], f"/organizations/{org.id}", ngo),
        ("applicant", w["owner"], f"/organizations/{org.id}/edit", ngo),
        ("applicant", w["owner"], "/agreements", ["NGO name", "agreement title"]),
        ("applicant", w["owner"], f"/agreements/{ag.id}", [*monitoring_, "beneficiary comment"]),
        ("applicant", w["owner"], f"/reports/{report.id}", report_),
        ("applicant", w["owner"], f"/reports/{report.id}/edit", report_[1:]),
        ("applicant", stopped.created_by, f"/applications/{stopped.id}", ["topic title", "eligibility comment"]),
        ("operator", operator(), "/manage/calls/", ["call title"]),
        ("operator", operator(), f"/manage/calls/{c.id}", ["call title", "topic title"]),
        ("operator", operator(), f"/manage/calls/{c.id}/edit", ["call title", "call description"]),
        ("operator", operator(), f"/manage/calls/{c.id}/applications", ["NGO name"]),
        ("operator", operator(), f"/manage/applications/{a.id}/review", application),
        ("operator", operator(), f"/manage/applications/{stopped.id}/review", ["topic title", "eligibility comment"]),
        ("operator", operator(), f"/manage/applications/{a.id}/sheets",
         ["NGO name", "application title", "expert comment"]),
        ("operator", operator(), f"/manage/calls/{c.id}/ranking", ["topic title", "NGO name"]),
        ("operator", operator(), f"/manage/calls/{c.id}/commission", []),
        ("operator", operator(), f"/manage/commission/{meeting.id}", ["NGO name"]),
        ("operator", operator(), f"/manage/commission/{meeting.id}/protocol/ru", ["call title", "NGO name"]),
        ("operator", operator(), f"/manage/calls/{c.id}/assignments", []),
        ("operator", operator(), "/manage/agreements", ["NGO name"]),
        ("operator", operator(), f"/manage/agreements/{ag.id}", [*monitoring_, "beneficiary comment"]),
        ("operator", operator(), "/manage/reports", []),
        ("operator", operator(), f"/manage/reports/{report.id}", report_),
        ("operator", operator(), f"/manage/visits/{visit.id}",
         ["NGO name", "NGO address", "agreement title", "visit findings", "visit follow-up"]),
        ("operator", operator(), "/manage/recommendations", ["NGO name", "recommendation"]),
        ("operator", operator(), "/organizations/", ["NGO name"]),
        ("operator", operator(), f"/organizations/{org.id}", ngo),
        ("expert", w["expert"], "/expert/", ["application title"]),
        ("expert", w["expert"], f"/expert/assignments/{w['sheet'].assignment_id}", [*application, "expert comment"]),
        ("observer", w["observer"], "/agreements", ["NGO name", "agreement title"]),
        ("observer", w["observer"], f"/agreements/{ag.id}", monitoring_),
        ("admin", w["admin"], "/admin/audit/", []),
    ]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_typed_text_is_shown_escaped_on_every_page_of_every_audience(app, world, lang):
    clients, problems = {}, []
    for audience, user, url, fields in pages(world):
        key = user.id if user else None
        if key not in clients:
            clients[key] = signed_in(app, user, lang) if user else app.test_client()
            if user is None:
                clients[key].get(f"/?lang={lang}")
        response = clients[key].get(url)
        assert response.status_code == 200, (audience, url, response.status_code)
        html = response.get_data(as_text=True)
        if SCRIPT in html or "<img src=x" in html:
            problems.append(f"{audience} {url} holds the raw tag")
        missing = [field for field in fields if escaped(field) not in html]
        if missing:
            problems.append(f"{audience} {url} does not show {missing} escaped")
    assert not problems, "\n".join(problems)


# --- Excel -----------------------------------------------------------------------------------

FORMULAS = {"NGO name": '=HYPERLINK("http://evil","x")', "application title": "+7 701 234 56 78",
            "agreement title": "-2+3", "topic title": "@SUM(A1:A9)", "call code": "-1-MCI"}


@pytest.fixture
def formulas(world):
    """The same world, with a value that Excel would run as a formula in each text a person types,
    and a bell character (an XLSX file cannot hold one) in the NGO's Russian name."""
    w = world
    w["org"].name_kk = FORMULAS["NGO name"]
    w["org"].name_ru = FORMULAS["NGO name"] + "\x07"
    w["application"].title = FORMULAS["application title"]
    w["agreement"].title = FORMULAS["agreement title"]
    topic = w["application"].topic
    topic.title_kk = topic.title_ru = topic.title_en = FORMULAS["topic title"]
    w["call"].code = FORMULAS["call code"]  # the call form takes Latin letters, digits and hyphens: a leading - too
    db.session.commit()
    return w


def cells(content):
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_text_not_formula(content, expected):
    found = cells(content)
    assert [c.coordinate for c in found if c.data_type == "f"] == []
    values = {c.value for c in found if isinstance(c.value, str)}
    for label, value in expected.items():
        assert "'" + value in values, f"{label} is not kept as text"
    assert not [v for v in values if v.startswith(("=", "+", "-", "@"))]


def test_the_monitoring_board_export_keeps_formulas_as_text(app, formulas):
    client = signed_in(app, operator(), "ru")
    with client.get("/manage/agreements.xlsx") as response:
        assert response.status_code == 200
        content = response.get_data()
    assert_text_not_formula(content, {"NGO name": FORMULAS["NGO name"]})  # the bell dropped, the name kept


def test_the_raw_applications_export_keeps_formulas_as_text(app, formulas):
    analyst = create_user("analyst")
    client = signed_in(app, analyst, "ru")
    with client.get("/analyst/dashboard/applications.xlsx") as response:
        assert response.status_code == 200
        content = response.get_data()
    out = io.BytesIO()
    write_applications_xlsx(out, language="kk")
    for book in (content, out.getvalue()):
        assert_text_not_formula(book, {"call code": FORMULAS["call code"]})


def test_the_360giving_spreadsheet_keeps_formulas_as_text(app, formulas):
    with app.test_client().get("/open-data/grants.xlsx?lang=ru") as response:
        assert response.status_code == 200
        content = response.get_data()
    assert_text_not_formula(content, {k: FORMULAS[k] for k in ("NGO name", "application title", "topic title")})
    out = io.BytesIO()
    opendata.grants_360_xlsx(out, language="kk")
    assert [c.coordinate for c in cells(out.getvalue()) if c.data_type == "f"] == []
