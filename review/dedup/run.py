"""Deduplicate a project's store: clusters into ``dedup_membership``, history into events.

``run_dedup(engine)`` clusters every stored record (rerunnable: after a new import it
clusters everything again, keeps earlier kept records where it can, and logs only what
changed). ``confirm``/``reject`` record a person's decision on a pair and recluster the two
clusters concerned; ``undo`` takes a record out of its cluster, reverses a manual decision,
or clears every automatic merge. Everything happens in one transaction per call.

Events (``events.kind``), each with a reason in its payload:
- ``dedup.merge``: a cluster formed or changed (kept id, members, the links that joined
  them with their method, confidence and reason; ``cause`` run|confirm|reject|undo);
- ``dedup.split``: records of an earlier cluster are no longer together;
- ``dedup.confirm`` / ``dedup.reject``: a person's decision on a pair;
- ``dedup.undo``: an undo (of a record's merge, of a manual decision, or of everything);
- ``dedup.run``: one summary per run (counts).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from review.acting import old_spelling
from review.dedup import queue
from review.dedup.merge import choose_kept, source_databases
from review.dedup.normalise import normalise
from review.dedup.pipeline import PHASES, Progress, drop_unreliable_identifiers, find_duplicates
from review.errors import ReviewError
from review.records import Record
from review.store.api import now_iso
from review.store.live import live_clause, withdrawn_record_ids
from review.store.schema import dedup_membership, events, records
from review.store.transaction import check_write_guard


class DedupError(ReviewError):
    """A dedup command that cannot be done as asked (the message says why)."""


@dataclass
class RunSummary:
    records: int = 0
    clusters: int = 0  # clusters of two or more in the scope
    duplicates_removed: int = 0  # in the whole store after the run
    unique_records: int = 0  # in the whole store after the run
    merged: int = 0  # dedup.merge events written
    split: int = 0  # dedup.split events written
    by_method: dict[str, int] = field(default_factory=dict)  # removed records by method
    pending: int = 0  # pairs waiting for a person (whole store)
    queue: dict[str, int] = field(default_factory=dict)
    candidates: int = 0
    seconds: float = 0.0
    event_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


Membership = dict[int, tuple[int, float, str]]  # record id -> (kept id, confidence, method)


def _load_records(conn: sa.Connection, scope: set[int] | None) -> list[tuple[int, Record]]:
    query = sa.select(records.c.id, records.c.data).where(live_clause()).order_by(records.c.id)
    if scope is not None:
        query = query.where(records.c.id.in_(sorted(scope)))
    return [(int(rid), Record.from_dict(data)) for rid, data in conn.execute(query)]


def _load_membership(conn: sa.Connection, scope: set[int] | None) -> Membership:
    query = sa.select(
        dedup_membership.c.record_id, dedup_membership.c.kept_id,
        dedup_membership.c.confidence, dedup_membership.c.method,
    )
    if scope is not None:
        query = query.where(dedup_membership.c.record_id.in_(sorted(scope)))
    return {int(r): (int(k), float(c), m) for r, k, c, m in conn.execute(query)}


def _clusters_of(membership: Membership) -> dict[int, frozenset[int]]:
    groups: dict[int, set[int]] = defaultdict(set)
    for rid, (kept, _, _) in membership.items():
        groups[kept].add(rid)
    return {k: frozenset(v) for k, v in groups.items() if len(v) > 1}


def cluster_ids(conn: sa.Connection, record_ids: Iterable[int]) -> set[int]:
    """Every record id in the current clusters of ``record_ids`` (the ids themselves included)."""
    ids = {int(i) for i in record_ids}
    kept = conn.execute(
        sa.select(dedup_membership.c.kept_id).where(dedup_membership.c.record_id.in_(sorted(ids)))
    ).scalars()
    kept_ids = {int(k) for k in kept}
    if kept_ids:
        members = conn.execute(
            sa.select(dedup_membership.c.record_id).where(dedup_membership.c.kept_id.in_(sorted(kept_ids)))
        ).scalars()
        ids |= {int(m) for m in members}
    return ids


def _unreliable_identifiers(conn: sa.Connection, loaded: list[tuple[int, Record]]) -> dict[str, set[str]]:
    """DOIs/PMIDs of ``loaded`` that the whole store shows are shared by different papers."""
    dois = sorted({rec.doi for _, rec in loaded if rec.doi})
    pmids = sorted({rec.pmid for _, rec in loaded if rec.pmid})
    if not dois and not pmids:
        return {}
    query = sa.select(records.c.id, records.c.data).where(
        sa.or_(records.c.doi.in_(dois), records.c.pmid.in_(pmids)), live_clause()
    )
    sharing = [normalise(Record.from_dict(data), i) for i, (_, data) in enumerate(conn.execute(query))]
    return drop_unreliable_identifiers(sharing)


def _insert_events(conn: sa.Connection, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    result = conn.execute(
        sa.insert(events).returning(events.c.id, sort_by_parameter_order=True), rows
    )
    return [int(r[0]) for r in result]


# The steps of writing a run's result (the "storing" phase of ``progress``).
STORE_STEPS = ("events", "membership", "review queue", "totals")
# Every phase ``run_dedup`` reports to ``progress``, in order.
RUN_PHASES = ("loading", *PHASES, "storing")


def _recluster(
    conn: sa.Connection, scope: set[int] | None, *, actor: str, cause: str, cause_event: int | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Cluster the records in ``scope`` (None: all) and write what changed."""
    started = time.perf_counter()
    if progress is not None:
        progress(0, 1, "loading")
    loaded = _load_records(conn, scope)
    if progress is not None:
        progress(1, 1, "loading")
    ids = [rid for rid, _ in loaded]
    ids_set = set(ids)
    position = {rid: pos for pos, rid in enumerate(ids)}
    confirmed, rejected = queue.manual_decisions(conn, ids_set)
    result = find_duplicates(
        [rec for _, rec in loaded],
        confirmed=[(position[a], position[b]) for a, b in confirmed],
        rejected=[(position[a], position[b]) for a, b in rejected],
        unreliable=_unreliable_identifiers(conn, loaded) if scope is not None else None,
        progress=progress,
    )
    stored = 0

    def step_stored() -> None:
        nonlocal stored
        if progress is not None:
            progress(stored, len(STORE_STEPS), "storing")
        stored += 1

    step_stored()
    old = _load_membership(conn, scope)
    previously_kept = {kept for kept, _, _ in old.values()}
    old_clusters = _clusters_of(old)
    old_cluster_of = {rid: members for members in old_clusters.values() for rid in members}

    # links per cluster root, and the strongest link per record
    links_by_root: dict[int, list[dict[str, Any]]] = defaultdict(list)
    best: dict[int, tuple[float, str]] = {}
    labels = result.labels
    for link in result.clustering.applied:
        a, b = ids[link.a], ids[link.b]
        conf = min(link.confidence, 1.0)
        links_by_root[labels[link.a]].append(
            {"a": a, "b": b, "method": link.method, "confidence": round(conf, 3), "reason": link.reason}
        )
        for rid in (a, b):
            if rid not in best or conf > best[rid][0]:
                best[rid] = (conf, link.method)

    new: Membership = {}
    new_clusters: list[tuple[int, frozenset[int], int]] = []  # (kept, members, root)
    for members_pos in result.clustering.clusters():
        members = [(ids[p], loaded[p][1]) for p in members_pos]
        kept = choose_kept(members, previously_kept)
        member_ids = frozenset(rid for rid, _ in members)
        new_clusters.append((kept, member_ids, labels[members_pos[0]]))
        for rid, _ in members:
            conf, method = best.get(rid, (1.0, "fuzzy"))
            new[rid] = (kept, 1.0 if rid == kept else conf, method)

    stamp = now_iso()
    event_rows: list[dict[str, Any]] = []
    changed_clusters: list[tuple[int, frozenset[int]]] = []
    for kept, members, root in new_clusters:
        before = old_cluster_of.get(kept)
        if before == members and old.get(kept, (None,))[0] == kept:
            continue
        absorbed = sorted({old[m][0] for m in members if m in old} - {kept})
        dbs = source_databases([loaded[position[m]][1] for m in sorted(members)])
        event_rows.append({
            "at": stamp, "actor": actor, "kind": "dedup.merge", "subject": f"record:{kept}",
            "payload": {
                "cause": cause, "cause_event": cause_event, "kept_id": kept,
                "members": sorted(members), "previous_kept": absorbed,
                "databases": dbs, "links": links_by_root.get(root, []),
                "reason": _cluster_reason(links_by_root.get(root, [])),
            },
        })
        changed_clusters.append((kept, members))
    new_cluster_sets = {members for _, members, _ in new_clusters}
    split_rows = []
    for kept, members in old_clusters.items():
        if any(members <= nc for nc in new_cluster_sets):
            continue
        now = {m: (new[m][0] if m in new else None) for m in sorted(members)}
        split_rows.append({
            "at": stamp, "actor": actor, "kind": "dedup.split", "subject": f"record:{kept}",
            "payload": {"cause": cause, "cause_event": cause_event, "kept_id": kept,
                        "members": sorted(members), "now_kept_by": now,
                        "reason": _split_reason(cause)},
        })
    event_ids = _insert_events(conn, event_rows + split_rows)
    step_stored()
    event_of_kept = {kept: eid for (kept, _), eid in zip(changed_clusters, event_ids)}

    # membership: rewrite the rows whose kept record or event changed, delete vanished ones
    rewrite = {
        rid for rid, (kept, _, _) in new.items()
        if rid not in old or old[rid][0] != kept or kept in event_of_kept
    }
    delete = sorted({rid for rid in old if rid not in new} | (rewrite & old.keys()))
    for chunk in _chunks(delete, 900):
        conn.execute(sa.delete(dedup_membership).where(dedup_membership.c.record_id.in_(chunk)))
    if rewrite:
        conn.execute(sa.insert(dedup_membership), [
            {"record_id": rid, "kept_id": new[rid][0], "confidence": new[rid][1],
             "method": "kept" if rid == new[rid][0] else new[rid][2],
             "event_id": event_of_kept.get(new[rid][0]), "updated_at": stamp}
            for rid in sorted(rewrite)
        ])

    step_stored()
    queue_counts = queue.refresh_pending(
        conn,
        [(ids[p.a], ids[p.b], p.decision.confidence, p.decision.reason) for p in result.maybes],
        scope=ids_set if scope is not None else None,
    )
    summary = RunSummary(
        records=len(ids),
        clusters=len(new_clusters),
        merged=len(event_rows),
        split=len(split_rows),
        candidates=result.candidates,
        queue=queue_counts,
    )
    for rid, (kept, _, method) in new.items():
        if rid != kept:
            summary.by_method[method] = summary.by_method.get(method, 0) + 1
    step_stored()
    _fill_totals(conn, summary)
    step_stored()
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def recluster(
    conn: sa.Connection, scope: set[int] | None, *, by: str, cause: str, cause_event: int | None = None
) -> RunSummary:
    """Cluster the records of ``scope`` (None: all) again inside the caller's transaction and
    write what changed (``review.imports`` calls it when an import is withdrawn)."""
    return _recluster(conn, scope, actor=by, cause=cause, cause_event=cause_event)


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _cluster_reason(links: list[dict[str, Any]]) -> str:
    if not links:
        return "unchanged links"
    methods = sorted({l["method"] for l in links})
    return f"{len(links)} link(s) by {', '.join(methods)}: " + "; ".join(l["reason"] for l in links[:3])


