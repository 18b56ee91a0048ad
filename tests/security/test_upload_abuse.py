"""Hostile uploads to an application draft, over HTTP, as an applicant reading Kazakh or Russian.

tests/grants/test_storage.py proves the checks one by one on the storage itself (kinds by content,
a 150 MB single-member DOCX bomb, too many members, paths and control characters in names);
tests/grants/test_applications.py an English refusal of a PNG named .pdf and of a file over the
per-file limit. What this adds: each abuse sent through the application's own form — a program or
a picture named .pdf, a path for a name, a body over MAX_CONTENT_LENGTH, zip bombs inside a DOCX and
an XLSX built here (a bomb whose members are each small enough to escape the ratio check, and one
packed too tightly) — is refused with a message in the applicant's language, keeps nothing, and
leaves the draft exactly as it was.
"""

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from grants.applications.models import Application
from grants.extensions import db
from grants.storage import MAX_UNPACKED_BYTES, MB, RATIO_CHECKED_FROM
from tests.conftest import csrf_token, translated
from tests.factories import PDF, PNG, create_application, signed_in

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(240) + b"PE\x00\x00"


def state(application):
    """Everything the applicant typed and attached, read fresh from the database."""
    db.session.expire_all()
    a = db.session.get(Application, application.id)
    return {"revision": a.revision, "title": a.title, "sections": dict(a.sections or {}),
            "budget": [(b.item, b.quantity, b.unit_cost) for b in a.budget_lines],
            "activities": [(x.activity, x.start_month, x.end_month) for x in a.activities],
            "documents": [(d.filename, d.sha256) for d in a.all_documents]}


def stored_files(folder):
    return sorted(p for p in Path(folder).rglob("*") if p.is_file()) if Path(folder).exists() else []


