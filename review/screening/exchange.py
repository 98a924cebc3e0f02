"""Decisions as data: export every current vote, import votes from CSV (pilots on paper,
scripted runs). CSV columns: ``reviewer,record,stage,decision,reason,note``; ``record`` is a
PMID, a DOI or a record id (``pmid:``, ``doi:`` or ``id:`` prefixes make it explicit).
An import is one transaction obeying the same rules as a vote in the app; any bad line
rejects the whole file, and every error names its CSV line."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import sqlalchemy as sa

from review.records import normalise_doi
from review.screening.criteria import Criteria
from review.screening.model import ScreeningError
from review.screening.settings import ScreeningSettings
from review.screening.votes import cast_vote_in
from review.store.api import log_event
from review.store.schema import dedup_membership as dm
from review.store.live import live_clause
from review.store.schema import records
from review.store.schema import screening_votes as votes_t
from review.store.transaction import write_retrying

COLUMNS = ("reviewer", "record", "stage", "decision", "reason", "note")
EXTRA_COLUMNS = ("record_id", "pmid", "doi", "title", "at")
MAX_ERRORS = 20


def _record_label(pmid: str, doi: str, record_id: int) -> str:
    return pmid or doi or str(record_id)


def export_decisions(conn: sa.Connection) -> list[dict]:
    """Every current vote (both stages) as rows: the six CSV columns plus record_id, pmid,
    doi, title and at. ``record`` is the PMID, else the DOI, else the record id."""
    query = (
        sa.select(votes_t, records.c.pmid, records.c.doi, records.c.title)
        .join(records, records.c.id == votes_t.c.record_id)
        .where(votes_t.c.current == sa.true())
        .order_by(
            sa.case((votes_t.c.stage == "title_abstract", 0), else_=1),
            votes_t.c.id,
        )
    )
    rows = []
    for r in conn.execute(query):
        rows.append(
            {
                "reviewer": r.reviewer,
                "record": _record_label(r.pmid or "", r.doi or "", int(r.record_id)),
                "stage": r.stage,
                "decision": r.decision,
                "reason": r.reason or "",
                "note": r.note or "",
                "record_id": int(r.record_id),
                "pmid": r.pmid or "",
                "doi": r.doi or "",
                "title": r.title or "",
                "at": r.at,
            }
        )
    return rows


def decisions_csv(rows: list[dict], *, extra: bool = False) -> str:
    """CSV text of ``export_decisions`` rows (the six columns; ``extra`` adds the rest)."""
    out = io.StringIO()
    columns = COLUMNS + (EXTRA_COLUMNS if extra else ())
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def _kept(conn: sa.Connection, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    mapped = dict(
        conn.execute(sa.select(dm.c.record_id, dm.c.kept_id).where(dm.c.record_id.in_(ids))).all()
    )
    return {int(mapped.get(i, i)) for i in ids}


def resolve_record(conn: sa.Connection, text: str) -> int:
    """The kept record id that ``text`` (PMID, DOI or record id) names; ScreeningError if none
    or if it is ambiguous."""
    raw = (text or "").strip()
    if not raw:
        raise ScreeningError("the record column is empty")
    low = raw.lower()
    kind = None
    for prefix in ("pmid:", "doi:", "id:"):
        if low.startswith(prefix):
            kind, raw = prefix[:-1], raw[len(prefix):].strip()
            break
    if kind is None:
        kind = "number" if raw.isdigit() else "doi"
    found: dict[str, set[int]] = {}
    if kind in ("pmid", "number"):
        if not raw.isdigit():
            raise ScreeningError(f"{text!r} is not a PMID (digits only)")
        ids = [int(i) for i in conn.execute(sa.select(records.c.id).where(records.c.pmid == raw, live_clause())).scalars()]
        if ids:
            found["PMID"] = _kept(conn, ids)
    if kind in ("id", "number"):
        if not raw.isdigit():
            raise ScreeningError(f"{text!r} is not a record id (digits only)")
        row = conn.execute(sa.select(records.c.id).where(records.c.id == int(raw))).first()
        if row is not None:
            found["record id"] = _kept(conn, [int(raw)])
    if kind == "doi":
        doi = normalise_doi(raw)
        if not doi or not re.match(r"^10\.\S+/\S+", doi):
            raise ScreeningError(f"{text!r} is neither a PMID, a DOI nor a record id")
        ids = [int(i) for i in conn.execute(sa.select(records.c.id).where(records.c.doi == doi, live_clause())).scalars()]
        if ids:
            found["DOI"] = _kept(conn, ids)
    if not found:
        raise ScreeningError(f"no record with {kind if kind != 'number' else 'PMID or record id'} {raw}")
    candidates = set().union(*found.values())
    if len(candidates) > 1:
        how = "; ".join(f"as {k}: record {', '.join(map(str, sorted(v)))}" for k, v in found.items())
        raise ScreeningError(
            f"{text!r} names more than one record ({how}); write pmid:{raw} or id:N, "
            "or run deduplication first"
        )
    return candidates.pop()


def read_decisions_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for every data row; ScreeningError naming the file on bad input."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScreeningError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScreeningError(f"{path}, line {line}: not UTF-8 text; save the CSV as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ScreeningError(f"{path}: the file is empty; expected the header {','.join(COLUMNS)}") from None
    except csv.Error as exc:
        raise ScreeningError(f"{path}, line 1: {exc}") from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ScreeningError(
            f"{path}, line 1: missing column(s) {', '.join(missing)}; the header must be "
            f"{','.join(COLUMNS)}"
        )
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        raise ScreeningError(f"{path}, line 1: column(s) {', '.join(dupes)} appear twice")
    out: list[tuple[int, dict[str, str]]] = []
    last = reader.line_num
    while True:
        start = last + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ScreeningError(f"{path}, line {start}: {exc}") from None
        last = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(names):
            raise ScreeningError(
                f"{path}, line {start}: {len(cells)} fields but the header has {len(names)} "
                "(quote fields holding commas)"
            )
        row = {n: (cells[i].strip() if i < len(cells) else "") for i, n in enumerate(names)}
        out.append((start, row))
    return out


def import_rows(
    conn: sa.Connection, rows: list[tuple[int, dict[str, str]]], criteria: Criteria, where: str,
    settings: ScreeningSettings | None = None,
) -> tuple[int, int]:
    """Apply rows in order inside ``conn``'s transaction; (rows applied, new votes stored).
    A row voting on a record that has its votes already (``settings.votes_per_record``) is
    a bad line like any other."""
    errors: list[str] = []
    applied = new = 0
    for line, row in rows:
        try:
            record_id = resolve_record(conn, row["record"])
            stage = row["stage"].strip().lower().replace("/", "_").replace("-", "_")
            decision = row["decision"].strip().lower()
            before = conn.execute(
                sa.select(sa.func.max(votes_t.c.id))
            ).scalar()
            vote = cast_vote_in(
                conn, row["reviewer"].strip(), record_id, stage, decision,
                row.get("reason", ""), row.get("note", ""), criteria, source="import", settings=settings,
            )
            applied += 1
            if before is None or vote.id > before:
                new += 1
        except ScreeningError as exc:
            errors.append(f"{where}, line {line}: {exc}")
            if len(errors) >= MAX_ERRORS:
                errors.append("(stopped after 20 errors)")
                break
    if errors:
        raise ScreeningError(
            "nothing was imported:\n  " + "\n  ".join(errors)
        )
    return applied, new


def import_decisions(
    engine: sa.Engine, path: Path, criteria: Criteria, settings: ScreeningSettings | None = None
) -> int:
    """Import votes from a CSV in one transaction; return the number of rows imported.

    Rows are applied in file order with the app's rules (a full-text row may follow the
    title/abstract rows that include its record). Re-importing the same rows stores nothing
    new. On any bad line nothing is stored and the error names every bad line. ``settings``:
    the project's ``screening:`` settings (votes per record, pilot round). A vote on a pilot
    record freezes the pilot set in the same transaction, as a vote in the app does (the vote
    path: ``votes.cast_vote_in``).
    """
    path = Path(path)
    rows = read_decisions_csv(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    def work(conn: sa.Connection) -> int:
        applied, new = import_rows(conn, rows, criteria, str(path), settings)
        log_event(
            conn, "decisions.import", path.name,
            {"file": str(path), "sha256": digest, "rows": applied, "new_votes": new,
             "criteria_version": criteria.version},
        )
        return applied

    return write_retrying(engine, work)