def _split_reason(cause: str) -> str:
    return {
        "run": "a rerun no longer matches these records",
        "reject": "a person rejected a pair in this cluster",
        "undo": "a merge was undone",
        "confirm": "reclustered after a confirmation",
        "withdraw": "an import holding some of these records was withdrawn",
    }.get(cause, cause)


def _fill_totals(conn: sa.Connection, summary: RunSummary) -> None:
    from review.dedup.state import duplicates_removed

    summary.duplicates_removed = duplicates_removed(conn)
    total = conn.execute(sa.select(sa.func.count()).select_from(records).where(live_clause())).scalar_one()
    summary.unique_records = int(total) - summary.duplicates_removed
    summary.pending = len(queue.pending_pairs(conn))


@old_spelling("actor")
def run_dedup(engine: sa.Engine, *, by: str = "", progress: Progress | None = None) -> RunSummary:
    """Cluster every stored record; write membership, events and the review queue.

    ``progress(done, total, phase)``, if given, follows the run: "loading" (reading the
    records, 0 then 1 of 1), the phases of ``pipeline.PHASES`` (normalising, blocking,
    scoring, clustering), then "storing"
    (``done`` of the ``STORE_STEPS``); within a phase ``done`` rises from 0 to ``total``.
    """
    with engine.begin() as conn:
        summary = _recluster(conn, None, actor=by, cause="run", progress=progress)
        summary.event_id = _insert_events(conn, [{
            "at": now_iso(), "actor": by, "kind": "dedup.run", "subject": "dedup",
            "payload": {k: v for k, v in summary.to_dict().items() if k != "event_id"},
        }])[0]
    return summary


