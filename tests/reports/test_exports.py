"""Charting table exports (CSV/XLSX/DOCX/Markdown), records with decisions (RIS/CSV), methods text."""

from __future__ import annotations

import csv
import io
import re

import pytest
import rispy

from review import extraction as ex
from review import reporting
from review.records import Record
from review.screening.agreement import Agreement
from review.store import add_import, add_records


@pytest.fixture
def charted(store_engine):
    """Three records; 1 and 2 charted by alice and bob (dual), one consensus on record 1."""
    engine = store_engine
    with engine.begin() as conn:
        iid = add_import(conn, kind="file", database="MEDLINE")
        add_records(conn, iid, [
            Record(title="Mentoring A", authors=["Andre, C."], year=2017, journal="BMC Res Notes"),
            Record(title="Mentoring B", authors=["Varma, J."], year=2016, journal="Natl Med J India"),
            Record(title="Mentoring C", authors=["Kalen, S."], year=2012),
        ])
    form = ex.form_from_config({})
    kw = dict(require_included=False)
    common = {"year_published": "2017", "source_type": "Programme description", "model": "Both",
              "aim": "Professional development | identity", "university": "UiT", "structure": "=SUM(A1)"}
    ex.set_values(engine, form, 1, {**common, "author": "Andre", "country": "Norway", "strengths": "Long follow-up"}, "alice", **kw)
    ex.set_values(engine, form, 1, {**common, "author": "Andre", "country": "Sweden"}, "bob", **kw)
    ex.set_consensus(engine, form, 1, "country", "Norway", by="carol", **kw)
    ex.set_values(engine, form, 2, {"author": "Varma", "year_published": "2016", "country": "India",
                                     "model": "Group", "source_type": "Programme description", "aim": "Support"}, "alice", **kw)
    ex.set_values(engine, form, 2, {"author": "Varma", "year_published": "2016", "country": "Pakistan",
                                     "model": "Group", "source_type": "Programme description", "aim": "Support"}, "bob", **kw)
    return engine, form


def test_csv_one_row_per_source_with_consensus(charted, tmp_path):
    engine, form = charted
    with engine.connect() as conn:
        export = reporting.export_extraction(conn, form, "csv", None, record_ids=[1, 2])
        text, rows = export.text, export.rows
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["Record"] for r in table] == ["1", "2"]
    assert table[0]["Country"] == "Norway"  # the consensus, not bob's Sweden
    assert table[0]["Model"] == "Both"
    assert table[0]["Aim"] == "Professional development | identity"
    assert table[0]["Open fields"] == "strengths"  # alice only: bob left it empty
    assert table[1]["Country"] == ""  # India vs Pakistan: no consensus yet
    assert table[1]["Open fields"] == "country"
    assert table[0]["Source"] == "Andre 2017, BMC Res Notes"


