"""RIS reader: every real RIS sample, the vendors' field variants, Ovid databases, bad input."""

from __future__ import annotations

from collections import Counter

import pytest

from review.formats import UnreadableFileError, read_file
from review.formats import ris

from .conftest import DATA, SAMPLE

# file -> (records read, records skipped for having no title); counted from the files
# (ER lines, TI/T1 lines) and their SOURCE notes
RIS_COUNTS = {
    "asreview_baseline_empty_values.ris": (2, 2),
    "asreview_baseline_reference_types.ris": (0, 61),
    "asreview_baseline_tag-notes.ris": (1, 11),
    "asreview_baseline_tag-notes_labels.ris": (32, 0),
    "asreview_baseline_tag-notes_zotero.ris": (4, 0),
    "asreview_baseline_tag_and_field_definitions.ris": (1, 0),
    "asreview_baseline_tag_and_field_definitions_lists.ris": (0, 1),
    "asreview_embase.ris": (6, 0),
    "asreview_faulty_year.ris": (1, 0),
    "asreview_ovid_psycinfo.ris": (6, 0),
    "asreview_ovid_zotero.ris": (6, 0),
    "asreview_proquest.ris": (6, 0),
    "asreview_pubmed_endnote.txt": (6, 0),
    "asreview_pubmed_zotero.ris": (6, 0),
    "asreview_ris_issue_1099.txt": (7, 0),
    "asreview_ris_issue_992.txt": (19, 0),
    "asreview_web_of_science.txt": (10, 0),
    "colrev_psycinfo.ris": (1, 0),
    "colrev_ris_data.ris": (2, 0),
    "rispy_example_basic.ris": (1, 0),
    "rispy_example_bom.ris": (0, 1),
    "rispy_example_custom_list_tags.ris": (0, 1),
    "rispy_example_empty_tag.ris": (1, 0),
    "rispy_example_extraneous_data.ris": (2, 0),
    "rispy_example_full.ris": (2, 0),
    "rispy_example_full_without_whitespace.ris": (2, 0),
    "rispy_example_full_write.ris": (2, 0),
    "rispy_example_multi_unknown_tags.ris": (1, 0),
    "rispy_example_multiline.ris": (0, 3),
    "rispy_example_single_unknown_tag.ris": (1, 0),
    "rispy_example_starting_newlines.ris": (1, 0),
    "rispy_example_urls.ris": (4, 0),
    "rispy_example_utf_chars.ris": (1, 0),
    "rispy_example_wos.ris": (2, 0),
}


def test_every_ris_sample_is_covered():
    assert {p.name for p in (DATA / "ris").iterdir()} == set(RIS_COUNTS)


@pytest.mark.parametrize("name", sorted(RIS_COUNTS))
def test_ris_sample_counts(name):
    result = read_file(DATA / "ris" / name)
    read, skipped = RIS_COUNTS[name]
    assert result.report.format == "ris"
    assert result.report.records_read == len(result.records) == read
    assert len(result.report.skipped) == skipped
    for item in result.report.skipped:
        assert item.line and "no title" in item.reason
    for record in result.records:
        assert record.title and record.raw


def _first(name: str):
    return read_file(DATA / "ris" / name).records[0]


