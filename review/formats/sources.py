"""Which database an export's records come from: not a reference manager, not a file format.

PRISMA 2020 and PRISMA-S count records per database searched (MEDLINE, Embase, CENTRAL...).
A reference manager (EndNote, Zotero, Mendeley...) or a screening tool (Rayyan, Covidence)
only passes records on, and a file format (RIS, XML, CSV) says nothing about where records
were found. So:

* ``reference_manager(result)`` recognises an export written by such a tool, from marks its
  records carry (``REFERENCE_MANAGER_MARKS``, each with why it is that tool's);
* ``not_a_database(name)`` tells a name that is a tool or a format ("EndNote library (RIS)")
  from a database name, so it is never stored or shown as one;
* ``database_warning(database, result)`` says when ``--database`` and the
  records' own source codes (Ovid's ``D=`` codes) disagree, how many went where and why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from review.formats.base import FormatError, ImportResult

__all__ = [
    "SourceDatabaseError",
    "resolve_database",
    "REFERENCE_MANAGERS",
    "REFERENCE_MANAGER_MARKS",
    "reference_manager",
    "not_a_database",
    "database_warning",
    "database_label",
]

class SourceDatabaseError(FormatError):
    """The database an export's records were found in is not known: ``--database`` is missing
    (and the records do not name their own) or names a tool or a format. Nothing is stored."""

    def __init__(self, path: Any, message: str):
        self.path = str(path)
        super().__init__(f"{path}: {message}")


# Tools that pass records on (reference managers, screening tools): never a source database.
REFERENCE_MANAGERS = (
    "EndNote", "Zotero", "Mendeley", "RefWorks", "Citavi", "JabRef", "Papers", "ReadCube",
    "Paperpile", "Rayyan", "Covidence", "DistillerSR", "EPPI-Reviewer", "ASReview", "CADIMA",
)
# Words that name a file format or a library, not a database.
_FORMAT_WORDS = r"RIS|XML|CSV|TSV|XLSX?|nbib|BibTeX"
_NOT_A_DATABASE = re.compile(
    r"\b(?:" + "|".join(re.escape(n) for n in REFERENCE_MANAGERS) + "|" + _FORMAT_WORDS + r")\b",
    re.I,
)


@dataclass(frozen=True)
class Mark:
    tool: str
    why: str  # what the mark is, shown in the refusal
    test: Callable[[str, dict[str, list[str]]], bool]  # (format, one record's raw) -> bool


def _endnote_record_number(fmt: str, raw: dict[str, list[str]]) -> bool:
    """EndNote's RIS export ends every record with ``ID  - <its record number>``."""
    keys = list(raw)
    return fmt == "ris" and bool(keys) and keys[-1] == "ID" and all(v.isdigit() for v in raw["ID"])


def _zotero_date(fmt: str, raw: dict[str, list[str]]) -> bool:
    """Zotero writes RIS dates as ``DA  - 2019///`` or ``DA  - 2021/02/01/``."""
    dates = raw.get("DA", [])
    return fmt == "ris" and any(re.fullmatch(r"\d{4}/(?:\d{2})?/(?:\d{2})?/", v.strip()) for v in dates)


def _source_app(name: str) -> Callable[[str, dict[str, list[str]]], bool]:
    """EndNote XML names the program that wrote it in ``<source-app>``."""
    return lambda fmt, raw: fmt == "endnote-xml" and any(name in v.lower() for v in raw.get("source-app", []))


def _rayyan_key(fmt: str, raw: dict[str, list[str]]) -> bool:
    """Rayyan gives every record an accession number (key) 'rayyan-<number>'."""
    return any(v.startswith("rayyan-") for v in raw.get("AN", []) + raw.get("key", []))


def _zotero_columns(fmt: str, raw: dict[str, list[str]]) -> bool:
    """Zotero's CSV export has the columns 'Key', 'Item Type', 'Manual Tags'."""
    return fmt == "tabular" and "Item Type" in raw and ("Manual Tags" in raw or "Key" in raw)


REFERENCE_MANAGER_MARKS: tuple[Mark, ...] = (  # the first that fits names the tool
    Mark("Rayyan", "a Rayyan export (accession numbers 'rayyan-...')", _rayyan_key),
    Mark("EndNote", "an EndNote XML export (<source-app> names EndNote)", _source_app("endnote")),
    Mark("Mendeley", "an EndNote XML file written by Mendeley (<source-app>)", _source_app("mendeley")),
    Mark("EndNote", "an EndNote RIS export (every record ends with 'ID  - ' and its EndNote record number)",
         _endnote_record_number),
    Mark("Zotero", "a Zotero RIS export (dates written 'DA  - 2019///', Zotero's form)", _zotero_date),
    Mark("Zotero", "a Zotero CSV export (columns 'Key', 'Item Type', 'Manual Tags')", _zotero_columns),
)


def reference_manager(result: ImportResult) -> tuple[str, str] | None:
    """(tool, why) when at least half the export's records carry one tool's mark (a record
    may lack the tag a mark is read from), else None."""
    records = result.records
    if not records:
        return None
    fmt = result.report.format
    for mark in REFERENCE_MANAGER_MARKS:
        if 2 * sum(1 for r in records if mark.test(fmt, r.raw or {})) >= len(records):
            return mark.tool, mark.why
    return None


