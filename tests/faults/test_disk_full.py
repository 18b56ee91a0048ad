"""The upload disk is full: the applicant is told so in words, the draft is intact, and it works once freed."""

import io
import os
import subprocess
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from grants.applications.models import Application, Document
from grants.extensions import db
from tests.conftest import csrf_token, login, translated
from tests.factories import PDF, create_application

NOT_STORED = "The file could not be stored just now; nothing was lost. Try again in a few minutes."


@contextmanager
def tiny_disk(path, size="64k"):
    """A real filesystem of `size`, mounted at `path` for the test (root only)."""
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],  # noqa: S603
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)  # noqa: S603


def upload(client, application, content, name):
    token = csrf_token(client, f"/applications/{application.id}")
    return client.post(f"/applications/{application.id}/documents", content_type="multipart/form-data",
                       data={"csrf_token": token, "kind": "charter", "file": (io.BytesIO(content), name)})


def test_a_full_upload_disk_gives_a_clear_error_and_keeps_the_draft(committed, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small disk needs root")
    with tiny_disk(tmp_path / "disk") as disk, committed() as app:
        app.config["UPLOAD_FOLDER"] = str(disk)
        application = create_application()
        before = {"title": application.title, "sections": dict(application.sections), "revision": application.revision}
        client = app.test_client()
        login(client, application.created_by.email)
        filler = disk / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:  # fill the disk to the last byte
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        document = PDF + b"%" * 20_000  # larger than what is left

        response = upload(client, application, document, "Жарғы.pdf")
        assert response.status_code == 302
        page = client.get(response.location).get_data(as_text=True)
        assert translated("kk", NOT_STORED) in page  # the applicant's language (Kazakh by default)
        db.session.expire_all()
        kept = db.session.get(Application, application.id)
        assert {"title": kept.title, "sections": kept.sections, "revision": kept.revision} == before
        assert db.session.execute(sa.select(sa.func.count()).select_from(Document)).scalar() == 0
        assert sorted(p.name for p in disk.rglob("*") if p.is_file()) == ["filler"]  # no half-written file

        filler.unlink()  # the administrator frees space: the same upload goes through
        again = upload(client, application, document, "Жарғы.pdf")
        assert again.status_code == 302
        db.session.expire_all()
        (stored,) = db.session.get(Application, application.id).documents
        assert stored.filename == "Жарғы.pdf"
