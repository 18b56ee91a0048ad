"""A consistent copy of an installation, and its restore into an empty one.

A backup is a folder: the database (PostgreSQL's `pg_dump` custom format, or the SQLite file copied through
SQLite's online backup API), every stored document under its key, and `manifest.json` with the count of every
table and each file's SHA-256. On PostgreSQL the dump, the counts and the list of files are read from one
exported snapshot, so they describe the same moment even while people keep working.

`restore` refuses a database that already holds tables, rebuilds it, puts every file back in the storage the
installation is configured with (a folder or S3), and then checks what it built against the manifest: every
count, every file by its hash, and the audit chain. Nothing is called restored that was not checked.
"""

import hashlib
import json
import os
import sqlite3
import subprocess
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from grants import audit, storage
from grants.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The copy or the restore could not be made whole; the message says what to do."""


def _tables():
    return sorted(db.metadata.tables)


def _file_tables():
    """The tables whose rows name a stored file: they keep its key and its hash."""
    return [name for name, table in sorted(db.metadata.tables.items())
            if "storage_key" in table.c and "sha256" in table.c]


def _libpq(url):
    """The database as pg_dump and pg_restore take it: the address on the command line, the password in their
    environment (a command line is readable by every user of the machine)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(command, env):
    # A list of our own arguments, no shell: nothing a user typed reaches it.
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip() or done.stdout.strip()}")


def _read(conn):
    """The counts of every table and the stored files, as this connection sees the database."""
    counts = {name: conn.execute(sa.select(sa.func.count()).select_from(db.metadata.tables[name])).scalar_one()
              for name in _tables()}
    files = []
    for name in _file_tables():
        table = db.metadata.tables[name]
        columns = [table.c.storage_key, table.c.sha256, table.c.size]
        columns += [table.c[name] if name in table.c else sa.literal(default).label(name)
                    for name, default in (("content_type", "application/octet-stream"), ("filename", ""))]
        for key, sha, size, content_type, filename in conn.execute(
                sa.select(*columns).order_by(table.c.storage_key)):
            files.append({"table": name, "key": key, "sha256": sha, "size": size, "content_type": content_type,
                          "filename": filename})
    revision = None
    if sa.inspect(conn).has_table("alembic_version"):
        revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    return counts, files, revision


@contextmanager
def _snapshot():
    """(connection, snapshot id or None): a repeatable-read view the dump shares on PostgreSQL."""
    engine = db.engine
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
                yield conn, snapshot
        else:
            yield conn, None


