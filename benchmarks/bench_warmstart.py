"""The warm start's gain: one reviewer screens a labelled set from scratch (no prior decisions)
in relevance order, and the first records, before they have an include and an exclude, come

- ``random``: in the seeded random order (no include terms, no strategy);
- ``terms``: by the number of the strategy's include terms a record holds (the cold start
  before the warm start: ``priority.term_scores`` over ``highlight_terms(strategy)``);
- ``strategy``: by the strategy itself (``review.screening.warmstart``).

From the reviewer's first include and exclude on, all three use the live model
(``priority.LIVE_MODEL``) retrained by the store path's rule (``priority.needs_ranking``),
so the difference is the start alone. Reported per set and condition, mean over seeds (the
seed orders the random start and breaks ties): records screened to the first include,
recall after screening 10%, WSS@95 (``priority_sim``'s metrics; title/abstract labels).

Strategies: ``benchmarks/strategies/<set>.yaml``, written from each review's topic before
measuring, not tuned on the labels.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_warmstart.py --seeds 0,1,2 --every 10 --cache /tmp/bench-warmstart
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from priority_sim import DATA, load, recall_at, wss  # noqa: E402

from review.screening import priority, warmstart  # noqa: E402
from review.strategy.highlight import highlight_terms  # noqa: E402
from review.strategy.load import load_strategy  # noqa: E402

STRATEGIES = Path(__file__).resolve().parent / "strategies"
CONDITIONS = ("random", "terms", "strategy")


def set_path(name: str) -> Path:
    found = [p for p in [*sorted((DATA / "cohen_2006").glob("*.csv")), *sorted(DATA.glob("*.csv"))] if p.stem == name]
    if not found:
        raise SystemExit(f"no labelled set {name!r} under {DATA}")
    return found[0]


def cold_scores(condition: str, texts: list[str], strategy) -> list[float]:
    if condition == "random":
        return [0.0] * len(texts)
    if condition == "terms":
        return [float(s) for s in priority.term_scores(texts, highlight_terms(strategy))]
    scores = warmstart.strategy_scores(texts, strategy)
    assert scores is not None, "the benchmark strategies are block-based"
    return scores


def screen(labels: list[int], cold: list[float], feats, seed: int, every: int = 0) -> list[int]:
    """Row indices in the order screened (up to the last relevant record; the rest follow).
    ``every``: retrain after that many votes (0: the store path's rule)."""
    n = len(labels)
    rng = random.Random(seed)
    key = [rng.random() for _ in range(n)]
    start = sorted(range(n), key=lambda i: (-cold[i], key[i]))
    labelled: dict[int, int] = {}
    order: list[int] = []
    ranked: list[int] = []
    last = None
    total, found = sum(labels), 0
    while len(order) < n and found < total:
        if priority.can_train(labelled.values()):
            due = (last is None or len(labelled) - last >= every) if every else priority.needs_ranking(
                last, len(labelled), n)
            if due:
                candidates = [i for i in range(n) if i not in labelled]
                scores = priority.model_scores(feats, priority.LIVE_MODEL, labelled, candidates)
                ranked = [i for _, _, i in sorted(zip((-s for s in scores), (key[c] for c in candidates), candidates))]
                last = len(labelled)
            nxt = next(i for i in ranked if i not in labelled)
        else:
            nxt = next(i for i in start if i not in labelled)
        labelled[nxt] = labels[nxt]
        order.append(nxt)
        found += labels[nxt]
    seen = set(order)
    return order + [i for i in range(n) if i not in seen]


def metrics(order: list[int], labels: list[int]) -> dict:
    ol = [labels[i] for i in order]
    return {"first_include": ol.index(1) + 1, "recall10": recall_at(ol, 0.10), "wss95": wss(ol, 0.95)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default=",".join(sorted(p.stem for p in STRATEGIES.glob("*.yaml"))))
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--conditions", default=",".join(CONDITIONS))
    ap.add_argument("--every", type=int, default=0,
                    help="retrain after this many votes (default 0: the store path's rule, every vote below "
                    "2,000 records; a larger value makes the run affordable on a busy machine, the same for every start)")
    ap.add_argument("--cache", type=Path, default=None, help="a folder keeping each run's result (resume)")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    conditions = args.conditions.split(",")
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    table: dict[tuple[str, str], list[dict]] = {}
    for name in args.sets.split(","):
        titles, abstracts, labels = load(set_path(name))
        texts = [priority.record_text(t, {"abstract": a}) for t, a in zip(titles, abstracts)]
        strategy = load_strategy(STRATEGIES / f"{name}.yaml")
        feats = priority.features(texts, priority.LIVE_MODEL)
        for condition in conditions:
            cold = cold_scores(condition, texts, strategy)
            for seed in seeds:
                cached = args.cache / f"{name}-{condition}-{seed}-every{args.every}.json" if args.cache else None
                if cached and cached.exists():
                    result = json.loads(cached.read_text())
                else:
                    t0 = time.perf_counter()
                    result = metrics(screen(labels, cold, feats, seed, args.every), labels)
                    result["seconds"] = time.perf_counter() - t0
                    if cached:
                        cached.write_text(json.dumps(result))
                table.setdefault((name, condition), []).append(result)
                print(f"{name} {condition} seed {seed}: {result}", file=sys.stderr, flush=True)
        print(f"{name}: {len(labels)} records, {sum(labels)} relevant (title/abstract)", flush=True)
    print()
    print(f"retrained after {'every vote (store rule)' if not args.every else f'every {args.every} votes'}; "
          f"seeds {args.seeds}")
    print("| set | start | first include (mean; min-max) | recall@10% | WSS@95 |")
    print("|---|---|---|---|---|")
    means: dict[str, list[tuple[float, float, float]]] = {}
    for (name, condition), rows in table.items():
        fi = [r["first_include"] for r in rows]
        r10 = statistics.mean(r["recall10"] for r in rows)
        w95 = statistics.mean(r["wss95"] for r in rows)
        means.setdefault(condition, []).append((statistics.mean(fi), r10, w95))
        print(f"| {name} | {condition} | {statistics.mean(fi):.1f}; {min(fi)}-{max(fi)} | {r10:.3f} | {w95:.3f} |")
    for condition, rows in means.items():
        print(f"| mean of {len(rows)} sets | {condition} | {statistics.mean(r[0] for r in rows):.1f} | "
              f"{statistics.mean(r[1] for r in rows):.3f} | {statistics.mean(r[2] for r in rows):.3f} |")


if __name__ == "__main__":
    main()
