"""Labelled duplicates once missed, with the real records' fields (benchmarks/dedup/misses.md).

Each fix comes with the pair it was made for, and with the nearest pair the safety rules
must still keep apart.
"""

from __future__ import annotations

from review.dedup.normalise import normalise
from review.dedup.pipeline import find_duplicates
from review.dedup.score import DUPLICATE, MAYBE, fields_shifted, score_pair
from review.records import Record


def decide(a: Record, b: Record):
    return score_pair(normalise(a, 0), normalise(b, 1))


def rec(title, authors, year, journal, volume, pages, issue="", doi="", **more) -> Record:
    start, _, end = pages.partition("-")
    return Record(title=title, authors=authors.split(" and "), year=year, journal=journal,
                  volume=volume, issue=issue, start_page=start, end_page=end, doi=doi, **more)


SPEICH = "Speich, N and Schmitt, C and Bollmann, R and Bollmann, M"
SPEICH_TITLE = ("Human papillomavirus (HPV) study of 2916 cytological samples by PCR and DNA sequencing: "
                "{} spectrum of patients from the west German area")
ORIGONI = "Origoni, M and Stefani, C and Dell'Antonio, G and Carminati, G and Parma, M and Candiani, M"


def test_page_typo_between_two_full_ranges_merges():
    # sra_cytology_screening id_0000228 / id_0000229 (J Med Microbiol 2004;53(Pt 2):125-128)
    a = rec(SPEICH_TITLE.format("Genotype"), SPEICH, 2004, "Journal of Medical Microbiology", "53", "125-128")
    b = rec(SPEICH_TITLE.format("genotype"), SPEICH, 2004, "Journal of Medical Microbiology", "53", "2-8")
    assert decide(a, b).outcome == DUPLICATE
    # sra_cytology_screening id_0000493 / id_0000494 (J Clin Virol 2011;51:250-254)
    title = "Cervical Human Papillomavirus in transplanted Italian women: a long-term prospective follow-up study"
    c = rec(title, ORIGONI, 2011, "Journal of Clinical Virology", "51", "246-250")
    d = rec(title, ORIGONI, 2011, "Journal of clinical virology : the official publication of the Pan "
            "American Society for Clinical Virology", "51", "250-254")
    assert decide(c, d).outcome == DUPLICATE


def test_full_ranges_in_different_issues_stay_apart():
    a = rec(SPEICH_TITLE.format("Genotype"), SPEICH, 2004, "Journal of Medical Microbiology", "53", "125-128", issue="2")
    b = rec(SPEICH_TITLE.format("genotype"), SPEICH, 2004, "Journal of Medical Microbiology", "53", "302-308", issue="4")
    assert decide(a, b).outcome == MAYBE


def test_page_and_year_both_differing_stay_for_a_person():
    # sra_cytology_screening id_0000043 / id_0000044: the rule keeps a pair apart when two
    # details differ, even though the labels call it one article.
    authors = "Zanotti, K M and Belinson, J"
    a = rec("Update on the diagnosis and treatment of human papillomavirus infection. [Review] [33 refs]",
            authors, 2003, "Cleveland Clinic Journal of Medicine", "69", "945-948")
    b = rec("Update on the diagnosis and treatment of human papillomavirus infection",
            authors, 2002, "Cleveland Clinic Journal of Medicine", "69", "948-961")
    assert decide(a, b).outcome == MAYBE


def test_erratum_on_one_page_of_a_later_issue_stays_apart():
    # sra_haematology id_0000052 / id_0000807: the correction (adding an author) printed
    # under the article's title on one page of issue 9.
    title = "Anti-Factor H Autoantibodies in a Fifth Renal Transplant Recipient with Atypical Hemolytic and Uremic Syndrome"
    article = rec(title, "Quintrec, M. and Zuber, J. and Noel, L. H. and Thervet, E. and Fremeaux-Bacchi, V. and "
                  "Fridman, W. H. and Legendre, C. and Dragon-Durey, M. A.", 2009,
                  "American Journal of Transplantation", "9", "1223-1229", issue="5")
    erratum = rec(title + ".", "Le Quintrec, M. and Zuber, J. and Noel, L. H. and Thervet, E. and Fremeaux-Bacchi, V. "
                  "and Niauif, P. and Fridman, W. H. and Legendre, C. and Dragon-Durey, M. A.", 2009,
                  "American Journal of Transplantation", "9", "2205-2205", issue="9")
    assert decide(article, erratum).outcome != DUPLICATE
    without_issues = [rec(r.title, " and ".join(r.authors), r.year, r.journal, r.volume,
                          f"{r.start_page}-{r.end_page}") for r in (article, erratum)]
    assert decide(*without_issues).outcome != DUPLICATE


