"""A certification authority in code, as НУЦ РК's is shaped: a root, an issuing CA, holders' certificates with
the IIN, BIN and role where НУЦ РК writes them, their CRLs, and CMS signatures as NCALayer makes them.

The tests build their PKIs with it, and the demo world (`grants.signatures.demo`) its test CA. Nothing here is
trusted unless configuration names its root: a production deployment trusts НУЦ РК's roots alone.
"""

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

AUTH = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.2")
SIGN = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.4")
INDIVIDUAL = "1.2.398.3.3.4.1.1"
LEGAL_ENTITY = "1.2.398.3.3.4.1.2"
ROLES = {"first_head": "1", "signer": "2", "financial_signer": "3", "hr": "4", "employee": "5"}
KEY_SIZE = 2048  # what НУЦ РК issues; a key takes a few hundredths of a second


def now():
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Holder:
    """A certificate and its private key (a .p12 file's content)."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def pem(self):
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


def _name(*pairs):
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in pairs])


class CA:
    """One certification authority: its certificate and key, what it issued and what it revoked."""

    def __init__(self, pki, name, parent=None, slug=None, certificate=None, key=None):
        """A new authority named `name` (issued by `parent`, else self-signed); with `certificate` and `key`, one
        made before (the demo's, read back from its folder)."""
        self.pki, self.parent, self.slug = pki, parent, slug or name.lower().replace(" ", "-")
        if certificate is not None:
            self.certificate, self.key, self.name = certificate, key, certificate.subject
        else:
            self.key = _key()
            self.name = _name((NameOID.COMMON_NAME, name), (NameOID.COUNTRY_NAME, "KZ"))
            self.certificate = self._certificate(pki, parent)
        self.issued = {}  # serial -> certificate
        self.revoked = {}  # serial -> moment
        if parent is not None:
            parent.issued[self.certificate.serial_number] = self.certificate
        pki.authorities[self.slug] = self

    def _certificate(self, pki, parent):
        issuer = parent or self
        builder = (x509.CertificateBuilder().subject_name(self.name).issuer_name(issuer.name)
                   .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now() - timedelta(days=3650)).not_valid_after(now() + timedelta(days=3650))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None if parent is None else 0), True)
                   .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False, key_agreement=False,
                                                key_cert_sign=True, crl_sign=True, encipher_only=False,
                                                decipher_only=False), True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), False))
        if parent is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(parent.key.public_key()), False)
            if pki.base_url:
                builder = builder.add_extension(pki.distribution_points(parent), False)  # НУЦ РК's: the root's CRL
        return builder.sign(issuer.key, hashes.SHA256())

    @property
    def pem(self):
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def crl(self, valid_for=timedelta(hours=1)):
        """This authority's CRL in DER, good for `valid_for`."""
        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.name)
                   .last_update(now() - timedelta(minutes=1)).next_update(now() + valid_for)
                   .add_extension(x509.CRLNumber(1), False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), False))
        for serial, moment in self.revoked.items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(moment).build())
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


