"""One digest per expert of what still waits for them, in the days before a scoring deadline."""

import logging
from datetime import timedelta

import click
import sqlalchemy as sa

from grants import audit, mail
from grants.applications.models import Application
from grants.auth.models import Role
from grants.calls.models import Topic
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _, _l
from grants.notifications import services as notifications
from grants.notifications.jobs import add_step
from grants.notifications.services import notify
from grants.refusals import Refusal
from scoring import phases
from scoring.assignments.models import Assignment, State
from scoring.sheets.models import ScoreSheet, ScoringRules, SheetState

log = logging.getLogger(__name__)


def _undone(*where):
    """A select of (assignment, deadline) whose work is not done: the declaration awaited, or no sheet submitted."""
    return (sa.select(Assignment, ScoringRules.deadline)
            .join(Application, Application.id == Assignment.application_id)
            .join(Topic, Topic.id == Application.topic_id)
            .outerjoin(ScoringRules, ScoringRules.call_id == Topic.call_id)
            .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
            .where(sa.or_(Assignment.state == State.awaiting_declaration,
                          sa.and_(Assignment.state == State.accepted,
                                  sa.or_(ScoreSheet.id.is_(None), ScoreSheet.state != SheetState.submitted))),
                   *where)
            .order_by(ScoringRules.deadline, Assignment.id))


def pending(now, within):
    """{expert: [(assignment, deadline)]} of work due within `within` and not yet done."""
    rows = db.session.execute(_undone(ScoringRules.deadline > now, ScoringRules.deadline <= now + within)).all()
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


def waiting_on(application):
    """[(assignment, deadline or None)] of the application's experts whose work on it is not done, whatever the
    deadline; a Refusal once the commission has decided it, since then the work can no longer be done."""
    open_ = phases.scope(application.call).scoring(application)
    if not open_:
        raise Refusal(open_.reason)
    return db.session.execute(_undone(Assignment.application_id == application.id)).all()


def remind_experts(actor, application, params=None):
    """The operator asks the experts whose work on the application waits to do it: one audit event for the
    application; the mail goes once every application chosen is done (send_reminders), one per expert."""
    items = waiting_on(application)
    if not items:
        raise Refusal(_("No expert's work waits on it."))
    audit.record(actor, "application.remind_experts", application,
                 after={"experts": [assignment.expert.name for assignment, _deadline in items]})
    return items


def reminded(items):
    """Who remind_experts reminds, in words: the preview's row."""
    return ", ".join(assignment.expert.name for assignment, _deadline in items)


def send_reminders(actor, done):
    """One digest per expert of every application reminded (done: [(application, items)]) that waits on them,
    at once: the operator asked for it, so it does not wait on the expert's choice of daily reminders."""
    by_expert = {}
    for _application, items in done:
        for assignment, deadline in items:
            by_expert.setdefault(assignment.expert_id, []).append((assignment, deadline))
    for expert_items in by_expert.values():
        queue_digest(expert_items[0][0].expert, expert_items)
    log.info("experts reminded by %s: %d", getattr(actor, "email", actor), len(by_expert))
    return len(by_expert)


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

