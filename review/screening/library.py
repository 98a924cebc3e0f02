"""The records library (the lead's): every screened record with where it came from and what
became of it, filtered and paged, and as CSV.

One row per record left after deduplication (a removed duplicate is listed in its kept
record's ``duplicates``): its source databases and imports (every member of its duplicate
cluster), each stage's status — ``include`` / ``exclude`` (with the reason and whether by
agreement or resolution), ``conflict``, ``pending`` (fewer than two votes), ``not_retrieved``
(full text), "" (not in that stage) — and the labels on it.

The statuses are worked out in one SQL query (the SQL twin of ``rules.outcome``: tests check
both agree), filtered and paged in the database, so the page stays quick at 20,000 records;
only the shown page's clusters and labels are read afterwards.

Only the lead may open it: it shows every final decision and every reviewer's labels, which a
reviewer screening blind may not see. The check is here, in the read, so every caller (the
app page, the CLI) meets it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from review.screening._rows import _restricted
from review.screening.labels import Label, labels_on
from review.screening.model import NotAllowedError, ScreeningError, check_stage
from review.screening.reviewers import require_active
from review.screening.rules import VOTES_NEEDED
from review.store.schema import dedup_membership as dm
from review.store.schema import imports as imports_t
from review.store.schema import record_labels as labels_t
from review.store.schema import records
from review.store.schema import screening_fulltexts as ft_t
from review.store.schema import screening_resolutions as res_t
from review.store.schema import screening_votes as votes_t

STATUSES = ("include", "exclude", "conflict", "pending", "not_retrieved")
PAGE_SIZE = 50
MAX_PAGE = 1000
WHOLE_READ = 2000  # above this many rows, read every duplicate at once rather than by ids
CSV_COLUMNS = (
    "record_id", "pmid", "doi", "year", "title", "databases", "imports", "duplicates",
    "title_abstract", "title_abstract_reason", "title_abstract_how",
    "full_text", "full_text_reason", "full_text_how", "labels",
)


@dataclass(frozen=True)
class LibraryFilters:
    stage: str | None = None  # the stage ``decision`` and ``reason`` look at (default: either)
    decision: str | None = None  # one of STATUSES
    reason: str | None = None  # an exclusion reason (exact, any case)
    database: str | None = None  # a source database of any cluster member
    import_id: int | None = None  # an import of any cluster member
    label: str | None = None  # a label anyone put on it (any case)
    text: str | None = None  # in the title (any case); a PMID, DOI or record id exactly


@dataclass(frozen=True)
class StageStatus:
    status: str  # one of STATUSES, or "" (not in this stage)
    reason: str = ""  # the exclusion reason of a final exclude
    how: str = ""  # "agreement" | "resolution" for a final decision


@dataclass(frozen=True)
class LibraryRow:
    record_id: int
    title: str
    year: int | None
    pmid: str
    doi: str
    databases: list[str]
    imports: list[int]
    duplicates: list[int]  # the records removed as duplicates of this one
    title_abstract: StageStatus
    full_text: StageStatus
    labels: list[Label] = field(default_factory=list)


@dataclass(frozen=True)
class LibraryPage:
    rows: list[LibraryRow]
    total: int  # records matching the filters
    limit: int | None
    offset: int


def require_lead(conn: sa.Connection, viewer: str) -> None:
    """NotAllowedError unless ``viewer`` is an active lead."""
    who = require_active(conn, viewer)
    if who.role != "lead":
        raise NotAllowedError(
            f"{viewer!r} may not open the records library: it shows every final decision and "
            "every reviewer's labels, so only a lead may"
        )


def _database(rec, imp) -> sa.ColumnElement[str]:
    """A record's source database: as the record says, else as its import was named."""
    return sa.func.coalesce(sa.func.nullif(rec.c.source_database, ""), imp.c.database)


def _removed(record_id_col) -> sa.ColumnElement[bool]:
    return sa.exists(
        sa.select(dm.c.record_id).where(dm.c.record_id == record_id_col, dm.c.kept_id != dm.c.record_id)
    )


