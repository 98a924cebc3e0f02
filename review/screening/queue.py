"""Each reviewer's queue: the stage's records they have not voted on and that do not have
two votes yet, in a reproducible random order.

The order is ``sort_key = hash(seed, record_id)`` kept in ``screening_order`` (one row per
record per seed, filled for new records on first use), so the next record is one indexed
walk over (seed, sort_key) — never a shuffle of every id in Python. A record the reviewer
has just undone comes first, so "undo" shows it again.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from review.screening._tx import insert_ignore, write
from review.screening.model import Progress, check_stage
from review.screening.rules import VOTES_NEEDED
from review.screening.stageset import in_stage_clause, stage_set
from review.store.schema import records
from review.store.schema import screening_order as order_t
from review.store.schema import screening_votes as votes_t

KEY_BATCH = 5000


def sort_key(seed: int, record_id: int) -> int:
    """A deterministic pseudo-random key (63-bit, same on every machine and database)."""
    digest = hashlib.blake2b(f"{int(seed)}:{int(record_id)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def _fill_order(conn: sa.Connection, seed: int) -> int:
    highest = conn.execute(
        sa.select(sa.func.max(order_t.c.record_id)).where(order_t.c.seed == seed)
    ).scalar()
    newest = conn.execute(sa.select(sa.func.max(records.c.id))).scalar()
    if newest is None or (highest is not None and highest >= newest):
        return 0
    ids = conn.execute(
        sa.select(records.c.id).where(records.c.id > (highest or 0)).order_by(records.c.id)
    ).scalars()
    batch: list[dict] = []
    count = 0
    for rid in ids:
        batch.append({"seed": seed, "record_id": int(rid), "sort_key": sort_key(seed, rid)})
        if len(batch) >= KEY_BATCH:
            insert_ignore(conn, order_t, batch)
            count += len(batch)
            batch = []
    insert_ignore(conn, order_t, batch)
    return count + len(batch)


def ensure_order(conn: sa.Connection, seed: int) -> int:
    """Give every record a sort key for ``seed``; return how many were added.

    On a connection outside a transaction the keys are committed at once; inside one they
    are part of the caller's transaction.
    """
    if conn.in_transaction():
        return _fill_order(conn, seed)
    with conn.begin():
        return _fill_order(conn, seed)


def prepare_queue(engine: sa.Engine, seed: int = 0) -> int:
    """Compute the queue order for new records (optional; the queue does it on first use)."""
    return write(engine, lambda conn: _fill_order(conn, int(seed)))


def _queue_query(reviewer: str, stage: str, seed: int) -> sa.Select:
    mine = sa.exists(
        sa.select(votes_t.c.id).where(
            votes_t.c.stage == stage,
            votes_t.c.record_id == order_t.c.record_id,
            votes_t.c.reviewer == reviewer,
            votes_t.c.current == sa.true(),
        )
    )
    others = (
        sa.select(sa.func.count())
        .select_from(votes_t)
        .where(
            votes_t.c.stage == stage,
            votes_t.c.record_id == order_t.c.record_id,
            votes_t.c.current == sa.true(),
        )
        .scalar_subquery()
    )
    return (
        sa.select(order_t.c.record_id)
        .where(
            order_t.c.seed == seed,
            in_stage_clause(stage, order_t.c.record_id),
            ~mine,
            others < VOTES_NEEDED,
        )
        .order_by(order_t.c.sort_key, order_t.c.record_id)
    )


def _undone_first(conn: sa.Connection, reviewer: str, stage: str) -> list[int]:
    """Records whose vote ``reviewer`` undid and has not cast again, latest undo first."""
    u = votes_t.alias("u")
    again = sa.exists(
        sa.select(votes_t.c.id).where(
            votes_t.c.stage == stage,
            votes_t.c.record_id == u.c.record_id,
            votes_t.c.reviewer == reviewer,
            votes_t.c.current == sa.true(),
        )
    )
    rows = conn.execute(
        sa.select(u.c.record_id)
        .where(
            u.c.reviewer == reviewer,
            u.c.stage == stage,
            u.c.current == sa.false(),
            u.c.ended_how == "undone",
            ~again,
            in_stage_clause(stage, u.c.record_id),
        )
        .order_by(u.c.ended_at.desc(), u.c.id.asc())
    ).scalars()
    seen: list[int] = []
    for rid in rows:
        if int(rid) not in seen:
            seen.append(int(rid))
    return seen


def queue(conn: sa.Connection, reviewer: str, stage: str, seed: int = 0) -> list[int]:
    """Record ids ``reviewer`` still has to screen at ``stage``, in queue order."""
    check_stage(stage)
    ensure_order(conn, int(seed))
    first = _undone_first(conn, reviewer, stage)
    rest = [int(i) for i in conn.execute(_queue_query(reviewer, stage, int(seed))).scalars()]
    front = set(first)
    return first + [i for i in rest if i not in front]


def next_record_id(conn: sa.Connection, reviewer: str, stage: str, seed: int = 0) -> int | None:
    """The first record of ``reviewer``'s queue, or None when it is empty."""
    check_stage(stage)
    ensure_order(conn, int(seed))
    first = _undone_first(conn, reviewer, stage)
    if first:
        return first[0]
    rid = conn.execute(_queue_query(reviewer, stage, int(seed)).limit(1)).scalar()
    return int(rid) if rid is not None else None


def progress(conn: sa.Connection, reviewer: str, stage: str) -> Progress:
    """Counts for ``reviewer`` at ``stage``: theirs, their partners' (counts only), conflicts."""
    from review.screening.decide import stage_outcomes

    check_stage(stage)
    members = stage_set(stage).subquery()
    total = int(conn.execute(sa.select(sa.func.count()).select_from(members)).scalar_one())
    counts = dict(
        conn.execute(
            sa.select(votes_t.c.reviewer, sa.func.count())
            .where(
                votes_t.c.stage == stage,
                votes_t.c.current == sa.true(),
                votes_t.c.record_id.in_(sa.select(members.c[0])),
            )
            .group_by(votes_t.c.reviewer)
        ).all()
    )
    finals, conflicts = stage_outcomes(conn, stage)
    return Progress(
        stage=stage,
        total=total,
        mine=int(counts.pop(reviewer, 0)),
        partner_counts={str(k): int(v) for k, v in sorted(counts.items())},
        open_conflicts=len(conflicts),
        decided=len(finals),
    )
