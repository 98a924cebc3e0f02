"""`review init`, `review status` and CLI error handling through review.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from review.cli import main


def test_init_makes_a_project_and_refuses_a_second_time(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("REVIEW_DATABASE_URL", raising=False)
    target = tmp_path / "my-review"
    assert main(["init", str(target)]) == 0
    # the way into the browser is printed: the lead's pages do the rest of the review
    assert f"review screen --project {target}" in capsys.readouterr().out
    assert (target / "review.yaml").is_file()
    assert (target / "data" / "review.sqlite").is_file()
    assert (target / "queries" / "strategy.yaml").is_file()  # blank: a skeleton strategy
    assert not (target / "queries" / "mentoring-medical-students.yaml").exists()
    example = tmp_path / "example"
    assert main(["init", str(example), "--example"]) == 0
    assert (example / "queries" / "mentoring-medical-students.yaml").is_file()
    assert main(["init", str(target)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_status_json_on_empty_project(project, capsys):
    assert main(["--project", str(project.root), "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"] == {"imports": 0, "records": 0, "skipped": 0}
    assert data["project"] == "proj"
    assert data["dedup_due"] is False  # nothing stored, nothing to deduplicate


def test_status_says_when_deduplication_is_due(project, capsys):
    sample = Path(__file__).resolve().parents[2] / "data" / "sample"
    root = str(project.root)
    due = "Records were stored after the last deduplication: run review dedup"
    assert main(["--project", root, "import", str(sample / "pubmed-blue-light.nbib"), "--database", "PubMed"]) == 0
    assert main(["--project", root, "status"]) == 0
    assert due in capsys.readouterr().out
    assert main(["--project", root, "dedup"]) == 0
    assert main(["--project", root, "status"]) == 0
    assert due not in capsys.readouterr().out


def test_command_outside_a_project_says_how_to_fix(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("REVIEW_PROJECT", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["status"]) == 1
    err = capsys.readouterr().err
    assert "review init" in err and "--project" in err


def test_every_command_has_help(capsys):
    from review.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0
        assert "usage: review" in capsys.readouterr().out
