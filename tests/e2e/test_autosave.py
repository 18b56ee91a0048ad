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
