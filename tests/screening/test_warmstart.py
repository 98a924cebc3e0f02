"""The warm start (review.screening.warmstart): before a reviewer's first include and exclude,
records are ranked by the search strategy, a record matching every concept block first; and
the store path uses it until the reviewer's own votes can train a model."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from review.records import Record
from review.screening import add_reviewer, cast_vote, next_record_id, queue
from review.screening import priority, ranking, warmstart
from review.store.schema import screening_rank_state
from review.strategy.load import strategy_from_yaml

from screening_helpers import CRITERIA, store_records

THREE_BLOCKS = """
title: mentoring
blocks:
  - name: mentoring
    fields: [ti, ab]
    terms: [{text: mentor*}, {near: [peer, support], adj: 3}]
  - name: students
    fields: [ti, ab]
    terms: [{text: medical student*}, {mesh: "Students, Medical"}]
  - name: setting
    fields: [ti, ab]
    terms: [{text: medical school*}, {text: university}]
combine: mentoring AND students AND setting
"""


def scores(texts, yaml_text):
    return warmstart.strategy_scores(texts, strategy_from_yaml(yaml_text))


def test_a_record_matching_every_block_comes_before_one_matching_only_one():
    texts = [
        "Mentoring, mentors and mentor programmes: mentor mentor mentor",  # one block, many terms
        "A mentor for each medical student at a medical school",  # every block once
        "Medical students at university",  # two blocks
        "Cardiac surgery in the elderly",  # none
    ]
    s = scores(texts, THREE_BLOCKS)
    assert s[1] > s[2] > s[0] > s[3] == 0.0
    # three distinct terms each: counting terms (the fallback) cannot tell them apart
    two_blocks = "A mentor and peer support for a medical student"
    three_blocks = "A mentor for a medical student at university"
    terms = ["mentor*", "peer adj3 support", "medical student*", "medical school*", "university"]
    assert priority.term_scores([two_blocks], terms) == priority.term_scores([three_blocks], terms) == [3]
    a, b = scores([two_blocks, three_blocks, *texts], THREE_BLOCKS)[:2]
    assert b > a


def test_within_a_block_rarer_terms_and_more_matches_weigh_more():
    texts = ["university study"] * 8 + ["medical school study", "medical school medical school study", "other"]
    s = scores(texts, """
blocks:
  - name: setting
    fields: [ti, ab]
    terms: [{text: medical school*}, {text: university}]
combine: setting
""")
    assert s[9] > s[8] > s[0] > s[10] == 0.0  # "medical school" is rarer than "university"


def test_or_counts_either_side_and_both_more():
    yaml_text = """
blocks:
  - name: a
    fields: [ti, ab]
    terms: [{text: mentor*}]
  - name: b
    fields: [ti, ab]
    terms: [{text: tutor*}]
combine: a OR b
"""
    s = scores(["a mentor", "a tutor", "a mentor and a tutor", "neither"], yaml_text)
    assert s[0] > 0 and s[1] > 0 and s[2] > max(s[0], s[1]) and s[3] == 0.0


def test_not_keeps_the_first_operand_and_nested_combinations_follow_the_brackets():
    yaml_text = """
blocks:
  - name: a
    fields: [ti, ab]
    terms: [{text: mentor*}]
  - name: b
    fields: [ti, ab]
    terms: [{text: tutor*}]
  - name: c
    fields: [ti, ab]
    terms: [{text: student*}]
  - name: d
    fields: [ti, ab]
    terms: [{text: nurs*}]
combine: (a OR b) AND c NOT d
"""
    s = scores(["mentor for students", "tutor for students", "mentor", "student", "mentor for nursing students"],
               yaml_text)
    assert s[0] > s[2] and s[1] > s[3] and s[0] > s[3]
    assert s[4] == pytest.approx(s[0], rel=0.5)  # the NOT side does not select, so it is not scored


def test_a_line_based_strategy_gives_none_and_the_caller_falls_back():
    from review.strategy.ovid import parse_ovid

    strategy = parse_ovid("1. mentor*.ti,ab.\n2. medical student*.ti,ab.\n3. 1 and 2\n")
    assert warmstart.strategy_scores(["mentor of a medical student"], strategy) is None


def test_the_blocks_terms_are_the_highlighted_ones():
    found = warmstart.concepts(strategy_from_yaml(THREE_BLOCKS))
    assert found["mentoring"].terms == ("mentor*", "peer adj3 support")
    assert "medical student*" in found["students"].terms


# --- through the store ------------------------------------------------------------------

@pytest.fixture
def corpus(store_engine):
    texts = (
        ["Mentor mentor mentoring mentors: a review of mentor programmes"] * 6  # one concept only
        + ["Medical students at university"] * 6
        + ["A mentor scheme for medical students at a medical school"] * 2  # every concept
        + ["Cardiac surgery outcomes in the elderly"] * 6
    )
    ids = store_records(store_engine, [Record(title=f"{t} ({i})", abstract=t, pmid=str(8300000 + i))
                                       for i, t in enumerate(texts)])
    add_reviewer(store_engine, "alice")
    ranking._CACHE.clear()
    ranking._WARM.clear()
    return store_engine, ids


def test_the_first_cards_come_from_the_strategy_until_the_reviewer_can_train_a_model(corpus):
    engine, ids = corpus
    strategy = strategy_from_yaml(THREE_BLOCKS)
    every_block = set(ids[12:14])
    with engine.connect() as conn:
        first = next_record_id(conn, "alice", "title_abstract", order="relevance", strategy=strategy)
    assert first in every_block
    with engine.connect() as conn:
        assert conn.execute(sa.select(screening_rank_state.c.model)).scalar() == warmstart.MODEL
        q = queue(conn, "alice", "title_abstract", order="relevance", strategy=strategy)
    assert set(q[:2]) == every_block and set(q[-6:]) == set(ids[14:])
    # an include alone: still the warm start; an include and an exclude: the classifier
    cast_vote(engine, "alice", first, "title_abstract", "include", criteria=CRITERIA)
    with engine.connect() as conn:
        next_record_id(conn, "alice", "title_abstract", order="relevance", strategy=strategy)
        assert conn.execute(sa.select(screening_rank_state.c.model)).scalar() == warmstart.MODEL
    cast_vote(engine, "alice", ids[14], "title_abstract", "exclude", criteria=CRITERIA)
    with engine.connect() as conn:
        next_record_id(conn, "alice", "title_abstract", order="relevance", strategy=strategy)
        assert conn.execute(sa.select(screening_rank_state.c.model)).scalar() == priority.MODEL
    # the methods draft reports classifiers only, not the warm start
    with engine.connect() as conn:
        assert ranking.prioritisation_used(conn) == priority.MODEL_DESCRIPTION


def test_without_a_strategy_the_first_ranking_counts_include_terms(corpus):
    engine, ids = corpus
    with engine.connect() as conn:
        first = next_record_id(conn, "alice", "title_abstract", order="relevance",
                               terms=["mentor*", "medical student*"])
        assert conn.execute(sa.select(screening_rank_state.c.model)).scalar() == priority.TERMS_MODEL
    assert first in ids[12:14]  # the two terms at once: only the every-concept records have both