def _missing_records(conn: sa.Connection, *record_ids: int) -> list[int]:
    """Which of ``record_ids`` the store does not hold, in the order given."""
    if not record_ids:
        return []
    found = set(
        conn.execute(sa.select(records.c.id).where(records.c.id.in_(sorted(set(record_ids))))).scalars()
    )
    return [r for r in record_ids if r not in found]


def _check_records(conn: sa.Connection, *record_ids: int) -> None:
    missing = _missing_records(conn, *record_ids)
    if missing:
        raise DedupError(f"no record with id {', '.join(map(str, missing))} in this store")
    withdrawn = sorted(withdrawn_record_ids(conn, list(record_ids)))
    if withdrawn:
        raise DedupError(f"record {', '.join(map(str, withdrawn))} belongs to a withdrawn import "
                         "and is no longer deduplicated ('review status' lists the imports)")


def check_pairs(engine: sa.Engine, pairs: Sequence[str]) -> None:
    """Raise ``DedupError`` for the first of ``pairs`` ("12-57") that is malformed or names a
    record not in the store, so a list of decisions is checked whole before any is applied."""
    parsed = [(pair, queue.parse_pair(pair)) for pair in pairs]
    with engine.connect() as conn:
        absent = set(_missing_records(conn, *(i for _, ab in parsed for i in ab)))
        withdrawn = withdrawn_record_ids(conn, [i for _, ab in parsed for i in ab])
    for pair, (a, b) in parsed:
        missing = [str(r) for r in (a, b) if r in absent]
        if missing:
            raise DedupError(f"pair {pair}: no record with id {', '.join(missing)} in this store; "
                             "nothing was decided (list the pairs with 'review dedup pending')")
        gone = [str(r) for r in (a, b) if r in withdrawn]
        if gone:
            raise DedupError(f"pair {pair}: record {', '.join(gone)} belongs to a withdrawn import; "
                             "nothing was decided (list the pairs with 'review dedup pending')")


