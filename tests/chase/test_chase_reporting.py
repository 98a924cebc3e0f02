"""Chased records in every report: the PRISMA R/Shiny CSV and diagram, the methods draft
sentence and the PRISMA-S search log."""

from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa

from review.chase import plan_chase, run_chase
from review.pubmed.log import render_csv, render_markdown, search_log
from review.reporting.diagram import render_svg
from review.reporting.methods import gather_methods_facts, methods_text
from review.reporting.prisma import prisma_counts, to_r_csv
from review.screening import mark_not_retrieved

from test_chase import _vote, graph, held  # noqa: F401  (fixtures)


def _chased_and_screened(engine, client, graph):
    seeds, _, _ = plan_chase(engine, "full_text", ("backward", "forward"))
    run_chase(engine, client, seeds, ("backward", "forward"), round_number=1, searched_on="2026-11-30")
    with engine.connect() as conn:
        rid = {p: int(i) for i, p in conn.execute(sa.text("select id, pmid from records where pmid != ''")).all()}
    n0, n1, n2, n3 = (rid[str(graph[r])] for r in ("n0", "n1", "n2", "n3"))
    _vote(engine, n0, "title_abstract", "exclude")
    for r in (n1, n2, n3):
        _vote(engine, r, "title_abstract", "include")
    mark_not_retrieved(engine, n1, "not available", by="alice")
    _vote(engine, n2, "full_text", "exclude", reason="Wrong design")
    _vote(engine, n3, "full_text", "include")


def test_prisma_csv_and_diagram_fill_the_other_methods_column(store_engine, client, graph, held):
    held(store_engine)
    _chased_and_screened(store_engine, client, graph)
    with store_engine.connect() as conn:
        counts = prisma_counts(conn)
    n = {row["data"]: row["n"] for row in csv.DictReader(io.StringIO(to_r_csv(counts)))}
    assert n["citations_results"] == "4" and n["website_results"] == "0"
    assert (n["other_sought_reports"], n["other_notretrieved_reports"], n["other_assessed"]) == ("3", "1", "2")
    assert n["other_excluded"] == "Wrong design, 1" and n["new_studies"] == "5"
    words = " ".join(re.findall(r">([^<>]+)</t", render_svg(counts)))  # the diagram's text, lines joined
    assert "Citation searching (n = 4)" in words and "Identification of new studies via other methods" in words
    assert "Reports not retrieved (n = 1)" in words and "Wrong design (n = 1)" in words


def test_methods_draft_says_how_and_when_citations_were_searched(store_engine, client, graph, held):
    held(store_engine)
    _chased_and_screened(store_engine, client, graph)
    with store_engine.connect() as conn:
        text = methods_text(gather_methods_facts(conn, {"title": "t"}))
    assert ("Backward and forward citation searching of the 3 included studies was done on 2026-11-30 "
            "through PubMed's citation links (PubMed Central reference lists), in one round.") in text
    assert "Records were also identified through citation searching (4 records)." in text


def test_search_log_lists_the_chase_with_seeds_and_directions(store_engine, client, graph, held):
    ids = held(store_engine)
    _chased_and_screened(store_engine, client, graph)
    entries = search_log(store_engine)
    md = render_markdown(entries)
    assert "| 2 | Citation searching | PubMed (E-utilities elink) | 2026-11-30 | 7 | 4 | citation searching (E-utilities elink) [other methods: citation-searching] |" in md
    assert "Citation searching, round 1: backward and forward through PubMed's citation links (elink), 3 seed records chased" in md
    assert f"Seed record {ids['s3']} not chased: no PMID or DOI" in md
    assert f"| 1 | PMID {graph['s0']} backward (pubmed_pubmed_refs) (record {ids['s0']}) | 3 |" in md
    assert "PMID found by DOI" in md and "Links found: 8; to records already held (kept, not stored again): 3" in md
    rows = [r for r in csv.DictReader(io.StringIO(render_csv(entries))) if r["kind"] == "chase"]
    assert len(rows) == 6 and rows[0]["count"] == "3" and rows[0]["other_source"] == "citation-searching"
    assert {r["chase_round"] for r in rows} == {"1"}
