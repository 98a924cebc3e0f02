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


TERM_WARNINGS = """title: T
databases: [pubmed, ovid-medline, ovid-embase, ovid-psycinfo, cochrane]
blocks:
  - name: a
    label: A
    fields: [ti, ab]
    terms:
      - {mesh: Mentors, explode: true}
      - {emtree: mentor, explode: true}
      - {text: tutor*}
      - {near: [mentor*, program*], adj: 3}
      - {text: mentorship, fields: [ti, ab, kw]}
  - name: b
    label: B
    terms:
      - {mesh: "Students, Medical"}
      - {near: [peer, tutor*], adj: 2, ordered: true, fields: [ti, ab]}
combine: a AND b
limits: {languages: [english]}
"""


def warned(view) -> dict[str, list[str]]:
    return {ln.label: ln.warnings for ln in view.lines if ln.warnings}


def test_each_warning_sits_beside_its_terms_own_line():
    s = strategy_from_yaml(TERM_WARNINGS, "t.yaml")
    views = {v.database: v for v in database_views(s)}
    for v in views.values():  # every warning placed once, none lost
        assert sum(len(ln.warnings) for ln in v.lines) + len(v.other_warnings) == len(render(s, v.database).warnings)
    # Ovid: one line per term; the .kw. warning is on the mentorship line, not on the block's first line
    psyc = views["ovid-psycinfo"]
    kw_line = next(ln for ln in psyc.lines if ln.query.startswith("mentorship"))
    assert kw_line.label == "3" and [w.split(":")[0] for w in kw_line.warnings] == ["different"]
    assert "field .kw. does not exist in Ovid APA PsycInfo" in kw_line.warnings[0]
    assert warned(psyc)["4"] == ["narrower: block 'a': no APA Thesaurus heading given; free-text lines only"]  # or/1-3
    # ordered proximity Ovid cannot say: on that term's own line in MEDLINE and Embase
    order = "broader: Ovid adj2 cannot require word order: rendered unordered"
    medline, embase = views["ovid-medline"], views["ovid-embase"]
    assert [ln.query for ln in medline.lines][5:7] == ["Students, Medical/", "(peer adj2 tutor*).ti,ab."]
    assert warned(medline) == {"7": [order]}
    # Embase: block b gives a MeSH heading but no Emtree one: said on b's line (its only one there)
    assert [ln.query for ln in embase.lines][5] == "(peer adj2 tutor*).ti,ab."
    assert warned(embase) == {"6": ["narrower: block 'b': no Emtree heading given; free-text lines only", order]}
    # PubMed searches a block in one line: the block's terms' warnings are on it, the place left out
    pubmed = views["pubmed"]
    assert [ln.label for ln in pubmed.lines if ln.warnings] == ["1", "2"]
    assert pubmed.lines[0].warnings[0].startswith("broader: 'mentor* adj3 program*'")
    assert not any("t.yaml" in w for ln in pubmed.lines for w in ln.warnings)
    # a limit the database cannot type has no line of its own: said about the whole search, without its place
    assert views["cochrane"].other_warnings == [
        "broader: limit language english has no typed Cochrane Library form; left out of the search — set nothing "
        "(the Cochrane Library has no language limit)"]


def test_a_pasted_strategys_warnings_sit_beside_its_numbered_lines():
    s = parse_ovid("1 exp Mentors/\n2 (mentor* adj3 program*).ti,ab.\n3 1 or 2\n", "ovid-medline")
    (pubmed,) = database_views(s, ("pubmed",))
    assert warned(pubmed) == {"2": ["broader: 'mentor* adj3 program*': PubMed proximity does not take truncation or "
                                    "wildcards; searched with AND"]}


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
