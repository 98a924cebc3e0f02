"""Store a PubMed run: one ``imports`` row (kind "search") and its records, in one transaction.

The row carries what PRISMA-S asks for: database and interface, date searched, the query
exactly as sent, NCBI's translation, limits, per-line counts and the total PubMed reported.
The records go in through the same store calls as an imported file
(``review.importing.import_file``); the report keeps the PMIDs, the date slices, the
request statistics and anything missing.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from review import store
from review.acting import old_spelling
from review.formats.base import ImportReport, Skipped
from review.importing import ImportSummary
from review.pubmed.search import IncompleteSearchError, SearchRun, gc_frozen

__all__ = ["store_search", "find_stored_search", "search_runs"]


def run_report(
    run: SearchRun, fingerprint: str = "", update_of: int | None = None,
    strategy_version: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON kept in ``imports.report`` for a search; ``strategy_version`` ({strategy, version,
    sha256}) names the saved version of the strategy file the run ran (review.strategy.versions)."""
    return {
        "strategy_version": strategy_version,
        "format": "pubmed-xml",
        "records_read": len(run.records),
        "pmids": list(run.pmids),
        "missing": list(run.missing),
        "complete": run.complete,
        "slices": [s.to_dict() for s in run.slices],
        "datetype": run.datetype,
        "translation_set": run.translation_set,
        "errors": run.errors,
        "warnings": run.warnings,
        "webenv": run.webenv,
        "query_key": run.query_key,
        "db_info": run.db_info,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "requests": run.requests,
        "fingerprint": fingerprint,
        "update": ({"update_of": update_of, "since": run.window[0], "until": run.window[1],
                    "found": run.total, "already_held": len(run.held), "new": len(run.records)}
                   if run.window is not None else None),
        "skipped": [{"line": None, "position": None, "reason": f"PMID {p} could not be fetched"}
                    for p in run.missing],
    }


@old_spelling("actor")
def store_search(
    engine: sa.Engine,
    run: SearchRun,
    *,
    allow_missing: bool = False,
    fingerprint: str = "",
    by: str = "",
    progress: Any = None,
    update_of: int | None = None,
    strategy_version: dict[str, Any] | None = None,
) -> ImportSummary:
    """Write ``run`` to the store; refuse an incomplete run unless ``allow_missing``.

    ``update_of``: the import id of the first run this one updates (``review search
    --update``); the report keeps it with the date window and the PMIDs already held.

    Raises ``IncompleteSearchError`` (nothing written) when PMIDs are missing.
    """
    if run.missing and not allow_missing:
        raise IncompleteSearchError(run.missing, run.total)
    report = run_report(run, fingerprint, update_of, strategy_version)
    with gc_frozen() as freeze, engine.begin() as conn:
        freeze()  # the run's records: no need for the GC to rescan them while storing
        import_id = store.add_import(
            conn,
            kind="search",
            database=run.database,
            interface=run.interface,
            searched_on=run.searched_on,
            query=run.query,
            query_translation=run.query_translation,
            limits=run.limits,
            line_counts=run.line_counts(),
            total=run.total,
            file_name="",
            file_hash="",
            format="pubmed-xml",
        )
        stored = store.add_records(
            conn, import_id, run.records, default_database=run.database, progress=progress
        )
        store.update_import_counts(
            conn,
            import_id,
            records_read=stored,
            records_skipped=len(run.missing),
            report=report,
        )
        store.log_event(
            conn,
            "search",
            subject=f"import:{import_id}",
            payload={
                "database": run.database,
                "interface": run.interface,
                "searched_on": run.searched_on,
                "total": run.total,
                "records": stored,
                "missing": len(run.missing),
                "fingerprint": fingerprint,
                "update_of": update_of,
                "strategy_version": strategy_version,
            },
            actor=by,
        )
    summary_report = ImportReport(
        path=f"PubMed search of {run.searched_on}",
        format="pubmed-xml",
        records_read=stored,
        skipped=[Skipped(line=None, reason=f"PMID {p} could not be fetched") for p in run.missing],
        warnings=list(run.warnings),
    )
    return ImportSummary(
        import_id=import_id,
        path=summary_report.path,
        database=run.database,
        records_stored=stored,
        report=summary_report,
        per_database={run.database: stored},
    )


def find_stored_search(engine: sa.Engine, fingerprint: str) -> dict[str, Any] | None:
    """The most recent stored search with this fingerprint, if any."""
    with engine.connect() as conn:
        rows = [r for r in store.list_imports(conn) if r["kind"] == "search"]
    for row in reversed(rows):
        if (row.get("report") or {}).get("fingerprint") == fingerprint:
            return row
    return None


def search_runs(engine: sa.Engine, fingerprint: str) -> list[dict[str, Any]]:
    """The stored runs of one search that count (not withdrawn), oldest first: the first run
    and its updates (``review search --update``)."""
    from review.store.live import withdrawals

    with engine.connect() as conn:
        withdrawn = withdrawals(conn)
        rows = [r for r in store.list_imports(conn) if r["kind"] == "search" and int(r["id"]) not in withdrawn]
    return [r for r in rows if (r.get("report") or {}).get("fingerprint") == fingerprint]


def update_of(row: dict[str, Any]) -> int | None:
    """The import id of the first run a stored search updates (None: not an update)."""
    update = (row.get("report") or {}).get("update") or {}
    return int(update["update_of"]) if update.get("update_of") else None
