"""ГОСТ 34.10-2015 signatures with ГОСТ 34.11-2015 (Streebog) digests, as НУЦ РК's GOST keys make them.

The curve arithmetic and Streebog are gostcrypto's (a kept, pure-Python implementation of the standards, tested on
their own examples); what is ours is which OIDs mean what and how CMS and X.509 lay the numbers out. The layout is
the one of RFC 4491 and RFC 9215, which KalkanCrypt (НУЦ РК's library, a fork of Bouncy Castle) and NCALayer follow:

- a public key is an OCTET STRING inside the BIT STRING: x then y, each little-endian;
- a signature value is s then r, each big-endian;
- a digest is Streebog's output as bytes (the form that goes into the messageDigest attribute), and the number the
  signature is over is those bytes read little-endian.

NCALayer's GOST keys use parameter set A of 256 or 512 bits (RFC 7836), named by НУЦ РК's own OIDs; the Russian
OIDs of the same algorithms are accepted too. The older ГОСТ 34.310-2004 with its hash ГОСТ 34.311-95 (keys no
longer issued) is recognised and refused.
"""

from asn1crypto import core
from cryptography.exceptions import InvalidSignature
from gostcrypto import gosthash, gostsignature
from gostcrypto.gostsignature import CURVES_R_1323565_1_024_2019 as _CURVES

# Streebog by the digest's OID.
DIGESTS = {"1.2.398.3.10.1.3.2": "streebog256", "1.2.398.3.10.1.3.3": "streebog512",
           "1.2.643.7.1.1.2.2": "streebog256", "1.2.643.7.1.1.2.3": "streebog512"}
# A signature algorithm's OID, and the Streebog it signs.
SIGNATURES = {"1.2.398.3.10.1.1.2.3.1": "streebog256", "1.2.398.3.10.1.1.2.3.2": "streebog512",
              "1.2.643.7.1.1.3.2": "streebog256", "1.2.643.7.1.1.3.3": "streebog512"}
# A public key's algorithm OID, and its size in bytes.
KEYS = {"1.2.398.3.10.1.1.2.1": 32, "1.2.398.3.10.1.1.2.2": 64, "1.2.643.7.1.1.1.1": 32, "1.2.643.7.1.1.1.2": 64}
# The parameter set (the curve) by its OID: НУЦ РК's, then the Russian ones of the same curves.
PARAMETER_SETS = {
    "1.2.398.3.10.1.1.2.1.1": "id-tc26-gost-3410-2012-256-paramSetA",
    "1.2.398.3.10.1.1.2.2.1": "id-tc26-gost-3410-12-512-paramSetA",
    "1.2.643.7.1.2.1.1.1": "id-tc26-gost-3410-2012-256-paramSetA",
    "1.2.643.7.1.2.1.1.2": "id-tc26-gost-3410-2012-256-paramSetB",
    "1.2.643.7.1.2.1.1.3": "id-tc26-gost-3410-2012-256-paramSetC",
    "1.2.643.7.1.2.1.1.4": "id-tc26-gost-3410-2012-256-paramSetD",
    "1.2.643.7.1.2.1.2.1": "id-tc26-gost-3410-12-512-paramSetA",
    "1.2.643.7.1.2.1.2.2": "id-tc26-gost-3410-12-512-paramSetB",
    "1.2.643.7.1.2.1.2.3": "id-tc26-gost-3410-2012-512-paramSetC",
}
# ГОСТ 34.310-2004 (key, signature) and ГОСТ 34.311-95 (hash): on old documents only, refused.
LEGACY = {"1.2.398.3.10.1.1.1.1", "1.2.398.3.10.1.1.1.2", "1.2.398.3.10.1.3.1", "1.3.6.1.4.1.6801.1.2.2"}
ARCS = ("1.2.398.3.10.", "1.2.643.")  # Kazakhstan's algorithm arc and Russia's GOST arc


