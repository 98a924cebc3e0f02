"""Write transactions that survive concurrent writers: retried on unique-index races,
serialization failures, deadlocks and SQLite lock timeouts. Rules raise ScreeningError,
which is never retried."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa

T = TypeVar("T")

ATTEMPTS = 12
RETRY_PGCODES = {"23505", "40001", "40P01", "55P03"}  # unique, serialization, deadlock, lock


class Retry(Exception):
    """Raised inside a write when a concurrent writer changed what it read: start again."""


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, Retry):
        return True
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    orig = exc.orig
    code = getattr(orig, "pgcode", None)
    if code in RETRY_PGCODES:
        return True
    text = str(orig).lower()
    return "unique constraint failed" in text or "database is locked" in text or "busy" in text


def write(engine: sa.Engine, work: Callable[[sa.Connection], T]) -> T:
    """Run ``work(conn)`` in one transaction; retry from the start when it lost a race."""
    for attempt in range(ATTEMPTS):
        try:
            with engine.begin() as conn:
                return work(conn)
        except Exception as exc:  # noqa: BLE001 - filtered by _retryable
            if not _retryable(exc) or attempt == ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0, 0.01 * (2 ** min(attempt, 6))))
    raise AssertionError("unreachable")


def insert_ignore(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """INSERT rows, skipping those whose key exists (ON CONFLICT DO NOTHING)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(insert(table).on_conflict_do_nothing(), rows)
