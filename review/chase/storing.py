"""The store side of citation chasing: seeds, what the project holds, one import per run.

- ``select_seeds(conn, "full_text" | "title_abstract" | [ids])``: the seed records (a
  deduplicated record's PMID or DOI may come from any member of its cluster);
- ``held_index(conn)``: PMID -> record and DOI -> record of every record that counts;
- ``chased_before(conn)``: (seed, direction) pairs earlier rounds chased, and the last round;
- ``store_chase(engine, run, round_number=...)``: one ``imports`` row (kind "chase", database
  "Citation searching", interface "PubMed (E-utilities elink)", ``other_source``
  citation-searching, so PRISMA counts it in the other-methods column), the records of the
  linked PMIDs the project did not hold, and one ``chase_links`` row per new link, in one
  transaction. A linked record already held (same PMID, or same DOI) is not stored again;
  its link is kept. Links stored before (by a chase import not withdrawn) are not stored
  again, so a rerun on the same seeds stores nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from review import store
from review.acting import old_spelling
from review.chase.follow import CHASED, LINKNAMES, NO_ANSWER, ChaseRun, Seed
from review.pubmed.eutils import EutilsError
from review.records import normalise_doi
from review.store.live import live_clause, withdrawn_imports
from review.store.schema import chase_links, dedup_membership, imports, records

__all__ = [
    "DATABASE", "INTERFACE", "OTHER_SOURCE", "ChaseError", "ChaseIncompleteError", "ChaseSummary",
    "select_seeds", "held_index", "chased_before", "store_chase", "chase_imports", "links_by_record", "found_by",
]

DATABASE = "Citation searching"
INTERFACE = "PubMed (E-utilities elink)"
OTHER_SOURCE = "citation-searching"
KIND = "chase"


class ChaseError(EutilsError):
    """A chase that cannot run as asked (no seeds, unknown record ids)."""


class ChaseIncompleteError(ChaseError):
    """Some linked PMIDs could not be fetched; nothing was stored."""

    def __init__(self, missing: Sequence[str]):
        self.missing = list(missing)
        shown = ", ".join(self.missing[:20]) + (" ..." if len(self.missing) > 20 else "")
        super().__init__(
            f"{len(self.missing)} linked records could not be fetched from PubMed after retries "
            f"(PMIDs {shown}). Nothing was stored; everything fetched is cached, so running the "
            "same command again asks only for the missing ones (or use --allow-missing to store "
            "the run with these PMIDs listed as missing)"
        )


@dataclass
class ChaseSummary:
    import_id: int | None
    round: int
    records_stored: int
    links_stored: int
    links_to_held: int
    links_known: int  # links stored by an earlier chase
    per_seed: list[dict[str, Any]] = field(default_factory=list)


def _kept_of(conn: sa.Connection) -> dict[int, int]:
    return {int(r): int(k) for r, k in conn.execute(
        sa.select(dedup_membership.c.record_id, dedup_membership.c.kept_id)).all()}


def select_seeds(conn: sa.Connection, which: str | Sequence[int]) -> list[Seed]:
    """Seeds: records finally included at ``full_text`` or ``title_abstract``, or these ids."""
    from review import screening

    kept_of = _kept_of(conn)
    if isinstance(which, str):
        if which not in ("full_text", "title_abstract"):
            raise ChaseError(f"--seeds takes full_text, title_abstract or record ids, not {which!r}")
        ids = sorted(rid for rid, f in screening.final_decisions(conn, which).items() if f.decision == "include")
    else:
        ids = [int(i) for i in which]
    rows = {int(r.id): r for r in conn.execute(
        sa.select(records.c.id, records.c.pmid, records.c.doi, records.c.title, records.c.import_id)
        .where(live_clause())).all()}
    unknown = [i for i in ids if i not in rows]
    if unknown:
        raise ChaseError(f"no record (of an import that counts) with id {', '.join(map(str, unknown))}; "
                         "`review status` and the records export list the record ids")
    members: dict[int, list[Any]] = {}
    for rid, row in rows.items():
        members.setdefault(kept_of.get(rid, rid), []).append(row)
    seeds: list[Seed] = []
    for rid in dict.fromkeys(ids):
        cluster = [rows[rid]] + [r for r in members.get(kept_of.get(rid, rid), []) if int(r.id) != rid]
        pmid = next((r.pmid for r in cluster if r.pmid), "")
        doi = next((r.doi for r in cluster if r.doi), "")
        seeds.append(Seed(record_id=rid, pmid=pmid, doi=doi, title=rows[rid].title or ""))
    return seeds


def held_index(conn: sa.Connection) -> tuple[dict[str, int], dict[str, int]]:
    """(PMID -> record id, DOI -> record id) of the records that count; a deduplicated
    record's members all point at its kept record."""
    kept_of = _kept_of(conn)
    by_pmid: dict[str, int] = {}
    by_doi: dict[str, int] = {}
    for rid, pmid, doi in conn.execute(
        sa.select(records.c.id, records.c.pmid, records.c.doi).where(live_clause()).order_by(records.c.id)
    ):
        kept = kept_of.get(int(rid), int(rid))
        if pmid:
            by_pmid.setdefault(str(pmid), kept)
        if doi:
            by_doi.setdefault(normalise_doi(doi).lower(), kept)
    return by_pmid, by_doi


