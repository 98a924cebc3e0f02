"""Server-side time per vote: store the vote and fetch the reviewer's next record.

For each store (SQLite file, PostgreSQL schema) and size (1k, 20k, 100k records):
- "start": a reviewer at the beginning of the queue (no votes yet);
- "late": the same reviewer after 90% of the records were voted on (by them and a
  partner), the worst case for the queue walk.
Each step = ``cast_vote`` + ``next_record_id`` on a fresh connection, as the app does.

    PYTHONPATH=$PWD /work/venv/bin/python benchmarks/bench_screening.py [--sizes 1000,20000,100000] [--votes 200]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from review.screening import Criteria, add_reviewer, cast_vote, next_record_id, prepare_queue
from review.store import open_store
from review.store.api import now_iso
from review.store.schema import imports, records, screening_votes

PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
CRITERIA = Criteria(version=1, exclusion_reasons=["Not medical students"])
TA = "title_abstract"


def fill(engine: sa.Engine, n: int) -> list[int]:
    stamp = now_iso()
    with engine.begin() as conn:
        imp = conn.execute(
            sa.insert(imports).values(kind="file", database="bench", created_at=stamp)
        ).inserted_primary_key[0]
        for start in range(0, n, 5000):
            conn.execute(
                sa.insert(records),
                [
                    {
                        "import_id": imp, "position": i, "title": f"Mentoring study {i}",
                        "pmid": str(10_000_000 + i), "doi": f"10.1000/b{i}",
                        "data": {"title": f"Mentoring study {i}", "abstract": "x" * 1200},
                        "created_at": stamp,
                    }
                    for i in range(start, min(n, start + 5000))
                ],
            )
        return [int(i) for i in conn.execute(sa.select(records.c.id).order_by(records.c.id)).scalars()]


def bulk_votes(engine: sa.Engine, reviewer: str, ids: list[int]) -> None:
    stamp = now_iso()
    with engine.begin() as conn:
        for start in range(0, len(ids), 5000):
            conn.execute(
                sa.insert(screening_votes),
                [
                    {"stage": TA, "record_id": rid, "reviewer": reviewer, "decision": "exclude",
                     "reason": "", "note": "", "criteria_version": 1, "at": stamp, "current": True,
                     "source": "bench"}
                    for rid in ids[start:start + 5000]
                ],
            )


def analyze(engine: sa.Engine) -> None:
    """What PostgreSQL's autovacuum does after bulk loads (the bench loads faster than it wakes)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def steps(engine: sa.Engine, reviewer: str, votes: int) -> list[float]:
    times = []
    with engine.connect() as conn:
        rid = next_record_id(conn, reviewer, TA)
    for _ in range(votes):
        if rid is None:
            break
        t0 = time.perf_counter()
        cast_vote(engine, reviewer, rid, TA, "include", criteria=CRITERIA)
        with engine.connect() as conn:
            rid = next_record_id(conn, reviewer, TA)
        times.append(time.perf_counter() - t0)
    return times


def measure(url: str, n: int, votes: int) -> dict[str, float]:
    engine = open_store(url)
    fill(engine, n)
    analyze(engine)
    add_reviewer(engine, "alice")
    add_reviewer(engine, "bob")
    t0 = time.perf_counter()
    prepare_queue(engine, 0)
    keys = time.perf_counter() - t0
    start = steps(engine, "alice", votes)
    # late: bob and alice have voted on 90% of the queue in alice's order
    with engine.connect() as conn:
        from review.screening import queue

        order = queue(conn, "alice", TA)
    late_ids = order[: int(0.9 * n) - len(start)]
    bulk_votes(engine, "bob", order[: int(0.9 * n)])
    bulk_votes(engine, "alice", late_ids)
    analyze(engine)
    late = steps(engine, "alice", votes)
    engine.dispose()
    ms = lambda xs: 1000 * statistics.median(xs)  # noqa: E731
    p95 = lambda xs: 1000 * sorted(xs)[int(0.95 * (len(xs) - 1))]  # noqa: E731
    return {"keys_s": keys, "start_med": ms(start), "start_p95": p95(start),
            "late_med": ms(late), "late_p95": p95(late)}


@contextmanager
def fresh_store_url(backend: str) -> Iterator[str]:
    """The URL of an empty store: a new SQLite file, or a new PostgreSQL schema (dropped after)."""
    if backend == "sqlite":
        yield f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,20000,100000")
    ap.add_argument("--votes", type=int, default=200)
    ap.add_argument("--backends", default="sqlite,postgresql")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'store':<11} {'records':>8} {'order keys (s)':>15} {'start med/p95 (ms)':>20} {'90% done med/p95 (ms)':>23}")
    for backend in args.backends.split(","):
        for n in sizes:
            with fresh_store_url(backend) as url:
                r = measure(url, n, args.votes)
            print(
                f"{backend:<11} {n:>8} {r['keys_s']:>15.2f} "
                f"{r['start_med']:>10.1f} / {r['start_p95']:<8.1f} {r['late_med']:>11.1f} / {r['late_p95']:<8.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
