"""A report signed with ЭЦП: the NGO signs the report it submits, and the reviewer signs its acceptance.

The NGO signs a manifest over the report as submitted, as canonical JSON: the narrative, every figure, each
indicator's actual value, the money spent per budget line, the activities reported done and the SHA-256 of every
piece of evidence. The reviewer signs a manifest of its decision that names the SHA-256 of that same content: what
was accepted is exactly what was submitted (the reviewer's comment is recorded beside, not signed: it is typed on
the page after the page was made). Where the role is required to sign with ЭЦП (BAIQAU_EDS=required and
BAIQAU_EDS_ROLES), the step is refused without a signature that verifies.
"""

import base64
import hashlib

import sqlalchemy as sa
from flask import current_app

from grants.agreements.models import Agreement
from grants.auth.services import eds_required
from grants.extensions import db
from grants.i18n import _
from grants.monitoring.models import FIGURES, Report
from grants.signatures import documents, verifier

SUBMISSION, ACCEPTANCE = "Report/submission", "Report/acceptance"  # the two signatures, as kept
documents.owned_by(SUBMISSION, Report, "report.view")
documents.owned_by(ACCEPTANCE, Report, "report.view")


@documents.numbered
def _signatures_by_number(number):
    """An agreement's number on the public check: each report's submission and acceptance signatures."""
    reports = db.session.execute(sa.select(Report).join(Agreement).where(Agreement.number == number.upper())
                                 .order_by(Report.number)).scalars().all()
    rows = []
    for report in reports:
        named = {"number": report.agreement.number, "n": report.number}
        for kind, heading in ((SUBMISSION, _("Agreement %(number)s: report %(n)s as submitted", **named)),
                              (ACCEPTANCE, _("Agreement %(number)s: report %(n)s as accepted", **named))):
            rows += [(heading, signature) for signature in documents.of(kind, report.id)]
    return rows


def content(report):
    """The report as the NGO submits it, as canonical JSON bytes."""
    return documents.canonical_json({
        "agreement": report.agreement.number, "ngo": report.agreement.organization.bin, "report": report.number,
        "kind": report.kind, "period_from": report.period_from.isoformat(), "period_to": report.period_to.isoformat(),
        "narrative": report.narrative, "figures": {name: getattr(report, name) for name in FIGURES},
        "cofunding": str(report.cofunding),
        "indicators": [{"name": row.indicator.name, "unit": row.indicator.unit, "actual": str(row.actual),
                        "comment": row.comment} for row in report.indicators],
        "spending": [{"item": row.budget_line.item, "spent": str(row.spent)} for row in report.spending],
        "activities": [{"activity": row.activity.activity, "done": row.done, "note": row.note}
                       for row in report.activities],
        "evidence": [{"filename": e.filename, "sha256": e.sha256, "caption": e.caption} for e in report.evidence],
    })


def submission_manifest(report, signed_content=None):
    """What the NGO signs: the agreement, the report, the draft's revision and the SHA-256 of its content."""
    signed_content = content(report) if signed_content is None else signed_content
    return documents.manifest("report", {"agreement": report.agreement.number, "report": report.number,
                                         "revision": report.revision}, signed_content)


def acceptance_content(report):
    return documents.canonical_json({"agreement": report.agreement.number, "report": report.number,
                                     "decision": "accepted",
                                     "report_sha256": hashlib.sha256(content(report)).hexdigest()})


def acceptance_manifest(report, signed_content=None):
    """What the reviewer signs: that this report, as submitted (its content's SHA-256), is accepted."""
    signed_content = acceptance_content(report) if signed_content is None else signed_content
    return documents.manifest("report acceptance", {"agreement": report.agreement.number,
                                                    "report": report.number}, signed_content)


def offer(actor, manifest):
    """What a page hands NCALayer, where ЭЦП is on: the manifest in Base64, whether the demo's key may sign, and
    whether the step is refused unsigned."""
    if current_app.config.get("EDS", "off") == "off":
        return None
    return {"manifest": base64.b64encode(manifest).decode(), "demo": verifier().demo is not None,
            "required": eds_required(actor)}


def sign_submission(actor, report, cms, error):
    """Verify and keep the NGO's signature of the report it is submitting; refuse without one where required."""
    if not cms:
        if eds_required(actor):
            raise error(_("Your role submits reports signed with EDS: choose “Sign with EDS and submit”."))
        return None
    signed_content = content(report)
    manifest = submission_manifest(report, signed_content)
    signer = documents.signer_of(cms, manifest, error)
    if signer.bin != report.agreement.organization.bin:
        raise error(_("The report is signed with a certificate that is not of this NGO (BIN %(bin)s). Sign with the "
                      "EDS of the NGO: the certificate of its head, or of an employee, with its BIN.",
                      bin=report.agreement.organization.bin))
    if actor.iin is not None and signer.iin != actor.iin:
        raise error(_("The report is signed with another person's certificate. Sign with your own EDS."))
    return documents.keep(SUBMISSION, report.id, manifest, signed_content, cms, signer, actor)


def sign_acceptance(actor, report, cms, error):
    """Verify and keep the reviewer's signature of the acceptance; refuse without one where required."""
    if not cms:
        if eds_required(actor):
            raise error(_("Your role accepts reports signed with EDS: choose “Sign with EDS and accept”."))
        return None
    signed_content = acceptance_content(report)
    manifest = acceptance_manifest(report, signed_content)
    signer = documents.signer_of(cms, manifest, error)
    if actor.iin is not None and signer.iin != actor.iin:
        raise error(_("The acceptance is signed with another person's certificate. Sign with your own EDS."))
    return documents.keep(ACCEPTANCE, report.id, manifest, signed_content, cms, signer, actor)


def signatures_of(report):
    """{"submission": the latest signature of a submission, "acceptance": of the acceptance} (None where none)."""
    return {name: (documents.of(kind, report.id) or [None])[-1]
            for name, kind in (("submission", SUBMISSION), ("acceptance", ACCEPTANCE))}
