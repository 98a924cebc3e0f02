"""Pair decisions: each rule of review.dedup.score, on hand-made pairs."""

from __future__ import annotations

from review.dedup.normalise import normalise
from review.dedup.score import DISTINCT, DUPLICATE, MAYBE, score_pair

from .conftest import article


def decide(a, b):
    return score_pair(normalise(a, 0), normalise(b, 1))


def test_same_record_from_two_databases_is_a_duplicate():
    embase = article(
        title="Mentoring programmes for medical students - a scoping review of outcomes.",
        authors=["Kalen S.", "Ponzer S.", "Silen C."],
        journal="Medical Teacher",
        pmid="",
        source_database="Embase",
    )
    d = decide(article(), embase)
    assert d.outcome == DUPLICATE
    assert d.method == "doi" and d.confidence == 1.0


def test_fuzzy_duplicate_without_identifiers():
    a = article(doi="", pmid="")
    b = article(
        doi="", pmid="",
        title="Mentoring programs for medical students: a scoping review of outcome",
        journal="Med Teach", start_page="389", end_page="395",
    )
    d = decide(a, b)
    assert d.outcome == DUPLICATE and d.method == "fuzzy"


def test_different_dois_never_merge():
    d = decide(article(), article(doi="10.3109/0142159x.2012.999999"))
    assert d.outcome != DUPLICATE
    assert "DOI" in d.reason


def test_different_pmids_never_merge():
    d = decide(article(), article(doi="", pmid="11111111"))
    assert d.outcome != DUPLICATE
    assert "PMID" in d.reason


def test_different_identifiers_with_everything_else_equal_go_to_a_person():
    d = decide(article(), article(doi="10.3109/0142159x.2012.999999"))
    assert d.outcome == MAYBE


def test_erratum_is_not_merged_into_its_article():
    erratum = article(
        title="Erratum: Mentoring programmes for medical students: a scoping review of outcomes",
        doi="", pmid="", issue="9", start_page="781", end_page="",
    )
    assert decide(article(), erratum).outcome == DISTINCT
    # even when the erratum carries the article's DOI by mistake
    assert decide(article(), erratum.__class__(**{**erratum.__dict__, "doi": article().doi})).outcome == DISTINCT


def test_erratum_indexed_under_the_article_title_is_kept_apart_by_its_pages():
    erratum = article(doi="", pmid="", issue="9", start_page="781", end_page="", publication_types=["Published Erratum"])
    assert decide(article(doi="", pmid=""), erratum).outcome != DUPLICATE


def test_two_copies_of_one_erratum_merge():
    e1 = article(title="Erratum: Mentoring programmes for medical students", doi="", pmid="", issue="9", start_page="781", end_page="")
    e2 = article(title="Erratum: Mentoring programmes for medical students.", doi="", pmid="", issue="9", start_page="781", end_page="", source_database="Embase")
    assert decide(e1, e2).outcome == DUPLICATE


def test_comment_reply_and_retraction_are_not_merged_with_the_article():
    for title in (
        "Comment on: Mentoring programmes for medical students: a scoping review of outcomes",
        "Reply to: Mentoring programmes for medical students: a scoping review of outcomes",
        "Retraction notice to: Mentoring programmes for medical students: a scoping review of outcomes",
        "Re: Mentoring programmes for medical students: a scoping review of outcomes",
    ):
        notice = article(title=title, doi="", pmid="", start_page="", end_page="")
        assert decide(article(), notice).outcome == DISTINCT, title


def test_conference_abstract_is_not_merged_into_the_article():
    abstract = article(
        doi="", pmid="", journal="Medical Teacher. Conference: AMEE 2011", year=2011,
        volume="33", issue="Suppl 1", start_page="S12", end_page="", publication_types=["Conference Abstract"],
    )
    assert decide(article(doi="", pmid=""), abstract).outcome != DUPLICATE
    # ... and not even with no pages or volume to contradict it
    bare = article(doi="", pmid="", journal="Medical Teacher. Conference: AMEE 2012", volume="", issue="", start_page="", end_page="")
    assert decide(article(doi="", pmid=""), bare).outcome != DUPLICATE


def test_two_records_of_one_conference_abstract_merge():
    a = article(doi="", pmid="", journal="Diabetologia. Conference: 54th EASD", volume="61", issue="Suppl 1", start_page="S557", end_page="S558")
    b = article(doi="", pmid="", journal="Diabetologia", volume="61", issue="Supplement 1", start_page="S557", end_page="S558")
    assert decide(a, b).outcome == DUPLICATE


