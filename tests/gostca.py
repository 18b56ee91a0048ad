"""A GOST certification authority in code, as НУЦ РК's GOST hierarchy is shaped: a root and an issuing CA with
ГОСТ 34.10-2015 keys, holders' GOST certificates with the IIN, BIN and role where НУЦ РК writes them, CRLs, OCSP
answers by a GOST responder, and CMS signatures as NCALayer makes them with a GOSTKNCA key.

pyca/cryptography has no GOST, so every structure is asn1crypto's and every signature gostcrypto's
(`grants.signatures.gost`). It serves the same RevocationServer as the RSA PKI of `tests.pki`.
"""

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta

from asn1crypto import algos, cms, core, crl, keys, ocsp, pem, x509

from grants.signatures import gost
from grants.signatures.testca import INDIVIDUAL, LEGAL_ENTITY, ROLES, now

# НУЦ РК's OIDs: the key (256 or 512 bits), its parameter set A, the signature with Streebog of the same size
KEY = {32: "1.2.398.3.10.1.1.2.1", 64: "1.2.398.3.10.1.1.2.2"}
PARAMETER_SET = {32: "1.2.398.3.10.1.1.2.1.1", 64: "1.2.398.3.10.1.1.2.2.1"}
SIGNATURE = {32: "1.2.398.3.10.1.1.2.3.1", 64: "1.2.398.3.10.1.1.2.3.2"}
DIGEST = {32: "1.2.398.3.10.1.3.2", 64: "1.2.398.3.10.1.3.3"}


@dataclass
class GostKey:
    """A private key d (big-endian) on parameter set A of its size, and its public key as X.509 carries it."""

    d: bytes

    @classmethod
    def new(cls, size=32):
        q = gost.curve(PARAMETER_SET[size])["q"]
        return cls((secrets.randbelow(q - 1) + 1).to_bytes(size, "big"))

    @property
    def size(self):
        return len(self.d)

    @property
    def public_key_info(self):
        point = gost.point_of(gost.curve(PARAMETER_SET[self.size]), self.d)
        return keys.PublicKeyInfo({
            "algorithm": {"algorithm": KEY[self.size],
                          "parameters": gost.KeyParameters({"public_key_param_set": PARAMETER_SET[self.size],
                                                            "digest_param_set": DIGEST[self.size]})},
            "public_key": core.OctetString(point).dump()})

    def algorithm(self):
        return algos.SignedDigestAlgorithm({"algorithm": SIGNATURE[self.size]})

    def sign(self, data):
        return gost.sign_digest(gost.curve(PARAMETER_SET[self.size]), self.d, gost.digest(_streebog(self.size), data))


def _streebog(size):
    return "streebog256" if size == 32 else "streebog512"


def _key_id(public_key_info):
    return hashlib.sha1(public_key_info["public_key"].contents[1:]).digest()  # noqa: S324 (RFC 5280's key id)


def _time(moment):
    return x509.Time(name="utc_time", value=moment)


def _uri(address):
    return x509.GeneralName(name="uniform_resource_identifier", value=address)


def _extension(oid, value, critical=False):
    return {"extn_id": oid, "critical": critical, "extn_value": value}


@dataclass
class GostHolder:
    """A GOST certificate (asn1crypto) and its private key."""

    certificate: x509.Certificate
    key: GostKey

    @property
    def pem(self):
        return pem.armor("CERTIFICATE", self.certificate.dump())


