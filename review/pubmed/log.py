"""The PRISMA-S search log of a project: every search run and every imported export.

For each database searched (PRISMA-S items 1-3, 8, 9, 13): database and interface, date
searched, the strategy exactly as run with per-line counts, limits, and the records found.
PubMed runs (``review search``) carry their lines and counts themselves; an imported
export (``review import FILE --strategy STRATEGY.txt``, or later ``review import edit N
--strategy STRATEGY.txt``) carries the strategy text the user attached - Ovid's "Search History" lines ("1  exp Mentors/  9411") are split into
numbered lines with counts when every line has that shape, and always shown verbatim too.
A withdrawn import (``review import withdraw N``) stays in the log, marked withdrawn (when,
by whom, why, and the import that replaced it): its records count nowhere.

``search_log(engine)`` reads the store; ``render_markdown`` and ``render_csv`` print it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from review import store
from review.formats.sources import database_label

__all__ = ["LogLine", "LogEntry", "search_log", "render_markdown", "render_csv", "CSV_COLUMNS", "SUMMARY_HEADERS",
           "summary_row", "entry_heading", "entry_facts", "line_rows", "attach_advice", "withdrawn_text",
           "version_text"]

CSV_COLUMNS = [
    "import_id",
    "kind",
    "database",
    "interface",
    "searched_on",
    "line",
    "label",
    "query",
    "count",
    "records_found",
    "records_stored",
    "limits",
    "query_translation",
    "file_name",
    "other_source",
    "withdrawn",
    "update_of",  # an update run: the first run's import id
    "update_window",  # an update run: "SINCE to UNTIL" (PubMed: Entrez date)
    "chase_round",  # a citation-searching run: its round
    "strategy_version",
]

# An Ovid search-history line: "1     exp Mentors/     9411" or "1. exp Mentors/ (9411)".
_OVID_LINE = re.compile(r"^\s*(\d+)[.)]?\s+(.+?)\s+\(?(\d[\d,]*)\)?\s*$")


@dataclass
class LogLine:
    number: int | None
    query: str
    count: int | None
    label: str = ""


@dataclass
class LogEntry:
    import_id: int
    kind: str  # "search" (run here), "file" (imported export) or "chase" (citation searching)
    database: str
    interface: str
    searched_on: str
    strategy: str  # as run (the final query for a search; the attached text for a file)
    lines: list[LogLine] = field(default_factory=list)
    query_translation: str = ""
    limits: str = ""
    records_found: int | None = None  # what the database reported / the file held
    records_stored: int = 0
    file_name: str = ""
    other_source: str = ""
    db_info: dict[str, str] = field(default_factory=dict)
    missing: int = 0
    withdrawn: dict[str, Any] | None = None  # the import_withdrawals row of a withdrawn import
    chase: dict[str, Any] | None = None  # a citation-searching run (kind "chase"): round, seeds...
    update: dict[str, Any] | None = None  # an update run: update_of, since, until, found, held, new
    first_searched: str = ""  # of an update: the date of the run it updates
    updated_by: list[tuple[int, str]] = field(default_factory=list)  # (import id, date) of its updates
    strategy_version: Any = None  # review.strategy.versions.Version the run ran (a PubMed run of a strategy file)


def _limits_text(value: Any) -> str:
    if value in (None, "", [], {}):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        if set(value) == {"kind", "value"}:  # a strategy limit: {"kind": "years", "value": "2008-current"}
            return f"{value['kind']}: {value['value']}" if value["value"] not in ("", None) else str(value["kind"])
        return "; ".join(f"{k}: {_limits_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "; ".join(_limits_text(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


def ovid_lines(text: str) -> list[LogLine]:
    """Numbered lines with counts from an Ovid search history; [] unless every line fits."""
    rows = [line for line in text.splitlines() if line.strip()]
    out = []
    for row in rows:
        match = _OVID_LINE.match(row)
        if not match:
            return []
        out.append(LogLine(int(match[1]), match[2].strip(), int(match[3].replace(",", ""))))
    return out


def search_log(engine: sa.Engine) -> list[LogEntry]:
    """One entry per import of the project, in the order they were made."""
    from review.store.live import withdrawals
    from review.strategy.versions import get_version

    with engine.connect() as conn:
        imports = store.list_imports(conn)
        stored = store.counts_by_import(conn)
        withdrawn = withdrawals(conn)
        versions = {}
        for row in imports:
            ran = (row.get("report") or {}).get("strategy_version") if isinstance(row.get("report"), dict) else None
            if ran:
                try:
                    versions[int(row["id"])] = get_version(conn, ran["strategy"], int(ran["version"]))
                except Exception:  # noqa: BLE001 - a version the store lacks: the log says so below
                    versions[int(row["id"])] = ran
    entries = []
    for row in imports:
        report = row.get("report") or {}
        if row["kind"] == "search":
            lines = [
                LogLine(item.get("line"), item.get("query", ""), item.get("count"), item.get("label", ""))
                for item in (row.get("line_counts") or [])
            ]
            found = row.get("total")
        elif row["kind"] == "chase":
            lines = chase_lines(report)
            found = row.get("total")
        else:
            lines = ovid_lines(row.get("query") or "")
            found = (row.get("records_read") or 0) + (row.get("records_skipped") or 0)
        entries.append(
            LogEntry(
                import_id=int(row["id"]),
                kind=row["kind"],
                database=database_label(row["database"], int(row["id"])),
                interface=row.get("interface") or "",
                searched_on=row.get("searched_on") or "",
                strategy=row.get("query") or "",
                lines=lines,
                query_translation=row.get("query_translation") or "",
                limits=_limits_text(row.get("limits")),
                records_found=found,
                records_stored=stored.get(int(row["id"]), 0),
                file_name=row.get("file_name") or "",
                other_source=row.get("other_source") or "",
                db_info=dict(report.get("db_info") or {}) if isinstance(report, dict) else {},
                missing=len(report.get("missing") or []) if isinstance(report, dict) else 0,
                withdrawn=withdrawn.get(int(row["id"])),
                chase=report if row["kind"] == "chase" and isinstance(report, dict) else None,
                update=(report.get("update") or None) if isinstance(report, dict) else None,
                strategy_version=versions.get(int(row["id"])),
            )
        )
    by_id = {e.import_id: e for e in entries}
    for e in entries:
        if e.update and e.update.get("update_of") in by_id and not e.withdrawn:
            first = by_id[e.update["update_of"]]
            e.first_searched = first.searched_on
            first.updated_by.append((e.import_id, e.searched_on))
    return entries


def chase_lines(report: dict[str, Any]) -> list[LogLine]:
    """A citation-searching run as log lines: one per seed and direction, with the links
    PubMed gave (TARCiS: which records were chased, which way, with what result)."""
    out: list[LogLine] = []
    names = report.get("linknames") or {}
    for seed in report.get("seeds", []):
        if seed.get("status") != "chased":
            continue
        for direction, counts in (seed.get("counts") or {}).items():
            via = " (PMID found by DOI)" if seed.get("pmid_from_doi") else ""
            out.append(LogLine(len(out) + 1, f"PMID {seed.get('pmid')}{via} {direction} "
                               f"({names.get(direction, direction)})", counts.get("found"),
                               f"record {seed.get('record_id')}"))
    return out


def chase_facts_lines(chase: dict[str, Any]) -> list[str]:
    """What the log says of a citation-searching run beyond its counts."""
    seeds = chase.get("seeds", [])
    chased = [s for s in seeds if s.get("status") == "chased"]
    facts = [f"Citation searching, round {chase.get('round')}: {' and '.join(chase.get('directions', []))} "
             f"through PubMed's citation links (elink), {len(chased)} seed records chased"]
    facts += [f"Seed record {s.get('record_id')} {s.get('status')}" for s in seeds if s.get("status") != "chased"]
    facts.append(f"Links found: {chase.get('links_found', 0):,}; to records already held (kept, not stored "
                 f"again): {chase.get('links_to_held', 0):,}")
    return facts


def version_text(e: LogEntry) -> str:
    """"queries/x.yaml, version 3 (saved 2026-12-06 10:00 by ana)" for a run of a saved strategy, else ""."""
    v = e.strategy_version
    if v is None:
        return ""
    if isinstance(v, dict):  # recorded, but not in this store's versions
        return f"{v.get('strategy')}, version {v.get('version')} (not found among the saved versions)"
    return f"{v.strategy}, {v.label}"


def withdrawn_text(e: LogEntry) -> str:
    """"Withdrawn 2026-12-06T10:00:00+00:00 by ana: one record broken; replaced by import #4"
    ("" for an import that counts)."""
    w = e.withdrawn
    if not w:
        return ""
    text = f"Withdrawn {w['withdrawn_at']}" + (f" by {w['withdrawn_by']}" if w.get("withdrawn_by") else "")
    if w.get("reason"):
        text += f": {w['reason']}"
    if w.get("replaced_by"):
        text += f"; replaced by import #{w['replaced_by']}"
    return text


def attach_advice(e: LogEntry, *, code: str = "`") -> str:
    """What a file import without its strategy says: the command that attaches it."""
    return (f"Strategy: not attached (attach it with {code}review import edit {e.import_id} "
            f"--strategy STRATEGY.txt{code}).")


def _n(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _cell(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).replace("|", "\\|")


def _fence(text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}\n{text.rstrip()}\n{fence}"


SUMMARY_HEADERS = ["#", "Database", "Interface", "Date searched", "Records found", "Records stored", "Source"]


def summary_row(e: LogEntry) -> list[str]:
    """One import's row of the summary table (``SUMMARY_HEADERS``), as plain text."""
    source = {"search": "search (E-utilities)", "chase": "citation searching (E-utilities elink)"}.get(
        e.kind, e.file_name or "file")
    if e.other_source:
        source += f" [other methods: {e.other_source}]"
    if e.withdrawn:
        source += " [WITHDRAWN: counts nowhere]"
    return [str(e.import_id), e.database, e.interface or "-", e.searched_on or "not given",
            _n(e.records_found), _n(e.records_stored), source]


