"""In a real browser, in Kazakh throughout: an award from the operator's form to two winners sharing its amount.

The operator creates an award call, takes the award's form, adds a question and a required document,
and publishes it; an NGO writes its nomination on that form — no budget, no calendar plan — attaches its
documents and submits; the expert scores past contribution; the commission names two winners; each
winner's agreement is for half the nomination's amount. Screenshots go to test-artifacts/e2e/award/.

Set up in Python, as in the lifecycle test: the people and their NGOs, and the second nomination (the
first one is written in the browser), the eligibility check, the default criteria and the assignment,
which the lifecycle test drives through their pages already.
"""

import re
import shutil
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from playwright.sync_api import expect

from grants.agreements.models import Agreement
from grants.applications import eligibility
from grants.applications.models import Application
from grants.calls.models import Call
from grants.extensions import db
from grants.i18n import ALMATY, format_money
from grants.reference.models import CustomerBody, Direction, Region
from scoring.assignments import services as assignments
from scoring.sheets import services as sheets
from tests.conftest import translated
from tests.e2e.conftest import ARTIFACTS, shot
from tests.e2e.steps import commission_decides, fill_in, flash, follow, local, press, sign_in, sign_out
from tests.factories import PDF, create_organization, create_user, operator
from tests.worlds import ALL_PASS, enrol, nominate

pytestmark = pytest.mark.e2e

FOLDER = ARTIFACTS / "award"
TITLE_KK = "ҮЕҰ-ларға арналған сыйлықақы: еріктілік"
NOMINATION = "Сыр өңіріндегі еріктілер қозғалысы"


def kk(msgid, **params):
    return translated("kk", msgid, **params)


