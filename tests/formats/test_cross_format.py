"""The blue-light set as RIS, MEDLINE (.nbib) and EndNote XML: same titles, DOIs and years,
checked against Reflib's parsed truth (blue-light.json, trimmed to those fields)."""

from __future__ import annotations

import json

import pytest

from review.formats import read_file
from review.records import clean_text

from .conftest import DATA, SAMPLE

TRUTH = json.loads((DATA / "blue-light-truth.json").read_text(encoding="utf-8"))


def title_key(title: str) -> str:
    """PubMed ends titles with a full stop, EndNote may not: compare without it."""
    return clean_text(title).rstrip(".").casefold()


def expected(item: dict) -> tuple[str, str, int]:
    # Reflib's DOIs are already bare and lower-case: compared as they are, not through the reader's
    # own normalise_doi (a fault there would otherwise change both sides alike)
    return title_key(item["title"]), (item.get("doi") or "").strip().lower(), int(item["year"])


def got(record) -> tuple[str, str, int]:
    return title_key(record.title), record.doi, record.year


@pytest.mark.parametrize("name", ["endnote-blue-light.ris", "endnote-blue-light.xml"])
def test_endnote_exports_match_the_truth_record_by_record(name):
    records = read_file(SAMPLE / name).records
    assert len(records) == len(TRUTH) == 102
    for record, item in zip(records, TRUTH):
        assert got(record) == expected(item), item["recNumber"]
        number = record.raw["rec-number"] if name.endswith(".xml") else record.raw["ID"]
        assert number == [item["recNumber"]]


def test_pubmed_export_matches_the_truth_for_its_80_records():
    records = read_file(SAMPLE / "pubmed-blue-light.nbib").records
    assert len(records) == 80
    truth_by_title = {expected(item)[0]: expected(item) for item in TRUTH}
    for record in records:
        assert got(record) == truth_by_title[title_key(record.title)], record.pmid


def test_the_three_formats_agree_on_shared_records():
    ris = read_file(SAMPLE / "endnote-blue-light.ris").records
    xml = read_file(SAMPLE / "endnote-blue-light.xml").records
    nbib = {r.pmid: r for r in read_file(SAMPLE / "pubmed-blue-light.nbib").records}
    assert [got(r) for r in ris] == [got(x) for x in xml]
    assert [(r.pmid, r.source_id, r.authors) for r in ris] == [(x.pmid, x.source_id, x.authors) for x in xml]
    matched = 0
    for record in ris:
        if record.pmid in nbib:
            matched += 1
            assert got(nbib[record.pmid]) == got(record)
            surnames = [a.split(",")[0] for a in record.authors]
            # MEDLINE adds group authors (CN) after the persons; EndNote dropped them
            assert [a.split(",")[0] for a in nbib[record.pmid].authors][: len(surnames)] == surnames
    assert matched == 80
