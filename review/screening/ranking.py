"""The prioritised title/abstract queue in the store (``screening.order: relevance``).

Each reviewer has their own ranking in ``screening_rank``, made from THEIR current
title/abstract votes only (``priority`` scores it), so the order tells them nothing about a
partner's decisions. A ranking is due when the reviewer has none yet or their vote count has
moved by max(1, records / 2,000) since the last one (every vote up to 2,000 records, every 10
at 20,000: ``priority.needs_ranking``).

Who makes it: while a ranking worker is live (``review.screening.rankworker``: a thread of
the app's server process, or ``review screening rank-worker``), a worker does, outside the
request, and ``next_record_id`` draws from the stored (previous) ranking without waiting;
with no worker live (a script calling ``next_record_id`` in a loop), ``next_record_id``
ranks when due, as it always did. ``rank_now`` ranks at once either way.

Before the reviewer has both a relevant and an irrelevant vote, a ranking comes from the
search strategy when one is given (``warmstart``: concept blocks, BM25, Boolean-aware), else
from the number of include terms a record holds. The TF-IDF matrix and the warm-start scores
of the records are kept in memory between rankings (records are append-only, so they change
only when records are added). Records imported after a ranking are not in it: they come after
the ranked ones, in the random order, until the next ranking.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

import review.screening.priority as priority
from review.screening.stageset import sort_key
import review.screening.warmstart as warmstart
from review.store.schema import dedup_membership as dm
from review.store.schema import records
from review.store.schema import screening_rank as rank_t
from review.store.live import live_clause
from review.store.schema import screening_rank_state as state_t
from review.store.schema import screening_votes as votes_t

STAGE = "title_abstract"  # the only stage a ranking applies to; full text stays random
INSERT_BATCH = 5000
_CACHE: dict[tuple, tuple[priority.TextMatrix, list[str]]] = {}
_CACHE_SIZE = 2
_WARM: dict[tuple, list[float] | None] = {}


def _record_rows(conn: sa.Connection) -> list[tuple[int, str]]:
    """(id, ranked text) of every record, in id order."""
    return [
        (int(rid), priority.record_text(title, data if isinstance(data, dict) else {}))
        for rid, title, data in conn.execute(
            sa.select(records.c.id, records.c.title, records.c.data).order_by(records.c.id)
        )
    ]


def _texts_for(key: tuple, rows: list[tuple[int, str]] | None) -> tuple[priority.TextMatrix, list[str]]:
    """The TF-IDF matrix and texts of every record, cached per store and record set
    (``rows``: read when the cache had none for ``key``)."""
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    assert rows is not None, "records are read when the cache has none"
    value = (priority.tfidf_matrix([r for r, _ in rows], [t for _, t in rows]), [t for _, t in rows])
    while len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = value
    return value


def _texts(conn: sa.Connection) -> tuple[priority.TextMatrix, list[str]]:
    """The TF-IDF matrix and texts of every record, cached per store and record set."""
    key = _store_key(conn)
    return _texts_for(key, None if key in _CACHE else _record_rows(conn))


def _my_votes(conn: sa.Connection, reviewer: str) -> dict[int, int]:
    """record id -> 1 (include/maybe) or 0 (exclude): ``reviewer``'s own current votes."""
    rows = conn.execute(
        sa.select(votes_t.c.record_id, votes_t.c.decision).where(
            votes_t.c.reviewer == reviewer, votes_t.c.stage == STAGE, votes_t.c.current == sa.true()
        )
    ).all()
    return {int(rid): int(decision in priority.RELEVANT) for rid, decision in rows}


def _vote_count(conn: sa.Connection, reviewer: str) -> int:
    return int(conn.execute(
        sa.select(sa.func.count()).select_from(votes_t).where(
            votes_t.c.reviewer == reviewer, votes_t.c.stage == STAGE, votes_t.c.current == sa.true()
        )
    ).scalar_one())


def _candidates(conn: sa.Connection, mine: dict[int, int]) -> list[int]:
    """Title/abstract records (not removed duplicates, not of withdrawn imports) ``reviewer``
    has not voted on."""
    removed = sa.select(dm.c.record_id).where(dm.c.kept_id != dm.c.record_id)
    ids = conn.execute(
        sa.select(records.c.id).where(records.c.id.not_in(removed), live_clause()).order_by(records.c.id)
    ).scalars()
    return [int(i) for i in ids if int(i) not in mine]