def _decide(engine: sa.Engine, pair: str, status: str, *, by: str, note: str) -> RunSummary:
    a, b = queue.parse_pair(pair)
    cause = "confirm" if status == queue.CONFIRMED else "reject"
    kind = f"dedup.{cause}"
    with engine.begin() as conn:
        check_write_guard(conn)
        _check_records(conn, a, b)
        previous = queue.get_pair(conn, a, b)
        event_id = _insert_events(conn, [{
            "at": now_iso(), "actor": by, "kind": kind, "subject": f"pair:{a}-{b}",
            "payload": {"pair": f"{a}-{b}", "records": [a, b], "note": note,
                        "previous_status": previous.status if previous else None,
                        "reason": note or ("a person confirmed these are the same paper"
                                           if status == queue.CONFIRMED
                                           else "a person rejected: different papers")},
        }])[0]
        queue.set_decision(conn, a, b, status, by=by, note=note, event_id=event_id)
        summary = _recluster(conn, cluster_ids(conn, (a, b)), actor=by, cause=cause, cause_event=event_id)
        summary.event_id = event_id
    return summary


def confirm(engine: sa.Engine, pair: str, *, by: str = "", note: str = "") -> RunSummary:
    """A person says the two records of ``pair`` ("12-57") are the same paper: merge them."""
    return _decide(engine, pair, queue.CONFIRMED, by=by, note=note)


