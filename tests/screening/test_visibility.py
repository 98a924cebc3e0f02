"""No side channel: every number a reviewer can see while screening is blind stays put when
they vote, undo and vote the other way; the lead sees the outcome figures, and everyone
once the stage is finished."""

from __future__ import annotations

import dataclasses

from screening_helpers import CRITERIA

from review.screening import (
    agreement,
    cast_vote,
    reviewer_progress,
    sees_outcomes,
    stage_finished,
    undo_vote,
)

TA = "title_abstract"


def _seen(engine, who: str, stage: str = TA) -> dict:
    """Everything the Screen and Agreement pages show ``who`` (figures only)."""
    with engine.connect() as conn:
        view = dataclasses.asdict(reviewer_progress(conn, who, stage))
        view["agreement"] = (
            [dataclasses.asdict(a) for a in agreement(conn, stage)] if sees_outcomes(conn, who, stage) else None
        )
    return view


def test_vote_undo_revote_moves_nothing_that_depends_on_a_partner(screening_store):
    engine, ids, _ = screening_store
    target = ids[0]
    cast_vote(engine, "bob", target, TA, "include", criteria=CRITERIA)  # the partner's vote
    cast_vote(engine, "bob", ids[1], TA, "exclude", criteria=CRITERIA)
    cast_vote(engine, "alice", ids[1], TA, "exclude", criteria=CRITERIA)  # an agreement elsewhere
    before = _seen(engine, "alice")
    cast_vote(engine, "alice", target, TA, "exclude", criteria=CRITERIA)
    disagree = _seen(engine, "alice")
    undo_vote(engine, "alice", TA, target)
    undone = _seen(engine, "alice")
    cast_vote(engine, "alice", target, TA, "include", criteria=CRITERIA)
    agree = _seen(engine, "alice")
    assert undone == before
    assert disagree == agree  # whatever alice chose, she sees the same numbers
    assert disagree["mine"] == before["mine"] + 1
    assert disagree["open_conflicts"] is None and disagree["decided"] is None and disagree["agreement"] is None
    # the lead sees the outcome: one agreement on each of ids[0] and ids[1]
    lead = _seen(engine, "carol")
    assert (lead["open_conflicts"], lead["decided"]) == (0, 2)
    assert lead["agreement"]


def test_outcomes_shown_to_everyone_once_the_stage_is_finished(screening_store):
    engine, ids, _ = screening_store
    with engine.connect() as conn:
        assert not stage_finished(conn, TA)
    for rid in ids:
        cast_vote(engine, "alice", rid, TA, "include", criteria=CRITERIA)
        cast_vote(engine, "bob", rid, TA, "include" if rid != ids[0] else "exclude", criteria=CRITERIA)
    with engine.connect() as conn:
        assert stage_finished(conn, TA)
    seen = _seen(engine, "alice")
    assert (seen["open_conflicts"], seen["decided"]) == (1, len(ids) - 1)
    assert seen["agreement"]


def test_full_text_size_is_hidden_until_title_abstract_is_finished(screening_store):
    engine, ids, _ = screening_store
    for who in ("alice", "bob"):
        cast_vote(engine, who, ids[0], TA, "include", criteria=CRITERIA)
    assert _seen(engine, "alice", "full_text")["total"] is None
    assert _seen(engine, "carol", "full_text")["total"] == 1
