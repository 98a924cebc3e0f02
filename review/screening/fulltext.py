"""Full texts of the records included at title/abstract: an uploaded PDF (stored under the
project's ``data/fulltext/``, name sanitised), a link, or "not retrieved" with a reason
(PRISMA 2020: reports not retrieved). The latest attachment is current; earlier ones stay."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import urlparse

import sqlalchemy as sa

from review.acting import old_spelling
from review.screening.model import FullText, ScreeningError
from review.screening.pdfcheck import check_pdf
from review.screening.reviewers import require_active
from review.screening.stageset import is_removed, title_abstract_includes
from review.store.api import log_event, now_iso
from review.store.schema import screening_fulltexts as ft_t
from review.store.transaction import Retry, write_retrying

FULLTEXT_DIR = "fulltext"
MAX_PDF_BYTES = 200 * 1024 * 1024


def sanitise_filename(name: str) -> str:
    """A safe file name: no folders, ASCII letters/digits/._-, at most 120 characters."""
    base = Path(str(name).replace("\\", "/")).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._-")
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, "pdf"
    stem = stem.strip("._-")[:100].strip("._-") or "fulltext"
    ext = (ext or "pdf").lower()[:10]
    return f"{stem}.{ext}"


def _row(row) -> FullText:
    return FullText(int(row.record_id), row.kind, row.location or "", row.reason or "", row.by, row.at)


def _check_record(conn: sa.Connection, record_id: int) -> None:
    included = title_abstract_includes().subquery()
    found = conn.execute(
        sa.select(included.c.record_id).where(
            included.c.record_id == record_id, ~is_removed(included.c.record_id)
        )
    ).first()
    if found is None:
        raise ScreeningError(
            f"record {record_id} is not included at title/abstract; full texts are sought only "
            "for included records"
        )


def _store(conn: sa.Connection, record_id: int, kind: str, location: str, reason: str, by: str, event: str) -> FullText:
    require_active(conn, by)
    _check_record(conn, record_id)
    stamp = now_iso()
    old = conn.execute(
        sa.select(ft_t).where(ft_t.c.record_id == record_id, ft_t.c.current == sa.true())
    ).first()
    if old is not None:
        if old.kind == kind and (old.location or "") == location and (old.reason or "") == reason:
            return _row(old)
        ended = conn.execute(
            sa.update(ft_t)
            .where(ft_t.c.id == old.id, ft_t.c.current == sa.true())
            .values(current=False, ended_at=stamp)
        )
        if ended.rowcount != 1:
            raise Retry()
    new_id = conn.execute(
        sa.insert(ft_t).values(
            record_id=record_id, kind=kind, location=location, reason=reason, by=by, at=stamp, current=True
        )
    ).inserted_primary_key[0]
    payload = {"fulltext_id": int(new_id), "record_id": record_id, "kind": kind,
               "location": location, "reason": reason}
    if old is not None:
        payload["supersedes"] = int(old.id)
    log_event(conn, event, f"record:{record_id}", payload, actor=by)
    return FullText(record_id, kind, location, reason, by, stamp)


@old_spelling(position=5)
def attach_pdf(engine: sa.Engine, data_dir: Path, record_id: int, filename: str, content: bytes, *,
               by: str) -> FullText:
    """Store a PDF as ``data_dir/fulltext/<record id>-<sanitised name>`` and attach it.

    The location kept is relative to the project root (``data_dir``'s parent).
    """
    if not content:
        raise ScreeningError(f"{filename}: the file is empty")
    if len(content) > MAX_PDF_BYTES:
        raise ScreeningError(f"{filename}: larger than {MAX_PDF_BYTES // (1024 * 1024)} MB")
    check_pdf(content, filename)
    record_id = int(record_id)
    data_dir = Path(data_dir)
    folder = data_dir / FULLTEXT_DIR
    safe = f"{record_id}-{sanitise_filename(filename)}"
    target = folder / safe
    relative = (Path(data_dir.name) / FULLTEXT_DIR / safe).as_posix()

    def work(conn: sa.Connection) -> FullText:
        result = _store(conn, record_id, "pdf", relative, "", by, "fulltext.attach")
        folder.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != content:
            tmp = target.with_suffix(target.suffix + ".part")
            tmp.write_bytes(content)
            tmp.replace(target)
        return result

    return write_retrying(engine, work)


@old_spelling(position=3)
def attach_link(engine: sa.Engine, record_id: int, url: str, *, by: str) -> FullText:
    url = (url or "").strip()
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ScreeningError(f"{url!r} is not a web link (http:// or https://)")
    return write_retrying(engine, lambda conn: _store(conn, int(record_id), "link", url, "", by, "fulltext.attach"))


@old_spelling(position=3)
def mark_not_retrieved(engine: sa.Engine, record_id: int, reason: str, *, by: str) -> FullText:
    """The full text was sought but not retrieved: the record leaves the full-text set."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ScreeningError("say why the full text was not retrieved")
    return write_retrying(
        engine, lambda conn: _store(conn, int(record_id), "not_retrieved", "", reason, by, "fulltext.not_retrieved")
    )


def fulltext_of(conn: sa.Connection, record_id: int) -> FullText | None:
    row = conn.execute(
        sa.select(ft_t).where(ft_t.c.record_id == int(record_id), ft_t.c.current == sa.true())
    ).first()
    return _row(row) if row else None


def not_retrieved(conn: sa.Connection) -> dict[int, str]:
    """record id -> reason, for records whose full text was sought but not retrieved."""
    rows = conn.execute(
        sa.select(ft_t.c.record_id, ft_t.c.reason)
        .where(ft_t.c.current == sa.true(), ft_t.c.kind == "not_retrieved")
        .order_by(ft_t.c.record_id)
    )
    return {int(r.record_id): r.reason or "" for r in rows}


def fulltexts(conn: sa.Connection) -> dict[int, FullText]:
    """record id -> current full-text attachment."""
    rows = conn.execute(sa.select(ft_t).where(ft_t.c.current == sa.true()))
    return {int(r.record_id): _row(r) for r in rows}