def entry_heading(e: LogEntry) -> str:
    """"#3 Embase via Ovid, searched 2018-01-31"."""
    heading = f"#{e.import_id} {e.database}"
    if e.interface:
        heading += f" via {e.interface}"
    return heading + f", searched {e.searched_on or '(date not given)'}"


def entry_facts(e: LogEntry) -> list[str]:
    """The facts listed under an import's heading (records, export file, build, limits)."""
    facts = [f"Records found: {_n(e.records_found) or 'not known'}; stored: {_n(e.records_stored)}"]
    if e.withdrawn:
        facts.insert(0, withdrawn_text(e) + ". Its records count in no total, deduplication or screening.")
    if e.missing:
        facts.append(f"PMIDs that could not be fetched: {e.missing}")
    if e.chase:
        facts += chase_facts_lines(e.chase)
    if e.update:
        u = e.update
        facts.append(f"Update of import #{u.get('update_of')} (first searched {e.first_searched or 'date not known'}): "
                     f"records added to PubMed (Entrez date) from {u.get('since')} to {u.get('until')}: "
                     f"{u.get('found', 0):,} found, {u.get('already_held', 0):,} already held, {u.get('new', 0):,} new")
    for import_id, when in e.updated_by:
        facts.append(f"Updated on {when} (import #{import_id})")
    if e.file_name:
        facts.append(f"Export file: {e.file_name}")
    if e.other_source:
        facts.append(f"Other method (PRISMA 2020): {e.other_source}")
    if e.db_info.get("LastUpdate") or e.db_info.get("DbBuild"):
        facts.append(
            f"Database build: {e.db_info.get('DbBuild', '')}, last updated {e.db_info.get('LastUpdate', '')}".rstrip()
        )
    facts.append(f"Limits: {e.limits or 'none beyond those written in the strategy'}")
    if version_text(e):
        facts.append(f"Strategy file as run: {version_text(e)}")
    return facts