class KeyParameters(core.Sequence):
    """A GOST public key's parameters (RFC 4491 §2.3.1, RFC 9215 §4): its curve, perhaps its digest."""

    _fields = [("public_key_param_set", core.ObjectIdentifier),
               ("digest_param_set", core.ObjectIdentifier, {"optional": True}),
               ("encryption_param_set", core.ObjectIdentifier, {"optional": True})]


class UnsupportedGost(ValueError):
    """A GOST algorithm or parameter set outside the tables above: its OID is the message."""


def is_gost(oid):
    return oid.startswith(ARCS)


def digest(name, data):
    """Streebog (`name` "streebog256" or "streebog512") of `data`, as the bytes CMS carries."""
    return bytes(gosthash.new(name, data=bytes(data)).digest())


def digest_of(oid, data):
    if oid not in DIGESTS:
        raise UnsupportedGost(oid)
    return digest(DIGESTS[oid], data)


def curve(oid):
    if oid not in PARAMETER_SETS:
        raise UnsupportedGost(oid)
    return _CURVES[PARAMETER_SETS[oid]]


def _mode(size):
    return gostsignature.MODE_256 if size == 32 else gostsignature.MODE_512


def public_key(public_key_info):
    """(curve's parameter set OID, x‖y little-endian) of an asn1crypto PublicKeyInfo holding a GOST key."""
    algorithm = public_key_info["algorithm"]["algorithm"].dotted
    if algorithm not in KEYS:
        raise UnsupportedGost(algorithm)
    parameters = KeyParameters.load(public_key_info["algorithm"]["parameters"].dump())
    point = core.OctetString.load(public_key_info["public_key"].contents[1:]).native  # past the unused-bits octet
    if len(point) != 2 * KEYS[algorithm]:
        raise InvalidSignature(f"a {KEYS[algorithm] * 8}-bit GOST key of {len(point)} bytes")
    return parameters["public_key_param_set"].dotted, point


def verify_digest(on_curve, point, hashed, signature):
    """Raise InvalidSignature unless `signature` (s‖r) is the signature of the digest `hashed` (CMS bytes) by the
    key `point` (x‖y little-endian) on the curve `on_curve` (gostcrypto's parameters: p, a, b, m, q, x, y)."""
    size = len(point) // 2
    if len(hashed) != size or len(signature) != 2 * size:
        raise InvalidSignature(f"a {size * 8}-bit key, a digest of {len(hashed)} and a signature of {len(signature)}")
    key = point[:size][::-1] + point[size:][::-1]  # gostcrypto reads numbers big-endian, r before s
    try:
        ok = gostsignature.new(_mode(size), on_curve).verify(
            bytearray(key), bytearray(hashed[::-1]), bytearray(signature[size:] + signature[:size]))
    except gostsignature.GOSTSignatureError as e:
        raise InvalidSignature(str(e)) from e
    if not ok:
        raise InvalidSignature("the GOST signature does not match")


def verify(public_key_info, signature_oid, signed_data, signature):
    """Raise InvalidSignature unless `signature` is the GOST signature (algorithm `signature_oid`) of
    `signed_data` by the key of `public_key_info`; UnsupportedGost for an algorithm or curve not supported."""
    if signature_oid not in SIGNATURES:
        raise UnsupportedGost(signature_oid)
    parameter_set, point = public_key(public_key_info)
    verify_digest(curve(parameter_set), point, digest(SIGNATURES[signature_oid], signed_data), signature)


def sign_digest(on_curve, private_key, hashed):
    """The signature (s‖r) of the digest `hashed` (CMS bytes) by `private_key` (d, big-endian): for the tests' and
    the demo's GOST certification authority; production never holds a key."""
    size = len(private_key)
    rs = gostsignature.new(_mode(size), on_curve).sign(bytearray(private_key), bytearray(hashed[::-1]))
    return bytes(rs[size:] + rs[:size])


def point_of(on_curve, private_key):
    """The public key (x‖y little-endian) of `private_key` (d, big-endian)."""
    size = len(private_key)
    xy = gostsignature.new(_mode(size), on_curve).public_key_generate(bytearray(private_key))
    return bytes(xy[:size][::-1] + xy[size:][::-1])
