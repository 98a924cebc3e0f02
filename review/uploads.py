"""Export files uploaded through the browser: kept safely, previewed, then imported.

An upload is hostile input. Its size is checked against a limit (``MAX_UPLOAD_MB``, default
200 MB, ``review screen --max-upload-mb N``); its name is a label only, never part of a path:
the bytes are kept as ``data/uploads/<sha256><suffix>``, where the suffix comes from the
content (a ZIP workbook is ``.xlsx``) or else from a short list of export suffixes (the readers
use it only to break ties), so the import record names the upload and its hash names the kept
file. The format is detected from the content by the same readers ``review import`` uses, and a
file that is not an export is refused with their message.

``preview`` reads a kept upload without storing anything: what ``review import`` would store,
skip and warn about, and whether this content was imported already.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from review import store
from review.errors import ReviewError
from review.formats import ImportReport, read_file
from review.formats.sources import database_warning, resolve_database

ENV_MAX_UPLOAD_MB = "REVIEW_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 200
UPLOADS = "uploads"
# suffixes the readers may use to break a tie; anything else is kept as .txt
KNOWN_SUFFIXES = (".ris", ".txt", ".nbib", ".medline", ".xml", ".csv", ".tsv", ".tab")


class UploadError(ReviewError):
    """An upload refused before it was read (too large, empty)."""


def max_upload_mb() -> int:
    """The upload limit in MB (``$REVIEW_MAX_UPLOAD_MB``, default 200)."""
    raw = os.environ.get(ENV_MAX_UPLOAD_MB, "")
    try:
        value = int(raw) if raw else DEFAULT_MAX_UPLOAD_MB
    except ValueError:
        return DEFAULT_MAX_UPLOAD_MB
    return value if value > 0 else DEFAULT_MAX_UPLOAD_MB


def display_name(name: str) -> str:
    """The upload's name as a label: no folders, no control characters, at most 120 characters."""
    base = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = re.sub(r"[\x00-\x1f\x7f]+", "", base).strip()
    return base[:120] or "upload"


def kept_suffix(name: str, data: bytes) -> str:
    """The kept file's suffix: ``.xlsx`` for a ZIP workbook, else the upload's own suffix
    when it is an export suffix, else ``.txt``. Never more than that of the name."""
    if data[:4] == b"PK\x03\x04":
        return ".xlsx"
    suffix = Path(display_name(name)).suffix.lower()
    return suffix if suffix in KNOWN_SUFFIXES else ".txt"


def keep_upload(data_dir: Path, name: str, data: bytes, *, max_mb: int | None = None) -> Path:
    """Keep an upload's bytes under ``data_dir/uploads/<sha256><suffix>`` and return the path.

    Refuses an empty file or one above the limit (``UploadError`` naming the file and the
    limit). Keeping the same content twice keeps one file.
    """
    label = display_name(name)
    limit = max_mb or max_upload_mb()
    if not data:
        raise UploadError(f"{label}: the file is empty; export the records again")
    if len(data) > limit * 1024 * 1024:
        raise UploadError(
            f"{label}: {len(data) / 1024 / 1024:.1f} MB is more than the upload limit of {limit} MB; "
            "split the export, or start the app with a higher limit (review screen --max-upload-mb N)"
        )
    digest = hashlib.sha256(data).hexdigest()
    folder = Path(data_dir) / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{kept_suffix(name, data)}"
    if not path.exists():
        tmp = folder / f".{digest}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return path


@dataclass
class Preview:
    """What importing a file would do, read without storing anything."""

    format: str
    records_read: int
    report: ImportReport
    database: str = ""  # what the import would be stored under ("" when it cannot be told)
    database_problem: str = ""  # why not (the importer's message)
    per_database: dict[str, int] = field(default_factory=dict)
    imported_already: dict | None = None  # the earlier import of the same content


def preview(engine: sa.Engine, path: Path, *, database: str = "", fmt: str | None = None,
            mapping: dict[str, str] | None = None) -> Preview:
    """Read ``path`` as ``review import`` would and say what it would store. Raises the
    readers' ``FormatError`` for a file that is not an export."""
    from review.formats import FormatError
    from review.importing import file_sha256

    with engine.connect() as conn:
        previous = store.find_import_by_hash(conn, file_sha256(path))
    result = read_file(path, format=fmt, mapping=mapping)
    report = result.report
    out = Preview(format=report.format, records_read=report.records_read, report=report,
                  imported_already=dict(previous) if previous else None)
    try:
        out.database = resolve_database(path, result, database)
    except FormatError as exc:
        out.database_problem = str(exc)
    for rec in result.records:
        key = rec.source_database or out.database or "?"
        out.per_database[key] = out.per_database.get(key, 0) + 1
    mismatch = database_warning(database, result)
    if mismatch:
        report.warnings.append(mismatch)
    return out
