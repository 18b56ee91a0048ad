"""The commission's protocol signed with ЭЦП by each member present at the meeting.

Once the protocol is approved nothing in it changes, and each member present signs one manifest over it as
canonical JSON: the call and the meeting's scope, when and where it was held, every member with who named them,
the chair and their attendance, and every decision with its rank, score, votes and reason. Where the commission's
role signs with ЭЦП (BAIQAU_EDS=required and `commission` in BAIQAU_EDS_ROLES), the results are not published until
every member present has signed.
"""

import base64

from flask import current_app

from grants import audit
from grants.auth.models import Role
from grants.i18n import _
from grants.signatures import documents, verifier
from scoring.commission.models import Attendance, Meeting, MeetingState

KIND = "Meeting/protocol"
documents.owned_by(KIND, Meeting, "commission.view")


def content(meeting):
    return documents.canonical_json({
        "call": meeting.call.code, "direction": meeting.direction.code if meeting.direction else None,
        "held_at": meeting.held_at.isoformat(), "place": meeting.place,
        "approved_at": meeting.approved_at.isoformat() if meeting.approved_at else None,
        # Members by account, not by name: a name edited later changes nothing signed (the signers' names are in
        # their certificates).
        "members": [{"user": m.user_id, "named_by": m.named_by, "chair": m.is_chair, "attendance": m.attendance}
                    for m in sorted(meeting.members, key=lambda m: m.user_id)],
        "voting_rule": meeting.voting_rule,
        "decisions": [{"application": d.application.receipt_number, "outcome": d.outcome, "rank": d.rank,
                       "score": None if d.score is None else str(d.score), "votes": [d.votes_for, d.votes_against,
                                                                                     d.votes_abstained],
                       "roll_call": {kind: sorted(m.user_id for m in members) for kind, members in
                                     meeting.roll_call(d.application_id).items()},
                       "reason": d.reason} for d in sorted(meeting.decisions, key=lambda d: d.application_id)],
    })


def manifest(meeting, signed_content=None):
    """What each member present signs: the call, the meeting, and the SHA-256 of the protocol's content."""
    signed_content = content(meeting) if signed_content is None else signed_content
    return documents.manifest("commission protocol", {"call": meeting.call.code, "meeting": meeting.id},
                              signed_content)


def signatures(meeting):
    """{user id: that member's signature of the protocol}."""
    return {s.signed_by_id: s for s in documents.of(KIND, meeting.id)}


def unsigned(meeting):
    """The members present who have not signed the protocol yet."""
    signed = signatures(meeting)
    return [m for m in meeting.present if m.user_id not in signed]


def required():
    config = current_app.config
    return config.get("EDS") == "required" and Role.commission.value in config.get("EDS_ROLES", ())


def offer(meeting, user):
    """What the meeting page hands NCALayer for this user, or None where they have nothing to sign."""
    if current_app.config.get("EDS", "off") == "off" or meeting.state == MeetingState.planned:
        return None
    member = next((m for m in meeting.present if m.user_id == user.id), None)
    if member is None or user.id in signatures(meeting):
        return None
    return {"manifest": base64.b64encode(manifest(meeting)).decode(), "demo": verifier().demo is not None}


def sign(actor, meeting, cms, error):
    """A member present signs the approved protocol, once; `error` is the refusal to raise (CommissionError)."""
    member = next((m for m in meeting.members if m.user_id == actor.id), None)
    if member is None or member.attendance == Attendance.absent:
        raise error(_("Only the members present at the meeting sign its protocol."))
    if meeting.state == MeetingState.planned:
        raise error(_("The protocol is signed once it is approved: until then it can still change."))
    if actor.id in signatures(meeting):
        raise error(_("You have signed this protocol already."))
    if actor.iin is None:
        raise error(_("Your account has no EDS linked yet. Sign out, sign in once with “Sign in with EDS”, then "
                      "sign the protocol."))
    if not cms:
        raise error(_("No signature arrived. Start NCALayer on this computer, then choose “Sign with EDS” again."))
    signed_content = content(meeting)
    signed = manifest(meeting, signed_content)
    signer = documents.signer_of(cms, signed, error)
    if signer.iin != actor.iin:
        raise error(_("The protocol is signed with another person's certificate. Sign with your own EDS."))
    signature = documents.keep(KIND, meeting.id, signed, signed_content, cms, signer, actor)
    audit.record(actor, "commission.sign_protocol", meeting, after={
        "iin": signer.iin, "sha256": signature.sha256, "certificate": signer.serial, "test": signer.test})
    return signature
