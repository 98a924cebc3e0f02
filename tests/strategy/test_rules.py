"""One test per translation rule (rules.yaml), against PubMed's documented syntax.

PubMed forms used as the reference: field tags [ti] [tiab] [ot] [tw] [mh] [mh:noexp] [majr]
[sh] [pt] [la] [au] [edat] [dp] [tt] (PubMed User Guide, search field tags); proximity
"a b"[tiab:~N] with N words between (NLM Technical Bulletin 2022 Nov-Dec;(449):e4); right
truncation with * only (NLM PubMed tutorial); date ranges "YYYY/MM/DD"[dp] : "YYYY/MM/DD"[dp].
"""

from __future__ import annotations

import pytest

from review.strategy import parse_ovid, render
from review.strategy import rules as R


def pubmed(line: str, database: str = "ovid-medline") -> tuple[str, list[str]]:
    r = render(parse_ovid(line + "\n", database), "pubmed")
    return r.lines[-1].query, r.warnings


def only_match(warnings: list[str]) -> set[str]:
    return {w.split(": ")[1] for w in warnings}


# --- fields -------------------------------------------------------------------------------

@pytest.mark.parametrize("ovid, expected", [
    ("mentorship.ti.", "mentorship[ti]"),
    ("mentorship.ti,ab.", "mentorship[tiab]"),
    ("randomized controlled trial.pt.", '"randomized controlled trial"[pt]'),
    ("english.lg.", "english[la]"),
    ("Crenshaw A$.au.", '"Crenshaw A*"[au]'),
    ("humans.sh.", "humans[mh:noexp]"),
    ("drug therapy.fs.", '"drug therapy"[sh]'),
    ("(2012* or 2013*).ed.", "2012[edat] OR 2013[edat]"),
])
def test_exact_field_codes(ovid, expected):
    query, warnings = pubmed(ovid)
    assert query == expected
    assert warnings == []


def test_keywords_are_other_term_different():
    for code in ("kw", "kf"):
        query, warnings = pubmed(f"mentorship.{code}.")
        assert query == "mentorship[ot]"
        assert only_match(warnings) == {"different"}


def test_ti_ab_kw_is_tiab_or_other_term():
    query, warnings = pubmed("mentorship.ti,ab,kw.")
    assert query == "mentorship[tiab] OR mentorship[ot]"
    assert only_match(warnings) == {"different"}


def test_abstract_only_becomes_tiab_broader():
    query, warnings = pubmed("placebo.ab.")
    assert query == "placebo[tiab]"
    assert only_match(warnings) == {"broader"}


def test_tw_is_tiab_exact_in_medline_narrower_from_embase():
    assert pubmed("mentor*.tw.") == ("mentor*[tiab]", [])
    query, warnings = pubmed("mentor*.tw.", "ovid-embase")
    assert query == "mentor*[tiab]"
    assert only_match(warnings) == {"narrower"}


def test_mp_becomes_text_word_different():
    query, warnings = pubmed("nuchal translucency.mp.")
    assert query == '"nuchal translucency"[tw]'
    assert only_match(warnings) == {"different"}


def test_original_title_is_not_other_term():
    query, warnings = pubmed("cancer.ot.")
    assert query == "cancer[tt]"
    assert only_match(warnings) == {"different"}


def test_untagged_text_is_text_word_with_a_warning():
    query, warnings = pubmed("malaria")
    assert query == "malaria[tw]"
    assert "untagged" in warnings[0] and only_match(warnings) == {"different"}


def test_floating_subheading_code_is_searched_by_its_name():
    assert pubmed("dt.fs.") == ('"drug therapy"[sh]', [])


def test_terms_grouped_in_one_field_need_no_extra_brackets_inside_or():
    assert pubmed("x.ti. or (a or b).ti,ab.")[0] == "x[ti] OR a[tiab] OR b[tiab]"
    assert pubmed("x.ti. and (a or b).ti,ab.")[0] == "x[ti] AND (a[tiab] OR b[tiab])"


# --- headings -----------------------------------------------------------------------------

@pytest.mark.parametrize("ovid, expected", [
    ("exp Mentors/", '"Mentors"[mh]'),
    ("Education, Medical, Undergraduate/", '"Education, Medical, Undergraduate"[mh:noexp]'),
    ("exp *Dementia/", '"Dementia"[majr]'),
    ("*Dementia/", '"Dementia"[majr:noexp]'),
    ("Mothers/px", '"Mothers/psychology"[mh:noexp]'),
    ("exp Dementia/bl, cf", '"Dementia/blood"[mh] OR "Dementia/cerebrospinal fluid"[mh]'),
])
def test_mesh_headings(ovid, expected):
    assert pubmed(ovid) == (expected, [])


