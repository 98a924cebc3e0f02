"""review.strategy.counts: every PubMed term, block and line counted, flagged in NCBI's words."""

from __future__ import annotations

from pathlib import Path

from review.pubmed.cache import ResponseCache
from review.strategy import load_strategy, search_lines
from review.strategy.counts import count_strategy, term_query

EXAMPLE = Path(__file__).resolve().parents[2] / "queries" / "mentoring-medical-students.yaml"


def test_every_term_block_and_line_is_counted_once(server, make_client, tmp_path):
    s = load_strategy(EXAMPLE)
    server.corpus.add_query('"Mentors"[mh]', [])
    client = make_client(server, cache=ResponseCache(tmp_path / "counts-2026-12-06"))
    counts = count_strategy(client, s, day="2026-12-06")
    assert set(counts.blocks) == {"mentoring", "setting", "population"}
    assert counts.terms[("mentoring", 0)].query == '"Mentors"[mh]' and counts.terms[("mentoring", 0)].count == 0
    assert counts.terms[("mentoring", 0)].flags == ["PhraseNotFound: \"Mentors\"[mh]", "OutputMessage: No items found."]
    assert ("mentoring", 1) not in counts.terms  # an Emtree heading: not a PubMed term
    lines = search_lines(s, "pubmed")
    assert counts.blocks["mentoring"].count == len(server.corpus.resolve(lines[0].query))
    assert [label for label, _ in counts.lines] == [lines[3].label, lines[4].label]
    assert counts.lines[-1][1].count == len(server.corpus.resolve(lines[-1].query))
    asked = len(server.log)
    queries = {term_query(s, b.name, k) for b in s.blocks for k in range(len(b.entries))} - {None}
    assert asked == len(queries | {ln.query for ln in lines})  # each distinct text asked once
    again = count_strategy(make_client(server, cache=ResponseCache(tmp_path / "counts-2026-12-06")), s, day="2026-12-06")
    assert len(server.log) == asked and again.blocks["setting"].count == counts.blocks["setting"].count
