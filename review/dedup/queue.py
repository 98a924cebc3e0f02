"""The review queue of uncertain pairs and the manual decisions on pairs (table ``dedup_review``).

Pair ids: a pair of records is named by its two record ids (``records.id``), smaller first,
joined by a hyphen: ``"12-57"``. ``parse_pair`` also accepts ``57-12``, ``12:57``, ``12,57``
and ``12/57``. Record ids are the ones ``review dedup pending`` lists.

Statuses: ``pending`` (a person should look), ``confirmed`` (same paper: merge),
``rejected`` (different papers: never merge, not even through other records),
``superseded`` (a later run no longer asks about this pair).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from review.errors import ReviewError
from review.store.api import now_iso
from review.store.live import withdrawn_record_ids
from review.store.schema import dedup_membership, dedup_review

PENDING = "pending"
CONFIRMED = "confirmed"
REJECTED = "rejected"
SUPERSEDED = "superseded"
STATUSES = (PENDING, CONFIRMED, REJECTED, SUPERSEDED)


class PairError(ReviewError, ValueError):
    """A pair id that cannot be read, or that names no stored record."""


_PAIR = re.compile(r"^\s*#?(\d+)\s*[-:,/]\s*#?(\d+)\s*$")


def pair_id(a: int, b: int) -> str:
    lo, hi = sorted((int(a), int(b)))
    return f"{lo}-{hi}"


def parse_pair(text: str) -> tuple[int, int]:
    """(smaller id, larger id) from "12-57" (or "57-12", "12:57", "12,57", "12/57").

    >>> parse_pair("57-12")
    (12, 57)
    """
    match = _PAIR.match(str(text))
    if not match:
        raise PairError(
            f"{text!r} is not a pair id: write the two record ids joined by a hyphen, "
            "e.g. 12-57 (see 'review dedup pending')"
        )
    a, b = int(match.group(1)), int(match.group(2))
    if a == b:
        raise PairError(f"{text!r}: a pair needs two different records")
    return (a, b) if a < b else (b, a)


@dataclass(frozen=True)
class ReviewPair:
    id: str  # "12-57"
    record_a: int
    record_b: int
    confidence: float
    reason: str
    status: str
    decided_by: str
    decided_at: str
    note: str

    @classmethod
    def from_row(cls, row: Any) -> "ReviewPair":
        return cls(
            id=pair_id(row.record_a, row.record_b),
            record_a=int(row.record_a),
            record_b=int(row.record_b),
            confidence=float(row.confidence),
            reason=row.reason,
            status=row.status,
            decided_by=row.decided_by,
            decided_at=row.decided_at,
            note=row.note,
        )


def get_pair(conn: sa.Connection, a: int, b: int) -> ReviewPair | None:
    a, b = sorted((a, b))
    row = conn.execute(
        sa.select(dedup_review).where(dedup_review.c.record_a == a, dedup_review.c.record_b == b)
    ).first()
    return ReviewPair.from_row(row) if row else None


def list_pairs(conn: sa.Connection, status: str | None = None) -> list[ReviewPair]:
    query = sa.select(dedup_review).order_by(dedup_review.c.confidence.desc(), dedup_review.c.id)
    if status is not None:
        query = query.where(dedup_review.c.status == status)
    return [ReviewPair.from_row(r) for r in conn.execute(query)]


def _kept_of(conn: sa.Connection, ids: Iterable[int]) -> dict[int, int]:
    ids = list(ids)
    out = {i: i for i in ids}
    if ids:
        rows = conn.execute(
            sa.select(dedup_membership.c.record_id, dedup_membership.c.kept_id).where(
                dedup_membership.c.record_id.in_(ids)
            )
        )
        out.update({int(r): int(k) for r, k in rows})
    return out


def pending_pairs(conn: sa.Connection) -> list[ReviewPair]:
    """Pairs waiting for a person, most likely duplicates first.

    A pair whose two records are already in one cluster is left out (nothing to decide), and
    so is a pair naming a record of a withdrawn import.
    """
    pairs = list_pairs(conn, PENDING)
    named = {i for p in pairs for i in (p.record_a, p.record_b)}
    kept = _kept_of(conn, named)
    gone = withdrawn_record_ids(conn, sorted(named))
    return [p for p in pairs if kept[p.record_a] != kept[p.record_b]
            and p.record_a not in gone and p.record_b not in gone]


def manual_decisions(
    conn: sa.Connection, scope: set[int] | None = None
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(confirmed pairs, rejected pairs) of record ids, both records within ``scope`` if given."""
    rows = conn.execute(
        sa.select(dedup_review.c.record_a, dedup_review.c.record_b, dedup_review.c.status).where(
            dedup_review.c.status.in_((CONFIRMED, REJECTED))
        )
    )
    confirmed: list[tuple[int, int]] = []
    rejected: list[tuple[int, int]] = []
    for a, b, status in rows:
        if scope is not None and (a not in scope or b not in scope):
            continue
        (confirmed if status == CONFIRMED else rejected).append((int(a), int(b)))
    return confirmed, rejected


