"""Run a numbered PubMed strategy through E-utilities: per-line counts, every record, proof.

``run_search(client, lines)`` takes the strategy as ``SearchLine(number, query, label)``
lines, what ``review.strategy.search_lines(strategy, "pubmed")`` returns (the LAST line is the
final query), and returns a ``SearchRun``:

1. an Ovid-style search history: each line counted with ``rettype=count``; the final line is
   run with the history server (``usehistory=y``) and gives NCBI's QueryTranslation;
2. the PMIDs of the final query. ESearch cannot page past 9,999 PubMed records, so a larger
   result is split by date (``datetype``/``mindate``/``maxdate``, Entrez date by default:
   every record has exactly one) until each slice holds at most 9,999; a single day that is
   still too large is split by PMID range (``AND lo:hi[uid]``). The run then *proves* that
   the slices partition the result: their counts add up to the total, their PMIDs are
   disjoint, and the union has exactly ``total`` PMIDs - or it fails (``SlicingError``);
3. every record fetched with efetch by PMID in batches (POST above 200 ids), each batch
   checked against the PMIDs asked for; missing ones are asked for again in smaller
   batches. PMIDs still missing are listed in ``SearchRun.missing``: the caller fails
   loudly (``IncompleteSearchError``) while the cache keeps what was fetched.

efetch goes by PMID rather than by WebEnv: the request (and so its cache key) does not
depend on a history session that expires, so a rerun days later resumes from the cache,
and each batch can be checked record by record.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from review.pubmed.eutils import (
    ESearchResult,
    EutilsClient,
    EutilsError,
)
from review.records import Record
from review.strategy import SearchLine

__all__ = [
    "SearchLine",
    "LineCount",
    "Slice",
    "SearchRun",
    "run_search",
    "collect_ids",
    "fetch_records",
    "SlicingError",
    "IncompleteSearchError",
    "ESEARCH_LIMIT",
]

DATABASE = "PubMed"
INTERFACE = "PubMed (E-utilities)"
ESEARCH_LIMIT = 9999  # PubMed esearch returns at most the first 9,999 ids of a result
FIRST_DATE = date(1781, 1, 1)  # older than any PubMed record
UID_MAX = 99_999_999

Progress = Callable[[str, int, "int | None"], Any]  # (phase, advance, total)


class SlicingError(EutilsError):
    """The date slices could not be shown to cover the result exactly."""


class IncompleteSearchError(EutilsError):
    """Some PMIDs of the result could not be fetched; nothing was stored."""

    def __init__(self, missing: Sequence[str], total: int, detail: str = ""):
        self.missing = list(missing)
        self.total = total
        shown = ", ".join(self.missing[:20]) + (" ..." if len(self.missing) > 20 else "")
        super().__init__(
            f"{len(self.missing)} of {total} records could not be fetched from PubMed after "
            f"retries (PMIDs {shown}){detail}. Nothing was stored; everything fetched is "
            "cached, so running the same command again asks only for the missing ones "
            "(or use --allow-missing to store the run with these PMIDs listed as missing)"
        )


@dataclass
class LineCount:
    number: int
    query: str
    label: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.number, "query": self.query, "label": self.label, "count": self.count}


@dataclass
class Slice:
    """One esearch that returned all of its PMIDs (dates as YYYY/MM/DD, inclusive)."""

    mindate: str = ""
    maxdate: str = ""
    uid_range: tuple[int, int] | None = None
    count: int = 0
    ids: list[str] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"mindate": self.mindate, "maxdate": self.maxdate, "count": self.count}
        if self.uid_range:
            data["uid_range"] = list(self.uid_range)
        return data


@dataclass
class SearchRun:
    """Everything a PubMed run found and how; ``review.pubmed.storing`` writes it to the store."""

    query: str
    lines: list[LineCount]
    total: int
    pmids: list[str]
    records: list[Record]
    missing: list[str] = field(default_factory=list)
    query_translation: str = ""
    translation_set: list[dict[str, str]] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    slices: list[Slice] = field(default_factory=list)
    datetype: str = "edat"
    webenv: str = ""
    query_key: str = ""
    db_info: dict[str, str] = field(default_factory=dict)
    searched_on: str = ""
    started_at: str = ""
    finished_at: str = ""
    database: str = DATABASE
    interface: str = INTERFACE
    limits: Any = None
    requests: dict[str, Any] = field(default_factory=dict)
    # an update run (``review search --update``): the Entrez-date window searched and the
    # PMIDs of that window the project already held (not fetched, not stored again)
    window: tuple[str, str] | None = None
    held: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and len(self.records) + len(self.held) == self.total

    def line_counts(self) -> list[dict[str, Any]]:
        return [line.to_dict() for line in self.lines]


# --------------------------------------------------------------------------------------
# Steps


def _checked(lines: Iterable[SearchLine]) -> list[SearchLine]:
    """The lines as a list, refused when there are none or one has an empty query."""
    out = list(lines)
    for line in out:
        if not isinstance(line, SearchLine):
            raise TypeError(
                f"a search line must be a SearchLine(number, query, label), not {line!r}: "
                'use review.strategy.search_lines(strategy, "pubmed") or build SearchLine objects'
            )
    if not out:
        raise ValueError("a search needs at least one line")
    for line in out:
        if not line.query.strip():
            raise ValueError(f"line {line.number} of the strategy has an empty query")
    return out


def _fmt(day: date) -> str:
    return day.strftime("%Y/%m/%d")


def _uid_term(term: str, lo: int, hi: int) -> str:
    return f"({term}) AND {lo}:{hi}[uid]"


def collect_ids(
    client: EutilsClient,
    term: str,
    *,
    first: ESearchResult | None = None,
    datetype: str = "edat",
    limit: int = ESEARCH_LIMIT,
    start: date = FIRST_DATE,
    end: date | None = None,
    progress: Progress | None = None,
) -> tuple[list[str], list[Slice]]:
    """Every PMID ``term`` finds, and the slices that found them, with the partition proved.

    ``first`` is the unsliced esearch already made (its count is the total to prove).
    """
    if first is None:
        first = client.esearch(term, retmax=limit, usehistory=True)
    total = first.count
    if total <= limit and len(first.ids) >= total:
        ids = [str(i) for i in first.ids[:total]]
        _prove(total, [Slice(count=total, ids=ids)])
        return ids, [Slice(count=total, ids=ids)]

    end = end or date(datetime.now(timezone.utc).year + 1, 12, 31)
    slices: list[Slice] = []
    seen = [0]

    def search(lo: date, hi: date, uid: tuple[int, int] | None = None) -> ESearchResult:
        query = _uid_term(term, *uid) if uid else term
        return client.esearch(
            query, retmax=limit, datetype=datetype, mindate=_fmt(lo), maxdate=_fmt(hi)
        )

    def leaf(lo: date, hi: date, uid: tuple[int, int] | None, result: ESearchResult) -> None:
        if len(result.ids) != result.count:
            raise SlicingError(
                f"the slice {_fmt(lo)}-{_fmt(hi)}{' uid ' + str(uid) if uid else ''} "
                f"counts {result.count} records but returned {len(result.ids)} PMIDs"
            )
        slices.append(Slice(_fmt(lo), _fmt(hi), uid, result.count, [str(i) for i in result.ids]))
        seen[0] += result.count
        if progress:
            progress("slices", result.count, total)

    def split(lo: date, hi: date, result: ESearchResult, uid: tuple[int, int] | None = None) -> None:
        if result.count <= limit:
            leaf(lo, hi, uid, result)
            return
        if uid is None and lo < hi:
            mid = lo + timedelta(days=(hi - lo).days // 2)
            left = search(lo, mid)
            if left.count:
                split(lo, mid, left)
            rest = result.count - left.count
            if rest > 0:
                # an empty left half means the right half is the whole node: no new request
                right = result if left.count == 0 else search(mid + timedelta(days=1), hi)
                split(mid + timedelta(days=1), hi, right)
            return
        # one day still too large: split it by PMID range
        u_lo, u_hi = uid or (1, UID_MAX)
        if u_lo >= u_hi:
            raise SlicingError(f"cannot split PMID {u_lo} on {_fmt(lo)} any further")
        u_mid = (u_lo + u_hi) // 2
        left = search(lo, hi, (u_lo, u_mid))
        if left.count:
            split(lo, hi, left, (u_lo, u_mid))
        if result.count - left.count > 0:
            right = result if left.count == 0 else search(lo, hi, (u_mid + 1, u_hi))
            split(lo, hi, right, (u_mid + 1, u_hi))

    top = search(start, end)
    if top.count != total:
        raise SlicingError(
            f"the query finds {total} records but {top.count} between {_fmt(start)} and "
            f"{_fmt(end)} ({datetype}); PubMed may have changed during the run - run it again"
        )
    split(start, end, top)
    ids = _prove(total, slices)
    return ids, slices


def _prove(total: int, slices: list[Slice]) -> list[str]:
    """Union of the slices' PMIDs, after checking they partition a result of ``total``."""
    counted = sum(s.count for s in slices)
    union: dict[str, None] = {}
    duplicates = 0
    for part in slices:
        for pmid in part.ids:
            if pmid in union:
                duplicates += 1
            union[pmid] = None
    if counted != total or len(union) != total or duplicates:
        raise SlicingError(
            f"the {len(slices)} slices do not add up: the query finds {total} records, the "
            f"slices count {counted}, hold {len(union)} distinct PMIDs ({duplicates} in two "
            "slices); PubMed may have changed during the run - run it again with --refresh"
        )
    return list(union)


