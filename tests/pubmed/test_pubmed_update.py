"""`review search --update`: the stored strategy rerun for records PubMed added since the last
run's date; records already held are counted, not stored again; the run is an update of the
first one in the store, the search log and the methods draft."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from review import store
from review.cli import main
from review.pubmed.eutils import RateLimiter
from eutils_server import build_corpus


@pytest.fixture
def setup(project, make_server, monkeypatch):
    """A first run of "mentoring" (30 records), searched on a date moved back to the middle
    of the records' Entrez dates; then PubMed "adds" 10 more records to the query."""
    corpus = build_corpus(0)
    by_edat = sorted(corpus.real, key=lambda p: (corpus.records[p].edat, p))
    first, later = by_edat[::2][:20] + by_edat[1::2][:10], by_edat[1::2][10:20]
    corpus.add_query("mentoring", first)
    server = make_server(corpus)
    monkeypatch.setattr("review.pubmed.eutils.shared_limiter", lambda rate: RateLimiter(1000))
    monkeypatch.setenv("REVIEW_EUTILS_URL", server.url)
    monkeypatch.setenv("NCBI_EMAIL", "student@example.org")
    assert main(["--project", str(project.root), "search", "--query", "mentoring"]) == 0
    since = corpus.records[by_edat[len(by_edat) // 2]].edat
    engine = store.open_store(project.database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("update imports set searched_on = :d"), {"d": since.isoformat()})
    engine.dispose()
    corpus.add_query("mentoring", first + later)
    window = {p for p in first + later if since <= corpus.records[p].edat}
    return dict(project=project, server=server, since=since, window=window,
                old=window & set(map(int, first)), new=window & set(map(int, later)))


def _rows(project):
    engine = store.open_store(project.database_url)
    with engine.connect() as conn:
        rows = store.list_imports(conn)
        pmids = {row["id"]: {rec.pmid for _, rec in store.iter_records(conn, import_id=row["id"])} for row in rows}
    engine.dispose()
    return rows, pmids


def test_update_finds_old_and_new_records_and_stores_only_the_new(setup, capsys):
    project, server, since = setup["project"], setup["server"], setup["since"]
    assert setup["old"] and setup["new"]  # the window holds records of both kinds
    capsys.readouterr()
    before = len(server.log)
    assert main(["--project", str(project.root), "search", "--query", "mentoring", "--update"]) == 0
    out = capsys.readouterr().out
    assert f"PubMed update of import #1 (first searched {since.isoformat()}" in out
    assert (f"{len(setup['window'])} records in that window, {len(setup['old'])} already held, "
            f"{len(setup['new'])} new records stored as import #2") in out
    final = [e for e in server.log[before:] if e["endpoint"] == "esearch" and e["params"].get("usehistory")]
    assert final[0]["params"]["mindate"] == since.strftime("%Y/%m/%d")
    assert final[0]["params"]["maxdate"] == date.today().strftime("%Y/%m/%d")
    fetched = {p for e in server.log[before:] if e["endpoint"] == "efetch" for p in e["params"]["id"].split(",")}
    assert fetched == {str(p) for p in setup["new"]}  # records already held are not fetched again

    rows, pmids = _rows(project)
    first, update = rows
    assert pmids[2] == {str(p) for p in setup["new"]} and not pmids[1] & pmids[2]
    assert update["kind"] == "search" and update["searched_on"] == date.today().isoformat()
    assert update["query"] == first["query"] and update["total"] == len(setup["window"])
    assert update["report"]["update"] == {"update_of": 1, "since": since.isoformat(), "until": date.today().isoformat(),
                                          "found": len(setup["window"]), "already_held": len(setup["old"]),
                                          "new": len(setup["new"])}
    assert update["report"]["complete"] is True

    # the same day again: refused, nothing stored
    assert main(["--project", str(project.root), "search", "--query", "mentoring", "--update"]) == 1
    assert "last run on " + date.today().isoformat() in capsys.readouterr().err
    assert len(_rows(project)[0]) == 2


def test_update_reported_in_log_methods_and_prisma(setup, capsys):
    from review.pubmed.log import render_markdown, search_log
    from review.reporting.methods import gather_methods_facts, methods_text
    from review.reporting.prisma import prisma_counts, prisma_text

    project, since = setup["project"], setup["since"]
    assert main(["--project", str(project.root), "search", "--query", "mentoring", "--update"]) == 0
    today = date.today().isoformat()
    engine = store.open_store(project.database_url)
    md = render_markdown(search_log(engine))
    assert (f"Update of import #1 (first searched {since.isoformat()}): records added to PubMed (Entrez date) "
            f"from {since.isoformat()} to {today}: {len(setup['window'])} found, {len(setup['old'])} already held, "
            f"{len(setup['new'])} new") in md
    assert f"Updated on {today} (import #2)" in md
    from review.pubmed.log import render_csv
    import csv as csv_rows
    import io as io_rows

    rows = list(csv_rows.DictReader(io_rows.StringIO(render_csv(search_log(engine)))))
    assert [(r["import_id"], r["update_of"], r["update_window"]) for r in rows] == [
        ("1", "", ""), ("2", "1", f"{since.isoformat()} to {today}")]
    with engine.connect() as conn:
        text = methods_text(gather_methods_facts(conn, {"title": "t"}))
        outline = prisma_text(prisma_counts(conn))
    n = len(setup["new"])
    assert f"The search was updated on {today} ({n} new record{'s' if n != 1 else ''})." in text
    assert f"PubMed: {30 + n:,}" in outline
    assert f"search of {since.isoformat()} updated on {today}: {n:,} new record" in outline
    with engine.connect() as conn:
        counts = prisma_counts(conn)
    from review.reporting.diagram import render_svg
    from review.reporting.prisma import to_r_csv
    import csv as csv_module
    import io
    import re

    rows = {r["data"]: r["n"] for r in csv_module.DictReader(io.StringIO(to_r_csv(counts)))}
    assert rows["database_specific_results"] == f"PubMed (updated {today}), {30 + n}"
    words = " ".join(re.findall(r">([^<>]+)</t", render_svg(counts)))
    assert f"updated on {today}: {n:,} new" in words.replace("  ", " ")
    engine.dispose()


def test_update_needs_a_stored_run(project, server, monkeypatch, capsys):
    monkeypatch.setattr("review.pubmed.eutils.shared_limiter", lambda rate: RateLimiter(1000))
    monkeypatch.setenv("REVIEW_EUTILS_URL", server.url)
    monkeypatch.setenv("NCBI_EMAIL", "student@example.org")
    assert main(["--project", str(project.root), "search", "--query", "real", "--update"]) == 1
    assert "no stored run of this search to update" in capsys.readouterr().err
    assert server.log == []
    assert main(["--project", str(project.root), "search", "--query", "real", "--update", "--refresh"]) == 2
