"""Rendering for PsycInfo, CINAHL, ERIC, Scopus, Web of Science, Cochrane and Embase.com.

One case per rule per platform, each checked against the syntax the vendor documents (the
source of each rule is in rules.yaml's `platforms` table and docs/strategy.md). Ovid adjN
means at most N-1 words between, either order: the platforms that count the words between
(EBSCOhost Nn, Scopus W/n, Web of Science NEAR/n, Cochrane NEAR/n) get N-1, Embase.com
(NEAR/1 = adjacent, as Ovid) gets N.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from review.strategy import load_strategy, parse_ovid, render
from review.strategy.model import DATABASES, TARGETS
from review.strategy.ovid import CutLineError

from .query_checks import balanced, unquoted

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "strategy"
REAL = sorted(p for p in (DATA / "clef").glob("*.txt") if p.name != "SOURCE.txt") + sorted(
    p for p in (DATA / "ovid-small").iterdir() if p.name.isdigit())
NEW = ("ovid-psycinfo", "ebsco-cinahl", "ebsco-eric", "scopus", "wos", "cochrane", "embase-com")
NOT_OVID = tuple(t for t in NEW if not t.startswith("ovid-"))


def one(line: str, target: str, database: str = "ovid-medline"):
    r = render(parse_ovid(line, database), target)
    return r.lines[0].query, r.warnings


# (rule, Ovid line, {target: expected first line})
CASES = [
    ("proximity adj3 = up to 2 words between, any order", "(mentor* adj3 program*).ti,ab.", {
        "ovid-psycinfo": "(mentor* adj3 program*).ti,ab.",
        "ebsco-cinahl": "TI (mentor* N2 program*) OR AB (mentor* N2 program*)",
        "ebsco-eric": "TI (mentor* N2 program*) OR AB (mentor* N2 program*)",
        "scopus": "TITLE-ABS(mentor* W/2 program*)",
        "wos": "TI=(mentor* NEAR/2 program*) OR AB=(mentor* NEAR/2 program*)",
        "cochrane": "(mentor* NEAR/2 program*):ti,ab",
        "embase-com": "(mentor* NEAR/3 program*):ti,ab",
    }),
    ("adj1 = next to each other, any order", "(blood adj1 pressure).ti.", {
        "ovid-psycinfo": "(blood adj1 pressure).ti.",
        "ebsco-cinahl": "TI (blood N0 pressure)",
        "ebsco-eric": "TI (blood N0 pressure)",
        "scopus": "TITLE(blood W/0 pressure)",
        "wos": "TI=(blood NEAR/0 pressure)",
        "cochrane": "(blood NEAR/0 pressure):ti",
        "embase-com": "(blood NEAR/1 pressure):ti",
    }),
    ("adj (no number) = a phrase, in order", "(oral adj mucosa).ti.", {
        "ebsco-cinahl": 'TI "oral mucosa"',
        "ebsco-eric": 'TI "oral mucosa"',
        "scopus": 'TITLE("oral mucosa")',
        "wos": 'TI=("oral mucosa")',
        "cochrane": '"oral mucosa":ti',
        "embase-com": '"oral mucosa":ti',
    }),
    ("alternatives inside proximity; Scopus forbids (a OR b) W/n c, so each pair is written", "((heart or cardiac) adj3 failure).ti.", {
        "ebsco-cinahl": "TI ((heart OR cardiac) N2 failure)",
        "ebsco-eric": "TI ((heart OR cardiac) N2 failure)",
        "scopus": "TITLE((heart W/2 failure) OR (cardiac W/2 failure))",
        "wos": "TI=((heart OR cardiac) NEAR/2 failure)",
        "cochrane": "((heart OR cardiac) NEAR/2 failure):ti",
        "embase-com": "((heart OR cardiac) NEAR/3 failure):ti",
    }),
    ("a truncated phrase: Cochrane and Scopus forbid wildcards in quotes, NEXT / PRE/0 say the same", "medical student*.ti.", {
        "ovid-psycinfo": "medical student*.ti.",
        "ebsco-cinahl": 'TI "medical student*"',
        "ebsco-eric": 'TI "medical student*"',
        "scopus": "TITLE(medical PRE/0 student*)",
        "wos": 'TI=("medical student*")',
        "cochrane": "(medical NEXT student*):ti",
        "embase-com": '"medical student*":ti',
    }),
    ("Ovid # (exactly one character)", "wom#n.ti.", {
        "ovid-psycinfo": "wom#n.ti.", "ebsco-cinahl": "TI wom?n", "ebsco-eric": "TI wom?n", "scopus": "TITLE(wom?n)",
        "wos": "TI=(wom?n)", "cochrane": "wom?n:ti", "embase-com": "wom?n:ti",
    }),
    ("Ovid ? (zero or one character)", "tumo?r.ti.", {
        "ovid-psycinfo": "tumo?r.ti.", "ebsco-cinahl": "TI tumo#r", "ebsco-eric": "TI tumo#r", "scopus": "TITLE(tumo*r)",
        "wos": "TI=(tumo$r)", "cochrane": "tumo*r:ti", "embase-com": "tumo$r:ti",
    }),
    ("author keywords", "mentorship.kw.", {
        "ovid-psycinfo": "mentorship.id.", "ebsco-cinahl": "SU mentorship", "ebsco-eric": "SU mentorship",
        "scopus": "AUTHKEY(mentorship)", "wos": "AK=(mentorship)", "cochrane": "mentorship:kw", "embase-com": "mentorship:kw",
    }),
    ("untagged text is Ovid's .mp.", "mentor*", {
        "ovid-psycinfo": "mentor*", "ebsco-cinahl": "TI mentor* OR AB mentor* OR SU mentor*", "scopus": "TITLE-ABS-KEY(mentor*)",
        "wos": "TS=(mentor*)", "cochrane": "mentor*:ti,ab,kw", "embase-com": "mentor*:ti,ab,kw",
    }),
    ("language field", "english.lg.", {
        "ebsco-cinahl": "LA english", "scopus": "LANGUAGE(english)", "wos": "LA=(english)", "embase-com": "english:la",
    }),
    ("NOT (Scopus writes AND NOT)", "(a not b).ti.", {
        "ovid-psycinfo": "(a not b).ti.", "ebsco-cinahl": "TI (a NOT b)", "ebsco-eric": "TI (a NOT b)", "scopus": "TITLE(a AND NOT b)", "wos": "TI=(a NOT b)",
        "cochrane": "(a NOT b):ti", "embase-com": "(a NOT b):ti",
    }),
    ("exploded MeSH heading, paired in the table", "exp Mentors/", {
        "cochrane": '[mh "Mentors"]', "embase-com": "'mentor'/exp", "ebsco-cinahl": 'MH "Mentorship+"',
        "ebsco-eric": 'DE "Mentors"', "ovid-psycinfo": "exp Mentor/",
        "scopus": "TITLE-ABS-KEY(Mentors)", "wos": "TS=(Mentors)",
    }),
    ("MeSH heading with no pair for the thesaurus: its words", "exp Dementia/", {
        "ebsco-cinahl": "TI Dementia OR AB Dementia OR SU Dementia", "ebsco-eric": "TI Dementia OR AB Dementia OR SU Dementia",
        "ovid-psycinfo": '"Dementia".ti,ab,id.', "cochrane": '[mh "Dementia"]', "embase-com": "'dementia'/exp",
    }),
    ("MeSH heading, not exploded", "Mentors/", {
        "cochrane": '[mh ^"Mentors"]', "embase-com": "'mentor'/de",
    }),
    ("major (starred) heading", "exp *Mentors/", {"embase-com": "'mentor'/exp/mj"}),
]


@pytest.mark.parametrize("rule,line,target,expected",
                         [(r, ln, t, e) for r, ln, exp in CASES for t, e in exp.items()],
                         ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None)
def test_rule_per_platform(rule, line, target, expected):
    assert one(line, target)[0] == expected


@pytest.mark.parametrize("target,expected", [
    ("ebsco-cinahl", 'MH "Mentorship+"'), ("ebsco-eric", 'DE "Mentors"'), ("ovid-psycinfo", "exp Mentor/"),
])
def test_headings_of_each_thesaurus(strategy, target, expected):
    assert render(strategy, target).lines[0].query == expected


def test_cinahl_heading_forms():
    from review.strategy import strategy_from_yaml

    s = strategy_from_yaml("""\
