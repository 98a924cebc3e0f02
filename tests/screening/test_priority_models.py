"""The candidate rankers of ``review.screening.priority`` (pure functions over texts and votes)."""

from __future__ import annotations

import pytest

from review.screening import priority

TEXTS = [
    "Antihistamines relieve seasonal allergic rhinitis in adults: a randomized trial",  # 0 voted relevant
    "Surgical repair of hip fracture in older adults: outcomes at one year",  # 1 voted irrelevant
    "Cetirizine versus placebo for seasonal allergic rhinitis: randomized trial",  # 2 same topic
    "Hip fracture surgery and mortality in older adults",  # 3 the irrelevant one's topic
    "Antihistaminic drugs: histaminergic blockade for allergies",  # 4 other forms of the words
    "Weather patterns during northern spring winds",  # 5 nothing in common with either vote
]
VOTES = {0: 1, 1: 0}


@pytest.mark.parametrize("model", priority.MODELS)
def test_every_model_ranks_the_relevant_topic_above_the_irrelevant_one(model):
    feats = priority.features(TEXTS, model)
    scores = priority.model_scores(feats, model, VOTES, [2, 3])
    assert scores[0] > scores[1]


def test_character_ngrams_carry_a_vote_to_other_forms_of_its_words():
    """A record using other forms of the relevant record's words ("antihistaminic",
    "allergies") shares no whole word with it: the word model cannot tell it from an unrelated
    record, the character n-gram model puts it higher."""
    words = priority.model_scores(priority.features(TEXTS, "svm"), "svm", VOTES, [4, 5])
    chars = priority.model_scores(priority.features(TEXTS, "svm-char"), "svm-char", VOTES, [4, 5])
    assert words[0] == pytest.approx(words[1])
    assert chars[0] > chars[1]


def test_character_features_on_records_sharing_no_ngram():
    """min_df=2 would leave no feature when no two records share an n-gram: it falls back to 1."""
    feats = priority.features(["qqq", "zzz"], "svm-char")
    assert feats["char"].shape[0] == 2 and feats["char"].shape[1] > 0


def test_a_model_needs_both_kinds_of_vote():
    feats = priority.features(TEXTS, "svm-char")
    with pytest.raises(ValueError, match="one relevant and one irrelevant"):
        priority.model_scores(feats, "svm-char", {0: 1}, [2])


def test_records_without_any_text_are_scored_alike():
    feats = priority.features(["", "", ""], priority.LIVE_MODEL)
    assert priority.model_scores(feats, priority.LIVE_MODEL, {0: 1, 1: 0}, [2]) == [0.0]


def test_relevance_order_on_records_without_text_still_gives_the_next_record(tmp_path):
    """Records imported with no title or abstract (an export of identifiers only): the
    relevance queue goes on in the random order instead of failing."""
    from screening_helpers import store_records

    from review.records import Record
    from review.screening import Criteria, add_reviewer, cast_vote, next_record_id
    from review.store import open_store

    engine = open_store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    ids = store_records(engine, [Record(title="", abstract="")] * 5)
    add_reviewer(engine, "alice")
    for rid, decision in zip(ids, ("include", "exclude")):
        cast_vote(engine, "alice", rid, "title_abstract", decision, criteria=Criteria(version=1))
    with engine.connect() as conn:
        assert next_record_id(conn, "alice", "title_abstract", 0, order="relevance") in ids[2:]
    engine.dispose()
