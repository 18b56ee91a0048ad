"""The agreement signed with ЭЦП by both sides: first the NGO, with a certificate of its BIN held by its first head
or a person with the right to sign; then the grant operator, whose signature makes the agreement active.

Both sign one manifest (grants/signatures/documents.py) over the agreement's terms as canonical JSON: the parties,
the amount and period, the budget lines, indicators and activities, the schedule of tranches and reports, and the
SHA-256 of every document attached to the draft. A change of the terms after the NGO signed changes that content,
so the NGO's signature no longer names it and the operator cannot sign until the NGO signs again. The paper way
(a signed copy uploaded, the date recorded: services.sign) stays for those without ЭЦП, unless the operator's role
is required to sign with it.
"""

import base64

import sqlalchemy as sa
from flask import current_app

from grants import audit
from grants.agreements.models import Agreement, AgreementStatus, DocumentKind
from grants.agreements.services import AgreementError, require_status
from grants.extensions import db
from grants.i18n import _, astana_today
from grants.permissions import can
from grants.signatures import HolderRole, documents, verifier

GRANTEE, OPERATOR = "Agreement/grantee", "Agreement/operator"  # the two sides' signatures, as kept
documents.owned_by(GRANTEE, Agreement, "agreement.view")
documents.owned_by(OPERATOR, Agreement, "agreement.view")
MAY_BIND_THE_NGO = (HolderRole.first_head, HolderRole.signer)


@documents.numbered
def _signatures_by_number(number):
    """An agreement's number on the public check: the NGO's signatures, then the operator's."""
    agreement = db.session.execute(sa.select(Agreement).where(Agreement.number == number.upper())).scalar_one_or_none()
    if agreement is None:
        return []
    sides = ((GRANTEE, _("Agreement %(number)s, signed by the NGO", number=agreement.number)),
             (OPERATOR, _("Agreement %(number)s, signed by the grant operator", number=agreement.number)))
    return [(heading, signature) for kind, heading in sides for signature in documents.of(kind, agreement.id)]


def terms(agreement):
    """Everything the agreement binds its parties to, as plain JSON values."""
    return {
        "agreement": agreement.number, "kind": agreement.kind, "title": agreement.title,
        "ngo": {"bin": agreement.organization.bin, "name_kk": agreement.organization.name_kk,
                "name_ru": agreement.organization.name_ru},  # both: the page's language changes nothing signed
        "call": agreement.call.code, "language": agreement.language, "amount": str(agreement.amount),
        "starts_on": agreement.starts_on.isoformat(), "ends_on": agreement.ends_on.isoformat(),
        "contract_number": agreement.contract_number, "procurement_ref": agreement.procurement_ref,
        "budget": [{"item": b.item, "unit": b.unit, "planned": str(b.planned), "year": b.year,
                    "institutional": b.institutional} for b in agreement.budget_lines],
        "indicators": [{"name": i.name, "unit": i.unit, "baseline": str(i.baseline), "target": str(i.target),
                        "year": i.year} for i in agreement.indicators],
        "activities": [{"activity": a.activity, "start_month": a.start_month, "end_month": a.end_month}
                       for a in agreement.activities],
        "reports": [{"number": r.number, "kind": r.kind, "period_from": r.period_from.isoformat(),
                     "period_to": r.period_to.isoformat(), "due_on": r.due_on.isoformat()}
                    for r in agreement.reports],
        "tranches": [{"number": t.position + 1, "amount": str(t.amount), "planned_on": t.planned_on.isoformat(),
                      "condition": t.condition, "report": t.report.number if t.report is not None else None}
                     for t in agreement.tranches],
        "documents": [{"kind": d.kind, "filename": d.filename, "sha256": d.sha256}
                      for d in agreement.documents if d.kind != DocumentKind.signed_copy],
    }


def content(agreement):
    return documents.canonical_json(terms(agreement))


def manifest(agreement, signed_content=None):
    """What each side signs: the agreement, the NGO's BIN, the amount, and the SHA-256 of the terms."""
    signed_content = content(agreement) if signed_content is None else signed_content
    return documents.manifest("agreement", {"agreement": agreement.number, "ngo": agreement.organization.bin,
                                            "amount": str(agreement.amount)}, signed_content)


def signatures_of(agreement):
    """{side: the latest signature of that side} for the agreement."""
    found = {}
    for side in (GRANTEE, OPERATOR):
        kept = documents.of(side, agreement.id)
        found[side] = kept[-1] if kept else None
    return found


