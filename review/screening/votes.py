"""Casting, changing and undoing votes. Votes are rows, never edited: a changed vote is a
new row that supersedes the old one (``current`` flips, both stay); an undo ends the
current vote and puts the record back in the reviewer's queue.

A record takes at most ``screening.votes_per_record`` (default 2) current votes per stage;
the pilot round's records take every reviewer's. The cap is checked here, under a lock on
the record held until the vote is committed (``review.store.lock_key``; on SQLite the
write transaction's own lock), so every caller -- the app, ``review decisions import``,
scripts -- meets it and two reviewers racing for a record's last place cannot both win.
A vote the record no longer needs raises ``VoteRefusedError`` naming the record; it is
never dropped silently."""

from __future__ import annotations

import sqlalchemy as sa

from review.screening._rows import vote_from_row
from review.screening.claim_rows import claim_in
from review.screening.criteria import Criteria, default_criteria
from review.screening.model import STAGE_LABELS, ScreeningError, Vote, VoteRefusedError, check_decision, check_stage
from review.screening.reviewers import require_active
from review.screening.settings import ScreeningSettings
from review.screening.stageset import check_in_stage, stage_record_ids
from review.store.api import log_event, now_iso
from review.store.schema import screening_claims as claims_t
from review.store.schema import screening_votes as votes_t
from review.store.transaction import Retry, lock_key, write_retrying

__all__ = [
    "cast_vote", "undo_vote", "undo_last_vote", "last_vote", "my_votes", "stage_record_ids", "check_reason",
    "lock_record",
]

MAX_NOTE = 10_000
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def lock_record(conn: sa.Connection, stage: str, record_id: int) -> None:
    """Serialise every writer of ``record_id``'s votes and claims at ``stage`` until ``conn``'s
    transaction ends (the vote cap is read and written under it)."""
    lock_key(conn, f"screening.votes:{stage}", int(record_id))


def votes_of_others(conn: sa.Connection, stage: str, record_id: int, reviewer: str) -> int:
    """Current votes on ``record_id`` at ``stage`` by reviewers other than ``reviewer``."""
    return int(conn.execute(
        sa.select(sa.func.count()).select_from(votes_t).where(
            votes_t.c.stage == stage,
            votes_t.c.record_id == int(record_id),
            votes_t.c.reviewer != reviewer,
            votes_t.c.current == sa.true(),
        )
    ).scalar_one())


def in_pilot(conn: sa.Connection, stage: str, record_id: int, settings: ScreeningSettings) -> bool:
    """Whether ``record_id`` is one of the pilot round's records (every reviewer votes on them)."""
    from review.screening.queue import PILOT_STAGE, pilot_ids

    if stage != PILOT_STAGE or settings.pilot <= 0:
        return False
    return int(record_id) in pilot_ids(conn, settings.pilot, settings.seed)


def freeze_pilot_on_vote(conn: sa.Connection, stage: str, settings: ScreeningSettings | None) -> None:
    """A vote at the pilot's stage freezes the pilot set (``queue.freeze_pilot_in``) in the
    vote's transaction, so records imported later never join it, whichever way the vote came
    (the app, ``review decisions import``)."""
    from review.screening.queue import PILOT_STAGE, freeze_pilot_in

    if settings is not None and settings.pilot > 0 and stage == PILOT_STAGE:
        freeze_pilot_in(conn, settings.pilot, settings.seed)


def refusal(record_id: int, stage: str, votes: int, cap: int) -> VoteRefusedError:
    count = NUMBER_WORDS.get(votes, str(votes))
    return VoteRefusedError(
        f"#{record_id} already has {count} vote{'s' if votes != 1 else ''} at {STAGE_LABELS[stage]} "
        f"(screening.votes_per_record: {cap}): it no longer needs yours, nothing was stored",
        int(record_id), stage,
    )


