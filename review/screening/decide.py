"""Conflicts and final decisions, read from the current votes and resolutions.

Only ``conflicts()`` returns other reviewers' votes, for the lead (or the pair, when
``screening.conflict_resolution`` is "pair") to resolve. A resolution is a new row; the
original votes are never changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from review.acting import old_spelling
from review.screening._rows import _restricted, current_resolutions, current_votes, resolution_from_row
from review.screening.criteria import Criteria, default_criteria
from review.screening.model import (
    FINAL_DECISIONS,
    RESOLUTION_MODES,
    STAGES,
    Conflict,
    FinalDecision,
    NotAllowedError,
    ScreeningError,
    Vote,
    check_decision,
    check_stage,
)
from review.screening.queue import open_conflict_ids
from review.screening.reviewers import require_active
from review.screening.rules import CONFLICT, FINAL, outcome
from review.screening.stageset import check_in_stage, in_stage_clause, stage_record_ids
from review.screening.votes import check_reason
from review.store.api import log_event, now_iso
from review.store.schema import events as events_t
from review.store.schema import screening_resolutions as res_t
from review.store.transaction import Retry, write_retrying


def stage_outcomes(
    conn: sa.Connection, stage: str
) -> tuple[dict[int, FinalDecision], list[Conflict]]:
    """(final decisions by record id, open conflicts) for the records in ``stage``."""
    check_stage(stage)
    members = set(stage_record_ids(conn, stage))
    votes = current_votes(conn, stage)
    resolutions = current_resolutions(conn, stage)
    finals: dict[int, FinalDecision] = {}
    conflicts: list[Conflict] = []
    for rid in sorted((set(votes) | set(resolutions)) & members):
        state, final = outcome(stage, rid, votes.get(rid, []), resolutions.get(rid))
        if state == FINAL and final is not None:
            finals[rid] = final
        elif state == CONFLICT:
            conflicts.append(Conflict(rid, stage, list(votes.get(rid, []))))
    return finals, conflicts


def conflicts(conn: sa.Connection, stage: str) -> list[Conflict]:
    """Open conflicts at ``stage`` (with the votes: for the conflicts page only).

    The records are found in SQL (``open_conflict_ids``) and only their votes are read, so
    the page does not load every vote of a large review; each is checked with
    ``rules.outcome``, the one definition of a conflict.
    """
    ids = open_conflict_ids(conn, stage)
    votes = current_votes(conn, stage, ids)
    resolutions = current_resolutions(conn, stage, ids)
    return [
        Conflict(rid, stage, list(votes.get(rid, [])))
        for rid in ids
        if outcome(stage, rid, votes.get(rid, []), resolutions.get(rid))[0] == CONFLICT
    ]


def final_decisions(conn: sa.Connection, stage: str) -> dict[int, FinalDecision]:
    """record id -> final decision (agreement of the current votes, or a resolution)."""
    return stage_outcomes(conn, stage)[0]


def included_record_ids(conn: sa.Connection) -> list[int]:
    """Records with a final full-text "include" (the sources to chart), in id order."""
    finals = final_decisions(conn, "full_text")
    return sorted(rid for rid, f in finals.items() if f.decision == "include")


def record_outcome(conn: sa.Connection, stage: str, record_id: int) -> tuple[str, FinalDecision | None]:
    """("final"|"conflict"|"pending", decision) for one record."""
    votes = current_votes(conn, stage, [record_id]).get(record_id, [])
    resolution = current_resolutions(conn, stage, [record_id]).get(record_id)
    return outcome(stage, record_id, votes, resolution)


def may_resolve(conn: sa.Connection, reviewer: str, stage: str, record_id: int, mode: str = "lead") -> bool:
    """Whether ``reviewer`` may see and resolve this record's conflict: the lead always; in
    "pair" mode also a reviewer who voted on it."""
    if mode not in RESOLUTION_MODES:
        raise ScreeningError(
            f"screening.conflict_resolution must be one of {', '.join(RESOLUTION_MODES)}, not {mode!r}"
        )
    try:
        who = require_active(conn, reviewer)
    except NotAllowedError:
        return False
    if who.role == "lead":
        return True
    if mode == "pair":
        votes = current_votes(conn, stage, [record_id]).get(record_id, [])
        return any(v.reviewer == reviewer for v in votes)
    return False


def conflicts_for(conn: sa.Connection, reviewer: str, stage: str, mode: str = "lead") -> list[Conflict]:
    """The open conflicts ``reviewer`` may see: all for the lead; in "pair" mode a reviewer
    sees those on records they voted on; otherwise none."""
    found = conflicts(conn, stage)
    who = require_active(conn, reviewer)
    if who.role == "lead":
        return found
    if mode == "pair":
        return [c for c in found if any(v.reviewer == reviewer for v in c.votes)]
    return []


def resolve_in(
    conn: sa.Connection,
    resolver: str,
    record_id: int,
    stage: str,
    decision: str,
    reason: str = "",
    note: str = "",
    *,
    mode: str = "lead",
    criteria: Criteria | None = None,
) -> FinalDecision:
    check_stage(stage)
    check_decision(decision, FINAL_DECISIONS)
    criteria = criteria or default_criteria()
    reason = check_reason(stage, decision, reason, criteria)
    record_id = int(record_id)
    require_active(conn, resolver)
    if not may_resolve(conn, resolver, stage, record_id, mode):
        if mode == "pair":
            raise NotAllowedError(
                f"{resolver!r} may not resolve record {record_id}: only the lead or a reviewer who voted on it"
            )
        raise NotAllowedError(f"{resolver!r} may not resolve conflicts: only a lead may")
    check_in_stage(conn, stage, record_id)
    existing = conn.execute(
        sa.select(res_t).where(
            res_t.c.stage == stage, res_t.c.record_id == record_id, res_t.c.current == sa.true()
        )
    ).first()
    if existing is None:
        state, _ = outcome(stage, record_id, current_votes(conn, stage, [record_id]).get(record_id, []))
        if state != CONFLICT:
            raise ScreeningError(
                f"record {record_id} has no open conflict at {stage} (it is {state}); nothing to resolve"
            )
    else:
        if existing.decision == decision and (existing.reason or "") == reason:
            return resolution_from_row(existing)  # the same resolution again
    stamp = now_iso()
    if existing is not None:
        ended = conn.execute(
            sa.update(res_t)
            .where(res_t.c.id == existing.id, res_t.c.current == sa.true())
            .values(current=False, ended_at=stamp)
        )
        if ended.rowcount != 1:
            raise Retry()
    new_id = conn.execute(
        sa.insert(res_t).values(
            stage=stage, record_id=record_id, decision=decision, reason=reason,
            note=(note or "").strip(), resolver=resolver, criteria_version=criteria.version,
            at=stamp, current=True,
        )
    ).inserted_primary_key[0]
    payload = {"resolution_id": int(new_id), "record_id": record_id, "stage": stage,
               "decision": decision, "reason": reason, "mode": mode}
    if existing is not None:
        payload["supersedes"] = int(existing.id)
    log_event(conn, "conflict.resolve", f"record:{record_id}", payload, actor=resolver)
    return FinalDecision(record_id, stage, decision, reason if decision == "exclude" else "", "resolution")


@old_spelling("resolver", position=1)
def resolve_conflict(
    engine: sa.Engine,
    record_id: int,
    stage: str,
    decision: str,
    reason: str = "",
    note: str = "",
    *,
    by: str,
    mode: str = "lead",
    criteria: Criteria | None = None,
) -> FinalDecision:
    """Record the final decision on a conflicting record (the votes stay as they were).

    ``mode`` is the config's ``screening.conflict_resolution``: "lead" (only a lead may
    resolve) or "pair" (a reviewer who voted on the record may too). Resolving a resolved
    record again with a different decision supersedes the earlier resolution.
    """
    return write_retrying(
        engine,
        lambda conn: resolve_in(
            conn, by, record_id, stage, decision, reason, note, mode=mode, criteria=criteria
        ),
    )


@dataclass(frozen=True)
class Resolution:
    """A current resolution with the votes as they stand now."""

    id: int
    record_id: int
    stage: str
    decision: str
    reason: str
    note: str
    resolver: str
    at: str
    votes: list[Vote]
    changed_since: bool  # a vote was cast or changed after the resolution


def resolved_conflicts(conn: sa.Connection, viewer: str, stage: str, mode: str = "lead") -> list[Resolution]:
    """The current resolutions at ``stage`` ``viewer`` may see (as for ``conflicts_for``: all
    for the lead, in "pair" mode a reviewer's own records too), newest first, each with the
    current votes and whether one of them was cast after it."""
    check_stage(stage)
    who = require_active(conn, viewer)
    rows = conn.execute(
        sa.select(res_t)
        .where(res_t.c.stage == stage, res_t.c.current == sa.true(), in_stage_clause(stage, res_t.c.record_id))
        .order_by(res_t.c.id.desc())
    ).all()
    votes = current_votes(conn, stage, [int(r.record_id) for r in rows])
    changed = _votes_after(conn, stage, {int(r.id): int(r.record_id) for r in rows})
    out = []
    for r in rows:
        rid = int(r.record_id)
        mine = votes.get(rid, [])
        if who.role != "lead" and not (mode == "pair" and any(v.reviewer == viewer for v in mine)):
            continue
        out.append(Resolution(
            int(r.id), rid, stage, r.decision, (r.reason or "") if r.decision == "exclude" else "",
            r.note or "", r.resolver, r.at, mine, int(r.id) in changed,
        ))
    return out


def _votes_after(conn: sa.Connection, stage: str, resolutions: dict[int, int]) -> set[int]:
    """Which of ``resolutions`` (id -> record id) had a vote at ``stage`` cast, changed or
    undone after them, read from the event log (its ids are in the order things happened;
    the stored times are to the second only)."""
    if not resolutions:
        return set()
    subjects = sorted({f"record:{rid}" for rid in resolutions.values()})
    resolved_at: dict[int, int] = {}
    moves: dict[int, int] = {}  # record id -> its latest vote event's id at this stage
    for part in _restricted(
        sa.select(events_t.c.id, events_t.c.kind, events_t.c.payload)
        .where(events_t.c.kind.in_(("vote", "vote.undo", "conflict.resolve"))),
        events_t.c.subject, subjects,
    ):
        for ev in conn.execute(part):
            payload = ev.payload or {}
            if payload.get("stage") != stage:
                continue
            if ev.kind == "conflict.resolve":
                resolved_at[int(payload.get("resolution_id", 0))] = int(ev.id)
            else:
                rid = int(payload.get("record_id", 0))
                moves[rid] = max(moves.get(rid, 0), int(ev.id))
    return {
        res_id for res_id, rid in resolutions.items()
        if res_id in resolved_at and moves.get(rid, 0) > resolved_at[res_id]
    }


def resolved_stages(conn: sa.Connection, record_id: int) -> list[str]:
    """The stages at which ``record_id`` has a current resolution."""
    found = set(conn.execute(
        sa.select(res_t.c.stage).where(res_t.c.record_id == int(record_id), res_t.c.current == sa.true())
    ).scalars())
    return [s for s in STAGES if s in found]


@old_spelling("resolver", position=1)
def reopen_resolution(
    engine: sa.Engine,
    record_id: int,
    stage: str,
    note: str,
    *,
    by: str,
    mode: str = "lead",
) -> str:
    """Take back the current resolution of a record at ``stage`` (who may resolve it may
    reopen it; a note saying why is required). The resolution row is ended (kept, with the
    note in the ``conflict.reopen`` event); the record's outcome is again its votes': back
    among the open conflicts when they disagree. Returns that outcome ("conflict", "final"
    or "pending")."""
    check_stage(stage)
    note = (note or "").strip()
    if not note:
        raise ScreeningError("reopening a resolution needs a note saying why (--note TEXT)")
    record_id = int(record_id)

    def work(conn: sa.Connection) -> str:
        require_active(conn, by)
        if not may_resolve(conn, by, stage, record_id, mode):
            if mode == "pair":
                raise NotAllowedError(
                    f"{by!r} may not reopen record {record_id}'s resolution: only the lead or a reviewer who voted on it"
                )
            raise NotAllowedError(f"{by!r} may not reopen resolutions: only a lead may")
        existing = conn.execute(
            sa.select(res_t).where(
                res_t.c.stage == stage, res_t.c.record_id == record_id, res_t.c.current == sa.true()
            )
        ).first()
        if existing is None:
            raise ScreeningError(f"record {record_id} has no resolution at {stage} to reopen")
        ended = conn.execute(
            sa.update(res_t)
            .where(res_t.c.id == existing.id, res_t.c.current == sa.true())
            .values(current=False, ended_at=now_iso())
        )
        if ended.rowcount != 1:
            raise Retry()
        state, _ = outcome(stage, record_id, current_votes(conn, stage, [record_id]).get(record_id, []))
        log_event(
            conn, "conflict.reopen", f"record:{record_id}",
            {"resolution_id": int(existing.id), "record_id": record_id, "stage": stage,
             "decision": existing.decision, "reason": existing.reason or "", "note": note,
             "outcome": state, "mode": mode},
            actor=by,
        )
        return state

    return write_retrying(engine, work)
