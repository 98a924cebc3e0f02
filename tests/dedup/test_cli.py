"""``review dedup`` on a project and standalone (--input ... --out clusters.csv)."""

from __future__ import annotations

import csv
import json
from pathlib import Path


from review.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
DATA = Path(__file__).resolve().parent.parent / "data" / "dedup"


def _read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def test_standalone_ris_and_nbib(tmp_path, capsys):
    out = tmp_path / "clusters.csv"
    ris, nbib = SAMPLE / "endnote-blue-light.ris", SAMPLE / "pubmed-blue-light.nbib"
    assert main(["dedup", "--input", str(ris), str(nbib), "--out", str(out)]) == 0
    columns, rows = _read(out)
    assert columns == ["file", "row", "id", "cluster", "confidence"]
    from review.formats import read_file

    n_ris, n_nbib = len(read_file(ris).records), len(read_file(nbib).records)
    assert len(rows) == n_ris + n_nbib  # one row per input record, singletons included
    assert [int(r["row"]) for r in rows if r["file"] == str(ris)] == list(range(n_ris))
    assert [int(r["row"]) for r in rows if r["file"] == str(nbib)] == list(range(n_nbib))
    # every PubMed record has its counterpart in the EndNote library (the same 80 papers)
    members: dict[str, list[str]] = {}
    for r in rows:
        members.setdefault(r["cluster"], []).append(r["file"])
    # each of the 80 PubMed records pairs with exactly one EndNote record; 22 EndNote ones stand alone
    assert sorted(members.values()).count([str(ris), str(nbib)]) == n_nbib == 80
    assert sorted(members.values()).count([str(ris)]) == n_ris - n_nbib == 22
    assert len(members) == n_ris
    for r in rows:
        conf = float(r["confidence"])
        assert 0.0 < conf <= 1.0
    nbib_ids = [r["id"] for r in rows if r["file"] == str(nbib)]
    assert all(i.isdigit() for i in nbib_ids)  # PMIDs
    assert "182 records from 2 file(s): 80 duplicates in 80 clusters" in capsys.readouterr().out


