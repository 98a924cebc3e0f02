"""The labelled deduplication sets in ../shared/data/dedup/, as records plus the gold partition.

Files are read with ``review.formats.read_file``, exactly as ``review dedup --input`` reads
them. A record the reader skips (e.g. a CSV row without a title) stays in the set as
``None``: it cannot be compared, so it counts as a record left alone.

Each loader returns a ``LabelledSet``: one entry per record of the file (in file order), its
id, and the gold truth, either as groups (``gold``: group key per record) or, for
sweep_copper, only as a per-record flag ("belongs to some duplicate set").
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

from review.formats import read_file
from review.records import Record


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
FILES = {
    "asysd_diabetes": "diabetes_with_groups.csv",
    "bibdedupe_special_cases": "records_pre_merged.csv",
    "sra_cytology_screening": "records_pre_merged.csv",
    "sra_haematology": "records_pre_merged.csv",
    "sweep_copper": "copper.xml",
}


@dataclass
class LabelledSet:
    name: str
    path: Path
    records: list[Record | None]  # None: skipped by the reader
    ids: list[str]
    gold: list[str] | None = None  # gold group per record
    flagged: list[bool] | None = None  # sweep_copper: record flagged "Duplicate"

    @property
    def has_groups(self) -> bool:
        return self.gold is not None

    @property
    def readable(self) -> list[int]:
        return [i for i, r in enumerate(self.records) if r is not None]


def _positions(path: Path) -> tuple[list[Record | None], list[str]]:
    result = read_file(path)
    skipped = {s.position for s in result.report.skipped if s.position is not None}
    records: list[Record | None] = []
    it = iter(result.records)
    for pos in range(len(result.records) + len(skipped)):
        records.append(None if pos in skipped else next(it))
    return records, [r.source_id if r is not None else "" for r in records]


def _raw_ids(path: Path, column: str) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def _groups_from_merged_ids(path: Path, ids: list[str]) -> list[str]:
    group_of = {i: f"S{i}" for i in ids}
    with open(path, newline="", encoding="utf-8") as handle:
        for k, row in enumerate(csv.DictReader(handle)):
            for member in re.split(r"[;,]", row["merged_ids"]):
                if member.strip():
                    group_of[member.strip()] = f"G{k}"
    return [group_of[i] for i in ids]


# Labelled sets kept in the repository (built for the project; always "seen"): not pooled
# with the published sets.
REPO_SETS = {"adversarial": Path(__file__).resolve().parents[2] / "tests" / "data" / "dedup" / "adversarial.csv"}


def load(name: str) -> LabelledSet:
    if name in REPO_SETS:
        path = REPO_SETS[name]
        records, _ = _positions(path)
        ids = _raw_ids(path, "ID")
        return LabelledSet(name, path, records, ids, gold=_raw_ids(path, "group"))
    folder = DATA / name
    path = folder / FILES[name]
    if name not in ("sweep_copper", "asysd_diabetes"):
        return load_merged_format(name, path, folder / "merged_record_ids.csv")
    records, ids = _positions(path)
    if name == "sweep_copper":
        flags = [bool(r and any(v.lower() == "duplicate" for v in r.raw.get("caption", []))) for r in records]
        return LabelledSet(name, path, records, ids, flagged=flags)
    ids = _raw_ids(path, "record_id")  # asysd_diabetes
    with open(path, newline="", encoding="utf-8") as handle:
        gold = [row["gold_group"] for row in csv.DictReader(handle)]
    return LabelledSet(name, path, records, ids, gold=gold)


def load_merged_format(name: str, records_path: Path, merged_path: Path) -> LabelledSet:
    """A set in bib-dedupe's format: records (CSV with an ``ID`` column) and the groups (one
    row per group, ``merged_ids`` joined by ``;``)."""
    records, _ = _positions(records_path)
    ids = _raw_ids(records_path, "ID")  # also the ids of skipped rows
    return LabelledSet(name, records_path, records, ids, gold=_groups_from_merged_ids(merged_path, ids))


def load_all() -> list[LabelledSet]:
    return [load(name) for name in SETS]


# Labels reconciled with the project's definition of a duplicate (see adjudications.csv and
# misses.md): each row moves one record out of its published group into ``new_group``
# (records of a set sharing ``new_group`` form one group).
ADJUDICATIONS = Path(__file__).resolve().parent / "adjudications.csv"


def read_adjudications(path: Path = ADJUDICATIONS) -> dict[str, list[dict]]:
    """Rows of the adjudication file per set name."""
    out: dict[str, list[dict]] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            missing = [k for k in ("set", "record_id", "new_group", "kind", "evidence") if not (row.get(k) or "").strip()]
            if missing:
                raise ValueError(f"{path}, line {line}: empty {', '.join(missing)}")
            out.setdefault(row["set"], []).append(row)
    return out


def adjudicate(ids: list[str], gold: list[str], rows: list[dict]) -> list[str]:
    """The gold groups with each adjudicated record moved to its ``new_group``.

    A row must name a record of the set that the published labels put in a group of two or
    more (an adjudication only ever takes a record out of a labelled duplicate group).
    """
    position = {record_id: i for i, record_id in enumerate(ids)}
    sizes: dict[str, int] = {}
    for g in gold:
        sizes[g] = sizes.get(g, 0) + 1
    out = list(gold)
    for row in rows:
        i = position.get(row["record_id"])
        if i is None:
            raise ValueError(f"adjudication names {row['record_id']!r}, which is not a record of the set")
        if sizes[gold[i]] < 2:
            raise ValueError(f"adjudication names {row['record_id']!r}, which the labels do not put in a duplicate group")
        out[i] = f"adjudicated:{row['new_group']}"
    return out


def adjudicated_gold(s: LabelledSet) -> list[str] | None:
    """``s.gold`` reconciled with adjudications.csv (None for a set labelled only per record)."""
    if s.gold is None:
        return None
    return adjudicate(s.ids, s.gold, read_adjudications().get(s.name, []))
