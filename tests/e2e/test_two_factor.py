"""In a real browser, in Kazakh: an operator whose role requires two-factor sign-in enrols an authenticator app
at the first sign-in, keeps the recovery codes, and signs in again with the password and the app's code."""

import re

import pytest
from playwright.sync_api import expect

from grants.extensions import db
from tests.conftest import PASSWORD, translated
from tests.e2e.conftest import shot
from tests.factories import create_user, totp

pytestmark = pytest.mark.e2e


def sign_in(page, base, email):
    page.goto(f"{base}/auth/login?lang=kk")
    page.get_by_label(translated("kk", "E-mail")).fill(email)
    page.get_by_label(translated("kk", "Password")).fill(PASSWORD)
    page.get_by_role("button", name=translated("kk", "Sign in")).click()


def test_an_operator_enrols_at_the_first_sign_in_and_signs_in_with_the_apps_code(live_app, page):
    live_app.config["TWO_FACTOR"] = "required"
    with live_app.app_context():
        create_user("operator", email="dana@example.kz", full_name="Дана Оспанова", locale="kk")
        db.session.remove()
    base = live_app.config["LIVE_URL"]
    sign_in(page, base, "dana@example.kz")
    expect(page.get_by_role("heading", name=translated("kk", "Two-factor sign-in"))).to_be_visible()
    expect(page.locator("[role=status], .flash").first).to_contain_text(
        translated("kk", "Your role requires two-factor sign-in. Turn it on to go on."))
    expect(page.locator(".qr svg")).to_be_visible()
    shot(page, "two-factor-setup-kk")
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.get_by_label(translated("kk", "Code")).fill("000000" if totp(secret) != "000000" else "111111")
    page.get_by_role("button", name=translated("kk", "Turn on two-factor sign-in")).click()
    expect(page.locator(".error").first).to_contain_text(translated(
        "kk", "The code is not correct. Type the six digits the app shows now; if it keeps failing, check that the "
              "phone's clock is set automatically."))
    page.get_by_label(translated("kk", "Code")).fill(totp(secret))
    page.get_by_role("button", name=translated("kk", "Turn on two-factor sign-in")).click()
    expect(page.get_by_role("heading", name=translated("kk", "Recovery codes"))).to_be_visible()
    codes = page.locator("ol.codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[0-9A-F]{6}-[0-9A-F]{6}", c) for c in codes)
    page.get_by_role("link", name=translated("kk", "I have kept the codes")).click()
    expect(page.get_by_text(translated("kk", "Recovery codes left:"))).to_be_visible()
    page.goto(f"{base}/manage/calls/")  # the operator's work opens now
    assert page.url == f"{base}/manage/calls/"

    page.get_by_role("button", name=translated("kk", "Sign out")).click()
    sign_in(page, base, "dana@example.kz")
    expect(page.get_by_role("heading", name=translated("kk", "Sign-in code"))).to_be_visible()
    shot(page, "two-factor-code-kk")
    page.get_by_label(translated("kk", "Code")).fill(totp(secret, step_offset=1))  # this step's code was spent
    page.get_by_role("button", name=translated("kk", "Sign in")).click()
    expect(page.get_by_role("button", name=translated("kk", "Sign out"))).to_be_visible()
    page.goto(f"{base}/manage/calls/")
    assert page.url == f"{base}/manage/calls/"
