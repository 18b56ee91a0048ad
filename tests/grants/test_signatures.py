"""ЭЦП: CMS signatures verified as a relying party must, against a CA built in code and a real OCSP responder and
CRL server on loopback; every refusal says why, in the person's language."""

import asyncio
import base64
import contextvars
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from flask_babel import force_locale

from grants.app import create_app
from grants.signatures import HolderRole, Reason, SignatureRefused, Verifier, verifier, verify_cms
from grants.signatures.verify import load_certificates
from tests.conftest import settings_for
from tests.pki import PKI, RevocationServer, now, self_signed, sign, with_algorithms, with_signature_flipped

CHALLENGE = b"baiqau sign-in 6f1c2d9e"
IIN = "870412300416"
BIN = "100240500019"
KAZAKH = re.compile("[әғқңөұүһі]", re.IGNORECASE)


@pytest.fixture(scope="module")
def server():
    with RevocationServer() as server:
        yield server


@pytest.fixture(scope="module")
def pki(server):
    pki = PKI(server.url)
    server.pkis.append(pki)
    return pki


@pytest.fixture(scope="module")
def eds_app(pki, tmp_path_factory):
    """The trust anchors as production keeps them: a folder with the root (PEM) and the issuing CA (DER)."""
    folder = tmp_path_factory.mktemp("anchors")
    (folder / "root.pem").write_bytes(pki.root.pem)
    (folder / "issuing.cer").write_bytes(pki.intermediate.certificate.public_bytes(serialization.Encoding.DER))
    return create_app(settings_for("sqlite://", EDS_TRUST_ANCHORS=(str(folder),), EDS_TIMEOUT=5))


@pytest.fixture(autouse=True)
def fresh(eds_app, server):
    """Each test starts with no cached answer and both services up, inside the application."""
    verifier(eds_app).cache.clear()
    server.hits.clear()
    server.down.clear()
    with eds_app.app_context():
        yield


def refused(cms_b64, *, expected=CHALLENGE, purpose="auth", at=None):
    """The refusal, raised while the person reads Kazakh: its message must be Kazakh."""
    with force_locale("kk"), pytest.raises(SignatureRefused) as caught:
        verify_cms(cms_b64, expected_content=expected, purpose=purpose, at=at)
    assert KAZAKH.search(str(caught.value)), str(caught.value)
    return caught.value


# Accepted


def test_an_individuals_sign_in_signature_names_exactly_the_holder(pki):
    holder = pki.issue(iin=IIN, surname="ЖАҚСЫБЕКОВА", name="АЙГЕРІМ", patronymic="ҚАНАТҚЫЗЫ", email="aigerim@mail.kz")
    signer = verify_cms(sign(holder, CHALLENGE), expected_content=CHALLENGE, purpose="auth")
    assert (signer.iin, signer.bin, signer.organization, signer.role) == (IIN, None, None, None)
    assert not signer.is_legal_entity
    assert signer.full_name == "ЖАҚСЫБЕКОВА АЙГЕРІМ ҚАНАТҚЫЗЫ"  # CN, and the patronymic НУЦ РК writes as GIVENNAME
    assert (signer.surname, signer.email, signer.purpose) == ("ЖАҚСЫБЕКОВА", "aigerim@mail.kz", "auth")
    assert signer.serial == format(holder.certificate.serial_number, "x")
    assert signer.fingerprint == holder.certificate.fingerprint(hashes.SHA256()).hex()
    assert signer.certificate == holder.certificate.public_bytes(serialization.Encoding.DER)
    assert abs(signer.signed_at - now()) < timedelta(minutes=1)
    assert signer.algorithm == "sha256 rsassa_pkcs1v15" and signer.issuer == "Test root issuing CA"
    assert signer.not_after == holder.certificate.not_valid_after_utc


def test_a_signature_verifies_where_an_event_loop_already_runs_in_the_thread(pki):
    """An async server, or a browser test driving Playwright's sync API, runs a loop in the caller's thread."""
    holder = pki.issue(iin=IIN, surname="ЖАҚСЫБЕКОВА", name="АЙГЕРІМ")
    cms_b64 = sign(holder, CHALLENGE)

    async def inside_a_running_loop():
        return verify_cms(cms_b64, expected_content=CHALLENGE, purpose="auth")

    # on a thread of its own (with this test's app context), whatever loop the suite may run in this one
    with ThreadPoolExecutor(max_workers=1) as pool:
        signer = pool.submit(contextvars.copy_context().run, asyncio.run, inside_a_running_loop()).result()
    assert signer.iin == IIN