def test_both_tag_families_land_in_the_same_fields(write):
    family_one = write(
        "a.ris",
        "TY  - JOUR\nTI  - Mentoring medical students\nAU  - Smith, Jane\nPY  - 2015\n"
        "AB  - An abstract.\nJO  - Medical Education\nJA  - Med Educ\nDO  - 10.1111/MEDU.1\n"
        "SP  - 101\nEP  - 9\nVL  - 49\nIS  - 2\nSN  - 0308-0110\nKW  - mentors\nAN  - 123\n"
        "LA  - English\nER  - \n",
    )
    family_two = write(
        "b.ris",
        "TY  - JOUR\nT1  - Mentoring medical students\nA1  - Smith, Jane\nY1  - 2015///\n"
        "N2  - An abstract.\nJF  - Medical Education\nJ2  - Med Educ\nDO  - https://doi.org/10.1111/medu.1\n"
        "SP  - 101-109\nVL  - 49\nIS  - 2\nSN  - 03080110\nKW  - mentors\nID  - 123\n"
        "LA  - English\nER  - \n",
    )
    one = read_file(family_one).records[0]
    two = read_file(family_two).records[0]
    fields = ("title", "authors", "year", "abstract", "journal", "journal_abbrev", "doi",
              "start_page", "end_page", "volume", "issue", "issns", "keywords", "source_id", "language")
    for name in fields:
        assert getattr(one, name) == getattr(two, name), name
    assert one.doi == "10.1111/medu.1"
    assert (one.start_page, one.end_page) == ("101", "109")
    assert one.issns == ["0308-0110"]
    # T2 and DA are the last resort for journal and year
    three = read_file(write("c.ris", "TY  - JOUR\nTI  - X\nT2  - Medical Education\nDA  - 2015/03/01\nER  - \n"))
    assert three.records[0].journal == "Medical Education" and three.records[0].year == 2015


def test_raw_keeps_every_tag_verbatim(write):
    path = write(
        "r.ris",
        "TY  - JOUR\nTI  - A title\nZZ  - an unknown tag\nKW  - one\nKW  - two\n"
        "N1  - first line\ncontinued here\nSP  -\nER  - \n",
    )
    raw = read_file(path).records[0].raw
    assert raw["TY"] == ["JOUR"]
    assert raw["ZZ"] == ["an unknown tag"]
    assert raw["KW"] == ["one", "two"]
    assert raw["N1"] == ["first line\ncontinued here"]
    assert raw["SP"] == [""]


def test_embase_com_export():
    record = _first("asreview_embase.ris")
    assert record.title == "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound"
    assert record.authors == ["Liu R.", "Adler D.G."]
    assert (record.year, record.journal, record.volume, record.issue) == (2014, "Endoscopic Ultrasound", "3", "3")
    assert (record.start_page, record.end_page) == ("152", "160")
    assert record.doi == "10.4103/2303-9027.138783"
    assert record.source_id == "L373791783"
    assert record.issns == ["2226-7190"]
    assert "colonoscopy" in record.subject_headings  # Emtree terms in KW
    assert record.publication_types == ["Article"]


def test_ovid_psycinfo_export():
    records = read_file(DATA / "ris" / "asreview_ovid_psycinfo.ris").records
    assert Counter(r.source_database for r in records) == {"PsycINFO": 6}
    first = records[0]
    assert first.source_id == "2019-65183-001"
    assert first.doi == "10.1002/cpp.2398"
    assert first.journal == "Clinical Psychology & Psychotherapy"
    assert first.journal_abbrev == "Clin Psychol Psychother"  # NL written after ER
    assert (first.start_page, first.end_page) == ("", "")  # "No" / "Specified"
    assert first.authors[0] == "Trindade, Ines A"


def test_pubmed_records_via_endnote_and_zotero():
    endnote = _first("asreview_pubmed_endnote.txt")
    assert endnote.pmid == "21553931"  # AN with DP - NLM
    assert (endnote.start_page, endnote.end_page) == ("349", "369")  # "349-69"
    assert endnote.keywords[:2] == ["Animals", "Anti-Inflammatory Agents/adverse effects/pharmacokinetics/*pharmacology"]
    assert endnote.year == 2011 and endnote.journal == "Clin Pharmacokinet"
    zotero = _first("asreview_pubmed_zotero.ris")
    assert zotero.authors[:2] == ["Rudnik, Agata", "Piotrowicz, Grazyna"]
    assert zotero.journal == "Przeglad gastroenterologiczny" and zotero.journal_abbrev == "Prz Gastroenterol"
    assert zotero.doi == "10.5114/pg.2018.81081" and zotero.year == 2019


def test_scopus_wos_proquest_cinahl_exports():
    scopus = read_file(DATA / "ris" / "asreview_ris_issue_1099.txt").records[0]
    assert scopus.issns == ["1336-1376"]
    assert scopus.journal_abbrev == "Adv. Electr. Electron. Eng."
    wos = _first("asreview_web_of_science.txt")
    assert wos.source_id == "WOS:000444108200009"
    assert wos.authors == ["Alceste, F", "Luke, TJ", "Kassin, SM"]
    proquest = _first("asreview_proquest.ris")
    assert proquest.doi == "10.1002/jts.22387"
    cinahl = read_file(DATA / "ris" / "asreview_ris_issue_992.txt").records
    assert sum(1 for r in cinahl if r.abstract) == 8