def test_emtree_heading_with_a_mesh_pair():
    assert pubmed("exp mentor/", "ovid-embase") == ('"Mentors"[mh]', [])


def test_emtree_only_heading_becomes_text_words_different():
    query, warnings = pubmed("exp balint group/", "ovid-embase")
    assert query == '"balint group"[tw]'
    assert "no MeSH equivalent" in warnings[0] and only_match(warnings) == {"different"}


def test_mesh_to_emtree_uses_the_table_and_warns_when_missing():
    r = render(parse_ovid("exp Mentors/\nexp Schools, Medical/\nexp Aspergillosis/\n"), "ovid-embase")
    assert [ln.query for ln in r.lines] == ["exp mentor/", "exp medical school/", "exp Aspergillosis/"]
    assert len(r.warnings) == 1 and "line 3" in r.warnings[0] and "no Emtree equivalent" in r.warnings[0]


# --- proximity ----------------------------------------------------------------------------

def test_adjN_is_proximity_with_n_minus_one_words_between():
    assert pubmed("(physician adj3 apprenticeship).ti,ab.") == ('"physician apprenticeship"[tiab:~2]', [])
    assert pubmed("(heart adj5 failure).ti.") == ('"heart failure"[ti:~4]', [])
    assert R.rules()["proximity"]["ovid_adj_to_pubmed_between"] == -1


def test_adj_without_number_is_a_phrase():
    assert pubmed("(oral adj mucosa$).tw.") == ('"oral mucosa*"[tiab]', [])


def test_proximity_alternatives_are_spelled_out():
    query, warnings = pubmed("((heart or cardiac) adj3 failure).ti,ab.")
    assert query == '"heart failure"[tiab:~2] OR "cardiac failure"[tiab:~2]'
    assert warnings == []


def test_proximity_with_truncation_falls_back_to_and_broader():
    query, warnings = pubmed("(mentor* adj3 program*).ti,ab.")
    assert query == "mentor*[tiab] AND program*[tiab]"
    assert only_match(warnings) == {"broader"} and "truncation" in warnings[0]


def test_proximity_outside_title_abstract_falls_back_to_and():
    query, warnings = pubmed("(mentor adj3 program).mp.")
    assert query == "mentor[tw] AND program[tw]"
    assert "broader" in only_match(warnings)


def test_proximity_chain_is_pairs_broader():
    query, warnings = pubmed("(optic adj2 nerve adj2 head).tw.")
    assert query == '"optic nerve"[tiab:~1] AND "nerve head"[tiab:~1]'
    assert only_match(warnings) == {"broader"}


def test_proximity_over_ti_ab_kw_uses_proximity_for_tiab_and_and_for_keywords():
    query, warnings = pubmed("(physician adj3 apprenticeship).ti,ab,kw.")
    assert query == '"physician apprenticeship"[tiab:~2] OR (physician[ot] AND apprenticeship[ot])'
    assert only_match(warnings) == {"broader", "different"}


# --- truncation and wildcards --------------------------------------------------------------

def test_dollar_is_star():
    assert pubmed("glaucoma$.tw.") == ("glaucoma*[tiab]", [])


def test_limited_truncation_becomes_unlimited_broader():
    query, warnings = pubmed("node$1.tw.")
    assert query == "node*[tiab]"
    assert only_match(warnings) == {"broader"}


def test_optional_character_is_spelled_out_narrower():
    query, warnings = pubmed("tumo?r.ti.")
    forms = query.split(" OR ")
    assert "tumor[ti]" in forms and "tumour[ti]" in forms
    assert len(forms) == len(R.rules()["wildcards"]["optional_letters"])
    assert only_match(warnings) == {"narrower"}


def test_single_character_wildcard_is_spelled_out():
    query, _ = pubmed("wom#n.ti.")
    assert "women[ti]" in query.split(" OR ") and "woman[ti]" in query.split(" OR ")
    assert "womn[ti]" not in query


def test_too_many_wildcards_truncate_broader():
    query, warnings = pubmed("h?em?t?ma.ti.")
    assert query == "h*[ti]"
    assert only_match(warnings) == {"broader"}


def test_inner_phrase_truncation_is_and_of_words():
    query, warnings = pubmed('"prostat* cancer*".ti,ab.')
    assert query == "prostat*[tiab] AND cancer*[tiab]"
    assert only_match(warnings) == {"broader"}