class GostCA:
    """One GOST authority: its certificate and key, what it issued and revoked."""

    def __init__(self, pki, name, parent=None, size=32):
        self.pki, self.parent, self.slug = pki, parent, name.lower().replace(" ", "-")
        self.key = GostKey.new(size)
        self.name = x509.Name.build({"common_name": name, "country_name": "KZ"})
        self.issued, self.revoked = {}, {}
        extensions = [_extension("basic_constraints", {"ca": True, "path_len_constraint": None if parent is None
                                                       else 0}, True),
                      _extension("key_usage", {"key_cert_sign", "crl_sign"}, True)]
        if parent is not None and pki.base_url:
            extensions.append(_extension("crl_distribution_points", pki.distribution_points(parent)))
        issuer = parent or self
        self.certificate = issuer.certify(self.name, self.key.public_key_info, extensions, days=3650,
                                          back=timedelta(days=3650))
        pki.authorities[self.slug] = self

    @property
    def pem(self):
        return pem.armor("CERTIFICATE", self.certificate.dump())

    def certify(self, subject, public_key_info, extensions, *, days, back=timedelta(days=30), not_before=None,
                not_after=None):
        """A certificate of `subject` signed by this authority's key."""
        extensions = [*extensions, _extension("key_identifier", _key_id(public_key_info))]
        if subject != self.name:
            extensions.append(_extension("authority_key_identifier",
                                         {"key_identifier": _key_id(self.key.public_key_info)}))
        tbs = x509.TbsCertificate({
            "version": "v3", "serial_number": int.from_bytes(os.urandom(16), "big") >> 1,
            "signature": self.key.algorithm(), "issuer": self.name,
            "validity": {"not_before": _time(not_before or now() - back),
                         "not_after": _time(not_after or now() + timedelta(days=days))},
            "subject": subject, "subject_public_key_info": public_key_info, "extensions": extensions})
        certificate = x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": self.key.algorithm(),
                                        "signature_value": self.key.sign(tbs.dump())})
        self.issued[certificate.serial_number] = certificate
        return certificate

    def crl(self, valid_for=timedelta(hours=1)):
        """This authority's CRL in DER."""
        revoked = [{"user_certificate": serial, "revocation_date": _time(moment)}
                   for serial, moment in self.revoked.items()]
        tbs = crl.TbsCertList({
            "version": "v2", "signature": self.key.algorithm(), "issuer": self.name,
            "this_update": _time(now() - timedelta(minutes=1)), "next_update": _time(now() + valid_for),
            "revoked_certificates": revoked or None,
            "crl_extensions": [_extension("crl_number", 1),
                               _extension("authority_key_identifier",
                                          {"key_identifier": _key_id(self.key.public_key_info)})]})
        return crl.CertificateList({"tbs_cert_list": tbs, "signature_algorithm": self.key.algorithm(),
                                    "signature": self.key.sign(tbs.dump())}).dump()