blocks:
  - name: a
    terms:
      - {cinahl: Mentorship, explode: true}
      - {cinahl: Preceptorship}
      - {cinahl: Mentorship, major: true}
      - {cinahl: Mentorship, major: true, explode: true}
""")
    assert [ln.query for ln in render(s, "ebsco-cinahl").lines][:4] == [
        'MH "Mentorship+"', 'MH "Preceptorship"', 'MM "Mentorship"', 'MM "Mentorship+"']


def test_eric_does_not_explode_and_says_so():
    from review.strategy import strategy_from_yaml

    s = strategy_from_yaml("blocks:\n  - name: a\n    terms:\n      - {eric: Mentors, explode: true}\n")
    r = render(s, "ebsco-eric")
    assert r.lines[0].query == 'DE "Mentors"'
    assert any("narrower" in w and "not exploded" in w for w in r.warnings)


@pytest.mark.parametrize("target,form", [
    ("ebsco-cinahl", "S{n}"), ("ebsco-eric", "S{n}"), ("wos", "#{n}"), ("cochrane", "#{n}"), ("embase-com", "#{n}"),
])
def test_numbered_lines_refer_to_earlier_lines(target, form):
    r = render(parse_ovid("1 a.ti.\n2 b.ti.\n3 c.ti.\n4 or/1-3\n5 1 and 4"), target)
    n = [form.format(n=k) for k in range(1, 6)]
    assert r.lines[3].query == f"{n[0]} OR {n[1]} OR {n[2]}"
    assert r.lines[4].query == f"{n[0]} AND {n[3]}"
    assert r.text.splitlines()[4] == f"{n[4]} {n[0]} AND {n[3]}"


def test_scopus_lines_are_complete_queries():
    r = render(parse_ovid("1 a.ti.\n2 b.ti.\n3 1 or 2\n4 3 not c.ti."), "scopus")
    assert [ln.query for ln in r.lines] == ["TITLE(a)", "TITLE(b)", "TITLE(a) OR TITLE(b)",
                                            "(TITLE(a) OR TITLE(b)) AND NOT TITLE(c)"]
    assert r.text == r.lines[-1].query + "\n"


LIMIT = '1 a.ti.\n2 limit 1 to (english language and humans and yr="2008 -2017")'


@pytest.mark.parametrize("target,expected,left_out", [
    ("ovid-psycinfo", 'limit 1 to (english language and human and yr="2008 -2017")', []),
    ("ebsco-cinahl", "S1 AND LA English", ["humans", "years"]),
    ("scopus", "TITLE(a) AND LANGUAGE(english) AND (PUBYEAR > 2007 AND PUBYEAR < 2018)", ["humans"]),
    ("wos", "#1 AND LA=(English) AND PY=(2008-2017)", ["humans"]),
    ("cochrane", "#1", ["language", "humans", "years"]),
    ("embase-com", "#1 AND [english]/lim AND [humans]/lim AND [2008-2017]/py", []),
])
def test_limits(target, expected, left_out):
    r = render(parse_ovid(LIMIT), target)
    assert r.lines[-1].query == expected
    for kind in left_out:  # every limit left out is a broader warning naming where to set it
        assert any(f"broader: limit {kind}" in w and "left out" in w for w in r.warnings), (kind, r.warnings)


def test_current_year_limit_uses_the_search_date_or_is_left_to_the_interface():
    s = parse_ovid('1 a.ti.\n2 limit 1 to yr="2008 -Current"')
    assert render(s, "wos").lines[-1].query == "#1"
    assert any("Publication Years filter (2008 to the current year)" in w for w in render(s, "wos").warnings)
    s.searched = "2018-01-31"
    assert render(s, "wos").lines[-1].query == "#1 AND PY=(2008-2018)"


@pytest.mark.parametrize("target", NOT_OVID)
def test_what_a_platform_cannot_say_is_warned_broader(target):
    # limited truncation ($2) exists only in Ovid
    query, warnings = one("dog$2.ti.", target)
    assert "$2" not in query and "*2" not in query and "dog" in query
    assert any("broader" in w and "limited truncation" in w for w in warnings)


def test_phrase_operand_in_proximity_where_forbidden_falls_back_to_and():
    query, warnings = one('("medical student" adj3 mentor*).ti.', "ebsco-cinahl")
    assert query == 'TI ("medical student" AND mentor*)'
    assert any("broader" in w and "quoted phrase" in w for w in warnings)
    query, warnings = one('("medical student*" adj3 mentor*).ti.', "cochrane")
    assert query == "((medical NEXT student*) AND mentor*):ti"
    assert any("broader" in w for w in warnings)


def test_field_the_platform_lacks_is_warned_and_named():
    query, warnings = one("x.ot.", "wos")
    assert query == "TS=(x)"
    assert any(".ot." in w and "different" in w for w in warnings)


def test_psycinfo_fields_it_lacks_are_replaced_and_warned():
    query, warnings = one("mentorship.ti,ab,kw.", "ovid-psycinfo")
    assert query == "mentorship.ti,ab,id."
    assert any(".kw." in w and ".id." in w for w in warnings)


def test_heading_of_another_thesaurus_is_never_assumed():
    # a MeSH heading with no CINAHL pair is searched as words, with a warning naming it
    query, warnings = one("exp Dementia/", "ebsco-cinahl")
    assert "MH" not in query and "Dementia" in query
    assert any("no CINAHL pair" in w and "different" in w for w in warnings)


def test_curated_pairs_carry_their_own_match():
    r = render(parse_ovid("1 exp Mentors/\n2 Education, Medical, Undergraduate/\n3 Students, Medical/"), "ebsco-cinahl")
    assert [ln.query for ln in r.lines] == ['MH "Mentorship+"', 'MH "Education, Medical"', 'MH "Students, Medical"']
    assert [w.split(": ")[1] for w in r.warnings] == ["different", "broader"]  # Students, Medical: the same heading


# --- the worked example ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def strategy():
    return load_strategy(ROOT / "queries" / "mentoring-medical-students.yaml")


@pytest.mark.parametrize("target", [t for t in TARGETS if t != "summary"])
def test_worked_example_renders_balanced_for_every_target(strategy, target):
    r = render(strategy, target)
    assert r.lines
    for ln in r.lines:
        assert balanced(ln.query), ln.query
    for w in r.warnings:
        assert re.match(r".+: (broader|narrower|different|check): ", w), w


def test_worked_example_headings_per_thesaurus(strategy):
    cinahl = render(strategy, "ebsco-cinahl").text
    assert 'MH "Mentorship+"' in cinahl and 'MH "Students, Medical"' in cinahl
    assert 'DE "Medical Students"' in render(strategy, "ebsco-eric").text
    assert "exp Mentor/" in render(strategy, "ovid-psycinfo").text
    embase = render(strategy, "embase-com")
    assert embase.notes == ["block 'population': no Emtree heading given; free-text lines only"]
    assert embase.text.startswith("// block 'population': no Emtree heading given; free-text lines only\n")
    assert any(w.endswith("narrower: block 'population': no Emtree heading given; free-text lines only") for w in embase.warnings)


def test_worked_example_on_platforms_without_a_thesaurus(strategy):
    r = render(strategy, "scopus")
    assert len(r.notes) == 3 and all("Scopus has no thesaurus" in n for n in r.notes)
    assert 'TITLE-ABS-KEY("Schools, Medical")' in r.text
    assert "TITLE-ABS(mentor* W/2 program*)" in r.text
    assert r.text.rstrip().endswith("AND LANGUAGE(english) AND (PUBYEAR > 2007 AND PUBYEAR < 2019)")


def test_a_block_with_no_terms_for_a_target_is_an_error_naming_it():
    from review.strategy import StrategyError, strategy_from_yaml

    s = strategy_from_yaml("blocks:\n  - name: a\n    terms:\n      - {mesh: Mentors}\n", "q.yaml")
    with pytest.raises(StrategyError, match=r"q.yaml:2: block 'a' has no terms for embase-com: give it an Emtree heading or free text"):
        render(s, "embase-com")


# --- real Ovid strategies -------------------------------------------------------------------

OVID_LEFT = re.compile(r"\badj\d*\b|\.(?:ti|ab|tw|mp|sh|fs|kw|kf|pt|ot|au|ed|rn|nm|xs)\.|\bexp\b|\w/(?:\s|$)|\bor/|\band/|\blimit\b", re.I)


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_strategy_renders_to_every_platform(path):
    strategy = parse_ovid(path.read_text(encoding="utf-8"), "ovid-medline", source=path.name)
    for target in NOT_OVID:
        r = render(strategy, target)
        assert len(r.lines) == len(strategy.lines)
        for ln in r.lines:
            q = re.sub(r"'[^']*'/(?:exp|de|mj)(?:/mj)?", "", unquoted(ln.query))  # Embase.com's own heading form
            assert balanced(ln.query), (target, ln.query)
            assert not OVID_LEFT.search(q), (target, ln.query)
            if target not in ("wos", "embase-com"):  # $ is their zero-or-one wildcard
                assert "$" not in q, (target, ln.query)
        for w in r.warnings:
            assert re.match(r"(line \d+ «.*»|all lines): (broader|narrower|different|check): ", w), w
    # PsycInfo is Ovid: the lines read back as the same search
    psyc = render(strategy, "ovid-psycinfo")
    again = parse_ovid(psyc.text, "ovid-psycinfo")
    assert render(again, "ovid-psycinfo").text == psyc.text


def test_every_target_has_rules_and_sources():
    from review.strategy import rules as R

    platforms = R.rules()["platforms"]
    assert set(NEW) == set(platforms) and set(NEW) <= set(DATABASES)
    for name, spec in platforms.items():
        assert spec["sources"], name
        for key in spec["sources"]:
            assert key in R.rules()["sources"], (name, key)


# --- lines cut in two by a PDF page break ----------------------------------------------------

CUT = "1 exp Mentors/\n2 (mentor* adj3 program*).ti,ab. or (mentor* adj3\ngroup*).ti,ab.\n3 mentorship.ti,ab.\nor mentee*.ti,ab.\n4 or/1-3\n"


def test_a_cut_line_is_a_specific_error_with_the_repaired_line():
    with pytest.raises(CutLineError) as exc:
        parse_ovid(CUT, source="s.txt")
    assert exc.value.line == 3
    assert exc.value.repaired == "2 (mentor* adj3 program*).ti,ab. or (mentor* adj3 group*).ti,ab."
    assert "--repair" in str(exc.value) and "bracket" in str(exc.value)


def test_a_line_starting_with_or_is_a_cut_line():
    with pytest.raises(CutLineError) as exc:
        parse_ovid("1 a.ti.\nor b.ti.\n")
    assert exc.value.repaired == "1 a.ti. or b.ti."
    assert "starts with 'or'" in str(exc.value)
    # or/1-3 is a line of its own, not a cut
    assert len(parse_ovid("a.ti.\nb.ti.\nor/1-2\n").lines) == 3


def test_repair_joins_the_cut_lines_and_warns():
    s = parse_ovid(CUT, repair=True)
    assert [ln.text for ln in s.lines] == ["exp Mentors/", "(mentor* adj3 program*).ti,ab. or (mentor* adj3 group*).ti,ab.",
                                           "mentorship.ti,ab. or mentee*.ti,ab.", "or/1-3"]
    assert sum("check: joined lines" in w for w in s.warnings) == 2


def test_new_ovid_field_codes_are_read():
    for line in ("ed.xs.", "201801.em.", "retracted.cm."):
        parse_ovid(line, "ovid-medline")
    assert one("mentor*.id.", "ovid-psycinfo", "ovid-psycinfo")[0] == "mentor*.id."


def test_pubmed_strategies_translate_to_every_platform():
    import json

    from review.strategy import parse_pubmed

    rows = [json.loads(ln) for ln in (DATA / "pubmed-native" / "queries.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert len(rows) == 40
    for row in rows:
        s = parse_pubmed(row["query"], source=row["id"])
        for target in NEW:
            for ln in render(s, target).lines:
                assert balanced(ln.query), (row["id"], target, ln.query)
                assert "[tiab]" not in ln.query and "[mh]" not in ln.query.lower()


def test_a_psycinfo_strategy_goes_to_the_other_platforms():
    s = parse_ovid("1 exp Mentor/\n2 mentor*.ti,ab,id.\n3 1 or 2\n", "ovid-psycinfo")
    assert render(s, "ovid-psycinfo").text == "1 exp Mentor/\n2 mentor*.ti,ab,id.\n3 1 or 2\n"
    r = render(s, "cochrane")  # APA Mentor is paired with MeSH Mentors in the table
    assert [ln.query for ln in r.lines] == ['[mh "Mentors"]', "mentor*:ti,ab,kw", "#1 OR #2"]
    r = render(parse_ovid("1 exp Intelligence/\n", "ovid-psycinfo"), "cochrane")  # no pair: the words
    assert r.lines[0].query == "Intelligence:ti,ab,kw"
    assert any("APA Thesaurus heading 'Intelligence' has no MeSH pair" in w for w in r.warnings)
    assert render(s, "wos").lines[1].query == "TI=(mentor*) OR AB=(mentor*) OR AK=(mentor*)"


def test_embase_text_words_lose_trade_names_on_other_platforms():
    r = render(parse_ovid("mentor*.tw.", "ovid-embase"), "ebsco-cinahl")
    assert r.lines[0].query == "TI mentor* OR AB mentor*"
    assert any("narrower" in w and "drug trade names" in w for w in r.warnings)
    assert render(parse_ovid("mentor*.tw.", "ovid-medline"), "ebsco-cinahl").warnings == []


def test_the_next_numbered_line_is_not_taken_for_a_cut():
    from review.strategy import OvidSyntaxError

    with pytest.raises(OvidSyntaxError) as exc:
        parse_ovid("1 ((a or b).ti.\n2 c).ti.\n")
    assert not isinstance(exc.value, CutLineError)
    assert exc.value.line == 1 and "never closed" in str(exc.value)


@pytest.mark.parametrize("target,word", [("scopus", "plurals and spelling variants"), ("wos", "Exact Search")])
def test_lemmatizing_platforms_say_so_once(target, word):
    r = render(parse_ovid("1 mentor.ti.\n2 mentee.ti.\n3 1 or 2"), target)
    assert [w for w in r.warnings if word in w] == [next(w for w in r.warnings if word in w)]
    assert r.warnings[0].startswith("all lines: broader: ")


def test_wos_short_stem_is_flagged():
    query, warnings = one("ab*.ti.", "wos")
    assert query == "TI=(ab*)"
    assert any(w.endswith("may refuse it") and ": check: " in w for w in warnings)


def test_medline_text_words_keep_their_meaning_in_psycinfo():
    # PsycInfo .tw. adds key concepts: MEDLINE's .tw. (title, abstract) is written .ti,ab.
    assert one("mentor*.tw.", "ovid-psycinfo")[0] == "mentor*.ti,ab."
    assert one("mentor*.tw.", "ovid-psycinfo", "ovid-psycinfo")[0] == "mentor*.tw."


def test_a_pair_read_backwards_turns_broader_into_narrower():
    # MeSH Education, Medical, Undergraduate -> APA Medical Education is broader; backwards, narrower
    r = render(parse_ovid("Medical Education/", "ovid-psycinfo"), "cochrane")
    assert r.lines[0].query == '[mh ^"Education, Medical, Undergraduate"]'
    assert any(": narrower: " in w and "not limited to undergraduates" in w for w in r.warnings)
    r = render(parse_ovid("medical education/", "ovid-embase"), "pubmed")
    assert any(": narrower: " in w for w in r.warnings)
