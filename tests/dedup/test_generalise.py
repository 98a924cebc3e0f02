"""The rules that say why two records cannot be one paper, and the few that merge across
differing titles (docs/dedup.md, "Decision rules"): one test per rule, with the nearest
pair that must stay apart."""

from __future__ import annotations

import pytest

from review.dedup.cluster import Link, build_clusters
from review.dedup.generic import generic_reason
from review.dedup.normalise import author_parts, journal_variants, main_title, normalise, translation_signal
from review.dedup.pipeline import find_duplicates
from review.dedup.score import DISTINCT, DUPLICATE, MAYBE, online_first, score_pair
from review.records import Record

from .conftest import article


def decide(a: Record, b: Record):
    return score_pair(normalise(a, 0), normalise(b, 1))


def column(issue: str, **more) -> Record:
    base = dict(title="Editor's Comments", authors=["Rai, Arun"], year=2017, journal="MIS Quarterly",
                journal_abbrev="", volume="41", issue=issue, start_page="", end_page="", doi="", pmid="")
    base.update(more)
    return Record(**base)


# -- different issue numbers -------------------------------------------------------------

def test_different_issues_keep_an_otherwise_identical_article_apart():
    a = article(doi="", pmid="", issue="2", start_page="101", end_page="108")
    b = article(doi="", pmid="", issue="5", start_page="101", end_page="108")
    assert decide(a, b).outcome != DUPLICATE
    assert decide(a, article(doi="", pmid="", issue="2", start_page="101", end_page="108")).outcome == DUPLICATE


def test_a_copy_without_an_issue_does_not_bridge_two_issues():
    title = "Digital platforms and the future of clinical teaching"
    one = Record(title=title, authors=["Rai, Arun"], year=2017, journal="MIS Quarterly", volume="41", issue="1")
    two = Record(title=title, authors=["Rai, Arun"], year=2017, journal="MIS Quarterly", volume="41", issue="2")
    bare = Record(title=title, authors=["Rai, Arun"], year=2017, journal="MIS Quarterly", volume="41")
    labels = find_duplicates([one, bare, two]).labels
    assert labels[0] != labels[2]


def test_cluster_refuses_a_fuzzy_union_of_two_issues_but_not_a_doi_one():
    issues = [("41", "1", ""), ("41", "", ""), ("41", "2", "")]
    fuzzy = [Link(0, 1, 0.9), Link(1, 2, 0.8)]
    result = build_clusters(3, fuzzy, issues=issues)
    assert result.labels[0] != result.labels[2] and len(result.blocked) == 1
    by_doi = build_clusters(3, [Link(0, 1, 2.0, method="doi"), Link(1, 2, 2.0, method="doi")], issues=issues)
    assert by_doi.labels[0] == by_doi.labels[2]


def test_an_issue_field_holding_the_page_is_not_another_issue():
    # Molecular Systems Biology 11:791: one export has the article number in the issue field.
    a = article(doi="", pmid="", journal="Molecular Systems Biology", volume="11", issue="791", start_page="", end_page="")
    b = article(doi="", pmid="", journal="Molecular Systems Biology", volume="11", issue="3", start_page="791", end_page="")
    assert decide(a, b).outcome == DUPLICATE
    assert len(set(find_duplicates([a, b]).labels)) == 1


def test_embase_no_pagination_volume_holds_the_issue():
    n = normalise(Record(title="x", volume="16 (1) (no pagination)", issue="143"))
    assert (n.volume, n.issue, n.article_number) == ("16", "1", "143")


# -- generic titles ----------------------------------------------------------------------

@pytest.mark.parametrize("title", [
    "Editorial", "Guest editorial", "Editor's Comments", "Remarks from the editor", "From the Editor",
    "Introduction", "Preface", "Foreword", "In this issue", "Letter", "Letter to the editor", "Reply",
    "Response", "Authors' reply", "Commentary", "Book review", "Book Review: Reengineering the Corporation",
    "News", "Correction", "Erratum", "Untitled", "UNKNOWN", "[No title available]",
    "Introduction to the Minitrack on Crowdsourcing and Digital Workforce in the Gig Economy",
    "Digital Health Minitrack Introduction", "Introduction to the special issue on AI in medicine",
])
def test_generic_titles(title):
    assert generic_reason(normalise(Record(title=title)).title)


