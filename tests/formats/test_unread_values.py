"""A value the importer could not read (a year '20x7', a DOI 'n.v.') is reported with the
record, its line and the value; the record is kept, its raw field keeps the value."""

from __future__ import annotations

from review.formats import read_file

from .conftest import DATA


def test_ris_year_that_is_not_a_year_is_reported_with_line_and_value(write):
    path = write("x.ris", "TY  - JOUR\nTI  - First\nPY  - 2017\nER  - \n\n"
                          "TY  - JOUR\nTI  - Second study\nAU  - Smith, J\nPY  - 20x7\nDO  - 10.1000/abc\nER  - \n")
    result = read_file(path)
    assert [r.year for r in result.records] == [2017, None]
    assert result.records[1].raw["PY"] == ["20x7"]
    [warning] = result.report.warnings
    assert warning.startswith("line 9 (record 'Second study'): PY '20x7' is not a year")
    assert "stored without a year" in warning


def test_real_faulty_year_sample():
    result = read_file(DATA / "ris" / "asreview_faulty_year.ris")
    assert result.records[0].year is None
    assert any(w.startswith("line 3 (record 'The Value of Radiologic") and "PY '10 15'" in w
               for w in result.report.warnings)


def test_ris_doi_tag_without_a_doi(write):
    path = write("x.ris", "TY  - JOUR\nTI  - T\nPY  - 2019\nDO  - n.v.\nER  - \n")
    [warning] = read_file(path).report.warnings
    assert warning.startswith("line 4 (record 'T'): DO 'n.v.' is not a DOI")


def test_a_year_read_from_another_tag_is_not_reported(write):
    path = write("x.ris", "TY  - JOUR\nTI  - T\nPY  - Spring\nY1  - 2018//\nER  - \n")
    result = read_file(path)
    assert result.records[0].year == 2018 and result.report.warnings == []


def test_medline_unreadable_year(write):
    path = write("x.nbib", "PMID- 12345\nTI  - A title\nDP  - 20x7 Mar\nSO  - J. 20x7.\n")
    result = read_file(path)
    [warning] = result.report.warnings
    assert warning.startswith("line 3 (record 'A title'): DP '20x7 Mar' is not a year")


def test_endnote_xml_unreadable_year_names_the_record(write):
    xml = ("<?xml version='1.0'?><xml><records>"
           "<record><titles><title>One</title></titles><dates><year>2001</year></dates></record>\n"
           "<record><titles><title>Two</title></titles><dates><year>20x7</year></dates>"
           "<electronic-resource-num>10.1000/ok</electronic-resource-num></record>"
           "</records></xml>")
    result = read_file(write("x.xml", xml))
    [warning] = result.report.warnings
    assert warning.startswith("record 2 (<record> at line 2) (record 'Two'): dates/year '20x7' is not a year")


def test_csv_unreadable_values_and_missing_markers(write):
    path = write("x.csv", "title,year,doi\nOne,20x7,NA\nTwo,2020,10.1000/x\nThree,NA,n/a\n")
    result = read_file(path)
    assert len(result.records) == 3
    # "NA", "n/a": what spreadsheets write for an empty cell, not values that could not be read
    [warning] = result.report.warnings
    assert warning.startswith("line 2 (record 'One'): year '20x7' is not a year")


def test_pubmed_xml_unreadable_publication_year(write):
    text = (DATA / "pubmed-xml" / "pubmed1.xml").read_text(encoding="utf-8")
    text = text.replace("<Year>1990</Year>\n                        <Season>", "<Year>19x0</Year>\n                        <Season>", 1)
    result = read_file(write("x.xml", text))
    assert result.records[0].year is None
    [warning] = [w for w in result.report.warnings if "is not a year" in w]
    assert warning.startswith(f"PMID {result.records[0].pmid} (record ")
    assert "MedlineCitation/Article/Journal/JournalIssue/PubDate/Year '19x0' is not a year" in warning
