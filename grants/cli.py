"""The `flask` commands: users, reference data, the demo world and the audit chain."""

import sys

import click
import sqlalchemy as sa
from flask import current_app

from grants import audit, demo
from grants.auth import services as auth_services
from grants.auth.models import Role, User
from grants.extensions import db
from grants.reference.services import load_reference


def register(app):
    app.cli.add_command(create_user)
    app.cli.add_command(load_reference_command)
    app.cli.add_command(seed_demo)
    app.cli.add_command(audit_group)
    app.cli.add_command(worker)
    app.cli.add_command(mail_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(search_reindex)
    from grants.monitoring import jobs as monitoring_jobs

    monitoring_jobs.register(app)




@click.command("worker")
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Stop once the queues are empty.")
def worker(queues, burst):
    """Run an RQ worker inside the app (its database and config) on the given queues, all by default."""
    from rq import SimpleWorker

    from grants.jobs import QUEUES, redis_connection

    conn = redis_connection()
    if conn is None:
        raise click.ClickException("REDIS_URL is not set: without it jobs run in-process and need no worker.")
    # SimpleWorker runs each job in this process, inside the app context the command already holds;
    # a forking worker would share the database pool's sockets with its children.
    SimpleWorker(list(queues or QUEUES), connection=conn).work(burst=burst)


@click.command("create-user")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", "full_name", default="", help="Full name (defaults to the e-mail).")
@click.option("--password", default=None, help="Generated and printed when not given.")
def create_user(email, roles, full_name, password):
    """Create a user with one or more roles."""
    try:
        user, password = auth_services.create_user("cli", email, full_name or email, roles, password)
    except auth_services.AuthError as refusal:
        raise click.ClickException(str(refusal)) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(roles))}); password: {password}")


@click.command("load-reference")
def load_reference_command():
    """Add the missing directions, regions, МРП and customer bodies from the project's files."""
    added = load_reference()
    db.session.commit()
    click.echo("Reference data: " + ", ".join(f"{k} +{v}" for k, v in added.items()))


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
def seed_demo(if_empty):
    """Build the demo world and print its accounts."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("seed-demo is refused in production: its accounts have published passwords.")
    if if_empty and db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one():
        click.echo("The database already has users: demo world not seeded.")
        return
    load_reference()
    accounts = demo.seed()
    db.session.commit()
    click.echo("Demo accounts (e-mail / password / roles):")
    for email, password, roles in accounts:
        click.echo(f"  {email:32} {password:20} {', '.join(roles)}")


@click.command("search-reindex")
def search_reindex():
    """Rebuild the search index from every call, submitted application, NGO and agreement."""
    from grants.search.index import reindex

    counts = reindex()
    db.session.commit()
    click.echo("Search index rebuilt: " + ", ".join(f"{kind} {n}" for kind, n in counts.items()) + ".")


@click.group("mail")
def mail_group():
    """The mail outbox."""


@mail_group.command("flush")
def mail_flush():
    """Queue again every message of the outbox not sent yet (after Redis was down, say). Safe to repeat."""
    from grants.mail import queue_unsent

    click.echo(f"Queued {queue_unsent()} unsent message(s).")


@click.group("audit")
def audit_group():
    """The audit chain."""


@audit_group.command("verify")
@click.option("--head", "digest", default=None, metavar="HASH",
              help="A head published earlier (on the open-data page or in a protocol): prove it is still in the chain.")
def audit_verify(digest):
    """Recompute every hash of the chain and report the first broken link; then check every published head."""
    checked, broken, why = audit.verify()
    if broken is not None:
        click.echo(
            f"Audit chain BROKEN at event #{broken.id} ({broken.verb} {broken.object_type}:{broken.object_id}, "
            f"{broken.at.isoformat()}): {why}. {checked} events before it are intact.",
            err=True,
        )
        sys.exit(1)
    problems = audit.verify_published((digest or "").strip().lower() or None)
    if problems:
        for problem in problems:
            click.echo(f"Published head NOT in the chain: {problem}.", err=True)
        sys.exit(1)
    heads = len(audit.published_heads())
    click.echo(f"Audit chain intact: {checked} events verified; {heads} published heads hold"
               + (", and so does the head given." if digest else "."))


@audit_group.command("publish-head")
def audit_publish_head():
    """Publish today's head of the chain on the open-data page (daily, from cron)."""
    head = audit.publish_head()
    db.session.commit()
    if head is None:
        click.echo("The audit chain is empty: nothing to publish.")
        return
    click.echo(f"Head of {head.day.isoformat()}: event {head.position}, {head.hash}")


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False))
def backup_command(folder):
    """Copy the database and every stored document into FOLDER (new or empty), with a manifest."""
    from grants import backup

    try:
        manifest = backup.backup(folder)
    except backup.BackupError as exc:
        click.echo(f"backup failed: {exc}", err=True)
        sys.exit(1)
    click.echo(f"backed up {sum(manifest['counts'].values())} rows in {len(manifest['counts'])} tables and "
               f"{len(manifest['files'])} files to {folder}")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
def restore_command(folder):
    """Rebuild this (empty) installation from a backup FOLDER, then check every row count, file and the audit chain."""
    from grants import backup

    try:
        checked = backup.restore(folder)
    except backup.BackupError as exc:
        click.echo(f"restore failed: {exc}", err=True)
        sys.exit(1)
    click.echo(f"restored and checked {checked['rows']} rows in {checked['tables']} tables, {checked['files']} "
               f"files; the audit chain verifies ({checked['audit_events']} events)")