@contextmanager
def gc_frozen() -> Iterator[Callable[[], None]]:
    """Yield ``freeze``: objects alive when it is called are left out of later GC passes.

    A run holds tens of thousands of small objects (the records read so far); without this,
    Python's cyclic garbage collector rescans all of them while each new batch is parsed,
    which made parsing 10,000 records about twice as slow. Everything is unfrozen at the end.
    """
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


def fetch_records(
    client: EutilsClient,
    pmids: Sequence[str],
    *,
    batch_size: int = 500,
    rounds: int = 2,
    progress: Progress | None = None,
) -> tuple[dict[str, Record], list[str], list[str]]:
    """Fetch every PMID: (records by PMID, PMIDs still missing, warnings)."""
    wanted = list(dict.fromkeys(str(p) for p in pmids))
    with gc_frozen() as freeze:
        return _fetch_rounds(client, wanted, max(1, batch_size), rounds, progress, freeze)


def _fetch_rounds(
    client: EutilsClient,
    wanted: list[str],
    size: int,
    rounds: int,
    progress: Progress | None,
    freeze: Callable[[], None],
) -> tuple[dict[str, Record], list[str], list[str]]:
    from review.formats.pubmed_xml import PubmedXMLError, records_from_xml

    got: dict[str, Record] = {}
    warnings: list[str] = []
    todo = wanted
    for round_number in range(rounds + 1):
        missing_now: list[str] = []
        for i in range(0, len(todo), size):
            batch = todo[i : i + size]
            try:
                # asking again for missing PMIDs goes to the server, not to the cache
                records = client.efetch(batch, parse=records_from_xml, use_cache=round_number == 0)
            except (EutilsError, PubmedXMLError) as exc:
                warnings.append(f"efetch of {len(batch)} PMIDs ({batch[0]}...) failed: {exc}")
                missing_now.extend(batch)
                continue
            asked = set(batch)
            fetched = 0
            for rec in records:
                if rec.pmid in asked and rec.pmid not in got:
                    got[rec.pmid] = rec
                    fetched += 1
            missing_now.extend(p for p in batch if p not in got)
            freeze()
            if progress and fetched:
                progress("records", fetched, len(wanted))
        todo = missing_now
        if not todo:
            break
        size = max(1, min(size // 5, 100))
    return got, todo, warnings


def run_search(
    client: EutilsClient,
    lines: Iterable[SearchLine],
    *,
    datetype: str = "edat",
    batch_size: int = 500,
    limit: int = ESEARCH_LIMIT,
    limits: Any = None,
    searched_on: str | None = None,
    progress: Progress | None = None,
    fetch: bool = True,
    window: tuple[date, date] | None = None,
    held: Iterable[str] = (),
) -> SearchRun:
    """Count every line, collect the final query's PMIDs (sliced and proved), fetch them.

    ``window`` (first day, last day): only records whose ``datetype`` date (Entrez date by
    default) falls in it, for an update of an earlier run; ``held``: PMIDs the project holds
    already, collected and counted but neither fetched nor stored again."""
    started = datetime.now(timezone.utc)
    steps = _checked(lines)
    final = steps[-1]
    warnings: list[str] = []
    db_info: dict[str, str] = {}
    try:
        db_info = client.einfo("pubmed")
    except EutilsError as exc:
        warnings.append(f"einfo (database build and last update) unavailable: {exc}")

    counts: list[LineCount] = []
    for step in steps[:-1]:
        counts.append(LineCount(step.number, step.query, step.label, client.count(step.query)))
        if progress:
            progress("lines", 1, len(steps))
    dates: dict[str, Any] = {}
    if window is not None:
        dates = {"datetype": datetype, "mindate": _fmt(window[0]), "maxdate": _fmt(window[1])}
    first = client.esearch(final.query, retmax=limit, usehistory=True, **dates)
    counts.append(LineCount(final.number, final.query, final.label, first.count))
    if progress:
        progress("lines", 1, len(steps))
    for kind, values in first.errors.items():
        warnings.append(f"PubMed {kind}: {', '.join(values)}")
    for kind, values in first.warnings.items():
        warnings.append(f"PubMed {kind}: {', '.join(values)}")

    bounds: dict[str, Any] = {"start": window[0], "end": window[1]} if window is not None else {}
    pmids, slices = collect_ids(
        client, final.query, first=first, datetype=datetype, limit=limit, progress=progress, **bounds
    )
    # Most recent first, as PubMed lists them; deterministic whatever the slicing.
    pmids.sort(key=lambda p: int(p) if p.isdigit() else 0, reverse=True)

    records: list[Record] = []
    missing: list[str] = []
    known = set(held)
    already = [p for p in pmids if p in known]
    wanted = [p for p in pmids if p not in known]
    if fetch:
        got, missing, fetch_warnings = fetch_records(
            client, wanted, batch_size=batch_size, progress=progress
        )
        warnings.extend(fetch_warnings)
        records = [got[p] for p in wanted if p in got]
        for rec in records:
            rec.source_database = DATABASE

    finished = datetime.now(timezone.utc)
    return SearchRun(
        query=final.query,
        lines=counts,
        total=first.count,
        pmids=pmids,
        records=records,
        missing=missing,
        query_translation=first.query_translation,
        translation_set=first.translation_set,
        errors=first.errors,
        warnings=warnings,
        slices=slices,
        datetype=datetype,
        webenv=first.webenv,
        query_key=first.query_key,
        db_info=db_info,
        searched_on=searched_on or started.astimezone().date().isoformat(),
        started_at=started.isoformat(timespec="seconds"),
        finished_at=finished.isoformat(timespec="seconds"),
        limits=limits,
        requests=client.stats.to_dict(),
        window=(window[0].isoformat(), window[1].isoformat()) if window is not None else None,
        held=already,
    )
