"""In a real browser, in Kazakh: the sign-in page's own NCALayer client talks to a stand-in for NCALayer that
speaks its protocol (Playwright's WebSocket routing at wss://127.0.0.1:13579) and signs with a test CA's key, as
NCALayer signs with the person's .p12 file. An NGO's head signs in with ЭЦП for the first time and opens an
account; a cancelled signing and an NCALayer that is not running each say so on the page."""

import base64
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from grants.extensions import db
from grants.mail import OutboxMessage
from grants.organizations.models import Organization
from tests.conftest import translated
from tests.e2e.conftest import shot
from tests.e2e.ncalayer import NCALAYER, StandIn, signing_with
from tests.e2e.steps import attach_charter, kk, register_ngo, sign_with_eds, write_application
from tests.factories import create_call, make_bin
from tests.pki import running_pki, trust

pytestmark = pytest.mark.e2e

IIN, BIN = "870412300416", "150340012340"


@pytest.fixture
def eds_app(live_app, tmp_path):
    with running_pki() as pki:
        trust(live_app, pki, tmp_path)
        yield live_app, pki


def open_eds_page(page, base):
    page.goto(f"{base}/auth/login?lang=kk")
    page.get_by_role("link", name=translated("kk", "Sign in with EDS")).click()
    expect(page.get_by_role("heading", name=translated("kk", "Sign in with EDS"))).to_be_visible()


def test_an_ngo_head_signs_in_with_eds_for_the_first_time_and_opens_an_account(eds_app, page):
    app, pki = eds_app
    head = pki.issue(iin=IIN, surname="ЖАҚСЫБЕКОВА", name="АЙГЕРІМ", patronymic="ҚАНАТҚЫЗЫ", email="aigerim@mail.kz",
                     bin=BIN, organization="ҚБ «ЖАСТАР КЕЛЕШЕГІ»", role="first_head")
    ncalayer = StandIn(signing_with(head))
    page.route_web_socket(NCALAYER, ncalayer)
    base = app.config["LIVE_URL"]
    open_eds_page(page, base)
    shot(page, "eds-sign-in-kk")
    sign_with_eds(page, translated("kk", "Sign with EDS"))
    expect(page.get_by_role("heading", name=translated("kk", "Your EDS and your account"))).to_be_visible()
    [request] = ncalayer.requests
    assert (request["module"], request["method"]) == ("kz.gov.pki.knca.commonUtils", "createCAdESFromBase64")
    assert request["args"][:2] == ["PKCS12", "AUTHENTICATION"] and request["args"][3] is False
    assert base64.b64decode(request["args"][2]).startswith(b"Baiqau sign-in ")
    expect(page.get_by_text("ЖАҚСЫБЕКОВА АЙГЕРІМ ҚАНАТҚЫЗЫ")).to_be_visible()
    expect(page.get_by_text(translated("kk", "First head", context="certificate holder"))).to_be_visible()
    shot(page, "eds-account-kk")
    email = page.get_by_label(translated("kk", "E-mail")).nth(1)  # the new account's form, after the link form's
    expect(email).to_have_value("aigerim@mail.kz")
    page.get_by_role("button", name=translated("kk", "Open an account")).click()
    expect(page.locator(".flash").first).to_contain_text(
        translated("kk", "Your account is ready. Now register your NGO by its BIN."))
    expect(page.get_by_role("button", name=translated("kk", "Sign out"))).to_be_visible()
    with app.app_context():
        from grants.auth.models import User

        user = db.session.query(User).filter_by(iin=IIN).one()
        assert (user.email, user.full_name) == ("aigerim@mail.kz", "Жақсыбекова Айгерім Қанатқызы")
        db.session.remove()


def test_a_cancelled_signing_and_an_absent_ncalayer_say_so_on_the_page(eds_app, page, browser):
    app, _pki = eds_app
    base = app.config["LIVE_URL"]
    page.route_web_socket(NCALAYER, StandIn(lambda request: {"code": "500", "message": "action.canceled"}))
    open_eds_page(page, base)
    sign_with_eds(page, translated("kk", "Sign with EDS"))
    expect(page.locator("[data-ncalayer-status]")).to_have_text(
        translated("kk", "Signing was cancelled in NCALayer. Press the button to try again."))
    expect(page.get_by_role("button", name=translated("kk", "Sign with EDS"))).to_be_enabled()

    # nothing listens on NCALayer's port here: the browser's connection fails
    context = browser.new_context()
    absent = context.new_page()
    open_eds_page(absent, base)
    sign_with_eds(absent, translated("kk", "Sign with EDS"))
    expect(absent.locator("[data-ncalayer-status]")).to_have_text(translated(
        "kk", "NCALayer does not answer. Start NCALayer on this computer (it runs beside the browser), then press "
              "the button again."))
    shot(absent, "eds-no-ncalayer-kk")
    context.close()


