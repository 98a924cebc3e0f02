"""A stored search (store and CLI), the refusal/refresh rules, and the PRISMA-S log in md and csv."""

from __future__ import annotations

import csv
import io
import sys
from datetime import date

import pytest
import sqlalchemy as sa

from review import store
from review.cli import main
from review.pubmed.log import ovid_lines, render_csv, render_markdown, search_log
from review.pubmed.search import IncompleteSearchError, run_search
from review.pubmed.storing import store_search
from review.strategy import SearchLine

from cli_env import eutils_env, fast_rate  # noqa: F401 (fixtures)

STRATEGY_LINES = [
    SearchLine(1, '"Mentors"[mh] OR "Mentoring"[mh]', "mentoring"),
    SearchLine(2, '"Schools, Medical"[mh]', "setting"),
    SearchLine(3, "real", "final"),
]


@pytest.fixture
def fake_strategy_module(monkeypatch):
    """review.strategy's load_strategy(path) and search_lines(s, "pubmed") patched to answer with
    STRATEGY_LINES (raising=True: a renamed function fails here instead of going unpatched).

    The CLI's command modules are imported first: one imported while the patch is active
    (review.commands.query binds load_strategy at import) would keep the fake for later tests."""
    import review.strategy as module
    from review.cli import build_parser

    build_parser()

    class Strategy:
        limits = {"years": "2008-2018", "language": "English", "humans": True}

    monkeypatch.setattr(module, "load_strategy", lambda path: Strategy())
    monkeypatch.setattr(module, "search_lines",
                        lambda strategy, target: list(STRATEGY_LINES) if target == "pubmed" else [])
    return module


def _imports(project):
    engine = store.open_store(project.database_url)
    with engine.connect() as conn:
        rows = store.list_imports(conn)
        records = [rec for _, rec in store.iter_records(conn)]
    engine.dispose()
    return rows, records


# -- storing ------------------------------------------------------------------------------


def test_store_search_keeps_everything_prisma_s_needs(store_engine, server, make_client):
    run = run_search(make_client(server, rate=1000), STRATEGY_LINES, limits={"language": "English"})
    summary = store_search(store_engine, run, fingerprint="abc")
    with store_engine.connect() as conn:
        row = store.get_import(conn, summary.import_id)
        stored = [rec for _, rec in store.iter_records(conn, import_id=summary.import_id)]
        events = store.list_events(conn, "search")
    assert row["kind"] == "search" and row["database"] == "PubMed"
    assert row["interface"] == "PubMed (E-utilities)"
    assert row["searched_on"] == date.today().isoformat()
    assert row["query"] == "real" and row["query_translation"] == "real"
    assert row["limits"] == {"language": "English"}
    assert [c["line"] for c in row["line_counts"]] == [1, 2, 3]
    assert row["line_counts"][2] == {"line": 3, "query": "real", "label": "final", "count": 49}
    assert row["total"] == 49 == row["records_read"] == summary.records_stored
    assert sorted(r.pmid for r in stored) == sorted(run.pmids) and len(set(run.pmids)) == 49
    assert all(r.source_database == "PubMed" for r in stored)
    assert row["report"]["pmids"] == run.pmids and row["report"]["complete"] is True
    assert row["report"]["fingerprint"] == "abc"
    assert events[0]["payload"]["records"] == 49


def test_store_search_is_one_transaction(store_engine, server, make_client, monkeypatch):
    run = run_search(make_client(server, rate=1000), [SearchLine(1, "real")])
    real_add = store.add_records

    def add_half_then_fail(conn, import_id, items, **kw):
        real_add(conn, import_id, list(items)[:10], **kw)
        raise RuntimeError("disk full")

    monkeypatch.setattr("review.pubmed.storing.store.add_records", add_half_then_fail)
    with pytest.raises(RuntimeError):
        store_search(store_engine, run)
    with store_engine.connect() as conn:
        assert store.list_imports(conn) == []
        assert conn.execute(sa.text("select count(*) from records")).scalar() == 0


def test_incomplete_run_is_refused_unless_allowed(store_engine, server, make_client, small_corpus):
    server.withheld.add(small_corpus.real[0])
    run = run_search(make_client(server, rate=1000), [SearchLine(1, "real")])
    assert run.missing == [str(small_corpus.real[0])] and not run.complete
    with pytest.raises(IncompleteSearchError) as info:
        store_search(store_engine, run)
    assert str(small_corpus.real[0]) in str(info.value)
    with store_engine.connect() as conn:
        assert store.list_imports(conn) == []
    summary = store_search(store_engine, run, allow_missing=True)
    with store_engine.connect() as conn:
        row = store.get_import(conn, summary.import_id)
    assert row["records_skipped"] == 1 and row["report"]["missing"] == run.missing
    assert summary.records_stored == 48


