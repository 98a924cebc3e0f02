"""The PubMed XML reader on real efetch bodies: articles, books, structured abstracts, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.formats.base import UnreadableFileError
from review.formats.pubmed_xml import PubmedXMLError, read, records_from_xml

DATA = Path(__file__).resolve().parent.parent / "data" / "pubmed"


def test_book_article_is_read_as_a_book():
    result = read(DATA / "book-21391348.xml")
    assert result.report.records_read == 1 and not result.report.skipped
    (rec,) = result.records
    assert rec.pmid == "21391348" and rec.source_id == "21391348"
    assert rec.reference_type == "BOOK"
    assert rec.title.startswith("Global Infectious Disease Surveillance and Detection")
    assert rec.authors == ["Institute of Medicine (US) Forum on Microbial Threats"]
    assert rec.year == 2007
    # a whole book: the collection is its "journal"; whitespace collapsed
    assert rec.journal == (
        "The National Academies Collection: Reports funded by National Institutes of Health"
    )
    assert rec.abstract.startswith("Early detection is essential to the control of emerging,")
    assert "\n" not in rec.abstract
    assert rec.raw["BookDocument/Book/Isbn"] == ["9780309111140", "0309111145"]
    assert rec.raw["BookDocument/ArticleIdList"] == ["NBK52867"]


def test_structured_abstract_keeps_section_labels_in_order():
    (rec,) = read(DATA / "pubmed4.xml").records
    assert rec.pmid == "27797938"
    labels = [part.split(":")[0] for part in
              rec.abstract.replace(" DESIGN:", "|DESIGN:").replace(" RESULTS:", "|RESULTS:")
              .replace(" CONCLUSIONS:", "|CONCLUSIONS:").split("|")]
    assert labels == ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]
    assert rec.abstract.startswith("OBJECTIVE: Telomere shortening occurs as an early event")
    assert rec.doi == "10.1136/gutjnl-2016-312510"
    assert rec.pmcid == "PMC5442267"
    assert rec.issns == ["1468-3288", "0017-5749"]
    assert "Pancreatic Neoplasms/*epidemiology/*genetics" in rec.subject_headings
    assert rec.authors[0] == "Bao, Ying" and len(rec.authors) == 22
    assert (rec.volume, rec.issue, rec.start_page, rec.end_page) == ("66", "6", "1116", "1122")


def test_structured_abstract_nejm():
    (rec,) = read(DATA / "pubmed-29768149.xml").records
    assert rec.abstract.startswith("BACKGROUND: In patients with mild asthma")
    assert " METHODS: " in rec.abstract and " CONCLUSIONS: " in rec.abstract
    assert rec.doi == "10.1056/nejmoa1715274"
    assert rec.journal_abbrev == "N Engl J Med"


def test_old_dtd_two_articles_and_mesh_stars():
    result = read(DATA / "pubmed1.xml")
    assert [r.pmid for r in result.records] == ["12091962", "9997"]
    first = result.records[0]
    assert first.authors == ["Olivero, J Michael"]
    assert "*Prisoners" in first.subject_headings and "Humans" in first.subject_headings
    assert first.keywords == ["Health Care and Public Health", "Legal Approach"]
    assert result.records[1].subject_headings[1] == "Chromatium/*enzymology"
    assert result.records[1].year == 1976


def test_every_real_efetch_body_gives_its_own_pmid():
    files = sorted((DATA / "efetch").glob("*.xml"))
    assert len(files) == 50
    structured = 0
    for path in files:
        records = records_from_xml(path.read_bytes())
        if path.stem == "37909814":  # NCBI's empty answer for a withdrawn PMID
            assert records == []
            continue
        assert [r.pmid for r in records] == [path.stem], path.name
        rec = records[0]
        assert rec.title and rec.journal and rec.year, path.name
        assert rec.urls == [f"https://pubmed.ncbi.nlm.nih.gov/{path.stem}/"]
        if '<AbstractText Label="' in path.read_text(encoding="utf-8"):
            structured += 1
            assert rec.abstract.split(":")[0].isupper(), path.name
    assert structured >= 2


def test_articles_and_books_keep_document_order():
    article = (DATA / "pubmed4.xml").read_bytes()
    book = (DATA / "book-21391348.xml").read_bytes()
    body = (
        article.split(b"<PubmedArticleSet>")[0]
        + b"<PubmedArticleSet>"
        + book.split(b"<PubmedArticleSet>")[1].split(b"</PubmedArticleSet>")[0]
        + article.split(b"<PubmedArticleSet>")[1].split(b"</PubmedArticleSet>")[0]
        + b"</PubmedArticleSet>"
    )
    records = records_from_xml(body)
    assert [r.pmid for r in records] == ["21391348", "27797938"]
    assert [r.reference_type for r in records] == ["BOOK", "JOUR"]


def test_truncated_file_names_file_and_line(tmp_path):
    data = (DATA / "pubmed4.xml").read_bytes()
    cut = data[: len(data) // 2]  # ends inside a tag: "...<Country>United States</Coun"
    path = tmp_path / "cut.xml"  # (tmp_path holds the test's name, so "truncated" is checked after the path)
    path.write_bytes(cut)
    with pytest.raises(UnreadableFileError) as info:
        read(path)
    last_line = cut.count(b"\n") + 1
    assert info.value.line == last_line == 377
    assert str(info.value).startswith(f"{path}, line {last_line}: truncated XML (the data end at line {last_line}")
    # cut between two tags instead: the same diagnosis
    path.write_bytes(data[: data.index(b"</Article>")])
    with pytest.raises(UnreadableFileError) as info:
        read(path)
    assert str(info.value).split(": ", 1)[1].startswith("truncated XML")


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "empty"),
        (b"\x00\x01\x02\xff binary junk", "not well-formed"),
        ((DATA / "pubmed3.html").read_bytes(), "HTML"),
        ((DATA / "esearch8.xml").read_bytes(), "not a PubMed efetch XML file"),
    ],
)
def test_bad_input_is_refused_clearly(tmp_path, content, expected):
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    with pytest.raises(UnreadableFileError) as info:
        read(path)
    assert expected in str(info.value)


def test_record_without_title_is_kept_with_a_warning(tmp_path):
    data = (DATA / "pubmed4.xml").read_text(encoding="utf-8")
    start = data.index("<ArticleTitle>")
    end = data.index("</ArticleTitle>") + len("</ArticleTitle>")
    path = tmp_path / "notitle.xml"
    path.write_text(data[:start] + "<ArticleTitle></ArticleTitle>" + data[end:], encoding="utf-8")
    result = read(path)
    assert [r.pmid for r in result.records] == ["27797938"]
    assert any("no title" in w for w in result.report.warnings)


def test_records_from_xml_raises_typed_error_on_html():
    with pytest.raises(PubmedXMLError):
        records_from_xml((DATA / "pubmed3.html").read_bytes())


def test_book_chapter_uses_its_own_title_authors_and_doi(tmp_path):
    """The real book record turned into a chapter record (the shape of GeneReviews/StatPearls
    chapters): chapter title and authors win, the book title becomes the "journal", the
    whole book's DOI is not the chapter's, and labelled abstract sections keep their labels."""
    text = (DATA / "book-21391348.xml").read_text(encoding="utf-8")
    text = text.replace(
        "<Isbn>0309111145</Isbn>",
        '<Isbn>0309111145</Isbn>\n        <ELocationID EIdType="doi">10.17226/11996</ELocationID>',
    )
    text = text.replace(
        "      <Language>eng</Language>",
        '      <LocationLabel Type="chapter">1</LocationLabel>\n'
        "      <ArticleTitle>Surveillance Strategies</ArticleTitle>\n"
        "      <Language>eng</Language>\n"
        '      <AuthorList Type="authors"><Author><LastName>Relman</LastName>'
        "<ForeName>David A</ForeName></Author></AuthorList>\n"
        '      <PublicationType UI="D016454">Review</PublicationType>',
    )
    text = text.replace(
        "<AbstractText>Early detection",
        '<AbstractText Label="BACKGROUND">Why.</AbstractText><AbstractText Label="SUMMARY">Early detection',
    )
    path = tmp_path / "chapter.xml"
    path.write_text(text, encoding="utf-8")
    (rec,) = read(path).records
    assert rec.reference_type == "CHAP"
    assert rec.title == "Surveillance Strategies"
    assert rec.authors == ["Relman, David A"]
    assert rec.journal.startswith("Global Infectious Disease Surveillance and Detection")
    assert rec.doi == ""  # 10.17226/11996 is the whole book's
    assert rec.publication_types == ["Review"]
    assert rec.abstract.startswith("BACKGROUND: Why. SUMMARY: Early detection")
