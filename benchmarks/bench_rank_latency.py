"""Per-vote latency in relevance order at 20,000 records: how long a reviewer waits from
pressing a button to having the next card (the vote stored, then ``claim_next``, the app's
path through ``next_record_id(..., order="relevance")``), with and without a ranking worker.

Modes (``--modes``):
- ``sync``: no worker; a retrain runs inside the vote that makes it due (every 10 votes at
  20,000 records), as the CLI does;
- ``thread``: a ``RankWorker`` thread in the same process, as in an app server process;
- ``process``: ``review screening rank-worker`` logic in a separate process;
- ``floor``: a worker's heartbeat but no ranking at all (the ranking goes stale): what a vote
  costs on this machine at this moment with no training anywhere, to set the others against.

Records: the 11 labelled sets pooled and repeated up to ``--records`` (titles suffixed so each
is distinct); one reviewer votes ``--votes`` times by the pooled labels (the first include is
voted early so a classifier trains). Also reported: how many rankings the worker made and
how stale the ranking behind each card was (the reviewer's votes since it was made).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_rank_latency.py --records 20000 --votes 120
    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_rank_latency.py --store postgresql+psycopg2://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_priority import datasets, load  # noqa: E402

from review.records import Record  # noqa: E402
from review.screening import Criteria, add_reviewer, cast_vote  # noqa: E402
from review.screening import ranking  # noqa: E402
from review.screening.claims import claim_next  # noqa: E402
from review.screening.rankworker import RankParams, RankWorker, heartbeat  # noqa: E402
from review.screening.settings import ScreeningSettings  # noqa: E402
from review.store import add_import, add_records, open_store  # noqa: E402
from review.store.schema import screening_rank_state, screening_votes  # noqa: E402

TA = "title_abstract"
CRITERIA = Criteria(version=1)
SETTINGS = ScreeningSettings(order="relevance")


def pool(size: int) -> tuple[list[Record], list[int]]:
    recs: list[Record] = []
    labels: list[int] = []
    for path in datasets():
        r, y = load(path)
        recs += r
        labels += y
    out = [Record(title=f"{recs[i % len(recs)].title} [{i // len(recs)}]", abstract=recs[i % len(recs)].abstract,
                  pmid=str(30000000 + i)) for i in range(size)]
    return out, [labels[i % len(labels)] for i in range(size)]


def fresh(pg: str | None, recs: list[Record]) -> tuple[str, dict[int, int]]:
    """A new store with the records and one reviewer (PostgreSQL: in a new schema of ``pg``);
    (url, record id -> row)."""
    if pg is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'latency.sqlite'}"
    else:
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(pg)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}"
    engine = open_store(url)
    with engine.begin() as conn:
        imp = add_import(conn, kind="file", database="bench")
        add_records(conn, imp, recs)
        ids = [int(i) for i in conn.execute(
            sa.text("select id from records where import_id = :i order by position"), {"i": imp}
        ).scalars()]
    add_reviewer(engine, "alice")
    engine.dispose()
    return url, {rid: n for n, rid in enumerate(ids)}


def _process_worker(url: str, ready, stop) -> None:
    engine = open_store(url)
    with engine.connect() as conn:
        ranking._texts(conn)  # the TF-IDF matrix, once per process (as a long-running worker has it)
    worker = RankWorker(engine, RankParams).start(first_pass=False)
    ready.set()
    stop.wait()
    worker.stop()
    engine.dispose()


def run(mode: str, url: str, row: dict[int, int], labels: list[int], votes: int, think: float) -> dict:
    engine = open_store(url)
    ranking._CACHE.clear()
    first = [rid for rid, n in row.items() if labels[n]][0]
    worker = None
    stop = None
    proc = None
    with engine.connect() as conn:  # the first ranking (include terms) before timing, as the app does
        ranking.rank_now(conn, "alice", 0, [])
    if mode == "floor":
        heartbeat(engine, "floor")
    if mode == "thread":
        worker = RankWorker(engine, RankParams).start()
    elif mode == "process":
        ctx = multiprocessing.get_context("spawn")
        stop, ready = ctx.Event(), ctx.Event()
        proc = ctx.Process(target=_process_worker, args=(url, ready, stop))
        proc.start()
        ready.wait(600)
    waits: list[float] = []
    stale: list[int] = []
    card = claim_next(engine, "alice", TA, SETTINGS)
    for k in range(votes):
        decision = "include" if (labels[row[card]] or (k == 1 and card != first)) else "exclude"
        t0 = time.perf_counter()
        cast_vote(engine, "alice", card, TA, decision, criteria=CRITERIA)
        card = claim_next(engine, "alice", TA, SETTINGS)
        waits.append(time.perf_counter() - t0)
        with engine.connect() as conn:
            ranked_at = conn.execute(sa.select(screening_rank_state.c.votes)).scalar() or 0
            mine = conn.execute(sa.select(sa.func.count()).select_from(screening_votes)).scalar_one()
        stale.append(int(mine) - int(ranked_at))
        if k == 0 and card != first:
            card = first  # an include early, so a classifier trains (as a prior include would)
        if mode == "floor":
            heartbeat(engine, "floor")  # untimed: keeps next_record_id from ranking
        time.sleep(think)  # the reviewer reads the next card
    with engine.connect() as conn:
        made = conn.execute(sa.select(screening_rank_state.c.votes)).scalar()
    if worker is not None:
        worker.stop()
    if proc is not None:
        stop.set()
        proc.join(60)
    engine.dispose()
    ms = sorted(1000 * w for w in waits)
    return {
        "mode": mode, "votes": votes, "p50_ms": statistics.median(ms), "p95_ms": ms[int(0.95 * (len(ms) - 1))],
        "max_ms": ms[-1], "mean_ms": statistics.mean(ms), "over_200ms": sum(1 for w in ms if w > 200),
        "stale_max": max(stale), "stale_median": statistics.median(stale), "last_ranked_at_vote": made,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--votes", type=int, default=120)
    ap.add_argument("--modes", default="floor,sync,thread,process")
    ap.add_argument("--think", type=float, default=1.0, help="seconds a reviewer spends on a card (default 1)")
    ap.add_argument("--store", default=None, help="a PostgreSQL URL (an empty database); default: a new SQLite file")
    args = ap.parse_args()
    recs, labels = pool(args.records)
    print(f"{args.records} records, {args.votes} votes per mode, {args.think:g} s per card, "
          f"store {'PostgreSQL' if args.store else 'SQLite'}")
    print("| mode | votes | p50 ms | p95 ms | max ms | votes > 200 ms | ranking behind by (median / max votes) |")
    print("|---|---|---|---|---|---|---|")
    for mode in args.modes.split(","):
        url, row = fresh(args.store, recs)
        r = run(mode, url, row, labels, args.votes, args.think)
        print(f"| {mode} | {r['votes']} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['max_ms']:.0f} | "
              f"{r['over_200ms']} | {r['stale_median']:.0f} / {r['stale_max']} |", flush=True)
        if args.store:
            schema = url.rsplit("%3D", 1)[1]
            admin = sa.create_engine(args.store)
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
