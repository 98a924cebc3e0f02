"""Which stored records count: those of imports not withdrawn (the one rule every reader uses).

A withdrawn import (``review import withdraw N``) keeps its rows (nothing is deleted), but its
records leave every count (PRISMA, status, per-database counts), deduplication and the
screening queues. Every reader that feeds those selects its records through this module, so
the rule is stated once:

- ``withdrawn_imports()``: SELECT of the withdrawn import ids;
- ``live_clause()``: WHERE clause on ``records`` rows of imports not withdrawn;
- ``is_withdrawn(record_id_col)``: correlated test on a record id column of another table
  (votes, dedup membership, the queue order), for queries that do not join ``records``;
- ``live_records()``: the ``records`` rows that count, as a SELECT.
"""

from __future__ import annotations

import sqlalchemy as sa

from review.store.schema import import_withdrawals, records


def withdrawn_imports() -> sa.Select:
    """SELECT of the ids of withdrawn imports."""
    return sa.select(import_withdrawals.c.import_id)


def live_clause(table: sa.Table | sa.Alias = records) -> sa.ColumnElement[bool]:
    """WHERE clause: the ``records`` row (of ``table``, an alias of it) is of an import not
    withdrawn."""
    return table.c.import_id.not_in(withdrawn_imports())


def withdrawn_records() -> sa.Select:
    """SELECT of the ids of the records of withdrawn imports."""
    inner = records.alias("withdrawn_rec")
    return sa.select(inner.c.id).where(inner.c.import_id.in_(withdrawn_imports()))


def is_withdrawn(record_id_col: sa.ColumnElement) -> sa.ColumnElement[bool]:
    """True where the record with id ``record_id_col`` belongs to a withdrawn import.

    An uncorrelated IN: the database computes the (usually empty, always small) set once per
    query and probes it per row, so a queue walk or a count over every record pays almost
    nothing for it (a correlated EXISTS per row tripled the screening card's time)."""
    return record_id_col.in_(withdrawn_records())


def live_records() -> sa.Select:
    """SELECT of every column of the records that count (imports not withdrawn)."""
    return sa.select(records).where(live_clause())


def withdrawn_record_ids(conn: sa.Connection, record_ids: list[int] | None = None) -> set[int]:
    """Ids of records (of ``record_ids`` if given) that belong to withdrawn imports."""
    query = sa.select(records.c.id).where(records.c.import_id.in_(withdrawn_imports()))
    if record_ids is not None:
        if not record_ids:
            return set()
        query = query.where(records.c.id.in_(sorted(set(record_ids))))
    return {int(i) for i in conn.execute(query).scalars()}


def withdrawal_of(conn: sa.Connection, import_id: int) -> dict | None:
    """The withdrawal row of ``import_id`` (None while it counts)."""
    row = conn.execute(
        sa.select(import_withdrawals).where(import_withdrawals.c.import_id == int(import_id))
    ).mappings().first()
    return dict(row) if row else None


def withdrawals(conn: sa.Connection) -> dict[int, dict]:
    """Every withdrawal row, by import id."""
    rows = conn.execute(sa.select(import_withdrawals).order_by(import_withdrawals.c.id)).mappings()
    return {int(r["import_id"]): dict(r) for r in rows}
