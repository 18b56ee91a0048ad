"""The front page: what Baiqau is, and each signed-in person's way in."""

import logging
import os

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template
from redis.exceptions import RedisError

from grants import storage
from grants.extensions import db
from grants.jobs import redis_connection
from grants.permissions import allow

log = logging.getLogger(__name__)
bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
@allow("public")
def index():
    return render_template("home/index.html")


@bp.route("/healthz")
@allow("public")
def healthz():
    """Alive: the process answers. A supervisor restarts it when this fails; it asks nothing of the database,
    so an outage of PostgreSQL does not make every app server restart at once."""
    return {"status": "ok"}


# A key of our shape that is never handed out (new_key draws 32 random hex digits): asking for it proves the
# storage answers without touching a document.
PROBE_KEY = "00/00/" + "0" * 32


def _readiness():
    """{dependency: "ok" | what is wrong}: the database, Redis where configured, the document storage."""
    checks = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        log.exception("readiness: database unreachable")
        checks["database"] = "unreachable"
    redis = redis_connection()
    if redis is None:
        checks["redis"] = "not configured"
    else:
        try:
            redis.ping()
            checks["redis"] = "ok"
        except RedisError:
            log.exception("readiness: redis unreachable")
            checks["redis"] = "unreachable"
    try:
        store = storage.storage_from_config(current_app.config)
        store.exists(PROBE_KEY)
        root = getattr(store, "root", None)  # a folder must take writes (made on first use); a bucket must answer
        if root is not None:
            root.mkdir(parents=True, exist_ok=True)
            if not os.access(root, os.W_OK | os.X_OK):
                raise storage.StorageError(f"{root} is not a writable folder")
        checks["storage"] = "ok"
    except (storage.StorageError, OSError):
        log.exception("readiness: storage unavailable")
        checks["storage"] = "unavailable"
    return checks


@bp.route("/readyz")
@allow("public")
def readyz():
    """Ready: for a load balancer, 200 only while the database, Redis (where configured) and the document
    storage all answer; otherwise 503 naming the one that does not."""
    checks = _readiness()
    ready = all(v in ("ok", "not configured") for v in checks.values())
    return {"status": "ok" if ready else "unready", "checks": checks}, 200 if ready else 503