def set_decision(
    conn: sa.Connection,
    a: int,
    b: int,
    status: str,
    *,
    by: str = "",
    note: str = "",
    event_id: int | None = None,
    reason: str = "",
) -> ReviewPair:
    """Record a person's decision on a pair (inserting the pair if it was never queued)."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    a, b = sorted((int(a), int(b)))
    stamp = now_iso()
    values = {
        "status": status,
        "decided_by": by,
        "decided_at": stamp if status in (CONFIRMED, REJECTED) else "",
        "note": note,
        "event_id": event_id,
        "updated_at": stamp,
    }
    existing = get_pair(conn, a, b)
    if existing is None:
        conn.execute(
            sa.insert(dedup_review).values(
                record_a=a, record_b=b, confidence=0.0, reason=reason or "added by a person",
                created_at=stamp, **values,
            )
        )
    else:
        conn.execute(
            sa.update(dedup_review)
            .where(dedup_review.c.record_a == a, dedup_review.c.record_b == b)
            .values(**values)
        )
    pair = get_pair(conn, a, b)
    assert pair is not None
    return pair


def refresh_pending(
    conn: sa.Connection,
    found: Iterable[tuple[int, int, float, str]],
    scope: set[int] | None = None,
) -> dict[str, int]:
    """Store the uncertain pairs a run found: new ones pending, known pending ones updated.

    Pending pairs (within ``scope``) the run no longer reports become ``superseded``; pairs
    a person decided on are never touched. Returns counts: added, updated, superseded.
    """
    stamp = now_iso()
    found = {(min(a, b), max(a, b)): (conf, reason) for a, b, conf, reason in found}
    rows = conn.execute(
        sa.select(
            dedup_review.c.id, dedup_review.c.record_a, dedup_review.c.record_b, dedup_review.c.status
        )
    ).all()
    known = {(int(r.record_a), int(r.record_b)): (int(r.id), r.status) for r in rows}
    inserts = []
    updates = []
    superseded = []
    for pair, (conf, reason) in found.items():
        if pair not in known:
            inserts.append(
                {"record_a": pair[0], "record_b": pair[1], "confidence": conf, "reason": reason,
                 "status": PENDING, "created_at": stamp, "updated_at": stamp}
            )
        elif known[pair][1] in (PENDING, SUPERSEDED):
            updates.append({"row_id": known[pair][0], "confidence": conf, "reason": reason,
                            "status": PENDING, "updated_at": stamp})
    for pair, (row_id, status) in known.items():
        if status != PENDING or pair in found:
            continue
        if scope is not None and (pair[0] not in scope or pair[1] not in scope):
            continue
        superseded.append({"row_id": row_id, "status": SUPERSEDED, "updated_at": stamp})
    if inserts:
        conn.execute(sa.insert(dedup_review), inserts)
    by_row_id = sa.update(dedup_review).where(dedup_review.c.id == sa.bindparam("row_id"))
    if updates:
        conn.execute(by_row_id, updates)  # the other keys become the SET clause
    if superseded:
        conn.execute(by_row_id, superseded)
    return {"added": len(inserts), "updated": len(updates), "superseded": len(superseded)}
