"""The data-charting table (one row per included source, the final values) and its exports:
CSV and XLSX for the data (every field, plus record id, source and the fields still open;
the workbook adds the disagreements and every extractor's values), Markdown and DOCX for the
paper (the ``export: true`` fields).

Table building is pure (headers + rows of strings) apart from the two audit tables, which
read the extraction states; ``export_extraction`` reads the store and writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from review.extraction import ChartRow, Form, display, final_table, states_of
from review.reporting.tables import ExportError, to_csv, to_markdown, write_docx, write_xlsx

EXTRACTION_FORMATS = ("csv", "xlsx", "docx", "md")


def chart_columns(form: Form, *, paper: bool) -> list[tuple[str, str]]:
    """(field id, header) of the charting table; ``paper`` keeps only ``export: true`` fields."""
    return [(f.id, f.label) for f in form.fields if f.export or not paper]


def chart_table(form: Form, rows: Sequence[ChartRow], *, paper: bool = False) -> tuple[list[str], list[list[str]]]:
    """Headers and string rows; the data version (``paper=False``) adds record id, source
    and the fields still open (disagreement without consensus, or a second extractor awaited)."""
    columns = chart_columns(form, paper=paper)
    headers = [label for _, label in columns]
    if not paper:
        headers = ["Record", "Source", "Study", *headers, "Open fields"]
    out = []
    for row in rows:
        cells = [display(row.values.get(fid)) for fid, _ in columns]
        if not paper:
            cells = [str(row.record_id), row.label, row.study, *cells, ", ".join(row.open_fields)]
        out.append(cells)
    return headers, out


def disagreement_table(conn: sa.Connection, form: Form, record_ids: Sequence[int]) -> tuple[list[str], list[list[str]]]:
    """Every field on which dual extractors differed: their values, the consensus and status."""
    states = states_of(conn, form, record_ids)
    reviewers: list[str] = []
    for per_field in states.values():
        for s in per_field.values():
            for r in s.by_reviewer:
                if r not in reviewers:
                    reviewers.append(r)
    headers = ["Record", "Field", *reviewers, "Consensus", "Status"]
    rows = []
    for rid in record_ids:
        for f in form.fields:
            s = states[rid][f.id]
            differed = s.status == "disagreement" or (
                s.status == "consensus"
                and len({repr(v) for v in s.by_reviewer.values()}) > 1
            )
            if differed:
                rows.append([str(rid), f.label, *[display(s.by_reviewer.get(r)) for r in reviewers],
                             display(s.consensus) if s.has_consensus else "", s.status])
    return headers, rows



def chart_docx_table(form: Form, rows: Sequence[ChartRow]) -> tuple[list[str], list[list[str]], str]:
    """The charting table as the Word export has it: headers, rows (``export: true`` fields)
    and the note below it."""
    headers, body = chart_table(form, rows, paper=True)
    return headers, body, f"{len(rows)} sources charted." if rows else "No sources charted yet."


@dataclass
class ChartExport:
    """What ``export_extraction`` made: the text for stdout (None when written to a file),
    the rows, and the warnings of ``review studies check`` (the lines of each study whose
    linked records disagree)."""

    text: str | None
    rows: list[ChartRow]
    study_link_warnings: list[list[str]] = field(default_factory=list)

    @property
    def open_rows(self) -> list[ChartRow]:
        """The sources with fields still open (no consensus yet, or a second extractor awaited)."""
        return [r for r in self.rows if r.open_fields]


def export_extraction(conn: sa.Connection, form: Form, fmt: str, out: Path | None, *,
                      record_ids: Sequence[int] | None = None, title: str = "") -> ChartExport:
    """Write the charting table in ``fmt``; return the text for stdout (or None) and the rows.

    csv and md can go to stdout (``out`` None); xlsx and docx need a file.
    """
    from review.studies import disagreement_lines, link_disagreements

    if fmt not in EXTRACTION_FORMATS:
        raise ExportError(f"--format must be one of {', '.join(EXTRACTION_FORMATS)}, not {fmt!r}")
    warnings = [disagreement_lines(d) for d in link_disagreements(conn)]
    rows = final_table(conn, form, record_ids)
    title = title or "Data charting table"
    if fmt in ("xlsx", "docx") and out is None:
        raise ExportError(f"a {fmt} export needs --out FILE.{fmt}")
    if fmt == "csv":
        text = to_csv(*chart_table(form, rows))
    elif fmt == "md":
        text = to_markdown(*chart_table(form, rows, paper=True), title=title)
    elif fmt == "xlsx":
        ids = [r.record_id for r in rows]
        write_xlsx(out, [("Charting", *chart_table(form, rows)),
                         ("Disagreements", *disagreement_table(conn, form, ids)),
                         ("By reviewer", *reviewer_values_table(conn, form, ids))])
        return ChartExport(None, rows, warnings)
    else:
        headers, body, note = chart_docx_table(form, rows)
        write_docx(out, headers, body, title=title, note=note)
        return ChartExport(None, rows, warnings)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        return ChartExport(None, rows, warnings)
    return ChartExport(text, rows, warnings)


def reviewer_values_table(conn: sa.Connection, form: Form, record_ids: Sequence[int]) -> tuple[list[str], list[list[str]]]:
    """Every extractor's own current values (the audit trail of dual extraction)."""
    states = states_of(conn, form, record_ids)
    rows = []
    for rid in record_ids:
        for f in form.fields:
            for reviewer, value in states[rid][f.id].by_reviewer.items():
                if value is not None:
                    rows.append([str(rid), f.id, reviewer, display(value)])
    return ["Record", "Field", "Reviewer", "Value"], rows
