"""Follow citation links of seed records through PubMed: DOI lookup, elink, efetch of new PMIDs.

``follow(client, seeds, directions, held_pmids)`` is the network part of ``review chase`` and
touches no store: it takes plain seeds and the PMIDs the project already holds, and returns a
``ChaseRun`` (every link with its seed and direction, the records of the linked PMIDs not
held yet, what could not be fetched). Every request goes through ``EutilsClient`` (rate
limit, retries, cache), so a run killed midway continues from its cache.

- backward (the seed's references): ``elink linkname=pubmed_pubmed_refs``;
- forward (records citing the seed): ``linkname=pubmed_pubmed_citedin``.

One ``id=`` parameter per seed, up to ``ELINK_BATCH`` seeds per request: NCBI then answers one
LinkSet per seed, so each link keeps its seed (comma-joined ids would merge them). A seed
without a PMID but with a DOI is looked up first (``esearch term=DOI[doi]``, used only when
exactly one record answers); a seed with neither is listed as not chased.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from review.pubmed.eutils import EutilsClient, EutilsError
from review.records import Record

__all__ = ["LINKNAMES", "DIRECTIONS", "ELINK_BATCH", "Seed", "Link", "ChaseRun", "follow", "directions_of"]

# direction -> PubMed's link name (E-utilities elink, dbfrom=pubmed&db=pubmed)
LINKNAMES = {"backward": "pubmed_pubmed_refs", "forward": "pubmed_pubmed_citedin"}
DIRECTIONS = tuple(LINKNAMES)
ELINK_BATCH = 100  # seeds per elink request

# what became of a seed
CHASED = "chased"
NO_IDENTIFIER = "not chased: no PMID or DOI"
DOI_NOT_FOUND = "not chased: DOI not found in PubMed"
DOI_AMBIGUOUS = "not chased: DOI matches several PubMed records"
NO_ANSWER = "not chased: elink gave no answer for it"


def directions_of(choice: str) -> tuple[str, ...]:
    """``backward|forward|both`` as the directions to follow."""
    if choice == "both":
        return DIRECTIONS
    if choice not in LINKNAMES:
        raise ValueError(f"direction must be backward, forward or both, not {choice!r}")
    return (choice,)


@dataclass
class Seed:
    """A record whose citation links are followed (``record_id``: its id in the store)."""

    record_id: int
    pmid: str = ""
    doi: str = ""
    title: str = ""
    status: str = CHASED
    pmid_from_doi: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "pmid": self.pmid, "doi": self.doi, "title": self.title,
                "status": self.status, "pmid_from_doi": self.pmid_from_doi}


@dataclass(frozen=True)
class Link:
    seed_record_id: int
    seed_pmid: str
    direction: str
    pmid: str


@dataclass
class ChaseRun:
    seeds: list[Seed]
    directions: tuple[str, ...]
    links: list[Link] = field(default_factory=list)
    records: dict[str, Record] = field(default_factory=dict)  # linked PMID not held -> record
    missing: list[str] = field(default_factory=list)  # linked PMIDs efetch did not return
    warnings: list[str] = field(default_factory=list)
    searched_on: str = ""
    started_at: str = ""
    finished_at: str = ""
    requests: dict[str, Any] = field(default_factory=dict)

    @property
    def chased(self) -> list[Seed]:
        return [s for s in self.seeds if s.status == CHASED]

    @property
    def not_chased(self) -> list[Seed]:
        return [s for s in self.seeds if s.status != CHASED]


def _batches(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def lookup_dois(client: EutilsClient, seeds: Sequence[Seed]) -> None:
    """Give seeds without a PMID the PMID their DOI finds (exactly one record), else a status."""
    for seed in seeds:
        if seed.pmid:
            continue
        if not seed.doi:
            seed.status = NO_IDENTIFIER
            continue
        result = client.esearch(f'"{seed.doi}"[doi]', retmax=2)
        if result.count == 1 and result.ids:
            seed.pmid = str(result.ids[0])
            seed.pmid_from_doi = True
        else:
            seed.status = DOI_NOT_FOUND if result.count == 0 else DOI_AMBIGUOUS


def follow_links(client: EutilsClient, seeds: Sequence[Seed], direction: str,
                 *, batch: int = ELINK_BATCH) -> tuple[list[Link], list[str]]:
    """Every link of ``direction`` from the chased seeds, in seed order; (links, warnings)."""
    linkname = LINKNAMES[direction]
    by_pmid: dict[str, list[Seed]] = {}
    for seed in seeds:
        if seed.status == CHASED and seed.pmid:
            by_pmid.setdefault(seed.pmid, []).append(seed)
    links: list[Link] = []
    warnings: list[str] = []
    answered: set[str] = set()
    for group in _batches(list(by_pmid), batch):
        for linkset in client.elink(group, linkname):
            if len(linkset.ids) != 1:
                warnings.append(f"elink answered one LinkSet for {len(linkset.ids)} ids "
                                f"({', '.join(linkset.ids[:5])}); their links were not used")
                continue
            seed_pmid = linkset.ids[0]
            if seed_pmid not in by_pmid:
                continue
            answered.add(seed_pmid)
            for seed in by_pmid[seed_pmid]:
                links.extend(Link(seed.record_id, seed_pmid, direction, p) for p in linkset.links
                             if p != seed_pmid)
    for pmid, group_seeds in by_pmid.items():
        if pmid not in answered:
            warnings.append(f"elink ({direction}) gave no LinkSet for PMID {pmid}")
            for seed in group_seeds:
                seed.status = NO_ANSWER
    return links, warnings


def follow(
    client: EutilsClient,
    seeds: Sequence[Seed],
    directions: Sequence[str],
    held_pmids: Iterable[str],
    *,
    searched_on: str | None = None,
    batch_size: int = 200,
    progress: Any = None,
) -> ChaseRun:
    """Look DOIs up, follow every direction, fetch the linked PMIDs the project lacks."""
    from review.pubmed.search import fetch_records

    started = datetime.now(timezone.utc)
    run = ChaseRun(seeds=list(seeds), directions=tuple(directions),
                   searched_on=searched_on or started.astimezone().date().isoformat(),
                   started_at=started.isoformat(timespec="seconds"))
    lookup_dois(client, run.seeds)
    for direction in run.directions:
        links, warnings = follow_links(client, run.seeds, direction)
        run.links.extend(links)
        run.warnings.extend(warnings)
    held = set(held_pmids)
    wanted = [p for p in dict.fromkeys(link.pmid for link in run.links) if p not in held]
    if wanted:
        try:
            got, missing, warnings = fetch_records(client, wanted, batch_size=batch_size, progress=progress)
        except EutilsError as exc:  # pragma: no cover - fetch_records turns these into missing
            got, missing, warnings = {}, wanted, [str(exc)]
        run.records = got
        run.missing = missing
        run.warnings.extend(warnings)
    run.finished_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    run.requests = client.stats.to_dict()
    return run
