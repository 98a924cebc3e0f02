"""The command line's verbs and its one spelling per idea: ``review dedup run|pending|confirm|
reject|undo``, ``review report search-log``, ``--as NAME`` for the person acting and ``--out FILE``
for files. Each old spelling still works, gives the same output as the new one, and prints one
note on standard error naming the new spelling; the new spellings print no note."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from review import store
from review.cli import main
from review.commands.spelling import deprecation_note
from review.project import init_project
from review.records import Record

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"


def _article(**fields) -> Record:
    base = dict(title="Mentoring programmes for medical students: a scoping review of outcomes",
                authors=["Kalén, S.", "Ponzer, S.", "Silén, C."], year=2012, journal="Medical Teacher",
                journal_abbrev="Med Teach", volume="34", issue="6", start_page="e389", end_page="e395",
                doi="10.3109/0142159x.2012.668234", pmid="22449268", source_database="MEDLINE")
    base.update(fields)
    return Record(**base)


def _library() -> tuple[list[Record], list[Record]]:
    """Records 1-3 (MEDLINE) and 4-6 (Embase): 4 is 1 by DOI, 6 and 3 an uncertain pair (3-6)."""
    medline = [
        _article(),
        _article(title="Peer mentoring in anatomy: a randomised trial", authors=["Olsen, A."], doi="10.1/peer",
                 pmid="1000", volume="12", start_page="10", end_page="20"),
        _article(title="Group mentoring of first-year students", authors=["Berg, T."], doi="", pmid="2000",
                 volume="5", start_page="1", end_page="9", year=2010),
    ]
    embase = [
        _article(title="Mentoring programmes for medical students - a scoping review of outcomes.",
                 authors=["Kalen S.", "Ponzer S.", "Silen C."], pmid="", source_database="Embase"),
        _article(title="Peer mentoring in anatomy: a randomised trial", authors=["Olsen A"], doi="", pmid="",
                 volume="12", start_page="10", end_page="20", source_database="Embase"),
        _article(title="Group mentoring of first year students", authors=["Berg T"], doi="", pmid="",
                 volume="5", issue="7", start_page="30", end_page="39", year=2010, source_database="Embase"),
    ]
    return medline, embase


def _fill(project) -> None:
    engine = store.open_store(project.database_url)
    for recs, database in zip(_library(), ("MEDLINE", "Embase")):
        with engine.begin() as conn:
            import_id = store.add_import(conn, kind="file", database=database)
            store.add_records(conn, import_id, recs, default_database=database)
    engine.dispose()


@pytest.fixture
def twins(tmp_path, monkeypatch):
    """Two identical projects holding the same records: one worked with the new spellings, the
    other with the old, so that their outputs can be compared step by step."""
    monkeypatch.delenv("REVIEW_DATABASE_URL", raising=False)
    monkeypatch.delenv("REVIEW_PROJECT", raising=False)
    monkeypatch.setenv("REVIEW_USER", "someone")
    pair = init_project(tmp_path / "new", example=True), init_project(tmp_path / "old", example=True)
    for project in pair:
        _fill(project)
    return pair


def _run(capsys, project, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["--project", str(project.root), *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _same(capsys, twins, new: list[str], old: list[str], notes: list[tuple[str, str]]) -> str:
    """Run ``new`` on the first project and ``old`` on the second: same status, same output; the
    old spelling's standard error is the new one's plus one note per old spelling used."""
    got_new = _run(capsys, twins[0], *new)
    got_old = _run(capsys, twins[1], *old)
    assert got_new[0] == got_old[0] == 0, (got_new, got_old)
    assert got_new[1] == got_old[1]
    assert "note:" not in got_new[2]
    expected = [deprecation_note(was, now) for was, now in notes]
    assert got_old[2].splitlines()[: len(expected)] == expected
    assert got_old[2].splitlines()[len(expected):] == got_new[2].splitlines()
    return got_new[1]


def _actors(project, kind: str) -> list[str]:
    engine = store.open_store(project.database_url)
    with engine.connect() as conn:
        actors = [e["actor"] for e in store.list_events(conn, kind)]
    engine.dispose()
    return actors


def _without_seconds(text: str) -> dict:
    data = json.loads(text)
    data.pop("seconds", None)
    return data


def test_dedup_verbs_and_their_old_flags(twins, capsys):
    new, old = twins
    # run: `review dedup run` and plain `review dedup` are one command (no note); the time differs
    a, b = _run(capsys, new, "dedup", "run", "--as", "alice", "--json"), _run(capsys, old, "dedup", "--json")
    assert a[0] == b[0] == 0 and _without_seconds(a[1]) == _without_seconds(b[1]) and b[2] == ""
    assert _without_seconds(a[1])["pending"] == 1
    assert _actors(new, "dedup.run") == ["alice"] and _actors(old, "dedup.run") == ["someone"]
    for argv in (["dedup", "run"], ["dedup"]):  # on both projects: their event ids stay in step
        for project in twins:
            status, out, err = _run(capsys, project, *argv)
            assert status == 0 and err == ""
            assert "1 uncertain pair(s) wait for a person: review dedup pending" in out

    out = _same(capsys, twins, ["dedup", "pending"], ["dedup", "--pending"],
                [("--pending", "review dedup pending")])
    assert out.startswith("1 uncertain pair(s), most likely duplicates first. Decide with 'review dedup confirm PAIR'")
    assert "3-6" in out
    listed = _same(capsys, twins, ["dedup", "pending", "--json"], ["dedup", "--pending", "--json"],
                   [("--pending", "review dedup pending")])
    assert [p["pair"] for p in json.loads(listed)] == ["3-6"]

    out = _same(capsys, twins, ["dedup", "confirm", "3-6", "--as", "alice", "--note", "same paper"],
                ["dedup", "--confirm", "3-6", "--by", "alice", "--note", "same paper"],
                [("--confirm", "review dedup confirm PAIR..."), ("--by", "--as NAME")])
    assert out.startswith("3-6: confirmed (event #")
    out = _same(capsys, twins, ["dedup", "undo", "3-6", "--as", "bob"], ["dedup", "--undo", "3-6", "--by", "bob"],
                [("--undo", "review dedup undo TARGET"), ("--by", "--as NAME")])
    assert out.startswith("3-6: undone (event #")
    out = _same(capsys, twins, ["dedup", "reject", "3-6", "--as", "carol"],
                ["dedup", "--reject", "3-6", "--by", "carol"],
                [("--reject", "review dedup reject PAIR..."), ("--by", "--as NAME")])
    assert out.startswith("3-6: rejected (event #")
    status, out, _ = _run(capsys, new, "dedup", "undo", "3-6", "--json")
    assert status == 0 and json.loads(out)[0]["action"] == "undone"
    for project in twins:  # the person named is the one the events hold, however spelled
        assert _actors(project, "dedup.confirm") == ["alice"]
        assert _actors(project, "dedup.reject") == ["carol"]
    assert _actors(old, "dedup.undo") == ["bob"] and _actors(new, "dedup.undo") == ["bob", "someone"]


def test_dedup_verbs_check_their_input(twins, capsys):
    project = twins[0]
    assert _run(capsys, project, "dedup")[0] == 0
    with pytest.raises(SystemExit) as exc:
        main(["--project", str(project.root), "dedup", "confirm"])
    assert exc.value.code == 2 and "the following arguments are required: PAIR" in capsys.readouterr().err
    status, _, err = _run(capsys, project, "dedup", "confirm", "not-a-pair")
    assert status == 1 and "not a pair id" in err
    # all or nothing: one unknown pair decides none (as with --confirm)
    status, _, err = _run(capsys, project, "dedup", "confirm", "3-6", "99998-99999")
    assert status == 1 and "nothing was decided" in err
    assert _run(capsys, project, "dedup", "pending", "--json")[1].count('"pair"') == 1
    status, _, err = _run(capsys, project, "dedup", "--pending", "confirm", "3-6")
    assert status == 2 and "run it on its own" in err


def test_dedup_run_standalone_is_the_old_input_form(tmp_path, capsys):
    nbib = str(SAMPLE / "pubmed-blue-light.nbib")
    new, old = tmp_path / "new.csv", tmp_path / "old.csv"
    assert main(["dedup", "run", "--input", nbib, "--out", str(new)]) == 0
    assert main(["dedup", "--input", nbib, "--out", str(old)]) == 0
    assert "note:" not in capsys.readouterr().err
    assert new.read_text(encoding="utf-8") == old.read_text(encoding="utf-8")
    assert new.read_text(encoding="utf-8").startswith("file,row,id,cluster,confidence")


def test_search_log_is_a_report(twins, capsys, tmp_path):
    for project in twins:
        assert _run(capsys, project, "import", str(SAMPLE / "pubmed-blue-light.nbib"), "--database", "PubMed")[0] == 0
    out = _same(capsys, twins, ["report", "search-log"], ["search", "--log"],
                [("--log", "review report search-log")])
    assert "pubmed-blue-light.nbib" in out
    out = _same(capsys, twins, ["report", "search-log", "--format", "csv"], ["search", "--log", "--format", "csv"],
                [("--log", "review report search-log")])
    assert out.splitlines()[0].count(",") > 3
    new_file, old_file = tmp_path / "new.md", tmp_path / "old.md"
    a = _run(capsys, twins[0], "report", "search-log", "--out", str(new_file))
    b = _run(capsys, twins[1], "search", "--log", "--output", str(old_file))
    assert a[0] == b[0] == 0 and a[1] == b[1] == ""
    assert b[2].splitlines()[:2] == [deprecation_note("--log", "review report search-log"),
                                     deprecation_note("--output", "--out FILE")]
    assert b[2].splitlines()[2:] == a[2].replace("new.md", "old.md").splitlines()
    assert a[2].startswith("wrote the search log")
    assert new_file.read_text(encoding="utf-8") == old_file.read_text(encoding="utf-8")
    # the old form's own checks stay: --out without --log is refused, as --output was
    status, _, err = _run(capsys, twins[0], "search", "--out", str(tmp_path / "x.md"))
    assert status == 2 and "go with --log" in err


def test_out_and_its_old_spelling_output(twins, capsys, tmp_path):
    new_file, old_file = tmp_path / "new.md", tmp_path / "old.md"
    a = _run(capsys, twins[0], "report", "checklist", "--draft", "--out", str(new_file))
    b = _run(capsys, twins[1], "report", "checklist", "--draft", "--output", str(old_file))
    assert a[0] == b[0] == 0 and "note:" not in a[2]
    assert b[2].splitlines()[0] == deprecation_note("--output", "--out FILE")
    assert new_file.read_text(encoding="utf-8") == old_file.read_text(encoding="utf-8")
    status, _, err = _run(capsys, twins[0], "report", "checklist", "--format", "docx")
    assert status == 1 and "needs --out FILE.docx" in err


def test_report_pack_needs_out_in_either_spelling(twins, capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["--project", str(twins[0].root), "report", "pack"])
    assert exc.value.code == 2
    assert "the following arguments are required: --out" in capsys.readouterr().err
    new_file, old_file = tmp_path / "new.docx", tmp_path / "old.docx"
    a = _run(capsys, twins[0], "report", "pack", "--draft", "--out", str(new_file))
    b = _run(capsys, twins[1], "report", "pack", "--draft", "--output", str(old_file))
    assert a[0] == b[0] == 0 and "note:" not in a[2]
    assert b[2].splitlines()[0] == deprecation_note("--output", "--out FILE.docx")
    assert b[2].splitlines()[1:] == a[2].replace("new.docx", "old.docx").splitlines()
    assert new_file.read_bytes()[:2] == old_file.read_bytes()[:2] == b"PK"  # a Word document each


def test_as_and_its_old_spelling_name_the_person_acting(twins, capsys, tmp_path):
    out = _same(capsys, twins, ["import", "withdraw", "2", "--as", "ana", "--reason", "wrong file"],
                ["import", "withdraw", "2", "--by", "ana", "--reason", "wrong file"], [("--by", "--as NAME")])
    assert out.startswith("import #2")
    for project in twins:
        status, out, _ = _run(capsys, project, "status", "--json")
        assert json.loads(out)["imports"][1]["withdrawn"]["by"] == "ana"
    _same(capsys, twins, ["import", "edit", "1", "--interface", "Ovid", "--as", "ana"],
          ["import", "edit", "1", "--interface", "Ovid", "--by", "ana"], [("--by", "--as NAME")])
    for project in twins:
        assert _actors(project, "import.edit") == ["ana"]
    _same(capsys, twins, ["query", "save", "--as", "ana", "--note", "first"],
          ["query", "save", "--by", "ana", "--note", "first"], [("--by", "--as NAME")])
    for project in twins:
        status, out, _ = _run(capsys, project, "query", "versions")
        assert status == 0 and "  ana: first" in out


def test_import_takes_the_person_acting(twins, capsys):
    project = twins[0]
    status, _, err = _run(capsys, project, "import", str(SAMPLE / "pubmed-blue-light.nbib"), "--database",
                          "PubMed", "--as", "ana")
    assert status == 0 and "note:" not in err
    engine = store.open_store(project.database_url)
    with engine.connect() as conn:
        kinds = {e["kind"]: e["actor"] for e in store.list_events(conn) if e["kind"].startswith("import")}
    engine.dispose()
    assert kinds and set(kinds.values()) == {"ana"}


def test_new_spellings_are_in_the_help_and_old_ones_are_not(capsys):
    for argv, shown, hidden in (
        (["dedup", "--help"], ["run", "pending", "confirm", "reject", "undo", "--as NAME"], ["--pending", "--by"]),
        (["dedup", "confirm", "--help"], ["PAIR", "--as NAME", "--note"], ["--by"]),
        (["report", "--help"], ["search-log"], []),
        (["search", "--help"], ["--as NAME"], ["--log", "--output"]),
        (["report", "checklist", "--help"], ["--out FILE"], ["--output"]),
        (["chase", "--help"], ["--as NAME"], ["--by"]),
    ):
        with pytest.raises(SystemExit):
            main(argv)
        text = re.sub(r"\s+", " ", capsys.readouterr().out)
        for word in shown:
            assert word in text, (argv, word)
        for word in hidden:
            assert not re.search(rf"(^|[\s\[,]){re.escape(word)}\b", text), (argv, word)
