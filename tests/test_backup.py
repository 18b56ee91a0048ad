"""A backup restores: a world with every kind of stored file is copied, restored into an empty installation on
its own database and storage, and found whole — every row of every table, every file by its hash, and the
audit chain verifying. On the embedded default and, in CI, on PostgreSQL."""

import hashlib
import io
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from grants import backup
from grants.app import create_app
from grants.extensions import db
from tests.conftest import build_schema, fresh_database, settings_for


def counts():
    """Every table's rows, counted here and not by the module under test."""
    return {name: db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in db.metadata.tables.items()}


def files(folder):
    """{key: SHA-256} of every file under a storage folder, read from the disk."""
    root = Path(folder)
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.is_file()}


def world():
    """An application with its documents, a signed agreement with a report's evidence and a call's document."""
    from grants.calls import services as call_services
    from grants.monitoring import services as reports
    from tests.factories import PDF, create_agreement, create_application, operator, owner_of, photo_png

    application = create_application(submit=False)
    from grants.applications import services as app_services

    app_services.add_document(application.created_by, application, "charter", io.BytesIO(PDF), "устав.pdf")
    agreement = create_agreement()
    reports.add_evidence(owner_of(agreement), agreement.reports[0], io.BytesIO(photo_png()), "фото.png")
    call_services.add_document(operator(), application.call, "Правила конкурса", io.BytesIO(PDF), "rules.pdf")
    db.session.commit()


@contextmanager
def installation(tmp_path, uploads, populated):
    """An installation of its own (database and documents folder), its context pushed; with `populated`, its
    schema and the world, else empty as a restore finds it. Its connections are closed at the end."""
    with fresh_database(tmp_path) as url:
        app = create_app(settings_for(url, UPLOAD_FOLDER=str(tmp_path / uploads)))
        if populated:
            build_schema(app)
        with app.app_context():
            if populated:
                world()
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()


def test_a_backup_restores_every_row_and_file_into_an_empty_installation(tmp_path):
    with installation(tmp_path, "uploads-1", populated=True):
        before, stored = counts(), files(tmp_path / "uploads-1")
        assert before["application_documents"] and before["agreement_documents"] and len(stored) >= 4
        manifest = backup.backup(tmp_path / "backup")
    assert manifest["counts"] == before and {f["key"]: f["sha256"] for f in manifest["files"]} == stored
    with installation(tmp_path, "uploads-2", populated=False):
        checked = backup.restore(tmp_path / "backup")
        assert counts() == before
        assert files(tmp_path / "uploads-2") == stored
        assert checked["audit_events"] == before["audit_events"] > 0
        with pytest.raises(backup.BackupError, match="already holds tables"):
            backup.restore(tmp_path / "backup")  # a second restore over the first is refused
        assert counts() == before


def test_a_backup_refuses_a_missing_file_and_a_restore_a_damaged_copy(tmp_path):
    with installation(tmp_path, "uploads", populated=True):
        manifest = backup.backup(tmp_path / "good")
        key = manifest["files"][0]["key"]
        (tmp_path / "good" / "files" / key).write_bytes(b"damaged")
        (tmp_path / "uploads" / key).unlink()
        with pytest.raises(backup.BackupError, match="missing from the storage"):
            backup.backup(tmp_path / "second")
    with installation(tmp_path, "restored", populated=False), pytest.raises(backup.BackupError, match="damaged"):
        backup.restore(tmp_path / "good")


def test_the_commands_back_up_and_restore(tmp_path):
    # Each command runs inside its own installation's context (Flask's CLI uses a context already pushed).
    with installation(tmp_path, "uploads", populated=True) as app:
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
        assert result.exit_code == 0 and "files to" in result.output, result.output
        again = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
        assert again.exit_code == 1 and "not empty" in again.output
    with installation(tmp_path, "uploads-2", populated=False) as app:
        result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "b")])
        assert result.exit_code == 0 and "the audit chain verifies" in result.output, result.output
