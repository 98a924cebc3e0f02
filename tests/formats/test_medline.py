"""MEDLINE/.nbib reader: real PubMed, PMC and ERIC exports; field mapping; bad input."""

from __future__ import annotations

import pytest

from review.formats import UnreadableFileError, read_file
from review.formats import medline

from .conftest import DATA, SAMPLE

# file -> records (PMID- lines; the ERIC sample has none but is one record)
MEDLINE_COUNTS = {
    "cancer.nbib": 20,
    "colrev_eric.nbib": 1,
    "pmc_medlars.txt": 5,
    "pubmed_result1.txt": 1,
    "pubmed_result2.txt": 4,
    "pubmed_result3.txt": 1,
    "single.nbib": 1,
}


def test_every_medline_sample_is_covered():
    assert {p.name for p in (DATA / "medline").iterdir()} == set(MEDLINE_COUNTS)


@pytest.mark.parametrize("name", sorted(MEDLINE_COUNTS))
def test_medline_sample_counts(name):
    result = read_file(DATA / "medline" / name)
    assert result.report.format == "medline"
    assert result.report.records_read == len(result.records) == MEDLINE_COUNTS[name]
    assert result.report.skipped == [] and result.report.warnings == []
    assert all(r.title and r.year for r in result.records)


def test_bundled_pubmed_sample():
    result = read_file(SAMPLE / "pubmed-blue-light.nbib")
    assert result.report.records_read == 80
    assert all(r.pmid and r.pmid == r.source_id for r in result.records)


def test_full_medline_record():
    record = read_file(DATA / "medline" / "single.nbib").records[0]
    assert record.pmid == "28754806"
    assert record.title == (
        "Impact of balloon guide catheter on technical and clinical outcomes: a systematic "
        "review and meta-analysis."
    )
    assert record.authors == ["Brinjikji, Waleed", "Pereira, Vitor M", "Kallmes, David F"]  # FAU
    assert record.year == 2018
    assert record.journal == "Journal of neurointerventional surgery"
    assert record.journal_abbrev == "J Neurointerv Surg"
    assert (record.volume, record.issue, record.start_page, record.end_page) == ("10", "4", "335", "339")
    assert record.doi == "10.1136/neurintsurg-2017-013179"
    assert record.issns == ["1759-8486", "1759-8478"]
    assert record.language == "eng"
    assert record.publication_types == ["Journal Article", "Meta-Analysis", "Review", "Systematic Review"]
    assert record.subject_headings == ["Aged", "Brain Ischemia/diagnostic imaging/*surgery", "Clinical Trials as Topic/methods"]
    assert record.keywords == ["mechanical thrombectomy", "stroke"]  # OT
    assert record.reference_type == "JOUR"
    assert record.raw["PHST"][0] == "2017/05/05 00:00 [received]"


def test_structured_abstract_keeps_its_labels():
    record = read_file(DATA / "medline" / "pubmed_result2.txt").records[0]
    assert record.abstract.startswith("BACKGROUND: Benchmarking algorithms in structural bioinformatics")
    assert "RESULTS:" in record.abstract and "CONCLUSION" in record.abstract
    assert "  " not in record.abstract  # continuation lines joined with one space


def test_pmc_and_eric_variants():
    pmc = read_file(DATA / "medline" / "pmc_medlars.txt").records
    assert pmc[0].pmcid == "PMC6055010" and pmc[0].pmid == "30042925"
    assert (pmc[0].start_page, pmc[0].end_page) == ("283", "298")  # "283-98"
    assert pmc[0].abstract == ""  # "AB  - " empty; OAB is a publisher note, not an abstract
    assert pmc[1].start_page == "18"  # "LID - 18": an article number stands for pages
    assert pmc[1].doi == "10.1186/s40337-018-0207-1"
    eric = read_file(DATA / "medline" / "colrev_eric.nbib").records[0]
    assert eric.source_id == "EJ1131633"
    assert eric.doi == "10.1000/123456789"  # "AID - http://dx.doi.org/10.1000/123456789"
    assert eric.issns == ["1234-4567"]
    assert eric.year == 2000 and eric.keywords == ["Keyword 1", "Keyword 2", "Keyword 3"]


def test_doi_from_lid_and_aid_only_when_marked(write):
    path = write("x.nbib", "PMID- 1\nTI  - T\nDP  - 2001\nLID - S0001 [pii]\nAID - 10.1000/abc [doi]\nSO  - x\n")
    assert medline.read(path).records[0].doi == "10.1000/abc"
    path = write("y.nbib", "PMID- 1\nTI  - T\nDP  - 2001\nAID - 10.1000/pii-like [pii]\nSO  - x\n")
    assert medline.read(path).records[0].doi == ""


# ---------------------------------------------------------------- bad input

TWO = (
    "PMID- 111\nTI  - First title\nDP  - 2001\nSO  - J. 2001.\n\n"
    "PMID- 222\nTI  - Second title\nDP  - 2002\nSO  - J. 2002.\n"
)


def test_truncated_file_keeps_the_last_record_with_a_warning(write):
    result = medline.read(write("cut.nbib", TWO + "\nPMID- 333\nTI  - Third title\nAB  - The abs"))
    assert [r.pmid for r in result.records] == ["111", "222", "333"]
    assert result.records[-1].abstract == "The abs"
    assert "line 11" in result.report.warnings[0] and "truncated" in result.report.warnings[0]


def test_record_without_title_is_skipped_with_line(write):
    result = medline.read(write("t.nbib", TWO + "\nPMID- 333\nDP  - 2003\nSO  - J.\n"))
    assert result.report.records_read == 2
    (skipped,) = result.report.skipped
    assert skipped.line == 11 and skipped.reason == "no title (TI) for PMID 333"


def test_a_record_with_a_non_medline_line_is_skipped(write):
    result = medline.read(write("bad.nbib", TWO + "\nPMID- 333\nthis line is not MEDLINE\nTI  - X\n"))
    assert result.report.records_read == 2
    (skipped,) = result.report.skipped
    assert skipped.line == 12 and "not a MEDLINE tag line" in skipped.reason


def test_wrong_format_garbage_binary_empty(write):
    with pytest.raises(UnreadableFileError, match=r"ris\.nbib, line 1: this is RIS"):
        medline.read(write("ris.nbib", "TY  - JOUR\nTI  - x\nER  - \n"))
    with pytest.raises(UnreadableFileError, match=r"g\.nbib, line 1: not a MEDLINE file"):
        medline.read(write("g.nbib", "Title,Year\nA,2001\n"))
    with pytest.raises(UnreadableFileError, match="binary"):
        medline.read(write("b.nbib", b"PMID- 1\n" + b"\x00\x01\x02\x03" * 100))
    with pytest.raises(UnreadableFileError, match="empty"):
        medline.read(write("e.nbib", b""))
    with pytest.raises(UnreadableFileError, match=r"c\.nbib, line 1: not a MEDLINE file"):
        read_file(write("c.nbib", "      starts with a continuation\n"), format="medline")


def test_wrong_encoding_reads_with_a_warning(write):
    path = write("l.nbib", "PMID- 1\nTI  - Étude à Zürich\nDP  - 2001\nSO  - x\n", encoding="latin-1")
    result = medline.read(path)
    assert result.records[0].title == "Étude à Zürich"
    assert result.report.encoding == "cp1252" and "Windows-1252" in result.report.warnings[0]