def test_an_attached_signature_carrying_the_challenge_is_accepted(pki):
    signer = verify_cms(sign(pki.issue(iin=IIN), CHALLENGE, detached=False), expected_content=CHALLENGE,
                        purpose="auth")
    assert signer.iin == IIN


@pytest.mark.parametrize("role", list(HolderRole))
def test_a_legal_entitys_signing_certificate_names_its_bin_organization_and_role(pki, role):
    holder = pki.issue(purpose="sign", iin=IIN, bin=BIN, organization="ҚФ «ЖАСЫЛ ДАЛА»", role=role.value)
    document = b"application 2026-0042, snapshot sha256:..."
    signer = verify_cms(sign(holder, document), expected_content=document, purpose="sign")
    assert (signer.iin, signer.bin, signer.organization, signer.role) == (IIN, BIN, "ҚФ «ЖАСЫЛ ДАЛА»", role)
    assert signer.is_legal_entity and signer.purpose == "sign"


def test_the_holders_kind_and_role_are_read_from_the_extended_key_usage_alone(pki):
    holder = pki.issue(purpose="sign", iin=IIN, bin=BIN, organization="ҚБ «ТІЛЕК»", role="first_head",
                       policies=False)
    assert verify_cms(sign(holder, b"x"), expected_content=b"x", purpose="sign").role == HolderRole.first_head


def test_a_chain_the_cms_carries_is_accepted_too(pki):
    holder = pki.issue(iin=IIN)
    cms = sign(holder, CHALLENGE, chain=[pki.intermediate.certificate, pki.root.certificate])
    assert verify_cms(cms, expected_content=CHALLENGE, purpose="auth").iin == IIN


# What the CMS says


@pytest.mark.parametrize("damage", ["not base64 at all!", base64.b64encode(b"\x30\x03\x02\x01").decode(), "",
                                    "certificate", "truncated"])
def test_what_is_not_a_cms_signature_or_is_damaged_is_refused(pki, damage):
    holder = pki.issue(iin=IIN)
    cms_b64 = {"certificate": base64.b64encode(holder.certificate.public_bytes(serialization.Encoding.DER)).decode(),
               "truncated": sign(holder, CHALLENGE)[:-40]}.get(damage, damage)
    assert refused(cms_b64).reason == Reason.malformed


def test_two_signers_in_one_cms_are_refused(pki):
    first, second = pki.issue(iin=IIN), pki.issue(iin="920305400125")
    from cryptography.hazmat.primitives.serialization import pkcs7

    der = (pkcs7.PKCS7SignatureBuilder().set_data(CHALLENGE)
           .add_signer(first.certificate, first.key, hashes.SHA256())
           .add_signer(second.certificate, second.key, hashes.SHA256())
           .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]))
    assert refused(base64.b64encode(der).decode()).reason == Reason.malformed


def test_a_signature_over_other_bytes_does_not_match_the_content(pki):
    cms = sign(pki.issue(iin=IIN), b"baiqau sign-in 00000000")  # detached: the bytes we hold are the challenge
    assert refused(cms).reason == Reason.signature_mismatch


def test_a_document_changed_by_one_byte_does_not_match(pki):
    document = b"agreement 17, sum 1 500 000.00"
    cms = sign(pki.issue(iin=IIN, purpose="sign"), document)
    assert refused(cms, expected=document.replace(b"1 500", b"7 500"), purpose="sign").reason == (
        Reason.signature_mismatch)


def test_a_changed_signature_value_does_not_match(pki):
    cms = with_signature_flipped(sign(pki.issue(iin=IIN), CHALLENGE))
    assert refused(cms).reason == Reason.signature_mismatch


def test_an_attached_content_other_than_the_challenge_is_refused(pki):
    cms = sign(pki.issue(iin=IIN), b"yesterday's challenge", detached=False)  # intact, but not what we asked
    assert refused(cms).reason == Reason.unexpected_content


@pytest.mark.parametrize("digest, signature", [("1.2.398.3.10.1.3.1", "1.2.398.3.10.1.1.1.2"),
                                               ("1.2.643.7.1.1.2.2", "1.2.398.3.10.1.1.2.3.1"),
                                               (None, "1.2.398.3.10.1.1.2.3.2")])
