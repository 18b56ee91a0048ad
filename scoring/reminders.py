"""One digest per expert of what still waits for them, in the days before a scoring deadline."""

import logging
from datetime import timedelta

import click
import sqlalchemy as sa

from grants import mail
from grants.applications.models import Application
from grants.auth.models import Role
from grants.calls.models import Topic
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _l
from grants.notifications import services as notifications
from grants.notifications.jobs import add_step
from grants.notifications.services import notify
from scoring import phases
from scoring.assignments.models import Assignment, State
from scoring.sheets.models import ScoreSheet, ScoringRules, SheetState

log = logging.getLogger(__name__)


def pending(now, within):
    """{expert: [(assignment, deadline)]} of work due within `within` and not yet done."""
    rows = db.session.execute(
        sa.select(Assignment, ScoringRules.deadline)
        .join(Application, Application.id == Assignment.application_id)
        .join(Topic, Topic.id == Application.topic_id)
        .join(ScoringRules, ScoringRules.call_id == Topic.call_id)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(ScoringRules.deadline > now, ScoringRules.deadline <= now + within,
               sa.or_(Assignment.state == State.awaiting_declaration,
                      sa.and_(Assignment.state == State.accepted,
                              sa.or_(ScoreSheet.id.is_(None), ScoreSheet.state != SheetState.submitted))))
        .order_by(ScoringRules.deadline)
    ).all()
    found = {}
    scopes = {}
    for assignment, deadline in rows:
        call = assignment.application.call
        if call.id not in scopes:
            scopes[call.id] = phases.scope(call)
        if not scopes[call.id].scoring(assignment.application):
            continue  # the commission has decided: the work can no longer be done, so nobody is asked to
        found.setdefault(assignment.expert, []).append((assignment, deadline))
    return found


def queue_digest(expert, items):
    """The digest of `items` ([(assignment, deadline or None)]) to the expert, in their language, at once: new work
    the expert must know of (an upheld appeal's rescoring), not a reminder they may turn down."""
    user = expert.user
    return mail.queue_mail(user.email, "expert_digest", user.locale or "kk", expert=expert, items=items)


def send_digests(now=None, within=timedelta(days=3), every=timedelta(hours=20)):
    """Queue one digest per expert, at most once per `every`; returns how many went out."""
    now = now or utcnow()
    sent = 0
    for expert, items in pending(now, within).items():
        if expert.reminded_at is not None and now - expert.reminded_at < every:
            continue
        notify(expert.user, "expert_work", "expert_digest", expert=expert, items=items)  # as the expert chose
        expert.reminded_at = now
        sent += 1
    log.info("expert digests queued: %d", sent)
    return sent


def register(app):
    # the experts' reminder of work due is one of the kinds each expert chooses for, and runs with the daily notices
    notifications.add_kind(app, notifications.Kind(
        "expert_work", _l("Reminders of declarations and score sheets due within 3 days"), (Role.expert,)))
    add_step(app, "experts", lambda now: send_digests(now))

    @app.cli.group("scoring")
    def scoring_group():
        """Scoring's scheduled work."""

    @scoring_group.command("remind")
    @click.option("--days", default=3, show_default=True, help="Remind of deadlines within this many days.")
    def remind(days):
        """Send each expert one digest of pending declarations and sheets (run daily from cron)."""
        sent = send_digests(within=timedelta(days=days))
        db.session.commit()
        click.echo(f"Digests sent to {sent} expert(s).")

