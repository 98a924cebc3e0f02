"""At most ``screening.votes_per_record`` current votes per record and stage, enforced in the
vote path for every caller (cast_vote, decisions import), under a per-record lock; pilot
records take every reviewer's vote. Claims spread reviewers drawing at once over records.
Threads and processes racing on SQLite and PostgreSQL: never more than the cap, nothing lost."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from screening_helpers import CRITERIA, make_records

from review.screening import (
    ScreeningError,
    ScreeningSettings,
    VoteRefusedError,
    add_reviewer,
    cast_vote,
    claim_next,
    import_decisions,
    screening_settings,
    undo_vote,
)
from review.store import open_store
from review.store.schema import events, screening_votes

TA = "title_abstract"
CURRENT = screening_votes.c.current == sa.true()


def _per_record(engine) -> dict[int, int]:
    with engine.connect() as conn:
        return {
            int(rid): int(n)
            for rid, n in conn.execute(
                sa.select(screening_votes.c.record_id, sa.func.count())
                .where(CURRENT)
                .group_by(screening_votes.c.record_id)
            ).all()
        }


def test_third_vote_is_refused_naming_the_record(screening_store):
    engine, ids, _ = screening_store
    add_reviewer(engine, "dave")
    cast_vote(engine, "alice", ids[0], TA, "include", criteria=CRITERIA)
    cast_vote(engine, "bob", ids[0], TA, "exclude", criteria=CRITERIA)
    with pytest.raises(VoteRefusedError) as err:
        cast_vote(engine, "dave", ids[0], TA, "include", criteria=CRITERIA)
    assert f"#{ids[0]} already has two votes" in str(err.value)
    assert err.value.record_id == ids[0]
    assert _per_record(engine)[ids[0]] == 2
    # a reviewer who voted may still change their own vote
    cast_vote(engine, "alice", ids[0], TA, "exclude", criteria=CRITERIA)
    assert _per_record(engine)[ids[0]] == 2
    # an undo frees the place
    undo_vote(engine, "bob", TA, ids[0])
    cast_vote(engine, "dave", ids[0], TA, "include", criteria=CRITERIA)
    assert _per_record(engine)[ids[0]] == 2


def test_votes_per_record_setting(screening_store):
    engine, ids, _ = screening_store
    three = ScreeningSettings(votes_per_record=3)
    for name in ("alice", "bob", "carol"):
        cast_vote(engine, name, ids[1], TA, "include", criteria=CRITERIA, settings=three)
    add_reviewer(engine, "dave")
    with pytest.raises(VoteRefusedError, match="three votes"):
        cast_vote(engine, "dave", ids[1], TA, "include", criteria=CRITERIA, settings=three)
    assert screening_settings({"screening": {"votes_per_record": 3}}).votes_per_record == 3
    with pytest.raises(ScreeningError, match="votes_per_record"):
        screening_settings({"screening": {"votes_per_record": 1}})


def test_pilot_records_take_every_reviewers_vote(screening_store):
    engine, ids, _ = screening_store
    pilot = ScreeningSettings(pilot=2)
    add_reviewer(engine, "dave")
    with engine.connect() as conn:
        from review.screening import pilot_ids

        first = pilot_ids(conn, 2, 0)
        rest = [i for i in ids if i not in first]
    for name in ("alice", "bob", "carol", "dave"):
        cast_vote(engine, name, first[0], TA, "include", criteria=CRITERIA, settings=pilot)
    assert _per_record(engine)[first[0]] == 4
    for name in ("alice", "bob"):
        cast_vote(engine, name, rest[0], TA, "include", criteria=CRITERIA, settings=pilot)
    with pytest.raises(VoteRefusedError):
        cast_vote(engine, "carol", rest[0], TA, "include", criteria=CRITERIA, settings=pilot)


def test_decisions_import_meets_the_cap(screening_store, tmp_path):
    engine, ids, _ = screening_store
    add_reviewer(engine, "dave")
    path = tmp_path / "votes.csv"
    path.write_text(
        "reviewer,record,stage,decision,reason,note\n"
        f"alice,id:{ids[2]},title_abstract,include,,\n"
        f"bob,id:{ids[2]},title_abstract,include,,\n"
        f"dave,id:{ids[2]},title_abstract,exclude,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ScreeningError, match=rf"line 4: #{ids[2]} already has two votes"):
        import_decisions(engine, path, CRITERIA)
    assert _per_record(engine) == {}  # nothing stored from the refused file


def _race_one_record(url: str, record_id: int, names: list[str]) -> list[str]:
    engines = [open_store(url, migrate_schema=False) for _ in names]
    barrier = threading.Barrier(len(names))

    def vote(pair):
        engine, name = pair
        barrier.wait()
        try:
            cast_vote(engine, name, record_id, TA, "include", criteria=CRITERIA)
            return "stored"
        except VoteRefusedError:
            return "refused"

    with ThreadPoolExecutor(len(names)) as pool:
        out = list(pool.map(vote, zip(engines, names)))
    for e in engines:
        e.dispose()
    return out


def test_racing_for_the_last_place_threads(store_url):
    setup = open_store(store_url)
    ids = make_records(setup, 3)
    names = [f"r{i}" for i in range(8)]
    for name in names:
        add_reviewer(setup, name)
    for rid in ids:
        outcome = _race_one_record(store_url, rid, names)
        assert outcome.count("stored") == 2 and outcome.count("refused") == 6
    assert _per_record(setup) == {rid: 2 for rid in ids}
    with setup.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(screening_votes)).scalar_one() == 6
        assert conn.execute(
            sa.select(sa.func.count()).select_from(events).where(events.c.kind == "vote")
        ).scalar_one() == 6
    setup.dispose()


def _process_voter(url: str, name: str, record_ids: list[int], start, results) -> None:
    engine = open_store(url, migrate_schema=False)
    start.wait()
    stored = refused = 0
    for rid in record_ids:
        try:
            cast_vote(engine, name, rid, TA, "exclude", criteria=CRITERIA)
            stored += 1
        except VoteRefusedError:
            refused += 1
    results.put((name, stored, refused))
    engine.dispose()


def test_racing_processes(store_url):
    setup = open_store(store_url)
    ids = make_records(setup, 10)
    names = [f"p{i}" for i in range(5)]
    for name in names:
        add_reviewer(setup, name)
    # fork: the children run this module's function without re-running the parent's __main__
    # (under pytest that can be any script an earlier test ran); no pooled connection is
    # inherited, the parent's pool is emptied first
    setup.dispose()
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(len(names))
    results = ctx.Queue()
    procs = [ctx.Process(target=_process_voter, args=(store_url, n, ids, start, results)) for n in names]
    for p in procs:
        p.start()
    got = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    stored = sum(s for _, s, _ in got)
    assert sum(s + r for _, s, r in got) == len(names) * len(ids)  # every attempt answered
    assert stored == 2 * len(ids)  # every stored vote kept, none over
    assert _per_record(setup) == {rid: 2 for rid in ids}
    setup.dispose()


def test_claims_spread_reviewers_and_every_record_gets_exactly_two(store_url):
    """N reviewers each drawing their next card with claim_next and voting on it: no vote
    is refused (the card on screen always takes the vote), every record ends with exactly
    two current votes, and reviewers drawing at once get different records."""
    setup = open_store(store_url)
    ids = make_records(setup, 30)
    names = [f"c{i}" for i in range(6)]
    for name in names:
        add_reviewer(setup, name)
    barrier = threading.Barrier(len(names))
    first_cards: dict[str, int] = {}
    refused: list[int] = []

    def reviewer(name: str) -> int:
        engine = open_store(store_url, migrate_schema=False)
        try:
            barrier.wait()
            done = 0
            while True:
                rid = claim_next(engine, name, TA)
                if rid is None:
                    return done
                first_cards.setdefault(name, rid)
                try:
                    cast_vote(engine, name, rid, TA, "include" if rid % 2 else "exclude", criteria=CRITERIA)
                    done += 1
                except VoteRefusedError:
                    refused.append(rid)
        finally:
            engine.dispose()

    with ThreadPoolExecutor(len(names)) as pool:
        done = list(pool.map(reviewer, names))
    assert refused == []
    assert sum(done) == 2 * len(ids)
    assert _per_record(setup) == {rid: 2 for rid in ids}
    setup.dispose()


def test_reviewers_drawing_at_once_get_different_records(screening_store):
    """Six reviewers with a card on screen each: three records, two reviewers on each
    (without claims all six would be shown the head of the same queue)."""
    engine, ids, _ = screening_store
    names = ["alice", "bob", "carol", "dave", "erin", "frank"]
    for name in names[3:]:
        add_reviewer(engine, name)
    cards = [claim_next(engine, name, TA) for name in names]
    assert sorted(cards.count(rid) for rid in set(cards)) == [2, 2, 2]


def test_claim_keeps_the_card_until_voted(screening_store):
    engine, ids, _ = screening_store
    first = claim_next(engine, "alice", TA)
    assert claim_next(engine, "alice", TA) == first  # a rerun shows the same record
    assert claim_next(engine, "bob", TA) == first  # the second place
    add_reviewer(engine, "dave")
    assert claim_next(engine, "dave", TA) != first  # both places claimed
    cast_vote(engine, "alice", first, TA, "include", criteria=CRITERIA)
    assert claim_next(engine, "alice", TA) not in (first, None)
    undone = undo_vote(engine, "alice", TA, first)
    assert undone.record_id == first
    assert claim_next(engine, "alice", TA) == first  # the undone record is the card again
