"""verify_cms: the CMS's signature over the content, then the signer's certificate by pyhanko-certvalidator (the
chain to the configured trust anchors, validity at the moment, revocation by OCSP or CRL, the key's purpose)."""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import pem, x509
from cryptography.exceptions import InvalidSignature
from flask import current_app
from pyhanko_certvalidator import CertificateValidator, ValidationContext, errors, validate_usage
from pyhanko_certvalidator import context as _validator_context
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy, RevocationCheckingRule

from config import ConfigError
from grants.signatures import cms, identity
from grants.signatures.demo import DemoCA
from grants.signatures.refusals import Reason, SignatureRefused, refuse
from grants.signatures.revocation import Fetched, RevocationCache, Sources

log = logging.getLogger(__name__)

# pyhanko-certvalidator checks a delegated OCSP responder that carries id-pkix-ocsp-nocheck in a ValidationContext
# of its own, made without the caller's signature validator (revinfo/validate_ocsp.py,
# _validate_delegated_ocsp_provenance, in the pinned 0.33.0): with the library's default there, a GOST responder's
# certificate cannot be checked and every GOST OCSP answer would be dropped. The library's default is made ours,
# which is the library's own for everything but GOST. tests/grants/test_gost.py fails if this stops working.
_validator_context.DefaultSignatureValidator = cms.Validator

# An authentication key signs in (TLS client authentication); a signing key signs documents (e-mail protection,
# with non-repudiation), as НУЦ РК issues them.
KEY_USAGE = {"auth": {"digital_signature"}, "sign": {"non_repudiation"}}
EXTENDED_KEY_USAGE = {"auth": {"client_auth"}, "sign": {"email_protection"}}  # 1.3.6.1.5.5.7.3.2 and .3.4

# The holder's certificate must have a status, from OCSP or else a CRL: with neither, no answer. A CA certificate
# is checked when it names where (НУЦ РК's own certificate, on the root's CRL). Answers issued after the moment
# validated count for it: the responder's clock may run ahead of ours, and a past signature is judged by today's
# answer (a revocation after that moment does not undo it).
POLICY = CertRevTrustPolicy(
    RevocationCheckingPolicy(ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
                             intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED),
    retroactive_revinfo=True)


def run_to_end(make_coroutine):
    """Run the validator's coroutine to its end from synchronous code, and return its result.

    With no event loop running in this thread (a gunicorn worker, the command line) it runs on a loop of its
    own; where a loop already runs in this thread (an async server, or a test driving a browser through
    Playwright's sync API) asyncio.run is refused, so it runs on a loop of its own in a worker thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


@dataclass
class Verifier:
    """The trust anchors and revocation sources of one application, and its cache of revocation answers."""

    roots: tuple = ()
    intermediates: tuple = ()
    crls: tuple = ()  # CRLs held rather than fetched (the demo CA's, DER): they count as fetched ones do
    sources: Sources = field(default_factory=Sources)
    cache: RevocationCache = field(default_factory=RevocationCache)
    demo: DemoCA | None = None  # the demo's test CA (never in production): trusted, its signatures marked test

    @classmethod
    def from_config(cls, config):
        certificates = [c for path in config.get("EDS_TRUST_ANCHORS", ()) for c in load_certificates(path)]
        demo = DemoCA(config["EDS_DEMO"]) if config.get("EDS_DEMO") else None
        if demo is not None:
            certificates += demo.anchors()
        return cls(roots=tuple(c for c in certificates if c.self_signed in ("yes", "maybe")),
                   intermediates=tuple(c for c in certificates if c.self_signed == "no"),
                   crls=demo.crls() if demo else (), demo=demo,
                   sources=Sources(ocsp_url=config.get("EDS_OCSP_URL"), crl_urls=tuple(config.get("EDS_CRL_URLS", ())),
                                   timeout=config.get("EDS_TIMEOUT", 5)))

    def is_test(self, certificate):
        """Whether a verified certificate is one of the demo's test keys."""
        return self.demo is not None and self.demo.issued(certificate)

    def check(self, signed, purpose, at):
        """Refuse unless the signer's certificate validates for `purpose` at `at` (None: now)."""
        fetched = Fetched(self.sources, self.cache)
        certificate = signed.certificate
        try:
            run_to_end(lambda: self._validate_path(certificate, signed.other_certificates, fetched, at))
        except errors.RevokedError as e:
            fetched.keep()
            raise refuse(Reason.revoked, str(e), when=e.revocation_dt) from e
        except errors.ExpiredError as e:
            raise refuse(Reason.expired, str(e), when=e.expired_dt) from e
        except errors.NotYetValidError as e:
            raise refuse(Reason.not_yet_valid, str(e), when=e.valid_from) from e
        except errors.InsufficientRevinfoError as e:
            raise refuse(Reason.revocation_unknown, str(e)) from e
        except errors.DisallowedAlgorithmError as e:
            raise refuse(Reason.unsupported_algorithm, str(e)) from e
        except (errors.PathBuildingError, errors.PathValidationError, errors.InvalidCertificateError) as e:
            raise refuse(Reason.untrusted, str(e)) from e
        except (ValueError, TypeError, NotImplementedError, InvalidSignature) as e:
            # A certificate in the CMS the validator cannot make sense of: the sender chose it, so it is not
            # trusted, and it is no reason for a 500.
            log.warning("ЭЦП: the validator failed on %s", certificate.subject.human_friendly, exc_info=True)
            raise refuse(Reason.untrusted, repr(e)) from e
        fetched.keep()
        try:
            validate_usage(certificate, KEY_USAGE[purpose], EXTENDED_KEY_USAGE[purpose], extended_optional=False)
        except errors.InvalidCertificateError as e:
            raise refuse(Reason.wrong_purpose, str(e), purpose=purpose) from e

    async def _validate_path(self, certificate, others, fetched, at):
        context = ValidationContext(
            trust_roots=list(self.roots), other_certs=[*self.intermediates, *others], crls=list(self.crls), moment=at,
            allow_fetching=True,
            fetchers=fetched.fetchers(), revinfo_policy=POLICY, signature_validator=cms.VALIDATOR)
        return await CertificateValidator(certificate, validation_context=context).async_validate_path()