def grantee_signature(agreement):
    """The NGO's signature of the agreement's terms as they stand now, or None."""
    signature = signatures_of(agreement)[GRANTEE]
    if signature is None or signature.content != content(agreement):
        return None
    return signature


def state(agreement):
    """What the agreement's page says of its ЭЦП signing: None where ЭЦП is off, else a dict of the two sides'
    signatures, whether the NGO's names the current terms, and the manifest to sign in Base64."""
    if current_app.config.get("EDS", "off") == "off":
        return None
    kept = signatures_of(agreement)
    current = content(agreement)
    return {"grantee": kept[GRANTEE], "operator": kept[OPERATOR],
            "grantee_current": kept[GRANTEE] is not None and kept[GRANTEE].content == current,
            "manifest": base64.b64encode(manifest(agreement, current)).decode(),
            "demo": verifier().demo is not None}


def _verified(agreement, cms):
    signed_content = content(agreement)
    signed = manifest(agreement, signed_content)
    if not cms:
        raise AgreementError(_("No signature arrived. Start NCALayer on this computer, then choose “Sign with EDS” "
                               "again."))
    return documents.signer_of(cms, signed, AgreementError), signed, signed_content


def _own_certificate(actor, signer):
    """An agreement binds: its signer is the account's own person, known by the IIN its ЭЦП sign-in linked."""
    if actor.iin is None:
        raise AgreementError(_("Your account has no EDS linked yet. Sign out, sign in once with “Sign in with EDS”, "
                               "then sign the agreement."))
    if signer.iin != actor.iin:
        raise AgreementError(_("The agreement is signed with another person's certificate. Sign with your own EDS."))


def _ready(agreement):
    require_status(agreement, AgreementStatus.draft)
    if not agreement.tranches or not agreement.reports:
        raise AgreementError(_("Set the schedule of reports and tranches before signing."))


def sign_as_grantee(actor, agreement, cms):
    """The NGO signs the draft's terms: with a certificate of its BIN, held by its first head or a person with the
    right to sign (an employee's certificate does not bind the NGO). Signing again replaces nothing: the latest
    signature of the current terms is the one that counts."""
    if not agreement.organization.has_member(actor):
        raise AgreementError(_("Only the staff of %(ngo)s can do this.", ngo=agreement.organization.name))
    _ready(agreement)
    signer, signed, signed_content = _verified(agreement, cms)
    if signer.bin != agreement.organization.bin:
        raise AgreementError(_("The agreement is signed with a certificate that is not of this NGO (BIN %(bin)s). "
                               "Sign with the EDS of the NGO's head, or of a person with the right to sign.",
                               bin=agreement.organization.bin))
    if signer.role not in MAY_BIND_THE_NGO:
        raise AgreementError(_("An employee's certificate does not bind the NGO. The agreement is signed by the "
                               "NGO's first head, or by a person with the right to sign."))
    _own_certificate(actor, signer)
    signature = documents.keep(GRANTEE, agreement.id, signed, signed_content, cms, signer, actor)
    audit.record(actor, "agreement.sign_grantee", agreement, after={
        "iin": signer.iin, "role": signer.role, "sha256": signature.sha256, "certificate": signer.serial,
        "test": signer.test})
    return signature


def sign_as_operator(actor, agreement, cms, today=None):
    """The operator signs the terms the NGO signed: the agreement is signed that day, and active."""
    decision = can(actor, "agreement.manage", agreement)
    if not decision:
        raise AgreementError(decision.reason or _("Your role does not give access to this page."))
    _ready(agreement)
    if grantee_signature(agreement) is None:
        raise AgreementError(_("The NGO has not signed these terms with its EDS yet: it signs first, on its page "
                               "of the agreement. A change of the terms after it signed needs its signature "
                               "again."))
    signer, signed, signed_content = _verified(agreement, cms)
    _own_certificate(actor, signer)
    operator_bin = current_app.config.get("OPERATOR_BIN")
    if operator_bin and signer.bin != operator_bin:
        raise AgreementError(_("The grant operator signs with a certificate of the operator (BIN %(bin)s).",
                               bin=operator_bin))
    signature = documents.keep(OPERATOR, agreement.id, signed, signed_content, cms, signer, actor)
    agreement.signed_on = today or astana_today()
    agreement.status = AgreementStatus.active
    audit.record(actor, "agreement.sign", agreement, {"status": "draft"}, {
        "status": "active", "signed_on": agreement.signed_on, "iin": signer.iin, "sha256": signature.sha256,
        "certificate": signer.serial, "test": signer.test})
    return signature
