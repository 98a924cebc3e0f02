"""A pre-registered stopping rule (``screening.stop`` in review.yaml), and ending the
title/abstract stage by it.

- Registration: the rule in force when the first title/abstract vote is seen is stored as an
  event (``screening.stop_rule``; "no rule" is registered too). Afterwards a different
  ``screening.stop`` is refused with ``StopRuleChangedError``: a rule chosen after seeing the
  data is not a pre-registered one. The app checks on every page it draws (so right after the
  first vote in it), the CLI whenever it reads or writes votes.
- Stopping: when every active reviewer who has voted at title/abstract has a buscar estimate
  that says stop (``stopping.estimates``), a lead may end the stage: every database/register
  record nobody voted on is excluded by the rule (a row each in
  ``screening_stop_exclusions`` and one ``screening.stop`` event holding the rule, its
  parameters, each reviewer's p-value and counts). Records with one vote still need their
  second; records found by other methods (citation searching, ...) are never excluded by it.
  PRISMA counts the excluded records as "records marked as ineligible by automation tools"
  and the methods draft states the rule, when it was met and how many were not screened.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from review.acting import old_spelling
from review.screening.model import NotAllowedError, ScreeningError
from review.screening.settings import StopRule
from review.screening.stageset import stopped_ids  # noqa: F401 - part of this module's API
from review.store.schema import events
from review.store.schema import screening_stop_exclusions as stop_t
from review.store.schema import screening_votes as votes_t

STAGE = "title_abstract"
EVENT_RULE = "screening.stop_rule"
EVENT_STOP = "screening.stop"


class StopRuleChangedError(ScreeningError):
    """review.yaml's screening.stop differs from the rule registered at the first vote."""


class CannotStopError(ScreeningError):
    """The stage cannot be ended by the rule (no rule, already ended, an estimate says go on)."""


@dataclass(frozen=True)
class StopRecord:
    """The stage ended by the rule: what the methods draft and PRISMA report."""

    at: str
    by: str
    rule: str
    recall: float
    confidence: float
    excluded: int  # records nobody had voted on, excluded by the rule
    one_vote: int  # records with a single vote at the time, still to be screened by a second
    total: int
    estimates: list[dict]


def _rule_dict(rule: StopRule | None) -> dict | None:
    return None if rule is None else rule.to_dict()


def _describe(rule: dict | None) -> str:
    if not rule:
        return "no stopping rule"
    return f"{{rule: {rule['rule']}, recall: {rule['recall']}, confidence: {rule['confidence']}}}"


def registered_rule(conn: sa.Connection) -> tuple[bool, dict | None, str]:
    """(whether a rule was registered, the rule or None for "no rule", when)."""
    row = conn.execute(
        sa.select(events.c.payload, events.c.at).where(events.c.kind == EVENT_RULE).order_by(events.c.id).limit(1)
    ).first()
    if row is None:
        return False, None, ""
    payload = row.payload or {}
    return True, payload.get("rule"), str(payload.get("first_vote_at") or row.at)


def check_stop_registration(engine: sa.Engine, rule: StopRule | None) -> None:
    """Register ``rule`` once title/abstract votes exist; refuse a rule that differs from the
    registered one (``StopRuleChangedError``, worded for review.yaml's line)."""
    from review.store.api import log_event

    with engine.connect() as conn:
        done, registered, when = registered_rule(conn)
        if done:
            if registered != _rule_dict(rule):
                raise StopRuleChangedError(
                    f"review.yaml: screening.stop is {_describe(_rule_dict(rule))}, but {_describe(registered)} "
                    f"was registered when title/abstract screening began ({when}); a stopping rule is "
                    f"pre-registered and cannot change once votes exist: put back {_describe(registered)}"
                )
            return
    with engine.begin() as conn:
        if registered_rule(conn)[0]:
            return
        first = conn.execute(
            sa.select(votes_t.c.at).where(votes_t.c.stage == STAGE).order_by(votes_t.c.id).limit(1)
        ).scalar()
        if first is None:
            return  # no vote yet: the rule may still change
        log_event(conn, EVENT_RULE, "stage:title_abstract", {"rule": _rule_dict(rule), "first_vote_at": first})


