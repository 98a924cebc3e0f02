"""Reviewers and their sign-in tokens. Only a token's sha256 is stored; the plain token is
returned once by ``add_reviewer`` and never again."""

from __future__ import annotations

import hashlib
import re
import secrets

import sqlalchemy as sa

from review.screening.model import ROLES, NotAllowedError, Reviewer, ScreeningError
from review.store.api import log_event, now_iso
from review.store.schema import screening_reviewers as t
from review.store.transaction import write_retrying

NAME_RE = re.compile(r"^[\w][\w .'@-]{0,99}$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not NAME_RE.match(name):
        raise ScreeningError(
            f"reviewer name {name!r} is not valid: use 1-100 letters, digits, spaces or . ' @ - _"
        )
    return name


def _row_to_reviewer(row) -> Reviewer:
    return Reviewer(name=row.name, role=row.role, active=row.revoked_at is None)


def add_reviewer(engine: sa.Engine, name: str, role: str = "reviewer") -> str:
    """Register ``name`` (or re-activate a revoked name) and return a new plain token."""
    name = check_name(name)
    if role not in ROLES:
        raise ScreeningError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    token = secrets.token_urlsafe(24)
    digest = hash_token(token)

    def work(conn: sa.Connection) -> str:
        row = conn.execute(sa.select(t).where(t.c.name == name)).first()
        if row is not None and row.revoked_at is None:
            raise ScreeningError(
                f"reviewer {name!r} exists already; revoke it first to issue a new token"
            )
        stamp = now_iso()
        if row is None:
            conn.execute(
                sa.insert(t).values(name=name, role=role, token_hash=digest, created_at=stamp)
            )
            log_event(conn, "reviewer.add", name, {"role": role}, actor=name)
        else:
            conn.execute(
                sa.update(t)
                .where(t.c.id == row.id)
                .values(role=role, token_hash=digest, revoked_at=None, created_at=stamp)
            )
            log_event(
                conn, "reviewer.add", name,
                {"role": role, "reissued": True, "previous_role": row.role,
                 "previous_created_at": row.created_at, "previous_revoked_at": row.revoked_at},
                actor=name,
            )
        return token

    return write_retrying(engine, work)


def list_reviewers(conn: sa.Connection) -> list[Reviewer]:
    rows = conn.execute(sa.select(t).order_by(t.c.name))
    return [_row_to_reviewer(r) for r in rows]


def get_reviewer(conn: sa.Connection, name: str) -> Reviewer | None:
    row = conn.execute(sa.select(t).where(t.c.name == name)).first()
    return _row_to_reviewer(row) if row else None


def revoke_reviewer(engine: sa.Engine, name: str) -> None:
    """Revoke ``name``'s token; their votes stay. Revoking twice is an error."""

    def work(conn: sa.Connection) -> None:
        row = conn.execute(sa.select(t).where(t.c.name == name)).first()
        if row is None:
            raise ScreeningError(f"no reviewer named {name!r}")
        if row.revoked_at is not None:
            raise ScreeningError(f"reviewer {name!r} was revoked already ({row.revoked_at})")
        conn.execute(sa.update(t).where(t.c.id == row.id).values(revoked_at=now_iso()))
        log_event(conn, "reviewer.revoke", name, {"role": row.role}, actor=name)

    write_retrying(engine, work)


def authenticate(conn: sa.Connection, token: str) -> Reviewer | None:
    """The active reviewer holding ``token``; None for an unknown or revoked token."""
    if not token or not isinstance(token, str):
        return None
    row = conn.execute(sa.select(t).where(t.c.token_hash == hash_token(token.strip()))).first()
    if row is None or row.revoked_at is not None:
        return None
    return _row_to_reviewer(row)


def require_active(conn: sa.Connection, name: str) -> Reviewer:
    """The active reviewer ``name``, else NotAllowedError."""
    who = get_reviewer(conn, name)
    if who is None:
        raise NotAllowedError(f"no reviewer named {name!r}: add one with 'review reviewers add {name}'")
    if not who.active:
        raise NotAllowedError(f"reviewer {name!r} has been revoked")
    return who