def test_an_award_from_the_operators_form_to_two_winners_sharing_its_amount(live_app, page, tmp_path):
    shutil.rmtree(FOLDER, ignore_errors=True)
    live_app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with live_app.app_context():
        staff = operator()
        applicant = create_user("applicant", full_name="Марат Жұмабаев", locale="kk")
        create_organization(owner=applicant, kato="430000000", name_kk="«Арал өңірі» қоғамдық қоры",
                            name_ru="Общественный фонд «Приаралье»")
        expert = enrol(languages=("kk",), directions=(11,))
        member = create_user("commission", full_name="Бауыржан Комиссиев")
        db.session.commit()
        ids = dict(operator=staff.email, ngo=applicant.email, expert=expert.user.email, member=member.id,
                   member_email=member.email,
                   customer=db.session.execute(sa.select(CustomerBody.id).where(CustomerBody.code == "MCI"))
                   .scalar_one(),
                   direction=db.session.execute(sa.select(Direction.id).where(Direction.code == 11)).scalar_one(),
                   region=db.session.execute(sa.select(Region.id).where(Region.kato == "430000000")).scalar_one())
        db.session.remove()
    base = live_app.config["LIVE_URL"]
    page.set_default_timeout(10000)
    now = datetime.now(ALMATY).replace(tzinfo=None)

    # 1. The operator creates the award call; its form starts as the award's template.
    sign_in(page, base, ids["operator"], "kk")
    follow(page, "kk", "Managing calls")
    follow(page, "kk", "New call")
    page.locator("#code").fill("2026-AW-01")
    page.locator("#instrument").select_option("award")
    page.locator("#customer_id").select_option(str(ids["customer"]))
    page.locator("#funding_source").select_option("republican")
    page.locator("#criteria_set").select_option("award")
    fill_in(page, {"#budget_year": "2026", "#opens_at": local(now - timedelta(days=1)),
                   "#deadline_at": local(now + timedelta(days=20)), "#experts_per_application": "1",
                   "#title_kk": TITLE_KK, "#title_ru": "Премия для НПО: волонтерство",
                   "#title_en": "Award for NGOs: volunteering"})
    press(page, "kk", "Save")
    call_id = int(re.search(r"/manage/calls/(\d+)", page.url).group(1))
    follow(page, "kk", "Add a topic")
    page.locator("#direction_id").select_option(str(ids["direction"]))
    page.locator("#grant_type").select_option("short")
    page.locator(f"input[name=regions][value='{ids['region']}']").check()
    fill_in(page, {"#duration_months": "12", "#amount_cap": "10000000", "#grants_count": "2",
                   "#title_kk": "Үздік еріктілер ұйымы", "#title_ru": "Лучшая волонтерская организация",
                   "#title_en": "Best volunteer organization",
                   "#goal_kk": "Еріктілер қозғалысына қосқан үлесі үшін марапаттау",
                   "#goal_ru": "Наградить за вклад в волонтерское движение"})
    press(page, "kk", "Save")
    flash(page, "kk", "Topic saved.")

    # 2. The operator opens the application form: no budget and no calendar plan; adds a question and a document.
    follow(page, "kk", "Application form")
    table = page.locator("main table")
    expect(table).to_contain_text(kk("Achievements over the period"))
    expect(table).not_to_contain_text(kk("Calendar plan"))
    page.locator("#new-kind").select_option("long_text")
    press(page, "kk", "Add a block")
    page.locator("#label_kk").fill("Ұйымның еріктілері қанша?")
    page.locator("#label_ru").fill("Сколько у организации волонтеров?")
    page.locator("#required").check()
    press(page, "kk", "Save")
    flash(page, "kk", "The application form is saved.")
    page.locator("#new-kind").select_option("document")
    press(page, "kk", "Add a block")
    page.locator("#label_kk").fill("Облыс әкімдігінің ұсынымы")
    page.locator("#label_ru").fill("Рекомендация акимата области")
    page.locator("#required").check()
    page.locator("#limit_min").fill("1")
    page.locator("#limit_max").fill("1")
    press(page, "kk", "Save")
    flash(page, "kk", "The application form is saved.")
    expect(table).to_contain_text("Облыс әкімдігінің ұсынымы")
    shot(page, "award/01-operator-builds-the-form-kk")
    page.goto(f"{base}/manage/calls/{call_id}")
    press(page, "kk", "Publish")
    flash(page, "kk", "The call is published.")
    sign_out(page, "kk")

    # 3. The NGO writes its nomination on that form and submits it without a budget.
    sign_in(page, base, ids["ngo"], "kk")
    page.goto(f"{base}/calls/{call_id}")
    follow(page, "kk", "Apply")
    page.get_by_label(kk("Language of the application")).select_option("kk")
    press(page, "kk", "Start writing")
    expect(page.locator("input[name='budget-0-item']")).to_have_count(0)
    page.get_by_label(kk("Project title")).fill(NOMINATION)
    page.get_by_label(kk("Achievements over the period")).fill(
        "2025 жылы ұйымның 120 еріктісі 14 ауылда 2 300 қарт адамға үйде көмек көрсетті.")
    page.get_by_label(kk("Beneficiaries reached")).fill("2300")
    page.get_by_label(kk("References"), exact=True).fill("Қызылорда облысы әкімдігінің жастар саясаты басқармасы")
    page.get_by_label(kk("Use of the award")).fill("Қызметкерлерді оқыту.")
    page.get_by_label("Ұйымның еріктілері қанша?").fill("120 ерікті, оның 80-і жастар.")
    shot(page, "award/02-ngo-writes-the-nomination-kk")
    press(page, "kk", "Save and review")
    expect(page.locator("main")).to_contain_text(kk("Attach %(num)d file under “%(slot)s”.", num=1,
                                                    slot="Облыс әкімдігінің ұсынымы"))
    for slot, name in (("evidence", "есеп-2025.pdf"), ("charter", "жарғы.pdf"), ("q2", "ұсыным.pdf")):
        page.locator("#kind").select_option(slot)
        page.locator("#file").set_input_files({"name": name, "mimeType": "application/pdf", "buffer": PDF})
        press(page, "kk", "Attach")
        flash(page, "kk", "%(name)s is attached.", name=name)
    press(page, "kk", "Submit the application")
    expect(page.get_by_role("heading", name=kk("Receipt of an application"))).to_be_visible()
    shot(page, "award/03-ngo-submits-kk")
    sign_out(page, "kk")

    # Set up in Python: a second nomination, both found eligible, the award's criteria, the expert assigned.
    with live_app.app_context():
        call = db.session.get(Call, call_id)
        first = db.session.execute(sa.select(Application).where(Application.title == NOMINATION)).scalar_one()
        second = nominate(call, answers={"q1": "45 ерікті."}, slots=("evidence", "charter", "q2"))
        eligibility.review(operator(), db.session.get(Application, first.id), "eligible", ALL_PASS)
        sheets.use_default_criteria(operator(), call)
        assignments.assign(operator(), call)
        db.session.commit()
        receipts = (first.receipt_number, second.receipt_number)
        db.session.remove()

    # 4. The expert declares no conflict and scores both nominations on past contribution.
    sign_in(page, base, ids["expert"], "kk")
    for title, points in ((NOMINATION, "9"), (None, "8")):
        follow(page, "kk", "My assignments")
        link = page.get_by_role("link", name=title) if title else \
            page.get_by_role("link", name=re.compile("^Номинация"))
        link.first.click()
        press(page, "kk", "Declare")
        inputs = page.locator("table.sheet input[name^='points-']")
        expect(inputs).to_have_count(1)
        inputs.first.fill(points)
        press(page, "kk", "Submit the scores")
        flash(page, "kk", "The sheet is submitted and locked.")
    sign_out(page, "kk")

    # 5. The commission names both winners; the results are published.
    sign_in(page, base, ids["operator"], "kk")
    commission_decides(page, base, call_id, "kk", ids["member"], "Бауыржан Комиссиев",
                       now.replace(hour=11, minute=0), outcomes=["awarded"] * len(receipts),
                       member_email=ids["member_email"])

    # 6. Each winner's agreement is for half of the nomination's 10 000 000 ₸.
    half = Decimal("5000000.00")
    for receipt in receipts:
        with live_app.app_context():
            app_id = db.session.execute(sa.select(Application.id).where(Application.receipt_number == receipt)
                                        ).scalar_one()
            db.session.remove()
        page.goto(f"{base}/manage/applications/{app_id}/agreement/new")
        with live_app.test_request_context("/?lang=kk"), force_locale("kk"):
            money = format_money(half)
        expect(page.locator("main")).to_contain_text(money)
        press(page, "kk", "Draw up the agreement")
        flash(page, "kk", "The draft agreement is drawn up. Set its schedule next.")
    shot(page, "award/04-winners-agreement-kk")
    with live_app.app_context():
        amounts = db.session.execute(sa.select(Agreement.amount).join(Application).where(
            Application.receipt_number.in_(receipts))).scalars().all()
        db.session.remove()
    assert sorted(amounts) == [half, half]