def test_page_typo_between_two_single_page_meeting_abstracts_merges():
    # sra_haematology id_0001188 / id_0001189 (IPTA 2011, Pediatric Transplantation 15)
    title = ("Maintenance of renal function under eculizumab despite discontinuation of plasma exchange after a "
             "third transplantation for atypical hemolytic uremic syndrome associated with a CFH mutation")
    authors = "Davin, J. C. and Groothoff, J. W. and Bemelman, F. J. and Bouts, A. H."
    a = rec(title, authors, 2011, "Pediatric Transplantation.Conference: 6th Congress of the International "
            "Pediatric Transplant Association, IPTA 2011 Montreal, QC Canada.", "15", "22-22")
    b = rec(title.title(), authors, 2011, "Pediatric Transplantation", "15", "52-52")
    assert decide(a, b).outcome == DUPLICATE


def test_meeting_abstract_and_later_article_stay_apart():
    # sra_haematology id_0000128 / id_0000129: IPNA abstract (25(9):1875) and the article.
    title = "Neurological involvement in a child with atypical hemolytic uremic syndrome"
    a = rec(title, "Koehl, B. and Boyer, O. and Kossorotoff, M. and Biebuyck, N. and Boddaert, N. and Niaudet, P.",
            2010, "Pediatric Nephrology", "25", "1875-1875", issue="9")
    b = rec(title, "Koehl, B. and Boyer, O. and Biebuyck-Gouge, N. and Kossorotoff, M. and Fremeaux-Bacchi, V. and "
            "Boddaert, N. and Niaudet, P.", 2010, "Pediatric Nephrology", "25", "2539-2542", issue="12")
    assert decide(a, b).outcome != DUPLICATE
    # ... also when the issues are missing: a single page against a full range is not a typo
    a.issue = b.issue = ""
    assert decide(a, b).outcome != DUPLICATE


ESPN = ("Pediatric Nephrology.Conference: 44th Annual Scientific Meeting of the European Society for Paediatric "
        "Nephrology Cavtat, Dubrovnik Croatia.")


def test_volume_issue_page_shifted_one_field_is_the_same_address():
    # sra_haematology id_0000105 (number "26", pages "9") / id_0000106 (volume 26, number 9)
    shifted = rec("The treatment of atypical hus", "Loirat, C.", 2011, ESPN, "", "9", issue="26")
    full = rec("The treatment of atypical hus", "Loirat, C.", 2011, ESPN, "26", "1746-1746", issue="9")
    assert fields_shifted(normalise(shifted), normalise(full))
    assert not fields_shifted(normalise(full), normalise(shifted))
    assert decide(shifted, full).outcome == DUPLICATE
    assert decide(full, shifted).outcome == DUPLICATE


def test_a_volume_missing_without_the_shift_is_not_an_address_match():
    no_volume = rec("The treatment of atypical hus", "Loirat, C.", 2011, ESPN, "", "9", issue="25")
    full = rec("The treatment of atypical hus", "Loirat, C.", 2011, ESPN, "26", "1746-1746", issue="9")
    assert not fields_shifted(normalise(no_volume), normalise(full))
    assert decide(no_volume, full).outcome != DUPLICATE


def test_two_meeting_abstracts_with_one_word_changed_stay_apart():
    # sra_cytology_screening id_0000516 / id_0000517: labelled one group, but "atypical
    # repair" and "atrophy" are two abstracts (different co-authors too).
    a = rec("Atypical squamous cells of undetermined significance (ASC-US) associated with atypical repair in "
            "liquid-based (surepath) pap tests: Prevalence of human papillomavirus infections and follow-up biopsy d",
            "Nelson, A C and Samad, A and Amirouche, S A and Holler, J L and Pambuccian, S E", 2012,
            "Laboratory Investigation", "92", "100A-101A")
    b = rec("Atypical squamous cells of undetermined significance (ASC-US) associated with atrophy in liquid-based "
            "(surepath) pap tests: Prevalence of human papillomavirus infections and follow-up biopsy diagnoses",
            "Nelson, A C and Mettler, T N and Holler, J L and Amirouche, S A and Pambuccian, S E", 2012,
            "Laboratory Investigation", "92", "100A")
    assert decide(a, b).outcome != DUPLICATE