def _stage_columns(stage: str, ta_status=None):
    """(status, reason, how) SQL expressions for ``stage`` over ``records``, and the outer
    joins they need. ``ta_status``: the title/abstract status (full text only)."""
    v = votes_t
    agg = (
        sa.select(
            v.c.record_id.label("rid"),
            sa.func.count().label("n"),
            sa.func.sum(sa.case((v.c.decision == "include", 1), else_=0)).label("inc"),
            sa.func.sum(sa.case((v.c.decision == "exclude", 1), else_=0)).label("exc"),
            sa.func.count(sa.distinct(v.c.reason)).label("reasons"),
            sa.func.max(v.c.reason).label("reason"),
        )
        .where(v.c.stage == stage, v.c.current == sa.true())
        .group_by(v.c.record_id)
        .subquery(f"agg_{stage}")
    )
    res = (
        sa.select(res_t.c.record_id.label("rid"), res_t.c.decision, res_t.c.reason)
        .where(res_t.c.stage == stage, res_t.c.current == sa.true())
        .subquery(f"res_{stage}")
    )
    joins = [(agg, agg.c.rid == records.c.id), (res, res.c.rid == records.c.id)]
    two = agg.c.n >= VOTES_NEEDED
    all_in = sa.and_(two, agg.c.inc == agg.c.n)
    all_out = sa.and_(two, agg.c.exc == agg.c.n)
    one_reason = agg.c.reasons == 1
    resolved = res.c.rid.is_not(None)
    cases = [(resolved, res.c.decision), (all_in, "include")]
    if stage == "full_text":  # different exclusion reasons at full text are a conflict
        cases.append((sa.and_(all_out, one_reason), "exclude"))
    else:
        cases.append((all_out, "exclude"))
    cases.append((two, "conflict"))
    status = sa.case(*cases, else_="pending")
    reason = sa.case(
        (resolved, sa.case((res.c.decision == "exclude", res.c.reason), else_="")),
        (sa.and_(all_out, one_reason), agg.c.reason),
        else_="",
    )
    how = sa.case(
        (resolved, "resolution"),
        (all_in, "agreement"),
        (sa.and_(all_out, one_reason) if stage == "full_text" else all_out, "agreement"),
        else_="",
    )
    if stage == "full_text":
        not_retrieved = (
            sa.select(ft_t.c.record_id.label("rid"))
            .where(ft_t.c.current == sa.true(), ft_t.c.kind == "not_retrieved")
            .subquery("not_retrieved")
        )
        joins.append((not_retrieved, not_retrieved.c.rid == records.c.id))
        outside = ta_status != "include"
        gone = not_retrieved.c.rid.is_not(None)
        status = sa.case((outside, ""), (gone, "not_retrieved"), else_=status)
        reason = sa.case((sa.or_(outside, gone), ""), else_=reason)
        how = sa.case((sa.or_(outside, gone), ""), else_=how)
    return (status, reason, how), joins


def _table() -> sa.Subquery:
    """Every record left after deduplication with both stages' status (one query)."""
    (ta, ta_reason, ta_how), ta_joins = _stage_columns("title_abstract")
    (ft, ft_reason, ft_how), ft_joins = _stage_columns("full_text", ta)
    source: sa.FromClause = records.join(imports_t, imports_t.c.id == records.c.import_id)
    for table, on in ta_joins + ft_joins:
        source = source.outerjoin(table, on)
    return (
        sa.select(
            records.c.id, records.c.title, records.c.year, records.c.pmid, records.c.doi,
            _database(records, imports_t).label("source_database"), records.c.import_id,
            ta.label("ta"), ta_reason.label("ta_reason"), ta_how.label("ta_how"),
            ft.label("ft"), ft_reason.label("ft_reason"), ft_how.label("ft_how"),
        )
        .select_from(source)
        .where(~_removed(records.c.id))
        .subquery("library")
    )


