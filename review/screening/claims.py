"""Which record each reviewer has on screen: a claim, so a team screening at once is spread
over the records instead of everyone drawing the head of the same queue.

``claim_next`` is the app's "next card": in one write transaction it keeps the reviewer's
current card while it still needs their vote, or draws the next record of their queue in
which other reviewers' live claims count as votes to come, locks it (the same per-record
lock as the vote path), checks again and claims it. So with N reviewers drawing at once,
each record is offered to at most ``screening.votes_per_record`` of them (pilot records:
to all), and the vote pressed on that card finds its place free -- unless the claim
expired (``CLAIM_MINUTES`` idle) and others voted meanwhile, which the vote path refuses
with a message naming the record (``VoteRefusedError``).

A claim is a lease, not a decision: one row per (stage, reviewer), overwritten as the
reviewer moves on, with no event (the votes are the record of what happened). Votes are
capped by the vote path alone (``review.screening.votes``), whoever calls it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from review.screening.claim_rows import CLAIM_MINUTES, _now, claim_in, stamp  # noqa: F401 - part of this module's API
from review.screening.model import check_stage
from review.screening.queue import next_record_id
from review.screening.reviewers import require_active
from review.screening.settings import ScreeningSettings
from review.screening.stageset import in_stage_clause
from review.screening.votes import in_pilot, lock_record, votes_of_others
from review.store.schema import screening_claims as claims_t
from review.store.schema import screening_votes as votes_t
from review.store.transaction import Retry, write_retrying

DRAWS = 25  # candidates tried in one transaction before starting it again


def claimed_by_others(conn: sa.Connection, stage: str, record_id: int, reviewer: str, at: str) -> int:
    """Other reviewers' claims on ``record_id`` live at ``at``."""
    return int(conn.execute(
        sa.select(sa.func.count()).select_from(claims_t).where(
            claims_t.c.stage == stage,
            claims_t.c.record_id == int(record_id),
            claims_t.c.reviewer != reviewer,
            claims_t.c.expires_at > at,
        )
    ).scalar_one())


def _needs_me(
    conn: sa.Connection, reviewer: str, stage: str, record_id: int, settings: ScreeningSettings,
    *, claims_at: str | None,
) -> bool:
    """Whether ``record_id`` still takes ``reviewer``'s vote: in the stage, not voted on by
    them, and a place left (others' votes, plus their live claims when ``claims_at``), or a
    pilot record."""
    rid = int(record_id)
    mine = conn.execute(
        sa.select(sa.exists().where(
            votes_t.c.stage == stage, votes_t.c.record_id == rid,
            votes_t.c.reviewer == reviewer, votes_t.c.current == sa.true(),
        ))
    ).scalar_one()
    if mine:
        return False
    if conn.execute(sa.select(sa.literal(1)).where(in_stage_clause(stage, sa.literal(rid)))).first() is None:
        return False
    taken = votes_of_others(conn, stage, rid, reviewer)
    if claims_at is not None:
        taken += claimed_by_others(conn, stage, rid, reviewer, claims_at)
    return taken < int(settings.votes_per_record) or in_pilot(conn, stage, rid, settings)


def current_claim(conn: sa.Connection, reviewer: str, stage: str) -> int | None:
    """The record ``reviewer`` has on screen at ``stage`` (None: none)."""
    rid = conn.execute(
        sa.select(claims_t.c.record_id).where(claims_t.c.stage == stage, claims_t.c.reviewer == reviewer)
    ).scalar()
    return int(rid) if rid is not None else None


def claim_next(
    engine: sa.Engine,
    reviewer: str,
    stage: str,
    settings: ScreeningSettings | None = None,
    *,
    terms: Sequence[str] = (),
    now: datetime | None = None,
    strategy: Any = None,
) -> int | None:
    """The record to show ``reviewer`` next at ``stage``, claimed for them; None when their
    queue is empty.

    Their current card while it still needs their vote (a rerun of the page shows the same
    record), else the first record of their queue (``queue.next_record_id`` with the
    project's order, pilot round and ``votes_per_record``) that has fewer votes and live
    claims of others than ``votes_per_record`` -- checked again under the record's lock
    before it is claimed, so reviewers drawing at once never over-fill a record.
    ``strategy``: the search strategy a relevance ranking's warm start ranks by.
    """
    check_stage(stage)
    settings = settings or ScreeningSettings()
    pilot = int(settings.pilot) if stage == "title_abstract" else 0

    def work(conn: sa.Connection) -> int | None:
        require_active(conn, reviewer)
        moment = now or _now()
        at = stamp(moment)
        held = current_claim(conn, reviewer, stage)
        if held is not None:
            lock_record(conn, stage, held)
            if _needs_me(conn, reviewer, stage, held, settings, claims_at=None):
                claim_in(conn, reviewer, stage, held, now=moment)
                return held
        tried: set[int] = set()
        for _ in range(DRAWS):
            rid = next_record_id(
                conn, reviewer, stage, seed=settings.seed, order=settings.order, terms=list(terms),
                pilot=pilot, votes_per_record=settings.votes_per_record, claims_at=at, strategy=strategy,
            )
            if rid is None:
                claim_in(conn, reviewer, stage, None, now=moment)
                return None
            if rid in tried:
                # offered again although others' claims fill it (a record the reviewer undid):
                # theirs while votes leave a place, which the vote path checks anyway
                if _needs_me(conn, reviewer, stage, rid, settings, claims_at=None):
                    claim_in(conn, reviewer, stage, rid, now=moment)
                    return rid
                break
            tried.add(rid)
            lock_record(conn, stage, rid)
            if _needs_me(conn, reviewer, stage, rid, settings, claims_at=at):
                claim_in(conn, reviewer, stage, rid, now=moment)
                return rid
        raise Retry()

    return write_retrying(engine, work)


def release(engine: sa.Engine, reviewer: str, stage: str) -> None:
    """``reviewer`` has no card at ``stage`` any more (e.g. signed out): others may draw it."""
    write_retrying(engine, lambda conn: claim_in(conn, reviewer, stage, None))
