"""Blocking (candidate pairs), constrained union-find clustering, and the kept record."""

from __future__ import annotations

import random

from review.dedup.block import candidate_pairs
from review.dedup.cluster import Link, UnionFind, build_clusters
from review.dedup.merge import choose_kept, merge_cluster, source_databases
from review.dedup.normalise import normalise
from review.records import Record

from .conftest import article


def _norms(records):
    return [normalise(r, i) for i, r in enumerate(records)]


def test_a_record_missing_its_title_start_is_still_compared():
    a = article(doi="", pmid="")
    b = article(doi="", pmid="", title="A scoping review of outcomes of mentoring programmes", authors=[])
    c = article(doi="", pmid="", title="Totally different paper on anatomy teaching", authors=["Other, A."], year=1999,
                volume="1", start_page="1", end_page="2", journal="Anat Sci Educ")
    pairs = candidate_pairs(_norms([a, b, c]))
    assert (0, 1) in pairs  # shared journal/volume/page and title words
    assert (0, 2) not in pairs and (1, 2) not in pairs


def test_typo_in_the_first_word_is_caught_by_another_key():
    a = article(doi="", pmid="", title="Mentoring programmes for medical students and their outcomes")
    b = article(doi="", pmid="", title="Mentring programmes for medical students and their outcomes", year=2013, volume="", start_page="")
    assert (0, 1) in candidate_pairs(_norms([a, b]))


def test_large_blocks_grow_linearly():
    rng = random.Random(1)
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda omicron".split()
    records = [
        Record(title=" ".join(rng.choice(words) for _ in range(8)) + f" {i}", authors=["Smith, J."], year=2020)
        for i in range(3000)
    ]  # one author-year block of 3000 records
    pairs = candidate_pairs(_norms(records), max_block=40, window=6)
    assert len(pairs) < 3000 * 6 * 4  # never all 4.5 million pairs


def test_union_find():
    uf = UnionFind(5)
    uf.union(0, 1)
    uf.union(3, 4)
    uf.union(1, 4)
    assert len({uf.find(i) for i in range(5)}) == 2


def test_fuzzy_links_never_chain_two_different_dois():
    # 0 and 2 have different DOIs; 1 has none and resembles both
    links = [Link(0, 1, 0.9), Link(1, 2, 0.8)]
    result = build_clusters(3, links, dois=["10.1/a", "", "10.1/b"])
    assert result.labels[0] != result.labels[2]
    assert result.labels[0] == result.labels[1]  # the stronger link wins
    assert len(result.blocked) == 1 and "DOI" in result.blocked[0][1]


def test_rejected_pairs_stay_apart_even_through_others():
    links = [Link(0, 1, 0.9), Link(1, 2, 0.9)]
    result = build_clusters(3, links, rejected=[(0, 2)])
    assert result.labels[0] != result.labels[2]


def test_confirmed_pairs_join_despite_identifier_conflicts():
    result = build_clusters(2, [], dois=["10.1/a", "10.1/b"], confirmed=[Link(0, 1, 1.0, method="manual")])
    assert result.labels[0] == result.labels[1]


def test_kept_record_prefers_medline_then_completeness():
    embase = article(source_database="Embase", abstract="Long abstract " * 50)
    medline = article(source_database="MEDLINE", abstract="")
    members = [(1, embase), (2, medline)]
    assert choose_kept(members) == 2
    assert choose_kept(members, previously_kept={1}) == 1  # stable across reruns
    bare = article(source_database="Scopus", doi="", abstract="")
    full = article(source_database="Scopus", abstract="x")
    assert choose_kept([(5, bare), (6, full)]) == 6


def test_merged_record_fills_missing_fields_and_lists_databases():
    medline = article(source_database="MEDLINE", abstract="", doi="")
    embase = article(source_database="Embase", abstract="An abstract.", doi="10.1/x", pmid="")
    merged = merge_cluster([(1, medline), (2, embase)], kept_id=1)
    assert merged.abstract == "An abstract." and merged.doi == "10.1/x"
    assert merged.pmid == medline.pmid
    assert merged.source_database == "MEDLINE; Embase"
    assert source_databases([medline, embase, medline]) == ["MEDLINE", "Embase"]