class GostPKI:
    """A GOST root, its issuing CA and the issuing CA's delegated OCSP responder; `base_url` as in tests.pki.PKI.
    `size` is the keys' size in bytes: 32 (ГОСТ 34.10-2015, 256 bits) or 64 (512 bits)."""

    def __init__(self, base_url=None, name="GOST root", size=32):
        self.base_url = base_url.rstrip("/") if base_url else None
        self.size = size
        self.authorities = {}
        self.root = GostCA(self, name, size=size)
        self.intermediate = GostCA(self, f"{name} issuing CA", parent=self.root, size=size)
        key = GostKey.new(size)
        self.responder = GostHolder(self.intermediate.certify(
            x509.Name.build({"common_name": "GOST OCSP responder", "country_name": "KZ"}), key.public_key_info,
            [_extension("extended_key_usage", ["ocsp_signing"]), _extension("ocsp_no_check", None)], days=365), key)

    def distribution_points(self, ca):
        return [{"distribution_point": {"full_name": [_uri(f"{self.base_url}/crl/{ca.slug}.crl")]}}]

    def issue(self, *, purpose="auth", not_before=None, not_after=None, **fields):
        """A holder's GOST certificate as НУЦ РК issues it: the fields and roles of tests.pki's `subject`."""
        key = GostKey.new(self.size)
        kind = [LEGAL_ENTITY if fields.get("bin") else INDIVIDUAL]
        if fields.get("role"):
            kind.append(f"{LEGAL_ENTITY}.{ROLES[fields['role']]}")
        signing = purpose == "sign"
        extensions = [
            _extension("key_usage", {"digital_signature", "non_repudiation"} if signing
                       else {"digital_signature", "key_encipherment"}, True),
            _extension("extended_key_usage", ["email_protection" if signing else "client_auth", *kind]),
            _extension("certificate_policies", [{"policy_identifier": oid} for oid in kind])]
        if self.base_url:
            extensions += [
                _extension("authority_information_access", [{"access_method": "ocsp",
                                                             "access_location": _uri(f"{self.base_url}/ocsp")}]),
                _extension("crl_distribution_points", self.distribution_points(self.intermediate))]
        certificate = self.intermediate.certify(_subject(**fields), key.public_key_info, extensions, days=335,
                                                not_before=not_before, not_after=not_after)
        return GostHolder(certificate, key)

    def revoke(self, holder, at=None):
        for ca in self.authorities.values():
            if holder.certificate.serial_number in ca.issued:
                ca.revoked[holder.certificate.serial_number] = at or now() - timedelta(days=1)

    def ocsp_answer(self, request_der):
        """The GOST responder's answer on the one certificate the request names; None when not this PKI's."""
        request = ocsp.OCSPRequest.load(request_der)["tbs_request"]["request_list"][0]["req_cert"]
        serial = request["serial_number"].native
        ca = next((ca for ca in self.authorities.values() if serial in ca.issued), None)
        if ca is None:
            return None
        revoked = ca.revoked.get(serial)
        signer = self.responder if ca is self.intermediate else GostHolder(ca.certificate, ca.key)
        status = ocsp.CertStatus(name="revoked", value={"revocation_time": revoked,
                                                        "revocation_reason": "key_compromise"}) \
            if revoked else ocsp.CertStatus(name="good", value=core.Null())
        data = ocsp.ResponseData({
            "responder_id": {"by_key": _key_id(signer.key.public_key_info)}, "produced_at": now(),
            "responses": [{"cert_id": request, "cert_status": status, "this_update": now() - timedelta(minutes=1),
                           "next_update": now() + timedelta(hours=1)}]})
        basic = ocsp.BasicOCSPResponse({
            "tbs_response_data": data, "signature_algorithm": signer.key.algorithm(),
            "signature": signer.key.sign(data.dump()),
            "certs": [signer.certificate] if signer is self.responder else None})
        return ocsp.OCSPResponse({"response_status": "successful", "response_bytes": {
            "response_type": "basic_ocsp_response", "response": basic}}).dump()


def _subject(*, iin="870412300416", surname="ТЕСТОВ", name="ТЕСТ", patronymic="ТЕСТОВИЧ", email="test@example.kz",
             bin=None, organization=None, role=None):
    """The subject НУЦ РК writes (see tests.pki.subject); `role` is an OID, not in the subject."""
    fields = {"common_name": f"{surname} {name}", "surname": surname, "serial_number": f"IIN{iin}",
              "country_name": "KZ", "given_name": patronymic, "organization_name": organization,
              "organizational_unit_name": f"BIN{bin}" if bin else None, "email_address": email}
    return x509.Name.build({k: v for k, v in fields.items() if v})


def gost_sign(holder, content, *, detached=True):
    """A CMS SignedData in Base64 as NCALayer's createCAdESFromBase64 returns it for a GOSTKNCA key: Streebog and
    ГОСТ 34.10-2015 of the key's size, signed attributes (content type, signing time, message digest), the
    signer's certificate inside."""
    size = holder.key.size
    attributes = cms.CMSAttributes([
        {"type": "content_type", "values": ["data"]},
        {"type": "signing_time", "values": [cms.Time(name="utc_time", value=now())]},
        {"type": "message_digest", "values": [gost.digest(_streebog(size), content)]}])
    certificate = holder.certificate
    info = cms.SignerInfo({
        "version": "v1",
        "sid": {"issuer_and_serial_number": {"issuer": certificate.issuer,
                                             "serial_number": certificate.serial_number}},
        "digest_algorithm": {"algorithm": DIGEST[size]}, "signed_attrs": attributes,
        "signature_algorithm": holder.key.algorithm(), "signature": holder.key.sign(attributes.dump())})
    signed = cms.SignedData({
        "version": "v1", "digest_algorithms": [{"algorithm": DIGEST[size]}],
        "encap_content_info": {"content_type": "data", "content": None if detached else content},
        "certificates": [certificate], "signer_infos": [info]})
    return base64.b64encode(cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()).decode()