def reject(engine: sa.Engine, pair: str, *, by: str = "", note: str = "") -> RunSummary:
    """A person says the two records are different papers: keep them apart from now on."""
    return _decide(engine, pair, queue.REJECTED, by=by, note=note)


def undo(engine: sa.Engine, target: str, *, by: str = "", note: str = "") -> RunSummary:
    """Undo a merge or a decision. ``target`` is one of:

    - a record id ("57"): take the record out of its cluster (it is rejected against every
      other member, so reruns keep it apart) -- the "not a duplicate" of screening tools;
    - a pair id ("12-57"): reverse a person's confirm or reject (the pair is pending again);
    - "all": clear every cluster (manual decisions are kept; ``review dedup`` redoes the rest).
    """
    text = str(target).strip().lower()
    with engine.begin() as conn:
        check_write_guard(conn)
        if text == "all":
            count = conn.execute(sa.select(sa.func.count()).select_from(dedup_membership)).scalar_one()
            event_id = _insert_events(conn, [{
                "at": now_iso(), "actor": by, "kind": "dedup.undo", "subject": "dedup",
                "payload": {"scope": "all", "rows_cleared": int(count), "note": note,
                            "reason": note or "every automatic merge undone"},
            }])[0]
            conn.execute(sa.delete(dedup_membership))
            summary = RunSummary(event_id=event_id)
            _fill_totals(conn, summary)
            return summary
        if text.isdigit():
            rid = int(text)
            _check_records(conn, rid)
            members = sorted(cluster_ids(conn, [rid]) - {rid})
            if not members:
                raise DedupError(f"record {rid} is not merged with any other record; nothing to undo")
            event_id = _insert_events(conn, [{
                "at": now_iso(), "actor": by, "kind": "dedup.undo", "subject": f"record:{rid}",
                "payload": {"record": rid, "cluster": sorted([rid, *members]), "note": note,
                            "reason": note or f"record {rid} is not a duplicate of its cluster"},
            }])[0]
            for other in members:
                queue.set_decision(conn, rid, other, queue.REJECTED, by=by,
                                   note=note or f"undo of record {rid}", event_id=event_id)
            summary = _recluster(conn, set(members) | {rid}, actor=by, cause="undo", cause_event=event_id)
            summary.event_id = event_id
            return summary
        a, b = queue.parse_pair(target)
        _check_records(conn, a, b)
        previous = queue.get_pair(conn, a, b)
        if previous is None or previous.status not in (queue.CONFIRMED, queue.REJECTED):
            raise DedupError(
                f"pair {a}-{b} has no confirm or reject to undo; to split a merged record "
                f"use 'review dedup undo RECORD_ID'"
            )
        scope = cluster_ids(conn, (a, b))
        event_id = _insert_events(conn, [{
            "at": now_iso(), "actor": by, "kind": "dedup.undo", "subject": f"pair:{a}-{b}",
            "payload": {"pair": f"{a}-{b}", "undone_status": previous.status, "note": note,
                        "reason": note or f"the {previous.status} decision on {a}-{b} was undone"},
        }])[0]
        queue.set_decision(conn, a, b, queue.PENDING, by=by, note=note, event_id=event_id)
        summary = _recluster(conn, scope, actor=by, cause="undo", cause_event=event_id)
        summary.event_id = event_id
        return summary
