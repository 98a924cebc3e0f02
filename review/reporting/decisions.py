"""Records with their screening decisions, for EndNote and Zotero: RIS with the decisions
in N1 notes and KW tags (written by ``review.formats.ris.write_ris``), or CSV.

``gather_record_decisions`` reads the store; the rest is pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from review.formats.ris import RisEntry, write_ris
from review.records import Record
from review.reporting.tables import ExportError, to_csv

RECORD_FORMATS = ("ris", "csv")
STAGE_LABELS = {"title_abstract": "title/abstract", "full_text": "full text"}


@dataclass
class RecordDecisions:
    record_id: int
    record: Record
    decisions: dict[str, tuple[str, str]] = field(default_factory=dict)  # stage -> (decision, reason)
    not_retrieved: str = ""  # reason, when the full text was sought and not retrieved


def decision_note(item: RecordDecisions) -> list[str]:
    """The N1 lines carrying the decisions (EndNote "Notes", Zotero child notes)."""
    lines = []
    for stage in ("title_abstract", "full_text"):
        if stage in item.decisions:
            decision, reason = item.decisions[stage]
            text = f"Screening ({STAGE_LABELS[stage]}): {decision or 'undecided'}"
            if reason:
                text += f"; reason: {reason}"
            lines.append(text)
    if item.not_retrieved:
        lines.append(f"Full text not retrieved: {item.not_retrieved}")
    lines.append(f"Review record id: {item.record_id}")
    return lines


def decision_tags(item: RecordDecisions) -> list[str]:
    """Keywords that become tags in Zotero and EndNote, for filtering by decision."""
    short = {"title_abstract": "TA", "full_text": "FT"}
    return [f"review {short[s]} {d}" for s, (d, _r) in item.decisions.items() if d]


def to_ris(items: Sequence[RecordDecisions]) -> str:
    """RIS with the decisions in N1 (notes) and KW (tags); the record's own fields kept."""
    return write_ris(
        RisEntry(item.record, keywords=tuple(decision_tags(item)), notes=tuple(decision_note(item)),
                 ref_id=str(item.record_id))
        for item in items
    )


RECORD_CSV_COLUMNS = (
    "record_id", "pmid", "doi", "title", "authors", "year", "journal", "volume", "issue", "pages",
    "source_database", "ta_decision", "ta_reason", "ft_decision", "ft_reason", "not_retrieved",
)


def records_csv(items: Sequence[RecordDecisions]) -> str:
    rows = []
    for item in items:
        r = item.record
        ta = item.decisions.get("title_abstract", ("", ""))
        ft = item.decisions.get("full_text", ("", ""))
        rows.append([
            str(item.record_id), r.pmid, r.doi, r.title, "; ".join(r.authors), str(r.year or ""),
            r.journal, r.volume, r.issue, r.pages, r.source_database, ta[0], ta[1], ft[0], ft[1],
            item.not_retrieved,
        ])
    return to_csv(RECORD_CSV_COLUMNS, rows)


def gather_record_decisions(conn: sa.Connection, stage: str | None = None) -> list[RecordDecisions]:
    """The records of ``stage`` (or every deduplicated record) with their final decisions.

    A record without a final decision at a stage it is in gets "undecided" there.
    """
    from review import screening
    from review.dedup.state import merged_record

    if stage is not None and stage not in screening.STAGES:
        raise ExportError(f"--stage must be one of {', '.join(screening.STAGES)}, not {stage!r}")
    stages = [stage] if stage else list(screening.STAGES)
    finals = {s: screening.final_decisions(conn, s) for s in screening.STAGES}
    missing = screening.not_retrieved(conn)
    # full text: every report sought (title/abstract includes), the not retrieved ones too
    sought = sorted(r for r, f in finals["title_abstract"].items() if f.decision == "include")
    ids = sought if stage == "full_text" else screening.stage_record_ids(conn, "title_abstract")
    members = {"title_abstract": set(ids) if stage != "full_text" else set(), "full_text": set(screening.stage_record_ids(conn, "full_text"))}
    items = []
    for rid in ids:
        decisions = {}
        for s in stages:
            f = finals[s].get(rid)
            if f is not None:
                decisions[s] = (f.decision, f.reason)
            elif rid in members[s]:
                decisions[s] = ("undecided", "")
        items.append(RecordDecisions(rid, merged_record(conn, rid), decisions, missing.get(rid, "")))
    return items


def export_records(conn: sa.Connection, fmt: str, stage: str | None = None) -> tuple[str, int]:
    """(the export text, number of records)."""
    if fmt not in RECORD_FORMATS:
        raise ExportError(f"--format must be one of {', '.join(RECORD_FORMATS)}, not {fmt!r}")
    items = gather_record_decisions(conn, stage)
    return (to_ris(items) if fmt == "ris" else records_csv(items)), len(items)
