"""A CMS (CAdES) SignedData as NCALayer makes it: read by asn1crypto, its signature checked over the content."""

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms, x509
from cryptography.exceptions import InvalidSignature
from pyhanko_certvalidator.errors import AlgorithmNotSupported
from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator, SignatureValidationContext, SignatureValidator

from grants.signatures import gost
from grants.signatures.refusals import Reason, refuse

DIGESTS = {"sha256", "sha384", "sha512"}
SIGNATURES = {"rsassa_pkcs1v15", "rsassa_pss"}  # and ГОСТ 34.10-2015 (grants.signatures.gost): НУЦ РК's keys


@dataclass(frozen=True)
class SignedContent:
    """What the CMS says, once its signature is known to be over the content."""

    certificate: x509.Certificate  # the signer's, as the CMS carries it: not yet validated
    other_certificates: tuple  # the rest the CMS carries (a chain, perhaps): helpers for path building only
    content: bytes
    signed_at: datetime | None  # the signer's computer's clock (signingTime): reported, never trusted
    algorithm: str  # "sha256 rsassa_pkcs1v15", "streebog256 gost3410-2015"


class Validator(SignatureValidator):
    """pyca/cryptography's checks (RSA) as pyhanko-certvalidator makes them, and GOST's: for the CMS, and for the
    certificates, CRLs and OCSP answers of a GOST chain."""

    def validate_signature(self, signature, signed_data, public_key_info, signature_algorithm, context=None):
        oid = signature_algorithm["algorithm"].dotted
        if not gost.is_gost(oid) and not gost.is_gost(public_key_info["algorithm"]["algorithm"].dotted):
            return DefaultSignatureValidator().validate_signature(
                signature, signed_data, public_key_info, signature_algorithm,
                context or SignatureValidationContext())
        try:
            gost.verify(public_key_info, oid, signed_data, signature)
        except gost.UnsupportedGost as e:
            raise AlgorithmNotSupported(f"GOST {e}") from e


VALIDATOR = Validator()


def read(cms_b64, expected_content):
    """The checked SignedContent of a Base64 CMS; detached, `expected_content` is what was signed."""
    signed_data = _signed_data(cms_b64)
    infos = signed_data["signer_infos"]
    if len(infos) != 1:
        raise refuse(Reason.malformed, f"{len(infos)} signer infos, one expected")
    info = infos[0]
    certificates = [c.chosen for c in signed_data["certificates"] or () if c.name == "certificate"]
    signer = _signer_certificate(info["sid"], certificates)
    digest = _digest(info, signer)
    signature_algorithm = info["signature_algorithm"]
    encapsulated = signed_data["encap_content_info"]
    if encapsulated["content_type"].native != "data":
        raise refuse(Reason.malformed, f"encapsulated {encapsulated['content_type'].native}, data expected")
    attached = encapsulated["content"].native  # None when detached
    content = expected_content if attached is None else attached
    signed_bytes, signed_at = _signed_bytes(info, "data", digest, content)
    try:
        VALIDATOR.validate_signature(info["signature"].native, signed_bytes, signer.public_key, signature_algorithm,
                                     SignatureValidationContext(contextual_md_algorithm=digest))
    except AlgorithmNotSupported as e:
        raise refuse(Reason.unsupported_algorithm, str(e), gost=gost.is_gost(digest)) from e
    except (InvalidSignature, AssertionError, ValueError, TypeError) as e:  # AssertionError: key of another kind
        raise refuse(Reason.signature_mismatch, repr(e)) from e
    if attached is not None and attached != expected_content:
        raise refuse(Reason.unexpected_content, "the attached content is not the expected one")
    others = tuple(c for c in certificates if c is not signer)
    name = f"{gost.DIGESTS[digest]} gost3410-2015" if gost.is_gost(digest) else \
        f"{digest} {_signature_name(signature_algorithm)}"
    return SignedContent(signer, others, content, signed_at, name)


def _digest(info, certificate):
    """The signer's digest algorithm (a hashlib name, or a GOST digest's OID), refused unless it is one we accept
    and agrees with the signature algorithm: SHA-2 with RSA, Streebog of its size with ГОСТ 34.10-2015."""
    digest = info["digest_algorithm"]["algorithm"]
    signature = info["signature_algorithm"]["algorithm"].dotted
    key = certificate.public_key["algorithm"]["algorithm"].dotted
    oids = (digest.dotted, signature, certificate["signature_algorithm"]["algorithm"].dotted, key)
    if any(gost.is_gost(oid) for oid in oids):
        legacy = [oid for oid in oids if oid in gost.LEGACY]
        streebog = gost.DIGESTS.get(digest.dotted)
        if legacy or streebog is None or gost.SIGNATURES.get(signature) != streebog or key not in gost.KEYS:
            raise refuse(Reason.unsupported_algorithm, f"GOST {legacy or oids}", gost=True)
        return digest.dotted
    if digest.native not in DIGESTS or _signature_name(info["signature_algorithm"]) not in SIGNATURES:
        raise refuse(Reason.unsupported_algorithm, f"{digest.native} with {signature}")
    return digest.native


def _signed_data(cms_b64):
    try:
        der = base64.b64decode("".join((cms_b64 or "").split()), validate=True)
        info = cms.ContentInfo.load(der, strict=True)
        if info["content_type"].native != "signed_data":
            raise ValueError(f"content type {info['content_type'].native}")
        signed_data = info["content"]
        _ = signed_data.native  # parses every part now: a damaged one fails here, not halfway through the checks
    except (binascii.Error, ValueError, TypeError, KeyError) as e:
        raise refuse(Reason.malformed, repr(e)) from e
    return signed_data


def _signer_certificate(sid, certificates):
    for certificate in certificates:
        if sid.name == "issuer_and_serial_number":
            chosen = sid.chosen
            if certificate.issuer == chosen["issuer"] and certificate.serial_number == chosen["serial_number"].native:
                return certificate
        elif certificate.key_identifier == sid.chosen.native:
            return certificate
    raise refuse(Reason.malformed, "the CMS does not carry the signer's certificate")


def _signature_name(algorithm):
    try:
        return algorithm.signature_algo
    except ValueError:
        return algorithm["algorithm"].dotted


def _signed_bytes(info, content_type, digest, content):
    """The bytes the signature is over, and the signing time: the signed attributes when present (their message
    digest must be the content's), else the content itself."""
    attributes = info["signed_attrs"]
    if not attributes:
        return content, None
    values = {}
    for attribute in attributes:
        values.setdefault(attribute["type"].native, []).extend(attribute["values"])
    if [v.native for v in values.get("content_type", ())] != [content_type]:
        raise refuse(Reason.malformed, "the signed content type attribute is missing or wrong")
    digests = [v.native for v in values.get("message_digest", ())]
    if len(digests) != 1:
        raise refuse(Reason.malformed, "no single message digest attribute")
    expected = gost.digest_of(digest, content) if gost.is_gost(digest) else hashlib.new(digest, content).digest()
    if digests[0] != expected:
        raise refuse(Reason.signature_mismatch, "the message digest is not the content's")
    times = values.get("signing_time", ())
    signed_at = times[0].native if len(times) == 1 else None
    return attributes.untag().dump(), signed_at  # signed as a SET OF, not as the [0] the SignerInfo tags it with
