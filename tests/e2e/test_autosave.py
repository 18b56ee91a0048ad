"""In a real browser: a draft saves itself while the applicant types, and a lost connection loses nothing."""

import pytest
from playwright.sync_api import expect

from grants.extensions import db
from tests.conftest import PASSWORD, translated
from tests.e2e.conftest import shot
from tests.factories import create_application

pytestmark = pytest.mark.e2e


def test_typing_is_saved_without_pressing_save_even_through_a_lost_connection(live_app, page, app):
    with live_app.app_context():
        application = create_application(language="ru")
        app_id, email = application.id, application.created_by.email
        db.session.remove()
    base = live_app.config["LIVE_URL"]
    page.goto(f"{base}/auth/login?lang=ru")
    page.get_by_label(translated("ru", "E-mail")).fill(email)
    page.get_by_label(translated("ru", "Password")).fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/applications/{app_id}/edit")

    summary = page.locator("textarea[name='summary']")
    summary.fill("Первая версия описания, набранная без нажатия кнопки")
    status = page.locator("#autosave-status")
    expect(status).to_contain_text(translated("ru", "Saved at %(time)s.", time="")[:8], timeout=15000)
    page.reload()
    expect(summary).to_have_value("Первая версия описания, набранная без нажатия кнопки")

    page.context.set_offline(True)
    summary.fill("Текст, набранный без связи")
    expect(status).not_to_contain_text(translated("ru", "Saved at %(time)s.", time="")[:8], timeout=15000)
    shot(page, "autosave-offline-ru")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(status).to_contain_text(translated("ru", "Saved at %(time)s.", time="")[:8], timeout=15000)
    page.reload()
    expect(summary).to_have_value("Текст, набранный без связи")


def test_a_refused_draft_restored_from_the_browser_says_so_and_marks_its_fields(live_app, page, app):
    with live_app.app_context():
        application = create_application(language="kk")
        app_id, email = application.id, application.created_by.email
        db.session.remove()
    base = live_app.config["LIVE_URL"]
    page.goto(f"{base}/auth/login?lang=kk")
    page.get_by_label(translated("kk", "E-mail")).fill(email)
    page.get_by_label(translated("kk", "Password")).fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/applications/{app_id}/edit")

    months = page.locator("#duration_months")
    months.fill("99")
    status = page.locator("#autosave-status")
    refused = translated("kk", "Number must be between %(min)s and %(max)s.", min="1", max="60")
    expect(page.locator("#duration_months-err")).to_have_text(refused, timeout=15000)
    expect(months).to_have_attribute("aria-invalid", "true")

    page.reload()  # the server still holds the old value; the browser's copy comes back
    expect(months).to_have_value("99")
    restored = translated("kk", "Restored from this browser: what you typed at %(time)s had not been saved on the "
                                "server.", time="__TIME__").split("__TIME__")[0]
    expect(status).to_contain_text(restored.strip(), timeout=15000)
    expect(months).to_have_attribute("aria-invalid", "true", timeout=15000)
    expect(page.locator("#duration_months-err")).to_have_text(refused)
    shot(page, "autosave-restored-kk")
