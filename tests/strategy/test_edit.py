"""review.strategy.edit: block and term operations on the YAML, refusals in the loader's words, undo."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.strategy import load_strategy, render
from review.strategy.edit import (
    EditRefused, add_block, add_term, edit_block, edit_term, move_block, move_term, new_draft, remove_block,
    remove_term, set_combination, set_limits, undo,
)
from review.strategy.model import Fielded, Heading, Term

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "queries" / "mentoring-medical-students.yaml"


@pytest.fixture
def draft():
    return new_draft(EXAMPLE.read_text(encoding="utf-8"), "example.yaml")


def test_adding_a_term_changes_one_line_and_keeps_every_comment(draft):
    after = add_term(draft, "mentoring", {"text": "preceptor*"})
    old, new = draft.text.splitlines(), after.text.splitlines()
    assert len(new) == len(old) + 1
    assert [ln for ln in new if ln not in old] == ["      - {text: preceptor*}"]
    assert all(ln in new for ln in old if "#" in ln)  # every comment kept
    block = after.strategy().block("mentoring")
    assert block.entries[-1].expr == Fielded(Term("preceptor*"), ("ti", "ab"))


def test_edit_move_remove_and_undo_each_step(draft):
    d1 = edit_term(draft, "mentoring", 0, {"mesh": "Mentors", "explode": False, "major": True})
    assert d1.strategy().block("mentoring").entries[0].expr == Heading("Mentors", explode=False, major=True)
    d2 = move_term(d1, "mentoring", 11, "population", 0)  # {text: mentorship, fields: [ti, ab, kw]}
    assert d2.strategy().block("population").entries[0].expr == Fielded(Term("mentorship"), ("ti", "ab", "kw"))
    assert len(d2.strategy().block("mentoring").entries) == 16
    d3 = remove_term(d2, "setting", 1)
    assert len(d3.strategy().block("setting").entries) == 7
    assert undo(d3).text == d2.text and undo(undo(d3)).text == d1.text and undo(undo(undo(d3))).text == draft.text
    with pytest.raises(EditRefused, match="nothing to undo"):
        undo(draft)


def test_moving_free_text_to_a_block_without_fields_keeps_its_fields(draft):
    # {near: [mentor*, program*], adj: 3} takes [ti, ab] from its block; 'setting' has no fields
    moved = move_term(draft, "mentoring", 9, "setting")
    assert moved.strategy().block("setting").entries[-1].expr.fields == ("ti", "ab")
    assert render(moved.strategy(), "ovid-medline").text.count("(mentor* adj3 program*).ti,ab.") == 1


def test_refusals_carry_the_loader_message_and_leave_the_draft_unchanged(draft):
    cases = [
        ({"near": ["mentor*"], "adj": 3}, "near: takes a list of two or more words"),
        ({"text": "\"mentor program"}, "write phrases without quotation marks"),
        ({"text": "mentor*", "fields": ["xx"]}, "unknown field code 'xx'"),
        ({"mesh": "Mentors", "subheadings": ["zz"]}, "unknown subheading 'zz'"),
        ({"near": ["a", "b"], "adj": 0}, "adj: takes a whole number >= 1"),
    ]
    for term, message in cases:
        with pytest.raises(EditRefused) as info:
            add_term(draft, "mentoring", term)
        assert message in info.value.message and info.value.block == "mentoring" and info.value.index == 17
        assert "line" not in info.value.message.split(":")[0]  # no line of a text the user never sees
    with pytest.raises(EditRefused, match="free text needs fields"):
        add_term(draft, "setting", {"text": "medical school*"})  # the block has no default fields


def test_block_operations_follow_in_the_combination(draft):
    d = add_block(draft, "outcome", {"text": "career*"}, label="Careers", fields=["ti", "ab"])
    assert "combine: mentoring AND setting AND population AND outcome" in d.text
    d = edit_block(d, "outcome", new_name="careers", label="Career choice")
    assert "combine: mentoring AND setting AND population AND careers" in d.text
    assert d.strategy().block("careers").title == "Career choice"
    d = move_block(d, "careers", 0)
    assert [b.name for b in d.strategy().blocks] == ["careers", "mentoring", "setting", "population"]
    d = remove_block(d, "setting")
    assert "combine: mentoring AND population AND careers" in d.text
    with pytest.raises(EditRefused, match="a block needs a name"):
        add_block(draft, "2bad", {"text": "x"}, fields=["ti"])
    with pytest.raises(EditRefused, match="two blocks are named 'setting'"):
        add_block(draft, "setting", {"text": "x"}, fields=["ti"])


def test_a_block_is_never_left_empty(draft):
    one = new_draft("title: t\nblocks:\n  - name: a\n    terms:\n      - {mesh: Mentors}\n")
    with pytest.raises(EditRefused, match="would be empty"):
        remove_term(one, "a", 0)
    with pytest.raises(EditRefused, match="at least one block"):
        remove_block(one, "a")


def test_combination_and_limits(draft):
    with pytest.raises(EditRefused, match="combine: no block named 'outcome'"):
        set_combination(draft, "mentoring AND outcome")
    d = set_combination(draft, "mentoring AND (setting OR population)")
    combine = d.strategy().combine
    assert combine.op == "and" and combine.operands[1].op == "or"
    d = set_limits(d, languages=["english", "norwegian"], humans=False, years="2010-2018")
    s = d.strategy()
    assert [(i.kind, i.value) for i in s.limits] == [("language", "english"), ("language", "norwegian"),
                                                     ("years", "2010-2018")]
    with pytest.raises(EditRefused, match="ends before it starts"):
        set_limits(d, years="2018-2010")


def test_saved_text_loads_as_the_same_strategy_from_a_file(draft, tmp_path):
    d = add_term(draft, "population", {"near": [["medical", "medicine"], "student*"], "adj": 2,
                                             "fields": ["ti", "ab"]})
    path = tmp_path / "s.yaml"
    path.write_text(d.text, encoding="utf-8")
    assert render(load_strategy(path), "pubmed").text == render(d.strategy(), "pubmed").text


def test_a_moved_term_keeps_its_comment_and_the_blank_lines_stay(draft):
    moved = move_term(draft, "mentoring", 4, "population")  # {emtree: balint group} # Emtree only...
    lines = moved.text.splitlines()
    (line,) = [ln for ln in lines if "balint group, explode" in ln]
    assert line.split("#", 1)[1].strip() == "Emtree only: MeSH has no such heading"
    assert lines.index(line) > lines.index("  - name: population")
    assert moved.text.count("\n\n") == draft.text.count("\n\n")
