"""In a real browser, in Kazakh: an NGO registers, writes an application in Kazakh, attaches a document, submits."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from grants.appforms.templates import STATE_GRANT
from grants.applications.models import Application, Status
from grants.demo import KK_TEXT
from grants.extensions import db
from tests.conftest import translated
from tests.e2e.conftest import shot
from tests.factories import PDF, create_call, make_bin

pytestmark = pytest.mark.e2e


def kk(msgid, **params):
    return translated("kk", msgid, **params)


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
    page.get_by_label(kk("BIN")).fill(make_bin(777))
    page.get_by_label(kk("Name in Kazakh")).fill("«Арал өңірі» қоғамдық қоры")
    page.get_by_label(kk("Name in Russian")).fill("Общественный фонд «Приаралье»")
    page.get_by_label(kk("Region"), exact=True).select_option(label="Қызылорда облысы")
    page.get_by_label(kk("Legal address")).fill("Қызылорда қ., Әйтеке би к-сі, 27")
    page.get_by_label(kk("Head (full name)")).fill("Марат Жұмабаев")
    page.get_by_label(kk("Phone")).fill("+7 724 222 33 44")
    page.get_by_label(kk("E-mail of the NGO")).fill("info@aral.kz")
    page.get_by_label(kk("Year of the last filing to the national NGO database")).fill("2026")
    shot(page, "intake-1-register-ngo-kk")
    page.get_by_role("button", name=kk("Register")).click()

    page.goto(f"{base}/calls/{call_id}")
    page.get_by_role("link", name=kk("Apply")).click()
    page.get_by_label(kk("Language of the application")).select_option("kk")
    page.get_by_role("button", name=kk("Start writing")).click()

    expect(page.get_by_role("heading", name=kk("Writing the application"))).to_be_visible()
    page.get_by_label(kk("Project title")).fill("Еріктілер клубы")
    page.get_by_label(kk("Duration, months")).fill("10")
    for block in STATE_GRANT:
        if block["code"] in KK_TEXT:
            page.get_by_label(kk(str(block["label"]._args[0]))).fill(str(KK_TEXT[block["code"]]))
    page.get_by_label(kk("Activity") + " 1").fill("Еріктілерді іріктеу және оқыту")
    page.get_by_label(kk("From month") + " 1").fill("1")
    page.get_by_label(kk("To month") + " 1").fill("3")
    page.get_by_label(kk("Indicator") + " 1", exact=True).fill("Оқытылған еріктілер")
    page.locator("input[name='indicators-0-unit']").fill("адам")
    page.locator("input[name='indicators-0-target']").fill("100")
    page.get_by_label(kk("Cost item") + " 1").fill("Тренингтер")
    page.locator("input[name='budget-0-unit']").fill("күн")
    page.get_by_label(kk("Quantity") + " 1").fill("10")
    page.get_by_label(kk("Unit cost, tenge") + " 1").fill("300000")
    shot(page, "intake-2-write-kk")
    page.get_by_role("button", name=kk("Save and review")).click()

    page.get_by_label(kk("Kind of document")).select_option("charter")
    charter = tmp_path / "Жарғы.pdf"
    charter.write_bytes(PDF)
    page.get_by_label(kk("File (PDF, DOCX, XLSX, JPG or PNG)")).set_input_files(str(charter))
    page.get_by_role("button", name=kk("Attach")).click()
    expect(page.get_by_role("link", name="Жарғы.pdf")).to_be_visible()
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
