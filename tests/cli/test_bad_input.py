"""Bad input on the command line: a broken review.yaml, a store that cannot be opened, strategy
files and arguments that do not fit. Each gives a message naming what and where, a non-zero
exit status and no traceback, and leaves what is stored untouched."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from review.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "pubmed-blue-light.nbib"


def run(project, *argv: str) -> int:
    return main(["--project", str(project.root), *argv])


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def append_config(project, text: str) -> None:
    with (project.root / "review.yaml").open("a", encoding="utf-8") as f:
        f.write(text)


def config_lines(project) -> int:
    return len((project.root / "review.yaml").read_text(encoding="utf-8").splitlines())


# -- review.yaml -------------------------------------------------------------------------


def test_config_unknown_key_names_line_and_suggests(project, capsys):
    line = config_lines(project) + 1
    append_config(project, "screenng: {pilot: 25}\n")
    assert run(project, "status") == 0  # the rest of the project still works
    err = capsys.readouterr().err
    assert f"warning: {project.root / 'review.yaml'}, line {line}: unknown key 'screenng' is ignored; " \
        "did you mean 'screening'?" in err


@pytest.mark.parametrize("text, words", [
    ("pubmed: 5\n", "pubmed takes a mapping"),
    ("sample: 5\n", "sample takes a list"),
    ("database_url: 5\n", "database_url takes a database URL"),
])
def test_config_value_of_wrong_kind_names_line(project, capsys, text, words):
    config = (project.root / "review.yaml").read_text(encoding="utf-8")
    key = text.split(":")[0]
    kept = "".join(ln for ln in config.splitlines(keepends=True) if not ln.startswith(f"{key}:"))
    (project.root / "review.yaml").write_text(kept + text, encoding="utf-8")
    assert run(project, "status") == 1
    err = capsys.readouterr().err
    assert f"review.yaml, line {len(kept.splitlines()) + 1}: {words}" in err


def test_config_strategy_not_a_path(project, capsys):
    config = (project.root / "review.yaml").read_text(encoding="utf-8")
    (project.root / "review.yaml").write_text(
        "".join(ln if not ln.startswith("strategy:") else "strategy: [a, b]\n"
                for ln in config.splitlines(keepends=True)), encoding="utf-8")
    assert run(project, "query", "render", "--to", "pubmed") == 1
    assert "strategy takes the path of a strategy file" in capsys.readouterr().err


def test_config_unclosed_bracket_names_the_line_it_opens(project, capsys):
    line = config_lines(project) + 1
    append_config(project, "title: [Mentoring\nquestion: x\n")
    assert run(project, "status") == 1
    err = capsys.readouterr().err
    assert f"review.yaml, line {line}: not valid YAML: the '[' at line {line}, column 8 is not closed" in err
    assert "<unicode string>" not in err


def test_config_impossible_date_names_the_line(project, capsys):
    line = config_lines(project) + 2
    append_config(project, "sample:\n  - {file: a.ris, database: X, searched: 2018-02-30}\n")
    assert run(project, "status") == 1
    assert f"review.yaml, line {line}: not valid YAML: '2018-02-30' is not a date" in capsys.readouterr().err


def test_screening_seed_must_be_whole():
    from review.screening import ScreeningError, screening_settings

    with pytest.raises(ScreeningError, match="screening.seed must be a whole number, not 1.5"):
        screening_settings({"screening": {"seed": 1.5}})
    assert screening_settings({"screening": {"seed": 7}}).seed == 7
    assert screening_settings({"screening": {"seed": "12"}}).seed == 12  # quoted, still whole
    with pytest.raises(ScreeningError, match="not .twelve."):
        screening_settings({"screening": {"seed": "twelve"}})


def test_init_on_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("mine", encoding="utf-8")
    assert main(["init", str(target)]) == 1
    assert "cannot make the project folder" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "mine"


# -- the store ---------------------------------------------------------------------------


def test_postgresql_url_that_cannot_be_reached(project, capsys, monkeypatch):
    # a bare postgresql:// uses psycopg2 (the installed driver), not psycopg
    monkeypatch.setenv("REVIEW_DATABASE_URL", f"postgresql://reviewer:secret@127.0.0.1:{unused_port()}/x")
    assert run(project, "status") == 1
    err = capsys.readouterr().err
    assert "postgresql+psycopg2://reviewer:***@127.0.0.1" in err and "secret" not in err
    assert "cannot open the store" in err and "check that the server is running" in err


@pytest.mark.parametrize("url, words", [
    ("not-a-url", "is not a database URL"),
    ("foo://host/db", "unknown kind of database 'foo'"),
    ("postgresql+asyncpg://127.0.0.1/x", "the database driver 'asyncpg' is not installed"),
])
def test_store_url_that_is_wrong(project, capsys, monkeypatch, url, words):
    monkeypatch.setenv("REVIEW_DATABASE_URL", url)
    assert run(project, "status") == 1
    assert words in capsys.readouterr().err


def test_sqlite_store_under_a_file(project, capsys, monkeypatch, tmp_path):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    monkeypatch.setenv("REVIEW_DATABASE_URL", f"sqlite:///{tmp_path}/afile/review.sqlite")
    assert run(project, "status") == 1
    assert "cannot make the folder for the SQLite store" in capsys.readouterr().err


def test_sqlite_store_that_is_not_a_database_is_left_alone(project, capsys, monkeypatch, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database, " * 40, encoding="utf-8")
    monkeypatch.setenv("REVIEW_DATABASE_URL", f"sqlite:///{notes}")
    assert run(project, "status") == 1
    assert "cannot open the store (file is not a database)" in capsys.readouterr().err
    assert notes.read_text(encoding="utf-8") == "not a database, " * 40


def test_store_of_a_newer_version_names_the_store(project, capsys):
    assert run(project, "status") == 0  # the store, made by this version
    path = project.data_dir / "review.sqlite"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("insert into schema_migrations (name, applied_at) values ('0999_future', 'x')")
    conn.close()
    capsys.readouterr()
    assert run(project, "status") == 1
    err = capsys.readouterr().err
    assert str(path) in err and "0999_future" in err and "newer version" in err


# -- strategies and search ---------------------------------------------------------------


def test_translate_a_folder_or_missing_file(tmp_path, capsys):
    assert main(["query", "translate", str(tmp_path), "--from", "pubmed", "--to", "ovid-medline"]) == 2
    assert "cannot read the strategy (Is a directory)" in capsys.readouterr().err


def test_translate_utf16_export(tmp_path, capsys):
    src = tmp_path / "history.txt"
    src.write_text("mentor[ti] AND student[tiab]\n", encoding="utf-16")
    assert main(["query", "translate", str(src), "--from", "pubmed", "--to", "ovid-medline"]) == 0
    assert capsys.readouterr().out == "1 mentor.ti. and student.ti,ab.\n"


def test_translate_impossible_searched_date(tmp_path, capsys):
    src = tmp_path / "q.txt"
    src.write_text("mentor[ti]\n", encoding="utf-8")
    assert main(["query", "translate", str(src), "--from", "pubmed", "--to", "pubmed", "--searched", "2020-13-45"]) == 2
    assert "--searched takes YYYY-MM-DD, a real date, not '2020-13-45'" in capsys.readouterr().err


def test_render_lines_and_no_numbers_conflict(project, capsys):
    with pytest.raises(SystemExit) as exc:
        run(project, "query", "render", "--to", "ovid-medline", "--lines", "--no-numbers")
    assert exc.value.code == 2
    assert "not allowed with argument --lines" in capsys.readouterr().err


@pytest.mark.parametrize("argv, words", [
    (["queries/mentoring-medical-students.yaml", "--query", "x"], "give a strategy file"),
    (["--query", "x", "--format", "csv"], "--format and --output go with --log"),
    (["--log", "--query", "x"], "--log prints the log"),
])
def test_search_conflicting_arguments(project, capsys, argv, words):
    assert run(project, "search", *argv) == 2
    assert words in capsys.readouterr().err


def test_search_with_a_url_that_is_not_http(project, capsys, monkeypatch):
    monkeypatch.setenv("NCBI_EMAIL", "test@example.org")
    monkeypatch.setenv("REVIEW_EUTILS_URL", "localhost:8080/eutils")
    assert run(project, "search", "--query", "mentor[ti]") == 1
    assert "'localhost:8080/eutils' (REVIEW_EUTILS_URL) is not an http(s) URL" in capsys.readouterr().err


def test_search_with_a_bad_retry_setting(project, capsys, monkeypatch):
    monkeypatch.setenv("NCBI_EMAIL", "test@example.org")
    config = (project.root / "review.yaml").read_text(encoding="utf-8")
    (project.root / "review.yaml").write_text(config.replace("pubmed:\n", "pubmed:\n  timeout: soon\n"), encoding="utf-8")
    assert run(project, "search", "--query", "mentor[ti]") == 1
    assert "pubmed.timeout takes a number, not 'soon'" in capsys.readouterr().err


def test_search_against_a_server_that_refuses(project, capsys, monkeypatch):
    url = f"http://127.0.0.1:{unused_port()}/entrez/eutils/"
    monkeypatch.setenv("NCBI_EMAIL", "test@example.org")
    monkeypatch.setenv("REVIEW_EUTILS_URL", url)
    config = (project.root / "review.yaml").read_text(encoding="utf-8")
    (project.root / "review.yaml").write_text(config.replace("pubmed:\n", "pubmed:\n  max_retries: 0\n"), encoding="utf-8")
    assert run(project, "search", "--query", "mentor[ti]") == 1
    err = capsys.readouterr().err
    assert f"no usable answer from E-utilities at {url}" in err and "check the network" in err
    assert run(project, "status", "--json") == 0
    assert '"imports": 0' in capsys.readouterr().out


# -- arguments ---------------------------------------------------------------------------


@pytest.fixture
def deduped(project, capsys):
    assert run(project, "import", str(SAMPLE), "--database", "PubMed") == 0
    assert run(project, "dedup") == 0
    capsys.readouterr()
    return project


def _events(project) -> int:
    engine = sa.create_engine(f"sqlite:///{project.data_dir / 'review.sqlite'}")
    with engine.connect() as conn:
        n = conn.execute(sa.text("select count(*) from events")).scalar_one()
    engine.dispose()
    return n


def test_dedup_same_pair_confirmed_and_rejected(deduped, capsys):
    before = _events(deduped)
    assert run(deduped, "dedup", "--confirm", "3-4", "--reject", "4-3") == 2
    assert "pair 3-4 is both confirmed and rejected" in capsys.readouterr().err
    assert _events(deduped) == before


def test_dedup_pending_with_a_decision(deduped, capsys):
    before = _events(deduped)
    assert run(deduped, "dedup", "--pending", "--confirm", "1-2") == 2
    assert "run it on its own" in capsys.readouterr().err
    assert _events(deduped) == before


@pytest.mark.parametrize("argv", [
    ["dedup", "--input", str(SAMPLE), "--out", "{missing}/clusters.csv"],
    ["export", "records", "--format", "csv", "--out", "{missing}/records.csv"],
    ["search", "--log", "--output", "{missing}/log.md"],
    ["prisma", "--draft", "--out", "{folder}"],
])
def test_output_path_checked_before_any_work(project, capsys, tmp_path, argv):
    argv = [a.format(missing=tmp_path / "no-such-folder", folder=tmp_path) for a in argv]
    with pytest.raises(SystemExit) as exc:
        run(project, *argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "the folder" in err and "does not exist" in err or "is a folder" in err
    assert not (tmp_path / "no-such-folder").exists()


def test_write_failure_is_a_message(project, capsys, monkeypatch, tmp_path):
    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "write_text", refuse)
    assert run(project, "export", "records", "--format", "csv", "--out", str(tmp_path / "r.csv")) == 1
    assert "r.csv: cannot write 0 records (Permission denied)" in capsys.readouterr().err


def test_import_impossible_searched_date(project, capsys):
    assert run(project, "import", str(SAMPLE), "--database", "PubMed", "--searched", "2020-02-31") == 1
    assert capsys.readouterr().err == "review: --searched takes YYYY-MM-DD, a real date, not '2020-02-31'\n"


def test_import_map_without_an_equals_sign(project, capsys):
    assert run(project, "import", str(SAMPLE), "--database", "PubMed", "--map", "title") == 1
    assert capsys.readouterr().err == "review: --map takes FIELD=COLUMN, not 'title'\n"
    assert run(project, "status", "--json") == 0
    assert json.loads(capsys.readouterr().out)["totals"]["imports"] == 0  # nothing stored


def test_a_relative_sqlite_path_in_review_yaml_is_read_from_the_project_folder(project, tmp_path, monkeypatch):
    from review.project import load_project

    monkeypatch.delenv("REVIEW_DATABASE_URL", raising=False)
    append_config(project, "database_url: sqlite:///data/team.sqlite\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    url = load_project(project.root).database_url
    assert url == f"sqlite:///{(project.root / 'data' / 'team.sqlite').resolve()}"


def test_settings_errors_name_the_project_file_and_the_setting_line(tmp_path):
    from review.project import config_line, locate_config_message

    path = tmp_path / "review.yaml"
    path.write_text("name: x\nscreening:\n  order: random\n  seed: twelve\npubmed:\n  timeout: soon\n",
                    encoding="utf-8")
    assert config_line(path, "screening.seed") == 4 and config_line(path, "pubmed.timeout") == 6
    assert config_line(path, "screening.pilot") == 2  # not there: its section's line
    assert locate_config_message("review.yaml: screening.seed must be a whole number, not 'twelve'", path) == (
        f"{path}, line 4: screening.seed must be a whole number, not 'twelve'")
    assert locate_config_message("review.yaml: pubmed.timeout takes a number, not 'soon'", path).startswith(
        f"{path}, line 6: pubmed.timeout")
    assert locate_config_message("something else", path) == "something else"
