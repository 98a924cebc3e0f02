"""Who may edit the search strategy in the app: the lead, and each reviewer the lead allows.

The right is kept per reviewer in ``strategy_editors``; granting (``allow_strategy``) and
withdrawing it (``disallow_strategy``) are events (``strategy.allow`` / ``strategy.disallow``),
so the log says who allowed whom and when. A lead always may; a revoked reviewer never may
(their grant stays stored, so re-adding them with a new sign-in link keeps it, and the Team
page shows it). ``require_strategy_editor`` is the check the write path runs (the app's
Save, inside the save's transaction) and the Strategy page runs before showing anything.
"""

from __future__ import annotations

import sqlalchemy as sa

from review.screening.model import NotAllowedError, ScreeningError
from review.screening.reviewers import get_reviewer
from review.store.api import log_event, now_iso
from review.store.schema import strategy_editors as t
from review.store.transaction import write_retrying

__all__ = ["may_edit_strategy", "require_strategy_editor", "strategy_editors", "allow_strategy",
           "disallow_strategy"]


def strategy_editors(conn: sa.Connection) -> set[str]:
    """The reviewers granted the right (leads are not listed: they always have it)."""
    return set(conn.execute(sa.select(t.c.name)).scalars())


def may_edit_strategy(conn: sa.Connection, name: str) -> bool:
    """True for an active lead and for an active reviewer the lead allowed."""
    who = get_reviewer(conn, name)
    if who is None or not who.active:
        return False
    if who.role == "lead":
        return True
    return conn.execute(sa.select(t.c.name).where(t.c.name == name)).first() is not None


def require_strategy_editor(conn: sa.Connection, name: str) -> None:
    """NotAllowedError (saying how to get the right) unless ``name`` may edit the strategy."""
    if not may_edit_strategy(conn, name):
        raise NotAllowedError(
            f"{name!r} may not edit the search strategy: the lead allows a reviewer on the Team page "
            f"or with 'review reviewers allow-strategy {name}'")


def _check_grantor(conn: sa.Connection, by: str | None) -> None:
    if by is None:  # the command line: whoever holds the project's files
        return
    who = get_reviewer(conn, by)
    if who is None or not who.active or who.role != "lead":
        raise NotAllowedError(f"{by!r} may not change who edits the search strategy: only a lead may")


def _reviewer_to_change(conn: sa.Connection, name: str):
    name = (name or "").strip()
    who = get_reviewer(conn, name)
    if who is None:
        raise ScreeningError(f"no reviewer named {name!r} (see 'review reviewers list')")
    if who.role == "lead":
        raise ScreeningError(f"{name!r} is a lead: a lead always may edit the search strategy")
    return who


def allow_strategy(engine: sa.Engine, name: str, *, by: str | None = None) -> None:
    """Let reviewer ``name`` edit the search strategy. ``by``: the lead granting it in the app
    (checked to be an active lead in the same transaction); None from the command line."""

    def work(conn: sa.Connection) -> None:
        _check_grantor(conn, by)
        who = _reviewer_to_change(conn, name)
        if not who.active:
            raise ScreeningError(f"reviewer {who.name!r} has been revoked; add them again first")
        if conn.execute(sa.select(t.c.name).where(t.c.name == who.name)).first() is not None:
            raise ScreeningError(f"{who.name!r} may edit the search strategy already")
        conn.execute(sa.insert(t).values(name=who.name, granted_at=now_iso(), granted_by=by or ""))
        log_event(conn, "strategy.allow", who.name, {"by": by or ""}, actor=by or "")

    write_retrying(engine, work)


def disallow_strategy(engine: sa.Engine, name: str, *, by: str | None = None) -> None:
    """Withdraw reviewer ``name``'s right to edit the search strategy (their saved versions stay)."""

    def work(conn: sa.Connection) -> None:
        _check_grantor(conn, by)
        who = _reviewer_to_change(conn, name)
        row = conn.execute(sa.select(t).where(t.c.name == who.name)).first()
        if row is None:
            raise ScreeningError(f"{who.name!r} may not edit the search strategy (nothing to withdraw)")
        conn.execute(sa.delete(t).where(t.c.name == who.name))
        log_event(conn, "strategy.disallow", who.name,
                  {"by": by or "", "granted_at": row.granted_at, "granted_by": row.granted_by}, actor=by or "")

    write_retrying(engine, work)