def test_web_of_science_tagged_export():
    result = read_file(DATA / "ris" / "rispy_example_wos.ris")
    record = result.records[0]
    assert record.title.startswith("Interactions stabilizing the structure of the core light-harvesting complex")
    assert record.authors == ["Parkes-Loach, PS", "Majeed, AP", "Law, CJ", "Loach, PA"]
    assert (record.journal, record.year, record.volume, record.issue) == ("BIOCHEMISTRY", 2004, "43", "22")
    assert record.doi == "10.1021/bi049798f" and record.pmid == "15170338"
    assert result.report.warnings == [] and result.report.format == "ris"


def test_lax_spacing_junk_between_records_and_starting_newlines():
    definitions = _first("asreview_baseline_tag_and_field_definitions.ris")
    assert definitions.title == "Title"  # TI wins over T1
    assert definitions.authors == ["Authors"]  # AU first
    assert definitions.raw["A1"] == ["First Authors"]  # "A1\t- First Authors"
    extraneous = read_file(DATA / "ris" / "rispy_example_extraneous_data.ris").records
    assert [r.title for r in extraneous] == ["Title of reference", "The title of the reference"]
    colrev = read_file(DATA / "ris" / "colrev_ris_data.ris")
    assert colrev.records[0].pmid == "12345678"  # "PMID - " line, nonstandard
    assert colrev.records[0].keywords == ["keyword2", "keyword3"]  # "KW - " one space
    assert any("no 'ER  - ' line" in w for w in colrev.report.warnings)


def test_utf8_bom_and_non_latin_text():
    record = _first("rispy_example_utf_chars.ris")
    assert record.title.startswith("Состояние рецепторного")  # ST, the only title given
    assert record.authors[0] == "Dobrokhotova, Yu E."


# ---------------------------------------------------------------- Ovid multi-database


def test_ovid_multidatabase_sample_counts_per_database():
    result = read_file(SAMPLE / "ovid-multidatabase-300.ris")
    assert result.report.records_read == 300
    assert Counter(r.source_database for r in result.records) == {"MEDLINE": 200, "CENTRAL": 100}
    medline = [r for r in result.records if r.source_database == "MEDLINE"]
    assert all(r.pmid and r.pmid == r.source_id for r in medline)
    first = result.records[0]
    assert first.title == "Mushroom poisoning: A proposed new clinical classification."
    assert first.doi == "10.1016/j.toxicon.2018.11.007"
    assert first.journal_abbrev == "Toxicon" and first.issns == ["1879-3150", "0041-0101"]
    central = [r for r in result.records if r.source_database == "CENTRAL"]
    assert all(r.source_id.startswith("CN-") for r in central)
    petri = next(r for r in central if r.source_id == "CN-01112434")
    assert petri.authors[:2] == ["Petri G", "Expert P"]  # one A1 line, split
    # the number in the pmid slot of Ovid's OpenURL is kept aside, never taken as the PMID
    assert petri.pmid == "" and petri.raw["OPENURL_PMID"] == ["25401177"]
    assert "Psilocybin/ad [administration & dosage]" in petri.subject_headings
    # Ovid CENTRAL links can carry a DOI in the OpenURL's pmid slot: it is a DOI, not PMID "10"
    ross = next(r for r in central if r.source_id == "CN-01302630")
    assert ross.pmid == "" and ross.doi == "10.1177/0269881116675512"
    assert all(r.pmid == "" or len(r.pmid) >= 5 for r in result.records)


@pytest.mark.parametrize(
    "code, database",
    [("medl", "MEDLINE"), ("medp", "MEDLINE"), ("prem", "MEDLINE"), ("med", "MEDLINE"),
     ("emed18", "Embase"), ("emez", "Embase"), ("oemezd", "Embase"), ("cctr", "CENTRAL"),
     ("psyc16", "PsycINFO"), ("psyh", "PsycINFO"), ("zzzz", "")],
)
def test_ovid_database_codes(code, database):
    assert ris.ovid_database(code) == database