def test_a_mistyped_doi_goes_to_a_person():
    # sweep_copper 436 / 19622057: 10.1586/14737140... is another journal's ISSN.
    title = "Nosocomial legionellosis: prevention and management"
    a = rec(title, "Levin, A. S.", 2009, "Expert Review of Anti-Infective Therapy", "7", "57-68", issue="1",
            doi="10.1586/14737140.7.1.57")
    b = rec(title, "Levin, A. S.", 2009, "Expert Rev Anti Infect Ther", "7", "57-68", issue="1",
            doi="10.1586/14787210.7.1.57", pmid="19622057")
    assert decide(a, b).outcome == MAYBE


def test_nlm_journal_subtitle_matches_the_short_name():
    # sra_cytology_screening id_0000493 / id_0000494 compared pairwise: the MEDLINE title
    # "Journal of clinical virology : the official publication of ..." names the same journal.
    title = "Cervical Human Papillomavirus in transplanted Italian women: a long-term prospective follow-up study"
    c = rec(title, ORIGONI, 2011, "Journal of Clinical Virology", "51", "250-254")
    d = rec(title, ORIGONI, 2011, "Journal of clinical virology : the official publication of the Pan "
            "American Society for Clinical Virology", "51", "250-254")
    assert decide(c, d).outcome == DUPLICATE
    assert "journal" in decide(c, d).reason


# Merges the safety rules forbid, found by checking every merged labelled pair for a notice
# (sra_haematology, labelled as one group with the article they answer or correct).

GAS_TITLE = "Atypical hemolytic uremic syndrome associated with group A beta hemolytic streptococcus"


def test_a_reply_titled_with_a_dash_suffix_is_not_merged_into_the_letter():
    # id_0000008 (a record of the letters and the reply together), id_0000009 (the letter),
    # id_0000039 / id_0000040 (the reply, twice).
    both = rec(GAS_TITLE + " (multiple letters) [1]", "Yildiz, B. and Kural, N. and Yarar, C. and Shepherd, A. B. "
               "and Palmer, A. L. and Baliga, R.", 2004, "Pediatric Nephrology.", "19", "943-945", issue="8")
    letter = rec(GAS_TITLE, "Yildiz, B. and Kural, N. and Yarar, C.", 2004, "Pediatric Nephrology", "19", "943-944", issue="8")
    reply = rec(GAS_TITLE + " - Reply", "Shepherd, Amy B. and Palmer, April L. and Baliga, Radhakrishna",
                2004, "Pediatric Nephrology", "19", "945", issue="8")
    reply_again = rec(GAS_TITLE + " - Reply", "Shepherd, A. B. and Palmer, A. L. and Baliga, R.",
                      2004, "Pediatric Nephrology", "19", "945-945", issue="8")
    assert decide(both, letter).outcome == DUPLICATE
    assert decide(both, reply).outcome != DUPLICATE
    assert decide(letter, reply).outcome != DUPLICATE
    assert decide(reply, reply_again).outcome == DUPLICATE
    result = find_duplicates([both, letter, reply, reply_again])
    assert result.labels[0] == result.labels[1]
    assert result.labels[2] == result.labels[3]
    assert result.labels[0] != result.labels[2]


def test_one_page_under_the_articles_title_in_a_later_issue_waits_for_a_person():
    # id_0000190 (PNAS 2007;104(1):240-245) and id_0000191: the same title and authors, one
    # page, in issue 25 - the issue of the article's correction (104(25):10749).
    authors = ("de Jorge, E. G. and Harris, C. L. and Esparza-Gordillo, J. and Carreras, L. and Arranz, E. A. "
               "and Garrido, C. A. and Lopez-Trascasa, M. and Sanchez-Corral, P. and Morgan, B. P. and de Cordoba, S. R.")
    title = "Gain-of-function mutations in complement factor B are associated with atypical hemolytic uremic syndrome"
    journal = "Proceedings of the National Academy of Sciences of the United States of America"
    article = rec(title, authors, 2007, journal, "104", "240-245", issue="1")
    one_page = rec(title + ".", authors, 2007, journal, "104", "240-240", issue="25")
    assert decide(article, one_page).outcome == MAYBE
    # the same page in the same issue, or with an issue unknown, is still one article
    assert decide(article, rec(title, authors, 2007, journal, "104", "240", issue="1")).outcome == DUPLICATE
    assert decide(article, rec(title, authors, 2007, journal, "104", "240-5")).outcome == DUPLICATE
