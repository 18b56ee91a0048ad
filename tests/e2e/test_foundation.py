"""In a real browser: the home page in each language, and signing in."""

import pytest
from playwright.sync_api import expect

from grants.extensions import db
from tests.conftest import PASSWORD, translated
from tests.e2e.conftest import shot
from tests.factories import create_user

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_home_page_in_each_language(live_app, page, app, lang):
    page.goto(f"{live_app.config['LIVE_URL']}/?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    heading = page.locator("h1").inner_text()
    assert heading == translated(lang, "Grants, social order and awards for NGOs of Kazakhstan")
    shot(page, f"home-{lang}")


def test_sign_in_with_the_keyboard_in_kazakh(live_app, page, app):
    with live_app.app_context():
        create_user("applicant", email="aigul@example.kz", full_name="Айгүл Сейітқызы")
        db.session.remove()
    base = live_app.config["LIVE_URL"]
    page.goto(f"{base}/?lang=kk")
    page.get_by_role("link", name=translated("kk", "Sign in")).click()
    page.get_by_label(translated("kk", "E-mail")).fill("aigul@example.kz")
    page.get_by_label(translated("kk", "Password")).fill("wrong-password-1")
    page.keyboard.press("Enter")
    expect(page.locator("[role=alert]")).to_contain_text(translated("kk", "The e-mail or password is not correct."))
    page.get_by_label(translated("kk", "Password")).fill(PASSWORD)
    page.get_by_role("button", name=translated("kk", "Sign in")).click()
    welcome = translated("kk", "Welcome, %(name)s", name="Айгүл Сейітқызы")
    expect(page.get_by_role("heading", name=welcome)).to_be_visible()
    shot(page, "signed-in-kk")
    page.get_by_role("button", name=translated("kk", "Sign out")).click()
    expect(page.get_by_role("link", name=translated("kk", "Sign in"))).to_be_visible()
