"""Time of the records library and My decisions reads on a large review.

A store with N records (synthetic; one in twenty a removed duplicate of the record before
it), two reviewers who voted on every kept record at title/abstract (one in ten
disagreeing), the agreed includes voted on at full text, a resolution on every tenth
conflict and a label on every fiftieth record; then each read timed (median of 5) on a
fresh connection:
- ``records_library`` first page (50 rows, with its total), no filter;
- the same filtered: full-text exclude; a label; a title search; a database;
- ``records_library(limit=None)`` + ``library_csv``: the whole CSV export;
- ``my_decisions`` first page, and with a title search.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_library.py [--sizes 20000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_screening import analyze, fill, fresh_store_url  # noqa: E402

from review.screening import add_reviewer  # noqa: E402
from review.screening.library import LibraryFilters, library_csv, records_library  # noqa: E402
from review.screening.mine import my_decisions  # noqa: E402
from review.store import open_store  # noqa: E402
from review.store.api import now_iso  # noqa: E402
from review.store.schema import dedup_membership, record_labels, screening_resolutions, screening_votes  # noqa: E402


def load(engine: sa.Engine, ids: list[int]) -> int:
    """Duplicates, votes, resolutions and labels as the module docstring says; returns kept records."""
    stamp = now_iso()
    dups = [{"record_id": rid, "kept_id": ids[k - 1], "method": "doi", "updated_at": stamp}
            for k, rid in enumerate(ids) if k and k % 20 == 0]
    removed = {d["record_id"] for d in dups}
    kept = [rid for rid in ids if rid not in removed]
    votes, resolutions, labels = [], [], []
    ft = []
    for k, rid in enumerate(kept):
        alice = "include" if k % 3 == 0 else "exclude"
        bob = alice if k % 10 else ("exclude" if alice == "include" else "include")
        for who, d in (("alice", alice), ("bob", bob)):
            votes.append({"stage": "title_abstract", "record_id": rid, "reviewer": who, "decision": d,
                          "reason": "", "note": "", "criteria_version": 1, "at": stamp, "current": True,
                          "source": "bench"})
        if alice == bob == "include":
            ft.append(rid)
        if alice != bob and k % 100 == 0:
            resolutions.append({"stage": "title_abstract", "record_id": rid, "decision": "include",
                                "reason": "", "note": "", "resolver": "carol", "criteria_version": 1,
                                "at": stamp, "current": True})
        if k % 50 == 0:
            labels.append({"record_id": rid, "label": "background", "reviewer": "alice", "action": "add",
                           "by": "alice", "at": stamp, "current": True})
    for k, rid in enumerate(ft):
        d = "include" if k % 4 == 0 else "exclude"
        for who in ("alice", "bob"):
            votes.append({"stage": "full_text", "record_id": rid, "reviewer": who, "decision": d,
                          "reason": "" if d == "include" else "Not medical students", "note": "",
                          "criteria_version": 1, "at": stamp, "current": True, "source": "bench"})
    with engine.begin() as conn:
        for table, rows in ((dedup_membership, dups), (screening_votes, votes),
                            (screening_resolutions, resolutions), (record_labels, labels)):
            for start in range(0, len(rows), 5000):
                if rows[start:start + 5000]:
                    conn.execute(sa.insert(table), rows[start:start + 5000])
    return len(kept)


def timed(engine: sa.Engine, fn) -> float:
    runs = []
    for _ in range(5):
        with engine.connect() as conn:
            t0 = time.perf_counter()
            fn(conn)
            runs.append(time.perf_counter() - t0)
    return 1000 * statistics.median(runs)


CASES = {
    "page": lambda c: records_library(c, "carol"),
    "ft exclude": lambda c: records_library(c, "carol", LibraryFilters(stage="full_text", decision="exclude")),
    "label": lambda c: records_library(c, "carol", LibraryFilters(label="background")),
    "search": lambda c: records_library(c, "carol", LibraryFilters(text="study 1234")),
    "database": lambda c: records_library(c, "carol", LibraryFilters(database="bench")),
    "csv (all)": lambda c: library_csv(records_library(c, "carol", limit=None)),
    "mine page": lambda c: my_decisions(c, "alice"),
    "mine search": lambda c: my_decisions(c, "alice", text="study 1234"),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="20000")
    ap.add_argument("--backends", default="sqlite,postgresql")
    args = ap.parse_args()
    print("| store | records | kept | " + " | ".join(f"{name} ms" for name in CASES) + " |")
    print("|---|---:|---:|" + "---:|" * len(CASES))
    for backend in args.backends.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            with fresh_store_url(backend) as url:
                engine = open_store(url)
                ids = fill(engine, n)
                for name, role in (("alice", "reviewer"), ("bob", "reviewer"), ("carol", "lead")):
                    add_reviewer(engine, name, role)
                kept = load(engine, ids)
                analyze(engine)
                times = {name: timed(engine, fn) for name, fn in CASES.items()}
                engine.dispose()
            print(f"| {'SQLite' if backend == 'sqlite' else 'PostgreSQL'} | {n:,} | {kept:,} | "
                  + " | ".join(f"{t:.0f}" for t in times.values()) + " |", flush=True)


if __name__ == "__main__":
    main()