def test_same_title_different_year_volume_or_pages_stays_apart():
    base = article(doi="", pmid="")
    assert decide(base, article(doi="", pmid="", year=2015, volume="37", start_page="100", end_page="110")).outcome != DUPLICATE
    assert decide(base, article(doi="", pmid="", volume="35", issue="", start_page="", end_page="")).outcome != DUPLICATE
    assert decide(base, article(doi="", pmid="", issue="", start_page="e500", end_page="e505")).outcome != DUPLICATE


def test_same_title_one_field_off_but_everything_else_agrees_merges():
    base = article(doi="", pmid="", start_page="389", end_page="395")
    typo = article(doi="", pmid="", start_page="389", end_page="395", year=2010)  # year typo
    assert decide(base, typo).outcome == DUPLICATE


def test_series_parts_are_not_merged():
    p1 = article(doi="", pmid="", title="Mentoring medical students, part 1: programmes", start_page="", end_page="")
    p2 = article(doi="", pmid="", title="Mentoring medical students, part 2: programmes", start_page="", end_page="")
    assert decide(p1, p2).outcome != DUPLICATE


def test_different_titles_are_distinct():
    other = article(doi="", pmid="", title="Peer-assisted learning in anatomy: a randomised trial")
    assert decide(article(doi="", pmid=""), other).outcome == DISTINCT


def test_retitled_copy_at_the_same_address_merges():
    a = article(doi="", pmid="", title="Atypical hemolytic-uremic syndrome", authors=["Noris, M.", "Remuzzi, G."],
                journal="N Engl J Med", volume="361", issue="17", start_page="1676", end_page="1687", year=2009)
    b = article(doi="", pmid="", title="MEDICAL PROGRESS Atypical Hemolytic-Uremic Syndrome", authors=["Noris M", "Remuzzi G"],
                journal="New England Journal of Medicine", volume="361", issue="17", start_page="1676", end_page="1687", year=2009)
    assert decide(a, b).outcome == DUPLICATE


def test_same_doi_and_a_title_with_appended_junk_merge():
    a = article(pmid="", title="Antimicrobial copper coating for healthcare facilities")
    b = article(pmid="", title="Antimicrobial copper coating for healthcare facilities 06 Biological Sciences 0605 Microbiology 11 Medical")
    assert decide(a, b).outcome == DUPLICATE


def test_same_doi_but_a_different_title_is_not_merged():
    supplement_doi = "10.1007/s00125-018-4693-0"
    a = article(pmid="", doi=supplement_doi, title="Glucagon-like peptide 1 and cholesterol transport")
    b = article(pmid="", doi=supplement_doi, title="Sodium-glucose cotransporter inhibition in obese rats")
    assert decide(a, b).outcome == DISTINCT


def test_quick_exit_changes_no_decision(haematology):
    """``score_pair`` skips comparing the other fields when the titles alone rule a pair out;
    on every candidate pair of a real labelled set and of the adversarial set its outcome is
    what the full rules (``decide(compare(...))``) give, and every non-distinct decision is
    identical."""
    from review.dedup.block import candidate_pairs
    from review.dedup.score import compare
    from review.dedup.score import decide as full_rules
    from review.formats import read_file

    from .conftest import DATA

    for recs in (haematology[0], read_file(DATA / "adversarial.csv").records):
        norms = [normalise(r, i) for i, r in enumerate(recs)]
        pairs = candidate_pairs(norms)
        assert len(pairs) > 40
        for a, b in pairs:
            quick, full = score_pair(norms[a], norms[b]), full_rules(compare(norms[a], norms[b]))
            assert quick.outcome == full.outcome, (a, b, full.reason)
            if full.outcome != DISTINCT:
                assert quick == full


def test_a_title_inside_a_longer_one_at_the_same_address_is_still_compared():
    """Titles only ~60 alike, but one is the other with a long prefix: the quick exit must not
    skip the same-address rule (one title inside the other, same authors)."""
    a = article(doi="", pmid="", title="Mentoring programmes for medical students a scoping review")
    b = article(doi="", pmid="", title="Undergraduate education in Sweden and Norway 2012: mentoring programmes "
                                         "for medical students a scoping review")
    assert decide(a, b).outcome == DUPLICATE
