"""Reminders the platform sends by the calendar, each once: a report due in 7 days and in 1 day, to its NGO; a
public council's recommendation unanswered for 10 days, to the agreement's lead (or the operator's staff)."""

from datetime import timedelta

import sqlalchemy as sa

from grants.agreements.models import Agreement, AgreementStatus
from grants.auth.models import Role, User, UserRole
from grants.extensions import db
from grants.i18n import ALMATY
from grants.monitoring.models import EDITABLE, Recommendation, Report
from grants.notifications.models import SentReminder
from grants.notifications.services import notify

REPORT_STEPS = (7, 1)  # days before the due date
UNANSWERED = timedelta(days=10)


def _sent(kind, object_id, step):
    return db.session.get(SentReminder, (kind, object_id, step)) is not None


def _mark(kind, object_id, *steps):
    for step in steps:
        if not _sent(kind, object_id, step):
            db.session.add(SentReminder(kind=kind, object_id=object_id, step=step))


def reports_due(now):
    """Remind each NGO of a report not yet submitted, 7 days and 1 day before it is due; returns how many
    reports. A day missed is made up: a report found with 1 day left gets the last reminder only."""
    today = now.astimezone(ALMATY).date()  # the day in Astana, as the NGO lives it
    rows = db.session.execute(
        sa.select(Report).join(Agreement, Agreement.id == Report.agreement_id)
        .where(Agreement.status == AgreementStatus.active, Report.status.in_(EDITABLE),
               Report.due_on >= today, Report.due_on <= today + timedelta(days=max(REPORT_STEPS)))
        .order_by(Report.due_on, Report.id)).scalars().all()
    reminded = 0
    for report in rows:
        left = (report.due_on - today).days
        step = min(s for s in REPORT_STEPS if s >= left)
        if _sent("report_due", report.id, step):
            continue
        _mark("report_due", report.id, *[s for s in REPORT_STEPS if s >= step])
        for member in report.agreement.organization.memberships:
            notify(member.user, "report_reminders", "report_due", member.user.locale or report.agreement.language,
                   report=report, agreement=report.agreement, days=left)
        reminded += 1
    return reminded


def recommendations_unanswered(now):
    """Remind the lead of each agreement (the operator's active staff where it has none) of a recommendation
    unanswered for 10 days, once; returns how many recommendations."""
    rows = db.session.execute(
        sa.select(Recommendation).where(Recommendation.answered_at.is_(None),
                                        Recommendation.created_at <= now - UNANSWERED)
        .order_by(Recommendation.id)).scalars().all()
    staff = None
    reminded = 0
    for rec in rows:
        if _sent("recommendation", rec.id, UNANSWERED.days):
            continue
        _mark("recommendation", rec.id, UNANSWERED.days)
        lead = rec.agreement.lead
        if lead is not None and lead.active:
            readers = [lead]
        else:
            staff = staff if staff is not None else db.session.execute(
                sa.select(User).join(UserRole).where(UserRole.role == Role.operator.value, User.active)
                .order_by(User.id)).scalars().all()
            readers = staff
        for user in readers:
            notify(user, "recommendations", "recommendation_waiting", recommendation=rec, agreement=rec.agreement,
                   days=(now - rec.created_at).days)
        reminded += 1
    return reminded
