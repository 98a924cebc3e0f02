"""Write transactions that survive concurrent writers (``write_retrying``), and INSERT that
skips existing keys (``insert_ignore``).

A write lost a race when another writer committed first: a unique-index violation, a
serialization failure, a deadlock or lock timeout on PostgreSQL, "database is locked" on
SQLite, or ``Retry`` raised by the work itself after seeing a concurrent change. The whole
transaction is then run again from the start, after a short random back-off. Any other
exception (a rule refusing the write, such as ``ScreeningError``) is raised at once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa

__all__ = ["ATTEMPTS", "Retry", "insert_ignore", "write_retrying"]

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


def write_retrying(engine: sa.Engine, work: Callable[[sa.Connection], T]) -> T:
    """Run ``work(conn)`` in one transaction; run it again from the start when it lost a race.

    ``work`` may run several times, so it must only write through ``conn``. After ``ATTEMPTS``
    lost races the last error is raised.
    """
    for attempt in range(ATTEMPTS):
        try:
            with engine.begin() as conn:
                return work(conn)
        except Exception as exc:  # noqa: BLE001 - filtered by _retryable
            if not _retryable(exc) or attempt == ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0, 0.01 * (2 ** min(attempt, 6))))
    raise AssertionError("unreachable")


def insert_ignore(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """INSERT rows, skipping those whose key exists (ON CONFLICT DO NOTHING)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(insert(table).on_conflict_do_nothing(), rows)
