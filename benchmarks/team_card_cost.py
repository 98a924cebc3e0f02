"""Where a vote's server time goes in the Screen card, outside Streamlit: the library calls
the card's fragment makes per vote (cast_vote, reviewer_progress, claim_next, last_vote, the
merged record), timed one by one over 200 votes by two reviewers taking turns. Compare the
sum with the server CPU per vote of ``team_load.py``: the rest is Streamlit's own rerun.

    PYTHONPATH=. python benchmarks/team_card_cost.py [--records 3000] [--pg URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa

import review.screening as rules
from review.dedup.state import merged_record
from review.screening.visibility import reviewer_progress
from review.store import open_store

from team_load import fill  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

VOTES = 200
TA = "title_abstract"


def run(engine: sa.Engine, records: int) -> dict[str, float]:
    fill(engine, records)
    for name in ("alice", "bob"):
        rules.add_reviewer(engine, name)
    rules.prepare_queue(engine)
    settings = rules.ScreeningSettings()
    times: dict[str, list[float]] = defaultdict(list)

    def timed(label, fn):
        t = time.perf_counter()
        out = fn()
        times[label].append(1000 * (time.perf_counter() - t))
        return out

    cards = {name: rules.claim_next(engine, name, TA, settings) for name in ("alice", "bob")}
    for i in range(VOTES):
        name = ("alice", "bob")[i % 2]
        rid = cards[name]
        timed("cast_vote", lambda: rules.cast_vote(engine, name, rid, TA, "include", settings=settings))
        with engine.connect() as conn:
            timed("reviewer_progress", lambda: reviewer_progress(conn, name, TA))
            conn.commit()
        cards[name] = timed("claim_next", lambda: rules.claim_next(engine, name, TA, settings))
        with engine.connect() as conn:
            timed("last_vote", lambda: rules.last_vote(conn, name, TA))
            timed("merged_record", lambda: merged_record(conn, cards[name]))
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=3000)
    ap.add_argument("--pg", default="")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.pg:
            schema = f"bench_cost_{uuid.uuid4().hex[:10]}"
            admin = sa.create_engine(args.pg)
            with admin.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            url = f"{args.pg}?options=-csearch_path%3D{schema}"
        else:
            url = f"sqlite:///{Path(tmp) / 'cost.sqlite'}"
        engine = open_store(url)
        try:
            medians = run(engine, args.records)
        finally:
            engine.dispose()
            if args.pg:
                with admin.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    store = "PostgreSQL" if args.pg else "SQLite"
    print(f"| {store} | {args.records} | " + " | ".join(f"{medians[k]:.1f}" for k in
          ("cast_vote", "reviewer_progress", "claim_next", "last_vote", "merged_record"))
          + f" | {sum(medians.values()):.1f} |")


if __name__ == "__main__":
    main()
