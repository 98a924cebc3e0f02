"""The whole matching pipeline over plain records: normalise, block, score, cluster (no I/O).

``find_duplicates(records)`` is what both the project run (``run.py``) and the standalone
mode (``standalone.py``) call. Positions are the records' indexes in the list given.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from review.dedup.block import candidate_pairs
from review.dedup.cluster import Clustering, Link, build_clusters
from review.dedup.normalise import NormRecord, normalise
from review.dedup.score import DISTINCT, DUPLICATE, MAYBE, Decision, score_pair
from review.records import Record


@dataclass(frozen=True, slots=True)
class PairDecision:
    a: int
    b: int
    decision: Decision


@dataclass
class DedupResult:
    clustering: Clustering
    duplicates: list[PairDecision] = field(default_factory=list)  # every pair judged duplicate
    maybes: list[PairDecision] = field(default_factory=list)  # pairs for a person to check
    candidates: int = 0  # pairs compared
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage

    @property
    def labels(self) -> list[int]:
        return self.clustering.labels


@contextmanager
def _without_cycle_collector() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the run, then restore it.

    The run builds millions of small containers (keys, buckets, pairs, decisions) that live
    until it ends and hold no reference cycles; the collector would walk all of them again
    and again as they accumulate (a third of the CPU time at 100,000 records) and free
    nothing. Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# progress(done, total, phase): called a few dozen times per phase, never per pair.
Progress = Callable[[int, int, str], None]
PHASES = ("normalising", "blocking", "scoring", "clustering")
REPORTS_PER_PHASE = 50


def _no_progress(done: int, total: int, phase: str) -> None:
    return None


def _step(total: int) -> int:
    """Report every ``step`` items: about REPORTS_PER_PHASE times per phase, at least every 1,000."""
    return max(1_000, total // REPORTS_PER_PHASE)


def _normalise_all(records, progress: Progress = _no_progress) -> list[NormRecord]:
    total, step = len(records), _step(len(records))
    out: list[NormRecord] = []
    append = out.append
    progress(0, total, "normalising")
    for i, r in enumerate(records):
        if i and not i % step:
            progress(i, total, "normalising")
        append(r if isinstance(r, NormRecord) else normalise(r, i))
    progress(total, total, "normalising")
    return out


def _score_all(norms, pairs, progress: Progress = _no_progress) -> list[tuple[int, int, Decision]]:
    total, step = len(pairs), _step(len(pairs))
    out = []
    progress(0, total, "scoring")
    for start in range(0, total, step):
        for a, b in pairs[start:start + step]:
            decision = score_pair(norms[a], norms[b])
            if decision.outcome != DISTINCT:
                out.append((a, b, decision))
        progress(min(start + step, total), total, "scoring")
    if not total:
        progress(0, 0, "scoring")
    return out


def drop_unreliable_identifiers(
    norms: Sequence[NormRecord], min_share: int = 3, also: dict[str, set[str]] | None = None
) -> dict[str, set[str]]:
    """Blank DOIs/PMIDs that several clearly different papers share; return what was dropped.

    A journal supplement's DOI given to every abstract in it, or an export that puts the same
    wrong value in every record's PMID field, would otherwise both merge different papers
    and block true duplicates ("PMIDs differ"). A value held by ``min_share`` or more records
    whose titles are not alike is not an identifier of one paper, so it is ignored. Values in
    ``also`` (found unreliable over a larger set) are ignored too.
    """
    from rapidfuzz import fuzz

    dropped: dict[str, set[str]] = {"doi": set(), "pmid": set()}
    for name, values in (also or {}).items():
        for m in norms:
            if getattr(m, name) in values:
                dropped[name].add(getattr(m, name))
                setattr(m, name, "")
    for name in ("doi", "pmid"):
        groups: dict[str, list[NormRecord]] = {}
        for rec in norms:
            value = getattr(rec, name)
            if value:
                groups.setdefault(value, []).append(rec)
        for value, members in groups.items():
            if len(members) < min_share:
                continue
            titled = [m.title for m in members if m.title]
            if any(fuzz.ratio(titled[0], t) < 60 for t in titled[1:]):
                dropped[name].add(value)
                for m in members:
                    setattr(m, name, "")
    return dropped


def find_duplicates(
    records: Sequence[Record] | Sequence[NormRecord],
    *,
    confirmed: Iterable[tuple[int, int]] = (),
    rejected: Iterable[tuple[int, int]] = (),
    unreliable: dict[str, set[str]] | None = None,
    progress: Progress | None = None,
) -> DedupResult:
    """Cluster ``records``; ``confirmed``/``rejected`` are pairs of positions a person decided.

    ``unreliable`` names DOI/PMID values to ignore (see ``drop_unreliable_identifiers``).
    Maybe pairs whose two records end up in one cluster anyway are dropped from ``maybes``;
    duplicate links the constraints blocked are added to it.

    ``progress(done, total, phase)``, if given, is told how far the run is: for each phase of
    ``PHASES`` in turn, ``done`` rises from 0 to ``total`` (records when normalising and
    blocking, candidate pairs when scoring, duplicate links when clustering), a few dozen
    calls per phase at most.
    """
    with _without_cycle_collector():
        return _find_duplicates(records, confirmed, rejected, unreliable, progress or _no_progress)


def _find_duplicates(records, confirmed, rejected, unreliable, progress: Progress) -> DedupResult:
    clock = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    norms = _normalise_all(records, progress)
    drop_unreliable_identifiers(norms, also=unreliable)
    lap("normalise")
    rejected = {(min(a, b), max(a, b)) for a, b in rejected}
    confirmed = {(min(a, b), max(a, b)) for a, b in confirmed} - rejected
    progress(0, len(norms), "blocking")
    pairs = [p for p in candidate_pairs(norms) if p not in rejected and p not in confirmed]
    progress(len(norms), len(norms), "blocking")
    lap("block")
    duplicates: list[PairDecision] = []
    maybes: list[PairDecision] = []
    scored = _score_all(norms, pairs, progress)
    lap("score")
    for a, b, decision in scored:
        if decision.outcome == DUPLICATE:
            duplicates.append(PairDecision(a, b, decision))
        elif decision.outcome == MAYBE:
            maybes.append(PairDecision(a, b, decision))
    links = [
        Link(p.a, p.b, p.decision.confidence + (1.0 if p.decision.method != "fuzzy" else 0.0),
             p.decision.reason, p.decision.method)
        for p in duplicates
    ]
    manual = [Link(a, b, 1.0, "confirmed by a person", "manual") for a, b in sorted(confirmed)]
    progress(0, len(links), "clustering")
    clustering = build_clusters(
        len(norms),
        links,
        dois=[n.doi for n in norms],
        pmids=[n.pmid for n in norms],
        issues=[(n.volume, n.issue, n.page or n.article_number) for n in norms],
        confirmed=manual,
        rejected=rejected,
    )
    labels = clustering.labels
    for link, why in clustering.blocked:
        if labels[link.a] != labels[link.b] and (link.a, link.b) not in rejected:
            maybes.append(
                PairDecision(link.a, link.b, Decision(MAYBE, min(link.confidence, 0.9), f"{link.reason}; {why}"))
            )
    # One question per pair of clusters: the most similar pair of records across them.
    maybes.sort(key=lambda p: (-p.decision.confidence, p.a, p.b))
    asked: set[tuple[int, int]] = set()
    kept: list[PairDecision] = []
    for p in maybes:
        key = (min(labels[p.a], labels[p.b]), max(labels[p.a], labels[p.b]))
        if key[0] != key[1] and key not in asked:
            asked.add(key)
            kept.append(p)
    maybes = kept
    progress(len(links), len(links), "clustering")
    lap("cluster")
    return DedupResult(clustering, duplicates, maybes, len(pairs), timings)
