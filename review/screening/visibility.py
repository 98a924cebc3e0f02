"""What a reviewer may see of a stage while screening is blind: no number that moves with
a partner's decision.

A reviewer sees their own progress and how many votes each partner has cast (counts do
not depend on what anyone decided). "Open conflicts", "Decided", per-pair agreement and the
number of records that reached full text do depend on the partners' decisions: a reviewer
who votes, watches one of them, undoes and votes the other way would learn the partner's
vote on that record. They are the lead's until the stage is finished -- every record of the
stage has its two votes or a resolution -- and everyone's after.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from review.screening.model import Progress, check_stage
from review.screening.queue import progress
from review.screening.reviewers import get_reviewer
from review.screening.rules import VOTES_NEEDED
from review.screening.stageset import stage_set
from review.store.schema import screening_resolutions as res_t
from review.store.schema import screening_votes as votes_t


@dataclasses.dataclass(frozen=True)
class ReviewerProgress:
    """Every number the Screen page shows a reviewer. ``None``: not theirs to see yet."""

    stage: str
    mine: int  # records I have voted on
    partner_counts: dict[str, int]  # other reviewers' vote counts, never their votes
    total: int | None  # records in the stage (full text: hidden until title/abstract is finished)
    open_conflicts: int | None
    decided: int | None
    outcomes_shown: bool  # whether the outcome figures are shown (lead, or stage finished)


def stage_finished(conn: sa.Connection, stage: str) -> bool:
    """Whether every record of ``stage`` has at least two current votes or a resolution
    (and the stage has records)."""
    check_stage(stage)
    if not _may_be_finished(conn, stage):
        return False
    members = stage_set(stage).subquery()
    rid = members.c[0]
    votes = (
        sa.select(sa.func.count())
        .select_from(votes_t)
        .where(votes_t.c.stage == stage, votes_t.c.record_id == rid, votes_t.c.current == sa.true())
        .scalar_subquery()
    )
    resolved = sa.exists().where(res_t.c.stage == stage, res_t.c.record_id == rid, res_t.c.current == sa.true())
    total, pending = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((sa.and_(votes < VOTES_NEEDED, ~resolved), 1), else_=0)), 0),
        ).select_from(members)
    ).one()
    return int(total) > 0 and int(pending) == 0


def _may_be_finished(conn: sa.Connection, stage: str) -> bool:
    """A cheap necessary condition (two counts over indexes): a finished stage has, summed
    over its records, at least two votes or one resolution each, so fewer current votes plus
    twice the resolutions than twice the stage's records means some record is pending. Saves
    the per-record count on every card of a stage in progress."""
    members = stage_set(stage).subquery()
    total = conn.execute(sa.select(sa.func.count()).select_from(members)).scalar_one()
    votes = conn.execute(
        sa.select(sa.func.count()).select_from(votes_t).where(votes_t.c.stage == stage, votes_t.c.current == sa.true())
    ).scalar_one()
    resolutions = conn.execute(
        sa.select(sa.func.count()).select_from(res_t).where(res_t.c.stage == stage, res_t.c.current == sa.true())
    ).scalar_one()
    return int(total) > 0 and int(votes) + VOTES_NEEDED * int(resolutions) >= VOTES_NEEDED * int(total)


def sees_outcomes(conn: sa.Connection, reviewer: str, stage: str) -> bool:
    """Whether ``reviewer`` may see the outcome figures of ``stage`` (conflicts, decided,
    agreement): the lead always, others once the stage is finished."""
    who = get_reviewer(conn, reviewer)
    if who is not None and who.role == "lead" and who.active:
        return True
    return stage_finished(conn, stage)


def reviewer_progress(conn: sa.Connection, reviewer: str, stage: str) -> ReviewerProgress:
    """The Screen page's figures for ``reviewer`` at ``stage``, blinded: the outcome figures
    only when ``sees_outcomes``; at full text the stage's size only once title/abstract is
    finished (or for the lead), since it grows with every agreed include."""
    full: Progress = progress(conn, reviewer, stage)
    shown = sees_outcomes(conn, reviewer, stage)
    total_shown = stage != "full_text" or shown or sees_outcomes(conn, reviewer, "title_abstract")
    return ReviewerProgress(
        stage=stage,
        mine=full.mine,
        partner_counts=dict(full.partner_counts),
        total=full.total if total_shown else None,
        open_conflicts=full.open_conflicts if shown else None,
        decided=full.decided if shown else None,
        outcomes_shown=shown,
    )
