"""Which ranking workers are live, and waking this process's workers: what the queue needs to
know of them (``review.screening.ranking`` reads it; ``rankworker`` runs the workers).

A worker is live while its heartbeat in ``screening_rank_workers`` is younger than
``LIVE_SECONDS``; kept apart from ``rankworker`` so the ranking depends on this small module
and the workers on the ranking, one direction.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from review.store.schema import screening_rank_claims as claims_t
from review.store.schema import screening_rank_workers as workers_t

LIVE_SECONDS = 30.0  # a heartbeat older than this: the worker is gone
HEARTBEAT_SECONDS = 5.0

# this process's running workers (each has a ``wake`` event)
_LOCAL: set[Any] = set()
_LOCAL_LOCK = threading.Lock()


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def heartbeat(engine: sa.Engine, worker: str, now: datetime | None = None) -> None:
    """Say ``worker`` is live (its row's ``seen_at`` := now)."""
    at = _stamp(now or _now())
    with engine.begin() as conn:
        done = conn.execute(sa.update(workers_t).where(workers_t.c.worker == worker).values(seen_at=at)).rowcount
        if not done:
            conn.execute(sa.insert(workers_t).values(worker=worker, seen_at=at))


def retire(engine: sa.Engine, worker: str) -> None:
    """``worker`` stops: its heartbeat and claims go (next_record_id ranks itself again at once
    when no other worker is live)."""
    with engine.begin() as conn:
        conn.execute(sa.delete(claims_t).where(claims_t.c.worker == worker))
        conn.execute(sa.delete(workers_t).where(workers_t.c.worker == worker))


def live_workers(conn: sa.Connection, now: datetime | None = None) -> list[str]:
    """The workers whose heartbeat is younger than ``LIVE_SECONDS``."""
    since = _stamp((now or _now()) - timedelta(seconds=LIVE_SECONDS))
    return [str(w) for w in conn.execute(
        sa.select(workers_t.c.worker).where(workers_t.c.seen_at >= since).order_by(workers_t.c.worker)
    ).scalars()]


def worker_live(conn: sa.Connection) -> bool:
    """Whether any ranking worker is live (then rankings are made outside the request)."""
    return bool(live_workers(conn))


def nudge() -> None:
    """Wake this process's workers (a vote just made a ranking due)."""
    with _LOCAL_LOCK:
        workers = list(_LOCAL)
    for w in workers:
        w.wake.set()
