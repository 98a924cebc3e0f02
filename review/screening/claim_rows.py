"""A claim row: the lease on the record a reviewer has on screen (``screening_claims``),
written by the claims (``review.screening.claims``) and by the vote path (an undone vote's
record becomes the reviewer's card again, ``review.screening.votes``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from review.store.schema import screening_claims as claims_t

CLAIM_MINUTES = 15.0  # an idle card's claim lapses after this; the reviewer keeps it while nobody fills it


def stamp(moment: datetime) -> str:
    """UTC, microseconds, one fixed format: these strings sort as the moments do."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def claim_in(
    conn: sa.Connection, reviewer: str, stage: str, record_id: int | None, *, now: datetime | None = None
) -> None:
    """Make ``record_id`` (None: nothing) ``reviewer``'s card at ``stage`` (caller's transaction)."""
    moment = now or _now()
    values = {
        "record_id": None if record_id is None else int(record_id),
        "claimed_at": stamp(moment),
        "expires_at": stamp(moment + timedelta(minutes=CLAIM_MINUTES)),
    }
    done = conn.execute(
        sa.update(claims_t).where(claims_t.c.stage == stage, claims_t.c.reviewer == reviewer).values(**values)
    )
    if done.rowcount == 0:
        conn.execute(sa.insert(claims_t).values(stage=stage, reviewer=reviewer, **values))