def test_xlsx_opens_and_holds_rows_and_disagreements(charted, tmp_path):
    from openpyxl import load_workbook

    engine, form = charted
    out = tmp_path / "chart.xlsx"
    with engine.connect() as conn:
        reporting.export_extraction(conn, form, "xlsx", out, record_ids=[1, 2])
    wb = load_workbook(out)
    assert wb.sheetnames == ["Charting", "Disagreements", "By reviewer"]
    ws = wb["Charting"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["Record", "Source", "Study", "Author", "Year published"]
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert len(data) == 2
    assert data[0][header.index("Country")] == "Norway"
    cell = ws.cell(row=2, column=header.index("Structure") + 1)
    assert (cell.value, cell.data_type) == ("=SUM(A1)", "s")  # text, never a formula
    dis = [[c.value for c in row] for row in wb["Disagreements"].iter_rows()]
    assert dis[0] == ["Record", "Field", "alice", "bob", "Consensus", "Status"]
    assert ["1", "Country", "Norway", "Sweden", "Norway", "consensus"] in dis
    assert ["2", "Country", "India", "Pakistan", None, "disagreement"] in dis
    assert ["1", "Strengths (as the authors discuss them)", "Long follow-up", None, None, "disagreement"] in dis
    by_rev = [[c.value for c in row] for row in wb["By reviewer"].iter_rows(min_row=2)]
    assert ["1", "country", "bob", "Sweden"] in by_rev


def test_docx_opens_and_holds_the_paper_table(charted, tmp_path):
    import docx

    engine, form = charted
    out = tmp_path / "chart.docx"
    with engine.connect() as conn:
        reporting.export_extraction(conn, form, "docx", out, record_ids=[1, 2])
    document = docx.Document(out)
    table = document.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header[0] == "Author" and "Country" in header
    assert "Strengths (as the authors discuss them)" not in header  # export: false
    assert len(table.rows) == 3
    row1 = [c.text for c in table.rows[1].cells]
    assert row1[header.index("Country")] == "Norway"
    assert row1[header.index("Author")] == "Andre"


def test_markdown_table_escapes_pipes(charted):
    engine, form = charted
    with engine.connect() as conn:
        text = reporting.export_extraction(conn, form, "md", None, record_ids=[1, 2]).text
    lines = text.splitlines()
    assert lines[0] == "# Data charting table"
    table = [l for l in lines if l.startswith("|")]
    assert len(table) == 4  # header, rule, 2 rows
    assert "Professional development \\| identity" in table[2]
    cells = lambda line: re.split(r"(?<!\\)\|", line)  # noqa: E731
    assert len(cells(table[0])) == len(cells(table[2])) == len(cells(table[3]))


def test_xlsx_and_docx_need_an_out_file(charted):
    engine, form = charted
    with engine.connect() as conn, pytest.raises(reporting.ExportError, match="needs --out FILE.xlsx"):
        reporting.export_extraction(conn, form, "xlsx", None, record_ids=[1])


def _items():
    rec = Record(title="Mentoring A", authors=["Andre, C.", "Bo, D."], year=2017, journal="BMC Res Notes",
                 doi="10.1186/s13104-017-2430-y", pmid="28219415", volume="10", start_page="79",
                 abstract="Line one\nline two", keywords=["mentoring"], source_database="MEDLINE")
    return [
        reporting.RecordDecisions(1, rec, {"title_abstract": ("include", ""), "full_text": ("exclude", "Not medical students")}),
        reporting.RecordDecisions(2, Record(title="B", reference_type="CONF"), {"title_abstract": ("exclude", "")}),
        reporting.RecordDecisions(3, Record(title="C"), {"title_abstract": ("include", ""), "full_text": ("undecided", "")}, "paywalled"),
    ]


def test_ris_carries_decisions_in_notes_and_reads_back():
    text = reporting.to_ris(_items())
    entries = rispy.loads(text)
    assert len(entries) == 3
    first = entries[0]
    assert first["title"] == "Mentoring A"
    assert first["authors"] == ["Andre, C.", "Bo, D."]
    assert first["doi"] == "10.1186/s13104-017-2430-y"
    assert "Screening (title/abstract): include" in first["notes"]
    assert "Screening (full text): exclude; reason: Not medical students" in first["notes"]
    assert "review FT exclude" in first["keywords"] and "mentoring" in first["keywords"]
    assert entries[1]["type_of_reference"] == "CONF"
    assert "Full text not retrieved: paywalled" in entries[2]["notes"]
    assert "\r\n" in text  # EndNote's RIS line ends


def test_records_csv_columns():
    rows = list(csv.DictReader(io.StringIO(reporting.records_csv(_items()))))
    assert list(rows[0].keys()) == list(reporting.RECORD_CSV_COLUMNS)
    assert (rows[0]["ta_decision"], rows[0]["ft_decision"], rows[0]["ft_reason"]) == ("include", "exclude", "Not medical students")
    assert rows[0]["pages"] == "79"
    assert rows[2]["not_retrieved"] == "paywalled"


def test_methods_text_from_facts():
    facts = reporting.MethodsFacts(
        searches=[reporting.SearchFact("MEDLINE", "Ovid", ["2018-01-31"], 83, ["English", "humans"]),
                  reporting.SearchFact("Embase", "Ovid", ["2018-01-31"], 411)],
        other_sources={"citation-searching": 4},
        identified=494, duplicates=47, dedup_methods={"doi": 40, "fuzzy": 7}, screened=447,
        reviewers=["alice", "bob"], kappa={"title_abstract": [Agreement("title_abstract", ("alice", "bob"), 447, 95.1, 0.81, (0.74, 0.88), 0.9)]},
        conflict_resolution="lead", conflicts_resolved={"title_abstract": 12},
        exclusion_reasons=["a", "b"], assessed=81, included=20,
        extraction_mode="dual", extraction_fields=25, extraction_sections=["Source", "Programme"],
        extractors=2, charted=20,
    )
    text = reporting.methods_text(facts)
    for needle in (
        "We searched MEDLINE (Ovid) on 2018-01-31 (83 records) and Embase (Ovid) on 2018-01-31 (411 records).",
        "Limits applied: English and humans.",
        "citation searching (4 records)",
        "identified 494 records; 47 duplicates were removed (40 by identical DOI and 7 by similar title",
        "leaving 447 records to screen",
        "Two reviewers screened independently and blind to each other's decisions",
        "by a third reviewer (the review lead); 12 conflicts needed resolution.",
        "title/abstract stage (alice and bob, 447 records): 95.1%, Cohen's kappa 0.81 (95% CI 0.74 to 0.88)",
        "Of 447 records screened, 81 reports were assessed in full text; 20 sources were included",
        "Two reviewers charted the data",
        "25 fields in two sections (Source and Programme)",
        "20 sources were charted by two reviewers",
    ):
        assert needle in text, needle


def test_ris_writes_one_kw_line_per_heading_and_reads_back_whole(tmp_path):
    from review.formats import read_file

    sample = read_file(reports_sample("ovid-multidatabase-300.ris")).records
    carrillo = next(r for r in sample if r.source_id == "29407543")
    medline = read_file(reports_sample("pubmed-blue-light.nbib")).records[6]  # MeSH and OT
    assert medline.subject_headings and not set(medline.subject_headings) & set(medline.keywords)
    text = reporting.to_ris([reporting.RecordDecisions(1, carrillo, {}), reporting.RecordDecisions(2, medline, {})])
    lines = text.split("\r\n")
    assert "KW  - *Depressive Disorder, Treatment-Resistant/dt [Drug Therapy]" in lines
    assert lines.count("KW  - Memory, Episodic") == 1
    path = tmp_path / "out.ris"
    path.write_text(text, encoding="utf-8")
    again = read_file(path).records
    assert again[0].keywords == carrillo.subject_headings
    assert again[1].keywords == medline.subject_headings + medline.keywords  # MeSH kept, as KW


def reports_sample(name: str):
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "data" / "sample" / name
