"""In a real browser, in Kazakh: an NGO answers a state social order's technical specification, service by
service; a price above a service's maximum is marked beside it, the total follows the corrected prices, and the
offer is submitted."""

import io
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from grants.applications import services as app_services
from grants.applications.models import Application, Status
from grants.extensions import db
from tests.conftest import PASSWORD, translated
from tests.e2e.conftest import shot
from tests.factories import PDF, create_call, create_organization, create_user

pytestmark = pytest.mark.e2e


def kk(msgid, **params):
    return translated("kk", msgid, **params)


def test_an_ngo_prices_each_service_of_the_specification_in_kazakh(live_app, page, app):
    with live_app.app_context():
        call = create_call(instrument="sso", criteria_set="")
        owner = create_user("applicant", locale="kk")
        org = create_organization(owner=owner)
        offer = app_services.start(owner, call.topics[0], org, "kk")
        db.session.flush()
        texts = {code: "Отбасыларға көмек орталығы 2015 жылдан бері Астанада жұмыс істейді." for code in
                 ("summary", "problem", "approach", "target_groups", "team")}
        app_services.save(owner, offer, {"title": "Отбасыларға психологиялық көмек", "language": "kk",
                                         "beneficiaries": 300, "duration_months": 10, **texts},
                          activities=[{"activity": "Кеңес беру және оқыту", "start_month": 1, "end_month": 10,
                                       "output": "Есеп"}])
        app_services.add_document(owner, offer, "charter", io.BytesIO(PDF), "жарғы.pdf")
        db.session.commit()
        offer_id, email = offer.id, owner.email
        db.session.remove()
    base = live_app.config["LIVE_URL"]

    page.goto(f"{base}/auth/login?lang=kk")
    page.get_by_label(kk("E-mail")).fill(email)
    page.get_by_label(kk("Password")).fill(PASSWORD)
    page.get_by_role("button", name=kk("Sign in")).click()
    page.goto(f"{base}/applications/{offer_id}/edit")

    expect(page.get_by_role("heading", name=kk("Offer on the technical specification"))).to_be_visible()
    expect(page.get_by_role("rowheader", name="Психологиялық кеңес")).to_be_visible()
    approach, volume, price = (kk("How the service will be delivered"), kk("Volume you commit to"),
                               kk("Your price per unit, tenge"))
    page.get_by_label(f"{approach} 1").fill("Орталықтың психологтары, аптасына 30 кеңес.")
    page.get_by_label(f"{price} 1").fill("16000")  # above the 15 000 maximum
    page.get_by_label(f"{approach} 2").fill("Топтық оқыту, сенбі күндері.")
    page.get_by_label(f"{volume} 2").fill("45")
    page.get_by_label(f"{price} 2").fill("45000")
    page.get_by_role("button", name=kk("Save"), exact=True).click()

    maximum = kk("At most %(price)s per unit: the specification's maximum price.", price="15\u00a0000,00\u00a0₸")
    expect(page.get_by_text(maximum).first).to_be_visible()
    expect(page.get_by_label(f"{price} 1")).to_have_value("16000")  # nothing typed is lost
    shot(page, "sso-1-offer-over-maximum-kk")
    page.get_by_label(f"{price} 1").fill("12000")
    page.get_by_role("button", name=kk("Save and review")).click()

    # 120 × 12 000 + 45 × 45 000 = 1 440 000 + 2 025 000 = 3 465 000
    expect(page.get_by_text("3\u00a0465\u00a0000,00\u00a0₸").first).to_be_visible()
    shot(page, "sso-2-offer-review-kk")
    page.get_by_role("button", name=kk("Submit the application")).click()
    expect(page.get_by_text(kk("Receipt number"), exact=False).first).to_be_visible()
    with live_app.app_context():
        stored = db.session.get(Application, offer_id)
        assert stored.status == Status.submitted and stored.offer_total == Decimal("3465000.00")
        db.session.remove()