def line_rows(e: LogEntry) -> list[list[str]]:
    """The strategy's numbered lines as (line, search, results) text; a PubMed run's line
    label follows its search in brackets."""
    return [
        ["" if line.number is None else str(line.number),
         line.query + (f" ({line.label})" if line.label and e.kind in ("search", "chase") else ""), _n(line.count)]
        for line in e.lines
    ]


def render_markdown(entries: list[LogEntry], *, title: str = "", strategies: str = "") -> str:
    """The log as Markdown: a summary table, then each search with its lines and counts;
    ``strategies`` (review.strategy.pasted.project_markdown) is appended: each database's
    strategy as it would be pasted (PRISMA-S item 8)."""
    out = [f"# Search log (PRISMA-S){' - ' + title if title else ''}", ""]
    if not entries:
        out.append("No searches or imports yet: run `review search` or `review import FILE`.")
        return "\n".join(out) + "\n" + (f"\n{strategies}" if strategies else "")
    out += [
        "| # | Database | Interface | Date searched | Records found | Records stored | Source |",
        "|---:|---|---|---|---:|---:|---|",
    ]
    for e in entries:
        out.append("| " + " | ".join(_cell(c) if c else c for c in summary_row(e)) + " |")
    for e in entries:
        out += ["", f"## {entry_heading(e)}", ""]
        out += [f"- {fact}" for fact in entry_facts(e)]
        if e.lines:
            out += ["", "| Line | Search | Results |", "|---:|---|---:|"]
            for line in e.lines:
                label = f" ({_cell(line.label)})" if line.label and e.kind in ("search", "chase") else ""
                out.append(f"| {line.number if line.number is not None else ''} | {_cell(line.query)}{label} | {_n(line.count)} |")
        if e.kind == "search":
            out += ["", "Final query as sent:", "", _fence(e.strategy)]
            if e.query_translation:
                out += ["", "Search details (NCBI's translation of the final query):", "", _fence(e.query_translation)]
            if e.strategy_version is not None and not isinstance(e.strategy_version, dict):
                out += ["", f"Strategy file as run ({version_text(e)}):", "", _fence(e.strategy_version.text)]
        elif e.kind == "chase":
            out += ["", "Links followed as sent:", "", _fence(e.strategy)]
        elif e.strategy:
            out += ["", "Strategy as run (attached with --strategy):", "", _fence(e.strategy)]
        else:
            out += ["", attach_advice(e)]
    return "\n".join(out) + "\n" + (f"\n{strategies}" if strategies else "")


def render_csv(entries: list[LogEntry]) -> str:
    """The log as CSV: one row per strategy line (one row per import without lines)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for e in entries:
        base = {
            "import_id": e.import_id,
            "kind": e.kind,
            "database": e.database,
            "interface": e.interface,
            "searched_on": e.searched_on,
            "records_found": "" if e.records_found is None else e.records_found,
            "records_stored": e.records_stored,
            "limits": e.limits,
            "query_translation": e.query_translation,
            "file_name": e.file_name,
            "other_source": e.other_source,
            "withdrawn": withdrawn_text(e),
            "update_of": (e.update or {}).get("update_of") or "",
            "update_window": f"{e.update.get('since', '')} to {e.update.get('until', '')}" if e.update else "",
            "chase_round": (e.chase or {}).get("round") or "",
            "strategy_version": version_text(e),
        }
        if e.lines:
            for line in e.lines:
                writer.writerow({**base, "line": line.number, "label": line.label,
                                 "query": line.query, "count": "" if line.count is None else line.count})
        else:
            writer.writerow({**base, "line": "", "label": "", "query": e.strategy, "count": ""})
    return buffer.getvalue()
