"""Server-side time of one screening-app card step: store the vote, then draw the next card
(progress counts, next record of my queue, the merged record) — what the Screen page's
fragment does per vote.

The app_* figures follow the app's fragment exactly: a click reruns the card (progress, next
record, merged record) before the vote is stored, then the vote, then the card is drawn again;
``uncached`` computes the progress counts in both runs, ``cached`` uses
``screening_app.progress_cache.ProgressCache`` (as the app does: counted again only when the
store changed, so once per vote).

    PYTHONPATH=. python benchmarks/app_card.py [N_RECORDS ...] [--pg URL]

Records are synthetic (title/abstract of a few hundred characters); the store is SQLite in a
temporary folder, or a fresh schema on PostgreSQL with --pg.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

import review.screening as rules
from review.dedup.state import merged_record
from review.records import Record
from review.store import add_import, add_records, open_store
from screening_app.progress_cache import ProgressCache

VOTES = 200


def fill(engine: sa.Engine, n: int) -> None:
    words = "mentoring programme medical students group one-to-one evaluation survey outcome".split()
    recs = (
        Record(title=f"Record {i}: " + " ".join(words[(i + k) % len(words)] for k in range(12)),
               abstract=" ".join(words[(i * k) % len(words)] for k in range(60)),
               authors=[f"Author{i}, A."], year=2008 + i % 10, source_database="MEDLINE")
        for i in range(n)
    )
    with engine.begin() as conn:
        iid = add_import(conn, kind="file", database="MEDLINE", file_name=f"synthetic-{n}")
        add_records(conn, iid, recs, batch_size=5000)


def run(engine: sa.Engine, n: int) -> dict[str, float]:
    fill(engine, n)
    rules.add_reviewer(engine, "alice")
    rules.add_reviewer(engine, "bob")
    crit = rules.default_criteria()
    with engine.connect() as conn:  # first call computes the queue order
        t = time.perf_counter()
        rules.next_record_id(conn, "alice", "title_abstract")
        first = time.perf_counter() - t
    steps, votes, cards = [], [], []
    for i in range(VOTES):
        with engine.connect() as conn:
            rid = rules.next_record_id(conn, "alice", "title_abstract")
        t0 = time.perf_counter()
        rules.cast_vote(engine, "alice", rid, "title_abstract", "include" if i % 3 else "exclude", criteria=crit)
        t1 = time.perf_counter()
        with engine.connect() as conn:
            rules.progress(conn, "alice", "title_abstract")
            nxt = rules.next_record_id(conn, "alice", "title_abstract")
            merged_record(conn, nxt)
        t2 = time.perf_counter()
        votes.append(t1 - t0)
        cards.append(t2 - t1)
        steps.append(t2 - t0)
    ms = lambda xs: 1000 * statistics.median(xs)  # noqa: E731
    p95 = lambda xs: 1000 * sorted(xs)[int(0.95 * len(xs))]  # noqa: E731
    out = {"first_queue_ms": 1000 * first, "vote_ms": ms(votes), "card_ms": ms(cards),
           "step_ms": ms(steps), "step_p95_ms": p95(steps)}
    for label, cache in (("app_uncached", None), ("app_cached", ProgressCache())):
        app_steps = [app_step(engine, cache, crit, i) for i in range(VOTES)]
        out[f"{label}_ms"] = ms(app_steps)
        out[f"{label}_p95_ms"] = p95(app_steps)
    return out


def draw_card(engine: sa.Engine, cache: ProgressCache | None) -> int:
    """One run of the Screen card: progress counts, the next record, the merged record."""
    with engine.connect() as conn:
        if cache is None:
            rules.progress(conn, "alice", "title_abstract")
        else:
            cache.get(conn, "alice", "title_abstract")
        rid = rules.next_record_id(conn, "alice", "title_abstract")
        merged_record(conn, rid)
    return rid


def app_step(engine: sa.Engine, cache: ProgressCache | None, crit, i: int) -> float:
    """A click as the app handles it: the card's run, the vote, the card drawn again."""
    draw_card(engine, cache)  # the previous card's draw (not timed)
    t0 = time.perf_counter()
    rid = draw_card(engine, cache)  # the run the click starts
    rules.cast_vote(engine, "alice", rid, "title_abstract", "include" if i % 3 else "exclude", criteria=crit)
    draw_card(engine, cache)  # the next card
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 20000])
    ap.add_argument("--pg", default=None, help="PostgreSQL URL (a fresh schema is used and dropped)")
    args = ap.parse_args()
    for n in args.sizes:
        if args.pg:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            admin = sa.create_engine(args.pg)
            with admin.begin() as c:
                c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            engine = open_store(f"{args.pg}?options=-csearch_path%3D{schema}")
            try:
                out = run(engine, n)
            finally:
                engine.dispose()
                with admin.begin() as c:
                    c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            backend = "postgresql"
        else:
            with tempfile.TemporaryDirectory() as d:
                engine = open_store(f"sqlite:///{Path(d) / 'review.sqlite'}")
                out = run(engine, n)
                engine.dispose()
            backend = "sqlite"
        print(f"{backend:<10} {n:>7} records  " + "  ".join(f"{k} {v:.1f}" for k, v in out.items()), flush=True)


if __name__ == "__main__":
    main()