def test_an_old_gost_signature_or_gost_algorithms_on_an_rsa_key_are_refused(pki, digest, signature):
    """ГОСТ 34.310-2004 (old keys), or ГОСТ 34.10-2015 OIDs declared over an RSA key: refused as GOST the platform
    does not take (current GOST keys verify: tests/grants/test_gost.py)."""
    refusal = refused(with_algorithms(sign(pki.issue(iin=IIN), CHALLENGE), digest=digest, signature=signature))
    assert refusal.reason == Reason.unsupported_algorithm
    assert "ГОСТ 34.310-2004" in str(refusal)


def test_a_digest_not_allowed_is_refused_as_not_supported(pki):
    refusal = refused(sign(pki.issue(iin=IIN), CHALLENGE, digest=hashes.SHA224()))
    assert refusal.reason == Reason.unsupported_algorithm and "ГОСТ" not in str(refusal)


# The chain


def test_a_self_issued_certificate_carrying_a_real_iin_is_untrusted():
    refusal = refused(sign(self_signed(iin=IIN), CHALLENGE))
    assert refusal.reason == Reason.untrusted


def test_a_certificate_of_another_ca_is_untrusted_even_with_its_chain(server):
    other = PKI(server.url, name="Other root")
    holder = other.issue(iin=IIN)
    cms = sign(holder, CHALLENGE, chain=[other.intermediate.certificate, other.root.certificate])
    assert refused(cms).reason == Reason.untrusted
    assert not server.hits  # refused before anything was asked about it


def test_with_no_trust_anchor_configured_every_signature_is_untrusted(eds_app, pki):
    eds_app.extensions["signatures"], kept = Verifier(), eds_app.extensions["signatures"]
    try:
        assert refused(sign(pki.issue(iin=IIN), CHALLENGE)).reason == Reason.untrusted
    finally:
        eds_app.extensions["signatures"] = kept


def test_an_expired_certificate_is_refused_with_its_end(pki):
    holder = pki.issue(iin=IIN, not_before=now() - timedelta(days=400), not_after=now() - timedelta(days=2))
    refusal = refused(sign(holder, CHALLENGE))
    assert refusal.reason == Reason.expired and refusal.when == holder.certificate.not_valid_after_utc


def test_a_certificate_not_valid_yet_is_refused(pki):
    holder = pki.issue(iin=IIN, not_before=now() + timedelta(days=1), not_after=now() + timedelta(days=366))
    assert refused(sign(holder, CHALLENGE)).reason == Reason.not_yet_valid


# Revocation


def test_a_revoked_certificate_is_refused_saying_when(pki):
    holder = pki.issue(iin=IIN)
    moment = now() - timedelta(days=3)
    pki.revoke(holder, moment)
    refusal = refused(sign(holder, CHALLENGE))
    assert refusal.reason == Reason.revoked and refusal.when == moment
    assert (moment + timedelta(hours=5)).strftime("%d.%m.%Y %H:%M") in str(refusal)  # Astana time


def test_a_signature_made_before_the_revocation_stays_valid_and_one_after_is_refused(pki):
    holder = pki.issue(iin=IIN, purpose="sign")
    revoked_at = now() - timedelta(days=1)
    pki.revoke(holder, revoked_at)
    cms = sign(holder, b"report")
    assert verify_cms(cms, expected_content=b"report", purpose="sign", at=revoked_at - timedelta(hours=2)).iin == IIN
    assert refused(cms, expected=b"report", purpose="sign", at=revoked_at + timedelta(hours=2)).reason == (
        Reason.revoked)


def test_when_ocsp_is_down_the_crl_answers(pki, server):
    server.down.add("ocsp")
    signer = verify_cms(sign(pki.issue(iin=IIN), CHALLENGE), expected_content=CHALLENGE, purpose="auth")
    assert signer.iin == IIN
    assert server.hits["/ocsp"] == 1 and server.hits[f"/crl/{pki.intermediate.slug}.crl"] == 1


def test_when_ocsp_is_down_the_crl_tells_a_revocation(pki, server):
    holder = pki.issue(iin=IIN)
    pki.revoke(holder)
    server.down.add("ocsp")
    assert refused(sign(holder, CHALLENGE)).reason == Reason.revoked


def test_when_neither_ocsp_nor_the_crl_answers_the_status_is_unknown_and_refused(pki, server):
    server.down.update({"ocsp", "crl"})
    assert refused(sign(pki.issue(iin=IIN), CHALLENGE)).reason == Reason.revocation_unknown


