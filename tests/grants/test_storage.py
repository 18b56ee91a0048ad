"""Uploaded documents: what is accepted, what is refused, and where the bytes land, on disk and in S3."""

import errno
import hashlib
import io
import os
import struct
import unicodedata
import uuid
import zipfile
import zlib

import pytest
from flask_babel import force_locale
from moto.server import ThreadedMotoServer
from openpyxl import Workbook

from grants.storage import (
    KEY_RE,
    MB,
    LocalStorage,
    S3Storage,
    StorageError,
    UploadRefused,
    clean_filename,
    storage_from_config,
)

S3_LOGIN = {"region": "us-east-1", "access_key": "testing", "secret_key": "testing"}
PREFIX = "documents"

CONTENT_TYPES_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
DOCUMENT_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Қоғамдық бірлестіктің жарғысы</w:t></w:r></w:p></w:body></w:document>"
)


def make_pdf():
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def make_png():
    """A 1×1 red pixel."""

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def make_jpg():
    """A JFIF header and the end-of-image marker."""
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def make_zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_docx():
    return make_zip(
        {"[Content_Types].xml": CONTENT_TYPES_XML, "_rels/.rels": RELS_XML, "word/document.xml": DOCUMENT_XML}
    )


def make_xlsx():
    workbook = Workbook()
    workbook.active["A1"] = "Бюджет жобасы"
    workbook.active["B1"] = 1_500_000
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_bomb(size, members=None):
    """A DOCX whose document.xml is `size` zero bytes, streamed into the archive a megabyte at a time."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_XML)
        archive.writestr("_rels/.rels", RELS_XML)
        for number in range(members or 0):
            archive.writestr(f"word/media/{number}.xml", "")
        with archive.open("word/document.xml", "w") as member:
            for start in range(0, size, MB):
                member.write(bytes(min(MB, size - start)))
    return buffer.getvalue()


PDF = make_pdf()
DOCX = make_docx()


class EndlessStream:
    """An upload that never ends; it fails the test if asked for much more than the limit."""

    def __init__(self, limit):
        self.limit = limit
        self.handed_out = 0

    def read(self, size=-1):
        assert 0 < size <= MB, "the whole stream was asked for at once"
        assert self.handed_out <= self.limit + MB, "reading went on past the limit"
        self.handed_out += size
        return bytes(size)


@pytest.fixture(autouse=True)
def _english(app):
    """Refusal messages are translated, so they need a request; English keeps the assertions readable."""
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 over real HTTP on a free local port, as MinIO would be."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "instance" / "uploads")
    bucket = f"baiqau-{uuid.uuid4().hex[:12]}"
    s3 = S3Storage(bucket, endpoint_url=request.getfixturevalue("s3_endpoint"), prefix=PREFIX, **S3_LOGIN)
    s3.client.create_bucket(Bucket=bucket)
    return s3


def stored_objects(storage):
    """Every file or object the backend holds, temporary ones included."""
    if isinstance(storage, LocalStorage):
        return sorted(p.relative_to(storage.root).as_posix() for p in storage.root.rglob("*") if p.is_file())
    listing = storage.client.list_objects_v2(Bucket=storage.bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def location(storage, key):
    return key if isinstance(storage, LocalStorage) else f"{PREFIX}/{key}"


def refusal(storage, data, filename="document", **limits):
    with pytest.raises(UploadRefused) as raised:
        storage.save(io.BytesIO(data), filename=filename, **limits)
    assert stored_objects(storage) == [], "a refused file left something behind"
    return raised.value


@pytest.mark.parametrize(
    ("filename", "data", "kind", "content_type"),
    [
        ("Жарғы 2024.pdf", PDF, "pdf", "application/pdf"),
        ("Ұсыныс хат.docx", DOCX, "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("Бюджет.xlsx", make_xlsx(), "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("Фото.JPEG", make_jpg(), "jpg", "image/jpeg"),
        ("Логотип.png", make_png(), "png", "image/png"),
    ],
)
def test_each_accepted_kind_is_stored_with_its_type_and_checksum(storage, filename, data, kind, content_type):
    stored = storage.save(io.BytesIO(data), filename=filename)
    assert (stored.kind, stored.content_type, stored.name) == (kind, content_type, filename)
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored_objects(storage) == [location(storage, stored.key)]
    with storage.open(stored.key) as f:
        assert f.read() == data


@pytest.mark.parametrize(
    ("filename", "data", "what"),
    [
        ("scan.pdf", make_png(), "The file's name ends in .pdf, but the file is a PNG image."),
        ("Жарғы.docx", b"MZ" + b"\x90" * 256 + DOCX, "this file is a program"),  # a self-extracting program
        ("archive.docx", make_zip({"readme.txt": "hello"}), "a ZIP archive, not a Word or Excel document"),
        ("no-office.xlsx", make_zip({"[Content_Types].xml": CONTENT_TYPES_XML}), "not a Word or Excel"),
        ("broken.docx", DOCX[:200], "a damaged or incomplete file"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "save it as DOCX or XLSX"),
        ("notes.pdf", "Бұл PDF емес".encode(), "this file is of another type"),
    ],
)
def test_content_that_is_not_an_accepted_kind_is_refused_whatever_its_name(storage, filename, data, what):
    refused = refusal(storage, data, filename)
    assert refused.code == "type"
    assert what in refused.message


def test_a_file_over_the_limit_is_refused_without_reading_it_all(storage):
    stream = EndlessStream(limit=MB)
    with pytest.raises(UploadRefused) as raised:
        storage.save(stream, max_bytes=MB, filename="endless.pdf")
    assert raised.value.code == "size"
    assert raised.value.message == "The file is larger than 1 MB."
    assert stored_objects(storage) == []


def test_a_file_of_exactly_the_limit_is_accepted_and_one_byte_more_is_not(storage):
    data = PDF + b" " * (MB - len(PDF))
    assert storage.save(io.BytesIO(data), max_bytes=MB).size == MB
    with pytest.raises(UploadRefused) as raised:
        storage.save(io.BytesIO(data + b" "), max_bytes=MB)
    assert raised.value.code == "size"
    assert len(stored_objects(storage)) == 1


def test_the_default_limit_is_twenty_megabytes(storage):
    assert refusal(storage, PDF + bytes(20 * MB)).message == "The file is larger than 20 MB."


def test_an_empty_file_is_refused(storage):
    refused = refusal(storage, b"", "Жарғы.pdf")
    assert (refused.code, refused.message) == ("empty", "The file is empty.")


@pytest.fixture(scope="module")
def bomb():
    return make_bomb(150 * MB)


def test_a_decompression_bomb_is_refused_without_unpacking_it(storage, bomb):
    assert len(bomb) < MB
    refused = refusal(storage, bomb, "Жарғы.docx")
    assert refused.code == "bomb"
    assert "unpacks to too much data" in refused.message


@pytest.mark.parametrize(
    "data",
    [make_bomb(5 * MB), make_bomb(10, members=2001)],
    ids=["packed too tightly", "too many members"],
)
def test_archives_that_are_small_unpacked_but_suspicious_are_refused(storage, data):
    assert refusal(storage, data, "Жарғы.docx").code == "bomb"


def test_the_unpacked_limit_can_be_lowered(storage):
    workbook = make_xlsx()
    assert refusal(storage, workbook, "Бюджет.xlsx", max_unpacked=1000).code == "bomb"


@pytest.mark.parametrize(
    ("filename", "shown"),
    [
        ("../../etc/passwd", "passwd.pdf"),
        ("..\\..\\Windows\\System32\\Жарғы.pdf", "Жарғы.pdf"),
        ("/var/www/static/index.pdf", "index.pdf"),
        ("C:\\Users\\Айгүл\\Desktop\\Хат.pdf", "Хат.pdf"),
    ],
)
def test_a_path_in_the_name_never_decides_where_the_file_lands(storage, tmp_path, filename, shown):
    stored = storage.save(io.BytesIO(PDF), filename=filename)
    assert stored.name == shown
    assert KEY_RE.fullmatch(stored.key)
    assert stored_objects(storage) == [location(storage, stored.key)]
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and "uploads" not in p.parts and "sqlite3" not in p.name]
    assert outside == []


def test_the_same_document_twice_gets_two_keys(storage):
    first = storage.save(io.BytesIO(PDF), filename="Жарғы.pdf")
    second = storage.save(io.BytesIO(PDF), filename="Жарғы.pdf")
    assert first.key != second.key and first.sha256 == second.sha256
    assert len(stored_objects(storage)) == 2


def test_a_name_with_a_nul_byte_is_refused_before_anything_is_stored(storage):
    refused = refusal(storage, PDF, "Жарғы.pdf\x00.exe")
    assert refused.code == "name"
    assert "rename the file" in refused.message


@pytest.mark.parametrize(
    ("filename", "shown"),
    [
        ("Жарғы 2024.pdf", "Жарғы 2024.pdf"),
        (unicodedata.normalize("NFD", "Отчёт за 2024 й.pdf"), "Отчёт за 2024 й.pdf"),  # as macOS sends it
        ("Жоба\tбюджеті\n.pdf", "Жоба бюджеті .pdf"),
        ("invoice\u202efdp.exe.pdf", "invoicefdp.exe.pdf"),  # right-to-left override hid the real ending
        ('a<b>:"c"|d?.pdf', "a_b___c__d_.pdf"),
        ("  .hidden.pdf. ", "hidden.pdf"),
    ],
)
def test_display_names_keep_kazakh_letters_and_lose_what_could_mislead(filename, shown):
    assert clean_filename(filename) == shown


@pytest.mark.parametrize("filename", ["", "   ", "..", "../..", "folder/", "a\x00b.pdf", "\u202e\u200b"])
def test_names_with_nothing_left_to_show_are_refused(filename):
    with pytest.raises(UploadRefused) as raised:
        clean_filename(filename)
    assert raised.value.code == "name"


def test_a_long_name_is_shortened_and_keeps_its_extension():
    name = clean_filename("Қазақстан Республикасы " * 20 + ".pdf")
    assert len(name) == 150
    assert name.startswith("Қазақстан Республикасы") and name.endswith(".pdf")


@pytest.mark.parametrize(
    ("filename", "data", "shown"),
    [
        ("Жарғы", PDF, "Жарғы.pdf"),
        ("budget.v2", make_xlsx(), "budget.v2.xlsx"),
        ("photo.jpeg", make_jpg(), "photo.jpeg"),
    ],
)
def test_the_display_name_ends_with_the_extension_of_what_the_file_is(storage, filename, data, shown):
    assert storage.save(io.BytesIO(data), filename=filename).name == shown


def test_open_exists_and_delete(storage):
    stored = storage.save(io.BytesIO(DOCX), filename="Хат.docx")
    assert storage.exists(stored.key)
    with storage.open(stored.key) as f:
        assert f.read() == DOCX
    storage.delete(stored.key)
    assert not storage.exists(stored.key)
    assert stored_objects(storage) == []
    with pytest.raises(FileNotFoundError):
        storage.open(stored.key)
    storage.delete(stored.key)  # deleting twice is harmless


@pytest.mark.parametrize(
    "key", ["../../etc/passwd", "ab/cd/ef" + "0" * 30, "/ab/cd/abcd" + "0" * 28, "AB/CD/ABCD" + "0" * 28, None]
)
def test_a_key_not_made_by_the_storage_reaches_no_file(storage, key):
    for action in (storage.open, storage.exists, storage.delete):
        with pytest.raises(ValueError, match="not a storage key"):
            action(key)


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_full_disk_leaves_no_half_file(tmp_path, monkeypatch, failing):
    storage = LocalStorage(tmp_path / "uploads")

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, disk_full)
    with pytest.raises(StorageError, match="No space left on device"):
        storage.save(io.BytesIO(PDF), filename="Жарғы.pdf")
    assert stored_objects(storage) == []


def test_an_upload_folder_that_cannot_be_made_is_a_storage_error(tmp_path):
    (tmp_path / "uploads").write_text("a file where the folder should be")
    with pytest.raises(StorageError, match="Could not store the upload"):
        LocalStorage(tmp_path / "uploads").save(io.BytesIO(PDF), filename="Жарғы.pdf")


def test_a_missing_bucket_is_a_storage_error(s3_endpoint):
    storage = S3Storage("baiqau-no-such-bucket", endpoint_url=s3_endpoint, **S3_LOGIN)
    with pytest.raises(StorageError, match="baiqau-no-such-bucket"):
        storage.save(io.BytesIO(PDF), filename="Жарғы.pdf")


def test_the_configuration_chooses_the_folder_unless_a_bucket_is_named(tmp_path, s3_endpoint):
    local = storage_from_config({"UPLOAD_FOLDER": str(tmp_path / "uploads"), "S3_BUCKET": None})
    assert isinstance(local, LocalStorage) and local.root == tmp_path / "uploads"

    bucket = f"baiqau-{uuid.uuid4().hex[:12]}"
    s3 = storage_from_config(
        {
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": s3_endpoint,
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY": "testing",
            "S3_SECRET_KEY": "testing",
            "S3_PREFIX": "baiqau/",
        }
    )
    assert isinstance(s3, S3Storage)
    s3.client.create_bucket(Bucket=bucket)
    stored = s3.save(io.BytesIO(PDF), filename="Жарғы.pdf")
    assert stored_objects(s3) == [f"baiqau/{stored.key}"]
    assert not (tmp_path / "uploads").exists()
