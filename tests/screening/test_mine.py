"""My decisions: a reviewer's own votes (filtered, paged, blind) and changing one, on SQLite
and PostgreSQL; what a changed vote does to an agreed, conflicting or resolved record."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from review.screening import (
    ScreeningError,
    cast_vote,
    conflicts,
    final_decisions,
    record_outcome,
    resolve_conflict,
    stage_record_ids,
)
from review.screening.decide import resolved_conflicts
from review.screening.mine import MyDecision, change_vote, my_decisions
from review.store import list_events
from review.store.schema import screening_votes

from screening_helpers import CRITERIA

TA, FT = "title_abstract", "full_text"


def _vote(engine, who, rid, decision, stage=TA, reason=""):
    return cast_vote(engine, who, rid, stage, decision, reason=reason, criteria=CRITERIA)


def test_lists_only_my_votes_newest_first_with_filters_and_pages(screening_store):
    engine, ids, _ = screening_store
    for k, rid in enumerate(ids[:10]):
        _vote(engine, "alice", rid, ("include", "exclude", "maybe")[k % 3])
        _vote(engine, "bob", rid, "include")
    with engine.connect() as conn:
        page = my_decisions(conn, "alice")
        assert page.total == 10 and [d.vote.record_id for d in page.items] == ids[:10][::-1]
        assert {d.vote.reviewer for d in page.items} == {"alice"}
        assert page.items[0].title == "Mentoring study 9" and page.items[0].pmid == "9000010"

        excluded = my_decisions(conn, "alice", decision="exclude")
        assert [d.vote.record_id for d in excluded.items] == [ids[7], ids[4], ids[1]]
        assert my_decisions(conn, "alice", stage=FT).total == 0
        assert my_decisions(conn, "alice", stage=TA, decision="maybe").total == 3

        assert [d.vote.record_id for d in my_decisions(conn, "alice", text="STUDY 3").items] == [ids[3]]
        assert [d.vote.record_id for d in my_decisions(conn, "alice", text="9000006").items] == [ids[5]]
        assert [d.vote.record_id for d in my_decisions(conn, "alice", text="10.1000/R2").items] == [ids[2]]
        assert my_decisions(conn, "alice", text="100%").total == 0  # % is a character, not a wildcard
        assert my_decisions(conn, "alice", text="study_1").total == 0

        first, second = my_decisions(conn, "alice", limit=4), my_decisions(conn, "alice", limit=4, offset=4)
        last = my_decisions(conn, "alice", limit=4, offset=8)
        seen = [d.vote.record_id for p in (first, second, last) for d in p.items]
        assert seen == ids[:10][::-1] and {p.total for p in (first, second, last)} == {10}
        assert len(last.items) == 2

        with pytest.raises(ScreeningError, match="unknown decision"):
            my_decisions(conn, "alice", decision="yes")
        with pytest.raises(ScreeningError, match="unknown stage"):
            my_decisions(conn, "alice", stage="abstract")
        with pytest.raises(ScreeningError, match="a page holds"):
            my_decisions(conn, "alice", limit=0)


def test_blind_nothing_about_partners_or_outcomes(screening_store):
    """The rows carry my vote and the record's names only: no partner vote, no conflict or
    final state (a record in conflict and an agreed one look alike)."""
    engine, ids, _ = screening_store
    _vote(engine, "alice", ids[0], "include")
    _vote(engine, "bob", ids[0], "exclude")  # conflict
    _vote(engine, "alice", ids[1], "include")
    _vote(engine, "bob", ids[1], "include")  # agreed
    assert {f.name for f in dataclasses.fields(MyDecision)} == {"vote", "title", "year", "pmid", "doi"}
    with engine.connect() as conn:
        assert my_decisions(conn, "bob").total == 2
        items = my_decisions(conn, "alice").items
    assert [(d.vote.reviewer, d.vote.decision) for d in items] == [("alice", "include"), ("alice", "include")]


def test_change_supersedes_the_old_vote_and_is_logged(screening_store):
    engine, ids, _ = screening_store
    old = _vote(engine, "alice", ids[0], "include")
    new = change_vote(engine, "alice", ids[0], TA, "exclude", reason="Not medical students", note="on second read",
                      criteria=CRITERIA)
    assert new.id != old.id and new.decision == "exclude" and new.note == "on second read"
    with engine.connect() as conn:
        rows = conn.execute(sa.select(screening_votes).order_by(screening_votes.c.id)).all()
        assert [(r.decision, r.current, r.ended_how) for r in rows] == [
            ("include", False, "superseded"), ("exclude", True, None)]
        event = [e for e in list_events(conn, kind="vote") if e["payload"]["vote_id"] == new.id][0]
        assert event["payload"]["supersedes"] == old.id and event["actor"] == "alice"
        assert [d.vote.decision for d in my_decisions(conn, "alice").items] == ["exclude"]
    # the same vote again stores nothing new
    assert change_vote(engine, "alice", ids[0], TA, "exclude", reason="Not medical students",
                       note="on second read", criteria=CRITERIA).id == new.id


def test_change_needs_an_earlier_vote_and_obeys_the_vote_rules(screening_store):
    engine, ids, _ = screening_store
    with pytest.raises(ScreeningError, match="no vote on record"):
        change_vote(engine, "alice", ids[0], TA, "include")
    _vote(engine, "bob", ids[0], "include")
    with pytest.raises(ScreeningError, match="no vote on record"):  # bob's vote is not alice's
        change_vote(engine, "alice", ids[0], TA, "exclude")
    # full text: an exclusion still needs a listed reason
    for who in ("alice", "bob"):
        _vote(engine, who, ids[1], "include")
    _vote(engine, "alice", ids[1], "include", stage=FT)
    with pytest.raises(ScreeningError, match="needs a reason"):
        change_vote(engine, "alice", ids[1], FT, "exclude", criteria=CRITERIA)
    with engine.connect() as conn:
        assert [d.vote.decision for d in my_decisions(conn, "alice", stage=FT).items] == ["include"]


def test_changed_vote_follows_the_dual_review_rules(screening_store):
    """Agreed -> conflict; conflict -> agreed; resolved stays resolved (the lead sees the
    changed vote beside the resolution); a title/abstract change takes a record out of the
    full-text stage while it is in conflict (its full-text votes are kept)."""
    engine, ids, _ = screening_store
    a, b, c = ids[:3]
    for rid in (a, b, c):
        _vote(engine, "alice", rid, "include")
    _vote(engine, "bob", a, "include")
    _vote(engine, "bob", b, "exclude")
    _vote(engine, "bob", c, "exclude")
    resolve_conflict(engine, c, TA, "include", by="carol", criteria=CRITERIA)
    _vote(engine, "alice", a, "include", stage=FT)

    change_vote(engine, "bob", a, TA, "exclude")  # agreed -> conflict
    change_vote(engine, "bob", b, TA, "include")  # conflict -> agreed
    change_vote(engine, "bob", c, TA, "include")  # resolved: the resolution stands
    with engine.connect() as conn:
        assert [x.record_id for x in conflicts(conn, TA)] == [a]
        finals = final_decisions(conn, TA)
        assert finals[b].decision == "include" and finals[b].how == "agreement"
        assert finals[c].how == "resolution"
        assert record_outcome(conn, TA, a)[0] == "conflict"
        assert a not in stage_record_ids(conn, FT) and {b, c} <= set(stage_record_ids(conn, FT))
        [res] = resolved_conflicts(conn, "carol", TA)
        assert res.record_id == c and res.changed_since
        assert {v.reviewer: v.decision for v in res.votes} == {"alice": "include", "bob": "include"}
    change_vote(engine, "bob", a, TA, "include")  # agreed again: back in full text, its vote kept
    with engine.connect() as conn:
        assert a in stage_record_ids(conn, FT)
        assert [d.vote.record_id for d in my_decisions(conn, "alice", stage=FT).items] == [a]
