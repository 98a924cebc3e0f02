"""Which records each stage screens, as SQL (so the queue stays one indexed query).

- title_abstract: the records kept after deduplication (records of withdrawn imports left
  out: ``review.store.live``), and less those
  excluded by a pre-registered stopping rule when the stage was ended by it (``stoprule``);
- full_text: the records finally included at title/abstract (agreement of all current
  votes, at least two, or a resolution), minus those whose full text was not retrieved.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from review.screening.model import ScreeningError, check_stage
from review.screening.rules import VOTES_NEEDED
from review.store.live import is_withdrawn, live_clause
from review.store.schema import dedup_membership as dm
from review.store.schema import records
from review.store.schema import screening_fulltexts as ft_t
from review.store.schema import screening_resolutions as res_t
from review.store.schema import screening_stop_exclusions as stop_t
from review.store.schema import screening_votes as votes_t


def sort_key(seed: int, record_id: int) -> int:
    """A record's place in the screening order for ``seed`` (``review.screening.queue``): a
    deterministic pseudo-random key (63-bit, same on every machine and database)."""
    digest = hashlib.blake2b(f"{int(seed)}:{int(record_id)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def stopped_ids(conn: sa.Connection, stage: str = "title_abstract") -> set[int]:
    """Records excluded by the stopping rule (never voted on)."""
    return {int(i) for i in conn.execute(sa.select(stop_t.c.record_id).where(stop_t.c.stage == stage)).scalars()}


def is_duplicate(record_id_col) -> sa.ColumnElement[bool]:
    """True where the record was removed as a duplicate of another (kept) record."""
    return sa.exists(
        sa.select(dm.c.record_id).where(dm.c.record_id == record_id_col, dm.c.kept_id != dm.c.record_id)
    )


def is_removed(record_id_col) -> sa.ColumnElement[bool]:
    """True where the record is out of screening before it starts: removed as a duplicate,
    or of a withdrawn import."""
    return sa.or_(is_duplicate(record_id_col), is_withdrawn(record_id_col))


def is_stopped(record_id_col) -> sa.ColumnElement[bool]:
    """True where the record was excluded by the stopping rule, unscreened."""
    return sa.exists(
        sa.select(stop_t.c.record_id).where(stop_t.c.record_id == record_id_col, stop_t.c.stage == "title_abstract")
    )


def not_retrieved_ids() -> sa.Select:
    return sa.select(ft_t.c.record_id).where(
        ft_t.c.current == sa.true(), ft_t.c.kind == "not_retrieved"
    )


def title_abstract_includes() -> sa.Select:
    """Record ids finally included at title/abstract (SQL twin of ``rules.outcome``)."""
    stage = "title_abstract"
    resolved_in = sa.select(res_t.c.record_id).where(
        res_t.c.stage == stage, res_t.c.current == sa.true(), res_t.c.decision == "include"
    )
    has_resolution = sa.exists(
        sa.select(res_t.c.id).where(
            res_t.c.stage == stage, res_t.c.current == sa.true(), res_t.c.record_id == votes_t.c.record_id
        )
    )
    agreed_in = (
        sa.select(votes_t.c.record_id)
        .where(votes_t.c.stage == stage, votes_t.c.current == sa.true(), ~has_resolution)
        .group_by(votes_t.c.record_id)
        .having(
            sa.and_(
                sa.func.count() >= VOTES_NEEDED,
                sa.func.sum(sa.case((votes_t.c.decision == "include", 0), else_=1)) == 0,
            )
        )
    )
    return sa.union(resolved_in, agreed_in)


def stage_set(stage: str) -> sa.Select:
    """SELECT of the record ids in ``stage``."""
    check_stage(stage)
    if stage == "title_abstract":
        return sa.select(records.c.id).where(~is_duplicate(records.c.id), live_clause(), ~is_stopped(records.c.id))
    included = title_abstract_includes().subquery()
    return sa.select(included.c.record_id).where(
        ~is_removed(included.c.record_id), included.c.record_id.not_in(not_retrieved_ids())
    )


def in_stage_clause(stage: str, record_id_col) -> sa.ColumnElement[bool]:
    """A WHERE clause: ``record_id_col`` is in ``stage``'s set."""
    if stage == "title_abstract":
        return sa.and_(~is_removed(record_id_col), ~is_stopped(record_id_col))
    return record_id_col.in_(stage_set(stage))


def stage_record_ids(conn: sa.Connection, stage: str) -> list[int]:
    """title_abstract: unique records; full_text: final includes at title/abstract that were
    not marked "not retrieved". Sorted by id."""
    return sorted(int(i) for i in conn.execute(stage_set(stage)).scalars())


def check_in_stage(conn: sa.Connection, stage: str, record_id: int) -> None:
    """ScreeningError unless ``record_id`` is screened at ``stage``."""
    exists = conn.execute(sa.select(records.c.id).where(records.c.id == record_id)).first()
    if exists is None:
        raise ScreeningError(f"no record with id {record_id}")
    withdrawn = conn.execute(sa.select(sa.literal(1)).where(is_withdrawn(sa.literal(record_id)))).first()
    if withdrawn is not None:
        raise ScreeningError(
            f"record {record_id} belongs to a withdrawn import: it is no longer screened "
            "('review status' lists the imports)"
        )
    kept = conn.execute(
        sa.select(dm.c.kept_id).where(dm.c.record_id == record_id, dm.c.kept_id != record_id)
    ).scalar()
    if kept is not None:
        raise ScreeningError(
            f"record {record_id} was removed as a duplicate of record {kept}; screen {kept} instead"
        )
    if stage == "title_abstract":
        stopped = conn.execute(
            sa.select(stop_t.c.at).where(stop_t.c.record_id == record_id, stop_t.c.stage == stage)
        ).scalar()
        if stopped is not None:
            raise ScreeningError(
                f"record {record_id} was excluded unscreened when title/abstract screening was ended by "
                f"the stopping rule ({stopped})"
            )
    if stage == "full_text":
        found = conn.execute(
            sa.select(sa.literal(1)).where(in_stage_clause(stage, sa.literal(record_id)))
        ).first()
        if found is None:
            retrieved = conn.execute(not_retrieved_ids().where(ft_t.c.record_id == record_id)).first()
            if retrieved is not None:
                raise ScreeningError(
                    f"record {record_id}'s full text was marked not retrieved; attach it first"
                )
            raise ScreeningError(
                f"record {record_id} is not in the full-text stage: it has no final include "
                "at title/abstract"
            )
