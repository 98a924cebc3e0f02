"""The benchmark's leave-one-set-out report: unseen sets pooled apart from seen ones."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "dedup"
sys.path.insert(0, str(BENCH))

import bench  # noqa: E402
import labelled  # noqa: E402


def _row(set_name: str, tool: str, dups: int, tp: int, false_merges: int = 0, seconds: float = 1.0, maybes: int = 0):
    return {"set": set_name, "tool": tool, "records": 1000, "duplicates": dups, "tp": tp, "false_merges": false_merges,
            "sensitivity": tp / dups, "seconds": seconds, "uncertain_per_1000": maybes,
            "adjudicated": {"duplicates": dups, "tp": tp, "false_merges": false_merges, "sensitivity": tp / dups}}


def test_every_published_set_is_marked_and_the_log_names_the_seen_ones():
    log = (BENCH / "misses.md").read_text(encoding="utf-8")
    for name in labelled.SETS:
        assert f"| {name} | {'seen' if bench.seen(name) else '**unseen**'} |" in log


def test_unseen_sets_are_pooled_apart_and_repo_sets_not_at_all():
    unseen = [s for s in labelled.SETS if not bench.seen(s)]
    seen = [s for s in labelled.SETS if bench.seen(s)]
    assert unseen and seen
    results = [_row(unseen[0], "ours", 10, 9), _row(unseen[0], "bib-dedupe", 10, 8, seconds=20.0),
               _row(seen[0], "ours", 100, 100), _row(seen[0], "bib-dedupe", 100, 99, seconds=30.0),
               _row("adversarial", "ours", 8, 1)]
    assert bench.pooled(results, "ours", which="unseen")["tp"] == 9
    assert bench.pooled(results, "ours", which="seen")["tp"] == 100
    assert bench.pooled(results, "ours", which="all")["duplicates"] == 110  # the adversarial set is not pooled
    report = bench.generalisation_report(results)
    assert f"| {unseen[0]} | **unseen** |" in report
    assert "| 20x |" in report
    assert "| unseen | published | 9 / 10 (0.9000) | 0 | 8 / 10 (0.8000) | 0 |" in report
