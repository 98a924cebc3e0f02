"""Deduplication benchmark: review.dedup against bib-dedupe on the labelled sets, and scale.

    cd <repo> && PYTHONPATH=$PWD .venv/bin/python benchmarks/dedup/bench.py [--sizes 10000 50000 100000]
        [--bib-sizes 10000] [--out benchmarks/dedup/results.json]

Every measurement runs in a fresh worker process (so peak memory is that run's own): the
worker reads the set with review.formats.read_file, then times only the deduplication
(review.dedup.pipeline.find_duplicates, or bib-dedupe's prep+block+match+cluster on the
same parsed records), and reports the labels, wall and CPU seconds and peak RSS.
Metrics (see metrics.py): removal-based sensitivity/specificity and false merges, pairwise
precision/recall; sweep_copper has only per-record flags (record-level convention).
Generalisation: every labelled set is marked seen or unseen (``SEEN_SETS``, logged in
misses.md); the report pools the unseen sets apart from the seen ones, and gives each set's
speed ratio and uncertain pairs (the review queue) per 1,000 records.
bib-dedupe is a benchmark-only dependency (pip install bib-dedupe), not a project one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import labelled  # noqa: E402
import metrics  # noqa: E402

# Leave-one-set-out log (benchmarks/dedup/misses.md, "Seen and unseen sets"): a labelled set
# is "seen" when a rule, threshold or normalisation was added or changed because of a case
# in it. The others were kept aside while the rules changed; their figures measure how the
# rules generalise. Keep this table and the log in misses.md in step.
SEEN_SETS = {
    "sra_cytology_screening": "page typo between full ranges; NLM journal subtitle",
    "sra_haematology": "shifted fields; one-page abstracts; '- Reply' endings; notice_shape; nested erratum bracket",
    "asysd_diabetes": "glued author lists; Embase '(no pagination)' volumes; issue field holding the page",
    "adversarial": "built for the generalisation rules (tests/data/dedup/adversarial.csv)",
}


def seen(set_name: str) -> bool:
    return set_name in SEEN_SETS


def _peak_mb() -> float:
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(self_kb, child_kb) / 1024, 1)


def _load(set_name: str):
    """(records, gold or None, flags or None, adjudicated gold or None) for a labelled set or
    "synthetic-N" (whose gold is known by construction, so it has no adjudicated labels)."""
    if set_name.startswith("synthetic-"):
        import synthetic

        records, gold = synthetic.build(int(set_name.split("-")[1]), labelled.load_all())
        return records, [str(g) for g in gold], None, None
    s = labelled.load(set_name)
    return s.records, s.gold, s.flagged, labelled.adjudicated_gold(s)


def _bib_dedupe_labels(records) -> list:
    import pandas as pd
    from bib_dedupe.bib_dedupe import block, cluster, match, prep

    rows = []
    for i, r in enumerate(records):
        if r is None:
            continue
        conference = (r.reference_type or "").lower() in ("conf", "inproceedings", "conference proceedings")
        rows.append({
            "ID": str(i), "ENTRYTYPE": "inproceedings" if conference else "article",
            "title": r.title, "author": " and ".join(r.authors), "year": str(r.year or ""),
            "journal": r.journal or r.journal_abbrev, "volume": r.volume, "number": r.issue,
            "pages": r.pages, "doi": r.doi, "abstract": r.abstract,
        })
    df = pd.DataFrame(rows)
    prepped = prep(df, verbosity_level=0)
    pairs = block(prepped, verbosity_level=0)
    matched = match(pairs, verbosity_level=0)
    maybes = int((matched["duplicate_label"] == "maybe").sum()) if len(matched) else 0
    matched = matched[matched["duplicate_label"] == "duplicate"]
    groups = cluster(matched, verbosity_level=0) if len(matched) else []
    labels: list = [("alone", i) for i in range(len(records))]
    for k, group in enumerate(groups):
        for member in group:
            labels[int(member)] = ("group", k)
    return labels, maybes


def miss_category(reason: str) -> str:
    """Which rule kept a labelled duplicate apart, from the decision's reason text."""
    text = reason.lower()
    for needle, category in (
        ("dois differ", "different DOIs/PMIDs (rule 1)"), ("pmids differ", "different DOIs/PMIDs (rule 1)"),
        ("and another kind of item", "notice vs article (rule 2)"),
        ("kinds of item differ", "meeting abstract vs article (rule 5)"),
        ("numbers in the titles differ", "numbers in titles differ (rule 5)"),
        ("differ: ", "different year/volume/pages (rule 5)"),
        ("titles differ", "titles differ"), ("authors differ", "authors differ"),
        ("same doi but", "same DOI, different titles"), ("same pmid but", "same PMID, different titles"),
    ):
        if needle in text:
            return category
    return "left for a person"


def misses_by_reason(records, gold, labels) -> dict[str, int]:
    """Per category, the labelled links (removals) the clustering did not make."""
    from collections import Counter

    from review.dedup.normalise import normalise
    from review.dedup.score import compare, decide

    out: Counter = Counter()
    for first, other in missed_links(gold, labels):
        if records[first] is None or records[other] is None:
            out["record unreadable (no title)"] += 1
            continue
        d = decide(compare(normalise(records[first]), normalise(records[other])))
        out[miss_category(d.reason)] += 1
    return dict(out)


