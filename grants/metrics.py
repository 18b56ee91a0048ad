"""What operations watch: `/metrics` in Prometheus's format, for the token in BAIQAU_METRICS_TOKEN only.

Requests are counted by endpoint, method and status, and timed by endpoint, as they are served. What
describes the installation rather than one request is read at each scrape: the RQ queues' depths and failed
jobs, the mail waiting in the outbox and the age of the oldest unsent message, and the audit events written
in the last hour.

The counters are the serving process's own: with several gunicorn workers, scrape each (or run one worker per
container); the figures read at scrape time are the same from any of them.
"""

import hmac
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from grants.db import utcnow
from grants.permissions import allow

bp = Blueprint("metrics", __name__)


class Installation:
    """The figures read from the database and Redis when Prometheus asks."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        from grants.audit import AuditEvent
        from grants.extensions import db
        from grants.jobs import QUEUES, redis_connection
        from grants.mail import OutboxMessage

        with self.app.app_context():
            now = utcnow()
            waiting, oldest = db.session.execute(
                sa.select(sa.func.count(), sa.func.min(OutboxMessage.created_at)).where(OutboxMessage.sent_at.is_(None))
            ).one()
            recent = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent).where(
                AuditEvent.at >= now - timedelta(hours=1))).scalar_one()
            db.session.remove()
            yield GaugeMetricFamily("baiqau_outbox_waiting", "Mail messages not yet sent", value=waiting)
            age = now - oldest if oldest is not None else timedelta(0)
            yield GaugeMetricFamily("baiqau_outbox_oldest_unsent_seconds", "Age of the oldest unsent message",
                                    value=age.total_seconds())
            yield GaugeMetricFamily("baiqau_audit_events_last_hour", "Audit events written in the last hour",
                                    value=recent)
            conn = redis_connection(self.app)
            if conn is not None:
                from rq import Queue
                from rq.registry import FailedJobRegistry

                depth = GaugeMetricFamily("baiqau_queue_jobs", "Jobs waiting in each RQ queue", labels=["queue"])
                failed = GaugeMetricFamily("baiqau_queue_failed_jobs", "Failed jobs of each RQ queue",
                                           labels=["queue"])
                for name in QUEUES:
                    queue = Queue(name, connection=conn)
                    depth.add_metric([name], queue.count)
                    failed.add_metric([name], FailedJobRegistry(queue=queue).count)
                yield depth
                yield failed


def register(app):
    registry = CollectorRegistry()
    requests = Counter("baiqau_requests", "Requests served", ["endpoint", "method", "status"], registry=registry)
    seconds = Histogram("baiqau_request_seconds", "Time to serve a request", ["endpoint"], registry=registry,
                        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
    registry.register(Installation(app))
    app.extensions["baiqau_metrics"] = registry

    @app.before_request
    def _start():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response):
        endpoint = request.endpoint or "unknown"  # a 404 has no endpoint: counted under one name, not by path
        requests.labels(endpoint, request.method, str(response.status_code)).inc()
        if (started := g.get("metrics_started")) is not None:
            seconds.labels(endpoint).observe(time.perf_counter() - started)
        return response

    app.register_blueprint(bp)


@bp.route("/metrics")
@allow("public")
def metrics():
    """Not public: without the configured bearer token the address does not exist."""
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        abort(404)
    return generate_latest(current_app.extensions["baiqau_metrics"]), 200, {"Content-Type": CONTENT_TYPE_LATEST}