@pytest.fixture
def draft(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return create_application(language="kk")


def client_for(app, application, lang):
    return signed_in(app, application.created_by, lang)


def upload(client, application, content, name, kind="charter"):
    """The documents form of the application page; the page it lands on after the redirect."""
    token = csrf_token(client, f"/applications/{application.id}")
    # Encoded in memory: the test client would spool a large body to a temporary file that a request
    # refused before reading it never closes (a ResourceWarning, and warnings fail).
    file = FileStorage(io.BytesIO(content), filename=name, content_type="application/octet-stream")
    boundary, body = encode_multipart({"csrf_token": token, "kind": kind, "file": file})
    return client.post(f"/applications/{application.id}/documents", input_stream=io.BytesIO(body),
                       content_type=f"multipart/form-data; boundary={boundary}", content_length=len(body))


def landing(client, response):
    assert response.status_code == 302, response.status_code
    page = client.get(response.location)
    assert page.status_code == 200
    return page.get_data(as_text=True)


# --- zip bombs, built small ------------------------------------------------------------------

def office_members(kind):
    """The members of a real, small DOCX or XLSX (written by python-docx or openpyxl)."""
    buffer = io.BytesIO()
    if kind == "docx":
        from docx import Document

        document = Document()
        document.add_paragraph("Қоғамдық бірлестіктің жарғысы")
        document.save(buffer)
    else:
        book = Workbook()
        book.active["A1"] = "Жоба бюджеті"
        book.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def office_with(kind, extra):
    """A genuine DOCX or XLSX with `extra` members added: it opens, and it unpacks to what they hold."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in office_members(kind).items():
            archive.writestr(name, data)
        for name, (size, count) in extra.items():
            for n in range(count):
                with archive.open(name.format(n=n), "w") as member:
                    for start in range(0, size, MB):
                        member.write(bytes(min(MB, size - start)))
    return out.getvalue()


def many_small_members(kind):
    """150 members of 1 MB of zeros each: 150 MB unpacked from about 150 KB, every member below the size
    from which the compression ratio is checked — only the total gives it away."""
    folder = "word/media" if kind == "docx" else "xl/media"
    data = office_with(kind, {f"{folder}/image{{n}}.bin": (RATIO_CHECKED_FROM, 150)})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sum(i.file_size for i in archive.infolist()) > MAX_UNPACKED_BYTES
        assert all(i.file_size <= RATIO_CHECKED_FROM for i in archive.infolist())
    return data


def packed_too_tightly(kind):
    """One 40 MB part of zeros: under the total limit, but a thousand times smaller packed than unpacked."""
    part = "word/document2.xml" if kind == "docx" else "xl/worksheets/sheet2.xml"
    return office_with(kind, {part: (40 * MB, 1)})


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
@pytest.mark.parametrize("bomb", [many_small_members, packed_too_tightly], ids=["many members", "tight"])
def test_a_zip_bomb_inside_an_office_document_is_refused_and_the_draft_is_intact(app, draft, kind, bomb):
    data = bomb(kind)
    assert len(data) < 400 * 1024  # small on disk
    before = state(draft)
    client = client_for(app, draft, "kk")
    page = landing(client, upload(client, draft, data, f"Жарғы.{kind}"))
    assert translated("kk", "This document unpacks to too much data when opened, so it cannot be accepted.") in page
    assert state(draft) == before and stored_files(app.config["UPLOAD_FOLDER"]) == []
    # The same document without the bomb is accepted: the refusal was the bomb's, not the format's.
    good = office_with(kind, {})
    page = landing(client, upload(client, draft, good, f"Жарғы.{kind}"))
    assert [name for name, _sha in state(draft)["documents"]] == [f"Жарғы.{kind}"]


@pytest.mark.parametrize(("content", "name", "msgid", "params"), [
    (PNG, "charter.pdf", "The file's name ends in .%(ext)s, but the file is %(what)s.", {"ext": "pdf"}),
    (EXE, "Жарғы.pdf", "Only PDF, DOCX, XLSX, JPG and PNG files are accepted; this file is %(what)s.", {}),
    (EXE, "setup.exe", "Only PDF, DOCX, XLSX, JPG and PNG files are accepted; this file is %(what)s.", {}),
], ids=["png named pdf", "exe named pdf", "exe"])
@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_file_that_is_not_what_its_name_says_is_refused_in_the_applicants_language(app, draft, content, name,
                                                                                      msgid, params, lang):
    before = state(draft)
    client = client_for(app, draft, lang)
    page = landing(client, upload(client, draft, content, name))
    what = {PNG: "a PNG image", EXE: "a program"}[content]
    expected = translated(lang, msgid, what=translated(lang, what), **params)
    assert expected in page
    assert state(draft) == before and stored_files(app.config["UPLOAD_FOLDER"]) == []


# A browser sends the name's backslashes as they are; werkzeug reads them as quoted-string escapes and drops
# them before the app sees the name ("C:\\x\\a.pdf" arrives as "C:xa.pdf", shown as "C_xa.pdf"): what is
# left is a plain name either way, never a path.
@pytest.mark.parametrize(("name", "shown"), [
    ("../../etc/passwd.pdf", "passwd.pdf"), ("/var/www/index.pdf", "index.pdf"), ("C:\\x\\a.pdf", "C_xa.pdf"),
    ("..\\..\\..\\Windows\\win.ini.pdf", "Windowswin.ini.pdf")])
def test_a_path_in_the_file_name_names_the_file_and_never_places_it(app, draft, tmp_path, name, shown):
    client = client_for(app, draft, "ru")
    landing(client, upload(client, draft, PDF, name))
    (document,) = db.session.get(Application, draft.id).all_documents
    assert document.filename == shown and not set("/\\:") & set(document.filename)
    uploads = Path(app.config["UPLOAD_FOLDER"])
    (kept,) = stored_files(uploads)
    assert kept.read_bytes() == PDF and kept.name == document.storage_key.rsplit("/", 1)[-1]
    assert [p for p in tmp_path.rglob("*") if p.is_file() and uploads not in p.parents
            and ".sqlite3" not in p.name] == []
    with client.get(f"/applications/{draft.id}/documents/{document.id}") as response:
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["Content-Disposition"] == f"attachment; filename={shown}"


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_body_over_the_request_limit_gets_a_page_in_the_applicants_language_and_the_draft_is_intact(
        app, draft, lang):
    app.config["MAX_CONTENT_LENGTH"] = 1 * MB
    before = state(draft)
    client = client_for(app, draft, lang)
    response = upload(client, draft, PDF + bytes(int(1.5 * MB)), "Жарғы.pdf")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert translated(lang, "The upload is too large") in page
    message = ("The files sent together must not exceed %(mb)d MB. Nothing was saved: go back and send smaller "
               "files or fewer at a time.")
    assert translated(lang, message, mb=1) in page
    assert '<html lang="' + lang in page or f'lang="{lang}"' in page  # the site's own page, not a bare 413
    assert state(draft) == before and stored_files(app.config["UPLOAD_FOLDER"]) == []
    # The applicant goes back to the draft and finds everything as it was.
    back = client.get(f"/applications/{draft.id}/edit")
    assert back.status_code == 200 and draft.title in back.get_data(as_text=True)
