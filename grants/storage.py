"""Uploaded documents: checked by content and size, kept under random keys in a folder or an S3 bucket."""

import hashlib
import os
import re
import secrets
import shutil
import struct
import tempfile
import unicodedata
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from grants.i18n import _
from grants.refusals import Refusal

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 20 * MB
MAX_UNPACKED_BYTES = 100 * MB
MAX_MEMBERS = 2000
MAX_RATIO = 200
RATIO_CHECKED_FROM = 1 * MB  # small members (styles, rels) compress very well and harmlessly
MAX_NAME_CHARS = 150
CHUNK = 64 * 1024
IN_MEMORY = 1 * MB  # a larger upload waits in a temporary file, not in memory

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
}
EXTENSIONS = {"pdf": ("pdf",), "docx": ("docx",), "xlsx": ("xlsx",), "jpg": ("jpg", "jpeg"), "png": ("png",)}
KNOWN_EXTENSIONS = {ext for exts in EXTENSIONS.values() for ext in exts}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # DOC and XLS before 2007
ZIP_LOCAL_HEADER = b"PK\x03\x04"
ZIP_END_RECORD = b"PK\x05\x06"
KEY_RE = re.compile(r"([0-9a-f]{2})/([0-9a-f]{2})/(\1\2[0-9a-f]{28})")
UNSAFE_IN_NAMES = re.compile(r'[<>:"|?*]')  # Windows refuses to save a download named with these


class UploadRefused(Refusal):
    """The applicant's file is not accepted; `message` is translated and meant for the form."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code  # 'type', 'size', 'name', 'bomb' or 'empty'
        self.message = message


class StorageError(Exception):
    """The file was acceptable but could not be kept: a full disk, no permission, S3 unreachable."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    kind: str
    content_type: str
    name: str  # the applicant's file name, cleaned; for display only, never a path


def clean_filename(name):
    """The applicant's file name made safe to show and to offer as a download name."""
    if "\x00" in name:
        raise _name_refused()
    name = unicodedata.normalize("NFC", name)  # macOS sends й and ё decomposed
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            kept.append(" ")
        elif category not in ("Cf", "Cs"):  # Cf holds U+202E, which shows "exe.pdf" as "fdp.exe"
            kept.append(char)
    name = " ".join(UNSAFE_IN_NAMES.sub("_", "".join(kept)).split()).strip(" .")
    if not name:
        raise _name_refused()
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        ext = ext if dot and len(ext) <= 10 else ""
        name = (stem if ext else name)[: MAX_NAME_CHARS - len(ext) - 1].rstrip(" .") + (f".{ext}" if ext else "")
    return name


def _name_refused():
    return UploadRefused("name", _("The file name cannot be used; rename the file and try again."))


def _name_for(name, kind):
    """The display name ends with the extension of what the file really is."""
    stem, dot, ext = name.rpartition(".")
    ext = ext.lower() if dot and stem else ""
    if ext in EXTENSIONS[kind]:
        return name
    if ext in KNOWN_EXTENSIONS:
        raise UploadRefused(
            "type", _("The file's name ends in .%(ext)s, but the file is %(what)s.", ext=ext, what=_kind_text(kind))
        )
    return f"{name}.{EXTENSIONS[kind][0]}"


def _kind_text(kind):
    texts = {
        "pdf": _("a PDF document"),
        "docx": _("a Word document (DOCX)"),
        "xlsx": _("an Excel workbook (XLSX)"),
        "jpg": _("a JPG image"),
        "png": _("a PNG image"),
    }
    return texts[kind]


def _type_refused(what):
    return UploadRefused(
        "type", _("Only PDF, DOCX, XLSX, JPG and PNG files are accepted; this file is %(what)s.", what=what)
    )


def _bomb_refused():
    return UploadRefused("bomb", _("This document unpacks to too much data when opened, so it cannot be accepted."))


def _receive(stream, max_bytes):
    """Read the stream in chunks into a temporary spool, hashing it; stop as soon as it is too big."""
    spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
    digest = hashlib.sha256()
    size = 0
    try:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise UploadRefused("size", _("The file is larger than %(mb)s MB.", mb=f"{round(max_bytes / MB, 1):g}"))
            digest.update(chunk)
            spool.write(chunk)
    except OSError as exc:
        spool.close()
        raise StorageError(f"Could not read the upload into {tempfile.gettempdir()}: {exc}") from exc
    except BaseException:
        spool.close()
        raise
    if size == 0:
        spool.close()
        raise UploadRefused("empty", _("The file is empty."))
    spool.seek(0)
    return spool, size, digest.hexdigest()


def detect_kind(fileobj, max_unpacked=MAX_UNPACKED_BYTES):
    """'pdf', 'docx', 'xlsx', 'jpg' or 'png' from the bytes of a seekable file; UploadRefused otherwise."""
    fileobj.seek(0)
    head = fileobj.read(8)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head == PNG_SIGNATURE:
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    # At offset 0 only: a self-extracting program is a valid ZIP too, with its archive at the end.
    if head.startswith(ZIP_LOCAL_HEADER):
        return _office_kind(fileobj, max_unpacked)
    if head.startswith((b"MZ", b"\x7fELF")):
        raise _type_refused(_("a program"))
    if head.startswith(OLE_SIGNATURE):
        raise _type_refused(_("an old Word or Excel file (DOC, XLS); save it as DOCX or XLSX"))
    raise _type_refused(_("of another type"))


