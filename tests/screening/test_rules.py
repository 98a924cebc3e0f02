"""Reviewers, queues, blinding, conflicts, resolution and reasons, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from review.screening import (
    NotAllowedError,
    ScreeningError,
    add_reviewer,
    authenticate,
    cast_vote,
    conflicts,
    final_decisions,
    list_reviewers,
    my_votes,
    next_record_id,
    progress,
    queue,
    resolve_conflict,
    revoke_reviewer,
    stage_record_ids,
    undo_last_vote,
)
from review.screening.queue import sort_key
from review.store import list_events
from review.store.schema import dedup_membership, screening_reviewers, screening_votes

from screening_helpers import CRITERIA, make_records

TA, FT = "title_abstract", "full_text"


def _vote(engine, who, rid, decision, stage=TA, reason="", settings=None):
    return cast_vote(engine, who, rid, stage, decision, reason=reason, criteria=CRITERIA, settings=settings)


# --- reviewers --------------------------------------------------------------------------


def test_tokens_are_hashed_and_authenticate(screening_store):
    engine, _, tokens = screening_store
    with engine.connect() as conn:
        hashes = set(conn.execute(sa.select(screening_reviewers.c.token_hash)).scalars())
        assert tokens["alice"] not in hashes and len(next(iter(hashes))) == 64
        who = authenticate(conn, tokens["alice"])
        assert who.name == "alice" and who.role == "reviewer" and who.active
        assert authenticate(conn, "not-a-token") is None
        assert authenticate(conn, "") is None
        assert [r.name for r in list_reviewers(conn)] == ["alice", "bob", "carol"]


def test_readd_active_refused_revoke_then_new_token(screening_store):
    engine, _, tokens = screening_store
    with pytest.raises(ScreeningError, match="exists already"):
        add_reviewer(engine, "alice")
    revoke_reviewer(engine, "alice")
    with engine.connect() as conn:
        assert authenticate(conn, tokens["alice"]) is None
        assert not [r for r in list_reviewers(conn) if r.name == "alice"][0].active
    with pytest.raises(ScreeningError, match="revoked already"):
        revoke_reviewer(engine, "alice")
    new = add_reviewer(engine, "alice")
    assert new != tokens["alice"]
    with engine.connect() as conn:
        assert authenticate(conn, new).name == "alice"
        assert authenticate(conn, tokens["alice"]) is None
        kinds = [e["kind"] for e in list_events(conn) if e["kind"].startswith("reviewer.")]
    assert kinds == ["reviewer.add"] * 3 + ["reviewer.revoke", "reviewer.add"]


def test_bad_names_and_roles(screening_store):
    engine, _, _ = screening_store
    with pytest.raises(ScreeningError):
        add_reviewer(engine, "")
    with pytest.raises(ScreeningError):
        add_reviewer(engine, "x", role="admin")
    with pytest.raises(ScreeningError, match="no reviewer"):
        revoke_reviewer(engine, "nobody")


def test_revoked_or_unknown_reviewer_cannot_vote(screening_store):
    engine, ids, _ = screening_store
    revoke_reviewer(engine, "bob")
    with pytest.raises(NotAllowedError, match="revoked"):
        _vote(engine, "bob", ids[0], "include")
    with pytest.raises(NotAllowedError, match="no reviewer"):
        _vote(engine, "mallory", ids[0], "include")


# --- queue --------------------------------------------------------------------------------


def test_queue_is_reproducible_random_and_shrinks(screening_store):
    engine, ids, _ = screening_store
    with engine.connect() as conn:
        q0 = queue(conn, "alice", TA, seed=0)
        assert sorted(q0) == ids
        assert q0 == sorted(ids, key=lambda i: (sort_key(0, i), i))
        assert q0 != ids  # shuffled (12 ids in id order would be a 1 in 479001600 chance)
        assert queue(conn, "bob", TA, seed=0) == q0
        assert queue(conn, "alice", TA, seed=7) != q0
        assert next_record_id(conn, "alice", TA) == q0[0]
    _vote(engine, "alice", q0[0], "include")
    with engine.connect() as conn:
        assert queue(conn, "alice", TA) == q0[1:]
        assert queue(conn, "bob", TA) == q0  # bob still has to vote on it


def test_sort_key_is_stable():
    # fixed values: the order must never change between versions or machines
    assert sort_key(0, 1) == 8724540124617128742
    assert sort_key(1, 1) == 5186469624960807611
    assert sort_key(123, 456) == 3439847813346578420
    assert sorted(range(1, 9), key=lambda i: (sort_key(0, i), i)) == [3, 7, 8, 5, 4, 2, 6, 1]


def test_record_with_two_votes_leaves_third_reviewers_queue(screening_store):
    engine, ids, _ = screening_store
    add_reviewer(engine, "dave")
    _vote(engine, "alice", ids[3], "include")
    _vote(engine, "bob", ids[3], "exclude")
    with engine.connect() as conn:
        assert ids[3] not in queue(conn, "dave", TA)
        assert ids[3] not in queue(conn, "carol", TA)  # carol is lead; same rule


def test_duplicates_are_not_screened(screening_store):
    engine, ids, _ = screening_store
    with engine.begin() as conn:
        conn.execute(
            sa.insert(dedup_membership),
            [
                {"record_id": ids[0], "kept_id": ids[0], "updated_at": "x"},
                {"record_id": ids[1], "kept_id": ids[0], "updated_at": "x"},
            ],
        )
    with engine.connect() as conn:
        assert ids[1] not in stage_record_ids(conn, TA)
        assert ids[1] not in queue(conn, "alice", TA)
        assert len(queue(conn, "alice", TA)) == len(ids) - 1
    with pytest.raises(ScreeningError, match=f"duplicate of record {ids[0]}"):
        _vote(engine, "alice", ids[1], "include")


def test_new_records_join_the_queue(screening_store):
    engine, ids, _ = screening_store
    with engine.connect() as conn:
        assert len(queue(conn, "alice", TA)) == len(ids)
    more = make_records(engine, 3)
    with engine.connect() as conn:
        assert set(more) <= set(queue(conn, "alice", TA))


def test_undo_returns_record_to_front(screening_store):
    engine, ids, _ = screening_store
    with engine.connect() as conn:
        q = queue(conn, "alice", TA)
    _vote(engine, "alice", q[0], "include")
    _vote(engine, "alice", q[1], "exclude")
    undone = undo_last_vote(engine, "alice", TA)
    assert undone.record_id == q[1] and undone.decision == "exclude"
    with engine.connect() as conn:
        assert next_record_id(conn, "alice", TA) == q[1]
        assert [v.record_id for v in my_votes(conn, "alice", TA)] == [q[0]]
    undone = undo_last_vote(engine, "alice", TA)
    assert undone.record_id == q[0]
    with engine.connect() as conn:
        assert queue(conn, "alice", TA)[:2] == [q[0], q[1]]  # latest undo first
    assert undo_last_vote(engine, "alice", TA) is None
    with engine.connect() as conn:
        rows = conn.execute(sa.select(screening_votes)).all()
        assert len(rows) == 2 and all(r.ended_how == "undone" for r in rows)  # nothing deleted
        assert len(list_events(conn, "vote.undo")) == 2


# --- votes -------------------------------------------------------------------------------


def test_double_vote_is_idempotent_and_change_supersedes(screening_store):
    engine, ids, _ = screening_store
    a = _vote(engine, "alice", ids[0], "include")
    b = _vote(engine, "alice", ids[0], "include")
    assert a == b
    c = _vote(engine, "alice", ids[0], "exclude")
    assert c.id != a.id and c.decision == "exclude" and c.criteria_version == 3
    with engine.connect() as conn:
        rows = conn.execute(sa.select(screening_votes).order_by(screening_votes.c.id)).all()
        assert [(r.decision, r.current, r.ended_how) for r in rows] == [
            ("include", False, "superseded"),
            ("exclude", True, None),
        ]
        assert [v.decision for v in my_votes(conn, "alice", TA)] == ["exclude"]
        assert len(list_events(conn, "vote")) == 2


def test_bad_votes(screening_store):
    engine, ids, _ = screening_store
    with pytest.raises(ScreeningError, match="unknown decision"):
        _vote(engine, "alice", ids[0], "yes")
    with pytest.raises(ScreeningError, match="unknown stage"):
        _vote(engine, "alice", ids[0], "include", stage="abstract")
    with pytest.raises(ScreeningError, match="no record"):
        _vote(engine, "alice", 999999, "include")
    with pytest.raises(ScreeningError, match="not in the full-text stage"):
        _vote(engine, "alice", ids[0], "include", stage=FT)


# --- blinding ------------------------------------------------------------------------------


def test_blinding_my_votes_and_progress_show_counts_only(screening_store):
    engine, ids, _ = screening_store
    _vote(engine, "alice", ids[0], "include")
    _vote(engine, "bob", ids[0], "exclude")
    _vote(engine, "bob", ids[1], "exclude")
    with engine.connect() as conn:
        mine = my_votes(conn, "alice", TA)
        assert [(v.reviewer, v.record_id) for v in mine] == [("alice", ids[0])]
        p = progress(conn, "alice", TA)
        assert p.total == 12 and p.mine == 1
        assert p.partner_counts == {"bob": 2}
        assert p.open_conflicts == 1 and p.decided == 0
        # the dataclass holds counts, never votes or decisions
        assert all(isinstance(v, int) for v in p.partner_counts.values())


# --- conflicts and resolution ----------------------------------------------------------------


def test_agreement_is_final_disagreement_and_maybe_are_conflicts(screening_store):
    engine, ids, _ = screening_store
    _vote(engine, "alice", ids[0], "include"); _vote(engine, "bob", ids[0], "include")
    _vote(engine, "alice", ids[1], "exclude"); _vote(engine, "bob", ids[1], "exclude")
    _vote(engine, "alice", ids[2], "include"); _vote(engine, "bob", ids[2], "exclude")
    _vote(engine, "alice", ids[3], "maybe"); _vote(engine, "bob", ids[3], "maybe")
    _vote(engine, "alice", ids[4], "include")  # one vote only: pending
    with engine.connect() as conn:
        finals = final_decisions(conn, TA)
        assert {k: (v.decision, v.how) for k, v in finals.items()} == {
            ids[0]: ("include", "agreement"),
            ids[1]: ("exclude", "agreement"),
        }
        open_ = conflicts(conn, TA)
        assert [c.record_id for c in open_] == [ids[2], ids[3]]
        assert {v.reviewer for v in open_[0].votes} == {"alice", "bob"}
        assert stage_record_ids(conn, FT) == [ids[0]]


def test_lead_resolves_votes_unchanged(screening_store):
    engine, ids, _ = screening_store
    _vote(engine, "alice", ids[2], "include")
    _vote(engine, "bob", ids[2], "exclude")
    with engine.connect() as conn:
        before = conn.execute(sa.select(screening_votes).order_by(screening_votes.c.id)).all()
    with pytest.raises(NotAllowedError, match="only a lead"):
        resolve_conflict(engine, ids[2], TA, "include", by="alice", criteria=CRITERIA)
    with pytest.raises(ScreeningError, match="unknown decision"):
        resolve_conflict(engine, ids[2], TA, "maybe", by="carol", criteria=CRITERIA)
    with pytest.raises(ScreeningError, match="^no decision chosen: choose include or exclude$"):
        resolve_conflict(engine, ids[2], TA, "", by="carol", criteria=CRITERIA)
    final = resolve_conflict(engine, ids[2], TA, "include", by="carol", note="fits", criteria=CRITERIA)
    assert (final.decision, final.how, final.reason) == ("include", "resolution", "")
    assert resolve_conflict(engine, ids[2], TA, "include", by="carol", criteria=CRITERIA) == final
    with engine.connect() as conn:
        after = conn.execute(sa.select(screening_votes).order_by(screening_votes.c.id)).all()
        assert after == before
        assert conflicts(conn, TA) == []
        assert final_decisions(conn, TA)[ids[2]].how == "resolution"
        assert ids[2] in stage_record_ids(conn, FT)
        assert len(list_events(conn, "conflict.resolve")) == 1
    # a record that is not in conflict cannot be "resolved"
    with pytest.raises(ScreeningError, match="no open conflict"):
        resolve_conflict(engine, ids[5], TA, "include", by="carol", criteria=CRITERIA)


def test_pair_mode_lets_the_voters_resolve(screening_store):
    engine, ids, _ = screening_store
    add_reviewer(engine, "dave")
    _vote(engine, "alice", ids[2], "include")
    _vote(engine, "bob", ids[2], "exclude")
    with pytest.raises(NotAllowedError):
        resolve_conflict(engine, ids[2], TA, "exclude", by="dave", mode="pair", criteria=CRITERIA)
    final = resolve_conflict(engine, ids[2], TA, "exclude", by="bob", mode="pair", criteria=CRITERIA)
    assert final.decision == "exclude"


# --- full text reasons -----------------------------------------------------------------------


def _to_full_text(engine, rid):
    _vote(engine, "alice", rid, "include")
    _vote(engine, "bob", rid, "include")


def test_full_text_exclusion_needs_a_listed_reason(screening_store):
    engine, ids, _ = screening_store
    _to_full_text(engine, ids[0])
    with pytest.raises(ScreeningError, match="needs a reason"):
        _vote(engine, "alice", ids[0], "exclude", stage=FT)
    with pytest.raises(ScreeningError, match="not one of the exclusion reasons"):
        _vote(engine, "alice", ids[0], "exclude", stage=FT, reason="I did not like it")
    v = _vote(engine, "alice", ids[0], "exclude", stage=FT, reason="not medical students")
    assert v.reason == "Not medical students"  # case-insensitive match, stored as listed


def test_full_text_different_reasons_are_a_conflict(screening_store):
    engine, ids, _ = screening_store
    for rid in ids[:3]:
        _to_full_text(engine, rid)
    _vote(engine, "alice", ids[0], "exclude", FT, "Not medical students")
    _vote(engine, "bob", ids[0], "exclude", FT, "Conference abstract only")
    _vote(engine, "alice", ids[1], "exclude", FT, "Not medical students")
    _vote(engine, "bob", ids[1], "exclude", FT, "Not medical students")
    _vote(engine, "alice", ids[2], "include", FT)
    _vote(engine, "bob", ids[2], "include", FT)
    with engine.connect() as conn:
        assert [c.record_id for c in conflicts(conn, FT)] == [ids[0]]
        finals = final_decisions(conn, FT)
        assert finals[ids[1]].reason == "Not medical students"
        assert finals[ids[2]].decision == "include"
    with pytest.raises(ScreeningError, match="needs a reason"):
        resolve_conflict(engine, ids[0], FT, "exclude", by="carol", criteria=CRITERIA)
    final = resolve_conflict(engine, ids[0], FT, "exclude", "Conference abstract only", by="carol", criteria=CRITERIA)
    assert final.reason == "Conference abstract only"
    with engine.connect() as conn:
        assert conflicts(conn, FT) == []


def test_title_abstract_exclusions_with_different_reasons_agree(screening_store):
    engine, ids, _ = screening_store
    _vote(engine, "alice", ids[0], "exclude", reason="wrong population")
    _vote(engine, "bob", ids[0], "exclude", reason="not mentoring")
    with engine.connect() as conn:
        assert final_decisions(conn, TA)[ids[0]].decision == "exclude"


def test_records_rejoining_behind_the_watermark_are_not_lost(screening_store):
    engine, ids, _ = screening_store
    add_reviewer(engine, "dave")
    with engine.connect() as conn:
        order = queue(conn, "alice", TA)
    x = order[0]  # bob and dave fill record x, so it leaves alice's queue
    _vote(engine, "bob", x, "include")
    _vote(engine, "dave", x, "include")
    with engine.connect() as conn:
        assert x not in queue(conn, "alice", TA)
    _vote(engine, "alice", order[5], "exclude")  # alice's watermark is now past x
    undo_last_vote(engine, "dave", TA)  # x needs a vote again, behind alice's watermark
    seen = []
    while True:
        with engine.connect() as conn:
            rid = next_record_id(conn, "alice", TA)
            if seen == []:
                assert queue(conn, "alice", TA)[0] == rid
        if rid is None:
            break
        seen.append(rid)
        _vote(engine, "alice", rid, "include")
    assert x in seen and seen[0] == order[6]  # after the watermark first, x later
    assert sorted(seen + [order[5]]) == sorted(ids)


def test_sql_counts_and_stage_set_match_the_python_rules(screening_store, monkeypatch):
    """progress() counts in SQL and the full-text set in SQL agree with rules.outcome."""
    import random

    from review.screening import _rows

    monkeypatch.setattr(_rows, "CHUNK", 2)  # record-id lists read in several IN (...) chunks

    from review.screening import ScreeningSettings, stage_outcomes

    engine, ids, _ = screening_store
    rng = random.Random(7)
    reasons = CRITERIA.exclusion_reasons[:2]
    three = ScreeningSettings(votes_per_record=3)  # some records with three votes, as a pilot's
    for rid in ids:
        for who in rng.sample(["alice", "bob", "carol"], rng.choice([0, 1, 2, 2, 3])):
            _vote(engine, who, rid, rng.choice(["include", "include", "exclude", "maybe"]), settings=three)
    with engine.connect() as conn:
        ta_conflicts = [c.record_id for c in conflicts(conn, TA)]
    if ta_conflicts:
        resolve_conflict(engine, ta_conflicts[0], TA, "include", by="carol", criteria=CRITERIA)
    with engine.connect() as conn:
        ft = stage_record_ids(conn, FT)
        finals, _ = stage_outcomes(conn, TA)
        assert ft == sorted(r for r, f in finals.items() if f.decision == "include")
    for rid in ft:
        for who in ("alice", "bob"):
            d = rng.choice(["include", "exclude", "exclude", "maybe"])
            _vote(engine, who, rid, d, stage=FT, reason=rng.choice(reasons) if d == "exclude" else "")
    for stage in (TA, FT):
        with engine.connect() as conn:
            finals, open_ = stage_outcomes(conn, stage)
            p = progress(conn, "alice", stage)
            listed = conflicts(conn, stage)
        assert (p.decided, p.open_conflicts) == (len(finals), len(open_)), stage
        # the conflicts page (found in SQL) lists exactly the records the rules call conflicts
        assert [(c.record_id, c.votes) for c in listed] == [(c.record_id, c.votes) for c in open_], stage
        assert open_, stage  # the random votes above do make conflicts at both stages
