"""Casting, changing and undoing votes. Votes are rows, never edited: a changed vote is a
new row that supersedes the old one (``current`` flips, both stay); an undo ends the
current vote and puts the record back in the reviewer's queue."""

from __future__ import annotations

import sqlalchemy as sa

from review.screening._rows import vote_from_row
from review.screening.criteria import Criteria, default_criteria
from review.screening.model import ScreeningError, Vote, check_decision, check_stage
from review.screening.reviewers import require_active
from review.screening.stageset import check_in_stage, stage_record_ids
from review.store.api import log_event, now_iso
from review.store.schema import screening_votes as votes_t
from review.store.transaction import Retry, write_retrying

__all__ = ["cast_vote", "undo_last_vote", "my_votes", "stage_record_ids", "check_reason"]

MAX_NOTE = 10_000


def check_reason(stage: str, decision: str, reason: str, criteria: Criteria) -> str:
    """The reason to store; a full-text exclusion needs one from the fixed list."""
    reason = " ".join((reason or "").split())
    if stage == "full_text" and decision == "exclude":
        if not reason:
            raise ScreeningError(
                "a full-text exclusion needs a reason: one of "
                + "; ".join(criteria.exclusion_reasons or ["(none configured)"])
            )
        if reason not in criteria.exclusion_reasons:
            matches = [r for r in criteria.exclusion_reasons if r.lower() == reason.lower()]
            if len(matches) == 1:
                return matches[0]
            raise ScreeningError(
                f"{reason!r} is not one of the exclusion reasons: "
                + "; ".join(criteria.exclusion_reasons or ["(none configured)"])
            )
    return reason


def cast_vote_in(
    conn: sa.Connection,
    reviewer: str,
    record_id: int,
    stage: str,
    decision: str,
    reason: str = "",
    note: str = "",
    criteria: Criteria | None = None,
    *,
    source: str = "app",
) -> Vote:
    """``cast_vote`` inside the caller's transaction (the import runs many in one)."""
    check_stage(stage)
    check_decision(decision)
    criteria = criteria or default_criteria()
    reason = check_reason(stage, decision, reason, criteria)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ScreeningError(f"a note holds at most {MAX_NOTE} characters")
    require_active(conn, reviewer)
    record_id = int(record_id)
    check_in_stage(conn, stage, record_id)
    existing = conn.execute(
        sa.select(votes_t).where(
            votes_t.c.stage == stage,
            votes_t.c.record_id == record_id,
            votes_t.c.reviewer == reviewer,
            votes_t.c.current == sa.true(),
        )
    ).first()
    stamp = now_iso()
    if existing is not None:
        same = (
            existing.decision == decision
            and (existing.reason or "") == reason
            and (existing.note or "") == note
            and int(existing.criteria_version) == criteria.version
        )
        if same:
            return vote_from_row(existing)  # a double click: nothing new to store
        ended = conn.execute(
            sa.update(votes_t)
            .where(votes_t.c.id == existing.id, votes_t.c.current == sa.true())
            .values(current=False, ended_at=stamp, ended_how="superseded")
        )
        if ended.rowcount != 1:
            raise Retry()
    values = dict(
        stage=stage,
        record_id=record_id,
        reviewer=reviewer,
        decision=decision,
        reason=reason,
        note=note,
        criteria_version=criteria.version,
        at=stamp,
        current=True,
        source=source,
    )
    vote_id = int(conn.execute(sa.insert(votes_t).values(**values)).inserted_primary_key[0])
    payload = {
        "vote_id": vote_id,
        "record_id": record_id,
        "stage": stage,
        "decision": decision,
        "reason": reason,
        "criteria_version": criteria.version,
        "source": source,
    }
    if existing is not None:
        payload["supersedes"] = int(existing.id)
    log_event(conn, "vote", f"record:{record_id}", payload, actor=reviewer)
    return Vote(vote_id, record_id, reviewer, stage, decision, reason, note, criteria.version, stamp)


def cast_vote(
    engine: sa.Engine,
    reviewer: str,
    record_id: int,
    stage: str,
    decision: str,
    reason: str = "",
    note: str = "",
    criteria: Criteria | None = None,
) -> Vote:
    """Store ``reviewer``'s vote on a record (idempotent; a changed vote supersedes the old).

    A full-text "exclude" needs a reason from ``criteria.exclusion_reasons``; a record not in
    the stage's set, an unknown or revoked reviewer raise ``ScreeningError``.
    """
    return write_retrying(
        engine,
        lambda conn: cast_vote_in(conn, reviewer, record_id, stage, decision, reason, note, criteria),
    )


def undo_last_vote(engine: sa.Engine, reviewer: str, stage: str) -> Vote | None:
    """End ``reviewer``'s most recent current vote at ``stage`` (the record goes back to the
    front of their queue); return it, or None when there is nothing to undo."""
    check_stage(stage)

    def work(conn: sa.Connection) -> Vote | None:
        require_active(conn, reviewer)
        row = conn.execute(
            sa.select(votes_t)
            .where(
                votes_t.c.reviewer == reviewer,
                votes_t.c.stage == stage,
                votes_t.c.current == sa.true(),
            )
            .order_by(votes_t.c.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        ended = conn.execute(
            sa.update(votes_t)
            .where(votes_t.c.id == row.id, votes_t.c.current == sa.true())
            .values(current=False, ended_at=now_iso(), ended_how="undone")
        )
        if ended.rowcount != 1:
            raise Retry()
        vote = vote_from_row(row)
        log_event(
            conn, "vote.undo", f"record:{vote.record_id}",
            {"vote_id": vote.id, "record_id": vote.record_id, "stage": stage, "decision": vote.decision},
            actor=reviewer,
        )
        return vote

    return write_retrying(engine, work)


def my_votes(conn: sa.Connection, reviewer: str, stage: str) -> list[Vote]:
    """``reviewer``'s own current votes at ``stage``, oldest first (never anyone else's)."""
    check_stage(stage)
    rows = conn.execute(
        sa.select(votes_t)
        .where(
            votes_t.c.reviewer == reviewer,
            votes_t.c.stage == stage,
            votes_t.c.current == sa.true(),
        )
        .order_by(votes_t.c.id)
    )
    return [vote_from_row(r) for r in rows]


def my_vote_on(conn: sa.Connection, reviewer: str, record_id: int, stage: str) -> Vote | None:
    """``reviewer``'s own current vote on one record (for showing it again after a refresh)."""
    row = conn.execute(
        sa.select(votes_t).where(
            votes_t.c.reviewer == reviewer,
            votes_t.c.stage == stage,
            votes_t.c.record_id == int(record_id),
            votes_t.c.current == sa.true(),
        )
    ).first()
    return vote_from_row(row) if row else None
