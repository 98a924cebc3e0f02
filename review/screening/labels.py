"""Labels on records: free tags any reviewer puts on a record ("background", "check reference
list"), e.g. to come back to it or to chase its references. Labels are not decisions: they
never change a queue, a conflict or a PRISMA count.

Who sees which labels (the one rule, applied by every read here): a label can hint at a
partner's opinion ("background" says "not a primary study"), so during blind screening a
reviewer sees only their own labels; the lead, who sees every decision anyway, sees everyone's
with who put them (the records library and the CSV export). Rayyan shows labels to all; this
keeps the blinding the rest of the screening keeps.

Append-only (table ``record_labels``): adding and removing are each a new row that supersedes
the previous one for (record, label, reviewer); every change is also an ``events`` row. A
reviewer removes their own labels; the lead may remove anyone's.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from review.acting import old_spelling
from review.screening._rows import _restricted
from review.screening.model import NotAllowedError, ScreeningError
from review.screening.reviewers import require_active
from review.store.api import log_event, now_iso
from review.store.schema import dedup_membership as dm
from review.store.schema import record_labels as labels_t
from review.store.schema import records
from review.store.transaction import Retry, write_retrying

MAX_LABEL = 60
EXPORT_COLUMNS = ("record_id", "pmid", "doi", "title", "label", "reviewer", "at")


@dataclass(frozen=True)
class Label:
    record_id: int
    label: str
    reviewer: str  # whose label it is
    at: str  # when it was put on


def check_label(text: str) -> str:
    """The label as stored: whitespace collapsed, 1 to 60 printable characters."""
    label = " ".join((text or "").split())
    if not label:
        raise ScreeningError("a label needs some text, e.g. 'background' or 'check reference list'")
    if len(label) > MAX_LABEL:
        raise ScreeningError(f"a label holds at most {MAX_LABEL} characters ({len(label)} given)")
    if any(not ch.isprintable() for ch in label):
        raise ScreeningError(f"the label {label!r} holds a control character")
    return label


def _check_record(conn: sa.Connection, record_id: int) -> None:
    if conn.execute(sa.select(records.c.id).where(records.c.id == record_id)).first() is None:
        raise ScreeningError(f"no record with id {record_id}")
    kept = conn.execute(
        sa.select(dm.c.kept_id).where(dm.c.record_id == record_id, dm.c.kept_id != record_id)
    ).scalar()
    if kept is not None:
        raise ScreeningError(
            f"record {record_id} was removed as a duplicate of record {kept}; label {kept} instead"
        )


def _own_spelling(conn: sa.Connection, reviewer: str, label: str) -> str:
    """``label`` as ``reviewer`` spelt it before ("Background" stays one label with "background")."""
    known = conn.execute(
        sa.select(labels_t.c.label)
        .where(labels_t.c.reviewer == reviewer, sa.func.lower(labels_t.c.label) == label.lower())
        .order_by(labels_t.c.id)
        .limit(1)
    ).scalar()
    return known or label


def _current(conn: sa.Connection, record_id: int, label: str, owner: str):
    return conn.execute(
        sa.select(labels_t).where(
            labels_t.c.record_id == record_id,
            sa.func.lower(labels_t.c.label) == label.lower(),
            labels_t.c.reviewer == owner,
            labels_t.c.current == sa.true(),
        )
    ).first()


def _write(conn: sa.Connection, by: str, owner: str, record_id: int, label: str, action: str):
    existing = _current(conn, record_id, label, owner)
    if existing is not None and existing.action == action:
        return existing, False  # on already / off already: nothing new to store
    if existing is None and action == "remove":
        return None, False
    stamp = now_iso()
    if existing is not None:
        ended = conn.execute(
            sa.update(labels_t)
            .where(labels_t.c.id == existing.id, labels_t.c.current == sa.true())
            .values(current=False, ended_at=stamp)
        )
        if ended.rowcount != 1:
            raise Retry()
        label = existing.label
    new_id = conn.execute(
        sa.insert(labels_t).values(
            record_id=record_id, label=label, reviewer=owner, action=action, by=by, at=stamp, current=True
        )
    ).inserted_primary_key[0]
    payload = {"label_row": int(new_id), "record_id": record_id, "label": label, "reviewer": owner}
    if existing is not None:
        payload["supersedes"] = int(existing.id)
    log_event(conn, f"label.{action}", f"record:{record_id}", payload, actor=by)
    row = conn.execute(sa.select(labels_t).where(labels_t.c.id == new_id)).one()
    return row, True


def add_label(engine: sa.Engine, reviewer: str, record_id: int, label: str) -> Label:
    """Put ``label`` on a record as ``reviewer``'s own (adding it twice stores it once)."""
    label = check_label(label)
    record_id = int(record_id)

    def work(conn: sa.Connection) -> Label:
        require_active(conn, reviewer)
        _check_record(conn, record_id)
        row, _ = _write(conn, reviewer, reviewer, record_id, _own_spelling(conn, reviewer, label), "add")
        return Label(record_id, row.label, reviewer, row.at)

    return write_retrying(engine, work)