def test_an_ocsp_answer_is_reused_for_its_validity(pki, server):
    holder = pki.issue(iin=IIN)
    for challenge in (b"first", b"second", b"third"):
        verify_cms(sign(holder, challenge), expected_content=challenge, purpose="auth")
    assert server.hits["/ocsp"] == 1
    assert server.hits[f"/crl/{pki.root.slug}.crl"] == 1  # the issuing CA's own status, from the root's CRL


def test_configured_addresses_override_those_the_certificate_names(eds_app, pki, server):
    pinned = Verifier.from_config({**eds_app.config, "EDS_OCSP_URL": f"{server.url}/pinned/ocsp",
                                   "EDS_CRL_URLS": (f"{server.url}/pinned/{pki.root.slug}.crl",
                                                    f"{server.url}/pinned/{pki.intermediate.slug}.crl")})
    eds_app.extensions["signatures"], kept = pinned, eds_app.extensions["signatures"]
    try:
        verify_cms(sign(pki.issue(iin=IIN), CHALLENGE), expected_content=CHALLENGE, purpose="auth")
        server.down.add("ocsp")
        pinned.cache.clear()
        verify_cms(sign(pki.issue(iin=IIN), CHALLENGE), expected_content=CHALLENGE, purpose="auth")
    finally:
        eds_app.extensions["signatures"] = kept
    assert set(server.hits) == {"/pinned/ocsp", f"/pinned/{pki.root.slug}.crl", f"/pinned/{pki.intermediate.slug}.crl"}
    assert server.hits["/pinned/ocsp"] == 2


# The key's purpose and the holder's numbers


def test_a_signing_key_cannot_sign_in(pki):
    refusal = refused(sign(pki.issue(iin=IIN, purpose="sign"), CHALLENGE), purpose="auth")
    assert refusal.reason == Reason.wrong_purpose and "AUTH" in str(refusal)


def test_the_authentication_key_cannot_sign_a_document(pki):
    refusal = refused(sign(pki.issue(iin=IIN, purpose="auth"), b"protocol"), expected=b"protocol", purpose="sign")
    assert refusal.reason == Reason.wrong_purpose


def test_a_certificate_without_an_iin_is_refused(pki):
    assert refused(sign(pki.issue(iin=None), CHALLENGE)).reason == Reason.no_iin


@pytest.mark.parametrize("serial_number", ["IIN870412300415", "IIN8704123004", "870412300416", "BIN100240500019"])
def test_a_malformed_iin_is_refused(pki, serial_number):
    assert refused(sign(pki.issue(serial_number=serial_number), CHALLENGE)).reason == Reason.malformed_iin


@pytest.mark.parametrize("bin_", ["100240500018", None])
def test_a_legal_entitys_certificate_without_a_valid_bin_is_refused(pki, bin_):
    holder = pki.issue(iin=IIN, purpose="sign", bin=bin_, organization="ҚБ «ТІЛЕК»", role="first_head")
    assert refused(sign(holder, b"x"), expected=b"x", purpose="sign").reason == Reason.malformed_bin


# Language and configuration


def test_the_refusal_speaks_russian_to_a_russian_reader():
    with force_locale("ru"), pytest.raises(SignatureRefused) as caught:
        verify_cms(sign(self_signed(iin=IIN), CHALLENGE), expected_content=CHALLENGE, purpose="auth")
    assert "регистрационное свидетельство" in str(caught.value).lower()


def test_a_purpose_other_than_auth_or_sign_is_a_programming_error(pki):
    with pytest.raises(ValueError, match="purpose"):
        verify_cms(sign(pki.issue(iin=IIN), CHALLENGE), expected_content=CHALLENGE, purpose="login")


def test_a_trust_anchor_file_that_is_not_a_certificate_stops_the_start(tmp_path):
    from config import ConfigError

    (tmp_path / "root.pem").write_text("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
    with pytest.raises(ConfigError, match="root.pem"):
        load_certificates(tmp_path / "root.pem")


def test_a_trust_anchor_that_is_not_a_certificate_stops_the_application_at_its_start(tmp_path):
    from config import ConfigError

    (tmp_path / "nca.cer").write_bytes(b"\x30\x03\x02\x01\x01")
    with pytest.raises(ConfigError, match="nca.cer"):
        create_app(settings_for("sqlite://", EDS_TRUST_ANCHORS=(str(tmp_path),)))
