"""The Ovid parser on real Cochrane strategies, round trips, and its syntax errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from review.strategy import OvidSyntaxError, parse_ovid, render
from review.strategy.model import Bool, Fielded, Heading, Limited, LimitItem, Near, Ref, Term
from review.strategy.ovid import parse_expression

from .query_checks import balanced, unquoted

DATA = Path(__file__).resolve().parents[1] / "data" / "strategy"
REAL = sorted(p for p in (DATA / "clef").glob("*.txt") if p.name != "SOURCE.txt") + sorted(p for p in (DATA / "ovid-small").iterdir() if p.name.isdigit())
OVID_LEFTOVERS = re.compile(r"\badj\d*\b|\$|\.(?:ti|ab|tw|mp|sh|fs|kw|kf|pt|ot|au|ed|rn|nm)\b|\bexp\b|\w/(?:\s|$)|\bor/|\band/|\blimit\b", re.I)


def test_there_are_real_strategies():
    assert len(REAL) >= 30


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_strategy_parses_renders_and_round_trips(path):
    text = path.read_text(encoding="utf-8")
    strategy = parse_ovid(text, "ovid-medline", source=path.name)
    assert len(strategy.lines) == len([ln for ln in text.splitlines() if ln.strip()])

    # Ovid -> model -> Ovid -> model: the same strategy
    ovid = render(strategy, "ovid-medline")
    again = parse_ovid(ovid.text, "ovid-medline")
    assert [ln.expr for ln in again.lines] == [ln.expr for ln in strategy.lines]
    assert render(again, "ovid-medline").text == ovid.text

    # PubMed: every line balanced, no Ovid syntax left over, final line is the last line
    pubmed = render(strategy, "pubmed")
    assert len(pubmed.lines) == len(strategy.lines)
    for line in pubmed.lines:
        assert balanced(line.query), line.query
        assert not OVID_LEFTOVERS.search(unquoted(line.query)), line.query
        assert " and " not in unquoted(line.query) and " or " not in unquoted(line.query)
    assert pubmed.text == pubmed.lines[-1].query + "\n"
    for w in pubmed.warnings:
        assert re.match(r"line \d+ «.*»: (broader|narrower|different): ", w), w


def test_numbered_export_with_counts_and_headers():
    text = """Database: Ovid MEDLINE(R) <1946 to January Week 4 2018>