def test_standalone_csv_with_ids_matches_the_labels(tmp_path):
    out = tmp_path / "clusters.csv"
    pairs = tmp_path / "pairs.csv"
    source = DATA / "special_cases_records.csv"
    assert main(["dedup", "--input", str(source), "--out", str(out), "--pairs", str(pairs)]) == 0
    columns, rows = _read(out)
    assert columns == ["file", "row", "id", "cluster", "confidence"]
    assert [r["id"] for r in rows] == [f"id_{i:07d}" for i in range(1, 13)]
    cluster = {r["id"]: r["cluster"] for r in rows}
    with open(DATA / "special_cases_merged_ids.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            members = row["merged_ids"].split(";")
            assert len({cluster[m] for m in members}) == 1
    assert len(set(cluster.values())) == 12 - 3
    pair_columns, _ = _read(pairs)
    assert pair_columns[:6] == ["file_a", "row_a", "id_a", "file_b", "row_b", "id_b"]


def test_standalone_refuses_unreadable_files(tmp_path, capsys):
    bad = tmp_path / "notes.bib"
    bad.write_text("@article{x, title={A}}\n", encoding="utf-8")
    assert main(["dedup", "--input", str(bad), "--out", str(tmp_path / "c.csv")]) == 1
    assert "notes.bib" in capsys.readouterr().err
    assert not (tmp_path / "c.csv").exists()


def test_standalone_options_are_checked(tmp_path, capsys):
    assert main(["dedup", "--input", str(SAMPLE / "pubmed-blue-light.nbib"), "--pending"]) == 2
    assert main(["dedup", "--out", str(tmp_path / "x.csv")]) == 2


def test_project_run_pending_confirm_reject_undo(project, monkeypatch, capsys):
    monkeypatch.chdir(project.root)
    for name, db in (("pubmed-blue-light.nbib", "PubMed"), ("ovid-multidatabase-300.ris", "Ovid")):
        assert main(["import", str(SAMPLE / name), "--database", db]) == 0
    capsys.readouterr()
    assert main(["dedup"]) == 0
    out = capsys.readouterr().out
    assert "duplicates removed" in out
    assert main(["dedup", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["merged"] == 0  # a rerun changes nothing
    removed = summary["duplicates_removed"]
    assert removed > 0 and summary["unique_records"] + removed == summary["records"]

    assert main(["dedup", "--pending", "--json"]) == 0
    pending = json.loads(capsys.readouterr().out)
    if pending:
        pair = pending[0]["pair"]
        assert main(["dedup", "--confirm", pair, "--by", "alice"]) == 0
        assert "confirmed" in capsys.readouterr().out
        assert main(["dedup", "--undo", pair, "--by", "alice"]) == 0
        assert main(["dedup", "--reject", pair, "--by", "alice"]) == 0
        capsys.readouterr()
    # undo one automatic merge: one fewer duplicate removed
    from review.dedup.state import duplicates_removed
    from review.store import open_store
    import sqlalchemy as sa
    from review.store.schema import dedup_membership

    engine = open_store(project.database_url)
    with engine.connect() as conn:
        before = duplicates_removed(conn)
        victim = conn.execute(
            sa.select(dedup_membership.c.record_id).where(dedup_membership.c.record_id != dedup_membership.c.kept_id)
        ).scalars().first()
    assert main(["dedup", "--undo", str(victim), "--note", "not the same"]) == 0
    with engine.connect() as conn:
        assert duplicates_removed(conn) == before - 1
    engine.dispose()
    assert main(["dedup", "--confirm", "not-a-pair"]) == 1
    assert "not a pair id" in capsys.readouterr().err


def test_a_list_of_decisions_with_one_unknown_pair_decides_none(project, monkeypatch, capsys):
    from review.dedup.queue import get_pair
    from review.store import open_store

    monkeypatch.chdir(project.root)
    assert main(["import", str(SAMPLE / "pubmed-blue-light.nbib"), "--database", "PubMed"]) == 0
    assert main(["dedup"]) == 0
    capsys.readouterr()
    assert main(["dedup", "--confirm", "1-2", "99998-99999", "--by", "alice"]) == 1
    err = capsys.readouterr().err
    assert "pair 99998-99999: no record with id 99998, 99999 in this store; nothing was decided" in err
    engine = open_store(project.database_url)
    with engine.connect() as conn:
        assert get_pair(conn, 1, 2) is None  # the valid pair was not confirmed either
    engine.dispose()


def test_standalone_keeps_records_without_a_title_with_their_id(tmp_path, capsys):
    source = tmp_path / "records.csv"
    source.write_text(
        "ID,title,author,year,journal,volume,pages,doi\n"
        "a1,Complement factor B in haemolytic uraemic syndrome,\"Roe, R\",2007,Blood,104,240-245,10.1182/blood-2007-01-0001\n"
        "a2,,\"Roe, R\",2007,Blood,104,240-245,10.1182/blood-2007-01-0001\n"   # no title, same DOI: the same paper
        "a3,,\"Doe, D\",2011,Blood,7,23-35,\n"              # no title, nothing shared: alone
        "a4,,\"Doe, D\",2011,Blood,7,23-35,\n",             # the same details, no title: not merged
        encoding="utf-8",
    )
    out = tmp_path / "clusters.csv"
    assert main(["dedup", "--input", str(source), "--out", str(out)]) == 0
    _, rows = _read(out)
    assert [r["id"] for r in rows] == ["a1", "a2", "a3", "a4"]  # every row keeps its id
    cluster = {r["id"]: r["cluster"] for r in rows}
    assert cluster["a1"] == cluster["a2"] and len({cluster["a1"], cluster["a3"], cluster["a4"]}) == 3
    assert "3 record(s) without a title (row(s) 1, 2, 3): matched only on a DOI or PMID" in capsys.readouterr().err
