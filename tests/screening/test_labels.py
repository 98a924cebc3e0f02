"""Labels on records: append-only add/remove, who sees whose labels, CSV export; SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from review.screening import NotAllowedError, ScreeningError, revoke_reviewer
from review.screening.labels import (
    EXPORT_COLUMNS,
    add_label,
    label_names,
    labels_csv,
    labels_on,
    list_labels,
    remove_label,
)
from review.store import list_events
from review.store.schema import dedup_membership, record_labels


def test_add_and_remove_are_rows_that_supersede(screening_store):
    engine, ids, _ = screening_store
    first = add_label(engine, "alice", ids[0], "  check   reference list ")
    assert first.label == "check reference list"
    assert add_label(engine, "alice", ids[0], "Check reference list").label == "check reference list"  # once
    assert remove_label(engine, ids[0], "CHECK REFERENCE LIST", by="alice") is True
    add_label(engine, "alice", ids[0], "check reference list")
    with engine.connect() as conn:
        rows = conn.execute(sa.select(record_labels).order_by(record_labels.c.id)).all()
        assert [(r.action, r.current, r.ended_at is not None) for r in rows] == [
            ("add", False, True), ("remove", False, True), ("add", True, False)]
        kinds = [e["kind"] for e in list_events(conn) if e["kind"].startswith("label.")]
        assert kinds == ["label.add", "label.remove", "label.add"]
        assert list_events(conn, kind="label.remove")[0]["payload"]["supersedes"] == rows[0].id
        assert [x.label for x in list_labels(conn, "alice")] == ["check reference list"]
    with pytest.raises(ScreeningError, match="no label 'background'"):
        remove_label(engine, ids[0], "background", by="alice")


def test_a_reviewer_sees_only_their_own_labels_the_lead_sees_all(screening_store):
    engine, ids, _ = screening_store
    add_label(engine, "alice", ids[0], "background")
    add_label(engine, "bob", ids[0], "check reference list")
    add_label(engine, "bob", ids[1], "background")
    with engine.connect() as conn:
        assert {rid: [x.label for x in v] for rid, v in labels_on(conn, "alice", ids).items()} == {
            ids[0]: ["background"]}
        assert [(x.record_id, x.label) for x in list_labels(conn, "bob")] == [
            (ids[0], "check reference list"), (ids[1], "background")]
        lead = labels_on(conn, "carol", ids)
        assert [(x.label, x.reviewer) for x in lead[ids[0]]] == [("background", "alice"), ("check reference list", "bob")]
        assert label_names(conn, "alice") == ["background"]
        assert label_names(conn, "carol") == ["background", "check reference list"]
        assert [x.reviewer for x in list_labels(conn, "carol", "BACKGROUND")] == ["alice", "bob"]

        lead_csv = list(csv.DictReader(io.StringIO(labels_csv(conn, "carol"))))
        assert tuple(lead_csv[0]) == EXPORT_COLUMNS and len(lead_csv) == 3
        assert lead_csv[0]["pmid"] == "9000001" and lead_csv[0]["title"] == "Mentoring study 0"
        mine = list(csv.DictReader(io.StringIO(labels_csv(conn, "alice"))))
        assert [(r["label"], r["reviewer"]) for r in mine] == [("background", "alice")]


def test_who_may_remove_and_what_may_be_labelled(screening_store):
    engine, ids, _ = screening_store
    add_label(engine, "bob", ids[0], "background")
    with pytest.raises(NotAllowedError, match="only their own labels"):
        remove_label(engine, ids[0], "background", by="alice", owner="bob")
    assert remove_label(engine, ids[0], "background", by="carol", owner="bob")
    with engine.connect() as conn:
        assert list_labels(conn, "bob") == []
        assert list_events(conn, kind="label.remove")[0]["actor"] == "carol"
    for bad, message in (("", "needs some text"), ("x" * 61, "at most 60"), ("a\x07b", "control character")):
        with pytest.raises(ScreeningError, match=message):
            add_label(engine, "alice", ids[0], bad)
    with pytest.raises(ScreeningError, match="no record with id"):
        add_label(engine, "alice", 999999, "background")
    with engine.begin() as conn:
        conn.execute(sa.insert(dedup_membership), [
            {"record_id": ids[2], "kept_id": ids[2], "updated_at": "x"},
            {"record_id": ids[3], "kept_id": ids[2], "updated_at": "x"},
        ])
    with pytest.raises(ScreeningError, match=f"duplicate of record {ids[2]}; label {ids[2]} instead"):
        add_label(engine, "alice", ids[3], "background")
    revoke_reviewer(engine, "bob")
    with pytest.raises(NotAllowedError, match="revoked"):
        add_label(engine, "bob", ids[0], "background")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(record_labels)).scalar_one() == 2
