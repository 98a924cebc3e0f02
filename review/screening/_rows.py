"""Row readers shared by the screening modules (current votes, resolutions)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from review.screening.model import FinalDecision, Vote
from review.store.schema import screening_resolutions as res_t
from review.store.schema import screening_votes as votes_t


def vote_from_row(row) -> Vote:
    return Vote(
        id=int(row.id),
        record_id=int(row.record_id),
        reviewer=row.reviewer,
        stage=row.stage,
        decision=row.decision,
        reason=row.reason or "",
        note=row.note or "",
        criteria_version=int(row.criteria_version),
        at=row.at,
    )


def resolution_from_row(row) -> FinalDecision:
    reason = (row.reason or "") if row.decision == "exclude" else ""
    return FinalDecision(int(row.record_id), row.stage, row.decision, reason, "resolution")


CHUNK = 500  # record ids per IN (...) list: far below SQLite's and PostgreSQL's bind limits


def _restricted(query: sa.Select, column, record_ids: Iterable[int] | None) -> list[sa.Select]:
    """``query`` as is, or once per chunk of ``record_ids`` (restricted to them)."""
    if record_ids is None:
        return [query]
    ids = list(record_ids)
    return [query.where(column.in_(ids[k:k + CHUNK])) for k in range(0, len(ids), CHUNK)]


def current_votes(
    conn: sa.Connection, stage: str, record_ids: Iterable[int] | None = None
) -> dict[int, list[Vote]]:
    """record id -> its current votes (every reviewer), oldest first."""
    query = (
        sa.select(votes_t)
        .where(votes_t.c.stage == stage, votes_t.c.current == sa.true())
        .order_by(votes_t.c.id)
    )
    out: dict[int, list[Vote]] = defaultdict(list)
    for part in _restricted(query, votes_t.c.record_id, record_ids):
        for row in conn.execute(part):
            out[int(row.record_id)].append(vote_from_row(row))
    return dict(out)


def current_resolutions(
    conn: sa.Connection, stage: str, record_ids: Iterable[int] | None = None
) -> dict[int, FinalDecision]:
    query = sa.select(res_t).where(res_t.c.stage == stage, res_t.c.current == sa.true())
    return {
        int(r.record_id): resolution_from_row(r)
        for part in _restricted(query, res_t.c.record_id, record_ids)
        for r in conn.execute(part)
    }