def _member_database(t: sa.Subquery, value: str) -> sa.ColumnElement[bool]:
    """The record or one of its removed duplicates came from the database ``value``."""
    other, imp = records.alias("member"), imports_t.alias("member_import")
    return sa.or_(
        t.c.source_database == value,
        sa.exists(
            sa.select(dm.c.record_id)
            .select_from(dm.join(other, other.c.id == dm.c.record_id).join(imp, imp.c.id == other.c.import_id))
            .where(dm.c.kept_id == t.c.id, _database(other, imp) == value)
        ),
    )


def _member_import(t: sa.Subquery, import_id: int) -> sa.ColumnElement[bool]:
    """The record or one of its removed duplicates came in with import ``import_id``."""
    other = records.alias("member")
    return sa.or_(
        t.c.import_id == import_id,
        sa.exists(
            sa.select(dm.c.record_id)
            .select_from(dm.join(other, other.c.id == dm.c.record_id))
            .where(dm.c.kept_id == t.c.id, other.c.import_id == import_id)
        ),
    )


def _where(t: sa.Subquery, f: LibraryFilters) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    stages = [("ta", "ta_reason"), ("ft", "ft_reason")]
    if f.stage:
        stages = [stages[0] if check_stage(f.stage) == "title_abstract" else stages[1]]
    if f.decision:
        if f.decision not in STATUSES:
            raise ScreeningError(f"unknown decision {f.decision!r}: use one of {', '.join(STATUSES)}")
        where.append(sa.or_(*[getattr(t.c, s) == f.decision for s, _ in stages]))
    if f.reason and f.reason.strip():
        reason = " ".join(f.reason.split()).lower()
        where.append(sa.or_(*[
            sa.and_(getattr(t.c, s) == "exclude", sa.func.lower(getattr(t.c, r)) == reason) for s, r in stages
        ]))
    if f.database and f.database.strip():
        where.append(_member_database(t, f.database.strip()))
    if f.import_id is not None:
        where.append(_member_import(t, int(f.import_id)))
    if f.label and f.label.strip():
        label = " ".join(f.label.split()).lower()
        where.append(sa.exists(
            sa.select(labels_t.c.id).where(
                labels_t.c.record_id == t.c.id, labels_t.c.current == sa.true(),
                labels_t.c.action == "add", sa.func.lower(labels_t.c.label) == label,
            )
        ))
    text = " ".join((f.text or "").split())
    if text:
        matches = [t.c.title.icontains(text, autoescape=True), t.c.doi == text.lower()]
        if text.isdigit():
            matches += [t.c.pmid == text, t.c.id == int(text)]
        where.append(sa.or_(*matches))
    return where


def _clusters(conn: sa.Connection, rows: Sequence) -> dict[int, tuple[list[str], list[int], list[int]]]:
    """kept id -> (databases, import ids, duplicate ids) over the cluster, kept record first."""
    out = {int(r.id): ([r.source_database] if r.source_database else [], [int(r.import_id)], []) for r in rows}
    query = (
        sa.select(dm.c.kept_id, dm.c.record_id, _database(records, imports_t).label("source_database"),
                  records.c.import_id)
        .select_from(dm.join(records, records.c.id == dm.c.record_id).join(imports_t, imports_t.c.id == records.c.import_id))
        .where(dm.c.record_id != dm.c.kept_id)
        .order_by(dm.c.record_id)
    )
    # a page: its clusters by id; many rows (an export): every duplicate in one read
    parts = _restricted(query, dm.c.kept_id, list(out)) if len(out) <= WHOLE_READ else [query]
    for part in parts:
        for m in conn.execute(part):
            if int(m.kept_id) not in out:
                continue
            dbs, imps, dups = out[int(m.kept_id)]
            if m.source_database and m.source_database not in dbs:
                dbs.append(m.source_database)
            if int(m.import_id) not in imps:
                imps.append(int(m.import_id))
            dups.append(int(m.record_id))
    return out


