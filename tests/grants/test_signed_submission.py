"""A submission signed with the NGO's ЭЦП: the manifest names the draft and its content's SHA-256, the signature is
verified before the submission is claimed and kept with what it signed; anyone checks it by the receipt number or
with the three files; a document changed by one byte, another NGO's or another person's key, and a draft changed
after signing are refused; a revocation between two signatures refuses the later one only."""

import base64
import hashlib
import io
import re

import pytest
import sqlalchemy as sa

from grants.applications import services as app_services
from grants.extensions import db
from grants.signatures import Verifier, verifier
from grants.signatures.documents import Signature
from grants.signatures.views import intact
from tests.conftest import csrf_from, login, translated
from tests.factories import create_application, create_organization, create_user, make_iin
from tests.gostca import GostPKI, gost_sign
from tests.pki import now, running_pki, sign, trust

pytestmark = pytest.mark.usefixtures("trusted")


@pytest.fixture
def draft():
    owner = create_user("applicant", locale="kk")
    owner.iin = make_iin(91)
    org = create_organization(owner=owner)
    return create_application(owner=owner, org=org)


def key_of(pki, application, **overrides):
    owner = application.organization.memberships[0].user
    fields = {"iin": owner.iin, "bin": application.organization.bin, "organization": "ҚБ ТЕСТ",
              "role": "first_head", **overrides}
    return pki.issue(purpose="sign", **fields)


def expected_manifest(application):
    """The manifest as the NGO's own tool would write it: derived here from the snapshot, not from the code."""
    content = app_services.signing_content(application)
    return (f"Baiqau application\napplication: {application.id}\ncall: {application.call.code}\n"
            f"revision: {application.revision}\nsha256: {hashlib.sha256(content).hexdigest()}\n").encode()


def test_a_signed_submission_keeps_the_signature_with_what_it_signed(draft, pki):
    owner = draft.organization.memberships[0].user
    manifest = expected_manifest(draft)
    assert app_services.signing_manifest(draft) == manifest
    cms = sign(key_of(pki, draft), manifest)
    app_services.submit(owner, draft, signature=cms)
    db.session.commit()
    [kept] = db.session.execute(sa.select(Signature)).scalars().all()
    assert (kept.object_type, kept.object_id) == ("ApplicationVersion", draft.versions[-1].id)
    assert kept.manifest == manifest and kept.cms == cms and intact(kept)
    assert (kept.signer_iin, kept.signer_bin, kept.signer_role) == (owner.iin, draft.organization.bin, "first_head")
    # the content is the frozen snapshot as canonical JSON, naming every file's SHA-256
    assert f"sha256: {hashlib.sha256(kept.content).hexdigest()}\n".encode() in kept.manifest


def test_a_signature_of_the_draft_before_a_change_does_not_submit_it(draft, pki):
    owner = draft.organization.memberships[0].user
    cms = sign(key_of(pki, draft), expected_manifest(draft))
    draft.revision += 1  # another window saved the draft after the page was signed
    db.session.commit()
    with pytest.raises(app_services.ApplicationError, match="does not match the signed data"):
        app_services.submit(owner, draft, signature=cms)
    db.session.rollback()
    assert draft.status == "draft" and not db.session.execute(sa.select(Signature)).first()


def test_another_ngos_certificate_is_refused(draft, pki):
    owner = draft.organization.memberships[0].user
    cms = sign(key_of(pki, draft, bin=create_organization().bin), expected_manifest(draft))
    with pytest.raises(app_services.ApplicationError, match="not of this NGO"):
        app_services.submit(owner, draft, signature=cms)


def test_another_persons_certificate_is_refused(draft, pki):
    owner = draft.organization.memberships[0].user
    cms = sign(key_of(pki, draft, iin=make_iin(92)), expected_manifest(draft))
    with pytest.raises(app_services.ApplicationError, match="another person's certificate"):
        app_services.submit(owner, draft, signature=cms)


def test_an_account_with_no_eds_linked_is_told_to_link_it_first(draft, pki):
    """A password account cannot say whose key it holds: the signer must be known as the account's own person."""
    owner = draft.organization.memberships[0].user
    cms = sign(key_of(pki, draft), expected_manifest(draft))
    owner.iin = None
    with pytest.raises(app_services.ApplicationError, match="no EDS linked yet"):
        app_services.submit(owner, draft, signature=cms)
    assert draft.status == "draft"


def test_the_authentication_key_does_not_sign_an_application(draft, pki):
    owner = draft.organization.memberships[0].user
    auth = pki.issue(purpose="auth", iin=owner.iin, bin=draft.organization.bin, role="first_head")
    with pytest.raises(app_services.ApplicationError, match="not for signing documents"):
        app_services.submit(owner, draft, signature=sign(auth, expected_manifest(draft)))


def test_a_revocation_between_two_signatures_refuses_only_the_later(pki):
    owner = create_user("applicant")
    owner.iin = make_iin(93)
    org = create_organization(owner=owner)
    first, second = create_application(owner=owner, org=org), create_application(owner=owner, org=org)
    key = pki.issue(purpose="sign", iin=owner.iin, bin=org.bin, role="first_head")
    app_services.submit(owner, first, signature=sign(key, expected_manifest(first)))
    db.session.commit()
    pki.revoke(key, at=now())
    verifier().cache.clear()  # the first OCSP answer's validity is over: the responder is asked again
    with pytest.raises(app_services.ApplicationError, match="revoked"):
        app_services.submit(owner, second, signature=sign(key, expected_manifest(second)))
    db.session.rollback()
    [kept] = db.session.execute(sa.select(Signature)).scalars().all()
    assert kept.object_id == first.versions[-1].id and intact(kept)  # the earlier stays valid


