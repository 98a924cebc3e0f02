"""Versioned schema: an ordered list of named migrations, each applied once.

A migration is a function ``(connection) -> None`` that creates or alters tables. Applied
names are kept in ``schema_migrations``; ``migrate`` applies the missing ones in order,
each in its own transaction, so a store opened by an older version of the code is brought
up to date and a newer store is never touched by older code (``SchemaTooNewError``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import sqlalchemy as sa

from review.errors import ReviewError
from review.store import schema

Migration = Callable[[sa.Connection], None]


class SchemaTooNewError(ReviewError, RuntimeError):
    """The store was written by a newer version of this software."""


def _create(*tables: sa.Table) -> Migration:
    def run(conn: sa.Connection) -> None:
        for table in tables:
            table.create(conn, checkfirst=True)
            for index in table.indexes:
                index.create(conn, checkfirst=True)

    return run


def _heading_terms(conn: sa.Connection) -> None:
    """Mend stored records from their raw fields: a subject heading is one term even with a
    comma in it ("Depressive Disorder, Treatment-Resistant" was stored as two), and a DOI is
    stored decoded ("...%2898%29..." -> "...(98)..."). Logged as one ``migration`` event."""
    from collections import Counter

    from review.formats.rederive import rederive

    records, imports = schema.records, schema.imports
    rows = conn.execute(
        sa.select(records.c.id, records.c.data, imports.c.format)
        .join(imports, imports.c.id == records.c.import_id)
        .order_by(records.c.id)
    )
    updates: list[dict] = []
    fields: Counter[str] = Counter()
    examined = 0
    for rid, data, fmt in rows:
        examined += 1
        data = dict(data or {})
        changed = rederive(fmt or "", data)
        if not changed:
            continue
        fields.update(list(changed))
        data.update(changed)
        values = {"rid": rid, "data": data, "doi": (data.get("doi") or "")[:300]}
        updates.append(values)
    for values in updates:
        conn.execute(
            sa.update(records).where(records.c.id == values["rid"])
            .values(data=values["data"], doi=values["doi"])
        )
    if not examined:
        return  # a new store: nothing to mend, nothing to log
    conn.execute(
        sa.insert(schema.events).values(
            at=datetime.now(timezone.utc).isoformat(),
            actor="",
            kind="migration",
            subject="0010_heading_terms",
            payload={
                "records_mended": len(updates),
                "fields": dict(sorted(fields.items())),
                "why": "subject headings and keywords re-derived from the raw fields (one KW/MH/DE "
                "line is one term; commas are part of a heading); URL-encoded DOIs decoded",
            },
        )
    )


# Append only; never edit or reorder an applied migration.
def _rank_worker(conn: sa.Connection) -> None:
    """Ranking workers' heartbeats and claims; the ranking's current slot."""
    _create(schema.screening_rank_workers, schema.screening_rank_claims)(conn)
    columns = {c["name"] for c in sa.inspect(conn).get_columns("screening_rank_state")}
    if "slot" not in columns:
        conn.execute(sa.text("ALTER TABLE screening_rank_state ADD COLUMN slot INTEGER NOT NULL DEFAULT 0"))


MIGRATIONS: list[tuple[str, Migration]] = [
    ("0001_core", _create(schema.imports, schema.records, schema.events)),
    ("0002_dedup", _create(schema.dedup_membership)),
    ("0003_dedup_review", _create(schema.dedup_review)),
    (
        "0004_screening",
        _create(
            schema.screening_reviewers,
            schema.screening_votes,
            schema.screening_resolutions,
            schema.screening_fulltexts,
            schema.screening_order,
        ),
    ),
    ("0005_extraction", _create(schema.extraction_values, schema.extraction_consensus)),
    ("0006_sessions", _create(schema.screening_sessions)),
    ("0007_study_links", _create(schema.study_links)),
    ("0008_screening_rank", _create(schema.screening_rank, schema.screening_rank_state)),
    ("0009_screening_pilot", _create(schema.screening_pilot)),
    ("0010_heading_terms", _heading_terms),
    ("0011_import_withdrawals", _create(schema.import_withdrawals)),
    ("0012_record_labels", _create(schema.record_labels)),
    ("0013_screening_claims", _create(schema.screening_claims)),
    ("0014_chase_links", _create(schema.chase_links)),
    ("0015_screening_stop", _create(schema.screening_stop_exclusions)),
    ("0016_strategy_versions", _create(schema.strategy_versions)),
    ("0017_strategyperm_editors", _create(schema.strategy_editors)),
    ("0018_rank_worker", _rank_worker),
]


def applied(conn: sa.Connection) -> list[str]:
    schema.schema_migrations.create(conn, checkfirst=True)
    rows = conn.execute(sa.select(schema.schema_migrations.c.name)).scalars()
    return list(rows)


def migrate(engine: sa.Engine) -> list[str]:
    """Apply every missing migration; return the names applied now."""
    with engine.begin() as conn:
        done = set(applied(conn))
    known = {name for name, _ in MIGRATIONS}
    unknown = sorted(done - known)
    if unknown:
        raise SchemaTooNewError(
            f"{engine.url.render_as_string(hide_password=True)}: this store has schema migrations "
            f"this version does not know ({', '.join(unknown)}): it was written by a newer version "
            "of the review package; upgrade the review package before opening it"
        )
    now_applied: list[str] = []
    for name, run in MIGRATIONS:
        if name in done:
            continue
        with engine.begin() as conn:
            # Another process may have applied it between our read and now.
            if name in set(applied(conn)):
                continue
            run(conn)
            conn.execute(
                sa.insert(schema.schema_migrations).values(
                    name=name, applied_at=datetime.now(timezone.utc).isoformat()
                )
            )
        now_applied.append(name)
    return now_applied
