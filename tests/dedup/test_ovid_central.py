"""Ovid CENTRAL records against their MEDLINE copies in a real Ovid multi-database export
(data/sample/ovid-multidatabase-300.ris): the number in the pmid slot of Ovid's OpenURL is
not always the record's PubMed id, so it is kept aside and never keeps true copies apart."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from review.dedup.pipeline import find_duplicates
from review.formats import read_file

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "ovid-multidatabase-300.ris"


def _clusters():
    records = read_file(SAMPLE).records
    result = find_duplicates(records)
    groups: dict[int, list[int]] = defaultdict(list)
    for pos, label in enumerate(result.labels):
        groups[label].append(pos)
    return records, result, [g for g in groups.values() if len(g) > 1]


def test_a_central_record_whose_openurl_holds_an_embase_number_joins_its_medline_copy():
    records, result, clusters = _clusters()
    title = "Naltrexone but Not Ketanserin Antagonizes the Subjective"
    copies = [i for i, r in enumerate(records) if r.title.startswith(title)]
    assert sorted(records[i].source_database for i in copies) == ["CENTRAL", "CENTRAL", "MEDLINE"]
    # one CENTRAL copy's OpenURL carries 620417027 (an Embase accession number) as its "pmid"
    assert any(records[i].raw.get("OPENURL_PMID") == ["620417027"] for i in copies)
    assert sorted(copies) in [sorted(c) for c in clusters]
    assert not result.maybes


def test_central_records_whose_openurl_number_is_the_pmid_still_join_their_medline_copy():
    records, _result, clusters = _clusters()
    cluster_of = {pos: n for n, members in enumerate(clusters) for pos in members}
    medline = {r.pmid: i for i, r in enumerate(records) if r.source_database == "MEDLINE"}
    agreeing = [
        (i, medline[r.raw["OPENURL_PMID"][0]]) for i, r in enumerate(records)
        if r.source_database == "CENTRAL" and r.raw.get("OPENURL_PMID", [""])[0] in medline
    ]
    assert len(agreeing) >= 5
    assert all(i in cluster_of and cluster_of.get(i) == cluster_of.get(m) for i, m in agreeing)


def test_no_cluster_holds_two_medline_records():
    records, _result, clusters = _clusters()
    for members in clusters:
        assert sum(records[i].source_database == "MEDLINE" for i in members) <= 1
