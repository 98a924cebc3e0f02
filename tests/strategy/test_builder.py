"""review.strategy.builder: the term form, each database's lines with warnings, a pasted strategy as blocks."""

from __future__ import annotations

from pathlib import Path

from review.strategy import load_strategy, parse_ovid, parse_pubmed, render
from review.strategy.builder import database_views, draft_from_pasted, form_of_term, term_from_form
from review.strategy.load import strategy_from_yaml

ROOT = Path(__file__).resolve().parents[2]


def test_term_form_round_trip():
    term = term_from_form("near", "medical|medicine, student*", fields="ti, ab", adj=3)
    assert term == {"near": [["medical", "medicine"], "student*"], "adj": 3, "fields": ["ti", "ab"]}
    assert term_from_form(**{k: v for k, v in form_of_term(term).items() if k not in ("explode", "major", "subheadings")}) == term
    heading = term_from_form("mesh", "Mentors", explode=True, subheadings="ed, px")
    assert heading == {"mesh": "Mentors", "explode": True, "major": False, "subheadings": ["ed", "px"]}
    assert form_of_term({"any": [{"text": "a"}]}) == {"kind": None}


def test_database_views_put_warnings_beside_the_blocks_line():
    s = load_strategy(ROOT / "queries" / "mentoring-medical-students.yaml")
    (pubmed,) = database_views(s, ("pubmed",))
    assert pubmed.text == render(s, "pubmed").text
    first = pubmed.lines[0]
    assert first.block == "Mentoring" and any("'mentor* adj3 program*'" in w for w in first.warnings)
    assert sum(len(ln.warnings) for ln in pubmed.lines) + len(pubmed.other_warnings) == len(render(s, "pubmed").warnings)


def test_a_pasted_ovid_strategy_becomes_blocks_that_render_back_line_for_line():
    text = (ROOT / "data" / "walkthrough" / "medline-strategy.txt").read_text(encoding="utf-8")
    yaml_text, notes = draft_from_pasted(parse_ovid(text, "ovid-medline"))
    s = strategy_from_yaml(yaml_text)
    assert [b.name for b in s.blocks] == ["concept1", "concept2", "concept3"] and notes == []
    assert render(s, "ovid-medline").text == text.strip() + "\n"


def test_a_pasted_pubmed_query_becomes_blocks():
    text = (ROOT / "data" / "walkthrough" / "a-pubmed-search.txt").read_text(encoding="utf-8")
    s = strategy_from_yaml(draft_from_pasted(parse_pubmed(text))[0])
    assert len(s.blocks[0].entries) == 5 and s.blocks[0].entries[0].expr.name == "Acne Vulgaris"
    assert render(s, "pubmed").text.startswith('(("Acne Vulgaris"[mh] OR Acne[tiab]')
