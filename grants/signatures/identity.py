"""Who signed: the holder named by a validated certificate of НУЦ РК (IIN, name, the legal entity and role)."""

import enum
import re
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509

from grants.i18n import pgettext
from grants.identifiers import number_problem
from grants.signatures.refusals import Reason, refuse

INDIVIDUAL = "1.2.398.3.3.4.1.1"
LEGAL_ENTITY = "1.2.398.3.3.4.1.2"


class HolderRole(enum.StrEnum):
    """A legal entity's employee's standing, as НУЦ РК writes it into the certificate (OIDs 1.2.398.3.3.4.1.2.n)."""

    first_head = "first_head"
    signer = "signer"  # a person with the right to sign
    financial_signer = "financial_signer"  # the right to sign financial documents
    hr = "hr"
    employee = "employee"

    @property
    def title(self):
        return {
            HolderRole.first_head: pgettext("certificate holder", "First head"),
            HolderRole.signer: pgettext("certificate holder", "Person with the right to sign"),
            HolderRole.financial_signer: pgettext("certificate holder",
                                                  "Person with the right to sign financial documents"),
            HolderRole.hr: pgettext("certificate holder", "Human resources officer"),
            HolderRole.employee: pgettext("certificate holder", "Employee"),
        }[self]


# The most senior first: a certificate naming two roles is read as the higher one.
ROLE_OIDS = {f"{LEGAL_ENTITY}.{n}": role for n, role in enumerate(HolderRole, start=1)}


@dataclass(frozen=True)
class Signer:
    """The holder of a certificate that verified, and what the signature proves about them."""

    iin: str
    common_name: str  # CN: surname and name
    surname: str | None
    given_name: str | None  # GIVENNAME: НУЦ РК writes the patronymic here
    email: str | None
    bin: str | None  # a legal entity's certificate only
    organization: str | None  # O, the legal entity's name
    role: HolderRole | None  # a legal entity's certificate only
    purpose: str  # "auth" or "sign": what the key was checked for
    serial: str  # the certificate's serial number, hexadecimal as НУЦ РК prints it
    fingerprint: str  # SHA-256 of the certificate, hexadecimal
    issuer: str  # the issuing CA's name (CN)
    not_before: datetime
    not_after: datetime
    signed_at: datetime | None  # the signingTime the signer's computer claims; never used to validate
    verified_at: datetime  # the moment the certificate was validated at (the revocation status is as of then)
    algorithm: str
    certificate: bytes  # DER, to keep with the signature
    test: bool = False  # made with a test key of the demo's CA: shown as a test signature, never valid in production

    @property
    def is_legal_entity(self):
        return self.bin is not None

    @property
    def full_name(self):
        """CN and, when CN does not hold it yet, the patronymic НУЦ РК writes as the given name."""
        if self.given_name and self.given_name.casefold() not in self.common_name.casefold().split():
            return f"{self.common_name} {self.given_name}"
        return self.common_name


def holder(certificate: x509.Certificate, *, purpose, signed_at, verified_at, algorithm, test=False):
    """The Signer a validated certificate names; refused when it names no valid IIN (or, for a legal entity, BIN)."""
    subject = certificate.subject.native
    iin = _number(_values(subject, "serial_number"), "IIN", Reason.no_iin, Reason.malformed_iin, "iin")
    oids = _oids(certificate)
    bins = [v for v in _values(subject, "organizational_unit_name") if v.upper().startswith("BIN")]
    bin_ = None
    if bins or LEGAL_ENTITY in oids or oids & ROLE_OIDS.keys():
        bin_ = _number(bins, "BIN", Reason.malformed_bin, Reason.malformed_bin, "bin")
    role = next((role for oid, role in ROLE_OIDS.items() if oid in oids), None) if bin_ else None
    issuer = certificate.issuer.native
    return Signer(
        iin=iin, common_name=_first(subject, "common_name") or "", surname=_first(subject, "surname"),
        given_name=_first(subject, "given_name"), email=_first(subject, "email_address") or _san_email(certificate),
        bin=bin_, organization=_first(subject, "organization_name") if bin_ else None, role=role, purpose=purpose,
        serial=format(certificate.serial_number, "x"), fingerprint=certificate.sha256.hex(),
        issuer=issuer.get("common_name") or certificate.issuer.human_friendly,
        not_before=certificate.not_valid_before, not_after=certificate.not_valid_after, signed_at=signed_at,
        verified_at=verified_at, algorithm=algorithm, certificate=certificate.dump(), test=test)


def _values(subject, key):
    value = subject.get(key)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _first(subject, key):
    values = _values(subject, key)
    return values[0] if values else None


def _number(values, prefix, missing, malformed, kind):
    """The 12 digits after `prefix` ("IIN123456789012"), their check digit checked."""
    if not values:
        raise refuse(missing, f"no {prefix} in the subject")
    match = re.fullmatch(prefix + r"(\d{12})", values[0].strip(), re.IGNORECASE | re.ASCII)
    if match is None or number_problem(match[1], kind) is not None:
        raise refuse(malformed, f"{values[0]!r} is not a valid {prefix}")
    return match[1]


def _oids(certificate):
    """The extended key usage and certificate policy OIDs: НУЦ РК marks the holder's kind and role with either."""
    oids = set()
    for usage in certificate.extended_key_usage_value or ():
        oids.add(usage.dotted)
    for policy in certificate.certificate_policies_value or ():
        oids.add(policy["policy_identifier"].dotted)
    return oids


def _san_email(certificate):
    for name in certificate.subject_alt_name_value or ():
        if name.name == "rfc822_name":
            return name.native
    return None
