"""The screening commands end to end on a fresh project (SQLite)."""

from __future__ import annotations

import json

import pytest
from pdf_sample import minimal_pdf
from screening_helpers import make_records

from review.cli import main
from review.store import open_store

PDF = minimal_pdf()


@pytest.fixture
def proj(project):
    engine = open_store(project.database_url)
    ids = make_records(engine, 6)
    engine.dispose()
    return project, ids


def run(project, *argv):
    return main(["--project", str(project.root), *argv])


def test_reviewers_add_list_revoke(proj, capsys):
    project, _ = proj
    assert run(project, "reviewers", "add", "alice") == 0
    out = capsys.readouterr().out.splitlines()
    assert "shown once" in out[0] and len(out[1]) >= 30
    assert run(project, "reviewers", "add", "carol", "--role", "lead") == 0
    assert run(project, "reviewers", "add", "alice") == 1
    assert "exists already" in capsys.readouterr().err
    assert run(project, "reviewers", "revoke", "alice") == 0
    capsys.readouterr()
    assert run(project, "reviewers", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == [
        {"name": "alice", "role": "reviewer", "active": False},
        {"name": "carol", "role": "lead", "active": True},
    ]


def test_import_conflicts_resolve_fulltext_agreement_export(proj, capsys, tmp_path):
    project, ids = proj
    for name in ("alice", "bob"):
        run(project, "reviewers", "add", name)
    run(project, "reviewers", "add", "carol", "--role", "lead")
    pilot = tmp_path / "pilot.csv"
    pilot.write_text(
        "reviewer,record,stage,decision,reason,note\n"
        "alice,9000001,title_abstract,include,,\n"
        "bob,9000001,title_abstract,include,,\n"
        "alice,9000002,title_abstract,include,,\n"
        "bob,9000002,title_abstract,exclude,not mentoring,\n"
        "alice,9000003,title_abstract,exclude,,\n"
        "bob,9000003,title_abstract,exclude,,\n",
        encoding="utf-8",
    )
    assert run(project, "decisions", "import", str(pilot)) == 0
    assert "imported 6 votes (criteria version 1)" in capsys.readouterr().out

    assert run(project, "conflicts") == 0
    out = capsys.readouterr().out
    assert f"record {ids[1]} (PMID 9000002)" in out and "not mentoring" in out

    assert run(project, "resolve", "9000002", "--stage", "title_abstract", "--decision", "include", "--as", "alice") == 1
    assert "only a lead" in capsys.readouterr().err
    assert run(project, "resolve", "9000002", "--stage", "title_abstract", "--decision", "include", "--as", "carol") == 0
    capsys.readouterr()
    assert run(project, "conflicts", "--stage", "title_abstract") == 0
    assert "no open conflicts" in capsys.readouterr().out

    pdf = tmp_path / "Smith 2010.pdf"
    pdf.write_bytes(PDF)
    assert run(project, "fulltext", "9000001", "--pdf", str(pdf), "--as", "alice") == 0
    assert (project.root / "data" / "fulltext" / f"{ids[0]}-Smith_2010.pdf").read_bytes() == PDF
    assert run(project, "fulltext", "9000002", "--not-retrieved", "No library access", "--as", "bob") == 0
    assert run(project, "fulltext", "9000003", "--link", "https://x.org", "--as", "bob") == 1
    assert "not included at title/abstract" in capsys.readouterr().err

    assert run(project, "agreement", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["pair"] == ["alice", "bob"] and rows[0]["n"] == 3
    assert rows[0]["percent"] == pytest.approx(200 / 3)
    assert run(project, "agreement") == 0
    assert "alice / bob" in capsys.readouterr().out

    out_file = tmp_path / "out.csv"
    assert run(project, "decisions", "export", "--format", "csv", "--out", str(out_file)) == 0
    lines = out_file.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "reviewer,record,stage,decision,reason,note"
    assert "bob,9000002,title_abstract,exclude,not mentoring," in lines
    assert len(lines) == 7


def test_import_error_names_line(proj, capsys, tmp_path):
    project, _ = proj
    bad = tmp_path / "bad.csv"
    bad.write_text("reviewer,record,stage,decision,reason,note\nnobody,9000001,title_abstract,include,,\n", encoding="utf-8")
    assert run(project, "decisions", "import", str(bad)) == 1
    assert f"{bad}, line 2: no reviewer named 'nobody'" in capsys.readouterr().err


def test_agreement_ci_reads_n_a_when_it_cannot_be_computed(proj, capsys, tmp_path):
    project, _ = proj
    for name in ("alice", "bob"):
        run(project, "reviewers", "add", name)
    votes = tmp_path / "votes.csv"
    votes.write_text(
        "reviewer,record,stage,decision,reason,note\n"
        "alice,9000001,title_abstract,include,,\n"
        "bob,9000001,title_abstract,exclude,,\n",
        encoding="utf-8",
    )
    assert run(project, "decisions", "import", str(votes)) == 0
    capsys.readouterr()
    assert run(project, "agreement", "--stage", "title_abstract") == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "alice / bob" in line)
    assert "n/a" in row and "0.00 to 0.00" not in row
    assert run(project, "agreement", "--json", "--stage", "title_abstract") == 0
    assert json.loads(capsys.readouterr().out)[0]["kappa_ci"] is None


def test_conflicts_show_the_record_as_merged_from_its_duplicates(project, capsys, tmp_path):
    """The kept record of a duplicate cluster lacks a PMID its duplicate has: ``review
    conflicts`` shows the merged record, as the app's Conflicts page does."""
    import sqlalchemy as sa

    from review.records import Record
    from review.store import add_import, add_records
    from review.store.schema import dedup_membership

    engine = open_store(project.database_url)
    with engine.begin() as conn:
        imp = add_import(conn, kind="file", database="Embase")
        add_records(conn, imp, [Record(title="Peer mentoring of residents", year=2015)])
        imp2 = add_import(conn, kind="file", database="MEDLINE")
        add_records(conn, imp2, [Record(title="Peer mentoring of residents", year=2015, pmid="31234567")])
        kept, dup = conn.execute(sa.text("select id from records order by id")).scalars().all()
        conn.execute(sa.insert(dedup_membership), [
            {"record_id": kept, "kept_id": kept, "updated_at": "x"},
            {"record_id": dup, "kept_id": kept, "updated_at": "x"},
        ])
    engine.dispose()
    for name in ("alice", "bob"):
        run(project, "reviewers", "add", name)
    votes = tmp_path / "votes.csv"
    votes.write_text("reviewer,record,stage,decision,reason,note\n"
                     f"alice,id:{kept},title_abstract,include,,\nbob,id:{kept},title_abstract,exclude,,\n",
                     encoding="utf-8")
    assert run(project, "decisions", "import", str(votes)) == 0
    capsys.readouterr()
    assert run(project, "conflicts", "--json") == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["record_id"], row["pmid"], row["title"]) == (kept, "31234567", "Peer mentoring of residents")
    assert run(project, "conflicts") == 0
    assert f"record {kept} (PMID 31234567)" in capsys.readouterr().out
