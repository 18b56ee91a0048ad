"""In a real browser, in Russian: an NGO files an interim report with a photo; the operator returns it with a
comment; the NGO corrects and resubmits; the operator accepts, and the next tranche becomes payable."""

from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from grants.agreements.services import tranche_state
from grants.extensions import db
from grants.i18n import astana_today, format_money
from grants.monitoring.models import Report, ReportStatus
from tests.conftest import PASSWORD
from tests.e2e.conftest import shot
from tests.factories import create_agreement, operator, photo_png

pytestmark = pytest.mark.e2e


def ru(msgid, **params):
    """The Russian interface's text (the English source where a translation is still to come)."""
    with force_locale("ru"):
        return gettext(msgid, **params)


def sign_in(page, base, email):
    page.goto(f"{base}/auth/login?lang=ru")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")


def sign_out(page):
    page.get_by_role("button", name=ru("Sign out")).click()


def test_an_interim_report_is_filed_returned_corrected_and_accepted(live_app, page, app, tmp_path):
    live_app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with live_app.app_context():
        agreement = create_agreement(language="ru")
        report = agreement.reports[0]
        ids = dict(report=report.id, ngo=agreement.organization.memberships[0].user.email, operator=operator().email,
                   indicator=agreement.indicators[0].id, line=agreement.budget_lines[0].id,
                   activity=agreement.activities[0].id, number=agreement.number, tranche=agreement.tranches[1].id)
        with force_locale("ru"):
            ids["amount"] = format_money(agreement.tranches[1].amount)
        db.session.remove()
    base = live_app.config["LIVE_URL"]
    picture = tmp_path / "тренинг.png"
    picture.write_bytes(photo_png())

    # The NGO writes the interim report.
    sign_in(page, base, ids["ngo"])
    page.goto(f"{base}/reports/{ids['report']}")
    expect(page.locator("#problems")).to_contain_text(ru("Describe what the project did in the period."))
    page.get_by_role("link", name=ru("Edit the report")).click()
    page.locator("#narrative").fill("Провели набор и три тренинга для волонтеров в Алматы и Талгаре.")
    for name, value in (("beneficiaries", "40"), ("reach", "95"), ("women", "24"), ("men", "16"),
                        ("under_18", "10"), ("from_18_to_34", "22"), ("from_35_to_62", "8"), ("over_62", "2"),
                        ("jobs_created", "3"), ("cofunding", "250 000"), ("services_delivered", "12"),
                        ("volunteers", "15")):
        page.locator(f"#{name}").fill(value)
    page.locator(f"input[name=actual_{ids['indicator']}]").fill("45")
    page.locator(f"input[name=comment_{ids['indicator']}]").fill("Набор идет по плану")
    page.locator(f"input[name=spent_{ids['line']}]").fill("1 200 000")
    page.locator(f"input[name=done_{ids['activity']}]").check()
    page.locator(f"input[name=note_{ids['activity']}]").fill("Три дня обучения, 40 участников")
    shot(page, "monitoring-1-edit-ru")
    page.get_by_role("button", name=ru("Save and review")).click()
    expect(page.locator("[role=status].flash-success")).to_contain_text(ru("The report is saved."))
    # The age groups add up to 42, not 40: the page says so before submission.
    expect(page.locator("#problems")).to_contain_text(
        ru("The age groups add up to %(n)d; the unique beneficiaries are %(total)d.", n=42, total=40))
    page.locator("#file").set_input_files(str(picture))
    page.locator("#activity_id").select_option(str(ids["activity"]))
    page.locator("#caption").fill("Тренинг в Талгаре")
    page.get_by_role("button", name=ru("Attach")).click()
    expect(page.locator("#activities img")).to_be_visible()
    expect(page.locator("#activities img")).to_have_js_property("naturalWidth", 160)
    shot(page, "monitoring-2-report-with-photo-ru")
    page.get_by_role("button", name=ru("Submit the report")).click()
    expect(page.locator("[role=alert].flash-error")).to_contain_text(
        ru("The age groups add up to %(n)d; the unique beneficiaries are %(total)d.", n=42, total=40))
    page.get_by_role("link", name=ru("Edit the report")).click()
    page.locator("#from_18_to_34").fill("20")
    page.get_by_role("button", name=ru("Save and review")).click()
    expect(page.locator("#problems")).to_have_count(0)
    page.get_by_role("button", name=ru("Submit the report")).click()
    expect(page.locator("[role=status].flash-success")).to_be_visible()
    expect(page.locator(".badge-submitted")).to_be_visible()
    shot(page, "monitoring-3-submitted-ru")
    sign_out(page)

    # The operator returns it with a comment.
    sign_in(page, base, ids["operator"])
    page.goto(f"{base}/manage/reports")
    expect(page.locator("main table")).to_contain_text(ids["number"])
    shot(page, "monitoring-4-queue-ru")
    page.locator(f"a[href='/manage/reports/{ids['report']}']").click()
    expect(page.locator("#tranches")).to_contain_text(ids["amount"])
    page.locator("#return-comment").fill("Приложите список участников тренинга с подписями.")
    page.locator("#return-due_on").fill((astana_today() + timedelta(days=10)).isoformat())
    shot(page, "monitoring-5-review-ru")
    page.get_by_role("button", name=ru("Return the report")).click()
    expect(page.locator(".badge-returned").first).to_be_visible()
    sign_out(page)

    # The NGO reads the comment, adds the list and submits again.
    sign_in(page, base, ids["ngo"])
    page.goto(f"{base}/reports/{ids['report']}")
    expect(page.locator("#review-comment")).to_contain_text("Приложите список участников тренинга с подписями.")
    shot(page, "monitoring-6-returned-ru")
    page.locator("#file").set_input_files({"name": "список участников.pdf", "mimeType": "application/pdf",
                                           "buffer": b"%PDF-1.4\n%%EOF\n"})
    page.locator("#activity_id").select_option(str(ids["activity"]))
    page.locator("#caption").fill("Список участников с подписями")
    page.get_by_role("button", name=ru("Attach")).click()
    expect(page.get_by_role("link", name="список участников.pdf")).to_be_visible()
    page.get_by_role("button", name=ru("Submit the report")).click()
    expect(page.locator(".badge-submitted")).to_be_visible()
    sign_out(page)

    # The operator accepts: the second tranche becomes payable.
    sign_in(page, base, ids["operator"])
    page.goto(f"{base}/manage/reports/{ids['report']}")
    page.locator("#accept-comment").fill("Отчет принят.")
    page.get_by_role("button", name=ru("Accept the report")).click()
    expect(page.locator(".badge-accepted").first).to_be_visible()
    expect(page.locator("#tranches")).to_contain_text(ru("Tranche %(n)s, %(amount)s, is payable.", n=2,
                                                         amount=ids["amount"]))
    shot(page, "monitoring-7-accepted-ru")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/reports/{ids['report']}")
    expect(page.locator("#review-comment")).to_contain_text("Отчет принят.")
    shot(page, "monitoring-8-accepted-phone-ru")

    with live_app.app_context():
        report = db.session.get(Report, ids["report"])
        assert report.status == ReportStatus.accepted and report.returns == 1 and len(report.evidence) == 2
        assert tranche_state(report.agreement.tranches[1]) == ("payable", None)
        db.session.remove()
