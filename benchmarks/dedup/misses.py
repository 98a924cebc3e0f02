"""List every labelled duplicate our clustering did not make, with the records' fields.

    cd <repo> && PYTHONPATH=$PWD .venv/bin/python benchmarks/dedup/misses.py [--sets SET...] [--out FILE]

For each labelled group split over several of our clusters, the largest part's first record
is compared with the first record of every other part (one row per labelled removal not
made, as in ``bench.misses_by_reason``); the row shows both records' fields and the reason
``review.dedup.score.decide`` gives. sweep_copper (per-record flags only) lists its flagged
records that were left alone, each against its most similar flagged record.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import labelled  # noqa: E402
from bench import _ours_labels, miss_category, missed_links  # noqa: E402
from rapidfuzz import fuzz  # noqa: E402

from review.dedup.normalise import normalise  # noqa: E402
from review.dedup.score import compare, decide  # noqa: E402


def _pairs(s: labelled.LabelledSet, labels: list) -> list[tuple[int, int]]:
    if s.gold is None:
        flagged = [i for i, f in enumerate(s.flagged) if f and s.records[i] is not None]
        sizes = defaultdict(int)
        for lab in labels:
            sizes[lab] += 1
        out = []
        for i in flagged:
            if sizes[labels[i]] > 1:
                continue
            best = max((j for j in flagged if j != i),
                       key=lambda j: fuzz.ratio(s.records[i].title.lower(), s.records[j].title.lower()))
            out.append((best, i))
        return out
    return missed_links(s.gold, labels)


def _cell(text: str, limit: int = 110) -> str:
    text = (text or "").replace("|", "/").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _where(r) -> str:
    pages = r.start_page + (f"-{r.end_page}" if r.end_page else "")
    bits = [str(r.year or "?"), f"{_cell(r.journal or r.journal_abbrev, 40)}", f"v{r.volume or '?'}",
            f"({r.issue})" if r.issue else "", f"p{pages or '?'}", f"doi {r.doi}" if r.doi else "",
            f"pmid {r.pmid}" if r.pmid else "", f"type {';'.join(r.publication_types)}" if r.publication_types else ""]
    return " ".join(b for b in bits if b)


def rows(sets=labelled.SETS) -> list[dict]:
    out = []
    for name in sets:
        s = labelled.load(name)
        labels, _ = _ours_labels(s.records)
        labels = [str(x) for x in labels]
        for a, b in _pairs(s, labels):
            ra, rb = s.records[a], s.records[b]
            if ra is None or rb is None:
                out.append({"set": name, "ids": f"{s.ids[a]} / {s.ids[b]}", "reason": "unreadable", "a": ra, "b": rb})
                continue
            d = decide(compare(normalise(ra), normalise(rb)))
            out.append({"set": name, "ids": f"{s.ids[a]} / {s.ids[b]}", "a": ra, "b": rb,
                        "outcome": d.outcome, "reason": d.reason, "category": miss_category(d.reason)})
    return out


def markdown(found: list[dict]) -> str:
    lines = ["| # | set | ids | record A: title / where | record B: title / where | our decision |", "|---|---|---|---|---|---|"]
    for k, r in enumerate(found, 1):
        a, b = r["a"], r["b"]
        lines.append(
            f"| {k} | {r['set']} | {r['ids']} | {_cell(a.title)}<br>{_where(a)} | {_cell(b.title)}<br>{_where(b)} | "
            f"{r.get('outcome', '')}: {_cell(r['reason'], 160)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", help="also write the table to this file")
    parser.add_argument("--sets", nargs="*", default=list(labelled.SETS),
                        help="only these sets (keep the unseen ones aside while rules change)")
    args = parser.parse_args()
    text = markdown(rows(args.sets))
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