def _store_key(conn: sa.Connection) -> tuple:
    count, highest = conn.execute(sa.select(sa.func.count(), sa.func.max(records.c.id))).one()
    return (conn.engine.url.render_as_string(hide_password=True), str(conn.engine.url.query), int(count), highest)


def _warm_scores(key: tuple, texts: list[str], strategy) -> list[float] | None:
    """The warm-start score of every record (row order of the matrix), cached per store,
    record set and strategy (it depends on no decision); None when the strategy gives none."""
    key = (*key, repr(strategy.blocks), repr(strategy.combine))
    if key not in _WARM:
        while len(_WARM) >= _CACHE_SIZE:
            _WARM.pop(next(iter(_WARM)))
        _WARM[key] = warmstart.strategy_scores(texts, strategy)
    return _WARM[key]


@dataclass
class _Inputs:
    """What a ranking reads from the store (in one short read), so the model can be trained
    after that read has ended: on SQLite every transaction holds the write lock."""

    mine: dict[int, int]
    key: tuple
    rows: list[tuple[int, str]] | None  # None: the cache has the matrix for ``key``
    candidates: list[int]


def _gather(conn: sa.Connection, reviewer: str) -> _Inputs:
    mine = _my_votes(conn, reviewer)
    key = _store_key(conn)
    rows = None if key in _CACHE else _record_rows(conn)
    return _Inputs(mine, key, rows, _candidates(conn, mine))


def _compute(inputs: _Inputs, seed: int, terms: list[str], strategy) -> tuple[str, list[tuple[int, float]]]:
    """The ranking from what was read; touches no store."""
    tm, texts = _texts_for(inputs.key, inputs.rows)
    mine = inputs.mine
    candidates = [rid for rid in inputs.candidates if rid in tm.row]  # a record added meanwhile waits
    warm = None
    if priority.can_train(mine.values()):
        model = priority.MODEL
        scores = priority.classifier_scores(tm, mine, candidates)
    elif strategy is not None and (warm := _warm_scores(inputs.key, texts, strategy)) is not None:
        model = warmstart.MODEL
        scores = [warm[tm.row[rid]] for rid in candidates]
    else:
        model = priority.TERMS_MODEL
        scores = priority.term_scores([texts[tm.row[rid]] for rid in candidates], terms)
    keys = {rid: sort_key(seed, rid) for rid in candidates}
    return model, priority.order_by_score(candidates, scores, keys)


def compute_ranking(
    conn: sa.Connection, reviewer: str, seed: int, terms: list[str], strategy=None,
) -> tuple[str, list[tuple[int, float]]]:
    """(model, [(record id, score) best first]) for ``reviewer`` from their own votes. Reads only.

    ``strategy`` (a block-based ``review.strategy.Strategy``, optional): the warm start
    before the reviewer's first relevant and irrelevant vote; without it, include terms."""
    return _compute(_gather(conn, reviewer), seed, terms, strategy)


SLOT_KEYS = (STAGE, f"{STAGE}:1")  # screening_rank.stage of slot 0 and 1 (see schema: screening_rank_state.slot)
CHUNK = 500  # rows per transaction when a worker writes a ranking (a short hold of the SQLite lock)


def _slot(conn: sa.Connection, reviewer: str) -> int | None:
    """The slot holding ``reviewer``'s current ranking; None before their first ranking."""
    slot = conn.execute(
        sa.select(state_t.c.slot).where(state_t.c.reviewer == reviewer, state_t.c.stage == STAGE)
    ).scalar()
    return None if slot is None else int(slot)


def _target(conn: sa.Connection, reviewer: str) -> tuple[int, int | None]:
    """(the slot a new ranking goes to: the one not current, the highest position left in it)."""
    current = _slot(conn, reviewer)
    target = 0 if current is None else 1 - current
    top = conn.execute(sa.select(sa.func.max(rank_t.c.position)).where(
        rank_t.c.reviewer == reviewer, rank_t.c.stage == SLOT_KEYS[target]
    )).scalar()
    return target, None if top is None else int(top)


def _rows(reviewer: str, target: int, ranked: list[tuple[int, float]]) -> list[dict]:
    return [
        {"reviewer": reviewer, "stage": SLOT_KEYS[target], "record_id": rid, "position": n, "score": score}
        for n, (rid, score) in enumerate(ranked)
    ]


