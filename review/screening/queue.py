"""Each reviewer's queue: the stage's records they have not voted on and that do not have
two votes yet, in a reproducible random order.

The order is ``sort_key = hash(seed, record_id)`` kept in ``screening_order`` (one row per
record per seed, filled for new records on first use), so the next record is one indexed
walk over (seed, sort_key) — never a shuffle of every id in Python. A record the reviewer
has just undone comes first, so "undo" shows it again.

A pilot round (``screening.pilot: N``): the first N title/abstract records of the seeded
order (removed duplicates skipped) come first in every reviewer's title/abstract queue,
whatever the order setting, until the reviewer has voted on all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

import review.screening.ranking as ranking
from review.screening.model import ORDERS, Progress, ScreeningError, check_stage
from review.screening.rules import VOTES_NEEDED
from review.screening.stageset import in_stage_clause, is_removed, sort_key, stage_set
from review.store.live import is_withdrawn
from review.store.schema import dedup_membership as dm
from review.store.schema import screening_claims as claims_t
from review.store.schema import records
from review.store.schema import screening_order as order_t
from review.store.schema import screening_pilot as pilot_t
from review.store.schema import screening_resolutions as res_t
from review.store.schema import screening_votes as votes_t
from review.store.transaction import insert_ignore, write_retrying

KEY_BATCH = 5000
ANALYZE_AFTER = 1000


def _fill_order(conn: sa.Connection, seed: int, highest: int | None = None) -> int:
    if highest is None:
        highest = conn.execute(
            sa.select(sa.func.max(order_t.c.record_id)).where(order_t.c.seed == seed)
        ).scalar()
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
    count += len(batch)
    if count >= ANALYZE_AFTER and conn.dialect.name == "postgresql":
        # fresh statistics, or the planner sorts the whole table instead of walking the index
        conn.exec_driver_sql(f"ANALYZE {order_t.name}")
    return count


def ensure_order(conn: sa.Connection, seed: int) -> int:
    """Give every record a sort key for ``seed``; return how many were added.

    One cheap check (two index look-ups) when nothing is missing. On a connection outside
    a transaction new keys are committed at once; inside one they join the caller's.
    """
    was_in_transaction = conn.in_transaction()
    highest, newest = conn.execute(
        sa.select(
            sa.select(sa.func.max(order_t.c.record_id)).where(order_t.c.seed == seed).scalar_subquery(),
            sa.select(sa.func.max(records.c.id)).scalar_subquery(),
        )
    ).one()
    if newest is None or (highest is not None and highest >= newest):
        return 0
    added = _fill_order(conn, seed, highest)
    if not was_in_transaction:
        conn.commit()
    return added


def prepare_queue(engine: sa.Engine, seed: int = 0) -> int:
    """Compute the queue order for new records (optional; the queue does it on first use)."""
    return write_retrying(engine, lambda conn: _fill_order(conn, int(seed)))


PILOT_STAGE = "title_abstract"  # a pilot round screens titles and abstracts only


def _eligible(
    reviewer: str, stage: str, rid: sa.ColumnElement = order_t.c.record_id, *,
    cap: int = VOTES_NEEDED, claims_at: str | None = None,
):
    """WHERE clause on rows whose record id is ``rid`` (``screening_order`` rows unless told):
    in the stage, not voted on by ``reviewer``, fewer than ``cap`` current votes -- counting,
    when ``claims_at`` (a timestamp) is given, other reviewers' claims live at that moment as
    votes to come (``review.screening.claims``). Written as correlated scalar probes (one
    index look-up each per candidate) so no planner turns them into a join over every vote."""
    weight = sa.case((votes_t.c.reviewer == reviewer, cap), else_=1)
    load = (
        sa.select(sa.func.coalesce(sa.func.sum(weight), 0))
        .where(
            votes_t.c.stage == stage,
            votes_t.c.record_id == rid,
            votes_t.c.current == sa.true(),
        )
        .scalar_subquery()
    )
    if claims_at is not None:
        claimed = (
            sa.select(sa.func.count())
            .select_from(claims_t)
            .where(
                claims_t.c.stage == stage,
                claims_t.c.record_id == rid,
                claims_t.c.reviewer != reviewer,
                claims_t.c.expires_at > claims_at,
            )
            .scalar_subquery()
        )
        load = load + claimed
    clauses = [load < cap]
    if stage == "title_abstract":
        removed = (
            sa.select(sa.func.count())
            .select_from(dm)
            .where(dm.c.record_id == rid, dm.c.kept_id != dm.c.record_id)
            .scalar_subquery()
        )
        clauses.append(removed == 0)
        clauses.append(~is_withdrawn(rid))
    else:
        clauses.append(in_stage_clause(stage, rid))
    return sa.and_(*clauses)


def _queue_query(
    reviewer: str, stage: str, seed: int, after: tuple[int, int] | None = None, **eligible
) -> sa.Select:
    query = (
        sa.select(order_t.c.record_id)
        .where(order_t.c.seed == seed, _eligible(reviewer, stage, **eligible))
        .order_by(order_t.c.sort_key, order_t.c.record_id)
    )
    if after is not None:
        key, rid = after
        # (sort_key, record_id) > (key, rid), written so the index range is sort_key >= key
        query = query.where(
            order_t.c.sort_key >= key,
            ~sa.and_(order_t.c.sort_key == key, order_t.c.record_id <= rid),
        )
    return query


def _watermark(conn: sa.Connection, reviewer: str, stage: str, seed: int) -> tuple[int, int] | None:
    """(sort_key, record_id) of ``reviewer``'s latest current vote: they work through the
    queue in order, so the walk for the next record starts after it."""
    row = conn.execute(
        sa.select(order_t.c.sort_key, order_t.c.record_id)
        .select_from(
            votes_t.join(
                order_t,
                sa.and_(order_t.c.record_id == votes_t.c.record_id, order_t.c.seed == seed),
            )
        )
        .where(
            votes_t.c.reviewer == reviewer,
            votes_t.c.stage == stage,
            votes_t.c.current == sa.true(),
        )
        .order_by(votes_t.c.id.desc())
        .limit(1)
    ).first()
    return (int(row.sort_key), int(row.record_id)) if row else None


def _undone_first(
    conn: sa.Connection, reviewer: str, stage: str, cap: int = VOTES_NEEDED, pilot: Sequence[int] = ()
) -> list[int]:
    """Records whose vote ``reviewer`` undid and has not cast again, latest undo first --
    those that still take their vote (fewer than ``cap`` votes by others, or a pilot record)."""
    u = votes_t.alias("u")
    again = sa.exists(
        sa.select(votes_t.c.id).where(
            votes_t.c.stage == stage,
            votes_t.c.record_id == u.c.record_id,
            votes_t.c.reviewer == reviewer,
            votes_t.c.current == sa.true(),
        )
    )
    others = (
        sa.select(sa.func.count())
        .select_from(votes_t)
        .where(
            votes_t.c.stage == stage,
            votes_t.c.record_id == u.c.record_id,
            votes_t.c.reviewer != reviewer,
            votes_t.c.current == sa.true(),
        )
        .scalar_subquery()
    )
    room = others < cap
    if pilot:
        room = sa.or_(room, u.c.record_id.in_([int(i) for i in pilot]))
    rows = conn.execute(
        sa.select(u.c.record_id)
        .where(
            u.c.reviewer == reviewer,
            u.c.stage == stage,
            u.c.current == sa.false(),
            u.c.ended_how == "undone",
            ~again,
            room,
            in_stage_clause(stage, u.c.record_id),
        )
        .order_by(u.c.ended_at.desc(), u.c.id.asc())
    ).scalars()
    seen: list[int] = []
    for rid in rows:
        if int(rid) not in seen:
            seen.append(int(rid))
    return seen


def pilot_ids(conn: sa.Connection, size: int, seed: int = 0) -> list[int]:
    """The pilot set: ``size`` title/abstract records in the seeded random order, the same
    for every reviewer. A pure read (it writes nothing; ``freeze_pilot`` stores the set).

    Until a reviewer has voted on one of them the set is the first ``size`` records of the
    order (removed duplicates skipped). Once one has, the set is frozen in ``screening_pilot``
    (``freeze_pilot``: the queue does it when it next draws a record, ``import_decisions``
    when it stores the votes), so records imported later never join it and every reviewer
    keeps screening the same records. A frozen record later removed as a duplicate is
    skipped and the next record of the order fills its place (frozen too); a larger ``size``
    extends the set the same way, a smaller one takes its first records."""
    return _pilot(conn, int(size), int(seed))[0]


def _pilot(conn: sa.Connection, size: int, seed: int) -> tuple[list[int], list[int], int]:
    """(the pilot set, the records added to the frozen ones, how many are frozen)."""
    if size <= 0:
        return [], [], 0
    frozen_rows = conn.execute(
        sa.select(pilot_t.c.record_id, ~is_removed(pilot_t.c.record_id))
        .where(pilot_t.c.seed == seed)
        .order_by(pilot_t.c.position, pilot_t.c.record_id)
    ).all()
    frozen = [int(rid) for rid, _ in frozen_rows]
    kept = [int(rid) for rid, keep in frozen_rows if keep]
    if len(kept) >= size:
        return kept[:size], [], len(frozen)
    added = _first_in_order(conn, seed, size - len(kept), frozen)
    return kept + added, added, len(frozen)


def _first_in_order(conn: sa.Connection, seed: int, n: int, leave_out: Sequence[int]) -> list[int]:
    """The first ``n`` records of the seeded order not removed and not in ``leave_out``; the
    records the order holds no key for yet get theirs (``sort_key``) here, without storing it."""
    highest = conn.execute(sa.select(sa.func.max(order_t.c.record_id)).where(order_t.c.seed == seed)).scalar()
    query = (
        sa.select(order_t.c.sort_key, order_t.c.record_id)
        .where(order_t.c.seed == seed, ~is_removed(order_t.c.record_id))
        .order_by(order_t.c.sort_key, order_t.c.record_id)
        .limit(n)
    )
    newer = sa.select(records.c.id).where(records.c.id > (highest or 0), ~is_removed(records.c.id))
    if leave_out:
        query = query.where(order_t.c.record_id.not_in(leave_out))
        newer = newer.where(records.c.id.not_in(leave_out))
    keyed = [(int(k), int(r)) for k, r in conn.execute(query).all()]
    keyed += [(sort_key(seed, int(r)), int(r)) for r in conn.execute(newer).scalars()]
    return [rid for _, rid in sorted(keyed)[:n]]


def freeze_pilot_in(conn: sa.Connection, size: int, seed: int = 0) -> list[int]:
    """``pilot_ids``, storing the set in ``screening_pilot`` (within the caller's transaction)
    once a reviewer has voted on one of its records, or its frozen part needs filling."""
    size, seed = int(size), int(seed)
    ids, added, n_frozen = _pilot(conn, size, seed)
    if added and (n_frozen or voted_by_anyone(conn, PILOT_STAGE, ids)):
        ensure_order(conn, seed)
        insert_ignore(conn, pilot_t, [
            {"seed": seed, "record_id": rid, "position": n_frozen + n} for n, rid in enumerate(added)
        ])
    return ids


def freeze_pilot(engine: sa.Engine, size: int, seed: int = 0) -> list[int]:
    """``freeze_pilot_in`` in a transaction of its own; returns the pilot set."""
    return write_retrying(engine, lambda conn: freeze_pilot_in(conn, size, seed))


def _freeze_pilot_on(conn: sa.Connection, size: int, seed: int, *, commit: bool) -> None:
    """``freeze_pilot_in`` on the queue's connection, committed at once when ``commit``."""
    if size > 0:
        freeze_pilot_in(conn, size, seed)
        if commit and conn.in_transaction():
            conn.commit()


def voted_by_anyone(conn: sa.Connection, stage: str, record_ids: Sequence[int]) -> bool:
    """Whether any reviewer has a current vote at ``stage`` on one of ``record_ids``."""
    if not record_ids:
        return False
    return conn.execute(
        sa.select(
            sa.exists().where(
                votes_t.c.stage == stage,
                votes_t.c.current == sa.true(),
                votes_t.c.record_id.in_([int(i) for i in record_ids]),
            )
        )
    ).scalar_one()


def voted_ids(conn: sa.Connection, reviewer: str, stage: str, record_ids: Sequence[int]) -> set[int]:
    """Which of ``record_ids`` have ``reviewer``'s current vote at ``stage``."""
    if not record_ids:
        return set()
    rows = conn.execute(
        sa.select(votes_t.c.record_id).where(
            votes_t.c.reviewer == reviewer,
            votes_t.c.stage == stage,
            votes_t.c.current == sa.true(),
            votes_t.c.record_id.in_([int(i) for i in record_ids]),
        )
    ).scalars()
    return {int(i) for i in rows}


def pilot_left(conn: sa.Connection, reviewer: str, size: int, seed: int = 0) -> list[int]:
    """The pilot records ``reviewer`` has not voted on yet, in the random order (every
    reviewer screens every pilot record, however many votes it has). A pure read."""
    ids = pilot_ids(conn, size, seed)
    done = voted_ids(conn, reviewer, PILOT_STAGE, ids)
    return [rid for rid in ids if rid not in done]


def _check_order(order: str) -> str:
    if order not in ORDERS:
        raise ScreeningError(f"queue order must be one of {', '.join(ORDERS)}, not {order!r}")
    return order


def _ranked(stage: str, order: str) -> bool:
    """Relevance order applies to title/abstract only; full text stays random."""
    return _check_order(order) == "relevance" and stage == ranking.STAGE


def queue(
    conn: sa.Connection, reviewer: str, stage: str, seed: int = 0, *, order: str = "random", terms: Sequence[str] = (),
    pilot: int = 0, votes_per_record: int = VOTES_NEEDED, strategy: Any = None,
) -> list[int]:
    """Record ids ``reviewer`` still has to screen at ``stage``, in queue order: records they
    undid first, then the seeded random order from after their latest vote, then any record
    that (re)joined earlier in the order (new imports, a partner's undo).

    ``order="relevance"`` (title/abstract only): after the undone records, the reviewer's own
    ranking best first (made or refreshed here when due and no ranking worker is live, see
    ``review.screening.ranking``; ``terms``: the include terms it starts from, ``strategy``: the
    search strategy its warm start ranks by, ``review.screening.warmstart``), then records not
    ranked yet in the random order.

    ``pilot`` (title/abstract only): the pilot set's size; the pilot records the reviewer has
    not voted on come right after the undone records (see ``pilot_left``), and no ranking is
    made until the reviewer has voted on all of them.

    ``votes_per_record``: a record with that many current votes leaves every other
    reviewer's queue (``screening.votes_per_record``)."""
    check_stage(stage)
    seed = int(seed)
    cap = int(votes_per_record)
    commit = not conn.in_transaction()
    ensure_order(conn, seed)
    if pilot and stage == PILOT_STAGE:
        _freeze_pilot_on(conn, pilot, seed, commit=commit)
    pilot_first = pilot_left(conn, reviewer, pilot, seed) if pilot and stage == PILOT_STAGE else []
    if _ranked(stage, order) and not pilot_first:
        ranking.rank_if_due(conn, reviewer, seed, list(terms), commit=commit, strategy=strategy)
    pilot_set = pilot_ids(conn, pilot, seed) if pilot and stage == PILOT_STAGE else []
    first = _undone_first(conn, reviewer, stage, cap, pilot_set)
    mark = _watermark(conn, reviewer, stage, seed)
    rows = conn.execute(_queue_query(reviewer, stage, seed, cap=cap).add_columns(order_t.c.sort_key)).all()
    ordered = [(int(r[0]), int(r[1])) for r in rows]
    if _ranked(stage, order):
        best = ranking.ranked_ids(conn, reviewer, _eligible(reviewer, stage, ranking.rank_t.c.record_id, cap=cap))
        ranked_set = set(best)
        ordered_ids = best + [rid for rid, _ in ordered if rid not in ranked_set]
    elif mark is not None:
        after = [rid for rid, key in ordered if (key, rid) > mark]
        before = [rid for rid, key in ordered if (key, rid) <= mark]
        ordered_ids = after + before
    else:
        ordered_ids = [rid for rid, _ in ordered]
    first = first + [i for i in pilot_first if i not in set(first)]
    front = set(first)
    return first + [i for i in ordered_ids if i not in front]


def next_record_id(
    conn: sa.Connection, reviewer: str, stage: str, seed: int = 0, *, order: str = "random", terms: Sequence[str] = (),
    pilot: int = 0, votes_per_record: int = VOTES_NEEDED, claims_at: str | None = None, strategy: Any = None,
) -> int | None:
    """The first record of ``reviewer``'s queue (see ``queue``), or None when it is empty.

    Usually one short indexed walk from the reviewer's watermark; the walk from the start
    runs only when nothing is left after the watermark, so no record can be skipped. In
    relevance order the walk is over the reviewer's ranking first (refreshed here when due and
    no ranking worker is live: then a worker refreshes it outside the request),
    then over the random order for records not ranked yet. While a pilot round lasts for
    the reviewer (``pilot``: its size), the next pilot record comes first (no ranking is
    made until it is over).

    ``votes_per_record``: as for ``queue``. ``claims_at`` (a timestamp): other reviewers'
    claims live at that moment count as votes to come, so reviewers drawing at once are
    spread over different records (``review.screening.claims.claim_next`` passes it).
    """
    check_stage(stage)
    seed = int(seed)
    cap = int(votes_per_record)
    ranked = _ranked(stage, order)
    outside = not conn.in_transaction()
    commit = ranked and outside
    ensure_order(conn, seed)
    if pilot and stage == PILOT_STAGE:
        _freeze_pilot_on(conn, pilot, seed, commit=outside)
    left = pilot_left(conn, reviewer, pilot, seed) if pilot and stage == PILOT_STAGE else []
    if ranked and not left:
        ranking.rank_if_due(conn, reviewer, seed, list(terms), commit=commit, strategy=strategy)
    pilot_set = pilot_ids(conn, pilot, seed) if pilot and stage == PILOT_STAGE else []
    first = _undone_first(conn, reviewer, stage, cap, pilot_set)
    if first:
        return first[0]
    if left:
        return left[0]
    eligible = {"cap": cap, "claims_at": claims_at}
    if ranked:
        rid = ranking.next_ranked(conn, reviewer, _eligible(reviewer, stage, ranking.rank_t.c.record_id, **eligible))
        if rid is not None:
            return rid
    mark = _watermark(conn, reviewer, stage, seed)
    if mark is not None:
        rid = conn.execute(_queue_query(reviewer, stage, seed, after=mark, **eligible).limit(1)).scalar()
        if rid is not None:
            return int(rid)
    rid = conn.execute(_queue_query(reviewer, stage, seed, **eligible).limit(1)).scalar()
    return int(rid) if rid is not None else None


def _outcome_sql(stage: str):
    """(per-record vote aggregate, "resolved", "agreed", "open conflict") for ``stage``: the
    SQL twin of ``rules.outcome`` (tests check both agree), so progress and the conflicts
    page stay fast with tens of thousands of votes."""
    v = votes_t
    agg = (
        sa.select(
            v.c.record_id.label("rid"),
            sa.func.count().label("n"),
            sa.func.sum(sa.case((v.c.decision == "include", 1), else_=0)).label("inc"),
            sa.func.sum(sa.case((v.c.decision == "exclude", 1), else_=0)).label("exc"),
            sa.func.count(sa.distinct(v.c.reason)).label("reasons"),
        )
        .where(v.c.stage == stage, v.c.current == sa.true(), in_stage_clause(stage, v.c.record_id))
        .group_by(v.c.record_id)
        .subquery()
    )
    resolved = sa.exists(
        sa.select(res_t.c.id).where(
            res_t.c.stage == stage, res_t.c.current == sa.true(), res_t.c.record_id == agg.c.rid
        )
    )
    all_exclude = agg.c.exc == agg.c.n
    if stage == "full_text":
        all_exclude = sa.and_(all_exclude, agg.c.reasons == 1)
    agreed = sa.and_(agg.c.n >= VOTES_NEEDED, sa.or_(agg.c.inc == agg.c.n, all_exclude))
    open_conflict = sa.and_(agg.c.n >= VOTES_NEEDED, ~agreed)
    return agg, resolved, agreed, open_conflict


def outcome_counts(conn: sa.Connection, stage: str) -> tuple[int, int]:
    """(records with a final decision, open conflicts) at ``stage``, counted in SQL."""
    agg, resolved, agreed, open_conflict = _outcome_sql(stage)
    row = conn.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((sa.and_(~resolved, agreed), 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((sa.and_(~resolved, open_conflict), 1), else_=0)), 0),
        ).select_from(agg)
    ).one()
    resolutions = conn.execute(
        sa.select(sa.func.count())
        .select_from(res_t)
        .where(res_t.c.stage == stage, res_t.c.current == sa.true(), in_stage_clause(stage, res_t.c.record_id))
    ).scalar_one()
    return int(row[0]) + int(resolutions), int(row[1])


