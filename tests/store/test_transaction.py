"""write_retrying: a write that lost a race runs again from the start, anything else is raised
at once; insert_ignore skips existing keys. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from review import store
from review.store import transaction
from review.store.schema import events, screening_order, screening_reviewers


def _reviewer(name: str) -> dict:
    return {"name": name, "role": "reviewer", "token_hash": f"hash-{name}", "created_at": store.now_iso()}


def _count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_a_lost_race_is_rolled_back_and_run_again(store_engine):
    attempts = []

    def work(conn: sa.Connection) -> str:
        attempts.append(1)
        store.log_event(conn, "test.write", subject=str(len(attempts)))
        conn.execute(sa.insert(screening_reviewers), [_reviewer("ana")])
        if len(attempts) == 1:  # as if another writer stored "ana" first: the unique index says no
            conn.execute(sa.insert(screening_reviewers), [_reviewer("ana")])
        if len(attempts) == 2:  # the work itself saw a concurrent change
            raise store.Retry()
        return "stored"

    assert store.write_retrying(store_engine, work) == "stored"
    assert len(attempts) == 3
    with store_engine.connect() as conn:
        subjects = conn.execute(sa.select(events.c.subject).where(events.c.kind == "test.write")).scalars().all()
    assert subjects == ["3"]  # only the attempt that finished was committed
    assert _count(store_engine, screening_reviewers) == 1


def test_any_other_error_is_raised_at_once_and_nothing_is_written(store_engine):
    attempts = []

    class RuleBroken(Exception):
        pass

    def work(conn: sa.Connection) -> None:
        attempts.append(1)
        conn.execute(sa.insert(screening_reviewers), [_reviewer("ben")])
        raise RuleBroken("a rule refused the write")

    with pytest.raises(RuleBroken, match="a rule refused"):
        store.write_retrying(store_engine, work)
    assert len(attempts) == 1
    assert _count(store_engine, screening_reviewers) == 0


def test_gives_up_after_the_last_attempt(tmp_path, monkeypatch):
    monkeypatch.setattr(transaction.time, "sleep", lambda seconds: None)
    engine = store.open_store(store.sqlite_url(tmp_path / "review.sqlite"))
    attempts = []

    def always_loses(conn: sa.Connection) -> None:
        attempts.append(1)
        raise store.Retry()

    with pytest.raises(store.Retry):
        store.write_retrying(engine, always_loses)
    assert len(attempts) == transaction.ATTEMPTS
    engine.dispose()


def test_insert_ignore_skips_rows_whose_key_exists(store_engine):
    with store_engine.begin() as conn:
        store.insert_ignore(conn, screening_order, [{"seed": 1, "record_id": 7, "sort_key": 70}])
        store.insert_ignore(conn, screening_order, [{"seed": 1, "record_id": 7, "sort_key": 99},
                                                    {"seed": 1, "record_id": 8, "sort_key": 80}])
        store.insert_ignore(conn, screening_order, [])
    with store_engine.connect() as conn:
        rows = conn.execute(sa.select(screening_order.c.record_id, screening_order.c.sort_key)
                            .order_by(screening_order.c.record_id)).all()
    assert [tuple(r) for r in rows] == [(7, 70), (8, 80)]