def test_an_ngo_head_signs_in_registers_the_ngo_proven_by_the_key_and_submits_a_signed_application(
        eds_app, page, browser, tmp_path):
    """The whole way of an NGO whose head has ЭЦП, in Kazakh: sign in with the authentication key, open an account,
    register the NGO by the certificate's BIN (verified at once, no operator needed), write and sign the application
    with the signing key, and anyone checks the signature by the receipt number."""
    app, pki = eds_app
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with app.app_context():
        call = create_call(regions=("430000000",))
        call_id, receipt = call.id, f"{call.code}-00001"
        db.session.remove()
    person = dict(iin=IIN, surname="ЖҰМАБАЕВ", name="МАРАТ", patronymic="СЕРІКҰЛЫ", email="marat@aral.kz",
                  bin=make_bin(778), organization="«АРАЛ ӨҢІРІ» ҚОҒАМДЫҚ ҚОРЫ", role="first_head")
    keys = {"AUTHENTICATION": pki.issue(**person), "SIGNATURE": pki.issue(purpose="sign", **person)}
    ncalayer = StandIn(lambda request: signing_with(keys[request["args"][1]], request["args"][1])(request))
    page.route_web_socket(NCALAYER, ncalayer)
    base = app.config["LIVE_URL"]

    open_eds_page(page, base)
    sign_with_eds(page, kk("Sign with EDS"))
    page.get_by_role("button", name=kk("Open an account")).click()
    expect(page.locator(".flash").first).to_contain_text(kk("Your account is ready. Now register your NGO by its BIN."))
    with app.app_context():  # the address in the certificate is proven by the mailed link all the same
        letter = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.to == "marat@aral.kz")).scalar_one()
        link = re.search(r"/auth/verify-email/\S+", letter.body).group(0)
        db.session.remove()
    page.goto(f"{base}{link}")

    register_ngo(page, base, person["bin"])
    page.get_by_role("button", name=kk("Register")).click()
    expect(page.locator(".flash").first).to_contain_text(
        kk("%(name)s is registered. You are its owner.", name="«Арал өңірі» қоғамдық қоры"))
    with app.app_context():
        org = db.session.execute(sa.select(Organization)).scalar_one()
        # proven by the certificate of its BIN: the head is its owner without the operator's check
        assert org.verified_at is not None and org.bin == person["bin"]
        db.session.remove()

    page.goto(f"{base}/calls/{call_id}")
    page.get_by_role("link", name=kk("Apply")).click()
    page.get_by_label(kk("Language of the application")).select_option("kk")
    page.get_by_role("button", name=kk("Start writing")).click()
    write_application(page)
    page.get_by_role("button", name=kk("Save and review")).click()
    attach_charter(page, tmp_path)
    shot(page, "eds-intake-review-kk")
    sign_with_eds(page, kk("Sign with EDS and submit"))

    expect(page.get_by_role("heading", name=kk("Receipt of an application"))).to_be_visible()
    expect(page.locator(".receipt")).to_contain_text(receipt)
    signed = ncalayer.requests[-1]
    assert signed["args"][1] == "SIGNATURE" and signed["args"][3] is False  # a detached signature
    assert base64.b64decode(signed["args"][2]).startswith(b"Baiqau application\n")

    # anyone checks it by the number on the receipt: here someone who never signed in, in a browser of their own
    context = browser.new_context()
    anyone = context.new_page()
    anyone.goto(f"{base}/verify?number={receipt}&lang=kk")
    expect(anyone.get_by_text(kk("Intact: the signature matches the document kept on Baiqau."))).to_be_visible()
    expect(anyone.get_by_text("ЖҰМАБАЕВ МАРАТ СЕРІКҰЛЫ", exact=True)).to_be_visible()
    expect(anyone.get_by_text(kk("First head", context="certificate holder"))).to_be_visible()
    shot(anyone, "eds-intake-verify-kk")
    context.close()