@pytest.mark.parametrize("title", [
    "Introduction of a new triage system in emergency care", "Editorial policies of medical journals: a survey",
    "Letters of recommendation in residency selection", "News media coverage of vaccine trials",
    "Correction of refractive error in children",
])
def test_real_titles_that_start_like_generic_ones_are_not_generic(title):
    assert generic_reason(normalise(Record(title=title)).title) == ""


def test_title_that_is_only_the_journal_name_is_generic():
    rec = Record(title="Communications of the Association for Information Systems Volume 52 Paper 45",
                 journal="Communications of the Association for Information Systems")
    assert normalise(rec).generic == "the title is only the journal's name"


def test_generic_title_needs_an_identifier_or_the_full_address():
    assert decide(column("1"), column("2")).outcome == DISTINCT
    # no issue on one side: the address is not complete; a person may look
    assert decide(column("3"), column("")).outcome == MAYBE
    # the full address agrees: same column from two databases
    assert decide(column("3", start_page="7"), column("3", start_page="7", authors=["Rai A"])).outcome == DUPLICATE
    # a shared DOI merges without the address
    assert decide(column("3", doi="10.25300/misq/2017/41.3.01"), column("", doi="10.25300/MISQ/2017/41.3.01")).outcome == DUPLICATE
    # title, author and year alone never merge a generic title
    bare = dict(journal="", volume="")
    assert decide(column("", **bare), column("", **bare)).outcome == DISTINCT


def test_recurring_columns_of_one_volume_are_four_clusters():
    records = [column(n) for n in "1234"] + [column("", start_page="")]
    labels = find_duplicates(records).labels
    assert len(set(labels[:4])) == 4


# -- main title and subtitle -------------------------------------------------------------

FULL = "Peer mentoring in medical school: a mixed-methods evaluation of a near-peer programme for first-year students"


def test_main_title():
    assert main_title(FULL) == "peer mentoring in medical school"
    assert main_title("Is it worth it? A cost analysis") == "is it worth it"
    assert main_title("Telehealth \u2014 a review") == "telehealth"
    assert main_title("Anti-TNF therapy in children") == ""  # a hyphen inside a word is no break


def test_same_doi_and_address_merge_a_title_with_its_main_title():
    a = article(title=FULL, doi="10.1111/medu.13788", pmid="")
    b = article(title="Peer mentoring in medical school", doi="10.1111/medu.13788", pmid="")
    assert decide(a, b).outcome == DUPLICATE
    # not at a word boundary: "Peer mentoring in medical" is not the main title
    c = article(title="Peer mentoring in medical", doi="10.1111/medu.13788", pmid="")
    assert decide(a, c).outcome != DUPLICATE
    # the address disagrees (another volume): the DOI is probably wrong, the titles differ
    d = article(title="Peer mentoring in medical school", doi="10.1111/medu.13788", pmid="", volume="35")
    assert decide(a, d).outcome != DUPLICATE


def test_main_title_without_doi_merges_with_same_authors_year_and_pages():
    a = article(title=FULL, pmid="")
    b = article(title="Peer mentoring in medical school", doi="", pmid="")
    assert decide(a, b).outcome == DUPLICATE
    later = article(title="Peer mentoring in medical school", doi="", pmid="", year=2013,
                    start_page="", end_page="", volume="", issue="")
    assert decide(a, later).outcome != DUPLICATE  # another year, no pages: the Vaishnav/Goel shape
    other_authors = article(title="Peer mentoring in medical school", doi="", pmid="", authors=["Smith, J."])
    assert decide(a, other_authors).outcome != DUPLICATE


# -- translated titles -------------------------------------------------------------------

GERMAN = dict(
    authors=["Dimitriadis, Konstantinos", "von der Borch, Philip", "Meinel, Felix G."], year=2018,
    journal="Deutsche medizinische Wochenschrift (1946)", volume="143", issue="12", start_page="870",
    end_page="876", doi="", pmid="",
)


def test_translation_signals_come_from_the_record():
    assert translation_signal(Record(title="[Peer mentoring in medical studies: a survey]"))
    assert translation_signal(Record(title="Peer-Mentoring im Medizinstudium. [German]"))
    assert translation_signal(Record(title="Peer-Mentoring im Medizinstudium", language="ger"))
    assert not translation_signal(Record(title="Peer mentoring in medical studies", language="eng"))
    assert not translation_signal(Record(title="Peer-Mentoring im Medizinstudium"))  # no guessing


