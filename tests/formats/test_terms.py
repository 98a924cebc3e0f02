"""Subject headings and keywords: one KW/MH/DE line is one term, on every format's real sample.

A heading's commas are its own ("Depressive Disorder, Treatment-Resistant"); only a line that
joins several terms with ";" (Scopus, Web of Science) is split, and only Embase's CSV joins
terms with commas (``TERM_RULES`` in review/formats/fields.py).
"""

from __future__ import annotations

import pytest

from review.formats import read_file
from review.formats.fields import TERM_RULES, split_terms

from .conftest import DATA, SAMPLE


def _by(records, **match):
    return next(r for r in records if all(getattr(r, k) == v for k, v in match.items()))


def test_ovid_headings_with_commas_stay_whole():
    records = read_file(SAMPLE / "ovid-multidatabase-300.ris").records
    carrillo = _by(records, source_id="29407543")
    assert "*Depressive Disorder, Treatment-Resistant/dt [Drug Therapy]" in carrillo.subject_headings
    assert "Memory, Episodic" in carrillo.subject_headings
    assert "Treatment-Resistant/dt [Drug Therapy]" not in carrillo.subject_headings
    assert len(carrillo.subject_headings) == 16  # its 16 KW lines
    assert carrillo.keywords == carrillo.subject_headings
    # no heading anywhere in the file is a fragment cut at a comma
    fragments = {t for r in records for t in r.subject_headings if t[:1] == " " or t.endswith(",")}
    assert not fragments
    assert not any(t in {"Neurological", "Psychological", "Episodic"} for r in records
                   for t in r.subject_headings)


def test_endnote_ris_continuation_lines_are_one_term_each():
    records = read_file(SAMPLE / "endnote-blue-light.ris").records
    terms = {t for r in records for t in r.keywords}
    assert {"Administration, Topical", "Administration, Cutaneous", "Drug Therapy, Combination"} <= terms
    assert "Topical" not in terms and "Combination" not in terms


def test_endnote_ris_and_endnote_xml_give_the_same_terms():
    ris = read_file(SAMPLE / "endnote-blue-light.ris").records
    xml = read_file(SAMPLE / "endnote-blue-light.xml").records
    assert [r.keywords for r in ris] == [r.keywords for r in xml]
    assert sum(1 for r in xml for t in r.keywords if "," in t) == 42


def test_zotero_pubmed_ris():
    record = read_file(DATA / "ris" / "asreview_pubmed_zotero.ris").records
    terms = [t for r in record for t in r.keywords]
    assert "Colitis, Ulcerative/*therapy" in terms
    assert "Medicine, Chinese Traditional/*methods" in terms
    assert "Ulcerative/*therapy" not in terms


def test_cinahl_style_ris():
    records = read_file(DATA / "ris" / "asreview_ris_issue_992.txt").records
    terms = {t for r in records for t in r.keywords}
    assert {"Professional Practice, Evidence-Based", "Ethics, Nursing", "Organizations, Nonprofit"} <= terms
    assert "Evidence-Based" not in terms


def test_embase_com_and_scopus_ris_one_term_per_line():
    embase = read_file(DATA / "ris" / "asreview_embase.ris").records[0]
    assert len(embase.subject_headings) == len(embase.raw["KW"])
    scopus = read_file(DATA / "ris" / "asreview_ris_issue_1099.txt").records[0]
    assert scopus.keywords == [k.strip() for k in scopus.raw.get("KW", [])]


def test_a_ris_line_joining_terms_with_semicolons_is_split(write):
    path = write("scopus.ris", "TY  - JOUR\nTI  - T\nKW  - Administration, Topical; Humans;  Depression\nER  - \n")
    assert read_file(path).records[0].keywords == ["Administration, Topical", "Humans", "Depression"]


def test_web_of_science_terms_wrapped_inside_a_term():
    records = read_file(DATA / "ris" / "rispy_example_wos.ris").records
    plus = records[1].keywords  # Keywords Plus (ID), wrapped over continuation lines
    assert "CARBON-MONOXIDE BINDING" in plus and "GEMINATE RECOMBINATION" in plus
    assert "BINDING" not in plus
    assert records[0].keywords[-1] == "ANTENNA COMPLEX"
    assert len(records[0].keywords) == 10


def test_web_of_science_ris_export():
    record = read_file(DATA / "ris" / "asreview_web_of_science.txt").records[0]
    assert record.keywords[:2] == ["Police custody", "Interview"]


def test_medline_and_pubmed_xml_headings():
    nbib = read_file(SAMPLE / "pubmed-blue-light.nbib").records
    headings = {t for r in nbib for t in r.subject_headings}
    assert {"Administration, Topical", "Dermatitis, Phototoxic/*therapy"} <= headings
    xml = read_file(DATA / "pubmed-xml" / "pubmed1.xml").records
    assert any("Social Control, Formal" in r.subject_headings for r in xml)


def test_endnote_xml_keywords():
    records = read_file(DATA / "endnote-xml" / "bold.xml").records
    terms = {t for r in records for t in r.keywords}
    assert {"Hospitals, Veterans", "Outcome and Process Assessment, Health Care"} <= terms
    assert "Veterans" not in terms


def test_embase_csv_commas_outside_parentheses_separate():
    record = read_file(DATA / "csv" / "asreview_embase.csv").records[0]
    assert "bronchogenic duplication cyst (diagnosis, surgery)" in record.subject_headings
    assert "colonoscopy" in record.subject_headings and "article" in record.subject_headings


def test_other_csv_cells_split_on_semicolons_only(write):
    path = write("scopus.csv", 'Title,Index Keywords,Author Keywords\n'
                 'T,"Administration, Topical; Humans","[\'a, b\', \'c\']"\n')
    record = read_file(path).records[0]
    assert record.subject_headings == ["Administration, Topical", "Humans"]
    assert record.keywords == ["a, b", "c"]


@pytest.mark.parametrize("name", sorted(TERM_RULES))
def test_no_rule_splits_a_heading_at_its_comma_unless_the_source_uses_commas(name):
    terms = split_terms(["Depressive Disorder, Treatment-Resistant"], TERM_RULES[name])
    expected = ["Depressive Disorder", "Treatment-Resistant"] if name == "embase-csv" else \
        ["Depressive Disorder, Treatment-Resistant"]
    assert terms == expected
    assert TERM_RULES[name].reason