def records_library(
    conn: sa.Connection,
    viewer: str,
    filters: LibraryFilters | None = None,
    limit: int | None = PAGE_SIZE,
    offset: int = 0,
) -> LibraryPage:
    """The records matching ``filters``, by record id, ``limit`` of them (None: all) from
    ``offset`` on, with how many match. Only a lead (``viewer``) may read it."""
    require_lead(conn, viewer)
    filters = filters or LibraryFilters()
    if limit is not None and not 1 <= int(limit) <= MAX_PAGE:
        raise ScreeningError(f"a page holds 1 to {MAX_PAGE} records, not {limit}")
    if int(offset) < 0:
        raise ScreeningError(f"the offset must be 0 or more, not {offset}")
    t = _table()
    where = _where(t, filters)
    # the page and the number of matching records in one pass (a window count)
    query = sa.select(t, sa.func.count().over().label("total")).where(*where).order_by(t.c.id).offset(int(offset))
    if limit is not None:
        query = query.limit(int(limit))
    found = conn.execute(query).all()
    if found:
        total = int(found[0].total)
    else:  # past the last page (or nothing matches): count on its own
        total = conn.execute(sa.select(sa.func.count()).select_from(t).where(*where)).scalar_one()
    clusters = _clusters(conn, found)
    labels = labels_on(conn, viewer, [int(r.id) for r in found])
    rows = [
        LibraryRow(
            int(rid), title or "", year, pmid or "", doi or "", *clusters[int(rid)],
            StageStatus(ta or "", ta_reason or "", ta_how or ""),
            StageStatus(ft or "", ft_reason or "", ft_how or ""),
            labels.get(int(rid), []),
        )
        for rid, title, year, pmid, doi, _db, _imp, ta, ta_reason, ta_how, ft, ft_reason, ft_how, _n in found
    ]
    return LibraryPage(rows, int(total), None if limit is None else int(limit), int(offset))


@dataclass(frozen=True)
class LibraryFacets:
    """The values the filters offer: what the store holds now."""

    databases: list[str]
    imports: list[tuple[int, str]]  # (import id, "#id database (file)")
    reasons: list[str]
    labels: list[str]


def library_facets(conn: sa.Connection, viewer: str) -> LibraryFacets:
    require_lead(conn, viewer)
    databases = sorted(
        d for d in conn.execute(sa.select(_database(records, imports_t)).select_from(records.join(imports_t, imports_t.c.id == records.c.import_id)).distinct()).scalars() if d
    )
    imports = [
        (int(r.id), f"#{r.id} {r.database}" + (f" ({r.file_name})" if r.file_name else ""))
        for r in conn.execute(
            sa.select(imports_t.c.id, imports_t.c.database, imports_t.c.file_name).order_by(imports_t.c.id)
        )
    ]
    reasons = set()
    for table in (votes_t, res_t):
        reasons |= set(conn.execute(
            sa.select(table.c.reason).distinct().where(table.c.decision == "exclude", table.c.reason != "")
        ).scalars())
    labels: dict[str, str] = {}
    for name in conn.execute(
        sa.select(labels_t.c.label).distinct().where(labels_t.c.current == sa.true(), labels_t.c.action == "add")
    ).scalars():
        labels.setdefault(name.lower(), name)
    return LibraryFacets(databases, imports, sorted(reasons, key=str.lower), sorted(labels.values(), key=str.lower))


def library_csv(page: LibraryPage) -> str:
    """The rows of ``page`` as CSV (columns ``CSV_COLUMNS``; lists joined with "; ")."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in page.rows:
        writer.writerow([
            r.record_id, r.pmid, r.doi, "" if r.year is None else r.year, r.title,
            "; ".join(r.databases), "; ".join(str(i) for i in r.imports), "; ".join(str(i) for i in r.duplicates),
            r.title_abstract.status, r.title_abstract.reason, r.title_abstract.how,
            r.full_text.status, r.full_text.reason, r.full_text.how,
            "; ".join(f"{x.label} ({x.reviewer})" for x in r.labels),
        ])
    return buf.getvalue()