Search Strategy:
--------------------------------------------------------------------------------
1     exp Mentors/ (9411)
2     (mentor* adj3 program*).ti,ab.     3020
3     1 or 2	11000
***************************
"""
    s = parse_ovid(text)
    assert [ln.expr for ln in s.lines] == [
        Heading("Mentors", explode=True),
        Fielded(Near((Term("mentor*"), Term("program*")), 3), ("ti", "ab")),
        Bool("or", (Ref(1), Ref(2))),
    ]


def test_unnumbered_lines_are_numbered_by_position():
    s = parse_ovid("malaria\narte*\n2 or 1\n")
    assert s.lines[2].expr == Bool("or", (Ref(2), Ref(1)))
    assert s.lines[0].expr == Term("malaria")


def test_dotted_numbers_ranges_and_lists():
    s = parse_ovid("1. a.ti.\n2. b.ti.\n3. c.ti.\n4. or/1-3\n5. and/1,3-4\n")
    assert s.lines[3].expr == Bool("or", (Ref(1), Ref(2), Ref(3)))
    assert s.lines[4].expr == Bool("and", (Ref(1), Ref(3), Ref(4)))


@pytest.mark.parametrize("text, expected", [
    ("exp Mentors/", Heading("Mentors", explode=True)),
    ("Education, Medical, Undergraduate/", Heading("Education, Medical, Undergraduate")),
    ("*Lymphatic Metastasis/", Heading("Lymphatic Metastasis", major=True)),
    ("exp *Dementia/bl, cf [Blood, Cerebrospinal Fluid]", Heading("Dementia", explode=True, major=True, subheadings=("bl", "cf"))),
    ('"Sensitivity and Specificity"/', Heading("Sensitivity and Specificity", quoted=True)),
    ("mentorship.ti,ab,kw.", Fielded(Term("mentorship"), ("ti", "ab", "kw"))),
    ("medical student$.ti,ab", Fielded(Term("medical student*"), ("ti", "ab"))),
    ('"mini mental stat*".ti,ab.', Fielded(Term("mini mental stat*", quoted=True), ("ti", "ab"))),
    ("node*1.tw.", Fielded(Term("node*1"), ("tw",))),
    ("(oral adj mucosa$).tw.", Fielded(Near((Term("oral"), Term("mucosa*")), None), ("tw",))),
    ("(optic adj2 nerve$ adj2 head).tw.", Fielded(Near((Term("optic"), Term("nerve*"), Term("head")), 2), ("tw",))),
    ("drug therapy.fs.", Fielded(Term("drug therapy"), ("fs",))),
    ("exp animals/ not humans.sh.", Bool("not", (Heading("animals", explode=True), Fielded(Term("humans"), ("sh",))))),
    ("(tuberculosis or TB). tw.", Fielded(Bool("or", (Term("tuberculosis"), Term("TB"))), ("tw",))),
    ("\u201cmini-Cog\u201d.ti,ab.", Fielded(Term("mini-Cog", quoted=True), ("ti", "ab"))),
    ("(operation$ adj3 criteri$).mp. [mp=title, abstract, original title]", Fielded(Near((Term("operation*"), Term("criteri*")), 3), ("mp",))),
])
def test_line_forms(text, expected):
    assert parse_expression(text, max_ref=None) == expected


def test_limit_lines():
    s = parse_ovid('1 a.ti.\n2 limit 1 to (english language and humans and yr="2008 -Current")\n'
                   '3 Limit 2 to ed=20120101-20131231\n4 limit 3 to "reviews (maximizes specificity)"\n')
    assert s.lines[1].expr == Limited(Ref(1), (LimitItem("language", "english"), LimitItem("humans"), LimitItem("years", "2008-current")))
    assert s.lines[2].expr == Limited(Ref(2), (LimitItem("entry_date", "20120101-20131231"),))
    assert s.lines[3].expr == Limited(Ref(3), (LimitItem("raw", '"reviews (maximizes specificity)"'),))


def test_embase_headings_are_emtree():
    s = parse_ovid("exp mentor/\nmentorship.ti,ab,kw.\n", "ovid-embase")
    assert s.lines[0].expr == Heading("mentor", explode=True, vocabulary="emtree")


def test_mixed_operators_without_brackets_warn():
    s = parse_ovid("a.ti.\nb.ti.\nc.ti.\n1 or 2 and 3\n")
    assert s.lines[3].expr == Bool("or", (Ref(1), Bool("and", (Ref(2), Ref(3)))))
    assert s.warnings and s.warnings[0].startswith("line 4 «1 or 2 and 3»: check: ")
    assert render(s, "pubmed").warnings[0] == s.warnings[0]
    assert not parse_ovid("a.ti.\nb.ti.\nc.ti.\n1 or (2 and 3)\n").warnings


# --- syntax errors: line, column and the text ---------------------------------------------

def _error(text: str, database: str = "ovid-medline") -> OvidSyntaxError:
    with pytest.raises(OvidSyntaxError) as exc:
        parse_ovid(text, database)
    return exc.value


def test_unbalanced_bracket_names_line_and_column():
    err = _error("1 exp Mentors/\n2 ((mentor* adj3 program*).ti,ab.\n")
    assert (err.line, err.column) == (2, 3)
    assert "never closed" in str(err)
    assert "2 ((mentor* adj3 program*).ti,ab." in str(err)
    assert str(err).splitlines()[-1] == "      ^"


def test_closing_bracket_without_opening():
    err = _error("mentor*.ti.)\n")
    assert (err.line, err.column) == (1, 12)
    assert "no opening" in err.reason


def test_unknown_field_code():
    err = _error("1 mentor*.ti,xy.\n")
    assert (err.line, err.column) == (1, 14)
    assert "unknown field code .xy." in str(err)


def test_field_not_in_this_database():
    err = _error("1 aspirin.nm.\n", "ovid-embase")
    assert "does not exist in ovid-embase" in err.reason


def test_reference_to_a_line_that_does_not_exist():
    err = _error("1 exp Mentors/\n2 mentoring.ti.\n3 1 or 7\n")
    assert (err.line, err.column) == (3, 8)
    assert "line 7, which does not exist" in err.reason
    err = _error("a.ti.\nb.ti.\nor/1-4\n")
    # or/1-4 on line 3: the first line of the range that is not above it is 3 (itself)
    assert (err.line, err.column) == (3, 4)
    assert err.reason == "refers to line 3, which does not exist (lines so far: 1-2)"
    err = _error("a.ti.\nlimit 5 to humans\n")
    assert "limit refers to line 5" in err.reason


def test_unclosed_quote_and_empty_brackets_and_stray_operator():
    assert "quotation mark" in _error('"mini mental.ti,ab.\n').reason
    assert "empty brackets" in _error("a.ti.\n() or 1\n").reason
    assert "needs something after it" in _error("mentor*.ti. or\n").reason
    assert _error("mentor*.ti. or or b.ti.\n").column == 16


def test_pubmed_syntax_is_refused_with_a_pointer():
    err = _error('"Mentors"[mh] OR mentor*[tiab]\n')
    assert "PubMed field tag" in err.reason
    assert err.column == 10


def test_heading_misuse():
    assert "'exp'" in _error("exp mentor*.ti.\n").reason
    assert "field suffix cannot apply to a heading" in _error("(Mentors/).ti.\n").reason
    assert "adj joins words" in _error("Mentors/ adj3 program*\n").reason


def test_other_syntaxes_are_refused_with_a_pointer():
    assert "PubMed field tag" in _error("term[Title/Abstract]\n").reason
    assert "PubMed field tag" in _error("Ultrasonography [mh]\n").reason
    err = _error("term1 NEAR/3 term2\n")
    assert "adjN" in err.reason and err.column == 7
    assert "quote a heading" in _error("exp term1 and term2/\n").reason
