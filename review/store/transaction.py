"""Write transactions that survive concurrent writers (``write_retrying``), and INSERT that
skips existing keys (``insert_ignore``).

A write lost a race when another writer committed first: a unique-index violation, a
serialization failure, a deadlock or lock timeout on PostgreSQL, "database is locked" on
SQLite, or ``Retry`` raised by the work itself after seeing a concurrent change. The whole
transaction is then run again from the start, after a short random back-off. Any other
exception (a rule refusing the write, such as ``ScreeningError``) is raised at once.

``lock_key`` serialises writers of one thing (e.g. the votes of one record) inside their
transactions on both stores. ``write_guard`` lets a caller (the app) have a check run at the
start of every write transaction it starts: the app checks there that its sign-in session
is still live, in the same transaction as the write.
"""

from __future__ import annotations

import contextlib
import contextvars
import random
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import sqlalchemy as sa

__all__ = [
    "ATTEMPTS", "Retry", "check_write_guard", "insert_ignore", "lock_key", "set_write_guard", "write_guard",
    "write_retrying",
]

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


Guard = Callable[[sa.Connection], None]
_GUARD: contextvars.ContextVar[Guard | None] = contextvars.ContextVar("review_write_guard", default=None)


def set_write_guard(guard: Guard | None) -> None:
    """Run ``guard(conn)`` first in every write transaction started from this context (this
    thread) from now on; None removes it. A guard refuses a write by raising."""
    _GUARD.set(guard)


@contextlib.contextmanager
def write_guard(guard: Guard | None) -> Iterator[None]:
    """``set_write_guard`` for the ``with`` block only (None: no guard inside it)."""
    token = _GUARD.set(guard)
    try:
        yield
    finally:
        _GUARD.reset(token)


def check_write_guard(conn: sa.Connection) -> None:
    """Run the current write guard on ``conn`` (inside the caller's transaction); a write
    that does not go through ``write_retrying`` calls this first."""
    guard = _GUARD.get()
    if guard is not None:
        guard(conn)


def lock_key(conn: sa.Connection, namespace: str, key: int) -> None:
    """Hold a lock on (``namespace``, ``key``) until ``conn``'s transaction ends, so writers
    of the same key run one after the other. PostgreSQL: a transaction-scoped advisory lock
    (namespace hashed to 32 bits). SQLite: nothing to do, every write transaction already
    holds the database's write lock from its start (``BEGIN IMMEDIATE``, see store.engine)."""
    if conn.dialect.name != "postgresql":
        return
    space = zlib.crc32(namespace.encode("utf-8")) - 2**31  # a signed 32-bit int
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:space, :key)"), {"space": space, "key": int(key) % 2**31})


def write_retrying(engine: sa.Engine, work: Callable[[sa.Connection], T]) -> T:
    """Run ``work(conn)`` in one transaction; run it again from the start when it lost a race.

    ``work`` may run several times, so it must only write through ``conn``. After ``ATTEMPTS``
    lost races the last error is raised. The write guard (``write_guard``) runs first.
    """
    for attempt in range(ATTEMPTS):
        try:
            with engine.begin() as conn:
                check_write_guard(conn)
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