class PKI:
    """A root, an intermediate that issues holders' certificates, and its delegated OCSP responder.

    `base_url` is the revocation server's address, written into the certificates (AIA and CDP) as НУЦ РК's are;
    None writes none (the demo's CA, whose CRLs the verifier holds). `root` and `intermediate` are (certificate,
    key) pairs of authorities made before; unset, new ones.
    """

    def __init__(self, base_url=None, name="Test root", root=None, intermediate=None):
        self.base_url = base_url.rstrip("/") if base_url else None
        self.authorities = {}
        root_ca = (None, None) if root is None else root
        issuing = (None, None) if intermediate is None else intermediate
        self.root = CA(self, name, slug=f"{name.lower().replace(' ', '-')}", certificate=root_ca[0], key=root_ca[1])
        self.intermediate = CA(self, f"{name} issuing CA", parent=self.root, certificate=issuing[0], key=issuing[1])
        self.responder = self._responder()

    def distribution_points(self, ca):
        return x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(f"{self.base_url}/crl/{ca.slug}.crl")], relative_name=None,
            reasons=None, crl_issuer=None)])

    def _responder(self):
        key = _key()
        ca = self.intermediate
        certificate = (
            x509.CertificateBuilder().subject_name(_name((NameOID.COMMON_NAME, "OCSP responder")))
            .issuer_name(ca.name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now() - timedelta(days=30)).not_valid_after(now() + timedelta(days=365))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False)
            .add_extension(x509.OCSPNoCheck(), False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), False)
            .sign(ca.key, hashes.SHA256()))
        return Holder(certificate, key)

    def issue(self, *, purpose="auth", not_before=None, not_after=None, issuer=None, policies=True, **fields):
        """A holder's certificate as НУЦ РК issues it (see `subject` for the fields): an individual's, or with
        `bin` a legal entity's employee's, for `purpose` "auth" or "sign". The holder's kind and role OIDs are in
        the extended key usage, and also in the certificate policies unless policies=False."""
        ca = issuer or self.intermediate
        key = _key()
        builder = _holder(subject(**fields), ca.name, key, purpose, fields.get("bin"), fields.get("role"),
                          not_before, not_after, policies)
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), False)
        if self.base_url:
            builder = (builder.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                x509.AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier(f"{self.base_url}/ocsp"))]), False)
                       .add_extension(self.distribution_points(ca), False))
        certificate = builder.sign(ca.key, hashes.SHA256())
        ca.issued[certificate.serial_number] = certificate
        return Holder(certificate, key)

    def revoke(self, holder, at=None):
        for ca in self.authorities.values():
            if holder.certificate.serial_number in ca.issued:
                ca.revoked[holder.certificate.serial_number] = at or now() - timedelta(days=1)

    def ocsp_answer(self, request_der):
        """What the responder says of the one certificate the request names; None when this PKI did not issue it."""
        request = ocsp.load_der_ocsp_request(request_der)
        for ca in self.authorities.values():
            certificate = ca.issued.get(request.serial_number)
            if certificate is None or certificate.issuer != ca.name:
                continue
            revoked = ca.revoked.get(request.serial_number)
            signer = self.responder if ca is self.intermediate else Holder(ca.certificate, ca.key)
            builder = ocsp.OCSPResponseBuilder().add_response(
                cert=certificate, issuer=ca.certificate, algorithm=request.hash_algorithm,  # the request's CertID
                cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
                this_update=now() - timedelta(minutes=1), next_update=now() + timedelta(hours=1),
                revocation_time=revoked, revocation_reason=x509.ReasonFlags.key_compromise if revoked else None)
            builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, signer.certificate)
            if signer is self.responder:
                builder = builder.certificates([signer.certificate])
            return builder.sign(signer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        return None


def subject(*, iin="870412300416", surname="ТЕСТОВ", name="ТЕСТ", patronymic="ТЕСТОВИЧ", email="test@example.kz",
            bin=None, organization=None, role=None, serial_number=None):
    """The subject НУЦ РК writes: CN, SURNAME, SERIALNUMBER=IIN…, C, GIVENNAME (the patronymic), O, OU=BIN…, E.
    `serial_number` replaces SERIALNUMBER's text; with iin=None and no serial_number there is none. `role` is
    not in the subject (it is an OID): accepted here so that one set of fields describes a holder."""
    pairs = [(NameOID.COMMON_NAME, f"{surname} {name}"), (NameOID.SURNAME, surname)]
    if serial_number or iin:
        pairs.append((NameOID.SERIAL_NUMBER, serial_number or f"IIN{iin}"))
    pairs.append((NameOID.COUNTRY_NAME, "KZ"))
    if patronymic:
        pairs.append((NameOID.GIVEN_NAME, patronymic))
    if organization:
        pairs.append((NameOID.ORGANIZATION_NAME, organization))
    if bin:
        pairs.append((NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{bin}"))
    if email:
        pairs.append((NameOID.EMAIL_ADDRESS, email))
    return _name(*pairs)


def _holder(name, issuer_name, key, purpose, bin_, role, not_before, not_after, policies=True):
    """A holder's certificate's builder: key usage and extended key usage by purpose, the holder's kind and role
    OIDs in the extended key usage and (policies) the certificate policies."""
    kind = [x509.ObjectIdentifier(LEGAL_ENTITY if bin_ else INDIVIDUAL)]
    if role:
        kind.append(x509.ObjectIdentifier(f"{LEGAL_ENTITY}.{ROLES[role]}"))
    signing = purpose == "sign"
    builder = (
        x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now() - timedelta(days=30))
        .not_valid_after(not_after or now() + timedelta(days=335))
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=signing,
                                     key_encipherment=not signing, data_encipherment=False, key_agreement=False,
                                     key_cert_sign=False, crl_sign=False, encipher_only=False,
                                     decipher_only=False), True)
        .add_extension(x509.ExtendedKeyUsage([SIGN if signing else AUTH, *kind]), False))
    if policies:
        builder = builder.add_extension(x509.CertificatePolicies([x509.PolicyInformation(oid, None) for oid in kind]),
                                        False)
    return builder


def self_signed(purpose="auth", **fields):
    """What the public tools make: a certificate as НУЦ РК's, claiming anyone's IIN, issued by itself."""
    key = _key()
    name = subject(**fields)
    builder = _holder(name, name, key, purpose, fields.get("bin"), fields.get("role"), None, None)
    return Holder(builder.sign(key, hashes.SHA256()), key)


def sign(holder, content, *, detached=True, chain=(), digest=None):
    """A CMS SignedData in Base64 as NCALayer's createCAdESFromBase64 returns it: SHA-256 with RSA, signed
    attributes (content type, signing time, message digest), the signer's certificate inside."""
    builder = pkcs7.PKCS7SignatureBuilder().set_data(content).add_signer(
        holder.certificate, holder.key, digest or hashes.SHA256(), rsa_padding=None)
    for certificate in chain:
        builder = builder.add_certificate(certificate)
    options = [pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoCapabilities]
    if detached:
        options.append(pkcs7.PKCS7Options.DetachedSignature)
    return base64.b64encode(builder.sign(serialization.Encoding.DER, options)).decode()