def test_required_eds_refuses_an_unsigned_submission(app, draft):
    app.config.update(EDS="required", EDS_ROLES=("applicant",))
    owner = draft.organization.memberships[0].user
    with pytest.raises(app_services.ApplicationError, match="signed with EDS"):
        app_services.submit(owner, draft)


def submitted_signed(pki, draft):
    owner = draft.organization.memberships[0].user
    app_services.submit(owner, draft, signature=sign(key_of(pki, draft), expected_manifest(draft)))
    db.session.commit()
    return owner


def test_anyone_checks_a_signed_application_by_its_receipt_number(client, draft, pki):
    submitted_signed(pki, draft)
    page = client.get(f"/verify?number={draft.receipt_number}&lang=kk").get_data(as_text=True)
    assert translated("kk", "Intact: the signature matches the document kept on Baiqau.") in page
    assert translated("kk", "First head", context="certificate holder") in page
    assert hashlib.sha256(db.session.execute(sa.select(Signature.content)).scalar_one()).hexdigest() in page
    missing = client.get("/verify?number=2026-NOPE-00001&lang=kk")
    assert missing.status_code == 404


def test_a_kept_document_changed_by_one_byte_is_shown_not_intact(client, draft, pki):
    submitted_signed(pki, draft)
    kept = db.session.execute(sa.select(Signature)).scalar_one()
    kept.manifest = kept.manifest.replace(b"revision: ", b"revision:  ")
    db.session.commit()
    page = client.get(f"/verify?number={draft.receipt_number}&lang=ru").get_data(as_text=True)
    assert translated("ru", "Not intact: the kept document does not match its signature. Tell the grant operator.") \
        in page


def test_the_three_files_download_for_the_ngo_and_check_without_the_number(app, client, draft, pki):
    owner = submitted_signed(pki, draft)
    login(client, owner.email)
    base = f"/applications/{draft.id}/versions/1"
    manifest, p7s, content = (client.get(f"{base}/{name}").data for name in
                              ("manifest.txt", "signature.p7s", "content.json"))
    assert p7s[:1] == b"\x30" and manifest.startswith(b"Baiqau application\n")
    other = app.test_client()
    assert other.get(f"{base}/signature.p7s").status_code == 302  # not for anyone: sign in first
    page = other.get("/verify?lang=kk").get_data(as_text=True)
    upload = {"csrf_token": csrf_from(page), "f-manifest": (io.BytesIO(manifest), "manifest.txt"),
              "f-signature": (io.BytesIO(p7s), "signature.p7s"), "f-content": (io.BytesIO(content), "content.json")}
    response = other.post("/verify/files", data=upload, content_type="multipart/form-data")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert translated("kk", "The signature is valid: the document was signed by the holder of this certificate and "
                            "not changed since.") in text
    assert translated("kk", "matches the signed document") in text
    changed = manifest.replace(b"call: ", b"call:  ")
    upload = {"csrf_token": csrf_from(page), "f-manifest": (io.BytesIO(changed), "manifest.txt"),
              "f-signature": (io.BytesIO(p7s), "signature.p7s")}
    response = other.post("/verify/files", data=upload, content_type="multipart/form-data")
    assert response.status_code == 400
    assert translated("kk", "The electronic digital signature does not match the signed data: the data were changed "
                            "after signing, or the signature belongs to other data.") in response.get_data(as_text=True)


def test_the_review_page_hands_ncalayer_the_manifest_for_the_signing_key(client, draft):
    login(client, draft.organization.memberships[0].user.email)
    page = client.get(f"/applications/{draft.id}?lang=kk").get_data(as_text=True)
    manifest = base64.b64decode(re.search(r'data-challenge="([^"]+)"', page).group(1))
    assert manifest == expected_manifest(draft)
    assert 'data-key-type="SIGNATURE"' in page
    assert translated("kk", "Sign with EDS and submit") in page


def test_the_demo_signs_a_submission_with_the_ngo_heads_test_key(app, client, draft, tmp_path):
    app.config["EDS_DEMO"] = str(tmp_path / "eds-demo")
    app.extensions["signatures"] = Verifier.from_config(app.config)
    owner = draft.organization.memberships[0].user
    login(client, owner.email)
    page = client.get(f"/applications/{draft.id}").get_data(as_text=True)
    response = client.post(f"/applications/{draft.id}/submit", data={"csrf_token": csrf_from(page), "demo": "1"})
    assert response.status_code == 302 and response.location.endswith("/receipt")
    kept = db.session.execute(sa.select(Signature)).scalar_one()
    assert kept.test and kept.signer_bin == draft.organization.bin


def test_a_submission_signed_with_a_gost_key_is_kept_and_checks_intact(app, client, draft, tmp_path):
    """НУЦ РК issues legal entities GOST signing keys (GOSTKNCA…): the NGO signs with one, the platform trusts the
    GOST root, and the receipt checks as an RSA one does."""
    owner = draft.organization.memberships[0].user
    with running_pki("GOST root", kind=GostPKI) as gost_pki:
        trust(app, gost_pki, tmp_path)
        key = gost_pki.issue(purpose="sign", iin=owner.iin, bin=draft.organization.bin, organization="ҚБ ТЕСТ",
                             role="signer")
        app_services.submit(owner, draft, signature=gost_sign(key, expected_manifest(draft)))
        db.session.commit()
        kept = db.session.execute(sa.select(Signature)).scalar_one()
        assert (kept.signer_iin, kept.signer_role) == (owner.iin, "signer") and intact(kept)
        page = client.get(f"/verify?number={draft.receipt_number}&lang=kk").get_data(as_text=True)
    assert translated("kk", "Intact: the signature matches the document kept on Baiqau.") in page
    assert "GOST root issuing CA" in page
