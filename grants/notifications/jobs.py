"""The daily notices: reminders by the calendar, then each person's digest. An RQ job queued by
`flask notifications daily` from cron (in-process without Redis); packages add their own daily steps."""

import logging
from datetime import datetime

import click

from grants.db import utcnow
from grants.extensions import db
from grants.jobs import get_queue
from grants.notifications import inbox, reminders, services

log = logging.getLogger(__name__)
STEPS = "baiqau.daily_notices"  # in app.extensions: (name, fn(now) -> count) of the packages, run before digests


def add_step(app, name, fn):
    app.extensions.setdefault(STEPS, []).append((name, fn))


def daily(at=None):
    """Job: the day's reminders, then the digests (which take the reminders kept for a digest); commits."""
    from flask import current_app

    now = datetime.fromisoformat(at) if at else utcnow()
    done = {"reports_due": reminders.reports_due(now),
            "recommendations": reminders.recommendations_unanswered(now)}
    for name, step in current_app.extensions.get(STEPS, []):
        done[name] = step(now)
    db.session.flush()
    done["digests"] = services.send_digests(now)
    services.forget_sent(now)
    inbox.forget_old(now)
    db.session.commit()
    log.info("daily notices %s: %s", now.isoformat(), done)
    return done


def register(app):
    @app.cli.group("notifications")
    def notifications_group():
        """Notices sent by the calendar."""

    @notifications_group.command("daily")
    @click.option("--at", default=None, help="Run as of this moment (ISO 8601, with its offset); now by default.")
    def daily_command(at):
        """Queue the day's reminders and digests on the 'mail' queue (run daily from cron)."""
        job = get_queue("mail").enqueue(daily, at)
        result = job.return_value() if job.is_finished else None
        if result is None:
            click.echo(f"Daily notices queued as job {job.id}.")
        else:
            click.echo(", ".join(f"{name}: {count}" for name, count in result.items()))