def test_record_without_an_ovid_code_keeps_the_given_database(write):
    path = write(
        "mixed.ris",
        "1.\nTY  - JOUR\nTI  - From Embase\n"
        "L2  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=emed18&NEWS=N&AN=620000001\nER  - \n\n"
        "Link to the Ovid Full Text or citation: http://ovidsp.ovid.com?T=JS&D=emed18&AN=620000001\n\n"
        "2.\nTY  - JOUR\nTI  - No link at all\nER  - \n\n"
        "3.\nTY  - JOUR\nTI  - Link only in the text after the record\nER  - \n\n"
        "Link to the Ovid Full Text or citation: http://ovidsp.ovid.com?T=JS&CSC=Y&PAGE=fulltext&D=psyc16&AN=2019-1\n",
    )
    records = read_file(path).records
    assert [r.source_database for r in records] == ["Embase", "", "PsycINFO"]
    assert records[0].source_id == "620000001" and records[0].pmid == ""


# ---------------------------------------------------------------- bad input


GOOD = (
    "TY  - JOUR\nTI  - First record\nAU  - Smith, J\nPY  - 2001\nER  - \n\n"
    "TY  - JOUR\nTI  - Second record\nAU  - Jones, K\nPY  - 2002\nER  - \n"
)


def test_truncated_file_keeps_the_last_record_with_a_warning(write):
    path = write("cut.ris", GOOD + "\nTY  - JOUR\nTI  - Third record, cut off\nAU  - Brown, L\nAB  - The abstr")
    result = read_file(path)
    assert [r.title for r in result.records][-1] == "Third record, cut off"
    assert result.records[-1].abstract == "The abstr"
    assert len(result.report.warnings) == 1
    warning = result.report.warnings[0]
    assert "line 13" in warning and "truncated" in warning


def test_truncated_record_without_a_title_is_skipped(write):
    result = read_file(write("cut.ris", GOOD + "\nTY  - JOUR\nAU  - Brown, L\n"))
    assert result.report.records_read == 2
    (skipped,) = result.report.skipped
    assert skipped.line == 13 and "no title" in skipped.reason and "cut off" in skipped.reason


def test_record_without_title_is_skipped_with_its_line(write):
    path = write("t.ris", GOOD + "\nTY  - JOUR\nAU  - Nobody, N\nPY  - 2003\nER  - \n\nTY  - JOUR\nTI  - Fourth\nER  - \n")
    result = read_file(path)
    assert [r.title for r in result.records] == ["First record", "Second record", "Fourth"]
    assert [(s.line, s.position) for s in result.report.skipped] == [(13, 2)]


def test_wrong_format_forced_as_ris_names_the_line(write):
    path = write("pubmed.ris", "\n\nPMID- 123456\nTI  - A title\n")
    with pytest.raises(UnreadableFileError) as info:
        read_file(path, format="ris")
    message = str(info.value)
    assert "pubmed.ris, line 3" in message and "TY  - " in message and "MEDLINE" in message


def test_garbage_is_unreadable_with_the_line(write):
    path = write("garbage.ris", "Dear colleague,\nhere are the references you asked for.\n")
    with pytest.raises(UnreadableFileError, match=r"garbage\.ris, line 1: no RIS record found"):
        ris.read(path)


def test_binary_junk_and_empty_file(write):
    with pytest.raises(UnreadableFileError, match="binary"):
        ris.read(write("junk.ris", b"TY  - JOUR\n" + bytes(range(1, 32)) * 40))
    with pytest.raises(UnreadableFileError, match="empty"):
        ris.read(write("empty.ris", b""))


def test_wrong_encoding_reads_with_a_warning(write):
    path = write("latin.ris", "TY  - JOUR\nTI  - Étude de cohorte à Zürich\nER  - \n", encoding="cp1252")
    result = ris.read(path)
    assert result.records[0].title == "Étude de cohorte à Zürich"
    assert result.report.encoding == "cp1252"
    assert "Windows-1252" in result.report.warnings[0]