def check_room(conn: sa.Connection, reviewer: str, stage: str, record_id: int, settings: ScreeningSettings) -> None:
    """Raise ``VoteRefusedError`` unless ``record_id`` still takes a vote from ``reviewer``
    (call under ``lock_record``): fewer than ``votes_per_record`` current votes by others,
    or a pilot record."""
    cap = int(settings.votes_per_record)
    others = votes_of_others(conn, stage, record_id, reviewer)
    if others >= cap and not in_pilot(conn, stage, record_id, settings):
        raise refusal(record_id, stage, others, cap)


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
    settings: ScreeningSettings | None = None,
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
    lock_record(conn, stage, record_id)
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
    else:  # a new vote takes a place on the record: is one left?
        check_room(conn, reviewer, stage, record_id, settings or ScreeningSettings())
    release_claim(conn, reviewer, stage, record_id)
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
    freeze_pilot_on_vote(conn, stage, settings)
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
    *,
    settings: ScreeningSettings | None = None,
    source: str = "app",
) -> Vote:
    """Store ``reviewer``'s vote on a record (idempotent; a changed vote supersedes the old).

    A full-text "exclude" needs a reason from ``criteria.exclusion_reasons``; a record not in
    the stage's set, an unknown or revoked reviewer raise ``ScreeningError``. A new vote on a
    record that has ``settings.votes_per_record`` current votes by others already (and is not
    a pilot record of ``settings.pilot``) raises ``VoteRefusedError`` naming the record.
    ``settings``: the project's ``screening:`` settings (default: 2 votes, no pilot).
    """
    return write_retrying(
        engine,
        lambda conn: cast_vote_in(
            conn, reviewer, record_id, stage, decision, reason, note, criteria, source=source, settings=settings
        ),
    )


def release_claim(conn: sa.Connection, reviewer: str, stage: str, record_id: int) -> None:
    """The reviewer's claim on ``record_id`` ends with their vote (the vote counts instead)."""
    conn.execute(
        sa.update(claims_t)
        .where(claims_t.c.stage == stage, claims_t.c.reviewer == reviewer, claims_t.c.record_id == int(record_id))
        .values(record_id=None)
    )


def _latest_row(conn: sa.Connection, reviewer: str, stage: str):
    return conn.execute(
        sa.select(votes_t)
        .where(
            votes_t.c.reviewer == reviewer,
            votes_t.c.stage == stage,
            votes_t.c.current == sa.true(),
        )
        .order_by(votes_t.c.id.desc())
        .limit(1)
    ).first()


def last_vote(conn: sa.Connection, reviewer: str, stage: str) -> Vote | None:
    """``reviewer``'s most recent current vote at ``stage`` (what "undo" would take back)."""
    check_stage(stage)
    row = _latest_row(conn, reviewer, stage)
    return vote_from_row(row) if row else None


def _undo_row(conn: sa.Connection, reviewer: str, stage: str, row) -> Vote:
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
    # the record is the reviewer's card again (first in their queue), reserved for them
    claim_in(conn, reviewer, stage, vote.record_id)
    return vote


def undo_vote(engine: sa.Engine, reviewer: str, stage: str, record_id: int) -> Vote:
    """End ``reviewer``'s current vote on ``record_id`` at ``stage`` -- the record named, never
    another -- and return it; the record comes back first in their queue. ``ScreeningError``
    naming the record when the reviewer has no current vote on it (undone already)."""
    check_stage(stage)
    record_id = int(record_id)

    def work(conn: sa.Connection) -> Vote:
        require_active(conn, reviewer)
        lock_record(conn, stage, record_id)
        row = conn.execute(
            sa.select(votes_t).where(
                votes_t.c.reviewer == reviewer,
                votes_t.c.stage == stage,
                votes_t.c.record_id == record_id,
                votes_t.c.current == sa.true(),
            )
        ).first()
        if row is None:
            raise ScreeningError(
                f"#{record_id} has no current vote of yours at {STAGE_LABELS[stage]} to undo (undone already?)"
            )
        return _undo_row(conn, reviewer, stage, row)

    return write_retrying(engine, work)


def undo_last_vote(engine: sa.Engine, reviewer: str, stage: str) -> Vote | None:
    """End ``reviewer``'s most recent current vote at ``stage`` (the record goes back to the
    front of their queue); return it (it names the record), or None when there is nothing
    to undo. The app undoes a named record instead (``undo_vote``)."""
    check_stage(stage)

    def work(conn: sa.Connection) -> Vote | None:
        require_active(conn, reviewer)
        row = _latest_row(conn, reviewer, stage)
        if row is None:
            return None
        lock_record(conn, stage, int(row.record_id))
        return _undo_row(conn, reviewer, stage, row)

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
