"""The daily overdue sweep: an RQ job, queued by `flask monitoring overdue` from cron."""

import logging
from datetime import date

import click

from grants.extensions import db
from grants.i18n import astana_today
from grants.jobs import get_queue
from grants.monitoring.queries import overdue
from grants.monitoring.services import notify_overdue

log = logging.getLogger(__name__)


def sweep_overdue(day=None):
    """Job: notify each NGO of its overdue reports (once a day) and log what is blocked; commits."""
    today = date.fromisoformat(day) if day else astana_today()
    notified = notify_overdue(today)
    found = overdue(today)
    db.session.commit()
    log.info("overdue sweep %s: %d reports overdue, %d notified, %d tranches blocked", today, len(found.reports),
             notified, len(found.tranches))
    return {"reports": len(found.reports), "notified": notified, "tranches": len(found.tranches)}


def register(app):
    @app.cli.group("monitoring")
    def monitoring_group():
        """Monitoring's scheduled work."""

    @monitoring_group.command("overdue")
    @click.option("--day", default=None, help="Sweep as of this date (YYYY-MM-DD); today by default.")
    def overdue_command(day):
        """Queue the overdue sweep on the 'monitoring' queue (run daily from cron)."""
        job = get_queue("monitoring").enqueue(sweep_overdue, day)
        result = job.return_value() if job.is_finished else None
        if result is None:
            click.echo(f"Overdue sweep queued as job {job.id}.")
        else:
            click.echo(f"Overdue: {result['reports']} report(s), {result['notified']} NGO notice(s) sent, "
                       f"{result['tranches']} tranche(s) blocked.")
