"""Helpers for the screening tests: records in a store, test criteria."""

from __future__ import annotations

import sqlalchemy as sa

from review.records import Record
from review.screening import Criteria
from review.store import add_import, add_records

CRITERIA = Criteria(
    version=3,
    include=["medical students"],
    exclude=["high-school pupils"],
    exclusion_reasons=["Not medical students", "Not a mentoring programme", "Conference abstract only"],
)


def make_records(engine: sa.Engine, n: int, *, with_ids: bool = True) -> list[int]:
    """Store ``n`` records (PMIDs 9000001.., DOIs 10.1000/rN); return their ids."""
    items = [
        Record(
            title=f"Mentoring study {i}",
            abstract=f"Abstract {i}",
            year=2010 + i % 8,
            pmid=str(9000001 + i) if with_ids else "",
            doi=f"10.1000/r{i}" if with_ids else "",
        )
        for i in range(n)
    ]
    return store_records(engine, items)


def store_records(engine: sa.Engine, items: list[Record]) -> list[int]:
    """Store ``items`` as one MEDLINE import; return their ids in the order given."""
    with engine.begin() as conn:
        imp = add_import(conn, kind="file", database="MEDLINE")
        add_records(conn, imp, items)
        ids = conn.execute(
            sa.text("select id from records where import_id = :i order by position"), {"i": imp}
        ).scalars()
        return [int(i) for i in ids]


