"""The store's verbs: what the rest of the code calls to write and read imports, records and events.

All writers take an open ``Connection`` inside a transaction (``with engine.begin() as conn``)
so a caller can make several writes atomic (an import is one transaction: never half a file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from review.records import Record
from review.store.live import live_clause, withdrawn_imports
from review.store.schema import events, imports, records


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def add_import(conn: sa.Connection, **values: Any) -> int:
    """Insert an ``imports`` row; return its id. ``kind`` and ``database`` are required."""
    values.setdefault("created_at", now_iso())
    result = conn.execute(sa.insert(imports).values(**values))
    return int(result.inserted_primary_key[0])


def update_import_counts(conn: sa.Connection, import_id: int, **values: Any) -> None:
    """Fill in counts/report of an import row once its records are stored (same transaction)."""
    conn.execute(sa.update(imports).where(imports.c.id == import_id).values(**values))


def add_records(
    conn: sa.Connection,
    import_id: int,
    items: Iterable[Record],
    *,
    default_database: str = "",
    start_position: int = 0,
    batch_size: int = 1000,
    progress: Callable[[int], Any] | None = None,
) -> int:
    """Store records of one import in order; return how many were written.

    ``progress`` is called with the number of records written after each batch.
    """
    stamp = now_iso()
    batch: list[dict[str, Any]] = []
    count = 0
    for offset, rec in enumerate(items):
        database = rec.source_database or default_database
        data = rec.to_dict()
        data["source_database"] = database
        batch.append(
            {
                "import_id": import_id,
                "position": start_position + offset,
                "source_database": database,
                "source_id": (rec.source_id or "")[:200],
                "title": rec.title,
                "year": rec.year,
                "doi": rec.doi[:300],
                "pmid": rec.pmid[:20],
                "data": data,
                "created_at": stamp,
            }
        )
        if len(batch) >= batch_size:
            conn.execute(sa.insert(records), batch)
            count += len(batch)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        conn.execute(sa.insert(records), batch)
        count += len(batch)
        if progress:
            progress(len(batch))
    return count


def log_event(
    conn: sa.Connection,
    kind: str,
    subject: str = "",
    payload: dict[str, Any] | None = None,
    actor: str = "",
) -> int:
    """Append an event; return its id. Events are never updated or deleted."""
    result = conn.execute(
        sa.insert(events).values(
            at=now_iso(), actor=actor, kind=kind, subject=str(subject), payload=payload or {}
        )
    )
    return int(result.inserted_primary_key[0])


def find_import_by_hash(conn: sa.Connection, file_hash: str) -> dict[str, Any] | None:
    """The first import of this file content that still counts (a withdrawn import's file
    may be imported again)."""
    row = (
        conn.execute(
            sa.select(imports)
            .where(imports.c.file_hash == file_hash, imports.c.id.not_in(withdrawn_imports()))
            .order_by(imports.c.id)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def list_imports(conn: sa.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(imports).order_by(imports.c.id)).mappings()
    return [dict(r) for r in rows]


def get_import(conn: sa.Connection, import_id: int) -> dict[str, Any] | None:
    row = conn.execute(sa.select(imports).where(imports.c.id == import_id)).mappings().first()
    return dict(row) if row else None


def iter_records(
    conn: sa.Connection, *, import_id: int | None = None
) -> Iterator[tuple[int, Record]]:
    """(record id, Record) for every stored record, in import order."""
    query = sa.select(records.c.id, records.c.data).order_by(records.c.id)
    if import_id is not None:
        query = query.where(records.c.import_id == import_id)
    for row in conn.execute(query):
        yield int(row.id), Record.from_dict(row.data)


def get_record(conn: sa.Connection, record_id: int) -> Record | None:
    row = conn.execute(sa.select(records.c.data).where(records.c.id == record_id)).first()
    return Record.from_dict(row.data) if row else None


def list_events(conn: sa.Connection, kind: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(events).order_by(events.c.id)
    if kind is not None:
        query = query.where(events.c.kind == kind)
    return [dict(r) for r in conn.execute(query).mappings()]


def counts_by_database(conn: sa.Connection) -> dict[str, int]:
    """Records per source database (as imported, before deduplication; withdrawn imports
    left out)."""
    query = (
        sa.select(records.c.source_database, sa.func.count())
        .where(live_clause())
        .group_by(records.c.source_database)
        .order_by(records.c.source_database)
    )
    return {db or "(unknown)": int(n) for db, n in conn.execute(query)}


def counts_by_import(conn: sa.Connection) -> dict[int, int]:
    """Records stored per import id (withdrawn imports included: their records are kept)."""
    query = sa.select(records.c.import_id, sa.func.count()).group_by(records.c.import_id)
    return {int(i): int(n) for i, n in conn.execute(query)}
