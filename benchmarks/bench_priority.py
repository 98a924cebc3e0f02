"""The prioritised title/abstract queue (screening.order: relevance) on real labelled sets.

For each set in ../shared/data/screening/ (cohen_2006/*.csv, Nagtegaal_2019.csv,
Bannach-Brown_2019.csv; label column ``label_included``, the FINAL inclusion after full
text), one reviewer screens every record through the real path, ``cast_vote`` then
``next_record_id(order="relevance")`` on a fresh SQLite store, voting include exactly on the
records labelled included. Reported: records screened to find 95% and 100% of the includes
and WSS@95 / WSS@100 (work saved over sampling: (N - screened)/N - (1 - recall)), for the
relevance order and for the random order (the same store's seed-0 queue). No include terms
are given (cold start is the random order until the first include and exclude).

Then the time of one ranking on 2k and 20k records (texts drawn from the same sets):
cold (TF-IDF matrix built) and warm (matrix cached, as at every retrain after the first).

    PYTHONPATH=$PWD /work/venv/bin/python benchmarks/bench_priority.py [--sets NAME,...] [--sizes 2000,20000]
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from review.records import Record
from review.screening import Criteria, add_reviewer, cast_vote, next_record_id, queue
from review.screening import ranking
from review.store import add_import, add_records, open_store
from review.store.schema import screening_rank_state

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "screening"
if not DATA.exists():
    DATA = Path("/work/shared/data/screening")
LABEL = "label_included"
CRITERIA = Criteria(version=1)
TA = "title_abstract"


def datasets() -> list[Path]:
    return sorted((DATA / "cohen_2006").glob("*.csv")) + [DATA / "Nagtegaal_2019.csv", DATA / "Bannach-Brown_2019.csv"]


def load(path: Path) -> tuple[list[Record], list[int]]:
    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    recs = [Record(title=r.get("title") or "", abstract=r.get("abstract") or "") for r in rows]
    return recs, [int(float(r.get(LABEL) or 0)) for r in rows]


def fresh_store(recs: list[Record]) -> tuple[sa.Engine, list[int]]:
    engine = open_store(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}")
    with engine.begin() as conn:
        imp = add_import(conn, kind="file", database="bench")
        add_records(conn, imp, recs)
        ids = conn.execute(sa.text("select id from records where import_id = :i order by position"), {"i": imp})
        ids = [int(i) for i in ids.scalars()]
    add_reviewer(engine, "alice")
    ranking._CACHE.clear()
    return engine, ids


def wss(found_at: list[int], n: int, recall: float) -> tuple[int, float]:
    k = found_at[math.ceil(recall * len(found_at)) - 1]
    return k, (n - k) / n - (1 - recall)


def simulate(path: Path) -> dict:
    recs, labels = load(path)
    engine, ids = fresh_store(recs)
    label = dict(zip(ids, labels))
    with engine.connect() as conn:
        random_order = queue(conn, "alice", TA)
    found_random = [n + 1 for n, rid in enumerate(random_order) if label[rid]]
    found, step_times, screened = [], [], 0
    with engine.connect() as conn:
        rid = next_record_id(conn, "alice", TA, order="relevance")
    while rid is not None and len(found) < sum(labels):
        t0 = time.perf_counter()
        cast_vote(engine, "alice", rid, TA, "include" if label[rid] else "exclude", criteria=CRITERIA)
        screened += 1
        if label[rid]:
            found.append(screened)
        with engine.connect() as conn:
            rid = next_record_id(conn, "alice", TA, order="relevance")
        step_times.append(time.perf_counter() - t0)
    engine.dispose()
    n = len(ids)
    out = {"name": path.stem, "n": n, "inc": sum(labels), "median_ms": 1000 * statistics.median(step_times),
           "max_ms": 1000 * max(step_times)}
    for tag, f in (("rel", found), ("rnd", found_random)):
        out[f"{tag}95"], out[f"{tag}_wss95"] = wss(f, n, 0.95)
        out[f"{tag}100"], out[f"{tag}_wss100"] = wss(f, n, 1.0)
    return out


def retrain_times(size: int) -> tuple[float, float, float]:
    """(cold ranking s, warm ranking s, classifier+store share of warm s) for ``size`` records."""
    pool: list[Record] = []
    pool_labels: list[int] = []
    for path in datasets():
        recs, labels = load(path)
        pool += recs
        pool_labels += labels
    recs = [Record(title=f"{pool[i % len(pool)].title} [{i // len(pool)}]", abstract=pool[i % len(pool)].abstract)
            for i in range(size)]
    engine, ids = fresh_store(recs)
    for rid, i in zip(ids[:100], range(100)):  # 100 votes, a few includes among them
        cast_vote(engine, "alice", rid, TA, "include" if pool_labels[i % len(pool)] or i % 10 == 0 else "exclude",
                  criteria=CRITERIA)
    times = []
    for _ in range(3):
        with engine.begin() as conn:
            conn.execute(sa.delete(screening_rank_state))
        with engine.connect() as conn:
            t0 = time.perf_counter()
            ranking.rank_if_due(conn, "alice", 0, [], commit=True)
            times.append(time.perf_counter() - t0)
    with engine.connect() as conn:
        t0 = time.perf_counter()
        ranking.compute_ranking(conn, "alice", 0, [])
        compute = time.perf_counter() - t0
    engine.dispose()
    return times[0], statistics.median(times[1:]), compute


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="", help="comma-separated set names (default: all)")
    ap.add_argument("--sizes", default="2000,20000")
    args = ap.parse_args()
    wanted = {s for s in args.sets.split(",") if s}
    print(f"{'set':<24} {'N':>5} {'incl':>4} | {'relevance: @95 @100 WSS95 WSS100':>34} | "
          f"{'random: @95 @100 WSS95 WSS100':>31} | step med/max ms")
    rows = []
    for path in datasets():
        if wanted and path.stem not in wanted:
            continue
        r = simulate(path)
        rows.append(r)
        print(f"{r['name']:<24} {r['n']:>5} {r['inc']:>4} | {r['rel95']:>9} {r['rel100']:>5} {r['rel_wss95']:>6.3f} "
              f"{r['rel_wss100']:>6.3f} | {r['rnd95']:>9} {r['rnd100']:>5} {r['rnd_wss95']:>6.3f} {r['rnd_wss100']:>6.3f} | "
              f"{r['median_ms']:.1f} / {r['max_ms']:.0f}", flush=True)
    if rows:
        mean = lambda k: statistics.mean(r[k] for r in rows)  # noqa: E731
        print(f"{'mean':<35} | {'':>15} {mean('rel_wss95'):>6.3f} {mean('rel_wss100'):>6.3f} | "
              f"{'':>15} {mean('rnd_wss95'):>6.3f} {mean('rnd_wss100'):>6.3f} |")
    for size in (int(s) for s in args.sizes.split(",") if s):
        cold, warm, compute = retrain_times(size)
        print(f"ranking on {size} records: first (TF-IDF built) {cold:.2f} s, retrain {warm:.2f} s "
              f"(model {compute:.2f} s, the rest writes screening_rank)", flush=True)


if __name__ == "__main__":
    main()
