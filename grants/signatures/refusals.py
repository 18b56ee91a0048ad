"""Why a signature is refused: one exception, a reason code for the code, a message for the person."""

import enum

from grants.i18n import _, _l, format_datetime
from grants.refusals import Refusal


class Reason(enum.StrEnum):
    """What went wrong, for the caller to branch on and the audit trail to keep; the message is for people."""

    malformed = "malformed"  # not a CMS SignedData, damaged, no signer's certificate, several signers
    unsupported_algorithm = "unsupported_algorithm"  # old GOST, or an algorithm nobody should use
    signature_mismatch = "signature_mismatch"  # the signature is not over these bytes
    unexpected_content = "unexpected_content"  # an attached content other than the one we asked to sign
    untrusted = "untrusted"  # the chain does not lead to a configured trust anchor (self-made, another CA)
    expired = "expired"
    not_yet_valid = "not_yet_valid"
    revoked = "revoked"
    revocation_unknown = "revocation_unknown"  # neither OCSP nor a CRL gave an answer the validator accepts
    wrong_purpose = "wrong_purpose"  # a signing key used to sign in, or the authentication key to sign
    no_iin = "no_iin"
    malformed_iin = "malformed_iin"
    malformed_bin = "malformed_bin"  # a legal entity's certificate without a valid BIN


_MESSAGES = {
    Reason.malformed: _l("The electronic digital signature could not be read: it is not a CMS signature, or it is "
                         "damaged. Please sign again."),
    Reason.unsupported_algorithm: _l("This signature algorithm is not supported."),
    Reason.signature_mismatch: _l("The electronic digital signature does not match the signed data: the data were "
                                  "changed after signing, or the signature belongs to other data."),
    Reason.unexpected_content: _l("The signed data are not what this page asked you to sign. Please sign again "
                                  "from this page."),
    Reason.untrusted: _l("The certificate was not issued by a trusted certification authority (the National "
                         "Certification Authority of the Republic of Kazakhstan): its chain does not lead to a "
                         "trusted root certificate. The signature is not accepted."),
    Reason.revocation_unknown: _l("The certificate's status could not be checked: neither the OCSP service nor the "
                                  "list of revoked certificates answered. Please try again later."),
    Reason.no_iin: _l("The certificate does not name its holder's IIN."),
    Reason.malformed_iin: _l("The IIN in the certificate is malformed: its check digit does not match."),
    Reason.malformed_bin: _l("The certificate of a legal entity does not carry a valid BIN."),
}


class SignatureRefused(Refusal):
    """The signature or its certificate is not accepted. `reason` is a Reason, str(self) the person's message in
    the locale of the moment it was raised, `detail` the validator's own words for the log (English, never shown),
    `when` the moment the reason names (the revocation, the end or start of validity) where there is one."""

    def __init__(self, reason, message, *, detail=None, when=None):
        super().__init__(message)
        self.reason = Reason(reason)
        self.detail = detail
        self.when = when


def refuse(reason, detail=None, *, when=None, purpose=None, gost=False):
    """The refusal for `reason`, its message in the current locale."""
    return SignatureRefused(reason, _message(Reason(reason), when, purpose, gost), detail=detail, when=when)


def _message(reason, when, purpose, gost):
    date = format_datetime(when) if when is not None else ""
    if reason == Reason.unsupported_algorithm and gost:
        return _("This signature was made with an old or unknown GOST algorithm (keys of GOST 34.310-2004 are no "
                 "longer accepted). Please sign with a current key of the National Certification Authority.")
    if reason == Reason.expired:
        return _("The certificate's validity period ended on %(date)s. Please get a new certificate from the "
                 "National Certification Authority.", date=date)
    if reason == Reason.not_yet_valid:
        return _("The certificate is not valid yet: its validity period begins on %(date)s.", date=date)
    if reason == Reason.revoked:
        return _("The certificate was revoked on %(date)s. A signature made with it after that moment is not "
                 "valid.", date=date)
    if reason == Reason.wrong_purpose and purpose == "auth":
        return _("This certificate is not for signing in. Please choose your authentication key (its file name "
                 "begins with AUTH).")
    if reason == Reason.wrong_purpose:
        return _("This certificate is not for signing documents. Please choose your signing key, not the "
                 "authentication key (whose file name begins with AUTH).")
    return str(_MESSAGES[reason])
