"""In a real browser: the NGO's head signs a draft agreement with ЭЦП on its page, in Kazakh, through the page's own
NCALayer client (a stand-in answers at NCALayer's address, signing with a test CA's key); then the operator, in
Russian, signs it on the management page, and the agreement is active with both signatures shown."""

import base64

import pytest
from playwright.sync_api import expect

from grants.extensions import db
from tests.conftest import translated
from tests.e2e.conftest import shot
from tests.e2e.ncalayer import NCALAYER, StandIn, signing_with
from tests.e2e.steps import sign_in, sign_with_eds
from tests.factories import create_agreement, make_iin, operator
from tests.pki import running_pki, trust

pytestmark = pytest.mark.e2e


def test_the_ngo_and_then_the_operator_sign_the_agreement_with_eds(live_app, page, browser, tmp_path):
    with running_pki() as pki:
        trust(live_app, pki, tmp_path)
        with live_app.app_context():
            agreement = create_agreement(sign=False)
            head, staff = agreement.organization.memberships[0].user, operator()
            head.iin, head.locale, staff.iin, staff.locale = make_iin(81), "kk", make_iin(82), "ru"
            db.session.commit()
            ids = agreement.id, agreement.number, agreement.organization.bin
            people = (head.email, head.iin), (staff.email, staff.iin)
            db.session.remove()
        agreement_id, number, bin_ = ids
        (head_email, head_iin), (staff_email, staff_iin) = people
        base = live_app.config["LIVE_URL"]

        ngo_key = pki.issue(purpose="sign", iin=head_iin, surname="ЖҰМАБАЕВ", name="МАРАТ", bin=bin_,
                            organization="ҚБ «АРАЛ ӨҢІРІ»", role="first_head")
        ncalayer = StandIn(signing_with(ngo_key, "SIGNATURE"))
        page.route_web_socket(NCALAYER, ncalayer)
        sign_in(page, base, head_email, "kk")
        page.goto(f"{base}/agreements/{agreement_id}")
        sign_with_eds(page, translated("kk", "Sign the agreement with EDS"))
        expect(page.locator(".flash").first).to_contain_text(translated(
            "kk", "The NGO's signature is kept. The grant operator signs next; the agreement is active then."))
        [request] = ncalayer.requests
        signed = base64.b64decode(request["args"][2])
        assert signed.startswith(f"Baiqau agreement\nagreement: {number}\nngo: {bin_}\n".encode())
        expect(page.locator("#signing")).to_contain_text("ЖҰМАБАЕВ МАРАТ")
        shot(page, "agreement-signed-by-ngo-kk")

        context = browser.new_context(viewport={"width": 1280, "height": 900})
        desk = context.new_page()
        operator_key = pki.issue(purpose="sign", iin=staff_iin, surname="ОПЕРАТОРОВ", name="ЕРЖАН")
        desk.route_web_socket(NCALAYER, StandIn(signing_with(operator_key, "SIGNATURE")))
        sign_in(desk, base, staff_email, "ru")
        desk.goto(f"{base}/manage/agreements/{agreement_id}")
        sign_with_eds(desk, translated("ru", "Sign with EDS: the agreement becomes active"))
        expect(desk.locator(".flash").first).to_contain_text(translated(
            "ru", "The agreement is signed with EDS by the NGO and the grant operator, and active."))
        expect(desk.locator("#signing")).to_contain_text("ЖҰМАБАЕВ МАРАТ")
        expect(desk.locator("#signing")).to_contain_text("ОПЕРАТОРОВ ЕРЖАН")
        shot(desk, "agreement-signed-by-both-ru")
        context.close()
        with live_app.app_context():
            from grants.agreements.models import Agreement

            assert db.session.get(Agreement, agreement_id).status == "active"
            db.session.remove()
