"""Deduplicate export files without a project: ``review dedup --input FILE... --out clusters.csv``.

Output: one row per input record, columns exactly ``file,row,id,cluster,confidence``:

- ``file``: the path as given on the command line;
- ``row``: the record's 0-based position among the records of its file;
- ``id``: the record's own id in the file (CSV ``ID``/``id``/``record_id`` column, RIS
  ``ID``/accession number, PMID for MEDLINE/PubMed XML; empty when the file has none);
- ``cluster``: a number shared by every record of one cluster (1, 2, ... in order of first
  appearance); a record alone in its cluster gets a number of its own;
- ``confidence``: for a record in a cluster of two or more, the confidence (0-1) of the
  strongest link that put it there (1 for a shared DOI or PMID); 1 for a record alone; empty
  for a record the reader could not read (it is alone in its cluster, and a warning is shown).

Uncertain pairs (left apart, for a person to check) can be written with ``pairs_out``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from review.dedup.pipeline import DedupResult, find_duplicates
from review.records import Record

COLUMNS = ("file", "row", "id", "cluster", "confidence")
PAIR_COLUMNS = ("file_a", "row_a", "id_a", "file_b", "row_b", "id_b", "confidence", "reason")


@dataclass
class InputRecord:
    file: str
    row: int
    id: str
    record: Record | None  # None: the reader skipped it


@dataclass
class StandaloneResult:
    inputs: list[InputRecord]
    rows: list[dict[str, object]]
    result: DedupResult
    warnings: list[str]

    @property
    def duplicates(self) -> int:
        """Records that would be removed (cluster size minus one, summed)."""
        labels = self.result.labels
        return len(labels) - len(set(labels))


def record_id(rec: Record) -> str:
    return rec.source_id or rec.pmid or ""


def read_inputs(paths: Sequence[str | Path], fmt: str | None = None) -> tuple[list[InputRecord], list[str]]:
    """Every record of every file with its 0-based position; skipped records keep their place.

    Records without a title are kept (with their id): they can still join a cluster through a
    DOI or PMID it shares (scoring never matches them on anything else), and their output
    row carries their id like every other."""
    from review.formats import read_file

    inputs: list[InputRecord] = []
    warnings: list[str] = []
    for path in paths:
        result = read_file(path, format=fmt, require_title=False)
        name = str(path)
        untitled = [n for n, rec in enumerate(result.records) if not rec.title]
        if untitled:
            shown = ", ".join(map(str, untitled[:10])) + (", ..." if len(untitled) > 10 else "")
            warnings.append(f"{name}: {len(untitled)} record(s) without a title (row(s) {shown}): "
                            "matched only on a DOI or PMID they share with another record")
        skipped = {s.position for s in result.report.skipped if s.position is not None}
        total = len(result.records) + len(skipped)
        records = iter(result.records)
        for pos in range(total):
            if pos in skipped:
                inputs.append(InputRecord(name, pos, "", None))
            else:
                rec = next(records)
                inputs.append(InputRecord(name, pos, record_id(rec), rec))
        for rec in records:  # skipped records without a position: the rest follow in order
            inputs.append(InputRecord(name, total, record_id(rec), rec))
            total += 1
        for s in result.report.skipped:
            where = f"line {s.line}" if s.line else f"record {s.position}"
            warnings.append(f"{name}: skipped ({where}): {s.reason}")
        warnings.extend(f"{name}: {w}" for w in result.report.warnings)
    return inputs, warnings


def cluster_inputs(inputs: list[InputRecord]) -> tuple[list[dict[str, object]], DedupResult]:
    readable = [i for i, item in enumerate(inputs) if item.record is not None]
    result = find_duplicates([inputs[i].record for i in readable])  # type: ignore[misc]
    strongest: dict[int, float] = {}
    for link in result.clustering.applied:
        for pos in (link.a, link.b):
            strongest[pos] = max(strongest.get(pos, 0.0), min(link.confidence, 1.0))
    label_of_input = {inp: result.labels[pos] for pos, inp in enumerate(readable)}
    conf_of_input = {inp: strongest.get(pos) for pos, inp in enumerate(readable)}
    numbers: dict[object, int] = {}
    rows: list[dict[str, object]] = []
    for i, item in enumerate(inputs):
        key: object = ("label", label_of_input[i]) if i in label_of_input else ("alone", i)
        cluster = numbers.setdefault(key, len(numbers) + 1)
        if item.record is None:
            confidence: object = ""
        else:
            conf = conf_of_input[i]
            confidence = round(conf, 3) if conf is not None else 1.0
        rows.append({"file": item.file, "row": item.row, "id": item.id, "cluster": cluster,
                     "confidence": confidence})
    return rows, result


def write_rows(rows: list[dict[str, object]], out: str | Path | io.TextIOBase, columns=COLUMNS) -> None:
    if isinstance(out, (str, Path)) and str(out) != "-":
        with open(out, "w", newline="", encoding="utf-8") as handle:
            _write(rows, handle, columns)
    else:
        import sys

        _write(rows, out if not isinstance(out, (str, Path)) else sys.stdout, columns)


def _write(rows, handle, columns) -> None:
    writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def pair_rows(inputs: list[InputRecord], result: DedupResult) -> list[dict[str, object]]:
    readable = [i for i, item in enumerate(inputs) if item.record is not None]
    out = []
    for p in result.maybes:
        a, b = inputs[readable[p.a]], inputs[readable[p.b]]
        out.append({"file_a": a.file, "row_a": a.row, "id_a": a.id, "file_b": b.file,
                    "row_b": b.row, "id_b": b.id, "confidence": p.decision.confidence,
                    "reason": p.decision.reason})
    return out


def dedupe_files(
    paths: Sequence[str | Path],
    out: str | Path | io.TextIOBase,
    *,
    fmt: str | None = None,
    pairs_out: str | Path | None = None,
) -> StandaloneResult:
    """Read ``paths``, cluster their records, write ``out`` (and the uncertain pairs)."""
    inputs, warnings = read_inputs(paths, fmt)
    rows, result = cluster_inputs(inputs)
    write_rows(rows, out)
    if pairs_out is not None:
        write_rows(pair_rows(inputs, result), pairs_out, PAIR_COLUMNS)
    return StandaloneResult(inputs, rows, result, warnings)
