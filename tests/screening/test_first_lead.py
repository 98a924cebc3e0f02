"""The first start of ``review screen`` on a project without a lead creates one."""

from __future__ import annotations

import pytest

import review.screening as rules
from review.screening import first_lead
from review.screening.model import ScreeningError
from review.store import open_store


@pytest.fixture
def engine(project):
    eng = open_store(project.database_url)
    yield eng
    eng.dispose()


def test_first_start_creates_the_lead_once(engine):
    created = first_lead.ensure_lead(engine, "maria")
    assert created is not None and created[0] == "maria"
    with engine.connect() as conn:
        signed = rules.authenticate(conn, created[1])
    assert (signed.name, signed.role) == ("maria", "lead")
    assert first_lead.ensure_lead(engine, "maria") is None  # later starts: nothing new, no token
    assert first_lead.ensure_lead(engine, "someone-else") is None


def test_default_name_is_the_login_name(engine, monkeypatch):
    monkeypatch.setattr(first_lead.getpass, "getuser", lambda: "jdoe")
    assert first_lead.ensure_lead(engine)[0] == "jdoe"


def test_an_unusable_login_name_falls_back(monkeypatch):
    monkeypatch.setattr(first_lead.getpass, "getuser", lambda: "a/b\\c")
    assert first_lead.default_lead_name() == "lead"


def test_reviewers_but_no_lead_still_gets_a_lead(engine):
    rules.add_reviewer(engine, "alice", "reviewer")
    assert first_lead.ensure_lead(engine, "carol")[0] == "carol"


def test_a_reviewer_name_is_not_taken_over(engine):
    token = rules.add_reviewer(engine, "alice", "reviewer")
    with pytest.raises(ScreeningError, match="is a reviewer already"):
        first_lead.ensure_lead(engine, "alice")
    with engine.connect() as conn:
        assert rules.authenticate(conn, token).role == "reviewer"


def test_team_lists_who_is_signed_in(engine):
    from review.screening import sessions

    rules.add_reviewer(engine, "alice", "reviewer")
    rules.add_reviewer(engine, "bob", "reviewer")
    sessions.start_session(engine, "alice")
    rules.revoke_reviewer(engine, "bob")
    with engine.connect() as conn:
        rows = {r["name"]: r for r in first_lead.team(conn)}
    assert rows["alice"]["signed_in"] and rows["alice"]["active"]
    assert not rows["bob"]["active"] and rows["bob"]["revoked"] and not rows["bob"]["signed_in"]