# -- the CLI ---------------------------------------------------------------------------------


def test_review_search_runs_the_strategy_and_stores_it(project, eutils_env, fake_strategy_module, tmp_path, capsys):
    strategy = tmp_path / "strategy.yaml"
    strategy.write_text("name: test\n", encoding="utf-8")
    assert main(["--project", str(project.root), "search", str(strategy)]) == 0
    out = capsys.readouterr().out
    assert "49 of 49 records stored as import #1" in out
    rows, records = _imports(project)
    (row,) = rows
    assert row["kind"] == "search" and row["total"] == 49
    assert row["limits"] == {"years": "2008-2018", "language": "English", "humans": True}
    assert [c["label"] for c in row["line_counts"]] == ["mentoring", "setting", "final"]
    assert len(records) == 49 and len({r.pmid for r in records}) == 49
    assert (project.data_dir / "cache" / "eutils" / "runs").is_dir()

    # the same search again is refused; --refresh runs it again as a new search
    assert main(["--project", str(project.root), "search", str(strategy)]) == 1
    err = capsys.readouterr().err
    assert "use --update to add what PubMed has added since" in err and "--refresh to run it again" in err
    before = len(eutils_env.log)
    assert main(["--project", str(project.root), "search", str(strategy), "--refresh"]) == 0
    assert len(eutils_env.log) > before
    rows, records = _imports(project)
    assert [r["kind"] for r in rows] == ["search", "search"] and len(records) == 98


def test_default_strategy_comes_from_the_config(project, eutils_env, fake_strategy_module, capsys):
    path = project.path(project.config["strategy"])
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text("name: default\n", encoding="utf-8")
    assert main(["--project", str(project.root), "search"]) == 0
    assert "stored as import #1" in capsys.readouterr().out


def test_review_search_raw_query(project, eutils_env, capsys):
    assert main(["--project", str(project.root), "search", "--query", "mentor*[tiab]"]) == 0
    rows, _ = _imports(project)
    assert rows[0]["query"] == "mentor*[tiab]"
    assert [c["line"] for c in rows[0]["line_counts"]] == [1]


def test_worked_example_strategy_end_to_end(project, eutils_env, capsys):
    """The bundled strategy, rendered by review.strategy, run against the local server."""
    import review.strategy as strategy_module

    path = project.path(project.config["strategy"])
    lines = strategy_module.search_lines(strategy_module.load_strategy(path), "pubmed")
    assert main(["--project", str(project.root), "search"]) == 0
    rows, records = _imports(project)
    (row,) = rows
    assert [c["line"] for c in row["line_counts"]] == [line.number for line in lines]
    assert row["query"] == lines[-1].query
    assert row["total"] == len(records) == len({r.pmid for r in records})
    # the strategy's limits (queries/mentoring-medical-students.yaml), as data
    assert row["limits"] == [{"kind": "language", "value": "english"}, {"kind": "humans", "value": ""},
                             {"kind": "years", "value": "2008-current"}]
    assert main(["--project", str(project.root), "search", "--log"]) == 0
    md = capsys.readouterr().out
    assert all(f"| {line.number} | " in md for line in lines)


def test_missing_email_fails_with_instructions(project, server, fast_rate, monkeypatch, capsys):
    monkeypatch.setenv("REVIEW_EUTILS_URL", server.url)
    monkeypatch.delenv("NCBI_EMAIL", raising=False)
    assert main(["--project", str(project.root), "search", "--query", "real"]) == 1
    err = capsys.readouterr().err
    assert "NCBI_EMAIL" in err and "pubmed:" in err
    assert server.log == []  # nothing was sent without an email


def test_incomplete_search_fails_loudly_and_keeps_the_cache(project, eutils_env, small_corpus, capsys):
    eutils_env.withheld.add(small_corpus.real[5])
    assert main(["--project", str(project.root), "search", "--query", "real"]) == 1
    err = capsys.readouterr().err
    assert "1 of 49 records could not be fetched" in err and str(small_corpus.real[5]) in err
    assert _imports(project)[0] == []
    (missing_file,) = (project.data_dir / "cache" / "eutils").glob("*/missing-pmids.txt")
    assert missing_file.read_text().split() == [str(small_corpus.real[5])]
    # rerun: only the missing PMID is asked for again; stored with --allow-missing
    before = len(eutils_env.log)
    assert main(["--project", str(project.root), "search", "--query", "real", "--allow-missing"]) == 0
    again = eutils_env.log[before:]
    assert {e["endpoint"] for e in again} == {"efetch"}
    assert all(e["params"]["id"] == str(small_corpus.real[5]) for e in again)
    rows, records = _imports(project)
    assert len(records) == 48 and rows[0]["records_skipped"] == 1