def missed_links(gold, labels) -> list[tuple[int, int]]:
    """One (position, position) pair per labelled removal not made: for each gold group split
    over several clusters, the first record of its largest part against the first record of
    every other part."""
    from collections import defaultdict

    groups = defaultdict(list)
    for i, g in enumerate(gold):
        groups[g].append(i)
    out = []
    for members in groups.values():
        parts = defaultdict(list)
        for i in members:
            parts[labels[i]].append(i)
        if len(parts) < 2:
            continue
        heads = sorted(parts.values(), key=len, reverse=True)
        out.extend((heads[0][0], part[0]) for part in heads[1:])
    return out


def _ours_labels(records) -> tuple[list, dict]:
    from review.dedup.pipeline import find_duplicates

    readable = [i for i, r in enumerate(records) if r is not None]
    result = find_duplicates([records[i] for i in readable])
    labels: list = [("alone", i) for i in range(len(records))]
    for pos, i in enumerate(readable):
        labels[i] = ("c", result.labels[pos])
    return labels, {"timings": result.timings, "candidates": result.candidates, "maybe_pairs": len(result.maybes)}


def worker(tool: str, set_name: str) -> dict:
    records, gold, flags, adjudicated = _load(set_name)
    if tool == "ours":
        __import__("review.dedup.pipeline")  # imports are not part of the timing
    else:
        __import__("bib_dedupe.bib_dedupe")
    base_mb = _peak_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    extra: dict = {}
    if tool == "ours":
        labels, extra = _ours_labels(records)
    else:
        labels, bib_maybes = _bib_dedupe_labels(records)
        extra["maybe_pairs"] = bib_maybes
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    labels = [str(x) for x in labels]
    extra["uncertain_per_1000"] = round(1000 * extra.get("maybe_pairs", 0) / max(1, len(records)), 2)
    scores = metrics.score_partition(labels, gold) if gold is not None else metrics.score_flags(labels, flags)
    if tool == "ours" and gold is not None and not set_name.startswith("synthetic"):
        extra["misses_by_reason"] = misses_by_reason(records, gold, labels)
    if not set_name.startswith("synthetic"):
        # Against the labels reconciled with the project's definition of a duplicate
        # (adjudications.csv); a set labelled only per record has no adjudications.
        adj = metrics.score_partition(labels, adjudicated) if adjudicated is not None else dict(scores)
        extra["adjudicated"] = {k: adj[k] for k in ("duplicates", "tp", "fn", "false_merges", "sensitivity", "specificity")}
    return {"tool": tool, "set": set_name, "seen": seen(set_name), "records": len(records), "seconds": round(wall, 2),
            "load_avg": [round(x, 2) for x in os.getloadavg()],  # the shared machine's load at the end
            "cpu_seconds": round(cpu, 2), "peak_mb": _peak_mb(), "mb_before_dedup": base_mb,
            **scores, **extra}


def run_worker(tool: str, set_name: str, timeout: int = 3600) -> dict:
    cmd = [sys.executable, __file__, "--worker", tool, set_name]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"tool": tool, "set": set_name, "error": f"timed out after {timeout} s"}
    if proc.returncode != 0:
        return {"tool": tool, "set": set_name, "error": proc.stderr.strip().splitlines()[-1:]}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(time.perf_counter() - started, 1)
    return result


def _fmt(v, digits=4):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def table(results: list[dict]) -> str:
    head = ("| set | tool | records | dups (gold) | removed | false merges | sensitivity | "
            "specificity | pair precision | pair recall | time s (wall / CPU) | peak MB |")
    lines = [head, "|" + "---|" * 12]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['set']} | {r['tool']} | error: {r['error']} |" + " |" * 9)
            continue
        lines.append(
            f"| {r['set']} | {r['tool']} | {r['records']} | {r['duplicates']} | {r['removed']} | "
            f"{r['false_merges']} | {_fmt(r['sensitivity'])} | {_fmt(r['specificity'])} | "
            f"{_fmt(r['pair_precision'])} | {_fmt(r['pair_recall'])} | "
            f"{r['seconds']} / {r['cpu_seconds']} | {r['peak_mb']} |"
        )
    return "\n".join(lines)


def adjudicated_table(results: list[dict]) -> str:
    """The labelled sets scored against the adjudicated labels (adjudications.csv)."""
    lines = ["| set | tool | dups (adjudicated) | found | false merges | sensitivity | specificity |", "|" + "---|" * 7]
    for r in results:
        a = r.get("adjudicated")
        if a:
            lines.append(f"| {r['set']} | {r['tool']} | {a['duplicates']} | {a['tp']} | {a['false_merges']} | "
                         f"{_fmt(a['sensitivity'])} | {_fmt(a['specificity'])} |")
    return "\n".join(lines)


