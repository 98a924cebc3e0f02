"""What a ranking model costs at 20,000 records, in memory, outside the store: the TF-IDF
features (built once per record set), their size, and one scoring (train on 2,000 votes,
score 18,000 candidates), for each model named; then the process's peak memory. Records: the
11 labelled sets pooled and repeated (titles suffixed), as in ``bench_rank_latency.py``.
Run one model per process for a clean peak:

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_model_cost.py svm-char
    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_model_cost.py ensemble
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import priority_sim as ps  # noqa: E402

from review.screening import priority  # noqa: E402

RECORDS, VOTES = 20_000, 2_000


def main(models: list[str]) -> None:
    pool = []
    for path in ps.datasets():
        titles, abstracts, _ = ps.load(path)
        pool += [f"{t} \n{a}" for t, a in zip(titles, abstracts)]
    texts = [f"{pool[i % len(pool)]} [{i // len(pool)}]" for i in range(RECORDS)]
    labels = {i: int(i % 7 == 0) for i in range(VOTES)}
    candidates = list(range(VOTES, RECORDS))
    for model in models:
        t0 = time.perf_counter()
        feats = priority.features(texts, model)
        built = time.perf_counter() - t0
        nnz = sum(m.nnz for m in feats.values())
        mb = sum(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes for m in feats.values()) / 1e6
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            priority.model_scores(feats, model, labels, candidates)
            times.append(time.perf_counter() - t0)
        print(f"{model}: features {built:.1f} s, {nnz:,} non-zeros, {mb:.0f} MB; one scoring ({VOTES:,} votes, "
              f"{len(candidates):,} candidates) {min(times):.2f}-{max(times):.2f} s", flush=True)
    print(f"peak memory of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main(sys.argv[1:] or [priority.LIVE_MODEL])
