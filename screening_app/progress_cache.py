"""The progress counts of a card, computed again only when the store has changed.

``review.screening.progress`` counts every vote of a stage (about 50 ms at 20,000 records on
SQLite). The Screen card draws it on every run of its fragment: the run a click starts (before
the vote is stored), the run after the vote, and every run a reason or note widget causes.
Only a write changes the counts, and every write adds a row to one of a few append-only
tables (each screening and dedup change logs an event; records, votes and resolutions are
append-only), so the highest ids of those tables are a cheap, exact stamp of the store
(four primary-key lookups). The counts are kept per (reviewer, stage) with that stamp and
reused while it is unchanged: a vote costs one count, not two, and a widget change none.

On PostgreSQL a concurrent transaction can commit a lower id after a higher one was seen;
its change then shows with the next write (any reviewer's), never lost, only late.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from review.store.schema import events, records, screening_resolutions, screening_votes

_STAMP_TABLES = (events, records, screening_votes, screening_resolutions)


def store_stamp(conn: sa.Connection) -> tuple[int, ...]:
    """The highest id of each append-only table: changes whenever anything is written."""
    query = sa.select(*[sa.select(sa.func.max(t.c.id)).scalar_subquery() for t in _STAMP_TABLES])
    return tuple(int(v or 0) for v in conn.execute(query).one())


class ProgressCache:
    """``reviewer_progress(conn, reviewer, stage)`` (the blinded figures a reviewer may see)
    reused while the store stamp is unchanged."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[tuple[int, ...], Any]] = {}
        self.computed = 0  # how many times the counts were computed (for tests and benchmarks)

    def get(self, conn: sa.Connection, reviewer: str, stage: str) -> Any:
        from review.screening.visibility import reviewer_progress as progress

        stamp = store_stamp(conn)
        key = (reviewer, stage)
        hit = self._entries.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        value = progress(conn, reviewer, stage)
        self.computed += 1
        self._entries[key] = (stamp, value)
        return value