def load_certificates(path):
    """Every certificate in a PEM or DER file, or in the *.pem, *.cer, *.crt and *.der files of a folder."""
    path = Path(path)
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".pem", ".cer", ".crt", ".der")) \
        if path.is_dir() else [path]
    certificates = []
    for file in files:
        data = file.read_bytes()
        try:
            blocks = [der for kind, _, der in pem.unarmor(data, multiple=True) if kind == "CERTIFICATE"] \
                if pem.detect(data) else [data]
            for der in blocks:
                certificate = x509.Certificate.load(der, strict=True)
                _ = certificate.native  # a damaged file fails at the start, not at the first signature
                certificates.append(certificate)
        except (ValueError, TypeError) as e:
            raise ConfigError(f"BAIQAU_EDS_TRUST_ANCHORS: {file} is not a certificate ({e})") from e
    return certificates


def init_app(app):
    """Read the trust anchors now: a file that is not a certificate stops the start, not a person's sign-in."""
    app.extensions["signatures"] = Verifier.from_config(app.config)


def verifier(app=None):
    """The application's Verifier (its anchors, revocation sources and answer cache)."""
    app = app or current_app
    if "signatures" not in app.extensions:
        init_app(app)
    return app.extensions["signatures"]


PURPOSES = ("auth", "sign")


def verify_cms(cms_b64, *, expected_content, purpose, at=None):
    """The Signer of a CMS (CAdES) signature NCALayer made, or SignatureRefused saying why not.

    `expected_content` is what must have been signed: the one-time challenge for sign-in, a document's canonical
    bytes; a detached signature is checked over it, an attached one must carry exactly it. `purpose` is "auth"
    (sign-in, the authentication key) or "sign" (a document, the signing key). `at` is the moment the certificate
    must have been valid and unrevoked at, default now: the moment the server received the signature, never the
    signing time the signer's computer wrote into it.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}, not {purpose!r}")
    if not isinstance(expected_content, bytes):
        raise TypeError("expected_content must be the bytes that were signed")
    if at is not None and at.utcoffset() is None:
        raise ValueError("at must be an aware datetime")
    try:
        signed = cms.read(cms_b64, expected_content)
        checker = verifier()
        checker.check(signed, purpose, at)
        return identity.holder(signed.certificate, purpose=purpose, signed_at=signed.signed_at,
                               verified_at=at or datetime.now(UTC), algorithm=signed.algorithm,
                               test=checker.is_test(signed.certificate))
    except SignatureRefused as refusal:
        log.info("ЭЦП refused (%s, %s): %s", purpose, refusal.reason, refusal.detail)
        raise
