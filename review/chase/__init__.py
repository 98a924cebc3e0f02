"""Citation chasing of the included studies (``review chase``): backward and forward through
PubMed's citation links, stored as one "Citation searching" import per run with each record's
provenance (seed, direction, round) in ``chase_links``.

``follow.py`` talks to E-utilities (no store); ``storing.py`` reads seeds and held records
and writes a run; ``run_chase`` ties them together for the CLI and the app.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from review.acting import old_spelling
from review.chase.follow import (
    CHASED, DIRECTIONS, ELINK_BATCH, LINKNAMES, ChaseRun, Link, Seed, directions_of, follow,
)
from review.chase.storing import (
    DATABASE, INTERFACE, OTHER_SOURCE, ChaseError, ChaseIncompleteError, ChaseSummary,
    chase_facts, chase_imports, chased_before, found_by, held_index, links_by_record, select_seeds, store_chase,
)
from review.pubmed.eutils import EutilsClient

__all__ = [
    "CHASED", "DIRECTIONS", "ELINK_BATCH", "LINKNAMES", "ChaseRun", "Link", "Seed", "directions_of",
    "follow", "DATABASE", "INTERFACE", "OTHER_SOURCE", "ChaseError", "ChaseIncompleteError",
    "ChaseSummary", "chase_facts", "chase_imports", "chased_before", "found_by", "held_index", "links_by_record",
    "select_seeds", "store_chase", "plan_chase", "run_chase", "rounds", "included_also_found",
]


def plan_chase(
    engine: sa.Engine, which: str | list[int], directions: tuple[str, ...], *, round_number: int | None = None,
) -> tuple[list[Seed], list[Seed], int]:
    """(seeds to chase, seeds already chased in every direction, the round number).

    With ``full_text``/``title_abstract`` a seed an earlier round chased in every asked
    direction is left out: a new round chases the records included since the last one.
    Chosen record ids are chased again whatever earlier rounds did (their links are stored
    once all the same). The round is ``round_number``, else the last round + 1 when there
    is a seed to chase (else the last round).
    """
    with engine.connect() as conn:
        seeds = select_seeds(conn, which)
        done, last = chased_before(conn)
    if isinstance(which, str):
        todo = [s for s in seeds if not all((s.record_id, d) in done for d in directions)]
        skipped = [s for s in seeds if s not in todo]
    else:
        todo, skipped = seeds, []
    if round_number is None:
        round_number = last + 1 if todo else max(last, 1)
    elif round_number < 1:
        raise ChaseError(f"--round must be 1 or more, not {round_number}")
    return todo, skipped, round_number


@old_spelling("actor")
def run_chase(
    engine: sa.Engine,
    client: EutilsClient,
    seeds: list[Seed],
    directions: tuple[str, ...],
    *,
    round_number: int,
    seed_selection: str = "",
    allow_missing: bool = False,
    searched_on: str | None = None,
    by: str = "",
    progress: Any = None,
) -> tuple[ChaseRun, ChaseSummary]:
    """Follow the seeds' links and store what is new (one import), as one call."""
    with engine.connect() as conn:
        held, _ = held_index(conn)
    run = follow(client, seeds, directions, held, searched_on=searched_on, progress=progress)
    summary = store_chase(engine, run, round_number=round_number, seed_selection=seed_selection,
                          allow_missing=allow_missing, by=by)
    return run, summary


def rounds(conn: sa.Connection) -> list[dict[str, Any]]:
    """Each chase run that counts: round, date, directions, seeds, links and records."""
    out = []
    for row in chase_imports(conn):
        report = row.get("report") or {}
        out.append({
            "import_id": row["id"], "round": report.get("round"), "searched_on": row["searched_on"],
            "directions": report.get("directions", []),
            "seeds": sum(1 for s in report.get("seeds", []) if s.get("status") == CHASED),
            "not_chased": [s for s in report.get("seeds", []) if s.get("status") != CHASED],
            "links_found": report.get("links_found", 0), "links_to_held": report.get("links_to_held", 0),
            "records_stored": row["records_read"],
        })
    return out


def included_also_found(conn: sa.Connection) -> dict[int, list[dict[str, Any]]]:
    """The records finally included at full text that a citation link also reaches (record id
    -> its links): which included studies citation searching found too, whichever search
    found them first."""
    from review import screening

    included = {rid for rid, f in screening.final_decisions(conn, "full_text").items() if f.decision == "include"}
    return {rid: links for rid, links in links_by_record(conn).items() if rid in included}
