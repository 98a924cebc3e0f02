"""Every write from an app session is checked against that session inside the write's own
transaction: cast, undo, resolve, attach, extract and duplicate decisions after sign-out,
expiry or a revoked token raise SessionEndedError and store nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from screening_helpers import CRITERIA

import review.screening as rules
from review import extraction
from review.dedup import run as dedup_run
from review.screening.sessions import end_session, session_guard, start_session
from review.store import write_guard
from review.store.schema import events, screening_votes

TA = "title_abstract"


def _writes(engine, ids):
    """One call of every write the app makes, as alice (carol: the lead)."""
    form = extraction.form_from_config(extraction.default_form_config())
    field = form.fields[0]
    return {
        "cast": lambda: rules.cast_vote(engine, "alice", ids[0], TA, "include", criteria=CRITERIA),
        "undo": lambda: rules.undo_vote(engine, "alice", TA, ids[1]),
        "resolve": lambda: rules.resolve_conflict(engine, ids[2], TA, "include", by="carol", criteria=CRITERIA),
        "attach": lambda: rules.attach_link(engine, ids[3], "https://example.org/a.pdf", by="alice"),
        "extract": lambda: extraction.set_value(engine, form, ids[3], field.id, "Smith", "alice",
                                                require_included=False),
        "label": lambda: dedup_run.confirm(engine, f"{ids[4]}-{ids[5]}", by="carol"),
        "claim": lambda: rules.claim_next(engine, "alice", TA),
    }


def _count(engine, table):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize("how", ["signed out", "expired", "revoked", "never signed in"])
def test_every_write_needs_a_live_session(screening_store, how):
    engine, ids, _ = screening_store
    rules.cast_vote(engine, "alice", ids[1], TA, "include", criteria=CRITERIA)  # something to undo
    rules.cast_vote(engine, "alice", ids[2], TA, "include", criteria=CRITERIA)
    rules.cast_vote(engine, "bob", ids[2], TA, "exclude", criteria=CRITERIA)  # a conflict to resolve
    start = datetime.now(timezone.utc) - timedelta(hours=13) if how == "expired" else None
    sid = start_session(engine, "alice", hours=12, now=start)
    if how == "signed out":
        end_session(engine, sid)
    elif how == "revoked":
        rules.revoke_reviewer(engine, "alice")
    elif how == "never signed in":
        sid = None
    votes, logged = _count(engine, screening_votes), _count(engine, events)
    for name, write in _writes(engine, ids).items():
        with write_guard(session_guard(sid)), pytest.raises(rules.SessionEndedError, match="sign in again"):
            write()
    assert (_count(engine, screening_votes), _count(engine, events)) == (votes, logged), "something was stored"


def test_a_live_session_writes(screening_store):
    engine, ids, _ = screening_store
    rules.cast_vote(engine, "alice", ids[1], TA, "include", criteria=CRITERIA)
    rules.cast_vote(engine, "alice", ids[2], TA, "include", criteria=CRITERIA)
    rules.cast_vote(engine, "bob", ids[2], TA, "exclude", criteria=CRITERIA)
    for who in ("alice", "bob"):  # included: its full text may be attached
        rules.cast_vote(engine, who, ids[3], TA, "include", criteria=CRITERIA)
    sid = start_session(engine, "alice")
    with write_guard(session_guard(sid)):
        for write in _writes(engine, ids).values():
            write()
    with engine.connect() as conn:
        assert rules.my_vote_on(conn, "alice", ids[0], TA) is not None
        assert rules.my_vote_on(conn, "alice", ids[1], TA) is None
