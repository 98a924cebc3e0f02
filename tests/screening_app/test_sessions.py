"""Sign-in sessions: start, look up, end, expire, and stop at once when a token is revoked."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

import review.screening as rules
from review.screening.model import NotAllowedError, ScreeningError
from review.screening.sessions import end_session, reviewer_for_session, start_session
from review.screening.settings import screening_settings
from review.store.schema import screening_sessions


def test_a_session_signs_in_its_reviewer_until_it_ends(store_engine):
    rules.add_reviewer(store_engine, "alice")
    sid = start_session(store_engine, "alice")
    assert len(sid) >= 43 and sid == sid.strip()
    with store_engine.connect() as conn:
        who = reviewer_for_session(conn, sid)
        assert (who.name, who.role, who.active) == ("alice", "reviewer", True)
        assert reviewer_for_session(conn, sid + "x") is None
        assert reviewer_for_session(conn, "") is None and reviewer_for_session(conn, None) is None
        # only a hash of the session id is stored
        stored = conn.execute(sa.select(screening_sessions.c.id)).scalars().all()
        assert stored and sid not in stored
    assert end_session(store_engine, sid) is True
    assert end_session(store_engine, sid) is False
    with store_engine.connect() as conn:
        assert reviewer_for_session(conn, sid) is None


def test_sessions_expire(store_engine):
    rules.add_reviewer(store_engine, "bob", "lead")
    start = datetime(2026, 1, 1, 8, 0, tzinfo=timezone.utc)
    sid = start_session(store_engine, "bob", hours=12, now=start)
    with store_engine.connect() as conn:
        assert reviewer_for_session(conn, sid, now=start + timedelta(hours=11, minutes=59)).role == "lead"
        assert reviewer_for_session(conn, sid, now=start + timedelta(hours=12)) is None
    with pytest.raises(ScreeningError, match="more than 0 hours"):
        start_session(store_engine, "bob", hours=0)


def test_revoking_or_reissuing_a_token_ends_its_sessions(store_engine):
    rules.add_reviewer(store_engine, "carol")
    sid = start_session(store_engine, "carol")
    other = start_session(store_engine, "carol")
    rules.revoke_reviewer(store_engine, "carol")
    with store_engine.connect() as conn:
        assert reviewer_for_session(conn, sid) is None
    with pytest.raises(NotAllowedError, match="revoked"):
        start_session(store_engine, "carol")
    rules.add_reviewer(store_engine, "carol")  # a new token: the old sessions stay dead
    with store_engine.connect() as conn:
        assert reviewer_for_session(conn, sid) is None and reviewer_for_session(conn, other) is None
    with pytest.raises(NotAllowedError, match="no reviewer"):
        start_session(store_engine, "nobody")


def test_session_hours_setting():
    assert screening_settings({}).session_hours == 12
    assert screening_settings({"screening": {"session_hours": 0.5}}).session_hours == 0.5
    for bad in (0, -1, "soon", True, 10**6):
        with pytest.raises(ScreeningError, match="session_hours"):
            screening_settings({"screening": {"session_hours": bad}})