def test_utf16_export_reads(write):
    path = write("wide.ris", "TY  - JOUR\nTI  - Étude\nER  - \n", encoding="utf-16")
    result = ris.read(path)
    assert result.records[0].title == "Étude" and result.report.encoding.startswith("utf-16")


def test_missing_er_between_records(write):
    path = write("noer.ris", "TY  - JOUR\nTI  - One\nTY  - JOUR\nTI  - Two\nER  - \n")
    result = ris.read(path)
    assert [r.title for r in result.records] == ["One", "Two"]
    assert "line 1 has no 'ER  - ' line" in result.report.warnings[0]


def test_concatenated_exports_with_byte_order_marks(write):
    one = (DATA / "ris" / "rispy_example_basic.ris").read_bytes()
    two = (DATA / "ris" / "asreview_embase.ris").read_bytes()  # starts with a UTF-8 BOM
    assert two.startswith(b"\xef\xbb\xbf")
    result = ris.read(write("both.ris", one + b"\n" + two))
    assert result.report.records_read == 1 + 6


# ---------------------------------------------------------------- URL-encoded DOIs

# An Ovid Embase record as exported (DO tag URL-encoded, as Ovid Embase writes it)
_OVID_EMBASE_ENCODED_DOI = """TY  - JOUR
DB  - Embase
AN  - 28115432
T1  - Pharmacological characterization of the 5-HT2A receptor
A1  - Smith, J.
Y1  - 1999//
DO  - 10.1016/s0893-133x%2898%2900089-x
UR  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=emed4&NEWS=N&AN=28115432
ER  - 
"""


def test_url_encoded_doi_is_stored_decoded_and_dedup_sees_the_plain_form(write):
    from review.dedup.pipeline import find_duplicates
    from review.records import Record

    record = read_file(write("embase.ris", _OVID_EMBASE_ENCODED_DOI)).records[0]
    assert record.source_database == "Embase"
    assert record.doi == "10.1016/s0893-133x(98)00089-x"
    assert record.raw["DO"] == ["10.1016/s0893-133x%2898%2900089-x"]  # raw kept as written
    plain = Record(title="Pharmacological characterization of the 5-HT2A receptor.", year=1999,
                   authors=["Smith J"], doi="10.1016/S0893-133X(98)00089-X")
    result = find_duplicates([record, plain])
    assert result.labels[0] == result.labels[1]
    assert result.duplicates[0].decision.method == "doi"


def test_write_ris_reads_back_as_the_same_records():
    """``write_ris`` (records back out, for EndNote and Zotero) and the reader agree: what is
    written is what a reference manager (and this reader) reads back."""
    from review.records import Record

    written = [
        Record(title="Mentoring  medical\nstudents", authors=["Smith, Jane", "Ng, K"], journal="Med Educ",
               year=2019, volume="53", issue="4", start_page="321", end_page="330", doi="10.1111/medu.13800",
               pmid="30734344", abstract="Line one.\nLine two.", keywords=["mentoring"], reference_type="JOUR"),
        Record(title="A conference talk", reference_type="CONF", year=2020),
        Record(title="An odd type", reference_type="XYZ"),
    ]
    text = ris.write_ris([ris.RisEntry(written[0], keywords=("tag one",), notes=("a note",), ref_id="7"),
                          *written[1:]])
    assert text.count("ER  - ") == 3 and "\r\n" in text
    assert "TY  - JOUR\r\n" in text.split("ER  - ")[2]  # an unknown type is written as JOUR
    back = ris.parse_text(text).records
    assert [r.title for r in back] == ["Mentoring medical students", "A conference talk", "An odd type"]
    first = back[0]
    assert first.authors == ["Smith, Jane", "Ng, K"] and first.year == 2019 and first.doi == "10.1111/medu.13800"
    assert (first.volume, first.issue, first.start_page, first.end_page) == ("53", "4", "321", "330")
    assert first.abstract == "Line one. Line two." and first.journal == "Med Educ"
    assert "mentoring" in first.keywords and "tag one" in first.keywords
    assert back[1].reference_type == "CONF"