def open_conflict_ids(conn: sa.Connection, stage: str) -> list[int]:
    """Ids of the records in ``stage`` with an open conflict, found in SQL, ascending."""
    check_stage(stage)
    agg, resolved, _agreed, open_conflict = _outcome_sql(stage)
    query = sa.select(agg.c.rid).where(open_conflict, ~resolved).order_by(agg.c.rid)
    return [int(i) for i in conn.execute(query).scalars()]


def progress(conn: sa.Connection, reviewer: str, stage: str) -> Progress:
    """Counts for ``reviewer`` at ``stage``: theirs, their partners' (counts only), conflicts."""
    check_stage(stage)
    members = stage_set(stage).subquery()
    total = int(conn.execute(sa.select(sa.func.count()).select_from(members)).scalar_one())
    counts = dict(
        conn.execute(
            sa.select(votes_t.c.reviewer, sa.func.count())
            .where(
                votes_t.c.stage == stage,
                votes_t.c.current == sa.true(),
                in_stage_clause(stage, votes_t.c.record_id),
            )
            .group_by(votes_t.c.reviewer)
        ).all()
    )
    decided, open_conflicts = outcome_counts(conn, stage)
    return Progress(
        stage=stage,
        total=total,
        mine=int(counts.pop(reviewer, 0)),
        partner_counts={str(k): int(v) for k, v in sorted(counts.items())},
        open_conflicts=open_conflicts,
        decided=decided,
    )
