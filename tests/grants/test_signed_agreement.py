"""The agreement signed with ЭЦП by both sides: the NGO first, with a certificate of its BIN held by its first head
or a person with the right to sign, then the operator, whose signature makes it active. Each refusal says why and
changes nothing; a change of the terms after the NGO signed needs its signature again."""

import hashlib
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from grants.agreements import services as agreements
from grants.agreements import signing
from grants.agreements.schedule import ReportRow, TrancheRow, schedule
from grants.extensions import db
from grants.i18n import astana_today
from grants.signatures.documents import Signature
from tests.conftest import csrf_from, login, translated
from tests.factories import create_agreement, create_user, make_bin, make_iin, operator
from tests.pki import sign

pytestmark = pytest.mark.usefixtures("trusted")


@pytest.fixture
def draft():
    agreement = create_agreement(sign=False)
    owner = agreement.organization.memberships[0].user
    owner.iin = make_iin(71)
    operator().iin = make_iin(72)
    db.session.commit()
    return agreement


def owner_of(agreement):
    return agreement.organization.memberships[0].user


def ngo_key(pki, agreement, **overrides):
    fields = {"iin": owner_of(agreement).iin, "bin": agreement.organization.bin, "organization": "ҚБ ТЕСТ",
              "role": "first_head", **overrides}
    return pki.issue(purpose="sign", **fields)


def operator_key(pki, **overrides):
    return pki.issue(purpose="sign", **{"iin": operator().iin, "surname": "ОПЕРАТОРОВА", **overrides})


def expected_manifest(agreement):
    """The manifest as either side's own tool would write it, from the agreement's number, BIN and amount."""
    content = signing.content(agreement)
    return (f"Baiqau agreement\nagreement: {agreement.number}\nngo: {agreement.organization.bin}\n"
            f"amount: {agreement.amount}\nsha256: {hashlib.sha256(content).hexdigest()}\n").encode()


def kept():
    return db.session.execute(sa.select(Signature).order_by(Signature.id)).scalars().all()


def test_the_ngo_signs_then_the_operator_and_the_agreement_is_active(draft, pki):
    manifest = expected_manifest(draft)
    assert signing.manifest(draft) == manifest
    with force_locale("kk"):  # what is signed is the same whichever language the page is in
        assert signing.manifest(draft) == manifest
    signing.sign_as_grantee(owner_of(draft), draft, sign(ngo_key(pki, draft), manifest))
    db.session.commit()
    assert draft.status == "draft"  # the NGO's signature alone does not make it active
    signing.sign_as_operator(operator(), draft, sign(operator_key(pki), manifest))
    db.session.commit()
    assert (draft.status, draft.signed_on) == ("active", astana_today())
    grantee, by_operator = kept()
    assert (grantee.object_type, grantee.signer_bin, grantee.signer_role) == (
        "Agreement/grantee", draft.organization.bin, "first_head")
    assert (by_operator.object_type, by_operator.signer_iin) == ("Agreement/operator", operator().iin)
    assert grantee.manifest == by_operator.manifest == manifest
    # What was signed is the terms themselves: the amount, each tranche and the NGO, as the schedule set them.
    terms = json.loads(grantee.content)
    assert Decimal(terms["amount"]) == draft.amount and terms["ngo"]["bin"] == draft.organization.bin
    assert [Decimal(t["amount"]) for t in terms["tranches"]] == [t.amount for t in draft.tranches]
    assert sum(Decimal(t["amount"]) for t in terms["tranches"]) == draft.amount
    verbs = [e.verb for e in draft_events(draft)]
    assert "agreement.sign_grantee" in verbs and verbs[-1] == "agreement.sign"


def draft_events(agreement):
    from grants.audit import AuditEvent

    return db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.object_type == "Agreement", AuditEvent.object_id == str(agreement.id))
        .order_by(AuditEvent.id)).scalars().all()


def test_the_operator_cannot_sign_before_the_ngo(draft, pki):
    with pytest.raises(agreements.AgreementError, match="has not signed these terms"):
        signing.sign_as_operator(operator(), draft, sign(operator_key(pki), expected_manifest(draft)))
    db.session.rollback()
    assert draft.status == "draft" and kept() == []


