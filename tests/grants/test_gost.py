"""ЭЦП with НУЦ РК's GOST keys: ГОСТ 34.10-2015 and Streebog checked on the standards' own examples, then a GOST
hierarchy built in code (root, issuing CA, a GOST OCSP responder, CRLs on loopback) through sign-in and a signed
document, each refusal as for RSA."""

import pytest
from flask_babel import force_locale

from grants.app import create_app
from grants.signatures import HolderRole, Reason, SignatureRefused, gost, verifier, verify_cms
from tests.conftest import settings_for
from tests.gostca import GostPKI, gost_sign
from tests.pki import RevocationServer, with_signature_flipped

CHALLENGE = b"Baiqau sign-in 9d2e41c7"
IIN, BIN = "870412300416", "150340012340"

# ГОСТ 34.11-2012 (= ГОСТ 34.11-2015), example 1: the 63 bytes "0123…012" and their hashes as the standard prints
# them, as numbers (most significant byte first). CMS carries the same bytes in the opposite order.
M1 = b"012345678901234567890123456789012345678901234567890123456789012"
H256 = "00557be5e584fd52a449b16b0251d05d27f94ab76cbaa6da890b59d8ef1e159d"
H512 = ("486f64c1917879417fef082b3381a4e211c324f074654c38823a7b76f830ad00"
        "fa1fbae42b1285c0352f227524bc9ab16254288dd6863dccd5b9f54a1ad0541b")

# ГОСТ 34.10-2012 (= ГОСТ 34.10-2015), appendix A.1: the test curve, the key d, its public key Q, the digest's
# number e, and the signature (r, s) made with k = 77105C9B…
CURVE = {"p": 0x8000000000000000000000000000000000000000000000000000000000000431, "a": 7,
         "b": 0x5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E,
         "m": 0x8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3,
         "q": 0x8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3,
         "x": 2, "y": 0x08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8}
D = 0x7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28
QX = 0x7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B
QY = 0x26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA
E = 0x2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5
R = 0x41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493
S = 0x01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40


def little(number, size=32):
    return number.to_bytes(size, "little")


def big(number, size=32):
    return number.to_bytes(size, "big")


# The standards' examples, laid out as X.509 and CMS lay them (RFC 4491, RFC 9215)


def test_streebog_gives_the_standards_hashes_in_the_order_cms_carries_them():
    assert gost.digest("streebog256", M1) == bytes.fromhex(H256)[::-1]
    assert gost.digest("streebog512", M1) == bytes.fromhex(H512)[::-1]
    assert gost.digest_of("1.2.398.3.10.1.3.2", M1) == gost.digest_of("1.2.643.7.1.1.2.2", M1)


def test_the_standards_signature_verifies_as_cms_lays_it_out():
    point = little(QX) + little(QY)  # x then y, little-endian
    signature = big(S) + big(R)  # s then r, big-endian
    digest = little(E)  # the bytes whose little-endian number is e
    assert gost.point_of(CURVE, big(D)) == point
    gost.verify_digest(CURVE, point, digest, signature)  # raises if not

    with pytest.raises(gost.InvalidSignature):
        gost.verify_digest(CURVE, point, little(E + 1), signature)
    with pytest.raises(gost.InvalidSignature):
        gost.verify_digest(CURVE, point, digest, big(S) + big(R + 1))
    with pytest.raises(gost.InvalidSignature):  # r and s the other way round, as a careless encoder writes them
        gost.verify_digest(CURVE, point, digest, big(R) + big(S))


def test_a_signature_made_by_the_tests_ca_is_one_the_standards_layout_verifies():
    key = big(D)
    digest = gost.digest("streebog256", M1)
    signature = gost.sign_digest(CURVE, key, digest)
    gost.verify_digest(CURVE, gost.point_of(CURVE, key), digest, signature)
    r = int.from_bytes(signature[32:], "big")
    assert 0 < r < CURVE["q"]


# A GOST hierarchy, as НУЦ РК's


@pytest.fixture(scope="module")
def server():
    with RevocationServer() as server:
        yield server


@pytest.fixture(scope="module")
def pki(server):
    pki = GostPKI(server.url)
    server.pkis.append(pki)
    return pki


@pytest.fixture(scope="module")
def pki512(server):
    pki = GostPKI(server.url, name="GOST 512 root", size=64)
    server.pkis.append(pki)
    return pki