def chase_imports(conn: sa.Connection) -> list[dict[str, Any]]:
    """The chase runs that count (not withdrawn), oldest first."""
    rows = conn.execute(
        sa.select(imports).where(imports.c.kind == KIND, imports.c.id.not_in(withdrawn_imports()))
        .order_by(imports.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def chased_before(conn: sa.Connection) -> tuple[set[tuple[int, str]], int]:
    """((seed record id, direction) that runs that count have dealt with, the last round).

    A seed listed as not chased (no PMID or DOI, DOI not in PubMed) counts as dealt with:
    stored records never change, so asking again would give the same answer; one elink did
    not answer for is not (the next run asks again)."""
    done: set[tuple[int, str]] = set()
    last = 0
    for row in chase_imports(conn):
        report = row.get("report") or {}
        last = max(last, int(report.get("round") or 0))
        for seed in report.get("seeds", []):
            if seed.get("status") != NO_ANSWER:
                for direction in report.get("directions", []):
                    done.add((int(seed["record_id"]), direction))
    return done, last


def _known_links(conn: sa.Connection) -> set[tuple[int, str, str]]:
    rows = conn.execute(
        sa.select(chase_links.c.seed_record_id, chase_links.c.direction, chase_links.c.linked_pmid)
        .where(chase_links.c.import_id.not_in(withdrawn_imports()))
    ).all()
    return {(int(s), str(d), str(p)) for s, d, p in rows}


def links_by_record(conn: sa.Connection, record_id: int | None = None) -> dict[int, list[dict[str, Any]]]:
    """record id -> the citation links that found it (seed, direction, round, held), for
    reports and the record card ("also found by citation searching"); ``record_id``: that
    record's links only (one indexed read per card, not the whole table)."""
    query = sa.select(chase_links).where(chase_links.c.import_id.not_in(withdrawn_imports()),
                                         chase_links.c.record_id.is_not(None))
    if record_id is not None:
        query = query.where(chase_links.c.record_id == int(record_id))
    rows = conn.execute(query.order_by(chase_links.c.id)).mappings()
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(int(row["record_id"]), []).append(
            {"seed_record_id": row["seed_record_id"], "seed_pmid": row["seed_pmid"],
             "direction": row["direction"], "round": row["round"], "held": bool(row["held"]),
             "import_id": row["import_id"]})
    return out


def found_by(conn: sa.Connection, record_id: int) -> list[str]:
    """How citation searching reached one record, in words for the record card: one line per
    link, e.g. "Citation searching, round 1: cited by record #12 (PMID 29768149)" (backward:
    the seed's reference list holds it) or "... cites record #12 ..." (forward). Empty when no
    (live) chase link reached it."""
    lines = []
    for link in links_by_record(conn, record_id).get(int(record_id), []):
        how = "cited by" if link["direction"] == "backward" else "cites"
        pmid = f" (PMID {link['seed_pmid']})" if link["seed_pmid"] else ""
        lines.append(f"Citation searching, round {link['round']}: {how} record #{link['seed_record_id']}{pmid}"
                     + (" (already held from another source)" if link["held"] else ""))
    return list(dict.fromkeys(lines))


def describe(run: ChaseRun) -> str:
    """The "query" of a chase import, as the search log shows it."""
    names = " and ".join(f"{d} ({LINKNAMES[d]})" for d in run.directions)
    return (f"elink dbfrom=pubmed db=pubmed: {names} citation links of {len(run.chased)} seed "
            f"records (PMIDs {', '.join(s.pmid for s in run.chased)})")


@old_spelling("actor")
def store_chase(
    engine: sa.Engine,
    run: ChaseRun,
    *,
    round_number: int,
    seed_selection: str = "",
    allow_missing: bool = False,
    by: str = "",
) -> ChaseSummary:
    """Store what ``run`` found that the project lacks; nothing when everything is known."""
    if run.missing and not allow_missing:
        raise ChaseIncompleteError(run.missing)
    missing = set(run.missing)
    with engine.begin() as conn:
        by_pmid, by_doi = held_index(conn)
        known = _known_links(conn)
        new_links = []
        seen: set[tuple[int, str, str]] = set()
        for link in run.links:
            key = (link.seed_record_id, link.direction, link.pmid)
            if key in known or key in seen or link.pmid in missing:
                continue
            seen.add(key)
            new_links.append(link)
        to_store: dict[str, Any] = {}  # PMID -> record, in first-link order
        target: dict[str, tuple[int | None, bool]] = {}  # PMID -> (held record id, held)
        for link in new_links:
            if link.pmid in target or link.pmid in to_store:
                continue
            if link.pmid in by_pmid:
                target[link.pmid] = (by_pmid[link.pmid], True)
                continue
            rec = run.records.get(link.pmid)
            doi = normalise_doi(rec.doi).lower() if rec is not None and rec.doi else ""
            if doi and doi in by_doi:
                target[link.pmid] = (by_doi[doi], True)
            elif rec is not None:
                to_store[link.pmid] = rec
        per_seed = _per_seed(run, known, target, to_store)
        summary = ChaseSummary(import_id=None, round=round_number, records_stored=0, links_stored=0,
                               links_to_held=sum(1 for l in new_links if target.get(l.pmid, (0, False))[1]),
                               links_known=sum(1 for l in run.links
                                               if (l.seed_record_id, l.direction, l.pmid) in known),
                               per_seed=per_seed)
        if not new_links:
            return summary
        import_id = store.add_import(
            conn, kind=KIND, database=DATABASE, interface=INTERFACE, searched_on=run.searched_on,
            query=describe(run), other_source=OTHER_SOURCE, total=len({l.pmid for l in run.links}),
            file_name="", file_hash="", format="pubmed-xml",
        )
        recs = list(to_store.values())
        for rec in recs:
            rec.source_database = DATABASE
        stored = store.add_records(conn, import_id, recs, default_database=DATABASE)
        ids_by_pmid = {str(p): int(i) for i, p in conn.execute(
            sa.select(records.c.id, records.c.pmid).where(records.c.import_id == import_id))}
        now = store.now_iso()
        rows = []
        for link in new_links:
            record_id, held = target.get(link.pmid, (ids_by_pmid.get(link.pmid), False))
            rows.append({"import_id": import_id, "round": round_number, "seed_record_id": link.seed_record_id,
                         "seed_pmid": link.seed_pmid, "direction": link.direction, "linked_pmid": link.pmid,
                         "record_id": record_id, "held": held, "created_at": now})
        conn.execute(sa.insert(chase_links), rows)
        report = {
            "format": "pubmed-xml",
            "round": round_number,
            "seed_selection": seed_selection,
            "directions": list(run.directions),
            "linknames": {d: LINKNAMES[d] for d in run.directions},
            "seeds": [dict(s.to_dict(), **counts) for s, counts in zip(run.seeds, per_seed)],
            "links_found": len(run.links),
            "links_stored": len(rows),
            "links_to_held": summary.links_to_held,
            "records_stored": stored,
            "missing": list(run.missing),
            "warnings": list(run.warnings),
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "requests": run.requests,
            "skipped": [{"line": None, "position": None, "reason": f"PMID {p} could not be fetched"}
                        for p in run.missing],
        }
        store.update_import_counts(conn, import_id, records_read=stored, records_skipped=len(run.missing),
                                   report=report)
        store.log_event(conn, "chase", subject=f"import:{import_id}", actor=by, payload={
            "round": round_number, "directions": list(run.directions), "seeds": len(run.chased),
            "not_chased": len(run.not_chased), "records": stored, "links": len(rows),
            "links_to_held": summary.links_to_held})
    summary.import_id = import_id
    summary.records_stored = stored
    summary.links_stored = len(rows)
    return summary


def _per_seed(run: ChaseRun, known: set[tuple[int, str, str]], target: dict[str, tuple[int | None, bool]],
              to_store: dict[str, Any]) -> list[dict[str, Any]]:
    """Per seed and direction: links found, to records already held, to records new in this
    run, and links an earlier chase stored already."""
    out = []
    for seed in run.seeds:
        counts: dict[str, Any] = {}
        for direction in run.directions:
            mine = [l for l in run.links if l.seed_record_id == seed.record_id and l.direction == direction]
            earlier = [l for l in mine if (l.seed_record_id, direction, l.pmid) in known]
            fresh = [l for l in mine if (l.seed_record_id, direction, l.pmid) not in known]
            counts[direction] = {
                "found": len(mine),
                "already_held": sum(1 for l in fresh if target.get(l.pmid, (0, False))[1]),
                "new": sum(1 for l in fresh if l.pmid in to_store),
                "linked_before": len(earlier),
                "missing": sum(1 for l in fresh if l.pmid in set(run.missing)),
            }
        out.append({"counts": counts})
    return out


def chase_facts(conn: sa.Connection) -> dict[str, Any] | None:
    """What the methods draft and the checklist say about citation searching (None: none
    done): distinct seeds chased, dates, rounds, directions, records stored, links to held."""
    runs = chase_imports(conn)
    if not runs:
        return None
    seeds: set[int] = set()
    dates: list[str] = []
    rounds: set[int] = set()
    directions: list[str] = []
    for row in runs:
        report = row.get("report") or {}
        seeds.update(int(s["record_id"]) for s in report.get("seeds", []) if s.get("status") == CHASED)
        if row["searched_on"] and row["searched_on"] not in dates:
            dates.append(row["searched_on"])
        rounds.add(int(report.get("round") or 1))
        directions.extend(d for d in report.get("directions", []) if d not in directions)
    return {
        "seeds": len(seeds), "dates": dates, "rounds": len(rounds),
        "directions": [d for d in ("backward", "forward") if d in directions],
        "records": sum(int(r["records_read"] or 0) for r in runs),
        "links_to_held": sum(int((r.get("report") or {}).get("links_to_held") or 0) for r in runs),
    }
