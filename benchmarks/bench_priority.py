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

``--compare``: the same 11 sets with their TITLE/ABSTRACT label (``label_abstract_screening``;
Bannach-Brown 2019 has only ``label_included``), one prior include and one prior exclude drawn
per seed, screened in memory by each of our candidate models (``priority.MODELS``) and by
ASReview 3.0.8 (``--asreview-venv``: its default ``elas_u4`` and naive Bayes ``elas_u3``, run as
a subprocess in its own virtual environment, same priors), reporting WSS@95, WSS@100,
recall@10% and loss per set and their means; then the buscar stopping rule replayed on every
order (recall at the stop, records saved, how often recall fell below the target; with
``--stopping-before`` also the rule as it was, tested after every vote without correction).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_priority.py --compare --seeds 0,1,2 \
        --asreview-venv /work/asreview-venv --cache /tmp/bench-priority-cache
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


def every(k: int):
    """Retrain when the vote count has moved by ``k`` (1: after every vote, as ASReview does)."""
    return lambda last, votes: last is None or abs(votes - last) >= k


def compare(args: argparse.Namespace, wanted: set[str]) -> None:
    """See the module: our models and ASReview on the title/abstract labels, and the rule."""
    import json

    import priority_sim as ps

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    seeds = [int(x) for x in args.seeds.split(",") if x]
    models = [m for m in args.models.split(",") if m]
    refs = [a for a in args.asreview_ai.split(",") if a] if args.asreview_venv else []
    results: dict[str, dict[str, list[list[int]]]] = {}
    for path in sorted(ps.datasets(), key=lambda p: p.stat().st_size):
        if wanted and path.stem not in wanted:
            continue
        titles, abstracts, labels = ps.load(path)
        texts = [f"{t} \n{a}" for t, a in zip(titles, abstracts)]
        for seed in seeds:
            prior = ps.priors(labels, seed)
            for name in models + [f"asreview:{a}" for a in refs]:
                k = args.retrain_every if len(labels) >= args.retrain_from else 1
                tag = "" if name.startswith("asreview:") or k == 1 else f"-every{k}"
                f = cache / f"{path.stem}-{name.replace(':', '_')}{tag}-{seed}.json"
                if f.exists():
                    order = json.loads(f.read_text())["order"]
                elif args.only_cached:
                    continue
                else:
                    t0 = time.perf_counter()
                    if name.startswith("asreview:"):
                        order = ps.asreview_order(Path(args.asreview_venv), titles, abstracts, labels, prior,
                                                  name.split(":", 1)[1], seed, cache / "asreview" / path.stem)
                    else:
                        order = ps.our_order(texts, labels, prior, name, every(k))
                    f.write_text(json.dumps({"order": order, "prior": prior, "seconds": time.perf_counter() - t0}))
                results.setdefault(path.stem, {}).setdefault(name, []).append([labels[i] for i in order])
        print(f"{path.stem}: done", flush=True)
    names = models + [f"asreview:{a}" for a in refs]
    metrics = {"WSS@95": lambda o: ps.wss(o, 0.95), "WSS@100": lambda o: ps.wss(o, 1.0),
               "recall@10%": lambda o: ps.recall_at(o, 0.10), "loss": ps.loss}
    for metric, fn in metrics.items():
        print(f"\n{metric}: per set mean ± sd over the seeds run (n); last rows: mean over the sets, and "
              "mean ± sd over seeds of each seed's mean over the sets")
        print(f"{'set':<26} {'N':>5} {'rel':>4} " + " ".join(f"{n:>22}" for n in names))
        per_set: dict[str, list[float]] = {n: [] for n in names}
        per_seed: dict[str, dict[int, list[float]]] = {n: {} for n in names}
        for set_name, by in results.items():
            first = next(iter(by.values()))[0]
            cells = []
            for n in names:
                vals = [fn(o) for o in by.get(n, [])]
                if not vals:
                    cells.append(f"{'—':>22}")
                    continue
                per_set[n].append(statistics.mean(vals))
                for i, v in enumerate(vals):
                    per_seed[n].setdefault(i, []).append(v)
                sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
                cells.append(f"{statistics.mean(vals):>12.3f} ± {sd:.3f} ({len(vals)})")
            print(f"{set_name:<26} {len(first):>5} {sum(first):>4} " + " ".join(cells))
        print(f"{'mean over sets':<37} " + " ".join(
            f"{statistics.mean(per_set[n]) if per_set[n] else float('nan'):>22.3f}" for n in names))
        spread = []
        for n in names:
            seed_means = [statistics.mean(v) for v in per_seed[n].values() if len(v) == len(per_set[n])]
            sd = statistics.stdev(seed_means) if len(seed_means) > 1 else float("nan")
            spread.append(f"{statistics.mean(seed_means) if seed_means else float('nan'):>12.3f} ± {sd:.3f} ({len(seed_means)})")
        print(f"{'by seed':<37} " + " ".join(spread))
    if args.stopping:
        stopping_table(args, results, names)


