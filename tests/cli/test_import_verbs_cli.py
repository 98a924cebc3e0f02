"""`review import withdraw N`, `review import FILE --replace N`, `review import edit N`, and the
command line ending quietly when its reader goes away (`review ... | head`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from review.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"

BROKEN = (
    "TY  - JOUR\nTI  - Peer mentoring for medical students\nAU  - Smith, J\nPY  - 2016\nER  - \n\n"
    "TY  - JOUR\nAU  - Nobody, A\nPY  - 2015\nER  - \n\n"
    "TY  - JOUR\nTI  - Group mentoring in surgery clerkships\nAU  - Roe, R\nPY  - 2012\nER  - \n"
)
FIXED = BROKEN.replace("AU  - Nobody, A", "TI  - Faculty mentors and burnout\nAU  - Nobody, A")


def run(project, *args: str) -> int:
    return main(["--project", str(project.root), *args])


def status_json(project, capsys) -> dict:
    capsys.readouterr()
    assert run(project, "status", "--json") == 0
    return json.loads(capsys.readouterr().out)


def prisma_json(project, capsys) -> dict:
    capsys.readouterr()
    assert run(project, "prisma", "--draft", "--json") == 0
    return json.loads(capsys.readouterr().out)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_withdraw_then_reimport_the_fixed_file(project, capsys, tmp_path):
    broken = write(tmp_path, "export.ris", BROKEN)
    assert run(project, "import", broken, "--database", "MEDLINE") == 0
    assert "skipped (line 7): no title" in capsys.readouterr().err
    fixed = write(tmp_path, "export-fixed.ris", FIXED)
    assert run(project, "import", fixed, "--database", "MEDLINE") == 0
    assert prisma_json(project, capsys)["database_results"] == 5  # counted twice
    capsys.readouterr()
    assert run(project, "import", "withdraw", "1", "--reason", "one record had no title", "--by", "ana") == 0
    out = capsys.readouterr().out
    assert out.startswith("import #1 (export.ris) withdrawn: its 2 records count nowhere now")
    assert prisma_json(project, capsys)["database_results"] == 3
    data = status_json(project, capsys)
    assert data["totals"] == {"imports": 1, "records": 3, "skipped": 0}
    assert data["imports"][0]["withdrawn"]["by"] == "ana"
    assert run(project, "status") == 0
    out = capsys.readouterr().out
    assert "3 records from 1 imports (0 skipped); 1 import(s) withdrawn" in out
    assert "export.ris [withdrawn " in out
    assert run(project, "import", "withdraw", "1") == 1
    assert capsys.readouterr().err.startswith("review: import #1 (export.ris, MEDLINE) was withdrawn already")


def test_replace_in_one_command(project, capsys, tmp_path):
    broken = write(tmp_path, "export.ris", BROKEN)
    assert run(project, "import", broken, "--database", "MEDLINE") == 0
    fixed = write(tmp_path, "export-fixed.ris", FIXED)
    capsys.readouterr()
    assert run(project, "import", fixed, "--database", "MEDLINE", "--replace", "1", "--reason", "title restored") == 0
    out = capsys.readouterr().out
    assert "export-fixed.ris: 3 records imported as #2" in out
    assert "import #1 (export.ris) withdrawn in its place: its 2 records count nowhere now" in out
    assert prisma_json(project, capsys)["database_results"] == 3
    capsys.readouterr()
    assert run(project, "search", "--log") == 0
    log = capsys.readouterr().out
    assert "| 1 | MEDLINE | - | not given | 3 | 2 | export.ris [WITHDRAWN: counts nowhere] |" in log
    assert "title restored; replaced by import #2" in log
    # --replace takes one file; a failing file leaves the import as it was
    assert run(project, "import", broken, fixed, "--database", "MEDLINE", "--replace", "2") == 2
    assert "--replace 2 takes one FILE" in capsys.readouterr().err
    empty = write(tmp_path, "untitled.ris", "TY  - JOUR\nAU  - Roe R\nER  - \n")
    assert run(project, "import", empty, "--database", "MEDLINE", "--replace", "2") == 1
    assert prisma_json(project, capsys)["database_results"] == 3
    assert status_json(project, capsys)["withdrawn_imports"] == 1


def test_withdraw_refused_when_voted_names_the_record(project, capsys, tmp_path):
    from review import screening
    from review.store import open_store

    assert run(project, "import", write(tmp_path, "export.ris", FIXED), "--database", "MEDLINE") == 0
    engine = open_store(project.database_url)
    screening.add_reviewer(engine, "ana")
    screening.cast_vote(engine, "ana", 2, "title_abstract", "include")
    engine.dispose()
    capsys.readouterr()
    assert run(project, "import", "withdraw", "1") == 1
    err = capsys.readouterr().err
    assert err.startswith("review: import #1 (export.ris, MEDLINE) cannot be withdrawn: 1 of its records "
                          "already carry screening decisions: record 2 (title_abstract vote by ana)")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_edit_attaches_the_strategy(project, capsys, tmp_path):
    assert run(project, "import", write(tmp_path, "export.ris", FIXED), "--database", "Embase") == 0
    capsys.readouterr()
    assert run(project, "search", "--log") == 0
    assert "attach it with `review import edit 1 --strategy STRATEGY.txt`" in capsys.readouterr().out
    history = write(tmp_path, "history.txt", "1  exp Mentors/  9411\n2  limit 1 to english  8000\n")
    assert run(project, "import", "edit", "1", "--strategy", history, "--searched", "2018-01-31",
               "--interface", "Ovid") == 0
    out = capsys.readouterr().out
    assert "import #1: strategy attached (2 lines)" in out and "import #1: searched 2018-01-31 (was not given)" in out
    assert run(project, "search", "--log") == 0
    log = capsys.readouterr().out
    assert "## #1 Embase via Ovid, searched 2018-01-31" in log and "| 2 | limit 1 to english | 8,000 |" in log
    assert run(project, "import", "edit", "1", "--searched", "31/01/2018") == 1
    assert "--searched takes YYYY-MM-DD" in capsys.readouterr().err
    assert run(project, "import", "edit", "1", "--strategy", str(tmp_path / "missing.txt")) == 1
    assert "missing.txt" in capsys.readouterr().err


def test_global_options_before_the_verb_and_a_file_named_withdraw(project, capsys, tmp_path, monkeypatch):
    assert main(["--project", str(project.root), "import", write(tmp_path, "a.ris", FIXED), "--database", "X"]) == 0
    # a file literally named "withdraw" is imported as ./withdraw
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "withdraw", BROKEN)
    assert run(project, "import", "./withdraw", "--database", "X") == 0
    assert "./withdraw: 2 records imported as #2" in capsys.readouterr().out
    # the bare word is the verb: a hint when it is not followed by a number
    try:
        run(project, "import", "withdraw", "--database", "X")
    except SystemExit as exc:
        assert exc.code == 2
    err = capsys.readouterr().err
    assert "review import withdraw" in err
    try:
        run(project, "import", "withdraw", "x.ris")
    except SystemExit as exc:
        assert exc.code == 2
    assert "to import a file named 'x.ris', write ./x.ris" in capsys.readouterr().err
    assert main(["--project", str(project.root), "import", "withdraw", "#2"]) == 0
    assert status_json(project, capsys)["withdrawn_imports"] == 1


def test_output_into_a_closed_pipe_ends_quietly(project, capsys, tmp_path):
    """`review status | head -1` with thousands of lines to print: no BrokenPipeError
    traceback, nothing on stderr, exit status 141 (128 + SIGPIPE) as a shell reports."""
    rows = ["Title,Database"] + [f"Paper number {i},Database {i:05d}" for i in range(3000)]
    export = write(tmp_path, "many-databases.csv", "\n".join(rows) + "\n")
    assert run(project, "import", export, "--database", "X") == 0
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("REVIEW_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "review", "--project", str(project.root), "status"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    first = proc.stdout.readline()
    proc.stdout.close()  # the reader goes away, as `head -1` does, with most of the output unwritten
    err = proc.stderr.read().decode()
    proc.stderr.close()
    status = proc.wait(timeout=60)
    assert first.startswith(b"Project: ")
    assert "Traceback" not in err and "BrokenPipeError" not in err and "Exception ignored" not in err, err
    assert err == ""
    assert status == 141


def test_a_broken_pipe_elsewhere_is_not_hidden(project):
    """Only a closed standard output ends quietly: a BrokenPipeError from anything else (stdout
    still read) is a real failure and shows."""
    code = (
        "import sys\n"
        "import review.commands.core as core\n"
        "def broken(args):\n"
        "    raise BrokenPipeError(32, 'Broken pipe (a server connection)')\n"
        "core.cmd_status = broken\n"
        "from review.cli import main\n"
        f"raise SystemExit(main(['--project', {str(project.root)!r}, 'status']))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1
    assert "BrokenPipeError" in result.stderr and "a server connection" in result.stderr