def test_translated_title_merges_at_the_full_address():
    english = Record(title="[Peer mentoring in medical studies: results of a survey at a German medical faculty]",
                     language="ger", **GERMAN)
    original = Record(title="Peer-Mentoring im Medizinstudium: Ergebnisse einer Befragung an einer deutschen "
                      "medizinischen Fakultät", language="German", **{**GERMAN, "journal": "Dtsch Med Wochenschr"})
    assert decide(english, original).outcome == DUPLICATE
    # the next article of the issue: same journal, volume, issue, another page
    nxt = Record(title="[Mentoring of junior doctors in internal medicine: a survey]", language="ger",
                 **{**GERMAN, "start_page": "877", "end_page": "883"})
    assert decide(nxt, original).outcome == DISTINCT
    # without any translation signal, two unlike titles at one address are not merged
    plain = Record(title="Peer-Mentoring im Medizinstudium: Ergebnisse einer Befragung", **GERMAN)
    unrelated = Record(title="Career choices of medical graduates in Bavaria", **GERMAN)
    assert decide(plain, unrelated).outcome != DUPLICATE


def test_journal_qualifier_and_hyphenated_initials():
    assert "presse medicale" in journal_variants("Presse medicale (Paris, France : 1983)")
    assert author_parts("Durand A.-C.") == ("durand", "ac")


# -- conference paper vs journal article -------------------------------------------------

def test_conference_paper_and_journal_article_a_year_later_are_asked_not_merged():
    paper = Record(title="Cultural universality versus particularity in computer-mediated communication",
                   authors=["Stahl, Bernd Carsten"], year=2003, journal="Americas Conference on Information Systems",
                   reference_type="inproceedings")
    journal = Record(title=paper.title, authors=["Stahl, Bernd Carsten"], year=2004,
                     journal="Journal of Global Information Technology Management", volume="7", issue="4",
                     start_page="47", end_page="65")
    assert decide(paper, journal).outcome == MAYBE
    workshop = Record(title=paper.title, authors=["Stahl, Bernd Carsten"], year=2004,
                      journal="Workshop on Information Systems and Culture")
    assert normalise(workshop).kind == "conference"


# -- online first ------------------------------------------------------------------------

def test_online_first_pages_from_one_are_not_a_contradiction():
    issue = article(doi="", pmid="", year=2024, volume="33", issue="4", start_page="566", end_page="582")
    early = article(doi="", pmid="", year=2023, volume="", issue="", start_page="1", end_page="17")
    assert decide(issue, early).outcome == DUPLICATE
    # pages from 1 in a volume are real pages, not an online-first locator
    first = article(doi="", pmid="", year=2024, volume="33", issue="4", start_page="1", end_page="17")
    assert not online_first(normalise(first), normalise(issue))
    assert online_first(normalise(early), normalise(issue))


# -- the review queue stays short ---------------------------------------------------------

def test_registry_entries_with_only_unlike_titles_are_not_a_question():
    # sra_haematology id_0000235 / id_0000237: two registered trials, no authors, no address
    a = Record(title="Open Label Controlled Trial of Eculizumab in Adult Patients With Plasma Therapy-Resistant aHUS", year=2011)
    b = Record(title="Open Label Controlled Trial of Eculizumab in Adolescent Patients With Plasma Therapy-Resistant aHUS", year=2011)
    assert decide(a, b).outcome == DISTINCT
    same = Record(title="Open label controlled trial of eculizumab in adult patients with plasma therapy-resistant aHUS.", year=2011)
    assert decide(a, same).outcome != DISTINCT


def test_single_page_in_another_issue_with_other_pages_is_another_publication():
    # sra_haematology id_0000052 / id_0000807: the article (9(5):1223-1229) and a one-page
    # correction under its title (9(9):2205)
    authors = ["Kwon, T.", "Dragon-Durey, M. A.", "Macher, M. A."]
    title = "Anti-Factor H Autoantibodies in a Fifth Renal Transplant Recipient with Atypical Hemolytic and Uremic Syndrome"
    article_ = Record(title=title, authors=authors, year=2009, journal="American Journal of Transplantation",
                      volume="9", issue="5", start_page="1223", end_page="1229")
    notice = Record(title=title, authors=authors, year=2009, journal="American Journal of Transplantation",
                    volume="9", issue="9", start_page="2205")
    assert decide(article_, notice).outcome == DISTINCT
    # two full ranges in different issues are still asked (test_labelled_misses)
