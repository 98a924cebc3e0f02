"""Taking an import back and correcting its search facts: ``review import withdraw|edit``.

- ``withdraw_import``: the import's records leave every count, dedup and queue (the rule is
  ``review.store.live``); nothing is deleted: a row in ``import_withdrawals`` and an
  ``import.withdraw`` event say who, when and why. Refused while any of its records carries
  a current screening vote or resolution (the screening would silently lose them).
  Clusters holding a withdrawn record are clustered again at once among the records that
  remain (a record merged with a withdrawn one stands alone again, or stays with the others
  it matches), and uncertain pairs naming a withdrawn record leave the dedup queue.
- ``withdraw_in``: the same inside a caller's transaction (``import_file(replace=N)``
  withdraws N and stores the new file in one transaction).
- ``edit_import``: attach the strategy as run, the search date or the interface after the
  fact; the old values are kept in an ``import.edit`` event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from review import store
from review.errors import ReviewError
from review.store.live import withdrawal_of
from review.store.schema import (
    dedup_membership,
    dedup_review,
    import_withdrawals,
    imports,
    records,
    screening_resolutions,
    screening_votes,
)

# how many voted records a refusal names before "and N more"
NAMED_RECORDS = 10


class ImportChangeError(ReviewError):
    """An import cannot be withdrawn or edited as asked (the message says why and what to do)."""


@dataclass
class WithdrawSummary:
    import_id: int
    file_name: str
    database: str
    records: int
    reason: str
    replaced_by: int | None = None
    event_id: int | None = None
    clusters_changed: int = 0  # dedup clusters that held a withdrawn record
    pairs_superseded: int = 0  # uncertain pairs naming a withdrawn record, out of the queue
    dedup: dict[str, Any] = field(default_factory=dict)


def _import_row(conn: sa.Connection, import_id: int) -> dict[str, Any]:
    row = store.get_import(conn, int(import_id))
    if row is None:
        raise ImportChangeError(
            f"there is no import #{import_id}; list the imports with 'review status'"
        )
    return row


def _describe(row: dict[str, Any]) -> str:
    what = row.get("file_name") or ("PubMed search run" if row["kind"] == "search" else row["kind"])
    return f"import #{row['id']} ({what}, {row['database']})"


def voted_records(conn: sa.Connection, import_id: int) -> dict[int, list[str]]:
    """Records of ``import_id`` carrying a current screening vote or resolution -> what
    (e.g. ``["title_abstract vote by alice", "title_abstract resolution"]``)."""
    of_import = sa.select(records.c.id).where(records.c.import_id == int(import_id))
    found: dict[int, list[str]] = {}
    votes = conn.execute(
        sa.select(screening_votes.c.record_id, screening_votes.c.stage, screening_votes.c.reviewer)
        .where(screening_votes.c.current == sa.true(), screening_votes.c.record_id.in_(of_import))
        .order_by(screening_votes.c.record_id, screening_votes.c.id)
    )
    for rid, stage, reviewer in votes:
        found.setdefault(int(rid), []).append(f"{stage} vote by {reviewer}")
    resolutions = conn.execute(
        sa.select(screening_resolutions.c.record_id, screening_resolutions.c.stage)
        .where(screening_resolutions.c.current == sa.true(), screening_resolutions.c.record_id.in_(of_import))
        .order_by(screening_resolutions.c.record_id)
    )
    for rid, stage in resolutions:
        found.setdefault(int(rid), []).append(f"{stage} resolution")
    return dict(sorted(found.items()))


def _refuse_voted(row: dict[str, Any], voted: dict[int, list[str]]) -> None:
    named = [f"record {rid} ({', '.join(what)})" for rid, what in list(voted.items())[:NAMED_RECORDS]]
    more = f" and {len(voted) - NAMED_RECORDS} more" if len(voted) > NAMED_RECORDS else ""
    raise ImportChangeError(
        f"{_describe(row)} cannot be withdrawn: {len(voted)} of its records already carry "
        f"screening decisions: {'; '.join(named)}{more}. Withdrawing it would drop those "
        "decisions from the review; the reviewers must undo them first (or keep the import)"
    )


def check_withdrawable(conn: sa.Connection, import_id: int) -> dict[str, Any]:
    """The import's row if it can be withdrawn now, else ``ImportChangeError`` saying why."""
    row = _import_row(conn, import_id)
    done = withdrawal_of(conn, import_id)
    if done is not None:
        by = f" by {done['withdrawn_by']}" if done["withdrawn_by"] else ""
        raise ImportChangeError(
            f"{_describe(row)} was withdrawn already ({done['withdrawn_at']}{by})"
        )
    voted = voted_records(conn, import_id)
    if voted:
        _refuse_voted(row, voted)
    return row


def check_updatable(conn: sa.Connection, import_id: int) -> dict[str, Any]:
    """The row of the import a new one updates (``review import --update-of N``), else
    ``ImportChangeError``: it must exist, count (not withdrawn) and not be an update itself
    (an update names the first run, so every update of a search points at one import)."""
    row = _import_row(conn, import_id)
    done = withdrawal_of(conn, import_id)
    if done is not None:
        raise ImportChangeError(f"{_describe(row)} was withdrawn ({done['withdrawn_at']}); an update "
                                "names an import that counts")
    earlier = ((row.get("report") or {}).get("update") or {}).get("update_of")
    if earlier:
        raise ImportChangeError(f"{_describe(row)} is itself an update of import #{earlier}: "
                                f"use --update-of {earlier} (the first run)")
    if row.get("other_source") in ("websites", "organisations", "citation-searching", "other"):
        raise ImportChangeError(f"{_describe(row)} is not a database search (it is {row['other_source']}); "
                                "--update-of names the first run of a database search")
    return row