def test_search_survives_injected_faults_end_to_end(project, eutils_env, capsys):
    import yaml

    config_path = project.root / "review.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["pubmed"]["backoff"] = 0.01  # the project's own setting: no long waits in a test
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    for kind in ("429", "500", "truncated", "html"):
        eutils_env.add_fault(kind, "efetch")
    eutils_env.add_fault("cut", "esearch")
    assert main(["--project", str(project.root), "search", "--query", "real", "--batch-size", "10"]) == 0
    rows, records = _imports(project)
    assert len(records) == 49 and rows[0]["report"]["requests"]["retries"] == 5


# -- the PRISMA-S log ----------------------------------------------------------------------------

OVID_HISTORY = """1     exp Mentors/     9411
2     exp Mentoring/     2107
3     (mentor* adj3 program*).ti,ab.     3020
4     or/1-3     12840
"""


def _file_import(engine, strategy_text: str) -> int:
    with engine.begin() as conn:
        import_id = store.add_import(conn, kind="file", database="MEDLINE", interface="Ovid",
                                     searched_on="2018-01-31", query=strategy_text,
                                     file_name="medline.ris", format="ris")
        store.update_import_counts(conn, import_id, records_read=83, records_skipped=0)
    return import_id


def test_log_in_markdown_and_csv(project, eutils_env, fake_strategy_module, capsys):
    strategy = project.root / "s.yaml"
    strategy.write_text("x: 1\n", encoding="utf-8")
    assert main(["--project", str(project.root), "search", str(strategy)]) == 0
    engine = store.open_store(project.database_url)
    _file_import(engine, OVID_HISTORY)
    with engine.begin() as conn:
        store.add_import(conn, kind="file", database="Embase", interface="Ovid", file_name="embase.ris")
    engine.dispose()
    capsys.readouterr()

    assert main(["--project", str(project.root), "search", "--log"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Search log (PRISMA-S)")
    assert "| 1 | PubMed | PubMed (E-utilities) | " + date.today().isoformat() + " | 49 | 49 |" in md
    assert '| 1 | "Mentors"[mh] OR "Mentoring"[mh] (mentoring) |' in md
    assert "| 3 | real (final) | 49 |" in md
    assert "Search details (NCBI's translation of the final query)" in md
    assert "Limits: years: 2008-2018; language: English; humans: yes" in md
    assert "## #2 MEDLINE via Ovid, searched 2018-01-31" in md
    assert "| 3 | (mentor* adj3 program*).ti,ab. | 3,020 |" in md
    assert "exp Mentors/     9411" in md  # verbatim too
    assert "Strategy: not attached" in md  # the Embase file without --strategy

    assert main(["--project", str(project.root), "search", "--log", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    search_rows = [r for r in rows if r["kind"] == "search"]
    assert search_rows[2]["count"] == "49" and search_rows[2]["query"] == "real"
    assert search_rows[0]["label"] == "mentoring" and search_rows[0]["records_found"] == "49"
    assert [r["line"] for r in search_rows] == ["1", "2", "3"]
    medline = [r for r in rows if r["database"] == "MEDLINE"]
    assert [(r["line"], r["count"]) for r in medline] == [("1", "9411"), ("2", "2107"), ("3", "3020"), ("4", "12840")]
    embase = [r for r in rows if r["database"] == "Embase"]
    assert len(embase) == 1 and embase[0]["line"] == "" and embase[0]["records_found"] == "0"


def test_log_written_to_a_file(project, capsys):
    target = project.root / "search-log.md"
    assert main(["--project", str(project.root), "search", "--log", "--output", str(target)]) == 0
    assert "No searches or imports yet" in target.read_text(encoding="utf-8")
    out, err = capsys.readouterr()
    assert out == ""  # stdout stays free for the log itself, as with the other exports
    assert f"wrote the search log (0 searches and imports) to {target}" in err


def test_log_file_holds_what_the_screen_shows(project, capsys):
    engine = store.open_store(project.database_url)
    _file_import(engine, OVID_HISTORY)
    engine.dispose()
    assert main(["--project", str(project.root), "search", "--log", "--format", "csv"]) == 0
    shown = capsys.readouterr().out
    target = project.root / "search-log.csv"
    assert main(["--project", str(project.root), "search", "--log", "--format", "csv",
                 "--output", str(target)]) == 0
    assert target.read_bytes().decode("utf-8") == shown and "12840" in shown
    assert "(1 searches and imports)" in capsys.readouterr().err


def test_ovid_lines_only_when_every_line_fits():
    assert [(l.number, l.count) for l in ovid_lines(OVID_HISTORY)] == [(1, 9411), (2, 2107), (3, 3020), (4, 12840)]
    assert ovid_lines("1. exp Mentors/ (9,411)")[0].count == 9411
    assert ovid_lines("Database: Ovid MEDLINE\n1 exp Mentors/ 9411") == []


def test_log_pipes_and_fences_are_escaped(store_engine):
    _file_import(store_engine, "a | b\n```\nodd\n")
    md = render_markdown(search_log(store_engine))
    # the strategy verbatim (pipe included) inside a fence longer than the ``` it holds
    assert "\n````\na | b\n```\nodd\n````\n" in md
    # the CSV cell round-trips the text exactly, pipe, newlines and backticks included
    (row,) = csv.DictReader(io.StringIO(render_csv(search_log(store_engine))))
    assert row["query"] == "a | b\n```\nodd\n" and row["records_found"] == "83"


def test_import_strategy_text_reaches_the_log(project, tmp_path, capsys):
    from pathlib import Path

    xml = Path(__file__).resolve().parent.parent / "data" / "pubmed" / "pubmed1.xml"
    history = tmp_path / "history.txt"
    history.write_text(OVID_HISTORY, encoding="utf-8")
    assert main(["--project", str(project.root), "import", str(xml), "--database", "MEDLINE",
                 "--interface", "Ovid", "--searched", "2018-01-31", "--strategy", str(history)]) == 0
    assert main(["--project", str(project.root), "search", "--log"]) == 0
    md = capsys.readouterr().out
    assert "| 4 | or/1-3 | 12,840 |" in md


def test_killed_midway_then_resumed_without_refetching(project, server, fast_rate, monkeypatch, capsys):
    """`review search` in a real process, killed (SIGKILL) while it waits for its 3rd efetch."""
    import os
    import signal
    import subprocess
    import time
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent.parent
    server.add_fault("timeout", "efetch", after=2, delay=30.0)  # the 3rd batch hangs
    env = dict(os.environ, REVIEW_EUTILS_URL=server.url, NCBI_EMAIL="student@example.org",
               PYTHONPATH=str(repo))
    env.pop("NCBI_API_KEY", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "review", "--project", str(project.root), "search", "--query", "real",
         "--batch-size", "10"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while len(server.requests_to("efetch")) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    first = [dict(e) for e in server.log]
    done = {e["params"]["id"] for e in first if e["endpoint"] == "efetch" and e["fault"] is None}
    assert len(done) == 2 and _imports(project)[0] == []

    monkeypatch.setenv("REVIEW_EUTILS_URL", server.url)
    monkeypatch.setenv("NCBI_EMAIL", "student@example.org")
    server.faults.clear()
    assert main(["--project", str(project.root), "search", "--query", "real", "--batch-size", "10"]) == 0
    assert "continuing the run" in capsys.readouterr().err
    again = server.log[len(first):]
    assert {e["endpoint"] for e in again} == {"efetch"}  # einfo and esearch came from the cache
    assert not done & {e["params"]["id"] for e in again}
    rows, records = _imports(project)
    assert len(rows) == 1 and len(records) == 49 and len({r.pmid for r in records}) == 49


def test_each_run_records_the_strategy_version_it_ran_and_reruns_keep_the_history(project, eutils_env, capsys):
    """The PRISMA-S log shows, for each PubMed run, the saved version of the strategy file it ran,
    even after the file changed and the search was run again."""
    from review.strategy.versions import list_versions

    path = project.path(project.config["strategy"])
    first_text = path.read_text(encoding="utf-8")
    assert main(["--project", str(project.root), "query", "save", "--by", "ana"]) == 0
    assert main(["--project", str(project.root), "search"]) == 0
    assert "queries/mentoring-medical-students.yaml version 1" in capsys.readouterr().out
    # edited by hand (not saved), then run again
    path.write_text(first_text.replace("2008-current", "2010-current"), encoding="utf-8")
    assert main(["--project", str(project.root), "search", "--refresh"]) == 0
    rows, _ = _imports(project)
    assert [r["report"]["strategy_version"]["version"] for r in rows] == [1, 2]
    engine = store.open_store(project.database_url)
    with engine.connect() as conn:
        versions = list_versions(conn, "queries/mentoring-medical-students.yaml")
    assert [v.text for v in versions] == [first_text, path.read_text(encoding="utf-8")]
    entries = search_log(engine)
    engine.dispose()
    md = render_markdown(entries)
    assert "Strategy file as run: queries/mentoring-medical-students.yaml, version 1 (" in md
    assert "Strategy file as run: queries/mentoring-medical-students.yaml, version 2 (" in md
    assert "years: 2008-current" in md and "years: 2010-current" in md  # each version's text, as run
    rows = list(csv.DictReader(io.StringIO(render_csv(entries))))
    assert {r["strategy_version"].split(" (")[0] for r in rows} == {
        "queries/mentoring-medical-students.yaml, version 1", "queries/mentoring-medical-students.yaml, version 2"}
