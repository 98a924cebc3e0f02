"""Read the current deduplication state from the store (no matching logic here)."""

from __future__ import annotations

import sqlalchemy as sa

from review.dedup.merge import merge_records
from review.records import Record
from review.store.live import live_clause
from review.store.schema import dedup_membership, records

def _removed_ids():
    return sa.select(dedup_membership.c.record_id).where(
        dedup_membership.c.kept_id != dedup_membership.c.record_id
    )


def unique_record_ids(conn: sa.Connection) -> list[int]:
    """Ids of the records left after deduplication (every record if dedup never ran);
    records of withdrawn imports are not among them."""
    query = (
        sa.select(records.c.id)
        .where(records.c.id.not_in(_removed_ids()), live_clause())
        .order_by(records.c.id)
    )
    return [int(i) for i in conn.execute(query).scalars()]


def duplicates_removed(conn: sa.Connection) -> int:
    query = sa.select(sa.func.count()).select_from(_removed_ids().subquery())
    return int(conn.execute(query).scalar_one())


def cluster_of(conn: sa.Connection, record_id: int) -> list[int]:
    """All record ids in ``record_id``'s cluster, the kept record first."""
    kept = conn.execute(
        sa.select(dedup_membership.c.kept_id).where(dedup_membership.c.record_id == record_id)
    ).scalar()
    kept = int(kept) if kept is not None else record_id
    members = conn.execute(
        sa.select(dedup_membership.c.record_id)
        .where(dedup_membership.c.kept_id == kept)
        .order_by(dedup_membership.c.record_id)
    ).scalars()
    others = [int(m) for m in members if int(m) != kept]
    return [kept, *others]


def merged_record(conn: sa.Connection, record_id: int) -> Record:
    """The merged view of ``record_id``'s cluster (just the record when it stands alone)."""
    ids = cluster_of(conn, record_id)
    rows = dict(
        conn.execute(sa.select(records.c.id, records.c.data).where(records.c.id.in_(ids))).all()
    )
    if ids[0] not in rows:
        raise KeyError(f"no record with id {ids[0]}")
    members = [Record.from_dict(rows[i]) for i in ids if i in rows]
    return merge_records(members[0], members[1:])
