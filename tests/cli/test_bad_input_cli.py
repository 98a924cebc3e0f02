"""Bad input files through `review import` and `review dedup --input`: a one-paragraph
`review: ...` message naming the file, a non-zero exit, no traceback, and nothing of a refused
file in the project's store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from review.cli import main

REPO = Path(__file__).resolve().parents[2]
RIS = REPO / "tests" / "data" / "formats" / "ris" / "asreview_pubmed_zotero.ris"  # 6 records
NBIB = REPO / "tests" / "data" / "formats" / "medline" / "pubmed_result2.txt"  # 4 records
ENDNOTE = REPO / "data" / "sample" / "endnote-blue-light.xml"  # 102 records on one line


def run(project, *args: str) -> int:
    return main(["--project", str(project.root), *args])


def totals(project, capsys) -> dict:
    capsys.readouterr()
    assert run(project, "status", "--json") == 0
    return json.loads(capsys.readouterr().out)["totals"]


def _endnote_broken_in_the_middle() -> bytes:
    text = ENDNOTE.read_text(encoding="utf-8")
    cut = [i for i in range(len(text)) if text.startswith("</title>", i)][50]
    return (text[:cut] + text[cut + len("</title>"):]).encode()


BAD_FILES = {
    "empty.ris": lambda: b"",
    "blank.nbib": lambda: b"\n  \n\t\n",
    "garbage.ris": lambda: b"%PDF-1.4\n" + bytes(range(256)) * 4,
    "nul.ris": lambda: RIS.read_bytes()[:300] + b"\x00" + RIS.read_bytes()[300:],
    "broken.xml": _endnote_broken_in_the_middle,
    "unclosed-quote.csv": lambda: b'title,year\nOne,2020\n"Two,2021\nThree,2022\n',
    "no-title.csv": lambda: b"authors,year\nSmith J,2020\n",
    "unknown.txt": lambda: b"just some notes\nabout a search\n",
}


def _assert_plain_error(err: str, name: str) -> None:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and lines[0].startswith("review: ") and name in lines[0]


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_import_refuses_a_bad_file_and_stores_nothing(project, capsys, tmp_path, name):
    assert run(project, "import", str(RIS), "--database", "PubMed") == 0
    before = totals(project, capsys)
    path = tmp_path / name
    path.write_bytes(BAD_FILES[name]())
    assert run(project, "import", str(path), "--database", "Other") == 1
    _assert_plain_error(capsys.readouterr().err, name)
    assert totals(project, capsys) == before == {"imports": 1, "records": 6, "skipped": 0}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_standalone_dedup_refuses_a_bad_file(capsys, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(BAD_FILES[name]())
    out = tmp_path / "clusters.csv"
    assert main(["dedup", "--input", str(RIS), str(path), "--out", str(out)]) == 1
    _assert_plain_error(capsys.readouterr().err, name)
    assert not out.exists()


def test_import_of_a_folder_or_a_missing_file_is_a_plain_error(project, capsys, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    assert run(project, "import", str(folder), "--database", "X") == 1
    err = capsys.readouterr().err
    _assert_plain_error(err, "exports")
    assert "this is a folder, not a file" in err
    assert run(project, "import", str(tmp_path / "nope.ris"), "--database", "X") == 1
    err = capsys.readouterr().err
    assert err.strip() == f"review: {tmp_path / 'nope.ris'}: no such file; check the path and the file name"
    assert totals(project, capsys) == {"imports": 0, "records": 0, "skipped": 0}


def test_a_bad_file_among_several_does_not_stop_the_others(project, capsys, tmp_path):
    bad = tmp_path / "bad.ris"
    bad.write_bytes(b"")
    assert run(project, "import", str(RIS), str(bad), str(tmp_path), str(NBIB), "--database", "X") == 1
    captured = capsys.readouterr()
    assert f"{RIS}: 6 records imported as #1" in captured.out
    assert f"{NBIB}: 4 records imported as #2" in captured.out
    assert f"review: {bad}: the file is empty" in captured.err
    assert f"review: {tmp_path}: this is a folder" in captured.err
    assert "review: 2 of 4 files not imported (nothing of them was stored); the other files were imported" in captured.err
    assert totals(project, capsys) == {"imports": 2, "records": 10, "skipped": 0}


def test_import_strategy_file_errors_are_plain(project, capsys, tmp_path):
    assert run(project, "import", str(RIS), "--database", "X", "--strategy", str(tmp_path)) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"review: --strategy: {tmp_path}: this is a folder") and "Traceback" not in err
    latin = tmp_path / "strategy.txt"
    latin.write_bytes("1. caf\xe9.ti.\n".encode("cp1252"))
    assert run(project, "import", str(RIS), "--database", "X", "--strategy", str(latin)) == 0
    assert totals(project, capsys)["records"] == 6


def test_ris_record_without_ty_is_reported_by_import(project, capsys, tmp_path):
    path = tmp_path / "x.ris"
    path.write_text("TY  - JOUR\nTI  - One\nER  - \n\nTI  - Two\nAU  - Roe R\nER  - \n", encoding="utf-8")
    assert run(project, "import", str(path), "--database", "X") == 0
    assert "skipped (line 5): a record without a 'TY  - ' line, lines 5-7" in capsys.readouterr().err
    assert totals(project, capsys) == {"imports": 1, "records": 1, "skipped": 1}


@pytest.mark.parametrize("option", ["--out", "--pairs"])
def test_standalone_dedup_checks_its_outputs_before_reading(capsys, tmp_path, option):
    folder = tmp_path / "results"
    folder.mkdir()
    base = ["dedup", "--input", str(tmp_path / "never-read.ris")]
    extra = ["--out", str(tmp_path / "c.csv")] if option == "--pairs" else []
    with pytest.raises(SystemExit) as info:  # refused while reading the arguments
        main([*base, *extra, option, str(folder)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}: {folder} is a folder; name a file in it" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as info:
        main([*base, *extra, option, str(tmp_path / "missing" / "c.csv")])
    assert info.value.code == 2
    assert f"the folder {tmp_path / 'missing'} does not exist" in capsys.readouterr().err


def test_python_m_review_cli_shows_command_errors_plainly(tmp_path):
    """`python -m review.cli` runs cli.py as __main__; its errors must still be plain."""
    result = subprocess.run(
        [sys.executable, "-m", "review.cli", "dedup", "--input", "x.ris", "--pending"],
        capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(REPO), "PATH": ""},
    )
    assert result.returncode == 2
    note, error = result.stderr.splitlines()  # the old spelling's note, then the error
    assert note.startswith("review: note: '--pending' is an old spelling")
    assert error.startswith("review: --input works without a project") and "Traceback" not in result.stderr


def test_a_file_whose_every_record_is_skipped_is_refused_and_nothing_is_stored(project, capsys, tmp_path):
    assert run(project, "import", str(RIS), "--database", "PubMed") == 0
    before = totals(project, capsys)
    path = tmp_path / "untitled.ris"  # two records, neither with a title
    path.write_text("TY  - JOUR\nAU  - Roe R\nER  - \n\nTY  - JOUR\nAU  - Doe D\nER  - \n", encoding="utf-8")
    assert run(project, "import", str(path), "--database", "Embase") == 1
    err = capsys.readouterr().err
    _assert_plain_error(err, "untitled.ris")
    assert "none of its 2 record(s) could be read (the first, line 1:" in err
    assert "nothing was stored" in err
    assert totals(project, capsys) == before  # no empty import either
    # the refused file left no trace: trying it again gives the same reason, not "imported already"
    assert run(project, "import", str(path), "--database", "Embase") == 1
    assert "none of its 2 record(s)" in capsys.readouterr().err
    # once the file is fixed it imports
    path.write_text("TY  - JOUR\nTI  - One\nAU  - Roe R\nER  - \n", encoding="utf-8")
    assert run(project, "import", str(path), "--database", "Embase") == 0
