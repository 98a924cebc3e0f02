"""The PubMed parser: each construct to its exact Ovid MEDLINE line, search histories, round
trips PubMed -> model -> PubMed, and every syntax error with its line and column.

PubMed forms are those of the PubMed User Guide (field tags, [mh:noexp], [majr], subheadings
"X/Y"[mh], date ranges "YYYY/MM/DD"[dp] : "YYYY"[dp]) and NLM Technical Bulletin 2022
Nov-Dec;(449):e4 (proximity "a b"[tiab:~N], N words between, any order).
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from review.strategy import OvidSyntaxError, StrategyError, parse_ovid, parse_pubmed, render
from review.strategy import rules as R
from review.strategy.model import Bool, Fielded, Heading, Limited, LimitItem, Near, Ref, Term

from .query_checks import balanced, unquoted


def ovid(query: str, database: str = "ovid-medline") -> tuple[str, set[str]]:
    """The Ovid lines (one per line, numbers kept) and the kinds of warning."""
    r = render(parse_pubmed(query), database)
    return r.text.strip(), {w.split("»: ", 1)[1].split(":")[0] for w in r.warnings}


# --- each construct, to Ovid MEDLINE ----------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    # fields that Ovid searches the same way
    ("mentorship[tiab]", "1 mentorship.ti,ab."),
    ("mentorship[Title/Abstract]", "1 mentorship.ti,ab."),
    ("mentorship[ti]", "1 mentorship.ti."),
    ("mentorship[Title]", "1 mentorship.ti."),
    ("randomized controlled trial[pt]", "1 randomized controlled trial.pt."),
    ('"Review"[Publication Type]', "1 Review.pt."),
    ("english[la]", "1 english.lg."),
    ("Crenshaw A[au]", "1 Crenshaw A.au."),
    ('"Tafenoquine" [Supplementary Concept]', "1 Tafenoquine.nm."),
    ('"Cochrane Database Syst Rev"[jour]', '1 "Cochrane Database Syst Rev".jn.'),
    # phrases and truncation
    ('"medical student*"[tiab]', '1 "medical student*".ti,ab.'),
    ("medical student*[tiab]", "1 medical student*.ti,ab."),
    ("mentor*[tiab]", "1 mentor*.ti,ab."),
    ('"Wait and see"[tiab]', '1 "Wait and see".ti,ab.'),
    ("Brefeldin [tiab]", "1 Brefeldin.ti,ab."),
    # MeSH: [mh] explodes, :noexp does not, [majr] is the major topic
    ('"Mentors"[mh]', "1 exp Mentors/"),
    ("Mentors[Mesh]", "1 exp Mentors/"),
    ("Mentors[MeSH Terms]", "1 exp Mentors/"),
    ("Mentors[mh:noexp]", "1 Mentors/"),
    ("Mentors[Mesh:NoExp]", "1 Mentors/"),
    ("Mentors[majr]", "1 exp *Mentors/"),
    ("Mentors[MeSH Major Topic]", "1 exp *Mentors/"),
    ("Mentors[majr:noexp]", "1 *Mentors/"),
    ('"Schools, Medical"[mh]', "1 exp Schools, Medical/"),
    ('"Sensitivity and Specificity"[mh]', '1 exp "Sensitivity and Specificity"/'),
    ("humans[mh]", "1 exp humans/"),
    # subheadings: on a heading (name or code), and floating
    ("Mentors/education[mh]", "1 exp Mentors/ed"),
    ("Mentors/ed[mh]", "1 exp Mentors/ed"),
    ('"Dementia/drug therapy"[mh:noexp]', "1 Dementia/dt"),
    ('"Masks/adverse effects"[MAJR]', "1 exp *Masks/ae"),
    ("education[sh]", "1 ed.fs."),
    ('"administration and dosage"[sh]', "1 ad.fs."),
    ('"prevention & control"[Subheading]', "1 pc.fs."),
    # proximity: ~N (N words between) is Ovid adjN+1 (N words between)
    ('"physician apprenticeship"[tiab:~2]', "1 (physician adj3 apprenticeship).ti,ab."),
    ('"heart failure"[Title:~0]', "1 (heart adj1 failure).ti."),
    # Boolean: left to right, any case; related terms grouped by field as a librarian writes them
    ("a[ti] AND b[ti] OR c[ti]", "1 (a.ti. and b.ti.) or c.ti."),
    ("a[ti] OR (b[ti] AND c[ti])", "1 a.ti. or (b.ti. and c.ti.)"),
    ("a[ti] and b[ti] not c[ti]", "1 (a.ti. and b.ti.) not c.ti."),
    ("a[tiab] NOT b[tiab] NOT c[tiab]", "1 a.ti,ab. not b.ti,ab. not c.ti,ab."),
    ("((a[ti] OR b[tiab]) AND (c[mh] OR d[tiab])) NOT animals[mh]",
     "1 ((a.ti. or b.ti,ab.) and (exp c/ or d.ti,ab.)) not exp animals/"),
    ('"Thyroid Neoplasms"[MeSH] OR Thyroid[tiab] OR Follicular[tiab] OR hurtle cell[tiab]',
     "1 exp Thyroid Neoplasms/ or (Thyroid or Follicular or hurtle cell).ti,ab."),
    ("Animals[Mesh] not (Animals[Mesh] and Humans[Mesh])", "1 exp Animals/ not (exp Animals/ and exp Humans/)"),
    ("(a[ti])AND(b[ti])", "1 a.ti. and b.ti."),
    # dates: a limit line on the search they are joined to with AND
    ("mentor*[tiab] AND 2010:2020[dp]", '1 mentor*.ti,ab.\n2 limit 1 to yr="2010 -2020"'),
    ('mentor*[tiab] AND ("2010/01/01"[dp] : "3000"[dp])', '1 mentor*.ti,ab.\n2 limit 1 to yr="2010 -Current"'),
    ('mentor*[tiab] AND "2010"[Date - Publication]:"2012"[Date - Publication]', '1 mentor*.ti,ab.\n2 limit 1 to yr="2010 -2012"'),
    ("mentor*[tiab] AND 2015[pdat]", '1 mentor*.ti,ab.\n2 limit 1 to yr="2015 -2015"'),
    ('mentor*[tiab] AND "2012/01/01"[edat] : "2013/12/31"[edat]', "1 mentor*.ti,ab.\n2 limit 1 to ed=20120101-20131231"),
    ('mentor*[tiab] AND "2012/02"[edat] : "2012/02"[edat]', "1 mentor*.ti,ab.\n2 limit 1 to ed=20120201-20120229"),
    ("a[ti] AND b[ti] AND 2010:2020[dp]", '1 a.ti. and b.ti.\n2 limit 1 to yr="2010 -2020"'),
    ("(a[ti] AND 2010:2020[dp]) NOT b[ti]", '1 a.ti. not b.ti.\n2 limit 1 to yr="2010 -2020"'),
])
def test_construct_to_ovid_medline_without_warning(query, expected):
    assert ovid(query) == (expected, set())


@pytest.mark.parametrize("query, expected, match, says", [
    ("mentorship[ab]", "1 mentorship.ab.", "different", "no abstract-only tag"),
    ("mentorship[tw]", "1 mentorship.mp.", "different", ".mp."),
    ("mentorship[Text Word]", "1 mentorship.mp.", "different", ".mp."),
    ("mentorship[ot]", "1 mentorship.kw.", "different", "author keywords"),
    ("mentorship[all]", "1 mentorship.af.", "different", "All Fields"),
    ("Parasympathomimetics[Pharmacological Action]", "1 exp Parasympathomimetics/", "different", "pharmacological-action"),
    ('"mentor* program*"[tiab:~3]', "1 (mentor* adj4 program*).ti,ab.", "different", "truncation inside proximity"),
    ('"drug addiction methadone"[tiab:~3]', "1 (drug adj4 addiction adj4 methadone).ti,ab.", "different", "every pair"),
    ('mentor*[tiab] AND "2010/06"[dp] : "2020/06/30"[dp]', '1 mentor*.ti,ab.\n2 limit 1 to yr="2010 -2020"', "broader", "not months or days"),
    ("education[sh] OR xyz[sh]", "1 (ed or xyz).fs.", "different", "not in the MeSH qualifier table"),
    ("a[ti] OR b[ti] AND c[ti]", "1 (a or b).ti. and c.ti.", "check", "left to right"),
    ("a[ti] b[ti]", "1 a.ti. and b.ti.", "check", "read as AND"),
    ("*Staphylococcus[Mesh]", "1 exp Staphylococcus/", "check", "leading '*'"),
    ("Humans[Mesh]/", "1 exp Humans/", "check", "'/' on its own"),
])
def test_construct_that_ovid_cannot_say_exactly_warns(query, expected, match, says):
    s = parse_pubmed(query)
    r = render(s, "ovid-medline")
    assert r.text.strip() == expected
    assert len(r.warnings) == 1, r.warnings
    assert r.warnings[0].startswith("line ") and f"»: {match}: " in r.warnings[0] and says in r.warnings[0]


def test_untagged_terms_are_all_fields_and_atm_is_named():
    text, kinds = ovid("OPTC")
    assert (text, kinds) == ("1 OPTC.af.", {"different"})
    warning = parse_pubmed("OPTC").warnings[0]
    assert "Automatic Term Mapping" in warning and "cannot reproduce" in warning
    # a quoted phrase or a truncated term is not mapped by PubMed: no ATM warning, [All Fields] vs .af. remains
    for query, line in (('"term1 term2"', '1 "term1 term2".af.'), ("term*", "1 term*.af.")):
        s = parse_pubmed(query)
        assert render(s, "ovid-medline").text.strip() == line
        assert len(s.warnings) == 1 and "Automatic Term Mapping" not in s.warnings[0]


def test_models():
    assert parse_pubmed('"physician apprenticeship"[tiab:~2]').lines[0].expr == Fielded(
        Near((Term("physician"), Term("apprenticeship")), 3), ("ti", "ab"))
    assert parse_pubmed('"Masks/adverse effects"[MAJR]').lines[0].expr == Heading(
        "Masks", explode=True, major=True, subheadings=("ae",))
    assert parse_pubmed('"General practitioner"[tiab]').lines[0].expr == Fielded(
        Term("General practitioner", quoted=True), ("ti", "ab"))
    assert parse_pubmed('"Autopsy"[tiab]').lines[0].expr == Fielded(Term("Autopsy"), ("ti", "ab"))
    s = parse_pubmed("#1 mentor*[tiab]\n#2 #1 AND (2008:3000[dp]) AND 2012:2013[edat]\n")
    assert s.database == "pubmed" and s.databases == ("pubmed",)
    assert s.lines[1].expr == Limited(Ref(1), (LimitItem("years", "2008-current"), LimitItem("entry_date", "20120101-20131231")))


def test_embase_uses_the_emtree_table():
    assert render(parse_pubmed('"Mentors"[mh] OR humans[mh] OR mentorship[tiab]'), "ovid-embase").text == (
        "1 exp mentor/ or exp human/ or mentorship.ti,ab.\n")


# --- search histories --------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "#1 mentor*[tiab]\n#2 Mentors[mh]\n#3 #1 OR #2\n",
    "1. mentor*[tiab]\n2. Mentors[mh]\n3. #1 OR #2\n",
    "1 mentor*[tiab]\n2 Mentors[mh]\n3 #1 OR #2\n",
    "#3 #1 OR #2\n#2 Mentors[mh]\n#1 mentor*[tiab]\n",  # PubMed shows its history newest first
    "mentor*[tiab]\nMentors[mh]\n#1 OR #2\n",  # unnumbered: numbered by position
    "Search,Query,Results,Time\n#3,#1 OR #2,12,10:02:00\n#2,Mentors[mh],10,10:01:00\n#1,mentor*[tiab],5,10:00:00\n",
    "#1\tSearch: mentor*[tiab] Sort by: Most Recent\t5\t10:00:00\n#2\tSearch: Mentors[mh]\t10\t10:01:00\n#3\tSearch: #1 OR #2\t12\t10:02:00\n",
])
def test_history_forms(text):
    s = parse_pubmed(text)
    assert [ln.expr for ln in s.lines] == [
        Fielded(Term("mentor*"), ("ti", "ab")), Heading("Mentors", explode=True), Bool("or", (Ref(1), Ref(2)))]
    assert render(s, "ovid-medline").text == "1 mentor*.ti,ab.\n2 exp Mentors/\n3 1 or 2\n"
    assert s.warnings == []


def test_history_numbers_are_mapped_to_ovid_lines():
    # gaps in PubMed's numbering, and a date limit that needs a line of its own
    s = parse_pubmed("#2 mentor*[tiab]\n#5 #2 AND Mentors[mh] AND 2010:2020[dp]\n#9 #5 OR tutor*[tiab]\n")
    assert render(s, "ovid-medline").text == (
        "1 mentor*.ti,ab.\n2 1 and exp Mentors/\n3 limit 2 to yr=\"2010 -2020\"\n4 3 or tutor*.ti,ab.\n")


def test_history_filters_are_reported_not_dropped_silently():
    s = parse_pubmed("#1\tSearch: mentor*[tiab] Filters: English, Humans\t5\t10:00:00\n")
    assert s.warnings == ["line 1 «mentor*[tiab]»: broader: PubMed filters 'English, Humans' are not part of "
                          "the query and are not translated — add them as limits"]
    csv = 'Search number,Query,Sort By,Filters,Search Details,Results,Time\n1,mentor*[tiab],,"Humans",x,5,10:00\n'
    assert "'Humans'" in parse_pubmed(csv).warnings[0]


def test_a_query_wrapped_over_lines_is_one_search():
    s = parse_pubmed("(mentor*[tiab] OR\n  Mentors[mh])\nAND students[tiab]\n")
    assert len(s.lines) == 1
    assert render(s, "ovid-medline").text == "1 (mentor*.ti,ab. or exp Mentors/) and students.ti,ab.\n"


def test_curly_quotes_and_mismatched_quotes():
    assert ovid("\u201cPatient care\u201d[tiab] OR \u201cCare quality\u201c[tiab]")[0] == '1 ("Patient care" or "Care quality").ti,ab.'
    assert ovid('"Practice Patterns, Physicians\u201d[Mesh]')[0] == "1 exp Practice Patterns, Physicians/"


# --- round trip: PubMed -> model -> PubMed ----------------------------------------------------------

def _norm(e):
    """The same search, written one way: fields pushed onto terms, same operators flattened, quoting ignored."""
    if isinstance(e, Fielded):
        inner = e.expr
        if isinstance(inner, Bool):
            return _norm(Bool(inner.op, tuple(Fielded(o, e.fields) for o in inner.operands)))
        return Fielded(_norm(inner), e.fields)
    if isinstance(e, Term):
        return Term(e.text)
    if isinstance(e, Heading):
        return dataclasses.replace(e, quoted=False)
    if isinstance(e, Near):
        return Near(tuple(_norm(o) for o in e.operands), e.distance, e.ordered)
    if isinstance(e, Bool):
        ops: list = []
        limits: tuple = ()
        for k, o in enumerate(_norm(x) for x in e.operands):
            if isinstance(o, Limited) and (e.op == "and" or k == 0):  # (A AND date) NOT B = (A NOT B) AND date
                limits, o = limits + o.limits, o.expr
            if isinstance(o, Bool) and o.op == e.op and (e.op != "not" or k == 0):
                ops.extend(o.operands)
            else:
                ops.append(o)
        return Limited(Bool(e.op, tuple(ops)), limits) if limits else Bool(e.op, tuple(ops))
    if isinstance(e, Limited):
        return Limited(_norm(e.expr), e.limits)
    return e


def _inline(e, lines):
    """A line with its references replaced by the lines they name."""
    if isinstance(e, Ref):
        return _inline(lines[e.number], lines)
    if isinstance(e, (Bool, Near)):
        return dataclasses.replace(e, operands=tuple(_inline(o, lines) for o in e.operands))
    if isinstance(e, (Fielded, Limited)):
        return dataclasses.replace(e, expr=_inline(e.expr, lines))
    return e


def round_trips(text: str) -> None:
    first = parse_pubmed(text)
    by_number = {ln.number: ln.expr for ln in first.lines}
    rendered = render(first, "pubmed")
    for line, query in zip(first.lines, rendered.lines):
        again = parse_pubmed(query.query)
        again_lines = {ln.number: ln.expr for ln in again.lines}
        assert _norm(_inline(again.lines[-1].expr, again_lines)) == _norm(_inline(line.expr, by_number)), query.query
    # and reading what we write, then writing it again, settles at once
    again = render(parse_pubmed(rendered.text), "pubmed").text
    assert render(parse_pubmed(again), "pubmed").text == again


ROUND_TRIP = [
    "mentor*[tiab]",
    '"medical student*"[tiab] OR medical student*[ot] OR mentorship[ti]',
    '"Mentors"[mh] OR Mentors[mh:noexp] OR "Dementia"[majr] OR Dementia[majr:noexp]',
    'Mentors/education[mh] OR "Dementia/drug therapy"[majr:noexp] OR "administration and dosage"[sh]',
    '"physician apprenticeship"[tiab:~2] OR "heart failure"[ti:~0] OR "a b"[ad:~5]',
    "a[ti] AND b[ti] OR c[ti] NOT d[ti]",
    "a[ti] OR b[ti] AND c[ti]",
    "((a[ti] OR b[tiab]) AND (c[mh] OR d[tiab])) NOT (animals[mh] NOT humans[mh])",
    "randomized controlled trial[pt] OR english[la] OR Crenshaw A[au] OR x[nm] OR y[jour] OR z[ad] OR 12345[pmid]",
    "mentorship[tw] OR mentorship[all] OR OPTC",
    "mentor*[tiab] AND 2010:2020[dp]",
    'mentor*[tiab] AND ("2010/01/01"[dp] : "3000"[dp]) AND "2012/01/01"[edat] : "2013/12/31"[edat]',
    "#1 mentor*[tiab]\n#2 Mentors[mh]\n#3 #1 OR #2\n#4 #3 AND students[tiab]\n#5 #4 AND 2008:2018[dp]\n#6 #5 NOT #2\n",
    "a[ti] b[ti]",
    '"Parasympathomimetics"[Pharmacological Action]',
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_round_trip_pubmed_model_pubmed(text):
    round_trips(text)


def test_round_trip_to_pubmed_adds_no_warning_of_its_own():
    # fields read from PubMed tags render back as those tags, without the Ovid->PubMed warnings
    s = parse_pubmed("mentorship[tw] OR mentorship[ot] OR mentorship[all] OR x[ti]")
    assert render(s, "pubmed").text == "mentorship[tw] OR mentorship[ot] OR mentorship[all] OR x[ti]\n"
    assert render(s, "pubmed").warnings == s.warnings


def test_ovid_rendering_reads_back_as_the_same_model():
    for text in ROUND_TRIP:
        s = parse_pubmed(text)
        back = parse_ovid(render(s, "ovid-medline").text)
        assert [_norm(ln.expr) for ln in back.lines] == [_norm(ln.expr) for ln in s.lines], text


# --- errors: the line, the column and the text, as for Ovid ----------------------------------------

def _error(text: str) -> OvidSyntaxError:
    with pytest.raises(OvidSyntaxError) as exc:
        parse_pubmed(text, source="search.txt")
    return exc.value


@pytest.mark.parametrize("text, line, column, says", [
    ("#1 Mentors[mh]\n#2 (mentor*[tiab] OR (tutor*[tiab] AND x[ti])\n", 2, 4, "never closed"),
    ("mentor*[tiab])", 1, 14, "no opening"),
    ('"mentor[tiab]', 1, 1, "quotation mark is not closed"),
    ("mentor[tiab", 1, 7, "square bracket is not closed"),
    ("mentor[tiab]]", 1, 13, "closing square bracket has no opening"),
    ("#1 a[ti]\nmentor[xyz]", 2, 7, "unknown field tag [xyz]"),
    ("a[kw]", 1, 2, "[ot]"),
    ("#1 a[ti]\n#2 b[ti]\n#3 #1 OR #7", 3, 10, "#7 refers to a search that is not above this one"),
    ("#4 a[ti]\n#5 #2 OR #4", 2, 4, "#2 refers to a search that does not exist (searches so far: #4)"),
    ("#1 AND a[ti]", 1, 4, "'AND' needs a term before it"),
    ("mentor*[tiab] AND #1", 1, 19, "#1 refers to a search that is not above this one"),
    ("#1 a[ti]\n#3 b[ti]\n#2 c[ti]", 3, 1, "out of order"),
    ("#1 a[ti]\n#2 \n#3 b[ti]", 2, 4, "search #2 is empty"),
    ("#1 a[ti]\n#1 b[ti]", 2, 1, "appears twice"),
    ("a[ti] OR", 1, 9, "'OR' needs something after it"),
    ("a[ti] OR OR b[ti]", 1, 10, "'OR' right after 'OR'"),
    ("a[ti] OR ()", 1, 10, "empty brackets"),
    ("(a OR b)[tiab]", 1, 9, "not to a bracketed group"),
    ("a[ti] OR [tiab]", 1, 10, "must follow a term"),
    ('"a"[tiab:~2]', 1, 1, "two or more words"),
    ('"a b"[mh:~2]', 1, 6, "only in [ti], [tiab] and [ad]"),
    ("a[tiab:noexp]", 1, 2, "':noexp' goes with [mh]"),
    ("Mentors/xyz[mh]", 1, 9, "'xyz' is not a MeSH subheading"),
    ("(a[ti] AND 2010[dp]) OR b[ti]", 1, 12, "can only limit the whole search"),
    ("2010:2020[dp]", 1, 1, "on its own"),
    ("a[ti] AND 2010:2020[tiab]", 1, 15, "same date tag"),
    ("a[ti] AND 2020:2010[dp]", 1, 11, "runs backwards"),
    ("a[ti] AND 20x0[dp]", 1, 11, "is not a date"),
    ("exp Mentors/", 1, 1, "Ovid subject heading"),
    ("mentor*.ti,ab.", 1, 8, "Ovid field suffix"),
    ("mentor adj3 program", 1, 8, "proximity"),
    ("wom?n[tiab]", 1, 4, "single-character wildcard"),
    ('"care of wom#n"[tiab]', 1, 13, "single-character wildcard"),
    ("mentor$[tiab]", 1, 7, "'$' is Ovid truncation"),
    ("wom*n[tiab]", 1, 4, "only at the end of a word"),
    ("Mentor*[mh]", 1, 7, "truncation cannot be translated"),
])
def test_syntax_errors(text, line, column, says):
    err = _error(text)
    assert (err.line, err.column) == (line, column), str(err)
    assert says in err.reason
    assert str(err).startswith(f"search.txt: line {line}, column {column}: ")
    shown, caret = str(err).splitlines()[1:]
    assert shown == "    " + text.splitlines()[line - 1]
    assert caret == "    " + " " * (column - 1) + "^"


def test_an_empty_strategy_is_an_error():
    with pytest.raises(StrategyError, match="no search found"):
        parse_pubmed("\n  \n", source="empty.txt")


# --- real strategies ---------------------------------------------------------------------------
# tests/data/strategy/pubmed-native: the 40 PubMed queries of the seed-studies collection (SOURCE.txt)
# tests/data/strategy/polyglot: Polyglot's own test pairs with Ovid MEDLINE as the target (SOURCE.txt)

DATA = Path(__file__).resolve().parents[1] / "data" / "strategy"
NATIVE = [json.loads(ln) for ln in (DATA / "pubmed-native" / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
WARNING = re.compile(r"line \d+ «.*»: (broader|narrower|different|check): ")


def test_there_are_forty_native_strategies():
    assert len(NATIVE) == 40 and len({t["id"] for t in NATIVE}) == 40


@pytest.mark.parametrize("topic", NATIVE, ids=lambda t: t["id"])
def test_native_strategy_translates_to_ovid_and_round_trips(topic):
    s = parse_pubmed(topic["query"], source=topic["id"])
    medline = render(s, "ovid-medline")
    for line in medline.lines:
        assert balanced(line.query), line.query
        assert "[" not in unquoted(line.query), line.query  # no PubMed tag left
    # what we write is Ovid that reads back as the same search
    assert [_norm(ln.expr) for ln in parse_ovid(medline.text).lines] == [_norm(ln.expr) for ln in s.lines]
    assert all(balanced(ln.query) for ln in render(s, "ovid-embase").lines)
    for w in medline.warnings:
        assert WARNING.match(w), w
    round_trips(topic["query"])


def test_how_many_native_strategies_translate_without_a_warning():
    # 11 of the 40 warn: untagged terms (Automatic Term Mapping) in 8, OR mixed with AND without
    # brackets in 2, a [Pharmacological Action] term, a missing operator, a stray '/' and a
    # leading '*' on a MeSH term (one each; some topics have several)
    warned = [t["id"] for t in NATIVE if render(parse_pubmed(t["query"]), "ovid-medline").warnings]
    assert len(NATIVE) - len(warned) == 29


POLYGLOT = [json.loads(ln) for ln in (DATA / "polyglot" / "ovid_medline_pairs.jsonl").read_text(encoding="utf-8").splitlines()]

# Polyglot pairs written in PubMed syntax where our Ovid MEDLINE differs, deliberately.
DIFFERS = {
    "term[tiab]": ".ti,ab., not .tw.: the same fields in Ovid MEDLINE, and the same line stays right in Embase, "
                  "where .tw. adds drug trade names",
    "term[Title/Abstract]": "as term[tiab]",
    "epidemiology[sh] or history[sh]": "(ep or hi).fs.: the qualifier's two-letter code, the .fs. form Ovid documents "
                                       "(Polyglot writes the name)",
    '"term1 term2"': '"term1 term2".af.: PubMed searches an untagged quoted phrase in All Fields; Polyglot leaves it '
                     "untagged, which Ovid maps to subject headings (.mp.)",
    "term*": "term*.af.: as the quoted phrase (a truncated term is not mapped by PubMed either)",
}


def _pubmed_syntax(text: str) -> bool:
    """A PubMed field tag, or a bare phrase or truncated word (Polyglot's Ovid-only and template inputs are left out)."""
    tags = [re.split(r":", t)[0] for t in re.findall(r"\[([^\]]+)\]", text)]
    return (bool(tags) and all(R.pubmed_tag(t) for t in tags)) or bool(re.fullmatch(r'"[^"]+"|\w+\*', text))


def test_polyglot_pairs_in_pubmed_syntax_give_the_same_ovid_medline_search():
    pairs = [p for p in POLYGLOT if _pubmed_syntax(p["input"])]
    assert len(POLYGLOT) == 51 and len(pairs) == 28
    differ = set()
    for p in pairs:
        ours = [_norm(ln.expr) for ln in parse_pubmed(p["input"]).lines]
        theirs = [_norm(ln.expr) for ln in parse_ovid(p["expected"]).lines]
        if ours != theirs:
            differ.add(p["input"])
    assert differ == set(DIFFERS)
    assert sum(p["input"] in DIFFERS for p in pairs) == 6  # "term1 term2" is tested twice


def test_polyglot_pairs_where_we_differ_render_as_documented():
    assert ovid("term[tiab]")[0] == "1 term.ti,ab."
    assert ovid("epidemiology[sh] or history[sh]")[0] == "1 (ep or hi).fs."
    assert ovid('"term1 term2"')[0] == '1 "term1 term2".af.'
    assert ovid("term*")[0] == "1 term*.af."
