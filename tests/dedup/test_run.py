"""Project run on SQLite and PostgreSQL: membership, events, queue, confirm/reject/undo, reruns."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from review import store
from review.dedup import state
from review.dedup.queue import PairError, pending_pairs
from review.dedup.run import DedupError, confirm, reject, run_dedup, undo
from review.store.schema import dedup_membership, dedup_review

from .conftest import article


def _library():
    """Three databases' worth of records: ids are assigned in this order (1..n)."""
    medline = [
        article(),  # 1
        article(title="Peer mentoring in anatomy: a randomised trial", authors=["Olsen, A."], doi="10.1/peer",
                pmid="1000", volume="12", start_page="10", end_page="20"),  # 2
        article(title="Group mentoring of first-year students", authors=["Berg, T."], doi="", pmid="2000",
                volume="5", start_page="1", end_page="9", year=2010),  # 3
    ]
    embase = [
        article(title="Mentoring programmes for medical students - a scoping review of outcomes.",
                authors=["Kalen S.", "Ponzer S.", "Silen C."], pmid="", source_database="Embase",
                abstract="Embase abstract."),  # 4 -> dup of 1 (DOI)
        article(title="Peer mentoring in anatomy: a randomised trial", authors=["Olsen A"], doi="", pmid="",
                volume="12", start_page="10", end_page="20", source_database="Embase"),  # 5 -> dup of 2 (fuzzy)
        article(title="Group mentoring of first year students", authors=["Berg T"], doi="", pmid="",
                volume="5", issue="7", start_page="30", end_page="39", year=2010,
                source_database="Embase"),  # 6 -> maybe vs 3 (other pages and issue)
    ]
    return medline, embase


def _import(engine, recs, database):
    with engine.begin() as conn:
        import_id = store.add_import(conn, kind="file", database=database)
        store.add_records(conn, import_id, recs, default_database=database)


def _membership(engine):
    with engine.connect() as conn:
        return {r: k for r, k in conn.execute(sa.select(dedup_membership.c.record_id, dedup_membership.c.kept_id))}


def test_run_confirm_reject_undo(store_engine):
    medline, embase = _library()
    _import(store_engine, medline, "MEDLINE")
    _import(store_engine, embase, "Embase")
    summary = run_dedup(store_engine, by="tester")
    assert summary.records == 6 and summary.duplicates_removed == 2
    assert _membership(store_engine) == {1: 1, 4: 1, 2: 2, 5: 2}  # MEDLINE records kept
    with store_engine.connect() as conn:
        assert state.unique_record_ids(conn) == [1, 2, 3, 6]
        assert state.duplicates_removed(conn) == 2
        assert state.cluster_of(conn, 4) == [1, 4]
        merged = state.merged_record(conn, 1)
        assert merged.abstract == "Embase abstract." and merged.source_database == "MEDLINE; Embase"
        merges = store.list_events(conn, "dedup.merge")
        assert len(merges) == 2
        assert all(e["payload"]["reason"] and e["payload"]["links"] for e in merges)
        assert {e["payload"]["links"][0]["method"] for e in merges} == {"doi", "fuzzy"}
        pending = pending_pairs(conn)
        assert [p.id for p in pending] == ["3-6"]

    # rerunning changes nothing and logs no merge
    again = run_dedup(store_engine)
    assert again.merged == 0 and again.split == 0 and again.duplicates_removed == 2

    # a person confirms the uncertain pair
    confirm(store_engine, "6-3", by="alice", note="same paper, page typo")
    assert _membership(store_engine)[6] == 3
    with store_engine.connect() as conn:
        assert pending_pairs(conn) == []
        event = store.list_events(conn, "dedup.confirm")[-1]
        assert event["actor"] == "alice" and event["payload"]["pair"] == "3-6"
    # ... and a rerun keeps the decision
    assert run_dedup(store_engine).duplicates_removed == 3

    # undo the confirmation: the pair is pending again, the records apart
    undo(store_engine, "3-6", by="alice")
    assert 6 not in _membership(store_engine)
    with store_engine.connect() as conn:
        assert [p.id for p in pending_pairs(conn)] == ["3-6"]

    # reject it: it leaves the queue and reruns never merge it
    reject(store_engine, "3-6", by="bob")
    run_dedup(store_engine)
    with store_engine.connect() as conn:
        assert pending_pairs(conn) == []
        status = conn.execute(sa.select(dedup_review.c.status).where(dedup_review.c.record_a == 3)).scalar_one()
        assert status == "rejected"
    assert 6 not in _membership(store_engine)

    # undo an automatic merge ("not a duplicate"): record 5 stands alone, also after reruns
    undo(store_engine, "5", by="bob", note="different trial arm")
    assert 5 not in _membership(store_engine) and 2 not in _membership(store_engine)
    run_dedup(store_engine)
    assert 5 not in _membership(store_engine)
    with store_engine.connect() as conn:
        kinds = [e["kind"] for e in store.list_events(conn) if e["kind"].startswith("dedup.")]
    for kind in ("dedup.merge", "dedup.confirm", "dedup.reject", "dedup.undo", "dedup.split", "dedup.run"):
        assert kind in kinds

    # undo everything
    undo(store_engine, "all")
    with store_engine.connect() as conn:
        assert state.duplicates_removed(conn) == 0


def test_rerun_after_a_new_import_keeps_kept_records(store_engine):
    medline, embase = _library()
    _import(store_engine, embase, "Embase")  # ids 1..3: Embase first
    run_dedup(store_engine)
    assert _membership(store_engine) == {}
    _import(store_engine, medline, "MEDLINE")  # ids 4..6
    summary = run_dedup(store_engine)
    assert summary.duplicates_removed == 2
    membership = _membership(store_engine)
    # no cluster existed before, so the MEDLINE records (4, 5) are kept
    assert membership == {1: 4, 4: 4, 2: 5, 5: 5}
    # a third copy arriving later joins the cluster and the kept record stays the same
    _import(store_engine, [article(pmid="", source_database="PubMed", title=medline[0].title)], "PubMed")
    run_dedup(store_engine)
    assert _membership(store_engine)[7] == 4


def test_bad_pairs_and_records_are_refused_and_nothing_changes(store_engine):
    medline, embase = _library()
    _import(store_engine, medline + embase, "MEDLINE")
    run_dedup(store_engine)
    before = _membership(store_engine)
    with pytest.raises(PairError, match="not a pair id"):
        confirm(store_engine, "3")
    with pytest.raises(PairError, match="two different records"):
        confirm(store_engine, "3-3")
    with pytest.raises(DedupError, match="no record with id 99"):
        reject(store_engine, "3-99")
    with pytest.raises(DedupError, match="nothing to undo"):
        undo(store_engine, "3")
    with pytest.raises(DedupError, match="no confirm or reject"):
        undo(store_engine, "1-2")
    assert _membership(store_engine) == before


def test_dedup_is_due_once_records_are_stored_until_it_runs(store_engine):
    """What the lead's Overview says next: deduplicate after each import or search."""
    from pathlib import Path

    from review.importing import import_file

    sample = Path(__file__).resolve().parents[2] / "data" / "sample"

    def due() -> bool:
        with store_engine.connect() as conn:
            return state.dedup_due(conn)

    assert not due()  # nothing stored yet
    import_file(store_engine, sample / "pubmed-blue-light.nbib", database="PubMed")
    assert due()
    run_dedup(store_engine)
    assert not due()
    import_file(store_engine, sample / "endnote-blue-light.ris", database="Embase")
    assert due()  # a new import after the run
    run_dedup(store_engine)
    assert not due()
