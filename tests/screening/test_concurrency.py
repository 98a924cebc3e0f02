"""Many reviewers voting at once (threads, one engine each like separate app sessions):
nothing lost, nothing duplicated; double clicks store one vote. SQLite (WAL) and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from screening_helpers import CRITERIA, make_records

from review.screening import VoteRefusedError, add_reviewer, cast_vote, final_decisions, next_record_id, resolve_conflict
from review.store import open_store
from review.store.schema import events, screening_resolutions, screening_votes

TA = "title_abstract"


def _count(engine, table, *where):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()


def test_many_reviewers_vote_at_once(store_url):
    setup = open_store(store_url)
    ids = make_records(setup, 40)
    names = [f"r{i}" for i in range(6)]
    for name in names:
        add_reviewer(setup, name)
    barrier = threading.Barrier(len(names))
    errors: list[BaseException] = []

    def reviewer(name: str) -> int:
        engine = open_store(store_url, migrate_schema=False)
        try:
            barrier.wait()
            done = 0
            while True:
                with engine.connect() as conn:
                    rid = next_record_id(conn, name, TA)
                if rid is None:
                    return done
                decision = "include" if (rid + len(name)) % 3 else "exclude"
                try:
                    cast_vote(engine, name, rid, TA, decision, criteria=CRITERIA)
                except VoteRefusedError as exc:  # two others filled it since it was drawn
                    assert exc.record_id == rid
                    continue
                done += 1
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
            raise
        finally:
            engine.dispose()

    with ThreadPoolExecutor(len(names)) as pool:
        done = list(pool.map(reviewer, names))
    assert not errors
    current = screening_votes.c.current == sa.true()
    total = _count(setup, screening_votes, current)
    assert total == sum(done)  # nothing lost
    assert _count(setup, screening_votes) == total  # nothing duplicated or superseded
    assert _count(setup, events, events.c.kind == "vote") == total
    with setup.connect() as conn:
        per_record = dict(
            conn.execute(
                sa.select(screening_votes.c.record_id, sa.func.count())
                .where(current)
                .group_by(screening_votes.c.record_id)
            ).all()
        )
        pairs = conn.execute(
            sa.select(screening_votes.c.record_id, screening_votes.c.reviewer, sa.func.count())
            .where(current)
            .group_by(screening_votes.c.record_id, screening_votes.c.reviewer)
            .having(sa.func.count() > 1)
        ).all()
    assert pairs == []
    assert set(per_record) == set(ids)  # every record screened
    assert all(n == 2 for n in per_record.values())  # never more than two
    setup.dispose()


def test_double_clicks_store_one_vote(store_url):
    setup = open_store(store_url)
    ids = make_records(setup, 3)
    add_reviewer(setup, "alice")
    engines = [open_store(store_url, migrate_schema=False) for _ in range(8)]
    barrier = threading.Barrier(len(engines))

    def click(engine):
        barrier.wait()
        return cast_vote(engine, "alice", ids[0], TA, "include", note="same", criteria=CRITERIA)

    with ThreadPoolExecutor(len(engines)) as pool:
        votes = list(pool.map(click, engines))
    assert len({v.id for v in votes}) == 1
    assert _count(setup, screening_votes) == 1
    for e in engines:
        e.dispose()
    setup.dispose()


def test_concurrent_resolutions_store_one(store_url):
    setup = open_store(store_url)
    ids = make_records(setup, 2)
    for name, role in (("alice", "reviewer"), ("bob", "reviewer"), ("carol", "lead")):
        add_reviewer(setup, name, role=role)
    cast_vote(setup, "alice", ids[0], TA, "include", criteria=CRITERIA)
    cast_vote(setup, "bob", ids[0], TA, "exclude", criteria=CRITERIA)
    engines = [open_store(store_url, migrate_schema=False) for _ in range(6)]
    barrier = threading.Barrier(len(engines))

    def resolve(engine):
        barrier.wait()
        return resolve_conflict(engine, ids[0], TA, "include", by="carol", criteria=CRITERIA)

    with ThreadPoolExecutor(len(engines)) as pool:
        results = list(pool.map(resolve, engines))
    assert all(r.decision == "include" for r in results)
    assert _count(setup, screening_resolutions) == 1
    with setup.connect() as conn:
        assert final_decisions(conn, TA)[ids[0]].how == "resolution"
    for e in engines:
        e.dispose()
    setup.dispose()