@pytest.mark.parametrize("overrides, reason", [
    ({"role": "employee"}, "An employee's certificate does not bind the NGO"),
    ({"bin": make_bin(9001, year=5)}, "not of this NGO"),
    ({"iin": make_iin(99)}, "another person's certificate"),
])
def test_a_certificate_that_cannot_bind_the_ngo_is_refused(draft, pki, overrides, reason):
    with pytest.raises(agreements.AgreementError, match=reason):
        signing.sign_as_grantee(owner_of(draft), draft, sign(ngo_key(pki, draft, **overrides),
                                                              expected_manifest(draft)))
    db.session.rollback()
    assert kept() == []


def test_a_person_with_the_right_to_sign_binds_the_ngo(draft, pki):
    signing.sign_as_grantee(owner_of(draft), draft, sign(ngo_key(pki, draft, role="signer"),
                                                          expected_manifest(draft)))
    db.session.commit()
    assert [s.signer_role for s in kept()] == ["signer"]


def test_only_the_ngos_staff_sign_for_it_and_an_account_without_eds_is_told_how(draft, pki):
    stranger = create_user("applicant")
    stranger.iin = make_iin(73)
    with pytest.raises(agreements.AgreementError, match="Only the staff of"):
        signing.sign_as_grantee(stranger, draft, sign(ngo_key(pki, draft, iin=stranger.iin),
                                                      expected_manifest(draft)))
    owner = owner_of(draft)
    owner.iin = None
    with pytest.raises(agreements.AgreementError, match="no EDS linked yet"):
        signing.sign_as_grantee(owner, draft, sign(ngo_key(pki, draft, iin=make_iin(71)), expected_manifest(draft)))
    with pytest.raises(agreements.AgreementError, match="Your role does not"):
        signing.sign_as_operator(owner, draft, sign(ngo_key(pki, draft), expected_manifest(draft)))
    db.session.rollback()
    assert kept() == []


def test_a_change_of_the_terms_after_the_ngo_signed_needs_its_signature_again(draft, pki):
    signing.sign_as_grantee(owner_of(draft), draft, sign(ngo_key(pki, draft), expected_manifest(draft)))
    db.session.commit()
    before = expected_manifest(draft)
    today = astana_today()
    first = draft.tranches[0].amount - Decimal("1000.00")  # the operator moves 1 000 tenge to the last tranche
    schedule(operator(), draft, [
        ReportRow("interim", today - timedelta(days=30), today + timedelta(days=120), today + timedelta(days=130)),
        ReportRow("final", today + timedelta(days=121), today + timedelta(days=300), today + timedelta(days=310)),
    ], [
        TrancheRow(first, today, "on_signing"),
        TrancheRow(draft.tranches[1].amount, today + timedelta(days=140), "report_accepted", 1),
        TrancheRow(draft.amount - first - draft.tranches[1].amount, today + timedelta(days=320), "report_accepted", 2),
    ])
    db.session.commit()
    assert expected_manifest(draft) != before
    assert signing.grantee_signature(draft) is None
    with pytest.raises(agreements.AgreementError, match="has not signed these terms"):
        signing.sign_as_operator(operator(), draft, sign(operator_key(pki), expected_manifest(draft)))
    db.session.rollback()
    # An old signature cannot be replayed over the new terms either: it names the old content.
    with pytest.raises(agreements.AgreementError):
        signing.sign_as_operator(operator(), draft, sign(operator_key(pki), before))
    db.session.rollback()
    signing.sign_as_grantee(owner_of(draft), draft, sign(ngo_key(pki, draft), expected_manifest(draft)))
    signing.sign_as_operator(operator(), draft, sign(operator_key(pki), expected_manifest(draft)))
    db.session.commit()
    assert draft.status == "active"


def test_an_agreement_cannot_be_signed_before_its_schedule_or_twice(pki):
    agreement = create_agreement()  # signed on paper already
    owner = owner_of(agreement)
    owner.iin = make_iin(74)
    with pytest.raises(agreements.AgreementError, match="cannot be done now"):
        signing.sign_as_grantee(owner, agreement, sign(ngo_key(pki, agreement), expected_manifest(agreement)))


