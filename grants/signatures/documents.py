"""Signed documents: what is signed, and the signature kept with it.

A document is signed as a short manifest, `manifest(kind, fields, content)`: its kind, the fields that name it
(the application, the call, the draft's revision) and the SHA-256 of its canonical content (the frozen snapshot as
canonical JSON, which itself carries the SHA-256 of every attached file). The manifest is what NCALayer signs,
detached, with the signing key; it is small enough for a page to hand over, and it binds every byte of the
content. The signature, the manifest and the content are kept together (`Signature`), so that anyone holding the
three can check them without Baiqau: the SHA-256 of the content is in the manifest, and the CMS is over the
manifest (`openssl cms -verify -binary -inform DER -content manifest.txt -in signature.p7s`).
"""

import base64
import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.db import UTCDateTime, utcnow
from grants.extensions import db


def canonical_json(value):
    """The one byte form of a JSON value: sorted keys, no spaces, UTF-8 as it is."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def manifest(kind, fields, content):
    """The bytes signed for a document of `kind`, named by `fields`, whose canonical content is `content`."""
    lines = [f"Baiqau {kind}"] + [f"{key}: {value}" for key, value in fields.items()]
    return ("\n".join(lines) + "\n").encode() + _content_line(content)


def _content_line(content):
    return f"sha256: {hashlib.sha256(content).hexdigest()}\n".encode()


def names(manifest_bytes, content):
    """Whether a manifest names exactly this content (its SHA-256 line)."""
    return _content_line(content) in manifest_bytes


# Who may download a kind of signed document's files: {kind: (the model it signs, the right to see that object)},
# registered by the package that signs it, so that this package knows none of them.
OWNERS = {}


def owned_by(kind, model, action):
    OWNERS[kind] = (model, action)


# How the number printed on a document finds its signatures for the public check: finders registered by the
# packages that number documents (an application's receipt, an agreement's number), in the order registered.
FINDERS = []


def numbered(finder):
    """Register `finder(number)`: [(heading, signature)] for the documents that `number` names, or []."""
    FINDERS.append(finder)
    return finder


def by_number(number):
    """Every signature the number names: [(heading, signature)], the heading in the reader's language."""
    return [row for finder in FINDERS for row in finder(number)]


def signer_of(cms_b64, manifest_bytes, error):
    """The Signer of a document's signature over `manifest_bytes` (the signing key), or `error` (a Refusal of the
    caller's step) saying, in the user's language, why it does not verify."""
    from grants.signatures.refusals import SignatureRefused
    from grants.signatures.verify import verify_cms

    try:
        return verify_cms(cms_b64, expected_content=manifest_bytes, purpose="sign")
    except SignatureRefused as refusal:
        raise error(str(refusal)) from refusal


class Signature(db.Model):
    """A verified ЭЦП signature of a document, with what it was over and who it names."""

    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int]
    manifest: Mapped[bytes] = mapped_column(sa.LargeBinary)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    cms: Mapped[str] = mapped_column(sa.Text)  # Base64 DER, as NCALayer returned it
    signer_iin: Mapped[str] = mapped_column(sa.String(12))
    signer_name: Mapped[str] = mapped_column(sa.String(255))
    signer_bin: Mapped[str | None] = mapped_column(sa.String(12))
    signer_organization: Mapped[str | None] = mapped_column(sa.String(400))
    signer_role: Mapped[str | None] = mapped_column(sa.String(20))
    certificate_serial: Mapped[str] = mapped_column(sa.String(64))
    certificate_issuer: Mapped[str] = mapped_column(sa.String(255))
    test: Mapped[bool] = mapped_column(default=False)
    # When the server received and verified it: the certificate was valid and unrevoked at that moment.
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    __table_args__ = (sa.Index("ix_signatures_object", "object_type", "object_id"),)

    @property
    def sha256(self):
        return hashlib.sha256(self.content).hexdigest()

    @property
    def cms_der(self):
        return base64.b64decode(self.cms)


def keep(obj_type, obj_id, manifest_bytes, content, cms_b64, signer, user=None):
    """Keep a signature that verified over `manifest_bytes`."""
    signature = Signature(
        object_type=obj_type, object_id=obj_id, manifest=manifest_bytes, content=content, cms=cms_b64,
        signer_iin=signer.iin, signer_name=signer.full_name, signer_bin=signer.bin,
        signer_organization=signer.organization, signer_role=signer.role.value if signer.role else None,
        certificate_serial=signer.serial, certificate_issuer=signer.issuer, test=signer.test,
        verified_at=signer.verified_at, signed_by_id=getattr(user, "id", None))
    db.session.add(signature)
    db.session.flush()
    return signature


def of(obj_type, obj_id):
    return db.session.execute(sa.select(Signature).where(
        Signature.object_type == obj_type, Signature.object_id == obj_id).order_by(Signature.id)).scalars().all()
