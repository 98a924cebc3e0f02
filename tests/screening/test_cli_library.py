"""My decisions, the records library, labels and reopening from the command line (SQLite)."""

from __future__ import annotations

import csv
import json

import pytest
from screening_helpers import make_records

from review.cli import main
from review.screening import add_reviewer, cast_vote, conflicts, resolve_conflict
from review.store import open_store

TA = "title_abstract"


@pytest.fixture
def proj(project):
    engine = open_store(project.database_url)
    ids = make_records(engine, 6)
    for name, role in (("alice", "reviewer"), ("bob", "reviewer"), ("carol", "lead")):
        add_reviewer(engine, name, role)
    for rid, (a, b) in zip(ids, [("include", "include"), ("include", "exclude"), ("exclude", "exclude")]):
        cast_vote(engine, "alice", rid, TA, a)
        cast_vote(engine, "bob", rid, TA, b)
    yield project, ids, engine
    engine.dispose()


def run(project, *argv):
    return main(["--project", str(project.root), *argv])


def test_decisions_mine_and_change(proj, capsys, tmp_path):
    project, ids, engine = proj
    assert run(project, "decisions", "mine", "--as", "alice", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == 3 and [v["record_id"] for v in out["votes"]] == ids[:3][::-1]
    assert run(project, "decisions", "mine", "--as", "alice", "--decision", "exclude") == 0
    text = capsys.readouterr().out
    assert f"#{ids[2]}" in text and f"#{ids[0]}" not in text and "1-1 of 1 vote(s)" in text
    assert "bob" not in text
    assert run(project, "decisions", "mine", "--as", "alice", "--limit", "2") == 0
    assert "1-2 of 3 vote(s); next page: --offset 2" in capsys.readouterr().out

    assert run(project, "decisions", "change", "9000001", "--stage", TA, "--decision", "exclude",
               "--note", "not a programme", "--as", "alice") == 0
    assert f"record {ids[0]}: alice's vote at title/abstract is now exclude" in capsys.readouterr().out
    with engine.connect() as conn:  # agreed before, a conflict now (the rules', not the command's)
        assert [c.record_id for c in conflicts(conn, TA)] == [ids[0], ids[1]]
    out_file = tmp_path / "mine.csv"
    assert run(project, "decisions", "mine", "--as", "alice", "--out", str(out_file)) == 0
    rows = list(csv.DictReader(out_file.open(encoding="utf-8")))
    assert [(r["record_id"], r["decision"], r["note"]) for r in rows][0] == (str(ids[0]), "exclude", "not a programme")
    capsys.readouterr()

    assert run(project, "decisions", "change", "9000005", "--stage", TA, "--decision", "exclude", "--as", "alice") == 1
    assert "no vote on record" in capsys.readouterr().err
    assert run(project, "decisions", "mine", "--as", "mallory") == 1
    assert "no reviewer named 'mallory'" in capsys.readouterr().err


def test_records_list_labels_and_reopen(proj, capsys, tmp_path):
    project, ids, engine = proj
    assert run(project, "records", "list", "--as", "alice") == 1
    assert "only a lead may" in capsys.readouterr().err

    assert run(project, "labels", "add", "9000003", "check reference list", "--as", "bob") == 0
    assert run(project, "labels", "add", "9000001", "background", "--as", "alice") == 0
    capsys.readouterr()
    assert run(project, "labels", "list", "--as", "alice", "--json") == 0
    assert [x["label"] for x in json.loads(capsys.readouterr().out)] == ["background"]  # not bob's

    assert run(project, "records", "list", "--as", "carol") == 0
    text = capsys.readouterr().out
    assert "1-6 of 6 record(s)" in text and "[check reference list]" in text and "conflict" in text
    assert run(project, "records", "list", "--as", "carol", "--decision", "conflict", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["record_id"] for r in out["records"]] == [ids[1]]
    assert out["records"][0]["title_abstract"]["status"] == "conflict"
    assert run(project, "records", "list", "--as", "carol", "--label", "background", "--json") == 0
    assert [r["record_id"] for r in json.loads(capsys.readouterr().out)["records"]] == [ids[0]]
    table = tmp_path / "library.csv"
    assert run(project, "records", "list", "--as", "carol", "--stage", TA, "--decision", "include",
               "--out", str(table)) == 0
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    assert [r["record_id"] for r in rows] == [str(ids[0])] and rows[0]["labels"] == "background (alice)"

    export = tmp_path / "labels.csv"
    assert run(project, "labels", "export", "--as", "carol", "--out", str(export)) == 0
    assert sorted(r["reviewer"] for r in csv.DictReader(export.open(encoding="utf-8"))) == ["alice", "bob"]
    assert run(project, "labels", "remove", "9000003", "check reference list", "--as", "alice", "--of", "bob") == 1
    assert "only their own labels" in capsys.readouterr().err
    assert run(project, "labels", "remove", "9000003", "check reference list", "--as", "bob") == 0

    resolve_conflict(engine, ids[1], TA, "include", by="carol")
    capsys.readouterr()
    assert run(project, "conflicts", "resolved", "--as", "carol") == 0
    assert f"record {ids[1]}" in capsys.readouterr().out
    assert run(project, "conflicts", "reopen", "9000002", "--note", "", "--as", "carol") == 1
    assert "needs a note" in capsys.readouterr().err
    assert run(project, "conflicts", "reopen", "9000002", "--note", "too quick", "--as", "alice") == 1
    assert run(project, "conflicts", "reopen", "9000002", "--note", "too quick", "--as", "carol") == 0
    assert "back among the open conflicts" in capsys.readouterr().out
    assert run(project, "conflicts", "--json") == 0  # the bare command still lists the open conflicts
    assert [c["record_id"] for c in json.loads(capsys.readouterr().out)] == [ids[1]]
