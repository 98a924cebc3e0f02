"""Where a highlight term matches a text: plain terms, and proximity terms ("a adj3 b")."""

from __future__ import annotations

from review.strategy.highlight import Proximity, TermMatcher, parse_term


def marked(terms, text):
    return [text[a:b] for a, b in TermMatcher(terms).spans(text)]


def test_parse_term_reads_ovid_adjacency():
    assert parse_term("balint adj3 group*") == Proximity(("balint", "group*"), (3,))
    assert parse_term("group ADJ work") == Proximity(("group", "work"), (None,))
    assert parse_term("a adj2 medical student* adj4 c") == Proximity(("a", "medical student*", "c"), (2, 4))
    assert parse_term("medical student*") == "medical student*"
    assert parse_term("adjunct therapy") == "adjunct therapy"


def test_proximity_words_are_marked_only_within_the_distance_in_any_order():
    terms = ["balint adj3 group*"]
    # adj3: at most two words between, either order
    assert marked(terms, "Balint groups met weekly") == ["Balint", "groups"]
    assert marked(terms, "groups run the Balint way") == ["groups", "Balint"]
    assert marked(terms, "a Balint style of small-group teaching") == []  # 3 words between
    # the common word elsewhere in the field stays unmarked; only the close pair is marked
    text = "Group work first. Then a Balint group, and later each small group met."
    assert marked(terms, text) == ["Balint", "group"]
    assert TermMatcher(terms).spans(text) == [(25, 31), (32, 37)]


def test_proximity_does_not_cross_a_field_or_line_break():
    assert marked(["balint adj3 group*"], "a Balint\ngroup") == []
    assert TermMatcher(["balint adj3 group*"]).found("Balint\ngroup") == []


def test_adj_without_a_number_means_next_to_it_in_that_order():
    assert marked(["group adj work"], "group work; work group; group and work") == ["group", "work"]


def test_a_phrase_operand_and_a_chain():
    assert marked(["medical student* adj2 mentor*"], "medical students as mentors") == ["medical students", "mentors"]
    chain = ["peer adj2 mentor* adj2 program*"]
    assert marked(chain, "peer mentoring program") == ["peer", "mentoring", "program"]
    assert marked(chain, "peer mentoring for the first year program") == []


def test_found_counts_each_distinct_term_once_plain_and_proximity():
    m = TermMatcher(["mentor*", "balint adj3 group*", "balint adj3 group*", "x"])
    assert m.found("Mentors and mentees in Balint groups") == ["mentor*", "balint adj3 group*"]
    assert m.found("Mentors; group work for a year. Balint was a psychoanalyst") == ["mentor*"]
    assert not TermMatcher(["", "*", "a adj2 *"])


def test_plain_terms_keep_truncation_wildcards_and_longest_match():
    assert marked(["mentor*", "mentoring program*"], "Mentoring programs and tormentors") == ["Mentoring programs"]
    assert marked(["tumo?r"], "tumour tumor tumouur") == ["tumour", "tumor"]
