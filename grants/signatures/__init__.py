"""ЭЦП: verifying CMS signatures NCALayer makes with keys of НУЦ РК, and who the signer is."""

from grants.signatures import documents  # noqa: F401  (the signatures table)
from grants.signatures.identity import HolderRole, Signer
from grants.signatures.refusals import Reason, SignatureRefused
from grants.signatures.verify import Verifier, init_app, verifier, verify_cms

__all__ = ["HolderRole", "Reason", "SignatureRefused", "Signer", "Verifier", "init_app", "verifier", "verify_cms"]
