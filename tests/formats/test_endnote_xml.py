"""EndNote XML reader: real EndNote exports, style-wrapped text, bad input."""

from __future__ import annotations

import pytest

from review.formats import UnreadableFileError, read_file
from review.formats import endnote_xml

from .conftest import DATA, SAMPLE


def test_bold_styles_are_joined_and_fields_mapped():
    result = read_file(DATA / "endnote-xml" / "bold.xml")
    assert result.report.format == "endnote-xml"
    assert result.report.records_read == 3  # three <record> elements
    record = result.records[0]
    assert record.title == "Patient satisfaction with physician-patient communication during telemedicine"
    assert "is a critical factor in treatment outcomes" in record.abstract  # across <style> runs
    assert record.authors == ["Agha, Z.", "Schapira, R. M.", "Laud, P. W.", "McNutt, G.", "Roter, D. L."]
    assert (record.year, record.journal, record.volume, record.issue) == (2009, "Telemed J E Health", "15", "9")
    assert (record.start_page, record.end_page) == ("830", "839")
    assert record.doi == "10.1089/tmj.2009.0030"
    assert record.pmid == "19919189"  # accession-num from an NLM record
    assert record.issns == ["1530-5627"]
    assert record.reference_type == "Journal Article"
    assert record.source_id == "1979"
    assert "Patient Satisfaction/*statistics & numerical data" in record.keywords
    assert record.raw["ref-type@name"] == ["Journal Article"]
    assert record.raw["titles/secondary-title"] == ["Telemed J E Health"]


def test_escaped_entities():
    record = read_file(DATA / "endnote-xml" / "multipart.xml").records[0]
    assert record.title == "Foo & Bar"
    assert record.authors == ["Foo & Bar", "Baz & Quz"]
    assert record.journal == "Foo & Journal"
    assert record.source_id == "1 & 2"


def test_bundled_blue_light_xml():
    result = read_file(SAMPLE / "endnote-blue-light.xml")
    assert result.report.records_read == 102
    first = result.records[0]
    assert first.pmcid == "PMC5887696"  # custom2
    assert first.issns == ["2277-9175"]  # "2277-9175 (Print)\r2277-9175"
    assert first.raw["isbn"] == ["2277-9175 (Print)\r2277-9175"]  # verbatim


def _xml(*records: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8" ?><xml><records>\n' + "\n".join(records) + "\n</records></xml>\n"


def _rec(title: str, number: int) -> str:
    title_xml = f"<title><style>{title}</style></title>" if title else ""
    return (
        f'<record><rec-number>{number}</rec-number><ref-type name="Journal Article">17</ref-type>'
        f"<titles>{title_xml}</titles><dates><year>2001</year></dates></record>"
    )


def test_record_without_title_is_skipped_with_its_line(write):
    path = write("t.xml", _xml(_rec("One", 1), _rec("", 2), _rec("Three", 3)))
    result = endnote_xml.read(path)
    assert [r.title for r in result.records] == ["One", "Three"]
    (skipped,) = result.report.skipped
    assert (skipped.line, skipped.position) == (3, 1) and "no title" in skipped.reason


def test_truncated_file_keeps_complete_records_with_a_warning(write):
    text = _xml(_rec("One", 1), _rec("Two", 2), _rec("Three", 3))
    path = write("cut.xml", text[: text.index("Three") + 3])
    result = endnote_xml.read(path)
    assert [r.title for r in result.records] == ["One", "Two"]
    assert "line 4" in result.report.warnings[0] and "truncated" in result.report.warnings[0]


def test_broken_xml_in_the_middle_is_unreadable_with_line_and_column(write):
    text = _xml(_rec("One", 1), "<record><titles><title>Two</titel></titles></record>", _rec("Three", 3))
    with pytest.raises(UnreadableFileError, match=r"bad\.xml, line 3: broken XML, column \d+"):
        endnote_xml.read(write("bad.xml", text))


def test_wrong_format_binary_empty_encoding(write):
    with pytest.raises(UnreadableFileError, match="not EndNote XML"):
        read_file(write("p.xml", "<PubmedArticleSet><PubmedArticle/></PubmedArticleSet>"), format="endnote-xml")
    with pytest.raises(UnreadableFileError, match="broken XML"):
        read_file(write("r.xml", "TY  - JOUR\nTI  - x\nER  - \n"), format="endnote-xml")
    with pytest.raises(UnreadableFileError, match="binary"):
        endnote_xml.read(write("b.xml", b"<xml>" + bytes(range(1, 30)) * 50))
    with pytest.raises(UnreadableFileError, match="empty"):
        endnote_xml.read(write("e.xml", b""))
    with pytest.raises(UnreadableFileError, match="without any <record>"):
        endnote_xml.read(write("n.xml", "<xml><records></records></xml>"))
    latin = _xml(_rec("Étude à Zürich", 1)).encode("cp1252")  # declared UTF-8, is not
    result = endnote_xml.read(write("l.xml", latin))
    assert result.records[0].title == "Étude à Zürich"
    assert "Windows-1252" in result.report.warnings[0]
