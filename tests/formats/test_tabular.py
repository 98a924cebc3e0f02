"""CSV/TSV/XLSX reader: PubMed and Embase CSV without a mapping, generic headers, mappings,
the dedup benchmark shape, bad input."""

from __future__ import annotations

import pytest

from review.formats import UnreadableFileError, read_file
from review.formats import tabular

from .conftest import DATA

# file -> (records read, rows skipped for an empty title); counted from the rows
CSV_COUNTS = {
    "asreview_duplicate_records.csv": (10, 4),
    "asreview_embase.csv": (6, 0),
    "asreview_embase_newpage.csv": (6, 0),
    "asreview_generic.csv": (2, 0),
    "asreview_generic_bad_record_id.csv": (6, 0),
    "asreview_generic_column_names_with_spaces.csv": (2, 0),
    "asreview_generic_labels.csv": (6, 0),
    "asreview_generic_labels_no_abs.csv": (6, 0),
    "asreview_generic_partial_labels.csv": (6, 0),
    "asreview_generic_semicolon.csv": (2, 0),
    "asreview_generic_tab.csv": (2, 0),
    "asreview_generic_tab.tab": (2, 0),
    "asreview_generic_tab.tsv": (2, 0),
    "asreview_missing_values.csv": (2, 2),
    "asreview_record_id.csv": (10, 0),
    "pubmed-chatbot.csv": (6, 0),
    "pubmed_csv.csv": (1, 0),
}
NO_TITLE_COLUMN = "asreview_generic_labels_no_title.csv"


def test_every_csv_sample_is_covered():
    assert {p.name for p in (DATA / "csv").iterdir()} == set(CSV_COUNTS) | {NO_TITLE_COLUMN}


@pytest.mark.parametrize("name", sorted(CSV_COUNTS))
def test_csv_sample_counts(name):
    result = read_file(DATA / "csv" / name)
    read, skipped = CSV_COUNTS[name]
    assert result.report.format == "tabular"
    assert result.report.records_read == len(result.records) == read
    assert len(result.report.skipped) == skipped
    assert all(s.line and "no title" in s.reason for s in result.report.skipped)


def test_a_file_without_a_title_column_lists_its_columns():
    with pytest.raises(UnreadableFileError) as info:
        read_file(DATA / "csv" / NO_TITLE_COLUMN)
    message = str(info.value)
    assert "no title column" in message and "'abstract'" in message and "'publication_year'" in message
    assert "--map title=" in message


def test_pubmed_csv_is_recognised_without_a_mapping():
    records = read_file(DATA / "csv" / "pubmed-chatbot.csv").records
    first = records[0]
    assert first.pmid == first.source_id == "35227408"
    assert first.title.startswith("Chatbot-Delivered Psychotherapy for Adults")
    assert first.authors == ["Lim SM", "Shiau CWC", "Cheng LJ", "Lau Y"]
    assert first.year == 2022
    assert first.journal_abbrev == "Behav Ther"
    assert (first.volume, first.issue, first.start_page, first.end_page) == ("53", "2", "334", "347")
    assert first.doi == "10.1016/j.beth.2021.09.007"
    assert first.raw["Create Date"][0].startswith("2022/") and first.raw["First Author"] == ["Lim SM"]
    minimal = read_file(DATA / "csv" / "pubmed_csv.csv").records[0]
    assert (minimal.pmcid, minimal.doi, minimal.start_page) == ("PMC1122334", "10.1111/nature1111", "10")


def test_embase_csv_source_column_is_parsed():
    first = read_file(DATA / "csv" / "asreview_embase.csv").records[0]
    assert first.authors == ["Liu R.", "Adler D.G."]
    assert (first.journal, first.year, first.volume, first.issue) == ("Endoscopic Ultrasound", 2014, "3", "3")
    assert (first.start_page, first.end_page) == ("152", "160")
    assert first.doi == "10.4103/2303-9027.138783"  # from the OpenURL link
    assert "bronchogenic duplication cyst (diagnosis, surgery)" in first.subject_headings


def test_generic_asreview_columns():
    first = read_file(DATA / "csv" / "asreview_generic_labels.csv").records[0]
    assert first.title == "Title of reference"
    assert first.authors == ["Marx, Karl", "Lindgren, Astrid"]  # a Python list literal
    assert first.keywords == ["Pippi", "Nordwind", "Piraten"]
    assert (first.year, first.volume, first.issue, first.start_page) == (2014, "9", "3", "e0815")
    assert first.source_id == "12345" and first.reference_type == "JOUR"
    assert first.raw["label_included"] == ["1"]
    spaced = read_file(DATA / "csv" / "asreview_generic_column_names_with_spaces.csv").records[0]
    assert spaced.abstract.startswith("BACKGROUND:")  # column "abstract "
    ids = read_file(DATA / "csv" / "asreview_record_id.csv").records
    assert [r.source_id for r in ids[:3]] == ["12", "11", "10"]


