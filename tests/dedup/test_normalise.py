"""Normalisation of titles, authors, journals, pages and kinds of item."""

from __future__ import annotations

import pytest

from review.dedup.normalise import (
    ARTICLE,
    CONFERENCE,
    author_parts,
    journal_variants,
    journals_match,
    normalise,
    normalise_journal,
    normalise_pages,
    normalise_title,
    record_kind,
    split_authors,
    strip_title_tags,
    title_kind,
    title_numbers,
)
from review.records import Record


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Effect of <i>E. coli</i> &amp; TGF-β on skin.", "effect of e coli tgf beta on skin"),
        ("Ldlr<sup>-/-</sup> mice", "ldlr mice"),
        ("Ldlr(-/-) mice", "ldlr mice"),
        ("Kalén's über-study", "kalen s uber study"),
        ("[Paroxysmal nocturnal hemoglobinuria therapy]. [Spanish]", "paroxysmal nocturnal hemoglobinuria therapy"),
        ("Update on HPV. [Review] [33 refs]", "update on hpv"),
        ("Severe deficiency in children.[Erratum appears in J Pediatr. 2003 Jun", "severe deficiency in children"),
        ("Gain of function.[Erratum appears in Proc Natl Acad Sci U S A. 2007 Oct 2;104(40):15896]", "gain of function"),
        ("Eculizumab for aHUS (vol 360, pg 542, 2009)", "eculizumab for ahus"),
        ("Letters on streptococcus (multiple letters) [1]", "letters on streptococcus"),
    ],
)
def test_title_normalisation(raw, expected):
    assert normalise_title(raw)[0] == expected


def test_trailing_translation_is_an_alternative_title():
    title, alt = normalise_title("Wirkung von Metformin bei Mäusen [Effects of metformin in mice]")
    assert title == "wirkung von metformin bei mausen effects of metformin in mice"
    assert alt == "wirkung von metformin bei mausen"


def test_title_numbers_read_parts_and_roman_numerals():
    assert title_numbers("outcomes part ii") == ("2",)
    assert title_numbers("type 1 diabetes in 2 cohorts") == ("1", "2")
    assert title_numbers("no numbers here") == ()


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Kalén, Susanne M.", ("kalen", "sm")),
        ("Zuna RE", ("zuna", "re")),
        ("Zuna, R E", ("zuna", "re")),
        ("Susanne Kalén", ("kalen", "s")),
        ("Le Quintrec, M.", ("le quintrec", "m")),
    ],
)
def test_author_parts(name, expected):
    assert author_parts(name) == expected


def test_glued_and_joined_author_strings_are_split():
    assert split_authors(["Adeli K.Lewis G. F."]) == ["Adeli K.", "Lewis G. F."]
    assert split_authors(["Zuna, R E and Wang, S S"]) == ["Zuna, R E", "Wang, S S"]
    assert split_authors(["Zuna RE", "Wang SS"]) == ["Zuna RE", "Wang SS"]


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("J Am Heart Assoc", "Journal of the American Heart Association", True),
        ("Proc Natl Acad Sci U S A", "Proceedings of the National Academy of Sciences of the United States of America", True),
        ("Nat Rev Nephrol", "Nature Reviews. Nephrology", True),
        ("Am J Physiol Endocrinol Metab", "American Journal of Physiology - Endocrinology and Metabolism", True),
        ("Microcirculation. Conference: 66th Annual Meeting", "Microcirculation", True),
        ("Diabetes", "Diabetologia", False),
        ("Lancet Oncology", "Lancet Neurology", False),
        ("Circulation", "Circulation Research", False),
    ],
)
def test_journal_names_and_abbreviations(a, b, same):
    result = any(journals_match(x, y) for x in journal_variants(a) for y in journal_variants(b))
    assert result is same


def test_journal_match_unknown_when_one_is_empty():
    assert journals_match(normalise_journal(""), "lancet") is None


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("1234-9", "", ("1234", "1239", "")),
        ("Jan-13", "", ("1", "13", "")),  # a spreadsheet turned "1-13" into a date
        ("e001469", "", ("", "", "1469")),
        ("S557-S558", "", ("s557", "s558", "")),
        ("701\u2010706", "", ("701", "706", "")),
        ("532, 534-536", "", ("532", "536", "")),  # discontinuous: first and last page
        ("0045", "0050", ("45", "50", "")),
    ],
)
def test_pages(start, end, expected):
    assert normalise_pages(start, end) == expected


