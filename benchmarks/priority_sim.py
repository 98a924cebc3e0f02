"""Simulated screening of labelled sets, for ``bench_priority.py --compare``: our rankers
in memory (the same ``review.screening.priority`` functions the store path calls), ASReview
3.0.8 as the reference (run in its own virtual environment, never imported here), the
metrics (WSS@95, WSS@100, recall@10%, loss) and the buscar stopping rule replayed on each
order. Pure functions over lists of labels, plus the ASReview subprocess at the edge.
"""

from __future__ import annotations

import csv
import json
import math
import random
import sqlite3
import subprocess
import tempfile
import zipfile
from pathlib import Path

DATA = Path("/work/shared/data/screening")
TA_LABEL = "label_abstract_screening"  # the title/abstract decision, where a set has one


def datasets() -> list[Path]:
    return sorted((DATA / "cohen_2006").glob("*.csv")) + [DATA / "Nagtegaal_2019.csv", DATA / "Bannach-Brown_2019.csv"]


def load(path: Path) -> tuple[list[str], list[str], list[int]]:
    """(titles, abstracts, title/abstract labels); sets without a title/abstract label use
    ``label_included`` (Bannach-Brown 2019 has only that one)."""
    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    key = TA_LABEL if TA_LABEL in rows[0] else "label_included"
    return ([r.get("title") or "" for r in rows], [r.get("abstract") or "" for r in rows],
            [int(float(r.get(key) or 0)) for r in rows])


def priors(labels: list[int], seed: int) -> tuple[int, int]:
    """One include and one exclude (row indices), drawn with ``seed``: the same for every model."""
    rng = random.Random(seed)
    return rng.choice([i for i, y in enumerate(labels) if y]), rng.choice([i for i, y in enumerate(labels) if not y])


# --- metrics on an order (labels in the order screened, every record once) -------------------

def found_at(order_labels: list[int]) -> list[int]:
    """1-based positions at which each relevant record was found."""
    return [n + 1 for n, y in enumerate(order_labels) if y]


def wss(order_labels: list[int], recall: float) -> float:
    """Work saved over sampling at ``recall``: (N - screened to reach it)/N - (1 - recall)."""
    found = found_at(order_labels)
    n = len(order_labels)
    k = found[math.ceil(recall * len(found)) - 1]
    return (n - k) / n - (1 - recall)


def recall_at(order_labels: list[int], share: float) -> float:
    n = math.ceil(share * len(order_labels))
    return sum(order_labels[:n]) / sum(order_labels)


def loss(order_labels: list[int]) -> float:
    """Area between the best possible recall curve and this one, over the largest it could be
    (0: every relevant record first; ASReview's "loss")."""
    total, n = sum(order_labels), len(order_labels)
    best = sum(min(i, total) for i in range(1, n + 1))
    found, area = 0, 0
    for y in order_labels:
        found += y
        area += found
    return (best - area) / (total * (n - total))


def stop_replay(order_labels: list[int], recall: float = 0.95, confidence: float = 0.95) -> tuple[int, float]:
    """Replay the stopping rule (``review.screening.stopping``, guards and schedule included)
    along an order: (records screened when it first says stop, recall then); (N, 1.0) when it
    never does. The estimate changes only at the rule's checkpoints, so only they are asked."""
    from review.screening.stopping import checkpoints, estimate_from_labels

    n = len(order_labels)
    total_relevant = sum(order_labels)
    for k in checkpoints(n):
        if estimate_from_labels(order_labels[:k], n, recall=recall, confidence=confidence).can_stop:
            return k, sum(order_labels[:k]) / total_relevant
    return n, 1.0


def stop_replay_every_vote(order_labels: list[int], recall: float = 0.95, confidence: float = 0.95,
                           min_records: int = 1000, min_share: float = 0.10) -> tuple[int, float]:
    """The rule as it was before the schedule (for comparison): the paper's p over every window
    (``buscar_p_value``), tested after every vote from 10% screened, uncorrected."""
    from review.screening.stopping import buscar_p_value

    n = len(order_labels)
    total_relevant = sum(order_labels)
    if n >= min_records:
        for k in range(math.ceil(min_share * n), n + 1):
            if buscar_p_value(order_labels[:k], n, recall) < 1 - confidence:
                return k, sum(order_labels[:k]) / total_relevant
    return n, 1.0


# --- ASReview 3.0.8 as the reference --------------------------------------------------------

def asreview_order(venv: Path, titles: list[str], abstracts: list[str], labels: list[int],
                   prior: tuple[int, int], ai: str, seed: int, workdir: Path) -> list[int]:
    """Row indices in the order ASReview's simulation screened them (priors first); records it
    did not reach (it stops after the last relevant one) follow in row order."""
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / "data.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "title", "abstract", "label_included"])  # the title/abstract label
        for i, (t, a, y) in enumerate(zip(titles, abstracts, labels)):
            w.writerow([i, t, a, y])
    out = workdir / f"{ai}-{seed}.asreview"
    out.unlink(missing_ok=True)
    subprocess.run(
        [str(venv / "bin" / "asreview"), "simulate", str(data), "--prior-idx", str(prior[0]), str(prior[1]),
         "--ai", ai, "--seed", str(seed), "-o", str(out)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    with zipfile.ZipFile(out) as z, tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "results.db"
        db.write_bytes(z.read("results.db"))
        con = sqlite3.connect(db)
        # record_id in results is ASReview's own id for the row (0-based row order here)
        rows = con.execute("select r.dataset_row from results s join record r on r.record_id = s.record_id "
                           "order by s.rowid").fetchall()
        con.close()
    order = [int(r[0]) for r in rows]
    seen = set(order)
    return order + [i for i in range(len(labels)) if i not in seen]


# --- our rankers, simulated ----------------------------------------------------------------

def active_order(labels: list[int], prior: tuple[int, int], score, cadence) -> list[int]:
    """Row indices in the order one reviewer screens them: the prior include and exclude, then
    the best of the latest ranking not yet screened, ranked again when ``cadence(last votes,
    votes)`` says so by ``score(labelled, candidates)`` (row -> 1/0; higher: sooner). Once
    every relevant record is found the rest follow in row order (as ASReview's simulation
    stops: no metric, nor the stopping rule, can change after that)."""
    labelled = {prior[0]: 1, prior[1]: 0}
    order = [prior[0], prior[1]]
    ranked: list[int] = []
    last = None
    n = len(labels)
    total, found = sum(labels), labels[prior[0]]
    while len(order) < n:
        if found == total:
            order += [i for i in range(n) if i not in labelled]
            break
        if cadence(last, len(labelled)):
            candidates = [i for i in range(n) if i not in labelled]
            scores = score(labelled, candidates)
            ranked = [i for _, i in sorted(zip((-float(s) for s in scores), candidates))]
            last = len(labelled)
        nxt = next(i for i in ranked if i not in labelled)
        labelled[nxt] = labels[nxt]
        found += labels[nxt]
        order.append(nxt)
    return order


def our_order(texts: list[str], labels: list[int], prior: tuple[int, int], model: str,
              cadence=None) -> list[int]:
    """``active_order`` with ``model`` (see ``review.screening.priority.MODELS``), retrained
    when ``cadence(last, votes)`` says so (default: after every vote, as ASReview does)."""
    from review.screening import priority

    features = priority.features(texts, model)
    return active_order(labels, prior, lambda labelled, cand: priority.model_scores(features, model, labelled, cand),
                        cadence or priority.needs_ranking)


def save(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=1), encoding="utf-8")
