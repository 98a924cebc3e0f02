"""bib-dedupe's 25 labelled record pairs (tests/data/dedup/bibdedupe_test_cases/, MIT).

Each pair is scored with the project's rules (``score_pair``) and, as a pair of records,
clustered by ``find_duplicates``. Where the authors' label and the documented rules
(docs/dedup.md) disagree, ``CONTRADICTS`` names the rule and says why the rule wins; where
the label says "not a duplicate" but the policy is to ask a person, ``QUEUED`` says so.
"""

from __future__ import annotations

import pytest

from review.dedup.normalise import normalise
from review.dedup.pipeline import find_duplicates
from review.dedup.score import DISTINCT, DUPLICATE, MAYBE, score_pair

from .bibtex_pairs import bibtex_record, load_cases

CASES = {case["id"]: case for case in load_cases()}

# Labelled duplicates the rules keep apart on purpose: case id -> (rule, why).
CONTRADICTS = {
    "tan_2004_2005_pub2_vs_pub3": (
        "rule 1: different DOIs are never merged automatically",
        "CD002273.pub2 and CD002273.pub3 are two versions of a Cochrane review, published in "
        "different years and issues (2004 issue 3, 2005 issue 2); a review counts one of them, "
        "and which one is a person's choice, not a matcher's",
    ),
}

# Labelled "not duplicates" the rules send to the review queue rather than call distinct.
QUEUED = {
    "smith_2020_same_title_author_different_venue": (
        "conference paper vs journal article: kept apart, asked (a 'Workshop of ...' venue is a conference)"
    ),
    "stahl_cmc_2004_vs_stahl_cmc_2003_amcis": (
        "conference paper (AMCIS 2003) vs the journal article a year later: kept apart, asked"
    ),
}


def _pair(case_id: str):
    case = CASES[case_id]
    return bibtex_record(case["record_a"]), bibtex_record(case["record_b"])


def test_all_25_cases_are_covered():
    assert len(CASES) == 25
    assert set(CONTRADICTS) | set(QUEUED) <= set(CASES)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_pair_decision_follows_label_or_named_rule(case_id):
    a, b = _pair(case_id)
    decision = score_pair(normalise(a, 0), normalise(b, 1))
    expected = CASES[case_id]["expected_duplicate"]
    if case_id in CONTRADICTS:
        assert expected is True
        assert decision.outcome != DUPLICATE, CONTRADICTS[case_id]
    elif case_id in QUEUED:
        assert expected is False
        assert decision.outcome == MAYBE, QUEUED[case_id]
    elif expected:
        assert decision.outcome == DUPLICATE, decision.reason
    else:
        assert decision.outcome == DISTINCT, decision.reason


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_clustering_merges_exactly_the_labelled_duplicates(case_id):
    a, b = _pair(case_id)
    labels = find_duplicates([a, b]).labels
    merged = labels[0] == labels[1]
    assert merged == (CASES[case_id]["expected_duplicate"] and case_id not in CONTRADICTS)


def test_why_the_hard_false_cases_stay_apart():
    reasons = {
        case_id: score_pair(normalise(a, 0), normalise(b, 1)).reason
        for case_id, (a, b) in ((cid, _pair(cid)) for cid in CASES)
    }
    # Annual minitrack introductions: same title and authors, a DOI each.
    assert reasons["deng_taylor_moussawi_hicss_2021_vs_2022_minitrack_intro"] == "DOIs differ"
    # "Book review" vs a specific book review in the same issue: a generic title.
    assert "generic title" in reasons["ejis_1995_book_review_unknown_vs_specific_book_review"]
    # One DOI in the data for two clearly different papers.
    assert "same DOI but different titles" in reasons["attili_2018_vs_annabi_mcgann_2019_same_doi_but_different_papers"]


def test_generic_titles_are_recognised_in_the_cases():
    minitrack = normalise(_pair("deng_taylor_moussawi_hicss_2021_vs_2022_minitrack_intro")[0])
    assert "introduction" in minitrack.generic
    journal_name = normalise(_pair("hu_moody_galletta_2023_title_is_journal_repeated_should_be_removed")[0])
    assert journal_name.generic == "the title is only the journal's name"
    unknown = normalise(_pair("reynoso_2010_unknown_title_vs_reynoso_2013_spanish_title")[0])
    assert unknown.generic == "no real title"