# --- Boolean ---------------------------------------------------------------------------------

def test_operators_upper_case_and_nested_groups_bracketed():
    query, _ = pubmed("((a or b) and c not d).ti.")  # not binds before and (ovid.py docstring)
    assert query == "(a[ti] OR b[ti]) AND (c[ti] NOT d[ti])"
    query, _ = pubmed("(a or b not c).ti.")
    assert query == "a[ti] OR (b[ti] NOT c[ti])"


def test_line_references_are_expanded_and_bracketed():
    r = render(parse_ovid("a.ti.\nb.ti.\n1 or 2\nc.ti.\n3 and 4\n"), "pubmed")
    assert r.lines[-1].query == "(a[ti] OR b[ti]) AND c[ti]"


# --- limits --------------------------------------------------------------------------------

def test_limits_language_humans_years():
    r = render(parse_ovid('a.ti.\nlimit 1 to (english language and humans and yr="2008 -Current")\n'), "pubmed")
    assert r.lines[-1].query == 'a[ti] AND english[la] AND humans[mh] AND ("2008/01/01"[dp] : "3000"[dp])'
    assert r.warnings == []


def test_years_current_uses_the_search_date_when_known():
    s = parse_ovid('a.ti.\nlimit 1 to yr="2008 - 2017"\n')
    assert render(s, "pubmed").lines[-1].query == 'a[ti] AND ("2008/01/01"[dp] : "2017/12/31"[dp])'
    s = parse_ovid('a.ti.\nlimit 1 to yr="2008 -Current"\n')
    s.searched = "2018-01-31"
    assert render(s, "pubmed").lines[-1].query.endswith('("2008/01/01"[dp] : "2018/01/31"[dp])')


def test_entry_date_limit():
    r = render(parse_ovid("a.ti.\nlimit 1 to ed=20120101-20131231\n"), "pubmed")
    assert r.lines[-1].query == 'a[ti] AND ("2012/01/01"[edat] : "2013/12/31"[edat])'


def test_unknown_limit_is_left_out_with_a_warning_never_silently():
    r = render(parse_ovid('a.ti.\nlimit 1 to "reviews (maximizes specificity)"\n'), "pubmed")
    assert r.lines[-1].query == "a[ti]"
    assert len(r.warnings) == 1 and "line 2" in r.warnings[0] and "broader" in r.warnings[0]


def test_humans_limit_per_ovid_database():
    s = parse_ovid("a.ti.\nlimit 1 to humans\n")
    assert render(s, "ovid-medline").lines[-1].query == "limit 1 to humans"
    assert render(s, "ovid-embase").lines[-1].query == "limit 1 to human"


# --- the table itself ----------------------------------------------------------------------

def test_every_rule_names_known_sources():
    table = R.rules()
    sources = set(table["sources"])
    for code, rule in table["fields"].items():
        assert rule["sources"] and set(rule["sources"]) <= sources, code
        assert rule["pubmed"], code
        assert R.match_of(rule, "ovid-medline") in ("exact", "broader", "narrower", "different")
    for name in ("proximity", "wildcards", "untagged"):
        assert set(table[name]["sources"]) <= sources
    for pair in table["headings"]:
        assert set(pair["sources"]) <= sources
    for kind, rule in table["limits"].items():
        assert set(rule["sources"]) <= sources, kind
    for tag, rule in table["pubmed_tags"].items():
        assert rule["sources"] and set(rule["sources"]) <= sources, tag
        assert rule["match"] in ("exact", "broader", "narrower", "different"), tag
        assert all(R.field_rule(code) for code in rule.get("ovid", ())), tag
        assert rule["kind"] != "date" or rule["limit"] in table["limits"], tag
    assert set(table["pubmed_untagged"]["sources"]) <= sources


def test_pubmed_tag_names_are_unique_and_found_in_any_case():
    table = R.rules()["pubmed_tags"]
    names = [n for tag, rule in table.items() for n in (tag, *rule.get("names", ()))]
    assert len(names) == len(set(names))
    assert R.pubmed_tag("Title/Abstract")[0] == "tiab" and R.pubmed_tag("MeSH  Terms")[0] == "mh"
    assert R.pubmed_tag("kw") is None


def test_docs_document_every_field_code_and_source():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "strategy.md").read_text(encoding="utf-8")
    table = R.rules()
    for code in table["fields"]:
        assert f"`.{code}.`" in doc, code
    for key in table["sources"]:
        assert f"**{key}**" in doc, key
    for tag in table["pubmed_tags"]:
        assert f"| `[{tag}]` |" in doc, tag
