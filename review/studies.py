"""Studies and their reports: several included reports can describe one study.

PRISMA 2020 counts both "Studies included in review" and "Reports of included studies". A
programme described in a 2012 paper and evaluated in a 2015 paper is one study with two
reports. ``link_report`` records that an included report belongs to the study an included
record stands for; a record with no current link is its own study.

Rules (``StudiesError`` otherwise):

- both records must exist, be the kept record of their duplicate cluster and be included at
  full text;
- no self-links;
- no chains: linking to a report that is itself linked links to that report's study, and the
  reports of a record that becomes a report are moved to its new study with it.

The table is append-only: unlinking or re-linking ends the current row, and every change is a
``study.link`` / ``study.unlink`` event. Writers take an engine (one retried transaction);
readers take a connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from review.store import log_event, now_iso
from review.store.schema import dedup_membership, records, study_links


class StudiesError(Exception):
    """A study link that breaks a rule; the message says which and why."""


@dataclass(frozen=True)
class StudyLink:
    """One current link: ``report_id`` is a report of the study ``study_id``."""

    report_id: int
    study_id: int
    by: str
    at: str


def study_of(conn: sa.Connection) -> dict[int, int]:
    """report record id -> study record id, for every current link."""
    rows = conn.execute(
        sa.select(study_links.c.report_id, study_links.c.study_id).where(study_links.c.current == sa.true())
    ).all()
    return {int(r): int(s) for r, s in rows}


def links(conn: sa.Connection) -> list[StudyLink]:
    """The current links, by study then report."""
    rows = conn.execute(
        sa.select(study_links.c.report_id, study_links.c.study_id, study_links.c.by, study_links.c.at)
        .where(study_links.c.current == sa.true())
        .order_by(study_links.c.study_id, study_links.c.report_id)
    ).all()
    return [StudyLink(int(r), int(s), str(b), str(a)) for r, s, b, a in rows]


def group_reports(report_ids: list[int] | set[int], mapping: dict[int, int]) -> dict[int, list[int]]:
    """study id -> its reports among ``report_ids`` (an unlinked report is its own study)."""
    out: dict[int, list[int]] = {}
    for rid in sorted(set(report_ids)):
        out.setdefault(mapping.get(rid, rid), []).append(rid)
    return out


def _check_included(conn: sa.Connection, record_id: int, role: str) -> None:
    from review.extraction import included_record_ids

    if conn.execute(sa.select(records.c.id).where(records.c.id == record_id)).first() is None:
        raise StudiesError(f"no record with id {record_id} (the {role})")
    kept = conn.execute(
        sa.select(dedup_membership.c.kept_id).where(
            dedup_membership.c.record_id == record_id, dedup_membership.c.kept_id != record_id
        )
    ).scalar()
    if kept is not None:
        raise StudiesError(
            f"record {record_id} (the {role}) is a duplicate of record {kept}; link record {kept} instead"
        )
    if record_id not in set(included_record_ids(conn)):
        raise StudiesError(
            f"record {record_id} (the {role}) is not included at full text: only included "
            "records can be linked as reports of one study"
        )


def _end(conn: sa.Connection, report_id: int, by: str, at: str) -> None:
    conn.execute(
        sa.update(study_links)
        .where(study_links.c.report_id == report_id, study_links.c.current == sa.true())
        .values(current=False, ended_at=at, ended_by=by)
    )


def _insert(conn: sa.Connection, report_id: int, study_id: int, by: str, at: str) -> None:
    conn.execute(
        sa.insert(study_links).values(
            report_id=report_id, study_id=study_id, by=by, at=at, current=True
        )
    )


def link_report(engine: sa.Engine, report_id: int, study_id: int, by: str) -> dict[str, Any]:
    """Record that ``report_id`` is a report of the study ``study_id`` stands for.

    Returns ``{"report": r, "study": s, "previous": old study or None, "moved": [reports
    moved along], "changed": bool}`` where ``study`` is after resolving a chain.
    """
    from review.store import write_retrying as write

    by = (by or "").strip()
    if not by:
        raise StudiesError("say who links the records (--as NAME)")
    report_id, study_id = int(report_id), int(study_id)
    if report_id == study_id:
        raise StudiesError(f"record {report_id} cannot be a report of itself")

    def work(conn: sa.Connection) -> dict[str, Any]:
        _check_included(conn, report_id, "report")
        _check_included(conn, study_id, "study")
        current = study_of(conn)
        target = current.get(study_id, study_id)  # no chains: link to the study itself
        if target == report_id:
            raise StudiesError(
                f"record {study_id} is already a report of the study record {report_id}: "
                f"record {report_id} cannot also be a report of it (unlink {study_id} first "
                "to make it the study)"
            )
        previous = current.get(report_id)
        if previous == target:
            return {"report": report_id, "study": target, "previous": previous, "moved": [], "changed": False}
        at = now_iso()
        if previous is not None:
            _end(conn, report_id, by, at)
        _insert(conn, report_id, target, by, at)
        moved = sorted(r for r, s in current.items() if s == report_id)
        for r in moved:
            _end(conn, r, by, at)
            _insert(conn, r, target, by, at)
        log_event(
            conn,
            "study.link",
            subject=str(report_id),
            payload={"report": report_id, "study": target, "asked": study_id,
                     "previous": previous, "moved": moved},
            actor=by,
        )
        return {"report": report_id, "study": target, "previous": previous, "moved": moved, "changed": True}

    return write(engine, work)


def unlink_report(engine: sa.Engine, report_id: int, by: str) -> int:
    """End the link of ``report_id`` (it becomes its own study again); return the old study."""
    from review.store import write_retrying as write

    by = (by or "").strip()
    if not by:
        raise StudiesError("say who unlinks the record (--as NAME)")
    report_id = int(report_id)

    def work(conn: sa.Connection) -> int:
        study = study_of(conn).get(report_id)
        if study is None:
            raise StudiesError(f"record {report_id} is not linked to a study")
        _end(conn, report_id, by, now_iso())
        log_event(conn, "study.unlink", subject=str(report_id),
                  payload={"report": report_id, "study": study}, actor=by)
        return study

    return write(engine, work)
