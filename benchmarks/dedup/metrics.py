"""Scoring a clustering against a gold partition (both conventions, see shared/data/README.md).

(a) Removal-based: a positive is a record that should be removed (group size minus one per
    gold group). Each predicted cluster keeps one record and removes the rest; a removal is
    false (a "false merge") when it removes the last representative of a gold group, counted
    per predicted cluster as (distinct gold groups in it) - 1.
(b) Pairwise precision and recall over all within-cluster pairs, independent of which
    record is kept.
For a set labelled only per record ("in some duplicate set", sweep_copper) the record-level
convention is used: a flagged record put in a cluster is a true positive; an unflagged record
put in a cluster is a false merge.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence


def _groups(labels: Sequence) -> dict:
    out: dict = defaultdict(list)
    for pos, label in enumerate(labels):
        out[label].append(pos)
    return out


def _pairs_in(groups) -> int:
    return sum(len(m) * (len(m) - 1) // 2 for m in groups)


def score_partition(predicted: Sequence, gold: Sequence) -> dict:
    """Metrics of ``predicted`` cluster labels against ``gold`` group labels (same order)."""
    n = len(gold)
    gold_groups = _groups(gold)
    positives = sum(len(m) - 1 for m in gold_groups.values())
    false_merges = 0
    removed = 0
    for members in _groups(predicted).values():
        removed += len(members) - 1
        false_merges += len({gold[p] for p in members}) - 1
    tp = removed - false_merges
    fn = positives - tp
    tn = n - positives - false_merges
    # pairwise
    joint = Counter((predicted[p], gold[p]) for p in range(n))
    tp_pairs = sum(c * (c - 1) // 2 for c in joint.values())
    pred_pairs = _pairs_in(_groups(predicted).values())
    gold_pairs = _pairs_in(gold_groups.values())
    return {
        "records": n,
        "duplicates": positives,
        "removed": removed,
        "tp": tp,
        "fn": fn,
        "false_merges": false_merges,
        "sensitivity": tp / positives if positives else 1.0,
        "specificity": tn / (tn + false_merges) if tn + false_merges else 1.0,
        "pair_precision": tp_pairs / pred_pairs if pred_pairs else 1.0,
        "pair_recall": tp_pairs / gold_pairs if gold_pairs else 1.0,
        "pairs_predicted": pred_pairs,
        "pairs_gold": gold_pairs,
    }


def score_flags(predicted: Sequence, flagged: Sequence[bool]) -> dict:
    """Record-level metrics against per-record "in a duplicate set" flags."""
    sizes = Counter(predicted)
    in_dup = [sizes[label] > 1 for label in predicted]
    tp = sum(1 for p, f in zip(in_dup, flagged) if p and f)
    fn = sum(1 for p, f in zip(in_dup, flagged) if not p and f)
    fp = sum(1 for p, f in zip(in_dup, flagged) if p and not f)
    tn = sum(1 for p, f in zip(in_dup, flagged) if not p and not f)
    return {
        "records": len(predicted),
        "duplicates": tp + fn,
        "removed": len(predicted) - len(sizes),
        "tp": tp,
        "fn": fn,
        "false_merges": fp,
        "sensitivity": tp / (tp + fn) if tp + fn else 1.0,
        "specificity": tn / (tn + fp) if tn + fp else 1.0,
        "pair_precision": None,
        "pair_recall": None,
    }
