"""Who may edit the search strategy: the lead, and the reviewers the lead allows; granting and
withdrawing are events; a save by a reviewer without the right is refused in its transaction."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from review.screening import add_reviewer, revoke_reviewer
from review.screening.model import NotAllowedError, ScreeningError
from review.store.schema import events
from review.strategy.editors import allow_strategy, disallow_strategy, may_edit_strategy, strategy_editors
from review.strategy.versions import list_versions, save_version

TEXT = "title: T\nblocks:\n  - name: a\n    fields: [ti, ab]\n    terms:\n      - text: mentor*\n"
OTHER = TEXT.replace("mentor*", "tutor*")


@pytest.fixture
def team(store_engine):
    add_reviewer(store_engine, "carol", "lead")
    add_reviewer(store_engine, "alice")
    add_reviewer(store_engine, "bob")
    return store_engine


def may(engine, name):
    with engine.connect() as conn:
        return may_edit_strategy(conn, name)


def strategy_events(engine):
    with engine.connect() as conn:
        rows = conn.execute(sa.select(events).where(events.c.kind.like("strategy.%allow")).order_by(events.c.id))
        return [(r.kind, r.subject, r.actor) for r in rows]


def test_the_lead_always_may_a_reviewer_only_once_allowed(team):
    assert may(team, "carol") and not may(team, "alice") and not may(team, "nobody")
    allow_strategy(team, "alice", by="carol")
    assert may(team, "alice") and not may(team, "bob")
    disallow_strategy(team, "alice", by="carol")
    assert not may(team, "alice")
    assert strategy_events(team) == [("strategy.allow", "alice", "carol"), ("strategy.disallow", "alice", "carol")]


def test_only_a_lead_grants_in_the_app(team):
    with pytest.raises(NotAllowedError, match="only a lead"):
        allow_strategy(team, "bob", by="alice")
    allow_strategy(team, "alice", by="carol")
    with pytest.raises(NotAllowedError, match="only a lead"):  # the right to edit is not the right to grant
        allow_strategy(team, "bob", by="alice")
    assert not may(team, "bob")


def test_refusals_name_what_is_wrong_and_change_nothing(team):
    with pytest.raises(ScreeningError, match="no reviewer named 'zed'"):
        allow_strategy(team, "zed")
    with pytest.raises(ScreeningError, match="is a lead"):
        allow_strategy(team, "carol")
    with pytest.raises(ScreeningError, match="nothing to withdraw"):
        disallow_strategy(team, "alice")
    allow_strategy(team, "alice")
    with pytest.raises(ScreeningError, match="already"):
        allow_strategy(team, "alice")
    revoke_reviewer(team, "bob")
    with pytest.raises(ScreeningError, match="revoked"):
        allow_strategy(team, "bob")
    assert strategy_events(team) == [("strategy.allow", "alice", "")]
    with team.connect() as conn:
        assert strategy_editors(conn) == {"alice"}


def test_a_revoked_reviewer_loses_the_use_of_the_right_and_keeps_it_when_added_again(team):
    allow_strategy(team, "alice")
    revoke_reviewer(team, "alice")
    assert not may(team, "alice")
    add_reviewer(team, "alice")
    assert may(team, "alice")


def test_a_save_by_a_reviewer_without_the_right_is_refused_and_stores_nothing(team, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(TEXT, encoding="utf-8")
    with pytest.raises(NotAllowedError, match="'alice' may not edit the search strategy"):
        save_version(team, "s.yaml", OTHER, editor="alice", path=path, file_was=TEXT)
    assert path.read_text(encoding="utf-8") == TEXT
    with team.connect() as conn:
        assert list_versions(conn, "s.yaml") == []


def test_an_allowed_reviewer_saves_and_is_the_versions_author(team, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(TEXT, encoding="utf-8")
    allow_strategy(team, "alice", by="carol")
    v1 = save_version(team, "s.yaml", OTHER, editor="alice", by="someone else", path=path, file_was=TEXT)
    assert (v1.version, v1.author) == (1, "alice")
    disallow_strategy(team, "alice", by="carol")
    with pytest.raises(NotAllowedError):
        save_version(team, "s.yaml", TEXT, editor="alice", based_on=1, path=path, file_was=OTHER)
    v2 = save_version(team, "s.yaml", TEXT, editor="carol", based_on=1, path=path, file_was=OTHER)
    with team.connect() as conn:
        assert [(v.version, v.author) for v in list_versions(conn, "s.yaml")] == [(1, "alice"), (2, "carol")]
    assert v2.text == path.read_text(encoding="utf-8") == TEXT
