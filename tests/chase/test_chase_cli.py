"""`review chase` as a command: output, faults, a kill midway and a rerun, --list, errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from review import store
from review.cli import main

from test_chase import graph, held  # noqa: F401  (fixtures)


@pytest.fixture
def project_store(project, held):
    engine = store.open_store(project.database_url)
    ids = held(engine)
    engine.dispose()
    return project, ids


def _state(project):
    engine = store.open_store(project.database_url)
    with engine.connect() as conn:
        chases = [r for r in store.list_imports(conn) if r["kind"] == "chase"]
        links = conn.execute(sa.text("select count(*) from chase_links")).scalar()
        records = conn.execute(sa.text("select count(*) from records")).scalar()
    engine.dispose()
    return chases, links, records


def test_review_chase_with_faults_then_rerun(project_store, eutils_env, graph, capsys):
    project, ids = project_store
    for kind in ("429", "500", "truncated", "html"):
        eutils_env.add_fault(kind, "elink")
    eutils_env.add_fault("cut", "efetch")
    eutils_env.add_fault("error", "esearch")
    assert main(["--project", str(project.root), "chase"]) == 0
    out = capsys.readouterr().out
    assert "citation searching, round 1" in out and "3 seeds chased" in out
    assert f"record {ids['s3']}: not chased: no PMID or DOI" in out
    assert f"record {ids['s2']} (PMID {graph['s2']}, found by its DOI): backward 1 found, 0 held, 1 new; forward 1 found, 1 held, 0 new" in out
    assert "4 new records stored as import #2 (Citation searching); 8 links kept, 3 of them to records already held" in out
    assert "6 retries" in out
    chases, links, records = _state(project)
    assert len(chases) == 1 and links == 8 and records == 10

    assert main(["--project", str(project.root), "chase"]) == 0
    assert "nothing new to chase" in capsys.readouterr().out
    assert main(["--project", str(project.root), "chase", "--seeds", str(ids["s0"]), str(ids["s1"])]) == 0
    assert "nothing new: all" in capsys.readouterr().out
    assert _state(project) == (chases, 8, 10)

    assert main(["--project", str(project.root), "chase", "--list"]) == 0
    listed = capsys.readouterr().out
    assert "round 1: import #2" in listed and "backward and forward: 3 seeds, 8 links, 3 to records already held, 4 records stored" in listed
    # s0 is included and s2 cites it: citation searching reached an included study too
    assert f"1 included study was also reached by citation links: record {ids['s0']} (1 link)" in listed


def test_backward_only_and_bad_seeds(project_store, eutils_env, graph, capsys):
    project, ids = project_store
    assert main(["--project", str(project.root), "chase", "--direction", "backward"]) == 0
    assert "3 new records stored" in capsys.readouterr().out
    assert {e["params"]["linkname"] for e in eutils_env.requests_to("elink")} == {"pubmed_pubmed_refs"}
    assert main(["--project", str(project.root), "chase", "--seeds", "abc"]) == 2
    assert "--seeds takes full_text, title_abstract or record ids" in capsys.readouterr().err
    assert main(["--project", str(project.root), "chase", "--seeds", "99999"]) == 1
    assert "no record (of an import that counts) with id 99999" in capsys.readouterr().err


def test_no_included_studies_yet(project, eutils_env, capsys):
    assert main(["--project", str(project.root), "chase"]) == 1
    assert "no seed records: no record is finally included at full text yet" in capsys.readouterr().err
    assert eutils_env.log == []


def test_killed_midway_then_resumed_without_asking_again(project_store, server, graph, fast_rate, monkeypatch, capsys):
    """`review chase` in a real process, killed (SIGKILL) while it waits for efetch."""
    project, _ = project_store
    repo = Path(__file__).resolve().parent.parent.parent
    server.add_fault("timeout", "efetch", delay=30.0)
    env = dict(os.environ, REVIEW_EUTILS_URL=server.url, NCBI_EMAIL="student@example.org", PYTHONPATH=str(repo))
    env.pop("NCBI_API_KEY", None)
    proc = subprocess.Popen([sys.executable, "-m", "review", "--project", str(project.root), "chase"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not server.requests_to("efetch") and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    first = len(server.log)
    assert {e["endpoint"] for e in server.log} == {"esearch", "elink", "efetch"}
    assert _state(project)[0] == []

    monkeypatch.setenv("REVIEW_EUTILS_URL", server.url)
    monkeypatch.setenv("NCBI_EMAIL", "student@example.org")
    server.faults.clear()
    assert main(["--project", str(project.root), "chase"]) == 0
    assert "continuing the chase" in capsys.readouterr().err
    assert {e["endpoint"] for e in server.log[first:]} == {"efetch"}  # DOI lookup and elink from the cache
    chases, links, records = _state(project)
    assert len(chases) == 1 and links == 8 and records == 10


def test_a_chased_near_duplicate_is_found_by_dedup_and_counted_as_already_identified(
        project_store, eutils_env, corpus, graph, capsys):
    """A held record without PMID or DOI cannot be matched while chasing: the chased copy is
    stored, and `review dedup` then counts it once (PRISMA: already identified)."""
    from test_chase import corpus_record

    from review.reporting.prisma import prisma_counts

    project, _ = project_store
    copy = corpus_record(corpus, graph["n3"])
    copy.pmid, copy.doi = "", ""
    engine = store.open_store(project.database_url)
    with engine.begin() as conn:
        imp = store.add_import(conn, kind="file", database="CINAHL", interface="EBSCOhost")
        store.add_records(conn, imp, [copy])
    engine.dispose()
    assert main(["--project", str(project.root), "chase"]) == 0
    assert "4 new records stored" in capsys.readouterr().out
    assert main(["--project", str(project.root), "status"]) == 0
    status = capsys.readouterr().out
    assert "Citation searching" in status
    assert main(["--project", str(project.root), "dedup"]) == 0
    engine = store.open_store(project.database_url)
    with engine.connect() as conn:
        counts = prisma_counts(conn)
    engine.dispose()
    assert counts.citations_results == 4 and counts.other_removed == 1
    assert counts.database_specific_results == {"Embase": 6, "CINAHL": 1}


def test_the_person_acting_is_as_name_and_by_still_works(project_store, eutils_env, graph, capsys):
    from review.commands.spelling import deprecation_note

    project, _ = project_store
    assert main(["--project", str(project.root), "chase", "--direction", "backward", "--as", "ana"]) == 0
    assert "note:" not in capsys.readouterr().err
    assert main(["--project", str(project.root), "chase", "--direction", "forward", "--by", "ben"]) == 0
    assert capsys.readouterr().err.splitlines()[0] == deprecation_note("--by", "--as NAME")
    engine = store.open_store(project.database_url)
    with engine.connect() as conn:
        assert [e["actor"] for e in store.list_events(conn, "chase")] == ["ana", "ben"]
    engine.dispose()