def not_a_database(name: str) -> bool:
    """True for a name that is a reference manager, a screening tool or a file format
    ("EndNote library (RIS)", "Zotero", "RIS export"), not the database searched.

    >>> not_a_database("EndNote library (RIS)"), not_a_database("MEDLINE"), not_a_database("Embase")
    (True, False, False)
    """
    return bool(_NOT_A_DATABASE.search(name or ""))


def database_label(name: str, import_id: int | None = None) -> str:
    """A stored database name as PRISMA and the search log show it: the name itself, or, for a
    reference manager or format stored as one by earlier versions ("EndNote library (RIS)"),
    "Database not named (import #3)", so no tool or format is ever listed as a database.

    >>> database_label("Embase", 2), database_label("EndNote library (RIS)", 3)
    ('Embase', 'Database not named (import #3)')
    """
    if not not_a_database(name):
        return name
    return f"Database not named (import #{import_id})" if import_id is not None else "Database not named"


def database_warning(database: str, result: ImportResult) -> str:
    """The warning when ``--database`` names one database (or several, "MEDLINE; CENTRAL") and
    some records name another in their own source codes (how many went where, and why); ""
    when they agree."""
    if not database:
        return ""
    own: dict[str, int] = {}
    for record in result.records:
        if record.source_database:
            own[record.source_database] = own.get(record.source_database, 0) + 1
    # "--database 'MEDLINE; CENTRAL'" names every database of a multi-database export
    named = {part.strip() for part in database.split(";") if part.strip()}
    same = sum(own.pop(db, 0) for db in named)
    if not own:
        return ""
    total = len(result.records)
    evidence: Mapping[str, str] = result.report.databases
    parts = [f"{db} {n} ({evidence.get(db, 'their own source field')})"
             for db, n in sorted(own.items(), key=lambda item: (-item[1], item[0]))]
    plain = total - same - sum(own.values())
    kept = []
    if same:
        kept.append(f"{same} say {database} themselves")
    if plain:
        kept.append(f"{plain} name no database and take --database")
    rest = (f"{database} {same + plain} ({'; '.join(kept)})" if kept
            else f"no record is counted under {database}")
    return (
        f"--database {database}, but {sum(own.values())} of the {total} records say in their own "
        f"source codes which database they come from, and are counted there: {'; '.join(parts)}; "
        f"{rest}. Right for an export of several databases (an Ovid multi-database search); "
        "otherwise check that this is the export you meant"
    )


def resolve_database(
    path: Any, result: ImportResult, database: str, *, other_source: str | None = None
) -> str:
    """The database an import is stored under: ``database`` (``--database``) when it names
    one; else, when every record names its own (an Ovid multi-database export), those names
    ("MEDLINE; CENTRAL", most records first); else the other-methods source. Raises
    ``SourceDatabaseError`` for a tool or format name, or when nothing names the database
    (saying so when the file is a reference manager's export)."""
    database = (database or "").strip()
    if database and not_a_database(database) and not other_source:
        raise SourceDatabaseError(
            path,
            f"--database {database!r} names a reference manager, a screening tool or a file "
            "format, not the database the records were found in; PRISMA counts records per "
            "database searched. Name that database, e.g. --database MEDLINE or --database "
            "Embase (the tool can go in --interface)",
        )
    if database:
        return database
    own: dict[str, int] = {}
    for record in result.records:
        if not record.source_database:
            break
        own[record.source_database] = own.get(record.source_database, 0) + 1
    else:
        if own:
            return "; ".join(sorted(own, key=lambda db: (-own[db], db)))
    if other_source:
        return other_source
    tool = reference_manager(result)
    if tool:
        name, why = tool
        said = provider_named(result)
        hint = f" (its records name the provider {said!r})" if said else ""
        raise SourceDatabaseError(
            path,
            f"this is {why}. {name} passes records on; it is not the database they were found "
            "in, and PRISMA counts records per database searched. Name the database the "
            f"records came from{hint} with --database, e.g. --database MEDLINE (and --interface "
            f"{name} if you like); nothing was stored",
        )
    raise SourceDatabaseError(
        path,
        "its records do not say which database they come from: name the database searched "
        "with --database, e.g. --database MEDLINE or --database Embase; nothing was stored",
    )


# Where a reference manager keeps the database or provider a record was taken from
_PROVIDER_FIELDS = ("DB", "DP", "remote-database-name", "remote-database-provider")


def provider_named(result: ImportResult) -> str:
    """The database or provider most of the records name (RIS DB/DP, EndNote XML
    remote-database-name/-provider), shown as a hint, never taken as the database: "NLM" is
    PubMed's provider, but "EBSCOhost" or "Ovid" are platforms holding many databases."""
    counts: dict[str, int] = {}
    for record in result.records:
        raw = record.raw or {}
        values = (str(v).strip() for tag in _PROVIDER_FIELDS for v in raw.get(tag, []))
        value = next((v for v in values if v), "")
        if value:
            counts[value] = counts.get(value, 0) + 1
    if not counts:
        return ""
    value, n = max(counts.items(), key=lambda item: item[1])
    return value if 2 * n >= len(result.records) else ""
