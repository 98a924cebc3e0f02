"""The project's first lead: ``review screen`` on a project with no lead creates one.

A fresh ``review init`` project has no reviewers, and the browser app shows nothing before a
sign-in, so the first start of the app makes its lead (the name from ``--lead``, by default the
login name) and hands back the sign-in token once. A project that has an active lead is left
exactly as it is, so a later start creates nothing and has nothing secret to print.
"""

from __future__ import annotations

import getpass

import sqlalchemy as sa

from review.screening.model import ScreeningError
from review.screening.reviewers import NAME_RE, add_reviewer, list_reviewers

FALLBACK_NAME = "lead"


def default_lead_name() -> str:
    """The login name when it is a valid reviewer name, else ``lead``."""
    try:
        name = getpass.getuser().strip()
    except (OSError, KeyError):  # no login name (a container without a passwd entry)
        return FALLBACK_NAME
    return name if NAME_RE.match(name) else FALLBACK_NAME


def active_leads(conn: sa.Connection) -> list[str]:
    return [r.name for r in list_reviewers(conn) if r.role == "lead" and r.active]


def ensure_lead(engine: sa.Engine, name: str | None = None) -> tuple[str, str] | None:
    """Create the lead ``name`` (default: the login name) when the store has no active lead.

    Returns ``(name, token)`` for a lead created now (the only time its token is known), or
    None when the project has a lead already. A name held by an active reviewer is refused
    with a ``ScreeningError`` (promoting a reviewer is ``review reviewers revoke`` then
    ``add --role lead``), so nobody's token is replaced behind their back.
    """
    with engine.connect() as conn:
        if active_leads(conn):
            return None
        wanted = name or default_lead_name()
        holder = next((r for r in list_reviewers(conn) if r.name == wanted.strip()), None)
    if holder is not None and holder.active:
        raise ScreeningError(
            f"the project has no lead yet and {wanted!r} is a reviewer already; start with "
            "--lead ANOTHER-NAME, or make them lead: review reviewers revoke "
            f"{wanted} && review reviewers add {wanted} --role lead"
        )
    token = add_reviewer(engine, wanted, "lead")
    return wanted.strip(), token


def team(conn: sa.Connection, *, now: str | None = None) -> list[dict]:
    """Everyone registered, for the lead's Team page: name, role, active (not revoked), added,
    revoked, signed in now (an open, unexpired session with the current token) and the time
    of their last vote. Counts and times only; nobody's votes."""
    from datetime import datetime, timezone

    from review.store.schema import screening_reviewers as rt
    from review.store.schema import screening_sessions as st
    from review.store.schema import screening_votes as vt

    stamp = now or datetime.now(timezone.utc).isoformat(timespec="microseconds")  # as sessions store it
    open_sessions = dict(conn.execute(
        sa.select(st.c.reviewer, sa.func.count())
        .join(rt, sa.and_(rt.c.name == st.c.reviewer, rt.c.token_hash == st.c.token_hash))
        .where(st.c.ended_at.is_(None), st.c.expires_at > stamp, rt.c.revoked_at.is_(None))
        .group_by(st.c.reviewer)
    ).all())
    last_vote = dict(conn.execute(sa.select(vt.c.reviewer, sa.func.max(vt.c.at)).group_by(vt.c.reviewer)).all())
    return [
        {"name": r.name, "role": r.role, "active": r.revoked_at is None, "added": r.created_at,
         "revoked": r.revoked_at or "", "signed_in": bool(open_sessions.get(r.name)),
         "last_vote": last_vote.get(r.name) or ""}
        for r in conn.execute(sa.select(rt).order_by(rt.c.name))
    ]