@pytest.fixture(scope="module")
def eds_app(pki, pki512, tmp_path_factory):
    """НУЦ РК's GOST roots and issuing certificates as production keeps them, in one folder."""
    folder = tmp_path_factory.mktemp("gost-anchors")
    for size, authorities in ((256, pki), (512, pki512)):
        (folder / f"root_gost_{size}.pem").write_bytes(authorities.root.pem)
        (folder / f"nca_gost_{size}.pem").write_bytes(authorities.intermediate.pem)
    return create_app(settings_for("sqlite://", EDS_TRUST_ANCHORS=(str(folder),), EDS_TIMEOUT=5))


@pytest.fixture(autouse=True)
def fresh(eds_app, server):
    verifier(eds_app).cache.clear()
    server.hits.clear()
    server.down.clear()
    with eds_app.app_context():
        yield


@pytest.fixture(scope="module")
def head(pki):
    return pki.issue(iin=IIN, surname="ЖАҚСЫБЕКОВА", name="АЙГЕРІМ", bin=BIN, organization="ҚБ «ЖАСТАР»",
                     role="first_head")


def refused(cms_b64, *, expected=CHALLENGE, purpose="auth"):
    with force_locale("kk"), pytest.raises(SignatureRefused) as caught:
        verify_cms(cms_b64, expected_content=expected, purpose=purpose)
    return caught.value


def test_a_head_signs_in_with_a_gost_key_checked_by_the_gost_responder(head, server):
    signer = verify_cms(gost_sign(head, CHALLENGE), expected_content=CHALLENGE, purpose="auth")
    assert (signer.iin, signer.bin, signer.role) == (IIN, BIN, HolderRole.first_head)
    assert signer.issuer == "GOST root issuing CA" and signer.algorithm == "streebog256 gost3410-2015"
    assert server.hits["/ocsp"] == 1  # the holder's status came from the GOST-signed OCSP answer


def test_a_512_bit_gost_key_signs_a_document(pki512):
    holder = pki512.issue(iin=IIN, purpose="sign")
    signer = verify_cms(gost_sign(holder, b"manifest"), expected_content=b"manifest", purpose="sign")
    assert signer.algorithm == "streebog512 gost3410-2015" and signer.iin == IIN


def test_a_gost_document_changed_by_one_byte_or_signature_flipped_does_not_match(pki):
    holder = pki.issue(iin=IIN, purpose="sign")
    cms = gost_sign(holder, b"Baiqau application\nsha256: 00ff\n")
    assert refused(cms, expected=b"Baiqau application\nsha256: 00fe\n", purpose="sign").reason \
        == Reason.signature_mismatch
    assert refused(with_signature_flipped(cms), expected=b"Baiqau application\nsha256: 00ff\n",
                   purpose="sign").reason == Reason.signature_mismatch
    attached = gost_sign(holder, b"another text", detached=False)
    assert refused(attached, expected=b"Baiqau application\nsha256: 00ff\n", purpose="sign").reason \
        == Reason.unexpected_content


def test_a_gost_signing_key_does_not_sign_in(pki):
    refusal = refused(gost_sign(pki.issue(iin=IIN, purpose="sign"), CHALLENGE))
    assert refusal.reason == Reason.wrong_purpose


def test_a_revoked_gost_certificate_is_refused_and_the_crl_answers_when_ocsp_is_down(pki, server):
    holder = pki.issue(iin=IIN)
    server.down.add("ocsp")
    verify_cms(gost_sign(holder, CHALLENGE), expected_content=CHALLENGE, purpose="auth")
    assert server.hits["/crl/gost-root-issuing-ca.crl"] == 1  # the GOST-signed CRL, in place of OCSP

    pki.revoke(holder)
    verifier().cache.clear()
    server.down.clear()
    refusal = refused(gost_sign(holder, CHALLENGE))
    assert refusal.reason == Reason.revoked

    server.down.update({"ocsp", "crl"})
    verifier().cache.clear()
    assert refused(gost_sign(pki.issue(iin=IIN), CHALLENGE)).reason == Reason.revocation_unknown


def test_a_gost_certificate_of_a_root_not_trusted_is_refused(server):
    other = GostPKI(server.url, name="Self-made GOST root")
    server.pkis.append(other)
    assert refused(gost_sign(other.issue(iin=IIN), CHALLENGE)).reason == Reason.untrusted
