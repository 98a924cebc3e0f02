"""The source database of an export: reference managers recognised, tool and format names
refused as databases, --database checked against the records' own source codes."""

from __future__ import annotations

import pytest

from review.formats import ImportReport, ImportResult, read_file
from review.formats.sources import database_warning, not_a_database, reference_manager
from review.records import Record

from .conftest import DATA, SAMPLE


@pytest.mark.parametrize(
    "path, tool",
    [
        (SAMPLE / "endnote-blue-light.ris", "EndNote"),
        (SAMPLE / "endnote-blue-light.xml", "EndNote"),
        (DATA / "endnote-xml" / "bold.xml", "EndNote"),
        (DATA / "ris" / "asreview_pubmed_endnote.txt", "EndNote"),
        (DATA / "ris" / "asreview_pubmed_zotero.ris", "Zotero"),
        (DATA / "ris" / "asreview_ovid_zotero.ris", "Zotero"),
        (DATA / "ris" / "asreview_ris_issue_992.txt", "Rayyan"),
        # databases' own exports
        (SAMPLE / "ovid-multidatabase-300.ris", None),
        (SAMPLE / "pubmed-blue-light.nbib", None),
        (DATA / "ris" / "asreview_embase.ris", None),  # Embase.com
        (DATA / "ris" / "asreview_ris_issue_1099.txt", None),  # Scopus
        (DATA / "ris" / "asreview_web_of_science.txt", None),
        (DATA / "ris" / "rispy_example_wos.ris", None),
        (DATA / "ris" / "asreview_proquest.ris", None),
        (DATA / "ris" / "asreview_ovid_psycinfo.ris", None),
        (DATA / "pubmed-xml" / "pubmed1.xml", None),
        (DATA / "csv" / "pubmed_csv.csv", None),
        (DATA / "csv" / "asreview_embase.csv", None),
    ],
)
def test_reference_manager_exports_are_recognised_on_real_files(path, tool):
    found = reference_manager(read_file(path))
    assert (found[0] if found else None) == tool


@pytest.mark.parametrize("name", ["EndNote library (RIS)", "EndNote library (XML)", "Zotero", "my Mendeley",
                                  "RIS", "CSV export", "Rayyan", "Covidence"])
def test_tool_and_format_names_are_not_databases(name):
    assert not_a_database(name)


@pytest.mark.parametrize("name", ["MEDLINE", "Embase", "CENTRAL", "PubMed", "PsycINFO", "Web of Science",
                                  "Scopus", "CINAHL", "Cochrane Library", "ERIC", "MEDLINE; CENTRAL"])
def test_database_names_are_databases(name):
    assert not not_a_database(name)


def test_database_warning_counts_where_records_went():
    records = [Record(title="a", source_database="CENTRAL"), Record(title="b", source_database="CENTRAL"),
               Record(title="c", source_database="MEDLINE"), Record(title="d")]
    report = ImportReport(path="x.ris", format="ris", databases={"CENTRAL": "the D=cctr code of their Ovid links"})
    warning = database_warning("MEDLINE", ImportResult(records, report))
    assert warning.startswith(
        "--database MEDLINE, but 2 of the 4 records say in their own source codes which database they "
        "come from, and are counted there: CENTRAL 2 (the D=cctr code of their Ovid links); "
        "MEDLINE 2 (1 say MEDLINE themselves; 1 name no database and take --database)."
    )
    assert database_warning("CENTRAL", ImportResult(records[:2], report)) == ""
    assert database_warning("MEDLINE; CENTRAL", ImportResult(records, report)) == ""  # names both
    assert database_warning("", ImportResult(records, report)) == ""


def test_zotero_csv_is_recognised(write):
    path = write("zotero.csv", '"Key","Item Type","Publication Year","Author","Title","Manual Tags"\n'
                               '"ABCD1234","journalArticle","2019","Smith, J","Peer mentoring","mentoring"\n')
    assert reference_manager(read_file(path))[0] == "Zotero"