def pooled(results: list[dict], tool: str, adjudicated: bool = False, which: str = "all") -> dict:
    """Pooled figures over the published labelled sets (``which``: "all", "seen", "unseen"),
    against the published labels or (``adjudicated``) the labels reconciled by
    adjudications.csv. Sets built for the project (``labelled.REPO_SETS``) are not pooled."""
    rows = [r for r in results if r.get("tool") == tool and r["set"] in labelled.SETS and "error" not in r
            and (which == "all" or seen(r["set"]) == (which == "seen"))]
    scores = [r["adjudicated"] if adjudicated else r for r in rows]
    dups = sum(r["duplicates"] for r in scores)
    tp = sum(r["tp"] for r in scores)
    return {"tool": tool, "sets": which, "labels": "adjudicated" if adjudicated else "published",
            "duplicates": dups, "tp": tp,
            "false_merges": sum(r["false_merges"] for r in scores),
            "sensitivity": round(tp / dups, 4) if dups else None,
            "seconds": round(sum(r["seconds"] for r in rows), 2),
            "records": sum(r["records"] for r in rows)}


def generalisation_report(results: list[dict]) -> str:
    """Leave-one-set-out: per labelled set, seen or unseen (and what was changed because of
    it), both tools' figures, the speed ratio and the review queue per 1,000 records; then
    the pooled seen and unseen figures."""
    by = {(r["set"], r["tool"]): r for r in results if "error" not in r}
    lines = ["| set | seen? (what changed because of it) | review.dedup sens. (published / adjudicated) | "
             "bib-dedupe sens. (published / adjudicated) | false merges (ours / bib) | speed ratio | "
             "uncertain pairs per 1,000 (ours / bib) |", "|" + "---|" * 7]
    for name in [r["set"] for r in results if r.get("tool") == "ours" and not r["set"].startswith("synthetic")]:
        o, b = by.get((name, "ours")), by.get((name, "bib-dedupe"))
        if o is None:
            continue
        label = f"seen ({SEEN_SETS[name]})" if seen(name) else "**unseen**"

        def sens(r):
            if r is None:
                return "–"
            adj = r.get("adjudicated", {})
            return f"{_fmt(r['sensitivity'])} / {_fmt(adj.get('sensitivity'))}"

        fm = f"{o['false_merges']} / {b['false_merges'] if b else '–'}"
        ratio = f"{b['seconds'] / o['seconds']:.0f}x" if b and o["seconds"] > 0 else "–"
        queue = f"{o['uncertain_per_1000']} / {b['uncertain_per_1000'] if b else '–'}"
        lines.append(f"| {name} | {label} | {sens(o)} | {sens(b)} | {fm} | {ratio} | {queue} |")
    lines.append("")
    lines.append("| pooled sets | labels | review.dedup found / labelled (sens.) | false merges | "
                 "bib-dedupe found / labelled (sens.) | false merges |")
    lines.append("|" + "---|" * 6)
    for which in ("unseen", "seen", "all"):
        for adjudicated in (False, True):
            o, b = pooled(results, "ours", adjudicated, which), pooled(results, "bib-dedupe", adjudicated, which)
            lines.append(
                f"| {which} | {o['labels']} | {o['tp']} / {o['duplicates']} ({_fmt(o['sensitivity'])}) | "
                f"{o['false_merges']} | {b['tp']} / {b['duplicates']} ({_fmt(b['sensitivity'])}) | {b['false_merges']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "SET"))
    parser.add_argument("--sets", nargs="*", default=list(labelled.SETS) + list(labelled.REPO_SETS))
    parser.add_argument("--sizes", nargs="*", type=int, default=[10_000, 50_000, 100_000])
    parser.add_argument("--bib-sizes", nargs="*", type=int, default=[10_000])
    parser.add_argument("--no-bib", action="store_true", help="skip bib-dedupe")
    parser.add_argument("--out", default=str(HERE / "results.json"))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    results = []
    load_before = os.getloadavg()
    for name in args.sets:
        for tool in ("ours",) + (() if args.no_bib else ("bib-dedupe",)):
            r = run_worker(tool, name)
            print(json.dumps({k: v for k, v in r.items() if k not in ("pairs_predicted", "pairs_gold")}), flush=True)
            results.append(r)
    for n in args.sizes:
        tools = ("ours",) + (("bib-dedupe",) if n in args.bib_sizes and not args.no_bib else ())
        for tool in tools:
            r = run_worker(tool, f"synthetic-{n}")
            print(json.dumps(r), flush=True)
            results.append(r)
    report = {
        "machine": {"uname": " ".join(platform.uname()), "nproc": os.cpu_count(),
                    "python": platform.python_version(), "load_avg_before": load_before,
                    "load_avg_after": os.getloadavg()},
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "results": results,
        "pooled": [pooled(results, tool, adjudicated, which) for which in ("all", "seen", "unseen")
                   for adjudicated in (False, True) for tool in ("ours", "bib-dedupe")],
    }
    Path(args.out).write_text(json.dumps(report, indent=1), encoding="utf-8")
    print()
    print(table(results))
    print()
    print(adjudicated_table(results))
    print()
    print(generalisation_report(results))


if __name__ == "__main__":
    main()