def test_the_operator_bin_in_configuration_refuses_a_personal_certificate(app, draft, pki):
    operator_bin = make_bin(9002, year=5)
    app.config["OPERATOR_BIN"] = operator_bin
    signing.sign_as_grantee(owner_of(draft), draft, sign(ngo_key(pki, draft), expected_manifest(draft)))
    db.session.commit()
    with pytest.raises(agreements.AgreementError, match=operator_bin):
        signing.sign_as_operator(operator(), draft, sign(operator_key(pki), expected_manifest(draft)))
    db.session.rollback()
    signing.sign_as_operator(operator(), draft, sign(operator_key(pki, bin=operator_bin, organization="ОПЕРАТОР",
                                                                  role="signer"), expected_manifest(draft)))
    db.session.commit()
    assert draft.status == "active"


def test_where_the_operator_signs_with_eds_the_paper_way_is_refused(app, draft):
    app.config["EDS"] = "required"
    agreements.add_document(operator(), draft, "signed_copy", io.BytesIO(b"%PDF-1.4 scan"), "signed.pdf")
    with pytest.raises(agreements.AgreementError, match="Your role signs agreements with EDS"):
        agreements.sign(operator(), draft, astana_today())
    db.session.rollback()
    assert draft.status == "draft"


def test_both_pages_show_who_signed_and_offer_the_signature_to_whose_turn_it_is(app, draft, pki):
    owner = owner_of(draft)
    owner.locale = "kk"
    db.session.commit()
    ngo = app.test_client()
    login(ngo, owner.email)
    page = ngo.get(f"/agreements/{draft.id}").get_data(as_text=True)
    assert f'action="/agreements/{draft.id}/sign"' in page and "data-ncalayer" in page
    staff = app.test_client()
    login(staff, operator().email)
    board = staff.get(f"/manage/agreements/{draft.id}").get_data(as_text=True)
    assert "sign-eds" not in board  # the NGO signs first
    answer = ngo.post(f"/agreements/{draft.id}/sign", data={
        "csrf_token": csrf_from(page), "signature": sign(ngo_key(pki, draft, role="employee"),
                                                         expected_manifest(draft))}, follow_redirects=True)
    assert translated("kk", "An employee's certificate does not bind the NGO. The agreement is signed by the NGO's "
                            "first head, or by a person with the right to sign.") in answer.get_data(as_text=True)
    assert kept() == []
    ngo.post(f"/agreements/{draft.id}/sign", data={
        "csrf_token": csrf_from(page), "signature": sign(ngo_key(pki, draft), expected_manifest(draft))})
    board = staff.get(f"/manage/agreements/{draft.id}").get_data(as_text=True)
    [grantee] = kept()
    assert f'action="/manage/agreements/{draft.id}/sign-eds"' in board and grantee.signer_name in board
    answer = staff.post(f"/manage/agreements/{draft.id}/sign-eds", data={
        "csrf_token": csrf_from(board), "signature": sign(operator_key(pki), expected_manifest(draft))})
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(draft), draft.id).status == "active"
    page = ngo.get(f"/agreements/{draft.id}").get_data(as_text=True)
    names = [s.signer_name for s in kept()]
    assert len(set(names)) == 2 and all(name in page for name in names) and "data-ncalayer" not in page
    # A form without its token changes nothing.
    assert staff.post(f"/manage/agreements/{draft.id}/sign-eds", data={}).status_code == 400


def test_anyone_checks_the_signed_agreement_by_its_number(client, draft, pki):
    manifest = expected_manifest(draft)
    signing.sign_as_grantee(owner_of(draft), draft, sign(ngo_key(pki, draft), manifest))
    signing.sign_as_operator(operator(), draft, sign(operator_key(pki), manifest))
    db.session.commit()
    page = client.get(f"/verify?number={draft.number.lower()}&lang=ru").get_data(as_text=True)
    assert translated("ru", "Agreement %(number)s, signed by the NGO", number=draft.number) in page
    assert translated("ru", "Agreement %(number)s, signed by the grant operator", number=draft.number) in page
    assert page.count(translated("ru", "Intact: the signature matches the document kept on Baiqau.")) == 2
    assert "ОПЕРАТОРОВА" in page
