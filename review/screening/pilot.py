"""A pilot screening round (``screening.pilot: N``), as the JBI Manual for scoping reviews
recommends: every reviewer screens the same small random sample of titles and abstracts
first, the team checks their agreement (JBI suggests 75% or more) and refines the criteria
before screening the rest.

The pilot set is ``queue.pilot_ids``: the first N title/abstract records of the seeded
random order (removed duplicates skipped), the same for every reviewer and frozen at the
first pilot vote; the queue offers it first (``queue.next_record_id(..., pilot=N)``). Here: how far each reviewer is (counts only)
and the agreement over the pilot records, the same kind of aggregate ``agreement`` gives.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from review.screening.agreement import Agreement, agreement
from review.screening.queue import PILOT_STAGE, pilot_ids
from review.screening.reviewers import list_reviewers
from review.store.schema import screening_votes as votes_t

JBI_AGREEMENT = 75.0  # percent agreement the JBI Manual suggests before screening the rest


@dataclass(frozen=True)
class PilotStatus:
    size: int  # screening.pilot as configured
    records: int  # records in the pilot set (fewer than ``size`` when the store holds fewer)
    voted: dict[str, int]  # reviewer -> pilot records they have voted on (counts only)
    complete: tuple[str, ...]  # reviewers who have voted on every pilot record

    @property
    def agreement_ready(self) -> bool:
        """Whether at least two reviewers have completed the pilot round."""
        return self.records > 0 and len(self.complete) >= 2


def pilot_status(conn: sa.Connection, size: int, seed: int = 0) -> PilotStatus:
    """The pilot round's size and, per active reviewer (and anyone who voted on a pilot
    record), how many pilot records they have voted on."""
    ids = pilot_ids(conn, size, seed)
    counts: dict[str, int] = {r.name: 0 for r in list_reviewers(conn) if r.active}
    if ids:
        rows = conn.execute(
            sa.select(votes_t.c.reviewer, sa.func.count())
            .where(
                votes_t.c.stage == PILOT_STAGE,
                votes_t.c.current == sa.true(),
                votes_t.c.record_id.in_(ids),
            )
            .group_by(votes_t.c.reviewer)
        ).all()
        counts.update({str(name): int(n) for name, n in rows})
    voted = dict(sorted(counts.items()))
    complete = tuple(name for name, n in voted.items() if ids and n >= len(ids))
    return PilotStatus(size=max(int(size), 0), records=len(ids), voted=voted, complete=complete)


def pilot_agreement(conn: sa.Connection, size: int, seed: int = 0) -> list[Agreement]:
    """One ``Agreement`` per reviewer pair over the pilot records both voted on (none when
    there is no pilot round)."""
    ids = pilot_ids(conn, size, seed)
    return agreement(conn, PILOT_STAGE, ids) if ids else []


def completed_pairs(status: PilotStatus, rows: list[Agreement]) -> list[Agreement]:
    """The pairs in ``rows`` whose two reviewers have both completed the pilot round."""
    done = set(status.complete)
    return [a for a in rows if a.pair[0] in done and a.pair[1] in done]


def reaches_jbi(a: Agreement) -> bool:
    """Whether a pair's percent agreement reaches the JBI suggestion (75%): information,
    not a gate."""
    return a.percent >= JBI_AGREEMENT