def stop_record(conn: sa.Connection) -> StopRecord | None:
    """The stop, when the title/abstract stage was ended by the rule."""
    row = conn.execute(
        sa.select(events.c.payload, events.c.at, events.c.actor).where(events.c.kind == EVENT_STOP)
        .order_by(events.c.id).limit(1)
    ).first()
    if row is None:
        return None
    p = row.payload or {}
    return StopRecord(
        at=str(row.at), by=str(row.actor), rule=str(p.get("rule")), recall=float(p.get("recall")),
        confidence=float(p.get("confidence")), excluded=int(p.get("excluded", 0)),
        one_vote=int(p.get("one_vote", 0)), total=int(p.get("total", 0)), estimates=list(p.get("estimates") or []),
    )


def _voters(conn: sa.Connection) -> set[str]:
    return {
        str(n) for n in conn.execute(
            sa.select(votes_t.c.reviewer).where(votes_t.c.stage == STAGE, votes_t.c.current == sa.true()).distinct()
        ).scalars()
    }


def stop_check(conn: sa.Connection, rule: StopRule | None) -> tuple[bool, str, list]:
    """(may the stage end now, why not in words ("" when it may), the estimates it rests on):
    every active reviewer who has voted at title/abstract must have an estimate that says stop."""
    from review.screening.stopping import estimates

    if rule is None:
        return False, (
            "no stopping rule is set: screening.stop in review.yaml, chosen before screening starts"
        ), []
    if stop_record(conn) is not None:
        return False, "the title/abstract stage was already ended by the stopping rule", []
    voters = _voters(conn)
    found = [e for e in estimates(conn, STAGE, rule.recall, rule.confidence) if e.reviewer in voters]
    if not found:
        return False, "no reviewer has voted at title/abstract yet", []
    waiting = [e for e in found if not e.can_stop]
    if waiting:
        return False, "; ".join(f"{e.reviewer}: {e.why_not}" for e in waiting), found
    return True, "", found


@old_spelling("lead", position=1)
def stop_stage(engine: sa.Engine, rule: StopRule | None, *, by: str) -> StopRecord:
    """End title/abstract screening by the registered rule (see the module); a lead only: ``by``."""
    from review.reporting.prisma import gather_inputs
    from review.screening.reviewers import get_reviewer
    from review.store.api import log_event, now_iso

    check_stop_registration(engine, rule)
    with engine.begin() as conn:
        who = get_reviewer(conn, by)
        if who is None or not who.active:
            raise NotAllowedError(f"{by!r} is not an active reviewer")
        if who.role != "lead":
            raise NotAllowedError(f"only a lead may end title/abstract screening; {by} is a {who.role}")
        ok, why, found = stop_check(conn, rule)
        if not ok:
            raise CannotStopError(f"title/abstract screening cannot be ended by the stopping rule: {why}")
        voted = {
            int(r): int(n) for r, n in conn.execute(
                sa.select(votes_t.c.record_id, sa.func.count())
                .where(votes_t.c.stage == STAGE, votes_t.c.current == sa.true())
                .group_by(votes_t.c.record_id)
            )
        }
        searched = gather_inputs(conn).left_ids  # databases and registers, deduplicated
        unvoted = [rid for rid in searched if rid not in voted]
        one_vote = sum(1 for rid in searched if voted.get(rid) == 1)
        total = found[0].total
        stamp = now_iso()
        payload = {
            **rule.to_dict(),
            "excluded": len(unvoted), "one_vote": one_vote, "total": total,
            "estimates": [e.to_dict() for e in found],
        }
        event_id = log_event(conn, EVENT_STOP, "stage:title_abstract", payload, actor=by)
        rows = [{"stage": STAGE, "record_id": rid, "event_id": event_id, "at": stamp} for rid in unvoted]
        for start in range(0, len(rows), 5000):
            conn.execute(sa.insert(stop_t), rows[start:start + 5000])
    with engine.connect() as conn:
        out = stop_record(conn)
    assert out is not None
    return out
