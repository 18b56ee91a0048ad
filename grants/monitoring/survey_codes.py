"""Codes that answer a beneficiaries' survey once each, so that a project's count of answers is free of repeats.

The grantee (or the operator) issues a sheet of codes: one per beneficiary, or one sheet per event for the people
who came. Each code is printed with the survey's link and its own QR code; the survey takes an answer only with a
code of that project not used before, and marks it used in the same statement that checks it, so two answers sent
at once with one code are one answer. Nothing ties an answer to its code: the survey stays anonymous."""

import secrets

import sqlalchemy as sa

from grants import audit
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _
from grants.monitoring.models import SurveyCode
from grants.monitoring.oversight import OversightError
from grants.permissions import can

ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B: read off paper without doubt
LENGTH = 8
MOST = 500  # codes in one sheet
EVENT_MAX = 200


def new_code():
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(code):
    """ABCD-EFGH, as printed."""
    return f"{code[:4]}-{code[4:]}"


def normal(typed):
    """A code as typed (any case, with spaces or a dash) as stored, or None when it cannot be one."""
    code = "".join((typed or "").split()).replace("-", "").upper()
    return code if len(code) == LENGTH and all(c in ALPHABET for c in code) else None


def issue(actor, agreement, count, event=""):
    """Issue `count` new codes for the project's survey, for single beneficiaries (event "") or for an event."""
    from grants.monitoring.survey import survey_open

    if not (can(actor, "agreement.manage") or agreement.organization.has_member(actor)):
        raise OversightError(_("Survey codes are issued by the grantee and the grant operator."))
    if not survey_open(agreement):
        raise OversightError(_("The survey of this project is closed."))
    if count is None or not 1 <= count <= MOST:
        raise OversightError(_("Issue from 1 to %(max)d codes at a time.", max=MOST))
    event = " ".join((event or "").split())
    if len(event) > EVENT_MAX:
        raise OversightError(_("The event's name is too long: at most %(n)d characters.", n=EVENT_MAX))
    codes = set()
    while len(codes) < count:
        drawn = {new_code() for _ in range(count - len(codes))} - codes
        taken = set(db.session.execute(sa.select(SurveyCode.code).where(SurveyCode.code.in_(drawn))).scalars())
        codes |= drawn - taken  # a code drawn twice (one chance in 25^8 per code issued) is drawn again
    codes = sorted(codes)
    db.session.add_all([SurveyCode(agreement_id=agreement.id, code=c, event=event, issued_by_id=actor.id)
                        for c in codes])
    audit.record(actor, "survey_codes.issue", agreement, after={"count": count, "event": event})
    return codes


def use(agreement, typed, now=None):
    """Mark the project's code used, once; refused for a code unknown to the project or used already."""
    code = normal(typed)
    if code is None:
        raise OversightError(_("Enter the code printed on your card: eight letters and digits, such as ACDE-3479."))
    used = db.session.execute(sa.update(SurveyCode).where(
        SurveyCode.agreement_id == agreement.id, SurveyCode.code == code, SurveyCode.used_at.is_(None))
        .values(used_at=now or utcnow())).rowcount
    if used == 1:
        return
    known = db.session.execute(sa.select(SurveyCode.id).where(SurveyCode.agreement_id == agreement.id,
                                                              SurveyCode.code == code)).first()
    if known:
        raise OversightError(_("This code has answered the survey already: each code answers once."))
    raise OversightError(_("This code is not one of this project's survey codes. Check it on your card."))


def sheets(agreement):
    """[(event, issued, used)] of the project's codes, by event ("" first: single beneficiaries)."""
    rows = db.session.execute(
        sa.select(SurveyCode.event, sa.func.count(SurveyCode.id), sa.func.count(SurveyCode.used_at))
        .where(SurveyCode.agreement_id == agreement.id).group_by(SurveyCode.event)
        .order_by(SurveyCode.event)).all()
    return [(event, issued, used) for event, issued, used in rows]


def unused(agreement, event):
    """The codes of one sheet not used yet, in the order issued."""
    return db.session.execute(sa.select(SurveyCode.code).where(
        SurveyCode.agreement_id == agreement.id, SurveyCode.event == event, SurveyCode.used_at.is_(None))
        .order_by(SurveyCode.id)).scalars().all()