def _flip(conn: sa.Connection, reviewer: str, target: int, model: str, votes: int, highest: int) -> None:
    """Make slot ``target`` the current ranking (one row). The old slot's rows stay until the
    next ranking clears them, so a reader that read the old slot a moment ago still finds it."""
    from review.store.api import now_iso

    conn.execute(sa.delete(state_t).where(state_t.c.reviewer == reviewer, state_t.c.stage == STAGE))
    conn.execute(sa.insert(state_t).values(
        reviewer=reviewer, stage=STAGE, votes=votes, highest_record_id=int(highest), model=model,
        ranked_at=now_iso(), slot=target,
    ))


def _store(conn: sa.Connection, reviewer: str, model: str, ranked: list[tuple[int, float]], votes: int) -> None:
    """Write a ranking in the caller's transaction."""
    highest = conn.execute(sa.select(sa.func.max(records.c.id))).scalar() or 0
    target, _ = _target(conn, reviewer)
    conn.execute(sa.delete(rank_t).where(rank_t.c.reviewer == reviewer, rank_t.c.stage == SLOT_KEYS[target]))
    rows = _rows(reviewer, target, ranked)
    for start in range(0, len(rows), INSERT_BATCH):
        conn.execute(sa.insert(rank_t), rows[start:start + INSERT_BATCH])
    _flip(conn, reviewer, target, model, votes, int(highest))


def _store_chunked(engine: sa.Engine, reviewer: str, model: str, ranked: list[tuple[int, float]], votes: int,
                   highest: int) -> None:
    """Write a ranking in short transactions of ``CHUNK`` rows into the slot not current, then
    make it current in one more: no writer waits long for the lock (SQLite), no reader sees a
    half-written ranking. The caller holds the reviewer's claim (``rankworker``)."""
    with engine.begin() as conn:
        target, top = _target(conn, reviewer)
    key = SLOT_KEYS[target]
    for start in range(0, (top + 1) if top is not None else 0, CHUNK):
        with engine.begin() as conn:
            conn.execute(sa.delete(rank_t).where(
                rank_t.c.reviewer == reviewer, rank_t.c.stage == key,
                rank_t.c.position >= start, rank_t.c.position < start + CHUNK,
            ))
    rows = _rows(reviewer, target, ranked)
    for start in range(0, len(rows), CHUNK):
        with engine.begin() as conn:
            conn.execute(sa.insert(rank_t), rows[start:start + CHUNK])
    with engine.begin() as conn:
        _flip(conn, reviewer, target, model, votes, highest)
    if engine.url.get_backend_name() == "sqlite":
        # fold the pages just written back into the database here, so the automatic
        # checkpoint does not fall on (and slow down) the next vote's commit
        raw = engine.raw_connection()  # outside any transaction (a checkpoint cannot run in one)
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            raw.close()


def rank_outside(read: sa.Engine, write: sa.Engine, reviewer: str, seed: int, terms: list[str], *,
                 strategy=None) -> bool:
    """A worker's ranking of ``reviewer`` if due (True when it made one): the votes and records
    read through ``read`` (``review.store.engine.read_engine``: no write lock on SQLite), the
    model trained outside any transaction, the ranking written by ``_store_chunked``."""
    with read.connect() as conn:
        due, votes = _due(conn, reviewer)
        if not due:
            return False
        inputs = _gather(conn, reviewer)
    model, ranked = _compute(inputs, seed, terms, strategy)
    _store_chunked(write, reviewer, model, ranked, votes, int(inputs.key[3] or 0))
    return True


def _due(conn: sa.Connection, reviewer: str) -> tuple[bool, int]:
    """(whether ``reviewer``'s ranking is due, their current vote count)."""
    last = conn.execute(
        sa.select(state_t.c.votes).where(state_t.c.reviewer == reviewer, state_t.c.stage == STAGE)
    ).scalar()
    votes = _vote_count(conn, reviewer)
    n_records = int(conn.execute(sa.select(sa.func.count()).select_from(records)).scalar_one())
    return priority.needs_ranking(None if last is None else int(last), votes, n_records), votes


def ranking_due(conn: sa.Connection, reviewer: str) -> bool:
    """Whether the next ``next_record_id`` in relevance order will (re)rank ``reviewer``'s queue
    itself (the app says so while it runs: a first ranking of 20,000 records takes seconds);
    never while a ranking worker is live (it ranks outside the request)."""
    from review.screening.rankpresence import worker_live

    return _due(conn, reviewer)[0] and not worker_live(conn)