def _sha256(fileobj, copy_to=None):
    """The SHA-256 of a file read to its end, written on to `copy_to` as it is read when one is given."""
    digest = hashlib.sha256()
    while chunk := fileobj.read(CHUNK):
        digest.update(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    return digest.hexdigest()


def _copy_file(store, entry, target):
    """Copy one stored file into the backup, checking it against the hash its row keeps."""
    path = target / "files" / storage.check_key(entry["key"])
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with store.open(entry["key"]) as source, open(path, "wb") as out:
            sha = _sha256(source, copy_to=out)
    except FileNotFoundError:
        raise BackupError(f"{entry['table']}: the file {entry['key']} ({entry['filename']}) is missing from the "
                          f"storage; the backup is not complete") from None
    if sha != entry["sha256"]:
        raise BackupError(f"{entry['table']}: the file {entry['key']} ({entry['filename']}) does not match the "
                          f"hash its row keeps; the backup is not complete")


def backup(target):
    """Copy the database and every stored document into the new folder `target`; returns the manifest."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: give a new folder for the backup")
    target.mkdir(parents=True, exist_ok=True)
    engine = db.engine
    with _snapshot() as (conn, snapshot):
        if engine.dialect.name == "postgresql":
            counts, files, revision = _read(conn)  # in the snapshot the dump reads
            address, env = _libpq(engine.url)
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  f"--file={target / 'database.dump'}", f"--dbname={address}"], env)
            database = "database.dump"
        elif engine.dialect.name == "sqlite":
            database = "database.sqlite3"
            source = sqlite3.connect(engine.url.database)
            try:
                with sqlite3.connect(target / database) as copy:
                    source.backup(copy)  # SQLite's online backup: a consistent copy while others write
            finally:
                source.close()
            # What the copy holds, read from the copy itself.
            copied = sa.create_engine(f"sqlite:///{target / database}")
            with copied.connect() as copy_conn:
                counts, files, revision = _read(copy_conn)
            copied.dispose()
        else:
            raise BackupError(f"backups of {engine.dialect.name} are not supported")
    store = storage.storage_from_config(current_app.config)
    for entry in files:
        _copy_file(store, entry, target)
    manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(), "dialect": engine.dialect.name,
                "database": database, "alembic_revision": revision, "counts": counts, "files": files}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return manifest


def read_manifest(source):
    path = Path(source) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path} is missing: this is not a Baiqau backup")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not {FORMAT}")
    return manifest


def _put_file(store, entry, source):
    path = Path(source) / "files" / storage.check_key(entry["key"])
    if not path.is_file():
        raise BackupError(f"the backup lacks the file {entry['key']} ({entry['filename']})")
    with open(path, "rb") as fileobj:
        if _sha256(fileobj) != entry["sha256"]:
            raise BackupError(f"the backup's file {entry['key']} does not match its hash: the copy is damaged")
        fileobj.seek(0)
        store._put(storage.StoredFile(entry["key"], entry["size"], entry["sha256"], "", entry["content_type"],
                                      entry["filename"]), fileobj)


def restore(source):
    """Rebuild an empty installation from a backup folder, then check it; returns what was checked."""
    source = Path(source)
    manifest = read_manifest(source)
    engine = db.engine
    if engine.dialect.name != manifest["dialect"]:
        raise BackupError(f"the backup is of a {manifest['dialect']} database; this installation uses "
                          f"{engine.dialect.name}")
    if sa.inspect(engine).get_table_names():
        raise BackupError("the database already holds tables: restore only into an empty database")
    database = source / manifest["database"]
    if engine.dialect.name == "postgresql":
        address, env = _libpq(engine.url)
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={address}",
              str(database)], env)
    else:
        engine.dispose()
        backup_db = sqlite3.connect(database)
        try:
            with sqlite3.connect(engine.url.database) as live:
                backup_db.backup(live)
        finally:
            backup_db.close()
    engine.dispose()
    store = storage.storage_from_config(current_app.config)
    for entry in manifest["files"]:
        _put_file(store, entry, source)
    return check(manifest)


def check(manifest):
    """Compare the installation with a manifest: every count, every file by hash, and the audit chain."""
    with db.engine.connect() as conn:
        counts, files, _revision = _read(conn)
    wrong = {t: (manifest["counts"].get(t), counts.get(t)) for t in set(counts) | set(manifest["counts"])
             if counts.get(t) != manifest["counts"].get(t)}
    if wrong:
        raise BackupError("the restored tables do not match the backup: " + ", ".join(
            f"{t} {was} ≠ {now}" for t, (was, now) in sorted(wrong.items())))
    store = storage.storage_from_config(current_app.config)
    for entry in manifest["files"]:
        with store.open(entry["key"]) as fileobj:
            sha = _sha256(fileobj)
        if sha != entry["sha256"]:
            raise BackupError(f"the restored file {entry['key']} does not match its hash")
    checked, broken, why = audit.verify()
    if broken is not None:
        raise BackupError(f"the audit chain does not verify after the restore: event {broken.id}, {why}")
    current_app.logger.info("restore checked: %d tables, %d files, the audit chain verifies", len(counts),
                            len(manifest["files"]))
    return {"tables": len(counts), "rows": sum(counts.values()), "files": len(manifest["files"]),
            "audit_events": checked}
