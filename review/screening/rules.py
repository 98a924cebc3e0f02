"""The dual-review rules as pure functions over plain votes (no store, no Streamlit).

A record needs two votes. When every current vote is "include" the record is included;
when every vote is "exclude" it is excluded (at full text only if all name the same
reason); anything else (a disagreement, any "maybe", different full-text reasons) is a
conflict until a resolution decides it. A resolution always wins over the votes, which
stay as they were.
"""

from __future__ import annotations

from collections.abc import Sequence

from review.screening.model import FinalDecision, Vote

VOTES_NEEDED = 2

PENDING = "pending"
CONFLICT = "conflict"
FINAL = "final"


def outcome(
    stage: str,
    record_id: int,
    votes: Sequence[Vote],
    resolution: FinalDecision | None = None,
) -> tuple[str, FinalDecision | None]:
    """(``"final"``, decision) | (``"conflict"``, None) | (``"pending"``, None)."""
    if resolution is not None:
        return FINAL, resolution
    if len(votes) < VOTES_NEEDED:
        return PENDING, None
    decisions = {v.decision for v in votes}
    if decisions == {"include"}:
        return FINAL, FinalDecision(record_id, stage, "include", "", "agreement")
    if decisions == {"exclude"}:
        reasons = {v.reason for v in votes}
        if len(reasons) == 1:
            return FINAL, FinalDecision(record_id, stage, "exclude", reasons.pop(), "agreement")
        if stage == "full_text":
            return CONFLICT, None
        return FINAL, FinalDecision(record_id, stage, "exclude", "", "agreement")
    return CONFLICT, None
