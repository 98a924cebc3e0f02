"""Helpers for the dedup tests: record factories and the labelled sets copied in tests/data/dedup."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from review.records import Record, split_pages

DATA = Path(__file__).resolve().parent.parent / "data" / "dedup"


def article(**fields) -> Record:
    """A realistic journal article; override any field."""
    base = dict(
        title="Mentoring programmes for medical students: a scoping review of outcomes",
        authors=["Kalén, S.", "Ponzer, S.", "Silén, C."],
        year=2012,
        journal="Medical Teacher",
        journal_abbrev="Med Teach",
        volume="34",
        issue="6",
        start_page="e389",
        end_page="e395",
        doi="10.3109/0142159x.2012.668234",
        pmid="22449268",
        source_database="MEDLINE",
    )
    base.update(fields)
    return Record(**base)


def csv_records(path: Path) -> tuple[list[Record], list[str]]:
    """Records of a bib-dedupe style CSV (ID,title,year,author,pages,volume,number,journal,...)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for row in rows:
        start, end = split_pages(row.get("pages") or "")
        year = re.search(r"\d{4}", row.get("year") or "")
        out.append(
            Record(
                title=row.get("title") or "",
                authors=[row["author"]] if row.get("author") else [],
                year=int(year.group(0)) if year else None,
                journal=row.get("journal") or row.get("booktitle") or "",
                volume=row.get("volume") or "",
                issue=row.get("number") or row.get("issue") or "",
                start_page=start,
                end_page=end,
                doi=(row.get("doi") or "").lower(),
                abstract=row.get("abstract") or "",
                source_id=row.get("ID") or "",
                reference_type=row.get("ENTRYTYPE") or "",
            )
        )
    return out, [r.source_id for r in out]


def gold_groups(path: Path, ids: list[str]) -> list[str]:
    group = {i: f"S{i}" for i in ids}
    with open(path, newline="", encoding="utf-8") as handle:
        for k, row in enumerate(csv.DictReader(handle)):
            for member in row["merged_ids"].split(";"):
                group[member.strip()] = f"G{k}"
    return [group[i] for i in ids]


@pytest.fixture(scope="session")
def haematology():
    records, ids = csv_records(DATA / "haematology_records.csv")
    return records, ids, gold_groups(DATA / "haematology_merged_ids.csv", ids)


@pytest.fixture(scope="session")
def special_cases():
    records, ids = csv_records(DATA / "special_cases_records.csv")
    return records, ids, gold_groups(DATA / "special_cases_merged_ids.csv", ids)
