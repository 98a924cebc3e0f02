"""The buscar stopping estimate (Callaghan & Müller-Hansen 2020) on a reviewer's own votes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import hypergeom
from screening_helpers import make_records

from review.screening import add_reviewer
from review.screening.model import ScreeningError
from review.screening.stopping import (
    buscar_p_value,
    checkpoints,
    estimate_from_labels,
    estimates,
    labels_in_order,
    scheduled_p_value,
    scheduled_tests,
    stopping_estimate,
)
from review.screening.votes import cast_vote, cast_vote_in


def test_small_case_worked_by_hand():
    # 20 records; screened 10: two relevant first, then eight irrelevant. Recall target 95%:
    # recall would be missed if 3 or more (floor(2/0.95 + 1)) were relevant in all. The last
    # 8 screened plus the 10 unscreened would then hold at least 1 relevant record; the chance
    # of drawing 8 irrelevant ones from those 18 is 10/18, and no other window is less likely.
    assert buscar_p_value([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], 20) == pytest.approx(10 / 18)


def test_against_a_direct_hypergeometric_computation():
    # 1,000 records; 40 relevant found among the first 150, then 450 irrelevant in a row.
    labels = [1 if i % 3 == 0 and i < 120 else 0 for i in range(150)] + [0] * 450
    total, target = 1000, 0.9
    found = sum(labels)
    smallest = 1.0
    for n in range(1, len(labels) + 1):  # the urn: the last n screened plus everything unscreened
        window = labels[-n:]
        k_null = int(found / target) + 1 - (found - sum(window))
        urn = total - len(labels) + n
        if k_null <= urn:
            smallest = min(smallest, hypergeom(urn, k_null, n).cdf(sum(window)))
        else:
            smallest = 0.0
    assert buscar_p_value(labels, total, target) == pytest.approx(smallest)
    assert smallest < 0.05


def test_buscarpy_published_example():
    # buscarpy's documented example: 20,000 records, 1% relevant, a relevant record 10 times
    # as likely to be drawn next as an irrelevant one (numpy's default_rng, seed 12345). The
    # documentation prints p = 0.1098 after 10,000 records, 0.00942 after 12,000, and 0.280
    # after 12,000 for a 99% target.
    rng = np.random.default_rng(seed=12345)
    pool = np.zeros(20000, dtype=np.int8)
    pool[:200] = 1
    weight = np.where(pool == 1, 10.0, 1.0)
    order = rng.choice(pool, pool.shape, replace=False, p=weight / weight.sum())
    assert buscar_p_value(order[:10000], 20000) == pytest.approx(0.10980177863883214)
    assert buscar_p_value(order[:12000], 20000) == pytest.approx(0.009418930806106517)
    assert buscar_p_value(order[:12000], 20000, 0.99) == pytest.approx(0.2803368882417732)


def test_everything_screened_means_the_target_is_met():
    assert buscar_p_value([1, 0, 1, 0, 0], 5) == 0.0
    assert buscar_p_value([], 100) == 1.0


def test_checkpoints_are_fixed_shares_of_the_stage():
    assert checkpoints(1000) == list(range(100, 1000, 50))  # 10%, 15%, ..., 95%
    assert checkpoints(20000)[:3] == [2000, 3000, 4000] and checkpoints(20000)[-1] == 19000
    assert checkpoints(1001)[0] == 101  # rounded up: never before 10% is screened
    assert scheduled_tests(1000) == 18 * 19 // 2


def _direct_scheduled_p(labels, total, target):
    """Every (checkpoint, window since an earlier checkpoint) test, by hand, Bonferroni-corrected."""
    marks = [at for at in range(100, 1000, 50)]
    tests = len(marks) * (len(marks) + 1) // 2
    best = 1.0
    for j, at in enumerate(marks):
        if at > len(labels):
            break
        seen = labels[:at]
        found = sum(seen)
        for start in [0] + marks[:j]:
            window = seen[start:]
            k_null = int(found / target) + 1 - (found - sum(window))
            urn = total - at + len(window)
            p = hypergeom(urn, k_null, len(window)).cdf(sum(window)) if k_null <= urn else 0.0
            best = min(best, min(1.0, tests * p))
    return best


def test_scheduled_p_value_is_the_bonferroni_corrected_smallest_scheduled_test():
    labels = [1 if i % 4 == 0 and i < 400 else 0 for i in range(400)] + [0] * 430
    p, reached = scheduled_p_value(labels, 1000)
    assert reached == 800
    assert p == pytest.approx(_direct_scheduled_p(labels, 1000, 0.95))
    # the correction costs: the paper's single test on the same votes is far smaller
    assert buscar_p_value(labels, 1000) < p / 50


def test_the_estimate_changes_only_at_a_checkpoint_and_a_stop_stays_a_stop():
    streak = [1] * 100 + [0] * 700
    before = estimate_from_labels(streak[:799], 1000)
    assert (before.checkpoint, before.next_checkpoint) == (750, 800) and not before.can_stop
    assert "next test at 800" in before.why_not
    assert before.p_value == estimate_from_labels(streak[:751], 1000).p_value
    at = estimate_from_labels(streak, 1000)
    assert at.checkpoint == 800 and at.can_stop
    # a relevant record found after the stop does not take the stop back
    assert estimate_from_labels(streak + [1] + [0] * 49, 1000).can_stop


def test_a_late_run_of_hard_records_stops_the_every_vote_rule_short_but_not_the_scheduled_one():
    # 1,000 records, 95 relevant: 90 found in the first 450, then 350 irrelevant, then the 5
    # records the ranking could not place spread over the last 200. Testing after every vote
    # (the paper's p, uncorrected) says stop at 695 records with recall 90/95 < 95%; the
    # scheduled, corrected rule never says stop before those five are found.
    order = [1 if i % 5 == 0 else 0 for i in range(450)] + [0] * 350 + [0] * 200
    for j in (20, 60, 100, 140, 180):
        order[800 + j] = 1
    first_uncorrected = next(k for k in range(100, 1001) if buscar_p_value(order[:k], 1000) < 0.05)
    assert first_uncorrected == 695 and sum(order[:695]) / 95 < 0.95
    stops = [k for k in checkpoints(1000) if estimate_from_labels(order[:k], 1000).can_stop]
    assert all(sum(order[:k]) / 95 >= 0.95 for k in stops)


def test_guards_small_reviews_and_early_stops():
    streak = [1] * 100 + [0] * 700
    assert estimate_from_labels(streak, 1000).can_stop
    small = estimate_from_labels(streak, 999)
    assert small.p_value < 0.05 and not small.can_stop and "1,000" in small.why_not
    early = estimate_from_labels([1] * 30 + [0] * 60, 1000)  # 9% screened
    assert not early.can_stop and "10%" in early.why_not
    with pytest.raises(ScreeningError, match="recall"):
        estimate_from_labels(streak, 1000, recall=1.0)


def test_plain_language_line():
    e = estimate_from_labels([1] * 100 + [0] * 700, 1000, reviewer="alice")
    assert "if you stopped now, at least 95% of relevant records would have been found, with 95% confidence" in (
        e.sentence().lower()
    )
    assert "Not yet safe to stop" in estimate_from_labels([1] * 30 + [0] * 60, 1000).sentence()


@pytest.fixture
def thousand(store_engine):
    ids = make_records(store_engine, 1000)
    add_reviewer(store_engine, "alice")
    add_reviewer(store_engine, "bob")
    return store_engine, ids


def _votes(engine, reviewer, decisions):
    with engine.begin() as conn:
        for rid, decision in decisions:
            cast_vote_in(conn, reviewer, rid, "title_abstract", decision)


def test_estimate_from_the_store_uses_only_the_reviewers_own_votes_in_order(thousand):
    engine, ids = thousand
    # alice: 80 includes, 20 maybes, then 700 excludes (the order she cast them in)
    mine = [(rid, "include") for rid in ids[500:580]] + [(rid, "maybe") for rid in ids[580:600]]
    mine += [(rid, "exclude") for rid in ids[:500] + ids[600:800]]
    _votes(engine, "alice", mine)
    # bob votes include on everything alice excluded: that must not move alice's estimate
    _votes(engine, "bob", [(rid, "include") for rid in ids[:300]])
    with engine.connect() as conn:
        e = stopping_estimate(conn, "alice")
        assert (e.screened, e.relevant, e.total) == (800, 100, 1000)
        assert e.p_value == pytest.approx(scheduled_p_value([1] * 100 + [0] * 700, 1000)[0])
        assert e.can_stop
        assert not stopping_estimate(conn, "bob").can_stop  # 300 screened: 30%, but all relevant
        assert [x.reviewer for x in estimates(conn)] == ["alice", "bob"]
    # a changed mind keeps its place in the order: the first include becomes an exclude
    cast_vote(engine, "alice", ids[500], "title_abstract", "exclude")
    with engine.connect() as conn:
        labels = labels_in_order(conn, "alice", "title_abstract")
    assert labels[0] == 0 and labels[1:100] == [1] * 99 and len(labels) == 800