@old_spelling(position=1)
def remove_label(
    engine: sa.Engine, record_id: int, label: str, owner: str | None = None, *, by: str
) -> bool:
    """Take ``owner``'s label (default: ``by``'s own) off a record; whether one was on.

    Only the lead may take off another reviewer's label."""
    label = check_label(label)
    record_id = int(record_id)
    owner = owner or by

    def work(conn: sa.Connection) -> bool:
        who = require_active(conn, by)
        if owner != by and who.role != "lead":
            raise NotAllowedError(f"{by!r} may remove only their own labels; {owner!r}'s are theirs or the lead's")
        _check_record(conn, record_id)
        _row, changed = _write(conn, by, owner, record_id, label, "remove")
        if not changed:
            raise ScreeningError(f"record {record_id} has no label {label!r} of {owner!r} to remove")
        return True

    return write_retrying(engine, work)


def _visible_query(conn: sa.Connection, viewer: str) -> sa.Select:
    """The labels on now that ``viewer`` may see (see the module's rule)."""
    who = require_active(conn, viewer)
    query = sa.select(labels_t).where(labels_t.c.current == sa.true(), labels_t.c.action == "add")
    if who.role != "lead":
        query = query.where(labels_t.c.reviewer == viewer)
    return query.order_by(labels_t.c.record_id, sa.func.lower(labels_t.c.label), labels_t.c.reviewer)


def _label(row) -> Label:
    return Label(int(row.record_id), row.label, row.reviewer, row.at)


def labels_on(conn: sa.Connection, viewer: str, record_ids: Iterable[int]) -> dict[int, list[Label]]:
    """record id -> the labels on it that ``viewer`` may see (only ids that have some)."""
    out: dict[int, list[Label]] = defaultdict(list)
    for part in _restricted(_visible_query(conn, viewer), labels_t.c.record_id, [int(i) for i in record_ids]):
        for row in conn.execute(part):
            out[int(row.record_id)].append(_label(row))
    return dict(out)


def list_labels(conn: sa.Connection, viewer: str, label: str | None = None) -> list[Label]:
    """Every label on now that ``viewer`` may see (one label only, any case, if given)."""
    query = _visible_query(conn, viewer)
    if label:
        query = query.where(sa.func.lower(labels_t.c.label) == check_label(label).lower())
    return [_label(r) for r in conn.execute(query)]


def label_names(conn: sa.Connection, viewer: str) -> list[str]:
    """The distinct labels ``viewer`` sees on some record now, for filters and suggestions."""
    seen: dict[str, str] = {}
    for item in list_labels(conn, viewer):
        seen.setdefault(item.label.lower(), item.label)
    return sorted(seen.values(), key=str.lower)


def labels_csv(conn: sa.Connection, viewer: str, items: Sequence[Label] | None = None) -> str:
    """The labels ``viewer`` may see as CSV (columns ``EXPORT_COLUMNS``), one row per label."""
    items = list_labels(conn, viewer) if items is None else list(items)
    ids = sorted({i.record_id for i in items})
    info: dict[int, tuple[str, str, str]] = {}
    for part in _restricted(
        sa.select(records.c.id, records.c.pmid, records.c.doi, records.c.title), records.c.id, ids
    ):
        for r in conn.execute(part):
            info[int(r.id)] = (r.pmid or "", r.doi or "", r.title or "")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for item in items:
        pmid, doi, title = info.get(item.record_id, ("", "", ""))
        writer.writerow([item.record_id, pmid, doi, title, item.label, item.reviewer, item.at])
    return buf.getvalue()
