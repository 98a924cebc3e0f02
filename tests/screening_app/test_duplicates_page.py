"""The lead's Duplicates page: pending pairs side by side, "Same paper" / "Different papers"
decided through review.dedup exactly as ``review dedup --confirm/--reject`` do."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa
from app_helpers import HOSTILE_TITLE, sample_records
from test_app import page_text, sign_in

from review.dedup import queue
from review.dedup.state import cluster_of
from review.records import Record
from review.store import add_import, add_records, open_store
from review.store.schema import records
from screening_app.pairs import pair_html


@pytest.fixture
def pairs(app_project):
    """Two more records and two uncertain pairs, queued as a dedup run queues them."""
    first, hostile = sample_records()[0], sample_records()[-1]
    variant = dataclasses.replace(first, source_database="Embase", year=2018, doi="10.1000/example.1")
    hostile_twin = dataclasses.replace(hostile, journal="J Hostile", start_page="1", end_page="9")
    engine = open_store(app_project.database_url)
    with engine.begin() as conn:
        import_id = add_import(conn, kind="file", database="Embase", file_name="more")
        add_records(conn, import_id, [variant, hostile_twin])
        a, b = conn.execute(sa.select(records.c.id).where(records.c.import_id == import_id)
                            .order_by(records.c.id)).scalars().all()
        queue.refresh_pending(conn, [(1, a, 0.82, "same title; year differs"),
                                     (8, b, 0.61, "similar title <i>(markup)</i>")])
    yield engine, (f"1-{a}", f"8-{b}")
    engine.dispose()


def open_page(token):
    at = sign_in(token)
    at.switch_page("views/duplicates.py").run()
    assert not at.exception, at.exception
    return at


def test_only_the_lead_decides_duplicates(app_project, pairs):
    at = sign_in(app_project.tokens["alice"])
    with pytest.raises(ValueError):  # not among a reviewer's pages, not even by its path
        at.switch_page("views/duplicates.py")


def test_pairs_side_by_side_and_decided(app_project, pairs):
    engine, (same_id, diff_id) = pairs
    at = open_page(app_project.tokens["carol"])
    text = page_text(at)
    assert "2 pair(s) wait for a decision" in text
    assert f"Pair {same_id}" in text and f"Pair {diff_id}" in text
    assert "same title; year differs" in text and "0.82" in text
    assert "10.1000/example.1" in text and "Embase" in text and "2018" in text
    bodies = [h.proto.body for h in at.get("html") if not h.proto.unsafe_allow_javascript]
    for body in bodies:  # every record value is text, never markup
        assert "<script" not in body.lower() and "<i>" not in body and "<svg" not in body
    assert any("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in b for b in bodies)
    assert any("&lt;i&gt;(markup)&lt;/i&gt;" in b for b in bodies)

    at.text_input(key=f"dup-note-{same_id}").input("same trial, Embase copy")
    at.button(key=f"dup-same-{same_id}").click().run()
    assert not at.exception, at.exception
    assert any(f"Pair {same_id}: same paper" in s.value for s in at.success)
    a, b = map(int, same_id.split("-"))
    with engine.connect() as conn:
        decided = queue.get_pair(conn, a, b)
        assert (decided.status, decided.decided_by, decided.note) == ("confirmed", "carol", "same trial, Embase copy")
        assert b in cluster_of(conn, a)
        assert [p.id for p in queue.pending_pairs(conn)] == [diff_id]
    assert "1 pair(s) wait" in page_text(at)

    at.button(key=f"dup-diff-{diff_id}").click().run()
    c, d = map(int, diff_id.split("-"))
    with engine.connect() as conn:
        assert queue.get_pair(conn, c, d).status == "rejected"
        assert d not in cluster_of(conn, c)
        assert queue.pending_pairs(conn) == []
    assert any("No uncertain pairs" in i.value for i in at.info)


def test_pair_html_marks_differences_and_escapes():
    first = sample_records()[0]
    other = dataclasses.replace(first, year=2020, title=HOSTILE_TITLE)
    html = pair_html("3-4", (3, first), (4, other), 0.5, "<b>why</b>")
    assert "&lt;b&gt;why&lt;/b&gt;" in html and "<script" not in html
    assert html.count("background:#fef3c7") == 4  # title and year rows differ (two cells each)
    assert "background:#fef3c7" not in pair_html("3-3", (3, first), (3, first), 1.0, "")  # nothing differs
    missing = pair_html("3-9", (3, first), (9, None), 0.5, "")
    assert "Record #9 is not in the store" in missing


def test_pair_html_links_doi_and_pmid():
    a = Record(title="Same", doi="10.1/abc", pmid="123")
    b = Record(title="Same", doi="10.1/abc")
    html = pair_html("1-2", (1, a), (2, b), 0.7, "same DOI")
    assert html.count('href="https://doi.org/10.1/abc" target="_blank" rel="noopener noreferrer"') == 2
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/123/"' in html
