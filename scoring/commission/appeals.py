"""Appeals against a published result: filed by the NGO within the meeting's appeal period, answered on the
record."""

from datetime import timedelta

import sqlalchemy as sa

from grants import audit, mail
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _, format_datetime
from scoring.commission.models import Appeal, AppealState, Decision, Meeting, MeetingState
from scoring.commission.services import CommissionError


def appeal_deadline(meeting):
    return meeting.published_at + timedelta(days=meeting.appeal_days) if meeting.published_at else None


def published_decision(application):
    return db.session.execute(sa.select(Decision).join(Meeting).where(
        Decision.application_id == application.id, Meeting.state == MeetingState.published)).scalar_one_or_none()


def file_appeal(actor, application, text, now=None):
    """The NGO appeals the published result within the meeting's appeal period."""
    now = now or utcnow()
    if not application.organization.has_member(actor):
        raise CommissionError(_("Only the NGO's own staff appeal its result."))
    decision = published_decision(application)
    if decision is None:
        raise CommissionError(_("There is no published result to appeal."))
    deadline = appeal_deadline(decision.meeting)
    if now > deadline:
        raise CommissionError(_("The appeal period ended on %(deadline)s.", deadline=format_datetime(deadline)))
    if not (text or "").strip():
        raise CommissionError(_("Write the grounds of the appeal."))
    if db.session.execute(sa.select(Appeal.id).where(Appeal.application_id == application.id,
                                                     Appeal.state == AppealState.filed)).first():
        raise CommissionError(_("An appeal on this application is already under consideration."))
    appeal = Appeal(application_id=application.id, filed_by_id=actor.id, text=text.strip(), filed_at=now,
                    state=AppealState.filed)
    db.session.add(appeal)
    audit.record(actor, "appeal.file", appeal, after={"application": application.receipt_number})
    return appeal


def resolve_appeal(actor, appeal, upheld, resolution, now=None):
    """The operator's answer; the NGO is told, and both the appeal and the answer stay on the record."""
    if appeal.state != AppealState.filed:
        raise CommissionError(_("This appeal has already been answered."))
    if not (resolution or "").strip():
        raise CommissionError(_("Write the answer to the appeal."))
    with db.session.no_autoflush:  # the state and its answer are written together (a CHECK ties them)
        appeal.resolved_by_id = actor.id
        appeal.resolved_at = now or utcnow()
        appeal.resolution = resolution.strip()
        appeal.state = AppealState.upheld if upheld else AppealState.dismissed
    audit.record(actor, "appeal.resolve", appeal, {"state": "filed"},
                 {"state": appeal.state, "resolution": appeal.resolution})
    user = appeal.filed_by
    mail.queue_mail(user.email, "appeal_resolved", user.locale or appeal.application.language, appeal=appeal)
    return appeal