def _office_kind(fileobj, max_unpacked):
    """DOCX or XLSX, judged from the central directory alone: nothing is ever unpacked."""
    # zipfile builds an object per member before we could count them; the end record says how many.
    declared = _declared_members(fileobj)
    if declared is not None and declared > MAX_MEMBERS:  # 0xFFFF (ZIP64) included: no document needs it
        raise _bomb_refused()
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise _type_refused(_("a damaged or incomplete file")) from None
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > max_unpacked:
        raise _bomb_refused()
    for m in members:
        if m.file_size > RATIO_CHECKED_FROM and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise _bomb_refused()
    names = {m.filename for m in members}
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    raise _type_refused(_("a ZIP archive, not a Word or Excel document"))


def _declared_members(fileobj):
    """The member count in the end-of-central-directory record, found the way zipfile finds it."""
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(max(0, size - 22 - 0xFFFF))
    tail = fileobj.read()
    if tail[-22:-18] == ZIP_END_RECORD and tail[-2:] == b"\x00\x00":
        at = len(tail) - 22
    else:
        at = tail.rfind(ZIP_END_RECORD)
        if at < 0 or len(tail) - at < 22:
            return None
    return struct.unpack("<H", tail[at + 10 : at + 12])[0]


def new_key():
    """A random key under a two-level prefix, so no folder grows past 256 entries per level."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token[2:4]}/{token}"


def check_key(key):
    """Keys come back from the database or a URL: only our own shape may reach a path or a bucket."""
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class Storage(ABC):
    """Every check runs on a temporary copy before the backend sees a byte, so a refusal leaves nothing."""

    def save(self, stream, *, max_bytes=DEFAULT_MAX_BYTES, filename=None, max_unpacked=MAX_UNPACKED_BYTES):
        """Check and keep the stream's bytes; UploadRefused for the applicant, StorageError for us."""
        name = clean_filename(filename) if filename else "document"  # a form sends "" when no name came
        spool, size, sha256 = _receive(stream, max_bytes)
        with spool:
            kind = detect_kind(spool, max_unpacked)
            stored = StoredFile(new_key(), size, sha256, kind, CONTENT_TYPES[kind], _name_for(name, kind))
            spool.seek(0)
            self._put(stored, spool)
        return stored

    @abstractmethod
    def _put(self, stored: StoredFile, fileobj: BinaryIO): ...

    @abstractmethod
    def open(self, key) -> BinaryIO:
        """The stored bytes; FileNotFoundError when there are none under the key."""

    @abstractmethod
    def delete(self, key):
        """Remove the file; deleting one already gone is not an error."""

    @abstractmethod
    def exists(self, key) -> bool: ...


class LocalStorage(Storage):
    """A folder outside the web root, for a single app server."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key):
        return self.root / check_key(key)

    def _put(self, stored, fileobj):
        target = self._path(stored.key)
        temp = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Same folder as the target, so os.replace is a rename: the file appears whole or not at all.
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".part")
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(fileobj, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())  # a full disk often says so only here
            os.replace(temp, target)
        except OSError as exc:
            if temp is not None:
                with suppress(FileNotFoundError):
                    os.unlink(temp)
            raise StorageError(f"Could not store the upload in {self.root}: {exc.strerror or exc}") from exc

    def open(self, key):
        return open(self._path(key), "rb")  # the caller closes it

    def delete(self, key):
        self._path(key).unlink(missing_ok=True)

    def exists(self, key):
        return self._path(key).is_file()


class S3Storage(Storage):
    """An S3-compatible bucket (MinIO and the like), shared by several app servers."""

    def __init__(self, bucket, endpoint_url=None, region=None, access_key=None, secret_key=None, prefix=""):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        options = {"connect_timeout": 10, "read_timeout": 60, "retries": {"max_attempts": 3, "mode": "standard"}}
        if endpoint_url:
            # Self-hosted stores answer on one host name, and not all of them know the checksums
            # botocore sends by default since 1.36.
            options.update(
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            )
        # Without keys boto3 looks in its usual places: the environment, ~/.aws, an instance role.
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(**options),
        )

    def _object(self, key):
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _put(self, stored, fileobj):
        # One PUT: S3 shows the object whole or not at all, as os.replace does on disk.
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._object(stored.key),
                Body=fileobj,
                ContentLength=stored.size,
                ContentType=stored.content_type,
                Metadata={"sha256": stored.sha256},
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"Could not store the upload in bucket {self.bucket}: {exc}") from exc

    def open(self, key):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._object(key))["Body"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
                raise FileNotFoundError(key) from exc
            raise StorageError(f"Could not read {key} from bucket {self.bucket}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"Could not read {key} from bucket {self.bucket}: {exc}") from exc

    def delete(self, key):
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._object(key))
        except (BotoCoreError, ClientError) as exc:
            # bandit reads "delete … from" as SQL: it is a message
            raise StorageError(f"Could not delete {key} from bucket {self.bucket}: {exc}") from exc  # nosec B608

    def exists(self, key):
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return False
            raise StorageError(f"Could not look up {key} in bucket {self.bucket}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"Could not look up {key} in bucket {self.bucket}: {exc}") from exc
        return True


def storage_from_config(config: Mapping):
    """The bucket when S3_BUCKET is set, otherwise the UPLOAD_FOLDER."""
    if config.get("S3_BUCKET"):
        return S3Storage(
            config["S3_BUCKET"],
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region=config.get("S3_REGION"),
            access_key=config.get("S3_ACCESS_KEY"),
            secret_key=config.get("S3_SECRET_KEY"),
            prefix=config.get("S3_PREFIX") or "",
        )
    return LocalStorage(Path(config["UPLOAD_FOLDER"]))


def stored_columns(stored, uploaded_by):
    """The StoredFileColumns of a row for a file just kept."""
    return {"storage_key": stored.key, "filename": stored.name, "content_type": stored.content_type,
            "size": stored.size, "sha256": stored.sha256, "uploaded_by_id": uploaded_by.id}
