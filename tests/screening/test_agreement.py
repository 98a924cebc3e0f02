"""Kappa, percent agreement and PABAK against hand-computed values."""

from __future__ import annotations

import math

import pytest
from screening_helpers import CRITERIA

from review.screening import ScreeningSettings, agreement, cast_vote, cohen_kappa, format_ci, pabak, percent_agreement

# A 2x2 table worked by hand (the classic 50-item example): both yes 20, A yes/B no 5,
# A no/B yes 10, both no 15.
#   p_o = 35/50 = 0.70; marginals A: .5/.5, B: .6/.4; p_e = .5*.6 + .5*.4 = 0.50
#   kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40
# Fleiss-Cohen-Everitt (1969) variance:
#   A = .4*(1-(.5+.6)*.6)^2 + .3*(1-(.5+.4)*.6)^2 = .04624 + .06348 = .10972
#   B = (1-.4)^2 * (.1*(.6+.5)^2 + .2*(.4+.5)^2) = .36 * (.121 + .162) = .10188
#   C = (.4 - .5*.6)^2 = .01
#   var = (A + B - C) / (50 * .5^2) = .2016 / 12.5 = .016128; SE = .126997
#   95% CI = .4 -/+ 1.959964 * .126997 = (.151090, .648910)
#   PABAK = 2 * .70 - 1 = .40
CLASSIC = (
    [("include", "include")] * 20
    + [("include", "exclude")] * 5
    + [("exclude", "include")] * 10
    + [("exclude", "exclude")] * 15
)


def test_kappa_hand_computed():
    kappa, (low, high) = cohen_kappa(CLASSIC)
    assert kappa == pytest.approx(0.40)
    assert low == pytest.approx(0.151090, abs=1e-5)
    assert high == pytest.approx(0.648910, abs=1e-5)
    assert percent_agreement(CLASSIC) == pytest.approx(70.0)
    assert pabak(CLASSIC) == pytest.approx(0.40)


def test_kappa_three_categories_hand_computed():
    # 10 records: II x4, EE x3, IE x1, MI x1, MM x1
    # p_o = 8/10; A: I .5, E .3, M .2; B: I .5, E .4, M .1
    # p_e = .25 + .12 + .02 = .39; kappa = (.8 - .39)/.61 = .672131
    pairs = (
        [("include", "include")] * 4 + [("exclude", "exclude")] * 3
        + [("include", "exclude"), ("maybe", "include"), ("maybe", "maybe")]
    )
    kappa, ci = cohen_kappa(pairs)
    assert kappa == pytest.approx(0.41 / 0.61)
    assert ci[0] < kappa < ci[1] and -1 <= ci[0] and ci[1] <= 1


def test_kappa_perfect_and_undefined():
    assert cohen_kappa([("include", "include"), ("exclude", "exclude")])[0] == pytest.approx(1.0)
    assert cohen_kappa([("include", "include")] * 5) == (None, None)  # p_e = 1
    assert cohen_kappa([]) == (None, None)
    kappa, _ = cohen_kappa([("include", "exclude"), ("exclude", "include")])
    assert kappa == pytest.approx(-1.0)


def test_agreement_per_pair_from_store(screening_store):
    engine, ids, _ = screening_store
    plan = {  # record index: (alice, bob, carol)
        0: ("include", "include", None),
        1: ("exclude", "exclude", "exclude"),
        2: ("include", "exclude", None),
        3: ("exclude", "exclude", None),
        4: (None, "include", "include"),
    }
    for i, decisions in plan.items():
        for who, d in zip(("alice", "bob", "carol"), decisions):
            if d:
                cast_vote(engine, who, ids[i], "title_abstract", d, criteria=CRITERIA,
                          settings=ScreeningSettings(votes_per_record=3))  # record 1: three votes
    with engine.connect() as conn:
        rows = {a.pair: a for a in agreement(conn, "title_abstract")}
    assert set(rows) == {("alice", "bob"), ("alice", "carol"), ("bob", "carol")}
    ab = rows[("alice", "bob")]
    assert ab.n == 4 and ab.percent == pytest.approx(75.0) and ab.pabak == pytest.approx(0.5)
    # alice/bob: II 1, EE 2, IE 1 -> p_o .75; A: I .5 E .5; B: I .25 E .75; p_e = .5
    assert ab.kappa == pytest.approx(0.5)
    assert rows[("alice", "carol")].n == 1 and rows[("alice", "carol")].kappa is None
    assert all(math.isfinite(a.pabak) for a in rows.values())


def test_votes_on_a_record_later_found_to_be_a_duplicate_do_not_count(screening_store):
    import sqlalchemy as sa

    from review.store.schema import dedup_membership

    engine, ids, _ = screening_store
    for i, (a, b) in enumerate([("include", "include"), ("exclude", "exclude"), ("include", "exclude")]):
        cast_vote(engine, "alice", ids[i], "title_abstract", a, criteria=CRITERIA)
        cast_vote(engine, "bob", ids[i], "title_abstract", b, criteria=CRITERIA)
    with engine.connect() as conn:
        assert agreement(conn, "title_abstract")[0].n == 3
    with engine.begin() as conn:  # a later dedup run folds record 2 into record 0
        conn.execute(sa.insert(dedup_membership), [
            {"record_id": ids[0], "kept_id": ids[0], "updated_at": "x"},
            {"record_id": ids[2], "kept_id": ids[0], "updated_at": "x"},
        ])
    with engine.connect() as conn:
        (ab,) = agreement(conn, "title_abstract")
    assert ab.pair == ("alice", "bob") and ab.n == 2 and ab.percent == pytest.approx(100.0)


def test_kappa_ci_is_none_when_its_standard_error_is_zero():
    # one pair disagreeing: kappa 0 with a zero large-sample SE, so no interval ("n/a"),
    # never "0.00 to 0.00"; perfect agreement likewise has no interval
    assert cohen_kappa([("include", "exclude")]) == (0.0, None)
    assert cohen_kappa([("include", "include"), ("exclude", "exclude")])[1] is None
    assert format_ci(cohen_kappa([("include", "exclude")])[1]) == "n/a"
    assert format_ci(cohen_kappa(CLASSIC)[1]) == "0.15 to 0.65"
