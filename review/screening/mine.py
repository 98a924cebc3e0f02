"""My decisions: one reviewer's own current votes, filtered and paged, and changing one.

Blinding: everything here reads ``reviewer``'s own vote rows and the record's bibliographic
columns, nothing else: never a partner's vote, never whether the record is in conflict or
decided. Changing a vote is ``cast_vote`` again (a new row that supersedes the old one, an
``events`` row with ``supersedes``); what that does to the record's outcome is the dual-review
rules' business, unchanged:

- a record both reviewers agreed on becomes a conflict when one of them changes their vote
  (and a conflict whose votes come to agree is decided by that agreement);
- a resolved record stays as the resolution decided (a resolution always wins over the
  votes); the lead sees the changed vote beside the resolution (``resolved_conflicts``) and
  may reopen it;
- a record finally included at title/abstract leaves the full-text stage when a changed
  title/abstract vote turns it into a conflict, and comes back once it is included again
  (its full-text votes are kept meanwhile).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from review.screening.criteria import Criteria
from review.screening.model import ScreeningError, Vote, check_decision, check_stage
from review.screening._rows import vote_from_row
from review.screening.votes import cast_vote_in
from review.store.schema import records
from review.store.schema import screening_votes as votes_t
from review.store.transaction import write_retrying

PAGE_SIZE = 50
MAX_PAGE = 1000


@dataclass(frozen=True)
class MyDecision:
    """One of my current votes and what names its record (nothing about anyone else)."""

    vote: Vote
    title: str
    year: int | None
    pmid: str
    doi: str


@dataclass(frozen=True)
class MyDecisionsPage:
    items: list[MyDecision]
    total: int  # votes matching the filters (every page)
    limit: int
    offset: int


def _like_text(text: str) -> str:
    return " ".join((text or "").split())


def _filters(reviewer: str, stage: str | None, decision: str | None, text: str | None) -> list:
    where = [votes_t.c.reviewer == reviewer, votes_t.c.current == sa.true()]
    if stage:
        where.append(votes_t.c.stage == check_stage(stage))
    if decision:
        where.append(votes_t.c.decision == check_decision(decision))
    text = _like_text(text or "")
    if text:
        matches = [records.c.title.icontains(text, autoescape=True), records.c.doi == text.lower()]
        if text.isdigit():
            matches += [records.c.pmid == text, records.c.id == int(text)]
        where.append(sa.or_(*matches))
    return where


def my_decisions(
    conn: sa.Connection,
    reviewer: str,
    stage: str | None = None,
    decision: str | None = None,
    text: str | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> MyDecisionsPage:
    """``reviewer``'s own current votes, newest first: at ``stage`` (default both), with
    ``decision`` (include|exclude|maybe), whose title holds ``text`` (any case; a DOI, PMID
    or record id matches exactly), ``limit`` of them from ``offset`` on, and how many match.

    Two indexed queries (the page, the count), so it stays quick with thousands of votes.
    """
    limit, offset = int(limit), int(offset)
    if not 1 <= limit <= MAX_PAGE:
        raise ScreeningError(f"a page holds 1 to {MAX_PAGE} votes, not {limit}")
    if offset < 0:
        raise ScreeningError(f"the offset must be 0 or more, not {offset}")
    where = _filters(reviewer, stage, decision, text)
    # the page's vote ids first (the records table joined only when searching), then their rows
    source = votes_t.join(records, records.c.id == votes_t.c.record_id) if text and text.strip() else votes_t
    total = conn.execute(sa.select(sa.func.count()).select_from(source).where(*where)).scalar_one()
    page = (
        sa.select(votes_t.c.id.label("vid")).select_from(source).where(*where)
        .order_by(votes_t.c.id.desc()).limit(limit).offset(offset).subquery()
    )
    rows = conn.execute(
        sa.select(votes_t, records.c.title, records.c.year, records.c.pmid, records.c.doi)
        .select_from(page.join(votes_t, votes_t.c.id == page.c.vid).join(records, records.c.id == votes_t.c.record_id))
        .order_by(votes_t.c.id.desc())
    ).all()
    items = [MyDecision(vote_from_row(r), r.title or "", r.year, r.pmid or "", r.doi or "") for r in rows]
    return MyDecisionsPage(items, int(total), limit, offset)


def change_vote(
    engine: sa.Engine,
    reviewer: str,
    record_id: int,
    stage: str,
    decision: str,
    reason: str = "",
    note: str = "",
    criteria: Criteria | None = None,
    *,
    source: str = "app",
) -> Vote:
    """Change ``reviewer``'s own earlier vote on a record: a new vote row superseding it (the
    same path, checks and event as ``cast_vote``). Only a record they have a current vote on
    at ``stage`` can be changed here; a record they have not screened yet is screened on the
    Screen page (or imported with ``review decisions import``)."""
    check_stage(stage)
    check_decision(decision)
    record_id = int(record_id)

    def work(conn: sa.Connection) -> Vote:
        mine = conn.execute(
            sa.select(votes_t.c.id).where(
                votes_t.c.reviewer == reviewer,
                votes_t.c.stage == stage,
                votes_t.c.record_id == record_id,
                votes_t.c.current == sa.true(),
            )
        ).first()
        if mine is None:
            raise ScreeningError(
                f"{reviewer!r} has no vote on record {record_id} at {stage} to change; "
                "screen it on the Screen page first"
            )
        return cast_vote_in(conn, reviewer, record_id, stage, decision, reason, note, criteria, source=source)

    return write_retrying(engine, work)
