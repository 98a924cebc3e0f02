"""YAML strategy files: what they may say, and errors that name the file and line."""

from __future__ import annotations

import textwrap

import pytest

from review.strategy.model import DATABASES
from review.strategy import StrategyError, load_strategy, render, strategy_from_yaml
from review.strategy.model import Bool, Fielded, Heading, Near, Term

BASE = """\
title: Test
blocks:
  - name: a
    fields: [ti, ab]
    terms:
      - {text: mentor*}
  - name: b
    terms:
      - {mesh: Students, explode: true}
"""


def load(text: str):
    return strategy_from_yaml(textwrap.dedent(text), "s.yaml")


def error(text: str) -> str:
    with pytest.raises(StrategyError) as exc:
        load(text)
    return str(exc.value)


def test_defaults_and_combination():
    s = load(BASE)
    assert [b.name for b in s.blocks] == ["a", "b"]
    assert s.combine == Bool("and", (s.combine.operands[0], s.combine.operands[1]))
    assert s.blocks[0].entries[0].expr == Fielded(Term("mentor*"), ("ti", "ab"))
    # a MeSH heading is for the databases indexed with MeSH, no others
    assert s.blocks[1].entries[0].databases == frozenset({"pubmed", "ovid-medline", "cochrane"})
    assert render(s, "pubmed").text == 'mentor*[tiab] AND "Students"[mh]\n'


def test_term_forms():
    s = load(BASE + """\
  - name: c
    fields: [ti, ab]
    terms:
      - {near: [[heart, cardiac], failure], adj: 3}
      - {near: [oral, mucosa]}
      - {text: tumo$r, fields: ti}
      - {mesh: Dementia, major: true, subheadings: [di, px]}
      - {ovid-medline: "(reflect* adj3 practice).ti,ab."}
      - {ovid-embase: "exp balint group/"}
      - any:
          - {text: a}
          - {text: b}
        not: {text: c}
combine: (a OR c) AND b
""")
    entries = s.block("c").entries
    assert entries[0].expr == Fielded(Near((Bool("or", (Term("heart"), Term("cardiac"))), Term("failure")), 3), ("ti", "ab"))
    assert entries[1].expr == Fielded(Near((Term("oral"), Term("mucosa")), None, ordered=True), ("ti", "ab"))
    assert entries[2].expr == Fielded(Term("tumo*r"), ("ti",))
    assert entries[3].expr == Heading("Dementia", major=True, subheadings=("di", "px"))
    assert entries[4].databases == frozenset(DATABASES)
    assert entries[5].databases == frozenset({"ovid-embase", "embase-com"})
    assert entries[6].expr.op == "not"
    # Ovid MEDLINE: the ovid-embase entry left out, the any/not group bracketed, (a or c) and b
    assert render(s, "ovid-medline").text == (
        "1 mentor*.ti,ab.\n2 exp Students/\n3 ((heart or cardiac) adj3 failure).ti,ab.\n"
        "4 (oral adj mucosa).ti,ab.\n5 tumo*r.ti.\n6 *Dementia/di,px\n7 (reflect* adj3 practice).ti,ab.\n"
        "8 (a.ti,ab. or b.ti,ab.) not c.ti,ab.\n9 or/3-8\n10 (1 or 9) and 2\n")


def test_block_for_one_database_only():
    s = load(BASE.replace("{text: mentor*}", "{text: mentor*, databases: [ovid-embase]}"))
    with pytest.raises(StrategyError, match="block 'a' has no terms for PubMed"):
        render(s, "pubmed")


@pytest.mark.parametrize("text, line, words", [
    (BASE + "extra: 1\n", 10, "unknown strategy key 'extra'"),
    (BASE.replace("    terms:\n      - {text: mentor*}\n", "    terms: []\n"), 5, "block 'a' is empty"),
    (BASE.replace("    fields: [ti, ab]\n", ""), 5, "free text needs fields"),
    (BASE.replace("[ti, ab]", "[ti, xx]"), 4, "unknown field code 'xx'"),
    (BASE + "combine: a AND c\n", 10, "no block named 'c'"),
    (BASE + "combine: (a AND b\n", 10, "bracket is not closed"),
    (BASE.replace("{text: mentor*}", "{text: mentor*, mesh: X}"), 6, "exactly one of"),
    (BASE.replace("{text: mentor*}", "mentor*"), 6, "a term is a mapping"),
    (BASE.replace("{text: mentor*}", '{ovid-medline: "(mentor* adj3 program*.ti,ab."}'), 6, "never closed"),
    (BASE + "limits: {years: 2008}\n", 10, "years: takes START-END"),
    (BASE + "searched: yesterday\n", 10, "'searched' takes YYYY-MM-DD"),
    (BASE.replace("  - name: b\n", "  - name: a\n"), 7, "two blocks are named 'a'"),
    ("title: x\nblocks:\n  - name: a\n    terms: [\n", 5, "not valid YAML"),
    # an unclosed quotation mark or bracket: the line where it was opened, not the end of the file
    (BASE.replace("{text: mentor*}", '{text: "mentor*}'), 6, "the quotation mark at line 6, column 16 is not closed"),
    (BASE.replace("{text: mentor*}", "{text: mentor*"), 6, "the '{' at line 6, column 9 is not closed"),
    # values of the wrong kind: errors, not a traceback or a rendered "{'b': 1}"
    (BASE + "searched: 2018-02-30\n", 10, "'2018-02-30' is not a date"),
    (BASE + "searched: '2018-02-30'\n", 10, "'searched' takes YYYY-MM-DD, a real date"),
    (BASE + "[1]: 2\n", 10, "a key must be a word"),
    (BASE.replace("{mesh: Students, explode: true}", "{mesh: Students, subheadings: 5}"), 9, "unknown subheading '5'"),
    (BASE.replace("{mesh: Students, explode: true}", "{mesh: Students, subheadings: {a: 1}}"), 9,
     "subheadings: takes a word or a list of words"),
    (BASE.replace("{text: mentor*}", "{text: mentor*, databases: {a: 1}}"), 6, "databases: takes a word"),
    (BASE.replace("{text: mentor*}", "{near: [mentor*, {b: 1}]}"), 6, "near: takes a word or a list of words, not {'b': 1}"),
    (BASE + "limits: {publication_types: [{a: 1}]}\n", 10, "publication_types: takes a word"),
    (BASE + "limits: {years: 2018-2008}\n", 10, "ends before it starts"),
    ("", 1, "the strategy is empty"),
    ("# only a comment\n", 1, "the strategy is empty"),
])
def test_errors_name_the_line(text, line, words):
    message = error(text)
    assert message.startswith(f"s.yaml, line {line}: "), message
    assert words in message


def test_databases_may_be_one_name():
    assert load("databases: pubmed\n" + BASE).databases == ("pubmed",)


def test_a_file_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes(b"title: x\nblocks:\n  - name: caf\xe9\n")
    with pytest.raises(StrategyError, match=r"s.yaml, line 3: not UTF-8 text"):
        load_strategy(path)


def test_missing_file(tmp_path):
    with pytest.raises(StrategyError, match="cannot read"):
        load_strategy(tmp_path / "nope.yaml")