def rank_if_due(
    conn: sa.Connection, reviewer: str, seed: int, terms: list[str], *, commit: bool, strategy=None,
) -> bool:
    """Rank ``reviewer``'s title/abstract queue when due and no ranking worker is live (see the
    module); True when it did. While a worker is live it only wakes this process's worker.

    ``commit``: the caller's connection was outside a transaction, so the ranking is committed
    at once (if the same reviewer's other window wrote one meanwhile, that one is kept);
    otherwise it joins the caller's transaction."""
    from review.screening.rankpresence import nudge, worker_live

    due, votes = _due(conn, reviewer)
    if not due:
        return False
    if worker_live(conn):
        nudge()
        return False
    return _rank(conn, reviewer, seed, terms, votes, commit=commit, strategy=strategy)


def rank_now(conn: sa.Connection, reviewer: str, seed: int, terms: list[str], *, strategy=None) -> bool:
    """Rank ``reviewer``'s title/abstract queue now if due, whether or not a worker is live,
    and commit it (``conn`` outside a transaction); True when it did. The hook for a script
    that wants the newest ranking before its next ``next_record_id`` (a worker runs
    ``rank_outside`` instead: the same ranking, written without holding writers up)."""
    due, votes = _due(conn, reviewer)
    if not due:
        return False
    return _rank(conn, reviewer, seed, terms, votes, commit=True, strategy=strategy)


def _rank(conn: sa.Connection, reviewer: str, seed: int, terms: list[str], votes: int, *, commit: bool, strategy) -> bool:
    if not commit:  # joins the caller's transaction
        model, ranked = compute_ranking(conn, reviewer, seed, terms, strategy)
        _store(conn, reviewer, model, ranked, votes)
        return True
    inputs = _gather(conn, reviewer)
    conn.rollback()  # end the read (it wrote nothing) before training: writers need not wait
    model, ranked = _compute(inputs, seed, terms, strategy)
    try:
        _store(conn, reviewer, model, ranked, votes)
        conn.commit()
    except sa.exc.IntegrityError:
        conn.rollback()
        return False
    return True


def _ranked_query(key: str, reviewer: str, eligible, after: int | None = None) -> sa.Select:
    query = (
        sa.select(rank_t.c.record_id)
        .where(rank_t.c.reviewer == reviewer, rank_t.c.stage == key, eligible)
        .order_by(rank_t.c.position)
    )
    return query if after is None else query.where(rank_t.c.position > after)


def _mark(conn: sa.Connection, key: str, reviewer: str) -> int | None:
    """The rank position of ``reviewer``'s latest current vote (the walk starts after it)."""
    return conn.execute(
        sa.select(rank_t.c.position)
        .select_from(votes_t.join(rank_t, sa.and_(
            rank_t.c.record_id == votes_t.c.record_id, rank_t.c.reviewer == votes_t.c.reviewer,
            rank_t.c.stage == key,
        )))
        .where(votes_t.c.reviewer == reviewer, votes_t.c.stage == STAGE, votes_t.c.current == sa.true())
        .order_by(votes_t.c.id.desc())
        .limit(1)
    ).scalar()


def next_ranked(conn: sa.Connection, reviewer: str, eligible) -> int | None:
    """The best-ranked eligible record (``eligible``: a clause on ``screening_rank.record_id``)."""
    slot = _slot(conn, reviewer)
    if slot is None:
        return None
    key = SLOT_KEYS[slot]
    mark = _mark(conn, key, reviewer)
    if mark is not None:
        rid = conn.execute(_ranked_query(key, reviewer, eligible, after=int(mark)).limit(1)).scalar()
        if rid is not None:
            return int(rid)
    rid = conn.execute(_ranked_query(key, reviewer, eligible).limit(1)).scalar()
    return int(rid) if rid is not None else None


def ranked_ids(conn: sa.Connection, reviewer: str, eligible) -> list[int]:
    """Every eligible ranked record, best first."""
    slot = _slot(conn, reviewer)
    if slot is None:
        return []
    return [int(i) for i in conn.execute(_ranked_query(SLOT_KEYS[slot], reviewer, eligible)).scalars()]


def prioritisation_used(conn: sa.Connection) -> str:
    """The description of the classifier(s) any reviewer's title/abstract queue was ranked
    by, else "" (the methods draft reports it)."""
    used = conn.execute(
        sa.select(state_t.c.model).where(
            state_t.c.stage == STAGE, state_t.c.model.not_in([priority.TERMS_MODEL, warmstart.MODEL])
        ).distinct()
    ).scalars()
    found = sorted({priority.MODEL_DESCRIPTIONS.get(str(m), str(m)) for m in used})
    return " and ".join(found)
