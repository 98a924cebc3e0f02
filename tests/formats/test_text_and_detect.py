"""Decoding (review.formats.text) and format detection (review.formats.detect)."""

from __future__ import annotations

import codecs
import os
import random

import pytest

from review.formats import UnreadableFileError
from review.formats.detect import detect_format
from review.formats.text import decode_bytes, read_text

from .conftest import DATA, SAMPLE

RIS = "TY  - JOUR\nTI  - Café au lait spots in Zürich\nER  - \n"


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    "data, encoding",
    [
        (RIS.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + RIS.encode("utf-8"), "utf-8"),
        (RIS.encode("utf-16"), "utf-16-le"),  # Python writes a BOM, little endian here
        (codecs.BOM_UTF16_BE + RIS.encode("utf-16-be"), "utf-16-be"),
        (RIS.encode("utf-16-le"), "utf-16-le"),  # no BOM: detected from the NUL pattern
        (RIS.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_unicode_encodings_decode_without_warning(data, encoding):
    decoded = decode_bytes(data, "x.ris")
    assert decoded.text == RIS
    assert decoded.encoding == encoding
    assert decoded.warnings == []


def test_windows_1252_falls_back_with_a_warning_naming_the_line():
    data = ("TY  - JOUR\r\nTI  - Smart “quotes” and café\r\nER  - \r\n").encode("cp1252")
    decoded = decode_bytes(data, "x.ris")
    assert decoded.encoding == "cp1252"
    assert "Smart “quotes” and café" in decoded.text
    assert "\r" not in decoded.text
    assert len(decoded.warnings) == 1
    assert "not valid UTF-8" in decoded.warnings[0] and "line 2" in decoded.warnings[0]


def test_bytes_undefined_in_cp1252_still_decode_as_latin1():
    decoded = decode_bytes(b"TI  - a\x81b\x9dc\xe9\n", "x.ris")
    assert decoded.text == "TI  - a\x81b\x9dcé\n"


def test_empty_and_blank_files_are_refused(tmp_path):
    empty = tmp_path / "empty.ris"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableFileError, match=r"empty\.ris: the file is empty \(0 bytes\)"):
        read_text(empty)
    blank = tmp_path / "blank.ris"
    blank.write_bytes(b"\n\n  \r\n")
    with pytest.raises(UnreadableFileError, match="empty"):
        read_text(blank)


def test_binary_junk_is_refused_naming_the_file():
    rng = random.Random(7)
    junk = bytes(rng.randrange(256) for _ in range(4000))
    with pytest.raises(UnreadableFileError, match=r"^junk\.ris(, line \d+)?: binary data"):
        decode_bytes(junk, "junk.ris")


def test_nul_heavy_file_is_refused_with_the_line():
    data = b"TY  - JOUR\nTI  - ok\n" + b"\x00\x00\x01\x02" * 50
    with pytest.raises(UnreadableFileError, match=r"x\.ris, line 3: binary data \(NUL bytes\)"):
        decode_bytes(data, "x.ris")


@pytest.mark.parametrize(
    "head, what",
    [(b"%PDF-1.7\n", "PDF"), (b"PK\x03\x04rest", "ZIP"), (b"\x1f\x8b\x08\x00", "gzip")],
)
def test_known_binary_formats_are_named(head, what):
    with pytest.raises(UnreadableFileError, match=what):
        decode_bytes(head + os.urandom(200), "export.ris")


def test_a_few_stray_control_characters_are_replaced_with_a_warning():
    decoded = decode_bytes(b"TY  - JOUR\nTI  - a\x0bb\nER  - \n", "x.ris")
    assert "TI  - a b" in decoded.text
    assert "control character" in decoded.warnings[0]


# ---------------------------------------------------------------- detection


@pytest.mark.parametrize(
    "relative, expected",
    [
        ("ris/asreview_embase.ris", "ris"),
        ("ris/asreview_pubmed_endnote.txt", "ris"),  # .txt holding RIS
        ("ris/asreview_web_of_science.txt", "ris"),
        ("ris/rispy_example_wos.ris", "ris"),  # Web of Science FN/PT tagged
        ("ris/rispy_example_bom.ris", "ris"),
        ("medline/single.nbib", "medline"),
        ("medline/pubmed_result1.txt", "medline"),
        ("medline/colrev_eric.nbib", "medline"),  # ERIC: no PMID line
        ("medline/pmc_medlars.txt", "medline"),
        ("endnote-xml/bold.xml", "endnote-xml"),
        ("endnote-xml/multipart.xml", "endnote-xml"),
        ("pubmed-xml/pubmed1.xml", "pubmed-xml"),
        ("csv/pubmed-chatbot.csv", "tabular"),
        ("csv/asreview_generic_tab.tsv", "tabular"),
        ("csv/asreview_generic_tab.tab", "tabular"),
        ("csv/asreview_generic_semicolon.csv", "tabular"),
    ],
)
def test_detects_real_exports(relative, expected):
    assert detect_format(DATA / relative) == expected


def test_detects_the_bundled_sample():
    assert detect_format(SAMPLE / "ovid-multidatabase-300.ris") == "ris"
    assert detect_format(SAMPLE / "pubmed-blue-light.nbib") == "medline"
    assert detect_format(SAMPLE / "endnote-blue-light.xml") == "endnote-xml"


def test_content_wins_over_the_extension(write):
    ris_as_csv = write("export.csv", (DATA / "ris/rispy_example_basic.ris").read_text())
    assert detect_format(ris_as_csv) == "ris"
    medline_as_ris = write("export.ris", (DATA / "medline/single.nbib").read_text())
    assert detect_format(medline_as_ris) == "medline"
    csv_as_txt = write("export.txt", "Title,Authors,Year\nA study,Smith J,2001\n")
    assert detect_format(csv_as_txt) == "tabular"


@pytest.mark.parametrize(
    "name, content",
    [
        ("PubmedBookArticle.xml", '<?xml version="1.0"?>\n<!DOCTYPE x>\n<PubmedBookArticle><BookDocument/></PubmedBookArticle>'),
        ("article.xml", "<!-- fetched --><PubmedArticle><MedlineCitation/></PubmedArticle>"),
    ],
)
def test_detects_pubmed_xml_roots(write, name, content):
    assert detect_format(write(name, content)) == "pubmed-xml"


def test_xlsx_is_tabular(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Title", "Year"])
    book.save(tmp_path / "refs.xlsx")
    assert detect_format(tmp_path / "refs.xlsx") == "tabular"


@pytest.mark.parametrize(
    "name, content, hint",
    [
        ("notes.txt", "Just some notes about the review\nwith no structure at all\n", "cannot tell the format"),
        ("refs.bib", "@article{smith2001,\n  title={A study}\n}\n", "BibTeX"),
        ("refs.json", '[{"title": "A study"}]', "JSON"),
        ("page.html", "<!DOCTYPE html><html><body>Error</body></html>", "web page"),
        ("other.xml", "<?xml version='1.0'?><catalog><book/></catalog>", "<catalog>"),
        ("esearch.xml", "<?xml version='1.0'?><eSearchResult><Count>3</Count></eSearchResult>", "efetch"),
    ],
)
def test_unknown_formats_say_which_are_accepted(write, name, content, hint):
    path = write(name, content)
    with pytest.raises(UnreadableFileError) as info:
        detect_format(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert hint in message
    assert "accepted formats: RIS" in message and "CSV/TSV/XLSX" in message


def test_detect_refuses_empty_and_binary_files(write):
    with pytest.raises(UnreadableFileError, match="empty"):
        detect_format(write("empty.ris", b""))
    with pytest.raises(UnreadableFileError, match="binary"):
        detect_format(write("junk.ris", bytes(range(256)) * 20))
    with pytest.raises(UnreadableFileError, match="not an Excel workbook"):
        detect_format(write("fake.xlsx", "Title,Year\n"))
