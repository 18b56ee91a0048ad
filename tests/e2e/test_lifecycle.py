"""In a real browser, the whole life of a grant: the operator publishes a call, an NGO applies in Kazakh, the
operator checks it and assigns an expert, the expert scores, the commission decides, the results are published,
the agreement is drawn up, signed and its first tranche paid, the NGO files its final report, the operator accepts
it, and an analyst downloads the statistics workbook — each role in its own interface language, switched with the
switch in the header on the way. Every step leaves a numbered screenshot in test-artifacts/e2e/lifecycle/.

Set up in Python before the browser starts, because the platform gives them no page of their own here: the
people (operator, NGO staff member and their registered NGO, expert, commission member, analyst). The expert is
enrolled in the register by the service the expert-register test uses. Everything after that is done in the
browser.
"""

import re
import shutil
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import load_workbook
from playwright.sync_api import expect

from grants.agreements.models import Agreement, AgreementStatus
from grants.agreements.services import tranche_state
from grants.appforms.templates import STATE_GRANT
from grants.applications.models import CHECKLIST, Application, Status
from grants.calls.models import Call
from grants.demo import KK_TEXT
from grants.extensions import db
from grants.i18n import ALMATY, LANGUAGE_NAMES, format_money
from grants.monitoring.models import ReportStatus
from grants.reference.models import CustomerBody, Direction, Region
from reports.models import Workbook, WorkbookStatus
from tests.conftest import translated
from tests.e2e.conftest import ARTIFACTS, shot
from tests.e2e.steps import commission_decides, fill_in, flash, follow, local, press, sign_in, sign_out
from tests.factories import PDF, create_organization, create_user, end_intake, operator, photo_png
from tests.worlds import enrol

pytestmark = pytest.mark.e2e

FOLDER = ARTIFACTS / "lifecycle"
TITLE = "Арал жастарының еріктілер клубы"
TITLE_RU = "Конкурс государственных грантов в сфере молодежной политики"


class Steps:
    """Numbered, named screenshots; the language in the name is the one the page declares."""

    def __init__(self, page):
        self.page, self.n = page, 0
        shutil.rmtree(FOLDER, ignore_errors=True)
        self.taken = []

    def __call__(self, name):
        self.n += 1
        lang = self.page.locator("html").get_attribute("lang")
        expect(self.page.locator("h1").first).to_be_visible()
        self.taken.append(f"{self.n:02d}-{name}-{lang}")
        shot(self.page, f"lifecycle/{self.taken[-1]}")


def switch_language(page, lang, msgid, **params):
    """Use the switch in the header, as a person does; the page comes back with `msgid` in `lang`."""
    page.locator("nav.langs").get_by_role("link", name=LANGUAGE_NAMES[lang]).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("body")).to_contain_text(translated(lang, msgid, **params))


