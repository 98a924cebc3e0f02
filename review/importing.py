"""Import export files into the store: one file = one import row + its records, one transaction.

Re-importing a file with the same content (SHA-256) is refused unless ``again=True``; the
file of a withdrawn import may be imported again. ``replace=N`` withdraws import N and stores
the new file in the same transaction (``review.imports``): if the new file fails, N stays.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa

from review import store
from review.acting import old_spelling
from review.errors import ReviewError
from review.formats import ImportReport, UnreadableFileError, read_file, require_file
from review.formats.sources import database_warning, resolve_database

# PRISMA 2020 "other methods" sources accepted by --other-source.
OTHER_SOURCES = ("citation-searching", "websites", "organisations", "registers", "other")


class AlreadyImportedError(ReviewError):
    """The same file content was imported before."""


@dataclass
class ImportSummary:
    import_id: int
    path: str
    database: str
    records_stored: int
    report: ImportReport
    per_database: dict[str, int] = field(default_factory=dict)
    replaced: Any = None  # review.imports.WithdrawSummary of the import replaced (replace=N)


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@old_spelling("actor")
def import_file(
    engine: sa.Engine,
    path: str | Path,
    *,
    database: str = "",
    interface: str = "",
    searched: str = "",
    fmt: str | None = None,
    mapping: dict[str, str] | None = None,
    again: bool = False,
    other_source: str | None = None,
    strategy_text: str = "",
    by: str = "",
    progress: Callable[[int], Any] | None = None,
    replace: int | None = None,
    replace_reason: str = "",
    update_of: int | None = None,
    file_name: str = "",
) -> ImportSummary:
    """Read ``path`` and store its records under one new import.

    ``database`` names the source (e.g. "Embase"); a record whose reader detected its own
    database (Ovid multi-database exports) keeps that one, with a warning in the report when
    it differs from ``database``. Without ``database`` the records must name their own
    (``review.formats.sources.resolve_database``). Raises ``FormatError`` for an unreadable
    file (also one none of whose records could be read, e.g. none has a title),
    ``SourceDatabaseError`` (a ``FormatError``) when the source database is missing or names a
    reference manager or a format, and ``AlreadyImportedError`` for a repeat; nothing is
    stored then.

    ``replace``: the id of an import this file replaces (withdrawn in the same transaction,
    ``replace_reason`` saying why); ``review.imports.ImportChangeError`` before anything is
    read if it cannot be withdrawn.

    ``update_of``: the import this file updates (the export of a search rerun later, e.g. an
    Ovid search limited to records added since): it must exist and count; without
    ``database``/``interface`` the file takes the first import's. Recorded in the report
    (``update``) for the search log, the PRISMA note and the methods draft; a record found by
    both runs is one record after ``review dedup``.

    ``file_name``: the name the import record shows (default the file's own name), e.g. the
    name a browser upload had, while the file itself is kept under its hash
    (``review.uploads``).
    """
    path = Path(path)
    if other_source is not None and other_source not in OTHER_SOURCES:
        raise ValueError(
            f"--other-source must be one of {', '.join(OTHER_SOURCES)}, not {other_source!r}"
        )
    require_file(path)  # before hashing: a folder or a missing file gets the readers' message
    try:
        digest = file_sha256(path)
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot read the file ({exc.strerror})") from exc
    with engine.connect() as conn:
        previous = store.find_import_by_hash(conn, digest)
        if replace is not None:
            from review.imports import check_withdrawable

            check_withdrawable(conn, replace)
        first_run = None
        if update_of is not None:
            from review.imports import check_updatable

            first_run = check_updatable(conn, update_of)
            database = database or first_run["database"]
            interface = interface or first_run["interface"]
    if previous and not again and previous["id"] != replace:
        raise AlreadyImportedError(
            f"{path}: this file was imported already (import #{previous['id']}, "
            f"{previous['file_name']}, {previous['created_at']}); use --again to import it twice"
        )
    result = read_file(path, format=fmt, mapping=mapping)
    report = result.report
    if not result.records and report.skipped:
        first = report.skipped[0]
        where = f"line {first.line}" if first.line else f"record {first.position}"
        raise UnreadableFileError(
            path,
            f"none of its {len(report.skipped)} record(s) could be read (the first, {where}: "
            f"{first.reason}); nothing was stored. Check that this is the export you meant "
            "(for a CSV, that --map names its title column), fix the file and import it again",
        )
    given = database
    database = resolve_database(path, result, database, other_source=other_source)
    per_db: dict[str, int] = {}
    for rec in result.records:
        key = rec.source_database or database
        per_db[key] = per_db.get(key, 0) + 1
    mismatch = database_warning(given, result)
    if mismatch:
        report.warnings.append(mismatch)
    with engine.begin() as conn:
        import_id = store.add_import(
            conn,
            kind="file",
            database=database,
            interface=interface,
            searched_on=searched,
            query=strategy_text,
            other_source=other_source,
            file_name=file_name or path.name,
            file_hash=digest,
            format=report.format,
        )
        replaced = None
        if replace is not None:
            from review.imports import withdraw_in

            replaced = withdraw_in(conn, replace, by=by, replaced_by=import_id,
                                   reason=replace_reason)
        stored = store.add_records(
            conn, import_id, result.records, default_database=database, progress=progress
        )
        report_data = report.to_dict()
        if first_run is not None:
            report_data["update"] = {"update_of": int(first_run["id"]), "since": first_run["searched_on"] or "",
                                     "until": searched, "found": stored}
        store.update_import_counts(
            conn,
            import_id,
            records_read=report.records_read,
            records_skipped=len(report.skipped),
            report=report_data,
        )
        store.log_event(
            conn,
            "import",
            subject=f"import:{import_id}",
            payload={
                "file": file_name or path.name,
                "sha256": digest,
                "database": database,
                "records": stored,
                "skipped": len(report.skipped),
                "per_database": per_db,
                "other_source": other_source,
                "replaces": replace,
                "update_of": update_of,
            },
            actor=by,
        )
    return ImportSummary(
        import_id=import_id,
        path=str(path),
        database=database,
        records_stored=stored,
        report=report,
        per_database=per_db,
        replaced=replaced,
    )


def status(engine: sa.Engine) -> dict[str, Any]:
    """Records per database and per import, and totals (the data behind ``review status``).

    A withdrawn import is listed with its withdrawal; its records are in no total."""
    from review.store.live import withdrawals

    with engine.connect() as conn:
        imports = store.list_imports(conn)
        per_import = store.counts_by_import(conn)
        per_db = store.counts_by_database(conn)
        withdrawn = withdrawals(conn)
    live = [row for row in imports if row["id"] not in withdrawn]
    return {
        "imports": [
            {
                "id": row["id"],
                "kind": row["kind"],
                "database": row["database"],
                "interface": row["interface"],
                "searched_on": row["searched_on"],
                "file_name": row["file_name"],
                "format": row["format"],
                "other_source": row["other_source"],
                "records": per_import.get(row["id"], 0),
                "skipped": row["records_skipped"],
                "imported_at": row["created_at"],
                "withdrawn": _withdrawal_dict(withdrawn.get(row["id"])),
            }
            for row in imports
        ],
        "records_by_database": per_db,
        "totals": {
            "imports": len(live),
            "records": sum(per_import.get(row["id"], 0) for row in live),
            "skipped": sum(row["records_skipped"] for row in live),
        },
        "withdrawn_imports": len(imports) - len(live),
    }


def _withdrawal_dict(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"at": row["withdrawn_at"], "by": row["withdrawn_by"], "reason": row["reason"],
            "replaced_by": row["replaced_by"]}
