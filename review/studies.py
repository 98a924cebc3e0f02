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

Decisions can change after a link is made (a vote changed, a conflict resolved again): a
report can end up excluded at full text while its study is included, or the study's own
record excluded while its reports are included. ``link_disagreements(conn)`` lists every
study whose linked records are partly included and partly not (``disagreeing_studies`` is
the pure rule), and ``disagreement_lines`` says so with each record's decision and the fix;
``review studies check`` prints them, and the reports that count studies warn with them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from review.acting import old_spelling
from review.errors import ReviewError
from review.store import log_event, now_iso
from review.store.schema import dedup_membership, records, study_links


class StudiesError(ReviewError):
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
    from review.screening.decide import included_record_ids

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


@old_spelling(position=3)
def link_report(engine: sa.Engine, report_id: int, study_id: int, *, by: str) -> dict[str, Any]:
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


@old_spelling(position=2)
def unlink_report(engine: sa.Engine, report_id: int, *, by: str) -> int:
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


# ---------------------------------------------------------------------------------------
# Links whose records no longer agree


@dataclass(frozen=True)
class LinkedRecord:
    """One record of a linked study and where screening left it."""

    record_id: int
    role: str  # "study" (the record the study is linked to) | "report"
    included: bool  # a final full-text include (of its kept record, if merged since)
    decision: str  # "included at full text", "excluded at full text (Not medical students)", ...
    pmid: str
    title: str

    def label(self) -> str:
        """'record 2, PMID 29152718, "Title"' (the title cut to 70 characters)."""
        title = self.title if len(self.title) <= 70 else self.title[:67].rstrip() + "..."
        bits = [f"record {self.record_id}"]
        if self.pmid:
            bits.append(f"PMID {self.pmid}")
        bits.append(f'"{title}"' if title else "(no title)")
        return ", ".join(bits)


@dataclass(frozen=True)
class StudyDisagreement:
    """A study whose linked records are partly included at full text and partly not."""

    study_id: int
    records: tuple[LinkedRecord, ...]  # the study record first, then its reports by id

    @property
    def study_record(self) -> LinkedRecord:
        return self.records[0]

    def fixes(self) -> list[str]:
        """What to run (or change) to make the study's records agree, one step per line."""
        out: list[str] = []
        study, reports = self.records[0], self.records[1:]
        included = [r for r in reports if r.included]
        for r in reports:
            if not r.included:
                out.append(
                    f"review studies unlink {r.record_id} --as NAME (record {r.record_id} is then "
                    f"no longer a report of study {self.study_id}), or, if record {r.record_id} "
                    "belongs in the review, change (or finish) its full-text decision"
                )
        if not study.included and included:
            first, rest = included[0].record_id, [r.record_id for r in included[1:]]
            step = f"make an included report the study: review studies unlink {first} --as NAME"
            if rest:
                step += "".join(f", then review studies link {r} --to {first} --as NAME" for r in rest)
            out.append(
                f"{step}; or, if record {study.record_id} belongs in the review, change (or "
                "finish) its full-text decision"
            )
        return out


def disagreeing_studies(mapping: Mapping[int, int], included: Collection[int]) -> dict[int, list[int]]:
    """study id -> its records (the study record, then its reports by id) for every study
    whose linked records are partly included at full text and partly not. ``mapping`` is
    ``study_of``'s report -> study; ``included`` the records with a final full-text include."""
    included = set(included)
    groups: dict[int, list[int]] = {}
    for report, study in sorted(mapping.items()):
        groups.setdefault(study, [study]).append(report)
    return {
        study: ids
        for study, ids in sorted(groups.items())
        if any(i in included for i in ids) and not all(i in included for i in ids)
    }


def _decision(rid: int, ft: Mapping[int, Any], ta: Mapping[int, Any], not_retrieved: Mapping[int, str]) -> str:
    final = ft.get(rid)
    if final is not None and final.decision == "include":
        return "included at full text"
    if final is not None:
        return f"excluded at full text ({final.reason})" if final.reason else "excluded at full text"
    if rid in not_retrieved:
        return f"full text not retrieved ({not_retrieved[rid]})" if not_retrieved[rid] else "full text not retrieved"
    decided = ta.get(rid)
    if decided is not None and decided.decision == "exclude":
        return "excluded at title/abstract"
    if decided is not None:
        return "no final full-text decision yet"
    return "no final title/abstract decision yet"


def link_disagreements(conn: sa.Connection) -> list[StudyDisagreement]:
    """Every linked study whose records are partly included at full text and partly not."""
    from review.dedup.state import merged_record
    from review.screening.decide import final_decisions
    from review.screening.fulltext import not_retrieved as not_retrieved_of

    mapping = study_of(conn)
    if not mapping:
        return []
    kept_of = {
        int(r): int(k)
        for r, k in conn.execute(sa.select(dedup_membership.c.record_id, dedup_membership.c.kept_id)).all()
    }
    ft = final_decisions(conn, "full_text")
    ta = final_decisions(conn, "title_abstract")
    not_retrieved = not_retrieved_of(conn)
    linked = set(mapping) | set(mapping.values())
    decision: dict[int, str] = {}
    included: set[int] = set()
    for rid in linked:
        kept = kept_of.get(rid, rid)
        final = ft.get(kept)
        if final is not None and final.decision == "include":
            included.add(rid)
        decision[rid] = _decision(kept, ft, ta, not_retrieved)
        if kept != rid:
            decision[rid] += f" (as record {kept}, of which it is now a duplicate)"
    out = []
    for study, ids in disagreeing_studies(mapping, included).items():
        items = []
        for rid in ids:
            rec = merged_record(conn, rid)
            items.append(LinkedRecord(
                record_id=rid, role="study" if rid == study else "report", included=rid in included,
                decision=decision[rid], pmid=rec.pmid or "", title=rec.title or "",
            ))
        out.append(StudyDisagreement(study, tuple(items)))
    return out


def disagreement_lines(d: StudyDisagreement) -> list[str]:
    """The study, each linked record with its decision, and how to fix it (one line each)."""
    lines = [f"study {d.study_id}: its linked records have different full-text decisions"]
    for r in d.records:
        role = "study record" if r.role == "study" else "report"
        lines.append(f"  {role} {r.label().removeprefix('record ')}: {r.decision}")
    for fix in d.fixes():
        lines.append(f"  fix: {fix}")
    return lines
