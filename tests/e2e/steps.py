"""What a person does in the browser, shared by the e2e tests: sign in and out, press a button, follow a link,
read the flash, fill a form in."""

from playwright.sync_api import expect

from tests.conftest import PASSWORD, translated


def sign_in(page, base, email, lang):
    page.goto(f"{base}/auth/login?lang={lang}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")


def sign_out(page, lang):
    page.get_by_role("button", name=translated(lang, "Sign out")).click()


def press(page, lang, msgid):
    page.get_by_role("button", name=translated(lang, msgid), exact=True).click()


def follow(page, lang, msgid):
    """Click a link; one folded into a group of the main menu is reached by opening the group, as a person does."""
    name = translated(lang, msgid)
    folded = page.locator("nav.mainnav details:not([open])").filter(
        has=page.get_by_role("link", name=name, exact=True, include_hidden=True))
    if folded.count():
        folded.locator("summary").click()
    page.get_by_role("link", name=name, exact=True).click()


def flash(page, lang, msgid, **params):
    expect(page.locator("[role=status].flash-success")).to_contain_text(translated(lang, msgid, **params))


def fill_in(page, values):
    """Type each value into the field its selector names, in order, as a person fills a form."""
    for selector, value in values.items():
        page.locator(selector).fill(value)


def local(moment):
    """A moment as a datetime-local field takes it."""
    return moment.strftime("%Y-%m-%dT%H:%M")
