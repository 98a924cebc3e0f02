"""Sign-in sessions for the screening app: a signed-in browser survives a refresh.

A reviewer signs in once with their token; ``start_session`` returns a new random session
id (32 bytes, URL-safe) that the browser keeps (the app stores it in a cookie). Only its
sha256 is stored, with the reviewer's token hash at sign-in, so a session stops working as
soon as it is ended (sign out), it expires (``screening.session_hours``, default 12), or the
reviewer's token is revoked or re-issued. The plain token is never kept by the app.

Every write the app makes is checked against its session inside the write's own
transaction: ``session_guard(session_id)`` is the check the app installs as the store's
write guard (``review.store.write_guard``), so a vote, undo, resolution, attachment,
extraction value or duplicate decision from a tab whose session has ended, expired or been
revoked raises ``SessionEndedError`` and stores nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from review.screening.model import NotAllowedError, Reviewer, ScreeningError, SessionEndedError
from review.store.api import log_event
from review.store.schema import screening_reviewers as reviewers_t
from review.store.schema import screening_sessions as t
from review.store.transaction import Guard, write_guard, write_retrying

SIGN_IN_AGAIN = "your sign-in has ended (signed out, expired or revoked): nothing was stored; sign in again"

DEFAULT_HOURS = 12.0
SESSION_ID_BYTES = 32


def _stamp(moment: datetime) -> str:
    """UTC, microseconds, one fixed format: these strings sort as the moments do."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start_session(
    engine: sa.Engine, reviewer: Reviewer | str, hours: float = DEFAULT_HOURS, *, now: datetime | None = None
) -> str:
    """Start a session for the active ``reviewer``; return the new session id (shown once)."""
    name = reviewer.name if isinstance(reviewer, Reviewer) else str(reviewer)
    if not hours > 0:
        raise ScreeningError(f"a session must last more than 0 hours, not {hours!r}")
    session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
    start = now or _now()

    def work(conn: sa.Connection) -> str:
        row = conn.execute(sa.select(reviewers_t).where(reviewers_t.c.name == name)).first()
        if row is None:
            raise NotAllowedError(f"no reviewer named {name!r}")
        if row.revoked_at is not None:
            raise NotAllowedError(f"reviewer {name!r} has been revoked")
        conn.execute(
            sa.insert(t).values(
                id=_key(session_id), reviewer=name, token_hash=row.token_hash,
                created_at=_stamp(start), expires_at=_stamp(start + timedelta(hours=hours)),
            )
        )
        log_event(conn, "session.start", name, {"hours": hours}, actor=name)
        return session_id

    with write_guard(None):  # signing in is the one write made without a session
        return write_retrying(engine, work)


def reviewer_for_session(conn: sa.Connection, session_id: str | None, *, now: datetime | None = None) -> Reviewer | None:
    """The reviewer signed in by ``session_id``; None when it is unknown, ended, expired,
    or the reviewer's token has been revoked or re-issued since."""
    if not session_id or not isinstance(session_id, str) or len(session_id) > 200:
        return None
    row = conn.execute(
        sa.select(t.c.expires_at, t.c.ended_at, t.c.token_hash.label("session_token"),
                  reviewers_t.c.name, reviewers_t.c.role, reviewers_t.c.token_hash, reviewers_t.c.revoked_at)
        .join(reviewers_t, reviewers_t.c.name == t.c.reviewer)
        .where(t.c.id == _key(session_id))
    ).first()
    if row is None or row.ended_at is not None or row.revoked_at is not None:
        return None
    if row.session_token != row.token_hash or row.expires_at <= _stamp(now or _now()):
        return None
    return Reviewer(name=row.name, role=row.role, active=True)


def end_session(engine: sa.Engine, session_id: str | None) -> bool:
    """End the session (sign out). Returns whether an open session was ended."""
    if not session_id or not isinstance(session_id, str):
        return False

    def work(conn: sa.Connection) -> bool:
        row = conn.execute(sa.select(t).where(t.c.id == _key(session_id))).first()
        if row is None or row.ended_at is not None:
            return False
        conn.execute(sa.update(t).where(t.c.id == row.id).values(ended_at=_stamp(_now())))
        log_event(conn, "session.end", row.reviewer, {}, actor=row.reviewer)
        return True

    with write_guard(None):  # signing out of a dead session is harmless
        return write_retrying(engine, work)


def require_live(conn: sa.Connection, session_id: str | None, *, now: datetime | None = None) -> Reviewer:
    """The reviewer of the live session ``session_id``, inside the caller's transaction; the
    session row is read with a share lock (PostgreSQL), so a sign-out waits for the write
    in progress and no write can follow it. ``SessionEndedError`` when it is not live."""
    if session_id and isinstance(session_id, str) and len(session_id) <= 200:
        conn.execute(sa.select(t.c.id).where(t.c.id == _key(session_id)).with_for_update(read=True)).first()
    found = reviewer_for_session(conn, session_id, now=now)
    if found is None:
        raise SessionEndedError(SIGN_IN_AGAIN)
    return found


def session_guard(session_id: str | None) -> Guard:
    """The write guard of an app session: every write transaction first checks that
    ``session_id`` is still live (None: not signed in, every write is refused)."""

    def guard(conn: sa.Connection) -> None:
        require_live(conn, session_id)

    return guard


def log_failed_signin(engine: sa.Engine, address: str, reason: str, *, now: datetime | None = None) -> None:
    """Keep a failed sign-in in the events: when, from which address, what was wrong (the
    reviewer is unknown; the token tried is never kept)."""

    def work(conn: sa.Connection) -> None:
        log_event(conn, "signin.failed", str(address)[:100],
                  {"address": str(address)[:100], "reason": reason, "at": _stamp(now or _now())})

    with write_guard(None):
        write_retrying(engine, work)