@pytest.mark.parametrize(
    "title, kind",
    [
        ("Erratum: Severe deficiency of ADAMTS13", "erratum"),
        ("Correction to: Metformin in mice", "erratum"),
        ("Corrigendum to 'Metformin in mice'", "erratum"),
        ("Correction of hyperglycaemia by insulin", ""),  # an article
        ("Retraction notice to 'Metformin in mice'", "retraction"),
        ("Retraction: Metformin in mice", "retraction"),
        ("Comment on: Metformin in mice", "comment"),
        ("Re: Metformin in mice", "comment"),
        ("Re-evaluation of metformin in mice", ""),  # an article
        ("Reply to Smith et al.", "reply"),
        ("Authors' reply", "reply"),
        ("Response to treatment with metformin", ""),  # an article
        ("Response to the letter by Smith", "reply"),
        ("Expression of concern: Metformin in mice", "expression-of-concern"),
        ("Eculizumab for aHUS (vol 360, pg 542, 2009)", "erratum"),
    ],
)
def test_notice_kinds_from_titles(title, kind):
    assert title_kind(title) == kind


def test_kinds_from_types_and_journals():
    assert record_kind(Record(title="X", publication_types=["Published Erratum"])) == ("erratum", False)
    assert record_kind(Record(title="X", publication_types=["Comment", "Letter"])) == (ARTICLE, False)
    assert record_kind(Record(title="X", publication_types=["Conference Abstract"])) == (CONFERENCE, False)
    assert record_kind(Record(title="X", journal="Diabetologia. Conference: 54th EASD")) == (CONFERENCE, False)
    assert record_kind(Record(title="X", journal="Proceedings of the National Academy of Sciences")) == (ARTICLE, False)
    assert record_kind(Record(title="Erratum: X")) == ("erratum", True)


def test_normalise_record():
    rec = Record(
        title="SGLT2 inhibition in Ldlr<sup>-/-</sup> mice",
        authors=["Al-Sharea, A.", "Murphy, A. J."],
        year=2018,
        journal="Atherosclerosis",
        volume="271 (Supplement 1)",
        issue="Suppl 1",
        start_page="166",
        end_page="176",
        doi="http://dx.doi.org/10.1016/J.ATHEROSCLEROSIS.2018.02.028",
        pmid="29518738",
    )
    norm = normalise(rec, 7)
    assert norm.index == 7
    assert norm.title == "sglt2 inhibition in ldlr mice"
    assert norm.authors == ("al sharea", "murphy")
    assert norm.doi == "10.1016/j.atherosclerosis.2018.02.028"
    assert norm.volume == "271" and norm.issue == "1"
    assert norm.page == "166" and norm.page_end == "176"
    assert norm.supplement is True  # "Suppl" in the issue
    assert norm.kind == ARTICLE


def test_url_encoded_doi_is_decoded():
    norm = normalise(Record(title="x", doi="10.1016/s0025-7753%2817%2930624-3"))
    assert norm.doi == "10.1016/s0025-7753(17)30624-3"


@pytest.mark.parametrize(
    "title, kind",
    [
        ("Atypical hemolytic uremic syndrome associated with group A streptococcus - Reply", "reply"),
        ("Complement factor H gene mutation in aHUS - Reply to Buddles et al", "reply"),
        ("Metformin in mice: authors' reply", "reply"),
        ("Metformin in mice (Reply)", "reply"),
        ("Metformin in mice \u2013 Authors\u2019 response", "reply"),
        ("Tumour regression - response to therapy in children", ""),  # an article
        ("Hypoglycaemia alerts - reply-based messaging", ""),  # an article
    ],
)
def test_notice_kinds_from_title_endings(title, kind):
    assert title_kind(title) == kind


def test_an_erratum_note_with_a_nested_bracket_is_removed_from_the_title():
    # sra_haematology id_0000064: the MEDLINE title of NEJM 2009;360:542-544
    title = ("Eculizumab for atypical hemolytic-uremic syndrome.[Erratum appears in N Engl J Med. "
             "2009 Jun 4;360(23):2487 Note: Philipp, Thomas [added]]")
    assert strip_title_tags(title)[0] == "Eculizumab for atypical hemolytic-uremic syndrome"