def test_a_call_from_publication_to_an_accepted_final_report_and_the_analysts_workbook(live_app, page, app,
                                                                                         tmp_path):
    live_app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    live_app.config["REDIS_URL"] = None  # the workbook is built in-process, as in `make run`
    live_app.extensions.pop("baiqau_redis", None)
    with live_app.app_context():
        staff = operator()
        staff.full_name = "Сәуле Байжанова"
        applicant = create_user("applicant", full_name="Марат Жұмабаев")
        ngo = create_organization(owner=applicant, kato="430000000", name_kk="«Арал өңірі» қоғамдық қоры",
                                  name_ru="Общественный фонд «Приаралье»")
        expert = enrol(languages=("kk",), directions=(11,))
        member = create_user("commission", full_name="Бауыржан Комиссиев")
        analyst = create_user("analyst", full_name="Айгерім Аналитик")
        expert.user.full_name = "Нұрлан Сарапшы"
        db.session.commit()
        ids = dict(operator=staff.email, ngo=applicant.email, ngo_name=ngo.name_kk, expert=expert.user.email,
                   member=member.id, member_email=member.email, analyst=analyst.email,
                   customer=db.session.execute(sa.select(CustomerBody.id).where(CustomerBody.code == "MCI"))
                   .scalar_one(),
                   direction=db.session.execute(sa.select(Direction.id).where(Direction.code == 11)).scalar_one(),
                   regions=db.session.execute(sa.select(Region.id).where(Region.kato.in_(("430000000",
                                                                                          "750000000"))))
                   .scalars().all())
        db.session.remove()
    base = live_app.config["LIVE_URL"]
    step = Steps(page)
    page.set_default_timeout(10000)
    now = datetime.now(ALMATY).replace(tzinfo=None)
    code = "2026-LC-01"

    # 1. The operator, in Kazakh, creates the call, adds its topic and publishes it.
    sign_in(page, base, ids["operator"], "kk")
    follow(page, "kk", "Managing calls")
    follow(page, "kk", "New call")
    page.locator("#code").fill(code)
    page.locator("#instrument").select_option("state_grant")
    page.locator("#customer_id").select_option(str(ids["customer"]))
    page.locator("#funding_source").select_option("republican")
    page.locator("#criteria_set").select_option("grant")
    fill_in(page, {"#budget_year": "2026", "#opens_at": local(now - timedelta(days=1)),
                   "#deadline_at": local(now + timedelta(days=20)), "#experts_per_application": "1",
                   "#title_kk": "Жастар саясаты саласындағы мемлекеттік гранттар конкурсы", "#title_ru": TITLE_RU,
                   "#title_en": "State grants for youth policy"})
    press(page, "kk", "Save")
    flash(page, "kk", "Call %(code)s created as a draft. Add its topics, then publish it.", code=code)
    call_id = int(re.search(r"/manage/calls/(\d+)", page.url).group(1))
    follow(page, "kk", "Add a topic")
    page.locator("#direction_id").select_option(str(ids["direction"]))
    page.locator("#grant_type").select_option("short")
    for region in ids["regions"]:
        page.locator(f"input[name=regions][value='{region}']").check()
    fill_in(page, {"#duration_months": "10", "#amount_cap": "10000000", "#grants_count": "2",
                   "#title_kk": "Жастардың еріктілік бастамаларын қолдау", "#goal_kk": "Жастарды еріктілікке тарту",
                   "#title_ru": "Поддержка волонтерских инициатив молодежи",
                   "#goal_ru": "Вовлечение молодежи в волонтерство", "#title_en": "Youth volunteering"})
    press(page, "kk", "Save")
    flash(page, "kk", "Topic saved.")
    press(page, "kk", "Publish")
    flash(page, "kk", "The call is published.")
    step("operator-publishes-call")
    sign_out(page, "kk")

    # 2. The NGO opens the call in Russian, switches the interface to Kazakh and writes its application in Kazakh.
    sign_in(page, base, ids["ngo"], "ru")
    follow(page, "ru", "Calls")
    page.get_by_role("link", name=TITLE_RU).click()
    expect(page.get_by_role("link", name=translated("ru", "Apply"))).to_be_visible()
    step("ngo-reads-call")
    switch_language(page, "kk", "Apply")
    follow(page, "kk", "Apply")
    page.get_by_label(translated("kk", "Language of the application")).select_option("kk")
    press(page, "kk", "Start writing")
    expect(page.get_by_role("heading", name=translated("kk", "Writing the application"))).to_be_visible()
    page.get_by_label(translated("kk", "Project title")).fill(TITLE)
    page.get_by_label(translated("kk", "Duration, months")).fill("10")
    for block in STATE_GRANT:
        if block["code"] in KK_TEXT:
            page.get_by_label(translated("kk", str(block["label"]._args[0]))).fill(str(KK_TEXT[block["code"]]))
    page.get_by_label(translated("kk", "Activity") + " 1").fill("Еріктілерді іріктеу және оқыту")
    page.get_by_label(translated("kk", "From month") + " 1").fill("1")
    page.get_by_label(translated("kk", "To month") + " 1").fill("3")
    page.get_by_label(translated("kk", "Indicator") + " 1", exact=True).fill("Оқытылған еріктілер")
    page.locator("input[name='indicators-0-unit']").fill("адам")
    page.locator("input[name='indicators-0-target']").fill("100")
    page.get_by_label(translated("kk", "Cost item") + " 1").fill("Тренингтер")
    page.locator("input[name='budget-0-unit']").fill("күн")
    page.get_by_label(translated("kk", "Quantity") + " 1").fill("10")
    page.get_by_label(translated("kk", "Unit cost, tenge") + " 1").fill("300000")
    step("ngo-writes-application")
    press(page, "kk", "Save and review")
    press(page, "kk", "Submit the application")
    expect(page.get_by_role("heading", name=translated("kk", "Receipt of an application"))).to_be_visible()
    receipt = f"{code}-00001"
    expect(page.locator(".receipt")).to_contain_text(receipt)
    step("ngo-submits-application")
    sign_out(page, "kk")

    # 3. The operator signs in in Kazakh and switches to Russian (remembered from now on). Until the deadline the
    # application is sealed: counted, not linked. Once the deadline passes the operator checks its eligibility.
    sign_in(page, base, ids["operator"], "kk")
    switch_language(page, "ru", "Managing calls")
    follow(page, "ru", "Managing calls")
    page.get_by_role("link", name=TITLE_RU).click()
    follow(page, "ru", "Applications")
    expect(page.locator("#sealed")).to_be_visible()
    expect(page.get_by_role("link", name=receipt)).to_have_count(0)
    expect(page.locator("main table").last).to_contain_text(receipt)
    step("operator-sees-sealed-intake")
    with live_app.app_context():
        end_intake(db.session.get(Call, call_id))
        db.session.commit()
        db.session.remove()
    page.reload()
    expect(page.locator("#sealed")).to_have_count(0)
    page.get_by_role("link", name=receipt).click()
    # .all() does not wait: the review page must have loaded its whole checklist before the boxes are ticked.
    checks = page.locator("ul.checklist input[name^=check_]")
    expect(checks).to_have_count(len(CHECKLIST))
    for check in checks.all():
        check.check()
    page.locator("#outcome").select_option("eligible")
    step("operator-checks-eligibility")
    press(page, "ru", "Record the decision")
    flash(page, "ru", "The decision is recorded and the applicant is notified.")
    expect(page.locator("main table").last).to_contain_text(receipt)

    # 4. The operator takes the default criteria and runs the assignment of experts.
    page.goto(f"{base}/manage/calls/{call_id}")
    follow(page, "ru", "Scoring rules")
    press(page, "ru", "Use the default criteria")
    expect(page.locator("main")).to_contain_text("Актуальность и социальная значимость")
    page.goto(f"{base}/manage/calls/{call_id}")
    follow(page, "ru", "Experts")
    press(page, "ru", "Assign experts")
    flash(page, "ru", "Experts are assigned.")
    step("operator-assigns-experts")
    sign_out(page, "ru")

    # 5. The expert, in Kazakh, declares no conflict of interest and scores.
    sign_in(page, base, ids["expert"], "kk")
    follow(page, "kk", "My assignments")
    page.get_by_role("link", name=TITLE).click()
    press(page, "kk", "Declare")
    flash(page, "kk", "Your declaration is recorded.")
    inputs = page.locator("table.sheet input[name^='points-']")
    expect(inputs).to_have_count(4)
    for i, points in enumerate(("9", "8", "9", "7")):
        inputs.nth(i).fill(points)
    page.locator("#comment").fill("Жоба өзекті, жоспары нақты, шығыстары негізделген.")
    step("expert-scores")
    press(page, "kk", "Submit the scores")
    flash(page, "kk", "The sheet is submitted and locked.")
    sign_out(page, "kk")

    # 6. The operator reads the ranking, switching the interface to English.
    sign_in(page, base, ids["operator"], "en")
    expect(page.locator("html")).to_have_attribute("lang", "ru")  # the choice made while signed in is kept
    page.goto(f"{base}/manage/calls/{call_id}")
    follow(page, "ru", "Ranking")
    switch_language(page, "en", "Ranking")
    expect(page.locator("table").first).to_contain_text(receipt)
    expect(page.locator("table").first).to_contain_text("33")  # 9 + 8 + 9 + 7
    step("operator-ranking")

    # 7. The commission meets, decides and publishes the results (the operator keeps the minutes, in English).
    commission_decides(page, base, call_id, "en", ids["member"], "Бауыржан Комиссиев",
                       now.replace(hour=11, minute=0), member_email=ids["member_email"])
    step("commission-decides-and-results-are-published")
    sign_out(page, "en")

    # 8. Anyone reads the results on the call's public page, in Kazakh and then in Russian.
    page.goto(f"{base}/calls/{call_id}?lang=kk")
    follow(page, "kk", "Results of the competition")
    winner = page.locator("main tbody tr").filter(has=page.locator(".badge-awarded"))
    expect(winner).to_contain_text(ids["ngo_name"])
    expect(winner).to_contain_text("33")
    expect(winner.locator(".badge-awarded")).to_have_text(translated("kk", "Awarded", context="application status"))
    step("public-results")
    switch_language(page, "ru", "Results of the competition")
    expect(winner).to_contain_text("Общественный фонд «Приаралье»")
    expect(winner.locator(".badge-awarded")).to_have_text(translated("ru", "Awarded", context="application status"))
    step("public-results")

    # 9. The operator, back in Russian, draws up the agreement, sets its schedule, uploads the signed copy, signs it.
    sign_in(page, base, ids["operator"], "ru")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switch_language(page, "ru", "Agreements")
    follow(page, "ru", "Agreements")
    page.locator("#awaiting").get_by_role("link", name=translated("ru", "Draw up the agreement")).click()
    step("operator-draws-up-agreement")
    press(page, "ru", "Draw up the agreement")
    flash(page, "ru", "The draft agreement is drawn up. Set its schedule next.")
    agreement_id = int(re.search(r"/manage/agreements/(\d+)", page.url).group(1))
    with live_app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        starts, ends, amount = agreement.starts_on, agreement.ends_on, agreement.amount
        db.session.remove()
    assert amount == 3000000
    follow(page, "ru", "Set the schedule")
    page.locator("select[name='reports-0-kind']").select_option("final")
    page.locator("input[name='reports-0-period_from']").fill(starts.isoformat())
    page.locator("input[name='reports-0-period_to']").fill(ends.isoformat())
    page.locator("input[name='reports-0-due_on']").fill((ends + timedelta(days=10)).isoformat())
    page.locator("input[name='tranches-0-amount']").fill("2100000")
    page.locator("input[name='tranches-0-planned_on']").fill(starts.isoformat())
    page.locator("select[name='tranches-0-condition']").select_option("on_signing")
    page.locator("input[name='tranches-1-amount']").fill("900000")
    page.locator("input[name='tranches-1-planned_on']").fill((ends + timedelta(days=20)).isoformat())
    page.locator("select[name='tranches-1-condition']").select_option("report_accepted")
    page.locator("input[name='tranches-1-report_number']").fill("1")
    step("operator-schedules-reports-and-tranches")
    press(page, "ru", "Save the schedule")
    flash(page, "ru", "The schedule is set. Upload the signed copy and sign the agreement.")
    page.locator("#document_kind").select_option("signed_copy")
    page.locator("#document_file").set_input_files({"name": "келісім-шарт.pdf", "mimeType": "application/pdf",
                                                    "buffer": PDF})
    press(page, "ru", "Upload")
    flash(page, "ru", "%(name)s is attached.", name="келісім-шарт.pdf")
    press(page, "ru", "Sign the agreement")
    flash(page, "ru", "The agreement is signed and active.")

    # 10. The first tranche, due on signing, is paid.
    tranches = page.locator("#tranches")
    tranches.locator("input[name=payment_reference]").fill("ПП-000451")
    tranches.get_by_role("button", name=translated("ru", "Record the payment")).click()
    flash(page, "ru", "The payment of tranche %(n)d is recorded.", n=1)
    expect(tranches).to_contain_text("ПП-000451")
    step("operator-signs-agreement-and-pays-tranche")
    sign_out(page, "ru")

    # 11. The NGO, remembered in Kazakh, files the final report with a photo of the trainings.
    picture = tmp_path / "тренинг.png"
    picture.write_bytes(photo_png())
    sign_in(page, base, ids["ngo"], "ru")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    follow(page, "kk", "My agreements")
    page.locator("main table a").first.click()
    page.locator("#reports").get_by_role("link", name=translated("kk", "Open")).click()
    follow(page, "kk", "Edit the report")
    page.locator("#narrative").fill("Жоба бойынша 100 ерікті іріктеліп, он күндік тренингтен өтті; Арал мен "
                                     "Қазалыда жастар клубтары ашылды.")
    for name, value in (("beneficiaries", "100"), ("reach", "340"), ("women", "58"), ("men", "42"),
                        ("under_18", "30"), ("from_18_to_34", "60"), ("from_35_to_62", "10"), ("over_62", "0"),
                        ("jobs_created", "2"), ("cofunding", "150 000"), ("services_delivered", "10"),
                        ("volunteers", "100")):
        page.locator(f"#{name}").fill(value)
    page.locator("input[name^=actual_]").first.fill("100")
    page.locator("input[name^=spent_]").first.fill("2 950 000")
    page.locator("input[name^=done_]").first.check()
    step("ngo-writes-final-report")
    press(page, "kk", "Save and review")
    flash(page, "kk", "The report is saved.")
    page.locator("#file").set_input_files(str(picture))
    page.locator("#activity_id").select_option(index=1)
    page.locator("#caption").fill("Қазалыдағы тренинг")
    press(page, "kk", "Attach")
    expect(page.locator("#activities img")).to_have_js_property("naturalWidth", 160)
    press(page, "kk", "Submit the report")
    expect(page.locator(".badge-submitted")).to_be_visible()
    step("ngo-submits-final-report")
    sign_out(page, "kk")

    # 12. The operator accepts the final report: the last tranche becomes payable.
    sign_in(page, base, ids["operator"], "ru")
    page.goto(f"{base}/manage/reports")
    page.locator("main table a[href^='/manage/reports/']").first.click()
    page.locator("#accept-comment").fill("Қорытынды есеп қабылданды. Отчет принят.")
    press(page, "ru", "Accept the report")
    expect(page.locator(".badge-accepted").first).to_be_visible()
    with force_locale("ru"):
        last = translated("ru", "Tranche %(n)s, %(amount)s, is payable.", n=2, amount=format_money(900000))
    expect(page.locator("#tranches")).to_contain_text(last)
    step("operator-accepts-final-report")
    sign_out(page, "ru")

    # 13. The analyst, in Russian then English, asks for the statistics workbook and downloads it.
    sign_in(page, base, ids["analyst"], "ru")
    follow(page, "ru", "Statistics")
    switch_language(page, "en", "Build the workbook")
    page.locator("#language").select_option("kk")
    step("analyst-requests-workbook")
    press(page, "en", "Build the workbook")
    download_link = page.get_by_role("link", name="Download the workbook")
    expect(download_link).to_be_visible(timeout=30000)  # the page refreshes itself until the workbook is ready
    step("analyst-workbook-ready")
    with page.expect_download() as caught:
        download_link.click()
    saved = tmp_path / caught.value.suggested_filename
    caught.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    with saved.open("rb") as handle:
        book = load_workbook(handle, read_only=True)
        rows = {row[:7] for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)}
        book.close()
    # The call: one application in Kazakh, none in Russian, and one grant, to the Kazakh application.
    assert (code, 1, 0, 1, 1, 0, 1) in rows
    # Labelled in Kazakh, as asked: the NGO's region, one application, one NGO, one grant of 3 000 000 ₸.
    assert ("Қызылорда облысы", "430000000", 1, 1, 1, 3000000, 3000000) in rows

    assert sorted(p.name for p in FOLDER.glob("*.png")) == [f"{name}.png" for name in step.taken]
    with live_app.app_context():
        application = db.session.execute(sa.select(Application)).scalar_one()
        assert application.status == Status.awarded and application.language == "kk"
        agreement = db.session.get(Agreement, agreement_id)
        assert agreement.status == AgreementStatus.active
        assert agreement.reports[0].status == ReportStatus.accepted
        assert tranche_state(agreement.tranches[0])[0] == "paid"
        assert tranche_state(agreement.tranches[1]) == ("payable", None)
        assert db.session.execute(sa.select(Workbook.status)).scalar_one() == WorkbookStatus.done
        db.session.remove()