def stopping_table(args: argparse.Namespace, results: dict[str, dict[str, list[list[int]]]], names: list[str]) -> None:
    """The stopping rule replayed on every order: recall at the stop, records saved, runs below
    the target; "screen everything" saves nothing and has recall 1. ``--stopping-before`` adds
    the rule as it was (every vote, uncorrected) for comparison."""
    import priority_sim as ps

    print(f"\nstopping rule (recall {args.recall}, confidence {args.confidence}; scheduled checkpoints, "
          "Bonferroni; at least 1,000 records), replayed on each order; 'screen everything' saves 0% at recall 1")
    rules = {"scheduled": ps.stop_replay}
    if args.stopping_before:
        rules["every vote"] = ps.stop_replay_every_vote
    print(f"{'set':<26} {'model':<18} {'rule':<10} {'runs':>4} {'stop at (mean)':>14} {'saved':>6} "
          f"{'recall (min/mean)':>18} {'below':>5}")
    tally = {r: [0, 0, 0] for r in rules}  # runs, below target, stopped before the end
    for set_name, by in results.items():
        for n in names:
            for rule, replay in rules.items():
                stops = [replay(o, args.recall, args.confidence) for o in by.get(n, [])]
                if not stops:
                    continue
                n_rec = len(by[n][0])
                below = sum(1 for _, r in stops if r < args.recall)
                tally[rule][0] += len(stops)
                tally[rule][1] += below
                tally[rule][2] += sum(1 for k, _ in stops if k < n_rec)
                print(f"{set_name:<26} {n:<18} {rule:<10} {len(stops):>4} {statistics.mean(k for k, _ in stops):>14.0f} "
                      f"{1 - statistics.mean(k for k, _ in stops) / n_rec:>6.1%} "
                      f"{min(r for _, r in stops):>8.3f} / {statistics.mean(r for _, r in stops):.3f} {below:>5}", flush=True)
    for rule, (runs, below, early) in tally.items():
        print(f"{rule}: recall below target in {below} of {runs} runs ({1 - below / max(1, runs):.1%} reached it); "
              f"stopped before the end in {early}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="", help="comma-separated set names (default: all)")
    ap.add_argument("--sizes", default="2000,20000")
    ap.add_argument("--compare", action="store_true", help="our models vs ASReview on the title/abstract labels")
    ap.add_argument("--models", default="nb,svm,ensemble", help="our models to simulate (priority.MODELS)")
    ap.add_argument("--seeds", default="0", help="comma-separated seeds (each draws the prior include/exclude)")
    ap.add_argument("--asreview-venv", default="", help="a virtual environment with asreview==3.0.8")
    ap.add_argument("--asreview-ai", default="elas_u4,elas_u3")
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "bench-priority-cache"),
                    help="orders already simulated are read from here")
    ap.add_argument("--stopping", action="store_true", help="replay the buscar stopping rule on every order")
    ap.add_argument("--recall", type=float, default=0.95)
    ap.add_argument("--confidence", type=float, default=0.95)
    ap.add_argument("--stopping-before", action="store_true",
                    help="also replay the rule as it was: every vote, uncorrected (slow)")
    ap.add_argument("--retrain-every", type=int, default=1,
                    help="our models retrain after every k votes in the simulation (1: every vote)")
    ap.add_argument("--retrain-from", type=int, default=0,
                    help="--retrain-every applies to sets of at least this many records (smaller: every vote)")
    ap.add_argument("--only-cached", action="store_true", help="report the orders already simulated, run none")
    args = ap.parse_args()
    wanted = {s for s in args.sets.split(",") if s}
    if args.compare:
        import sys

        sys.path.insert(0, str(Path(__file__).resolve().parent))
        compare(args, wanted)
        return
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
