"""The worked example renders to the review's own Ovid lines and to the expected PubMed query."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.strategy import highlight_terms, load_strategy, parse_ovid, render, search_lines

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "queries" / "mentoring-medical-students.yaml"

# shared/worked-example.md, "Medline (Ovid) strategy": ten mentoring lines, the setting
# heading, three population lines, combined with AND, limited to 2008-current, English, humans.
MEDLINE = """\
1 exp Mentors/
2 exp Mentoring/
3 (mentor* adj3 program*).ti,ab.
4 (mentor* adj3 group*).ti,ab.
5 mentorship.ti,ab,kw.
6 (physician adj3 apprenticeship).ti,ab.
7 (reflect* adj3 practice).ti,ab.
8 (reflect* adj3 group).ti,ab.
9 (balint adj3 group*).ti,ab.
10 (learning adj3 communit*).ti,ab.
11 or/1-10
12 exp Schools, Medical/
13 Education, Medical, Undergraduate/
14 medical student*.ti,ab,kw.
15 (medical adj3 undergraduate).ti,ab.
16 or/13-15
17 11 and 12 and 16
18 limit 17 to (english language and humans and yr="2008 -Current")
"""

# "Embase (Ovid) strategy": the same free-text lines; Emtree exp mentor/, exp mentoring/,
# exp balint group/ (Emtree only); setting medical education/ or medical school/ (not
# exploded); population the two free-text lines; Embase's humans limit is "human".
EMBASE = """\
1 exp mentor/
2 exp mentoring/
3 exp balint group/
4 (mentor* adj3 program*).ti,ab.
5 (mentor* adj3 group*).ti,ab.
6 mentorship.ti,ab,kw.
7 (physician adj3 apprenticeship).ti,ab.
8 (reflect* adj3 practice).ti,ab.
9 (reflect* adj3 group).ti,ab.
10 (balint adj3 group*).ti,ab.
11 (learning adj3 communit*).ti,ab.
12 or/1-11
13 medical education/
14 medical school/
15 13 or 14
16 medical student*.ti,ab,kw.
17 (medical adj3 undergraduate).ti,ab.
18 16 or 17
19 12 and 15 and 18
20 limit 19 to (english language and human and yr="2008 -Current")
"""

MENTORING = (
    '"Mentors"[mh] OR "Mentoring"[mh] OR (mentor*[tiab] AND program*[tiab]) OR '
    "(mentor*[tiab] AND group*[tiab]) OR (mentorship[tiab] OR mentorship[ot]) OR "
    '"physician apprenticeship"[tiab:~2] OR (reflect*[tiab] AND practice[tiab]) OR '
    "(reflect*[tiab] AND group[tiab]) OR (balint[tiab] AND group*[tiab]) OR "
    "(learning[tiab] AND communit*[tiab])"
)
SETTING = '"Schools, Medical"[mh]'
POPULATION = (
    '"Education, Medical, Undergraduate"[mh:noexp] OR ("medical student*"[tiab] OR '
    '"medical student*"[ot]) OR "medical undergraduate"[tiab:~2]'
)
COMBINED = f"({MENTORING}) AND {SETTING} AND ({POPULATION})"
FINAL = f'({COMBINED}) AND english[la] AND humans[mh] AND ("2008/01/01"[dp] : "2018/01/31"[dp])'


@pytest.fixture(scope="module")
def strategy():
    return load_strategy(EXAMPLE)


def test_medline_lines_reproduce_the_review(strategy):
    assert render(strategy, "ovid-medline").text == MEDLINE


NO_EMTREE = "block 'population': no Emtree heading given; free-text lines only"


def test_embase_lines_reproduce_the_review(strategy):
    # the review searched Embase with no Emtree heading for medical students: a comment says so
    assert render(strategy, "ovid-embase").text == f"// {NO_EMTREE}\n" + EMBASE


def test_ovid_renderings_warn_only_of_the_missing_emtree_heading(strategy):
    assert render(strategy, "ovid-medline").warnings == []
    line = next(k for k, ln in enumerate(Path(strategy.source).read_text().splitlines(), 1) if "name: population" in ln)
    assert render(strategy, "ovid-embase").warnings == [f"{strategy.source}:{line}: narrower: {NO_EMTREE}"]


def test_pubmed_lines_blocks_then_combination_then_limits(strategy):
    rendered = render(strategy, "pubmed")
    queries = [ln.query for ln in rendered.lines]
    assert queries == [MENTORING, SETTING, POPULATION, COMBINED, FINAL]
    assert [ln.number for ln in rendered.lines] == [1, 2, 3, 4, 5]
    assert rendered.lines[0].label == "Mentoring"
    assert rendered.text == FINAL + "\n"
    assert search_lines(strategy, "pubmed") == rendered.lines
    assert search_lines(strategy) == rendered.lines


def test_pubmed_warns_for_each_truncated_proximity_line_naming_the_yaml_line(strategy):
    warnings = render(strategy, "pubmed").warnings
    assert len(warnings) == 8
    text = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for w in warnings:
        where, match, message = w.split(": ", 2)
        line = text[int(where.rsplit(":", 1)[1]) - 1]
        if match == "broader":  # six truncated proximity lines
            assert "near:" in line and "*" in line and "truncation" in message
        else:  # two .ti,ab,kw. lines: author keywords as [ot]
            assert match == "different" and "kw" in line and ".kw." in message
    assert sum(w.split(": ")[1] == "broader" for w in warnings) == 6


def test_embase_only_heading_never_reaches_pubmed_or_medline(strategy):
    assert "balint group" not in render(strategy, "pubmed").text
    assert "balint group/" not in render(strategy, "ovid-medline").text


def test_rendered_ovid_lines_parse_back_to_the_same_lines(strategy):
    for db in ("ovid-medline", "ovid-embase"):
        text = render(strategy, db).text
        again = render(parse_ovid(text, db), db).text
        assert again == "".join(ln + "\n" for ln in text.splitlines() if not ln.startswith("//"))


def test_translating_the_rendered_medline_lines_gives_the_same_final_pubmed_query(strategy):
    parsed = parse_ovid(MEDLINE, "ovid-medline")
    parsed.searched = "2018-01-31"
    final = search_lines(parsed, "pubmed")[-1].query
    # the same clauses, grouped by line rather than by block
    for clause in ('"Mentors"[mh]', '"physician apprenticeship"[tiab:~2]', '"Schools, Medical"[mh]',
                   'english[la]', 'humans[mh]', '"2008/01/01"[dp] : "2018/01/31"[dp]'):
        assert clause in final


def test_summary_names_blocks_limits_and_databases(strategy):
    text = render(strategy, "summary").text
    assert "1. Mentoring: any of" in text
    assert '"balint group" (Emtree, with narrower headings) [Embase (embase.com), Ovid Embase only]' in text
    assert 'subject heading "Mentorship" (CINAHL, with narrower headings) [CINAHL (EBSCOhost) only]' in text
    assert "with at most 2 words between them (in any order) in title or abstract" in text
    assert "Combined: Mentoring AND Medical schools AND Medical students" in text
    assert "published 2008 to the search date (2018-01-31)" in text


def test_highlight_terms(strategy):
    terms = highlight_terms(strategy)
    for expected in ("mentorship", "medical student*", "balint group", "mentors", "mentoring"):
        assert expected in terms
    # a proximity line is one term: its words count only near each other, never alone
    for expected in ("mentor* adj3 program*", "balint adj3 group*", "learning adj3 communit*",
                     "physician adj3 apprenticeship", "medical adj3 undergraduate"):
        assert expected in terms
    for alone in ("group*", "balint", "medical", "learning", "practice", "mentor*"):
        assert alone not in terms
    assert all(t == t.lower() for t in terms)
    assert len(terms) == len(set(terms))


def test_highlight_terms_of_a_proximity_line_with_an_or_inside():
    s = parse_ovid("((peer or near-peer) adj3 mentor*).ti,ab.\n(group adj work).ti.\n(mentor* adj2 (a and b)).ab.\n1 or 2 or 3\n")
    terms = highlight_terms(s)
    assert terms[:3] == ["peer adj3 mentor*", "near-peer adj3 mentor*", "group adj work"]
    assert terms[3:] == ["mentor*", "a", "b"]  # an AND inside: its words count one by one


def test_highlight_terms_of_a_parsed_strategy_skip_not_side_and_non_text_fields():
    s = parse_ovid("tumo?r.ti,ab.\nnode$1.tw.\nCrenshaw A.au.\ndrug therapy.fs.\nexp animals/ not humans.sh.\n1 or 2 or 3 or 4\n6 not 5\n")
    assert highlight_terms(s) == ["tumo*", "node*"]


def test_summary_of_a_parsed_strategy():
    s = parse_ovid("(a or b).ti,ab.\n(mentor* adj3 program*).ti,ab.\n1 or 2\n")
    text = render(s, "summary").text
    assert '1. (any of: "a"; "b") in title or abstract' in text
    assert '3. any of lines 1, 2' in text
    assert [ln.number for ln in render(s, "summary").lines] == [1, 2, 3]
