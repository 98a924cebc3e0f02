"""The labelled deduplication sets in ../shared/data/dedup/, as records plus the gold partition.

Each loader returns a ``LabelledSet``: the records in file order, one id per record, and
the gold truth, either as groups (``group_of``: id -> group key) or, for sweep_copper,
only as a per-record flag ("belongs to some duplicate set").

Files are read with ``review.formats.read_file`` when the readers are available, else with
a small local reader of the same columns (kept only so benchmarks run on any branch).
"""

from __future__ import annotations

import csv
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from review.records import Record, normalise_doi, normalise_issn, normalise_year, split_pages

def _find_data() -> Path:
    """``$REVIEW_SHARED_DATA/dedup``, else the nearest ``shared/data/dedup`` above this file."""
    env = os.environ.get("REVIEW_SHARED_DATA")
    if env:
        return Path(env) / "dedup"
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "shared" / "data" / "dedup"
        if candidate.is_dir():
            return candidate
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "dedup"


DATA = _find_data()

SETS = (
    "asysd_diabetes",
    "bibdedupe_special_cases",
    "sra_cytology_screening",
    "sra_haematology",
    "sweep_copper",
)


@dataclass
class LabelledSet:
    name: str
    path: Path
    records: list[Record]
    ids: list[str]
    group_of: dict[str, str] = field(default_factory=dict)  # id -> gold group (all ids)
    flagged: set[str] | None = None  # sweep_copper: ids flagged "Duplicate"

    @property
    def has_groups(self) -> bool:
        return self.flagged is None


def _read_with_formats(path: Path) -> list[Record] | None:
    try:
        from review.formats import read_file

        return read_file(path).records
    except (ImportError, ModuleNotFoundError):
        return None


def _csv_record(row: dict[str, str]) -> Record:
    get = lambda *names: next((row[n] for n in names if row.get(n)), "")  # noqa: E731
    start, end = split_pages(get("pages"))
    authors = get("author", "authors")
    return Record(
        title=get("title"),
        abstract=get("abstract"),
        authors=[authors] if authors else [],
        year=normalise_year(get("year")),
        journal=get("journal", "booktitle"),
        volume=get("volume"),
        issue=get("number", "issue"),
        start_page=start,
        end_page=end,
        doi=normalise_doi(get("doi")),
        issns=normalise_issn(get("isbn", "issn")),
        source_id=get("ID", "id", "record_id"),
        reference_type=get("ENTRYTYPE"),
    )


def read_csv_records(path: Path, encoding: str = "utf-8") -> tuple[list[Record], list[dict]]:
    with open(path, newline="", encoding=encoding) as handle:
        rows = list(csv.DictReader(handle))
    return [_csv_record(r) for r in rows], rows


def _text(elem: ET.Element | None) -> str:
    return "".join(elem.itertext()).strip() if elem is not None else ""


def read_endnote_records(path: Path) -> tuple[list[Record], list[str], list[bool]]:
    """EndNote XML records, their rec-numbers and their "Duplicate" caption flags."""
    root = ET.parse(path).getroot()
    out: list[Record] = []
    ids: list[str] = []
    flags: list[bool] = []
    for rec in root.iter("record"):
        start, end = split_pages(_text(rec.find("pages")))
        out.append(
            Record(
                title=_text(rec.find("titles/title")),
                authors=[_text(a) for a in rec.findall("contributors/authors/author")],
                year=normalise_year(_text(rec.find("dates/year"))),
                journal=_text(rec.find("periodical/full-title")) or _text(rec.find("titles/secondary-title")),
                journal_abbrev=_text(rec.find("periodical/abbr-1")),
                volume=_text(rec.find("volume")),
                issue=_text(rec.find("number")),
                start_page=start,
                end_page=end,
                doi=normalise_doi(_text(rec.find("electronic-resource-num"))),
                abstract=_text(rec.find("abstract")),
                issns=normalise_issn(_text(rec.find("isbn"))),
                source_database=_text(rec.find("remote-database-name")),
                source_id=_text(rec.find("rec-number")),
                reference_type=_text(rec.find("work-type")),
            )
        )
        ids.append(_text(rec.find("rec-number")))
        flags.append(_text(rec.find("caption")).lower() == "duplicate")
    return out, ids, flags


def _groups_from_merged_ids(path: Path, ids: list[str]) -> dict[str, str]:
    group_of = {i: f"S{i}" for i in ids}
    with open(path, newline="", encoding="utf-8") as handle:
        for k, row in enumerate(csv.DictReader(handle)):
            for member in re.split(r"[;,]", row["merged_ids"]):
                member = member.strip()
                if member:
                    group_of[member] = f"G{k}"
    return group_of


def load(name: str) -> LabelledSet:
    folder = DATA / name
    if name == "asysd_diabetes":
        path = folder / "diabetes_with_groups.csv"
        records, rows = read_csv_records(path)
        ids = [r["record_id"] for r in rows]
        return LabelledSet(name, path, records, ids, {r["record_id"]: r["gold_group"] for r in rows})
    if name == "sweep_copper":
        path = folder / "copper.xml"
        records, ids, flags = read_endnote_records(path)
        flagged = {i for i, f in zip(ids, flags) if f}
        return LabelledSet(name, path, records, ids, {}, flagged)
    path = folder / "records_pre_merged.csv"
    records, rows = read_csv_records(path)
    ids = [r["ID"] for r in rows]
    return LabelledSet(name, path, records, ids, _groups_from_merged_ids(folder / "merged_record_ids.csv", ids))


def load_all() -> list[LabelledSet]:
    return [load(name) for name in SETS]
