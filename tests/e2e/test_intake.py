"""In a real browser, in Kazakh: an NGO registers, writes an application in Kazakh, attaches a document, submits."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from grants.applications.models import Application, Status
from grants.extensions import db
from grants.mail import OutboxMessage
from grants.organizations import ownership
from grants.organizations.models import Organization
from tests.e2e.conftest import shot
from tests.e2e.steps import attach_charter, kk, register_ngo, write_application
from tests.factories import create_call, create_user, make_bin

pytestmark = pytest.mark.e2e


UNVERIFIED = ("Your NGO is not verified yet, so the application cannot be submitted. Sign in with the EDS of the NGO "
              "(the certificate of its head, or of an employee, with its BIN), or ask the grant operator to check its "
              "registration documents. The draft stays as it is.")


def test_an_ngo_applies_in_kazakh_with_the_interface_in_kazakh(live_app, page, app, tmp_path):
    live_app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with live_app.app_context():
        call = create_call(regions=("430000000",))
        call_id, call_code = call.id, call.code
        db.session.remove()
    base = live_app.config["LIVE_URL"]

    page.goto(f"{base}/?lang=kk")
    page.get_by_role("link", name=kk("Sign in")).click()
    page.get_by_role("link", name=kk("Create an account")).click()
    page.get_by_label(kk("Full name")).fill("Марат Жұмабаев")
    page.get_by_label(kk("E-mail")).fill("marat@aral.kz")
    page.get_by_label(kk("Password"), exact=True).fill("Арал-теңізі-2026")
    page.get_by_label(kk("Password again")).fill("Арал-теңізі-2026")
    page.get_by_role("button", name=kk("Create an account")).click()

    expect(page.get_by_role("heading", name=kk("Register an NGO"))).to_be_visible()
    # the address is proven by the mailed link before the account acts
    with live_app.app_context():
        letter = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.to == "marat@aral.kz")).scalar_one()
        link = re.search(r"/auth/verify-email/\S+", letter.body).group(0)
        db.session.remove()
    page.goto(f"{base}{link}")
    expect(page.locator(".flash").first).to_contain_text(kk("Your e-mail %(email)s is confirmed.",
                                                              email="marat@aral.kz"))
    register_ngo(page, base, make_bin(777))
    shot(page, "intake-1-register-ngo-kk")
    page.get_by_role("button", name=kk("Register")).click()
    expect(page.locator(".flash").first).to_contain_text(
        kk("%(name)s is registered. You are its owner.", name="«Арал өңірі» қоғамдық қоры"))

    page.goto(f"{base}/calls/{call_id}")
    page.get_by_role("link", name=kk("Apply")).click()
    page.get_by_label(kk("Language of the application")).select_option("kk")
    page.get_by_role("button", name=kk("Start writing")).click()

    expect(page.get_by_role("heading", name=kk("Writing the application"))).to_be_visible()
    write_application(page)
    shot(page, "intake-2-write-kk")
    page.get_by_role("button", name=kk("Save and review")).click()

    attach_charter(page, tmp_path)
    expect(page.get_by_role("link", name="Жарғы.pdf")).to_be_visible()
    # an NGO registered by its BIN alone is not proven its own yet: the review says so, until the operator
    # has checked its registration documents
    expect(page.get_by_text(kk(UNVERIFIED))).to_be_visible()
    with live_app.app_context():
        org = db.session.execute(sa.select(Organization)).scalar_one()
        ownership.verify_by_documents(create_user("operator"), org, "Тіркеу туралы анықтама, жарғы, бұйрық")
        db.session.commit()
        db.session.remove()
    page.reload()
    shot(page, "intake-3-review-kk")
    page.get_by_role("button", name=kk("Submit the application")).click()

    expect(page.get_by_role("heading", name=kk("Receipt of an application"))).to_be_visible()
    expect(page.locator(".receipt")).to_contain_text(f"{call_code}-00001")
    shot(page, "intake-4-receipt-kk")
    assert page.locator("html").get_attribute("lang") == "kk"

    with live_app.app_context():
        application = db.session.execute(sa.select(Application)).scalar_one()
        assert application.status == Status.submitted and application.language == "kk"
        assert application.versions[0].content["documents"][0]["filename"] == "Жарғы.pdf"
        assert application.budget_total == 3000000
        db.session.remove()
