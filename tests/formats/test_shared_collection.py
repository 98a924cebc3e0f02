"""Every file of the shared real-data collection (../shared/data/formats) imports with the
right record count. Files also copied to tests/data/formats are checked in detail elsewhere;
this covers the bigger ones, read in place. Skipped when the collection is not on this machine,
except under CI, where that fails (tests/must_run.py)."""

from __future__ import annotations

from collections import Counter

import pytest
from must_run import require_shared

from review.formats import UnreadableFileError, read_file

from .conftest import SHARED_FORMATS
from .test_medline import MEDLINE_COUNTS
from .test_ris import RIS_COUNTS
from .test_tabular import CSV_COUNTS, NO_TITLE_COLUMN

# the files not copied (over 60 KB): (records read, skipped); counted from the files
BIG = {
    "ris/asreview__baseline.ris": (100, 0),
    "ris/asreview_baseline_zotero.ris": (100, 0),
    "ris/asreview_ris_many_authors.ris": (1, 0),
    "ris/asreview_scopus.ris": (6, 0),
    "ris/ovid_multifile_medline_embase_central_psycinfo_1-1000.ris": (1000, 0),
    "medline/pubmed-balloongui-set.nbib": (75, 0),
    "cross-format/blue-light.ris": (102, 0),
    "cross-format/blue-light.nbib": (80, 0),
    "cross-format/blue-light.xml": (102, 0),
}
EXPECTED = {
    **{f"ris/{k}": v for k, v in RIS_COUNTS.items()},
    **{f"medline/{k}": (v, 0) for k, v in MEDLINE_COUNTS.items()},
    **{f"csv/{k}": v for k, v in CSV_COUNTS.items()},
    "endnote-xml/bold.xml": (3, 0),
    "endnote-xml/multipart.xml": (1, 0),
    **BIG,
}
NOT_RECORDS = {"ris/asreview_SOURCE.txt", "cross-format/blue-light.json", f"csv/{NO_TITLE_COLUMN}"}
OWNED_ELSEWHERE = "pubmed-xml/"  # the PubMed XML reader has its own tests


@pytest.fixture
def shared():
    require_shared(SHARED_FORMATS)


needs_shared = pytest.mark.usefixtures("shared")


def _files() -> list[str]:
    if not SHARED_FORMATS.is_dir():
        return []
    return sorted(
        str(p.relative_to(SHARED_FORMATS))
        for p in SHARED_FORMATS.rglob("*")
        if p.is_file() and not str(p.relative_to(SHARED_FORMATS)).startswith(("_sources", OWNED_ELSEWHERE))
    )


@needs_shared
def test_every_shared_file_has_an_expectation():
    assert set(_files()) == set(EXPECTED) | NOT_RECORDS


@needs_shared
@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_shared_file_imports_with_the_right_count(relative):
    result = read_file(SHARED_FORMATS / relative)
    read, skipped = EXPECTED[relative]
    assert (result.report.records_read, len(result.report.skipped)) == (read, skipped)


@needs_shared
@pytest.mark.parametrize("relative", sorted(NOT_RECORDS))
def test_shared_non_record_files_are_refused_clearly(relative):
    with pytest.raises(UnreadableFileError):
        read_file(SHARED_FORMATS / relative)


@needs_shared
def test_big_files_fields():
    ovid = read_file(SHARED_FORMATS / BIG_OVID).records
    # per the collection's README: MEDLINE and CENTRAL records, database from the L2 D= code
    assert Counter(r.source_database for r in ovid) == {"MEDLINE": 895, "CENTRAL": 105}
    many = read_file(SHARED_FORMATS / "ris/asreview_ris_many_authors.ris").records[0]
    assert len(many.authors) == 7456
    balloon = read_file(SHARED_FORMATS / "medline/pubmed-balloongui-set.nbib").records
    assert all(r.pmid and r.title and r.year for r in balloon)
    assert sum(1 for r in balloon if r.doi) >= 60
    scopus = read_file(SHARED_FORMATS / "ris/asreview_scopus.ris").records
    assert [r.pmid for r in scopus[1:4]] == ["31421429", "31627144", "31574429"]  # C2
    assert scopus[0].source_id == "2-s2.0-85074596690" and scopus[0].start_page == "104501"


BIG_OVID = "ris/ovid_multifile_medline_embase_central_psycinfo_1-1000.ris"