def test_dedup_benchmark_shape(write):
    path = write(
        "records_pre_merged.csv",
        '"ID","title","year","author","pages","volume","number","ENTRYTYPE","journal","doi","abstract"\n'
        '"id_0000001","New insights into postrenal transplant hemolytic uremic syndrome.",2011,'
        '"Zuber, J and Le Quintrec, M","23-35",7,1,"article","Nat Rev Nephrol","10.1038/NRNEPH.2010.155","An abstract."\n'
        '"id_0000002",,2011,"Zuber, J. and Le Quintrec, M.","23-35",7,1,"article","Nat Rev Nephrol",,\n',
    )
    result = read_file(path)
    first = result.records[0]
    assert first.source_id == "id_0000001"
    assert first.authors == ["Zuber, J", "Le Quintrec, M"]
    assert (first.year, first.volume, first.issue, first.start_page, first.end_page) == (2011, "7", "1", "23", "35")
    assert first.journal == "Nat Rev Nephrol" and first.doi == "10.1038/nrneph.2010.155"
    assert first.reference_type == "article" and first.abstract == "An abstract."
    assert [s.line for s in result.report.skipped] == [3]
    kept = read_file(path, require_title=False)
    assert [r.source_id for r in kept.records] == ["id_0000001", "id_0000002"]


def test_asysd_shape_with_record_id_and_glued_authors(write):
    path = write(
        "asysd.csv",
        "author,title,year,journal,abstract,doi,number,pages,volume,isbn,record_id,label,source\n"
        "Adeli K.Lewis G. F.,Intestinal lipoprotein overproduction,2008,Curr Opin Lipidol,,"
        "10.1097/MOL.0b013e3282ffaf82,3,221-8,19,0957-9672,1,In_database,unique\n",
    )
    record = read_file(path).records[0]
    assert record.source_id == "1"
    assert record.authors == ["Adeli K.", "Lewis G. F."]
    assert (record.start_page, record.end_page) == ("221", "228")
    assert record.issns == ["0957-9672"] and record.journal == "Curr Opin Lipidol"


def test_mapping_names_columns(write):
    path = write(
        "scopus.csv",
        "Name of paper,Writers,When,Where\nMentoring in medical school,Smith J; Doe A,2016,Med Teach\n",
    )
    with pytest.raises(UnreadableFileError, match="no title column"):
        read_file(path)
    record = read_file(path, mapping={"title": "Name of paper", "authors": "Writers",
                                      "year": "When", "journal": "where"}).records[0]
    assert (record.title, record.authors, record.year, record.journal) == (
        "Mentoring in medical school", ["Smith J", "Doe A"], 2016, "Med Teach")


def test_mapping_errors_list_the_columns(write):
    path = write("m.csv", "Title,Year\nA study,2001\n")
    with pytest.raises(UnreadableFileError) as info:
        read_file(path, mapping={"authors": "Authors"})
    assert "column 'Authors'" in str(info.value) and "columns present: 'Title', 'Year'" in str(info.value)
    with pytest.raises(UnreadableFileError, match="unknown field 'colour'"):
        read_file(path, mapping={"colour": "Title"})


def test_xlsx_with_row_numbers(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Title", "Authors", "Publication Year", "DOI"])
    sheet.append(["First", "Smith J, Doe A", 2001, "https://doi.org/10.1000/ONE"])
    sheet.append([None, "Nobody N", 2002, None])
    sheet.append([])
    sheet.append(["Fourth", "Roe R", 2004.0, None])
    book.save(tmp_path / "refs.xlsx")
    result = read_file(tmp_path / "refs.xlsx")
    assert [r.title for r in result.records] == ["First", "Fourth"]
    assert result.records[0].doi == "10.1000/one" and result.records[1].year == 2004
    assert result.records[0].authors == ["Smith J", "Doe A"]
    assert [s.line for s in result.report.skipped] == [3]
    assert result.report.encoding == "xlsx"


def test_quoted_multiline_cells_keep_line_numbers(write):
    path = write("q.csv", 'title,abstract\n"One","line one\nline two"\n,"no title"\n"Three",x\n')
    result = read_file(path)
    assert [r.title for r in result.records] == ["One", "Three"]
    assert result.records[0].abstract == "line one line two"
    assert [s.line for s in result.report.skipped] == [4]


def test_bad_tabular_input(write):
    with pytest.raises(UnreadableFileError, match="empty"):
        tabular.read(write("e.csv", b""))
    with pytest.raises(UnreadableFileError, match="binary"):
        tabular.read(write("b.csv", b"title,year\n" + bytes(range(1, 30)) * 40))
    with pytest.raises(UnreadableFileError, match="not a readable Excel workbook"):
        tabular.read(write("x.xlsx", b"PK\x03\x04 not really a zip"))
    with pytest.raises(UnreadableFileError, match="no title column"):
        tabular.read(write("r.csv", "TY  - JOUR\nTI  - x\nER  - \n"))  # RIS forced as CSV
    latin = tabular.read(write("l.csv", "title,year\nÉtude à Zürich,2001\n", encoding="cp1252"))
    assert latin.records[0].title == "Étude à Zürich" and "Windows-1252" in latin.report.warnings[0]
    header_only = tabular.read(write("h.csv", "title,year\n"))
    assert header_only.records == [] and "no records" in header_only.report.warnings[0]
