"""Damaged copies of real export files: each is read as far as it goes (with a warning or a
skipped record naming the line) or refused with an UnreadableFileError naming the file."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from review.formats import UnreadableFileError, endnote_xml, read_file
from review.formats.detect import detect_format
from review.formats.text import decode_bytes
from tests.formats.conftest import DATA, SAMPLE

RIS = SAMPLE / "endnote-blue-light.ris"  # 102 records, accented names
NBIB = SAMPLE / "pubmed-blue-light.nbib"  # 80 records
ENDNOTE = SAMPLE / "endnote-blue-light.xml"  # 102 records on one line
PUBMED = DATA / "pubmed-xml" / "pubmed1.xml"  # 2 records, old http:// DOCTYPE
CSV = DATA / "csv" / "pubmed-chatbot.csv"  # 6 records


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8-sig")


def _cut_in_record(path: Path) -> bytes:
    """Cut at a line end in the middle of the file (inside a record)."""
    data = path.read_bytes()
    return data[: data.rfind(b"\n", 0, len(data) // 2) + 1]


def _cut_mid_line(path: Path) -> bytes:
    data = path.read_bytes()
    cut = data.rfind(b"\n", 0, len(data) // 2) + 4
    return data[:cut]


def _cut_mid_character(path: Path) -> bytes:
    """Cut after the lead byte of the last multi-byte character in the first half."""
    data = path.read_bytes()
    lead = max(i for i, b in enumerate(data[: len(data) // 2]) if b >= 0xC0)
    return data[: lead + 1]


def _cut_after_a_cell(path: Path) -> bytes:
    """The first four rows whole, the fifth cut after its first cell."""
    lines = path.read_bytes().splitlines(True)
    return b"".join(lines[:4]) + lines[4].split(b'",')[0] + b'",'


def _zip(path: Path) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(path.name, path.read_bytes())
    return out.getvalue()


# (file name, bytes) -> ("read", records, pattern a warning or skipped reason must match)
#                    or ("error", pattern of the UnreadableFileError message)
CASES: dict[str, tuple[str, Callable[[], bytes], tuple]] = {
    "empty": ("x.ris", lambda: b"", ("error", r"empty \(0 bytes\)")),
    "only whitespace": ("x.nbib", lambda: b" \n\t\r\n  \n", ("error", r"empty \(only blank lines\)")),
    "ris cut in a record": ("x.ris", lambda: _cut_in_record(RIS), ("read", 47, r"ends inside the record starting at line 2078")),
    "ris cut mid-line": ("x.ris", lambda: _cut_mid_line(RIS), ("read", 47, r"ends inside the record starting at line 2078")),
    "nbib cut inside its last tag": ("x.nbib", lambda: NBIB.read_bytes()[: NBIB.read_bytes().rfind(b"\nSO  - ") + 3],
                                     ("read", 80, r"ends inside a tag on line \d+ \('SO'\): it looks cut off")),
    "nbib cut in a record": ("x.nbib", lambda: _cut_in_record(NBIB), ("read", 36, r"last record \(line 2777\) has no 'SO  - ' line")),
    "csv cut in a quoted cell": ("x.csv", lambda: _cut_mid_line(CSV), ("error", r"line 4: a quoted cell in the row starting on line 4 is never closed \(or the file was cut off")),
    "csv cut after a cell": ("x.csv", lambda: _cut_after_a_cell(CSV), ("read", 3, r"fewer cells than the header's 11 columns \(line\(s\) 5\)")),
    "endnote cut": ("x.xml", lambda: ENDNOTE.read_bytes()[: ENDNOTE.stat().st_size // 2], ("read", 49, r"ends inside the record .* 49 complete record")),
    "pubmed xml cut": ("x.xml", lambda: _cut_in_record(PUBMED),
                       ("read", 1, r"cut off after line \d+ .*the 1 complete record\(s\) before it were read")),
    "pubmed xml unknown entity": ("x.xml", lambda: PUBMED.read_bytes().replace(b"<ArticleTitle>", b"<ArticleTitle>&bogus;", 1),
                                  ("read", 2, r"line \d+: 1 unknown XML entity \(&bogus;\): the text they stand for is missing")),
    "pubmed xml cut in its first record": ("x.xml", lambda: PUBMED.read_bytes()[:1500],
                                           ("error", r"line \d+: truncated XML")),
    "ris cut mid-character": ("x.ris", lambda: _cut_mid_character(RIS), ("read", 45, r"ends in the middle of a character on line \d+")),
    "nbib cut mid-character": ("x.nbib", lambda: _cut_mid_character(NBIB), ("read", 31, r"ends in the middle of a character on line 2491")),
    "ris latin-1": ("x.ris", lambda: _text(RIS).encode("latin-1", "replace"), ("read", 102, r"not valid UTF-8 \(first bad byte 0x[0-9a-f]+ on line \d+\); read as Windows-1252")),
    "nbib windows-1252": ("x.nbib", lambda: _text(NBIB).encode("cp1252", "replace"), ("read", 80, r"read as Windows-1252")),
    "ris utf-16 bom": ("x.ris", lambda: _text(RIS).encode("utf-16"), ("read", 102, None)),
    "endnote utf-16 bom": ("x.xml", lambda: _text(ENDNOTE).encode("utf-16"), ("read", 102, None)),
    "csv utf-8 bom": ("x.csv", lambda: codecs.BOM_UTF8 + CSV.read_bytes(), ("read", 6, None)),
    "ris crlf": ("x.ris", lambda: _text(RIS).replace("\r\n", "\n").replace("\n", "\r\n").encode(), ("read", 102, None)),
    "nbib lone cr": ("x.nbib", lambda: _text(NBIB).replace("\r\n", "\n").replace("\n", "\r").encode(), ("read", 80, None)),
    "pubmed xml crlf": ("x.xml", lambda: _text(PUBMED).replace("\n", "\r\n").encode(), ("read", 2, None)),
    "nul bytes": ("x.ris", lambda: RIS.read_bytes()[:500] + b"\x00\x00" + RIS.read_bytes()[500:], ("error", r"line \d+: binary data \(NUL bytes\)")),
    "pdf named .ris": ("x.ris", lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\n", ("error", r"a PDF document, not a text export")),
    "zip named .ris": ("x.ris", lambda: _zip(RIS), ("error", r"a ZIP archive")),
    "pubmed xml unclosed tag": ("x.xml", lambda: _text(PUBMED).replace("</ArticleTitle>", "", 1).encode(), ("error", r"line \d+: not well-formed XML at line \d+, column \d+: mismatched tag")),
    "pubmed xml bare ampersand": ("x.xml", lambda: _text(PUBMED).replace("<ArticleTitle>", "<ArticleTitle>A & B ", 1).encode(), ("error", r"line \d+: not well-formed XML at line \d+")),
    "endnote unclosed tag": ("x.xml", lambda: _text(ENDNOTE).replace("</title>", "", 1).encode(), ("error", r"line 1: broken XML, column \d+: Opening and ending tag mismatch")),
    "csv no header": ("x.csv", lambda: b"".join(CSV.read_bytes().splitlines(True)[1:]), ("error", r"line 1: no title column found")),
    "csv ragged rows": ("x.csv", lambda: b"title,year\nOne,2020,extra\nTwo\nThree,2022\n", ("read", 3, r"2 row\(s\) have more or fewer cells than the header's 2 columns \(line\(s\) 2, 3\)")),
    "csv semicolons": ("x.csv", lambda: b"title;year;doi\nA study;2020;10.1000/x\nAnother;2021;\n", ("read", 2, None)),
    "csv repeated column names": ("x.csv", lambda: b"title,keywords,keywords\nA study,one,two\n",
                                  ("read", 1, r"names column 'keywords' 2 times \(columns 2, 3\)")),
    "csv no title column": ("x.csv", lambda: b"authors,year,doi\nSmith J,2020,10.1/x\n", ("error", r"line 1: no title column found; columns present: 'authors', 'year', 'doi'\. Name it with --map title=COLUMN")),
    "ris without ER": ("x.ris", lambda: _text(RIS).replace("ER  - ", "N1  - ", 1).encode(), ("read", 102, r"record starting at line 1 has no 'ER  - ' line")),
    "ris tag without value": ("x.ris", lambda: b"TY  - JOUR\nTI  -\nAU  - \nTI  - A title\nER  - \n", ("read", 1, None)),
    "ris record with empty title": ("x.ris", lambda: b"TY  - JOUR\nTI  -\nER  - \n", ("read", 0, r"line 1.*no title")),
    "very long line": ("x.ris", lambda: b"TY  - JOUR\nTI  - Long\nAB  - " + b"x" * 10_000_000 + b"\nER  - \n", ("read", 1, None)),
    "very long line, no format": ("x.txt", lambda: b"q" * 10_000_000, ("error", r"line 1: cannot tell the format")),
}


def _messages(result) -> list[str]:
    return [*result.report.warnings, *(f"line {s.line}: {s.reason}" for s in result.report.skipped)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_damaged_files_are_read_with_warnings_or_refused_by_name(tmp_path, case):
    name, build, expected = CASES[case]
    path = tmp_path / name
    path.write_bytes(build())
    if expected[0] == "error":
        with pytest.raises(UnreadableFileError) as info:
            read_file(path)
        assert str(info.value).startswith(str(path))
        assert re.search(expected[1], str(info.value)), str(info.value)
        return
    result = read_file(path)
    assert len(result.records) == expected[1], _messages(result)
    if expected[2] is None:
        assert not result.report.warnings and not result.report.skipped, _messages(result)
    else:
        assert any(re.search(expected[2], m) for m in _messages(result)), _messages(result)


def test_a_folder_is_not_called_a_missing_file(tmp_path):
    folder = tmp_path / "exports.ris"
    folder.mkdir()
    for call in (read_file, detect_format):
        with pytest.raises(UnreadableFileError, match="this is a folder, not a file"):
            call(folder)
    with pytest.raises(UnreadableFileError, match="no such file; check the path"):
        read_file(tmp_path / "missing.ris")


# ------------------------------------------------------------------ a character cut off


def test_a_character_cut_off_at_the_end_keeps_the_file_utf8():
    data = "TY  - JOUR\nTI  - Étude à Zürich\nAU  - Mü".encode()
    decoded = decode_bytes(data[:-1])  # "ü" of the last line cut after its first byte
    assert decoded.encoding == "utf-8"
    assert "Étude à Zürich" in decoded.text and decoded.text.endswith("AU  - M")
    assert decoded.warnings == [
        "the file ends in the middle of a character on line 3: it may be truncated (export or "
        "download it again); the cut character was left out"
    ]


def test_a_character_cut_off_after_a_utf8_bom_is_not_refused():
    decoded = decode_bytes(codecs.BOM_UTF8 + "TI  - Zü".encode()[:-1])
    assert decoded.text == "TI  - Z" and "middle of a character on line 1" in decoded.warnings[0]


def test_invalid_utf8_after_a_bom_names_the_line():
    with pytest.raises(UnreadableFileError) as info:
        decode_bytes(codecs.BOM_UTF8 + b"TY  - JOUR\nTI  - caf\xe9 au lait\n", "x.ris")
    assert info.value.line == 2 and "(0xe9)" in str(info.value) and "save the file" in str(info.value)


# ------------------------------------------------------------------ RIS records without TY


def test_a_ris_record_without_ty_is_reported_not_merged_into_the_previous_one(write):
    path = write("x.ris", "TY  - JOUR\nTI  - First\nER  - \n\nTI  - Second\nAU  - Roe R\nER  - \n\n"
                          "TY  - JOUR\nTI  - Third\nER  - \n")
    result = read_file(path)
    assert [r.title for r in result.records] == ["First", "Third"]
    assert "AU" not in result.records[0].raw and result.records[0].raw["TI"] == ["First"]
    [skipped] = result.report.skipped
    assert (skipped.line, skipped.position) == (5, 1)
    assert skipped.reason == (
        "a record without a 'TY  - ' line, lines 5-7 (title 'Second'): not read; add a line "
        "such as 'TY  - JOUR' before line 5 and import the file again"
    )


def test_a_ris_record_without_ty_at_the_start_is_reported(write):
    result = read_file(write("x.ris", "TI  - Orphan\nER  - \nTY  - JOUR\nTI  - Kept\nER  - \n"))
    assert [r.title for r in result.records] == ["Kept"]
    assert [(s.line, s.position) for s in result.report.skipped] == [(1, 0)]


def test_a_stray_tag_after_er_still_joins_its_record(write):
    """Ovid PsycINFO writes NL after ER: one stray tag is not a record."""
    result = read_file(write("x.ris", "TY  - JOUR\nTI  - One\nER  - \nNL  - Psychol Med\n\n"
                                      "TY  - JOUR\nTI  - Two\nER  - \n"))
    assert [r.title for r in result.records] == ["One", "Two"]
    assert result.records[0].raw["NL"] == ["Psychol Med"] and not result.report.skipped


def test_ris_whose_ty_lines_are_all_missing_is_detected_as_ris(write):
    path = write("x.txt", "TI  - Only\nAU  - Smith J\nER  - \n")
    assert detect_format(path) == "ris"
    result = read_file(path)
    assert result.records == [] and "without a 'TY  - ' line, lines 1-3" in result.report.skipped[0].reason


# ------------------------------------------------------------------ EndNote XML


def test_endnote_xml_broken_in_the_middle_of_its_one_line_is_refused_not_half_read(tmp_path):
    text = _text(ENDNOTE)
    middle = [m.start() for m in re.finditer("</title>", text)][50]
    path = tmp_path / "x.xml"
    path.write_text(text[:middle] + text[middle + len("</title>"):], encoding="utf-8")
    with pytest.raises(UnreadableFileError) as info:
        read_file(path)
    assert info.value.line == 1
    assert "Opening and ending tag mismatch" in str(info.value) and "export the records again" in str(info.value)


@pytest.mark.parametrize("inserted, expected", [
    ("&bogus; ", "'&bogus;', which is not an XML entity (a plain '&' must be written '&amp;')"),
    ("A & B ", "a bare '&' (a plain '&' must be written '&amp;')"),
])
def test_endnote_xml_bad_entity_names_its_column(tmp_path, inserted, expected):
    text = _text(ENDNOTE)
    at = [m.end() for m in re.finditer("<title>", text)][50]
    path = tmp_path / "x.xml"
    path.write_text(text[:at] + inserted + text[at:], encoding="utf-8")
    with pytest.raises(UnreadableFileError) as info:
        read_file(path)
    assert info.value.line == 1
    column = int(re.search(r"column (\d+): ", str(info.value)).group(1))
    parsed = endnote_xml._xml_bytes(decode_bytes(path.read_bytes())).decode()
    assert parsed[column - 1] == "&"
    assert f"column {column}: {expected}" in str(info.value)


def test_endnote_xml_cut_inside_its_first_record_says_truncated(tmp_path):
    text = _text(ENDNOTE)
    path = tmp_path / "x.xml"
    path.write_text(text[: text.index("</record>") - 20], encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="ends inside its first record .* it is truncated"):
        read_file(path)


# ------------------------------------------------------------------ PubMed XML


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_pubmed_xml_in_utf16_with_an_old_doctype_reads(tmp_path, codec):
    text = _text(PUBMED).replace('<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{codec.upper()}"?>')
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path = tmp_path / "x.xml"
    path.write_bytes(data)
    result = read_file(path)
    assert [r.pmid for r in result.records] == [r.pmid for r in read_file(PUBMED).records]
    assert result.report.encoding == codec.split("-be")[0]


def test_pubmed_xml_resaved_as_latin1_says_so(tmp_path):
    text = _text(PUBMED).replace("<ArticleTitle>", "<ArticleTitle>Café ", 1)
    path = tmp_path / "x.xml"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(UnreadableFileError) as info:
        read_file(path)
    assert re.search(r"line (\d+): not UTF-8 at line \1 \(byte 0xe9\): the file was saved in another "
                     r"encoding", str(info.value)), str(info.value)


# ------------------------------------------------------------------ CSV


def test_csv_quote_never_closed_is_refused_with_its_line(write):
    path = write("x.csv", 'title,year\nOne,2020\n"Two, never closed,2021\nThree,2022\n')
    with pytest.raises(UnreadableFileError) as info:
        read_file(path)
    assert info.value.line == 3
    assert "a quoted cell in the row starting on line 3 is never closed" in str(info.value)
    assert "(lines 3-4)" in str(info.value)


def test_csv_lenient_quotes_in_the_last_row_still_read(write):
    result = read_file(write("x.csv", 'title,year\nA 5" screen,2020\n"Quoted"tail,2021\n'))
    assert [r.title for r in result.records] == ['A 5" screen', "Quotedtail"]


def test_csv_first_row_of_data_gets_a_header_hint(write):
    path = write("x.csv", "A long title of a study about something that matters a great deal,2020\n")
    with pytest.raises(UnreadableFileError, match="the first row looks like data, not column names"):
        read_file(path)


def test_csv_column_list_is_shortened(write):
    path = write("x.csv", "a" * 100 + ",year\nx,2020\n")
    with pytest.raises(UnreadableFileError) as info:
        read_file(path)
    assert f"'{'a' * 37}...', 'year'" in str(info.value)


def test_csv_repeated_column_name_is_a_warning_naming_the_columns(write):
    result = read_file(write("x.csv", "Title,Year,title,Notes\nFirst title,2020,Second title,n\n"))
    assert [r.title for r in result.records] == ["First title"]
    assert result.records[0].raw["title"] == ["Second title"]  # kept, not lost
    assert result.report.warnings == [
        "line 1: the header names column 'Title' 2 times (columns 1, 3); the title is read from "
        "column 1 only: rename the others or choose one with --map"
    ]
    # a repeated column no field is read from says nothing
    assert read_file(write("y.csv", "title,Notes,Notes\nA,x,y\n")).report.warnings == []