def withdraw_in(
    conn: sa.Connection,
    import_id: int,
    *,
    by: str = "",
    reason: str = "",
    replaced_by: int | None = None,
) -> WithdrawSummary:
    """Withdraw ``import_id`` inside the caller's transaction (see the module docstring)."""
    from review.dedup import queue as dedup_queue
    from review.dedup.run import cluster_ids, recluster

    row = check_withdrawable(conn, import_id)
    ids = [int(i) for i in conn.execute(
        sa.select(records.c.id).where(records.c.import_id == int(import_id)).order_by(records.c.id)
    ).scalars()]
    event_id = store.log_event(
        conn,
        "import.withdraw",
        subject=f"import:{import_id}",
        payload={
            "import_id": int(import_id),
            "file": row.get("file_name") or "",
            "database": row["database"],
            "records": len(ids),
            "first_record": ids[0] if ids else None,
            "last_record": ids[-1] if ids else None,
            "reason": reason,
            "replaced_by": replaced_by,
        },
        actor=by,
    )
    conn.execute(sa.insert(import_withdrawals).values(
        import_id=int(import_id), withdrawn_at=store.now_iso(), withdrawn_by=by, reason=reason,
        replaced_by=replaced_by, event_id=event_id,
    ))
    summary = WithdrawSummary(
        import_id=int(import_id), file_name=row.get("file_name") or "", database=row["database"],
        records=len(ids), reason=reason, replaced_by=replaced_by, event_id=event_id,
    )
    # dedup: the clusters holding a withdrawn record are clustered again without it
    in_clusters = [int(i) for i in conn.execute(
        sa.select(dedup_membership.c.record_id).where(
            dedup_membership.c.record_id.in_(sa.select(records.c.id).where(records.c.import_id == int(import_id)))
        )
    ).scalars()]
    if in_clusters:
        kept = {int(k) for k in conn.execute(
            sa.select(dedup_membership.c.kept_id).where(dedup_membership.c.record_id.in_(in_clusters))
        ).scalars()}
        summary.clusters_changed = len(kept)
        run = recluster(conn, cluster_ids(conn, in_clusters), by=by, cause="withdraw", cause_event=event_id)
        summary.dedup = {"merged": run.merged, "split": run.split,
                         "duplicates_removed": run.duplicates_removed, "unique_records": run.unique_records}
    # the uncertain pairs naming a withdrawn record leave the queue (decided pairs stay as history)
    of_import = sa.select(records.c.id).where(records.c.import_id == int(import_id))
    result = conn.execute(
        sa.update(dedup_review)
        .where(
            dedup_review.c.status == dedup_queue.PENDING,
            sa.or_(dedup_review.c.record_a.in_(of_import), dedup_review.c.record_b.in_(of_import)),
        )
        .values(status=dedup_queue.SUPERSEDED, updated_at=store.now_iso(), event_id=event_id)
    )
    summary.pairs_superseded = int(result.rowcount or 0)
    return summary


def withdraw_import(
    engine: sa.Engine, import_id: int, *, by: str = "", reason: str = ""
) -> WithdrawSummary:
    """Withdraw ``import_id`` in one transaction: its records leave every count, dedup and
    queue; nothing is deleted. ``ImportChangeError`` (nothing changed) for an unknown or
    already withdrawn import, or one whose records carry current screening decisions."""
    with engine.begin() as conn:
        return withdraw_in(conn, import_id, by=by, reason=reason)


EDITABLE = {  # argument -> imports column
    "strategy": "query",
    "searched": "searched_on",
    "interface": "interface",
}


def check_search_date(text: str) -> str:
    """``text`` if it is a real YYYY-MM-DD date, else ``ImportChangeError``."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        date.fromisoformat(text)
    except ValueError:
        raise ImportChangeError(f"--searched takes YYYY-MM-DD, a real date, not {text!r}") from None
    return text


def edit_import(
    engine: sa.Engine,
    import_id: int,
    *,
    strategy: str | None = None,
    searched: str | None = None,
    interface: str | None = None,
    by: str = "",
    reason: str = "",
) -> dict[str, dict[str, str]]:
    """Set the strategy as run (text), the search date or the interface of a file import.

    Returns the changes (field -> {"old", "new"}); each edit with a change is one
    ``import.edit`` event keeping the old values. A PubMed run's query and date are the
    ones sent and cannot be edited.
    """
    given = {"strategy": strategy, "searched": searched, "interface": interface}
    given = {k: v for k, v in given.items() if v is not None}
    if not given:
        raise ImportChangeError(
            "nothing to change: give --strategy FILE, --searched YYYY-MM-DD or --interface NAME"
        )
    if "searched" in given:
        check_search_date(given["searched"])
    with engine.begin() as conn:
        row = _import_row(conn, import_id)
        if row["kind"] == "search":
            raise ImportChangeError(
                f"{_describe(row)} is a PubMed run: its query, date and interface are the ones "
                "sent to PubMed and cannot be edited"
            )
        changes = {
            name: {"old": row[EDITABLE[name]] or "", "new": value}
            for name, value in given.items()
            if (row[EDITABLE[name]] or "") != value
        }
        if not changes:
            return {}
        conn.execute(
            sa.update(imports)
            .where(imports.c.id == int(import_id))
            .values(**{EDITABLE[name]: change["new"] for name, change in changes.items()})
        )
        store.log_event(
            conn,
            "import.edit",
            subject=f"import:{import_id}",
            payload={"import_id": int(import_id), "changes": changes, "reason": reason},
            actor=by,
        )
    return changes
