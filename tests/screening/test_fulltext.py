"""Full texts: PDF upload with a sanitised name, links, not retrieved (leaves the stage)."""

from __future__ import annotations

import re

import pytest
from pdf_sample import minimal_pdf
from screening_helpers import CRITERIA

from review.screening import (
    ScreeningError,
    attach_link,
    attach_pdf,
    cast_vote,
    fulltext_of,
    mark_not_retrieved,
    not_retrieved,
    progress,
    sanitise_filename,
    stage_record_ids,
)
from review.store import list_events

PDF = minimal_pdf()


def _include(engine, rid):
    for who in ("alice", "bob"):
        cast_vote(engine, who, rid, "title_abstract", "include", criteria=CRITERIA)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("paper.pdf", "paper.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\x\\Smith étude 2010.PDF", "Smith_etude_2010.pdf"),
        ("<script>.pdf", "script.pdf"),
        ("", "fulltext.pdf"),
        (".hidden", "hidden.pdf"),
    ],
)
def test_sanitise_filename(name, expected):
    assert sanitise_filename(name) == expected


def test_pdf_link_and_not_retrieved(screening_store, tmp_path):
    engine, ids, _ = screening_store
    data_dir = tmp_path / "proj" / "data"
    with pytest.raises(ScreeningError, match="not included at title/abstract"):
        attach_link(engine, ids[0], "https://example.org/a", by="alice")
    _include(engine, ids[0])
    _include(engine, ids[1])
    with pytest.raises(ScreeningError, match="not a PDF"):
        attach_pdf(engine, data_dir, ids[0], "x.pdf", b"<html>", by="alice")
    ft = attach_pdf(engine, data_dir, ids[0], "../Smith 2010.pdf", PDF, by="alice")
    assert ft.kind == "pdf" and ft.location == f"data/fulltext/{ids[0]}-Smith_2010.pdf"
    assert (data_dir.parent / ft.location).read_bytes() == PDF
    with pytest.raises(ScreeningError, match="not a web link"):
        attach_link(engine, ids[1], "javascript:alert(1)", by="bob")
    with pytest.raises(ScreeningError, match="say why"):
        mark_not_retrieved(engine, ids[1], "  ", by="bob")
    mark_not_retrieved(engine, ids[1], "Paywalled; library could not obtain", by="bob")
    with engine.connect() as conn:
        assert not_retrieved(conn) == {ids[1]: "Paywalled; library could not obtain"}
        assert stage_record_ids(conn, "full_text") == [ids[0]]
        assert progress(conn, "alice", "full_text").total == 1
    with pytest.raises(ScreeningError, match="not retrieved"):
        cast_vote(engine, "alice", ids[1], "full_text", "include", criteria=CRITERIA)
    # found after all: a link supersedes "not retrieved" and the record is back
    attach_link(engine, ids[1], "https://example.org/b", by="bob")
    with engine.connect() as conn:
        assert fulltext_of(conn, ids[1]).kind == "link"
        assert not_retrieved(conn) == {}
        assert stage_record_ids(conn, "full_text") == [ids[0], ids[1]]
        kinds = [e["kind"] for e in list_events(conn) if e["kind"].startswith("fulltext")]
    assert kinds == ["fulltext.attach", "fulltext.not_retrieved", "fulltext.attach"]


def test_a_pdf_is_checked_for_structure_not_only_its_first_bytes(screening_store, tmp_path):
    from review.screening.pdfcheck import check_pdf

    check_pdf(PDF, "ok.pdf")
    bad = {
        "cut.pdf": (PDF[: len(PDF) // 2], "incomplete"),
        "header-only.pdf": (b"%PDF-1.4\n% nothing else\n", "incomplete"),
        "pointer.pdf": (PDF.replace(b"startxref\n", b"startxref\n1").replace(b"\n%%EOF", b"\n%%EOF"), "damaged"),
        "noroot.pdf": (PDF.replace(b"/Root 1 0 R", b"/Rxxx 1 0 R"), "no /Root"),
    }
    engine, ids, _ = screening_store
    _include(engine, ids[0])
    for name, (content, words) in bad.items():
        with pytest.raises(ScreeningError, match=rf"{re.escape(name)}: .*{re.escape(words)}"):
            attach_pdf(engine, tmp_path / "data", ids[0], name, content, by="alice")
    assert not (tmp_path / "data" / "fulltext").exists()  # nothing stored
