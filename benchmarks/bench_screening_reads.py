"""Time of the screening pages' reads on a large review: conflicts, agreement, progress.

A store with N records (synthetic), two reviewers who each voted on every record (one
in ten disagreeing), then each read timed (median of 5) on a fresh connection:
- ``conflicts()``: the conflicts page (open conflicts with their votes);
- ``stage_outcomes()``: every final decision and conflict (what reports read);
- ``agreement()``: kappa per reviewer pair (the agreement page);
- ``progress()``: the counts shown with every card.

    PYTHONPATH=$PWD /work/venv/bin/python benchmarks/bench_screening_reads.py [--sizes 20000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_screening import TA, analyze, fill, fresh_store_url  # noqa: E402

from review.screening import add_reviewer, agreement, conflicts, progress, stage_outcomes  # noqa: E402
from review.store import open_store  # noqa: E402
from review.store.api import now_iso  # noqa: E402
from review.store.schema import screening_votes  # noqa: E402


def votes(engine: sa.Engine, ids: list[int]) -> int:
    """alice and bob vote on every record; bob disagrees on one in ten. Returns conflicts made."""
    stamp = now_iso()
    rows = []
    for k, rid in enumerate(ids):
        alice = "include" if k % 3 == 0 else "exclude"
        bob = alice if k % 10 else ("exclude" if alice == "include" else "include")
        for who, d in (("alice", alice), ("bob", bob)):
            rows.append({"stage": TA, "record_id": rid, "reviewer": who, "decision": d, "reason": "",
                         "note": "", "criteria_version": 1, "at": stamp, "current": True, "source": "bench"})
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(sa.insert(screening_votes), rows[start:start + 5000])
    return sum(1 for k in range(len(ids)) if k % 10 == 0)


def timed(engine: sa.Engine, fn) -> float:
    runs = []
    for _ in range(5):
        with engine.connect() as conn:
            t0 = time.perf_counter()
            fn(conn)
            runs.append(time.perf_counter() - t0)
    return 1000 * statistics.median(runs)


def measure(url: str, n: int) -> dict:
    engine = open_store(url)
    ids = fill(engine, n)
    add_reviewer(engine, "alice")
    add_reviewer(engine, "bob")
    made = votes(engine, ids)
    analyze(engine)
    with engine.connect() as conn:
        assert len(conflicts(conn, TA)) == made
    out = {
        "conflicts": timed(engine, lambda c: conflicts(c, TA)),
        "stage_outcomes": timed(engine, lambda c: stage_outcomes(c, TA)),
        "agreement": timed(engine, lambda c: agreement(c, TA)),
        "progress": timed(engine, lambda c: progress(c, "alice", TA)),
        "conflicts_made": made,
    }
    engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="20000")
    ap.add_argument("--backends", default="sqlite,postgresql")
    args = ap.parse_args()
    print("| store | records | votes | open conflicts | conflicts() ms | stage_outcomes() ms | agreement() ms | progress() ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            with fresh_store_url(backend) as url:
                r = measure(url, n)
            print(f"| {'SQLite' if backend == 'sqlite' else 'PostgreSQL'} | {n:,} | {2 * n:,} | {r['conflicts_made']:,} | "
                  f"{r['conflicts']:.0f} | {r['stage_outcomes']:.0f} | {r['agreement']:.0f} | {r['progress']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
