"""Anyone can check a signed document: by its number on Baiqau, or with the files alone (the signed manifest, the
signature and, if at hand, the content). The files download beside the document for those who may see it."""

import base64
import io

import sqlalchemy as sa
from asn1crypto import pem
from flask import Blueprint, abort, render_template, request, send_file
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from grants.applications.models import Application, Version
from grants.extensions import db
from grants.forms import Form
from grants.i18n import _, _l
from grants.permissions import allow, require
from grants.signatures import SignatureRefused, documents, verify_cms
from grants.signatures.cms import read
from grants.signatures.documents import OWNERS, Signature, names, of

bp = Blueprint("signatures", __name__, template_folder="templates")

READ_LIMIT = 1024 * 1024  # a manifest and a signature are a few kilobytes; a content file a few hundred


class NumberForm(Form):
    number = StringField(_l("Receipt or agreement number"), validators=[DataRequired(), Length(max=48)])


class FilesForm(Form):
    manifest = FileField(_l("Signed document (manifest.txt)"))
    signature = FileField(_l("Signature (signature.p7s)"))
    content = FileField(_l("Content (content.json), if you have it"))


def intact(signature):
    """Whether the kept signature is still over its manifest, and the manifest names the kept content."""
    try:
        read(signature.cms, signature.manifest)
    except SignatureRefused:
        return False
    return names(signature.manifest, signature.content)


@documents.numbered
def _application_signatures(number):
    """An application's receipt number: the signature of each version submitted with ЭЦП."""
    application = db.session.execute(sa.select(Application).where(
        Application.receipt_number == number.upper())).scalar_one_or_none()
    if application is None:
        return []
    return [(_("Application %(number)s, version %(version)s", number=application.receipt_number,
               version=version.number), signature)
            for version in application.versions for signature in of("ApplicationVersion", version.id)]


@bp.route("/verify", methods=["GET", "POST"])
@allow("public")
def verify():
    """A signed document checked by its number: intact or not, who signed, in which standing, when."""
    form, files = NumberForm(prefix="n", meta={"csrf": False}), FilesForm(prefix="f", meta={"csrf": False})
    number = (request.args.get("number") or "").strip()[:48]
    rows = [(heading, signature, intact(signature)) for heading, signature in documents.by_number(number)] \
        if number else []
    return render_template("signatures/verify.html", form=form, files=files, number=number, rows=rows,
                           checked=None), 404 if number and not rows else 200


def _read(storage):
    data = storage.read(READ_LIMIT + 1) if storage else b""
    return data if len(data) <= READ_LIMIT else None


@bp.route("/verify/files", methods=["POST"])
@allow("public")
def verify_files():
    """The files alone: the signature checked over the manifest, the certificate as of the moment Baiqau kept
    the same signature (else now), and the content against the manifest's SHA-256."""
    form, files = NumberForm(prefix="n", meta={"csrf": False}), FilesForm(prefix="f")
    checked = {"problem": None}
    manifest, signature, content = (_read(request.files.get(f"f-{name}")) for name in
                                    ("manifest", "signature", "content"))
    if not manifest or not signature:
        checked["problem"] = str(_l("Choose the signed document and its signature file."))
    else:
        if pem.detect(signature):  # -----BEGIN PKCS7----- or CMS
            signature = pem.unarmor(signature)[2]
        b64 = base64.b64encode(signature).decode() if signature[:1] == b"\x30" else \
            signature.decode("ascii", "replace")  # DER, else the Base64 NCALayer returns
        kept = db.session.execute(sa.select(Signature).where(Signature.manifest == manifest)).scalars().first()
        try:
            checked["signer"] = verify_cms(b64, expected_content=manifest, purpose="sign",
                                           at=kept.verified_at if kept is not None else None)
        except SignatureRefused as refusal:
            checked["problem"] = str(refusal)
        if content:
            checked["content"] = names(manifest, content)
    return render_template("signatures/verify.html", form=form, files=files, number="", rows=[],
                           checked=checked), 400 if checked["problem"] else 200


FILES = "<any('manifest.txt', 'signature.p7s', 'content.json'):name>"


@bp.route(f"/applications/<int:app_id>/versions/<int:number>/{FILES}")
@allow("application.view")
def download(app_id, number, name):
    """The signed manifest, the signature (DER) and the content of a submitted version, for its own readers."""
    application = db.get_or_404(Application, app_id)
    require("application.view", application)
    version = db.session.execute(sa.select(Version).where(Version.application_id == app_id,
                                                          Version.number == number)).scalar_one_or_none()
    kept = of("ApplicationVersion", version.id) if version else []
    if not kept:
        abort(404)
    return _send(kept[-1], name, f"{application.receipt_number}-v{number}")


@bp.route(f"/signatures/<int:signature_id>/{FILES}")
@allow("signed_in")
def signed_file(signature_id, name):
    """The three files of an agreement's, a report's or a protocol's signature, for whoever may see that document
    (documents.OWNERS); they check without Baiqau, as an application's do."""
    signature = db.get_or_404(Signature, signature_id)
    if signature.object_type not in OWNERS:
        abort(404)
    model, action = OWNERS[signature.object_type]
    require(action, db.get_or_404(model, signature.object_id))
    return _send(signature, name, f"{signature.object_type.replace('/', '-').lower()}-{signature.id}")


def _send(signature, name, stem):
    data, kind = {"manifest.txt": (signature.manifest, "text/plain"), "signature.p7s": (signature.cms_der,
                  "application/pkcs7-signature"), "content.json": (signature.content, "application/json")}[name]
    return send_file(io.BytesIO(data), mimetype=kind, as_attachment=True, download_name=f"{stem}-{name}")
