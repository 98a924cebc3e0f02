"""The demo's reviewers and its token file (review/demo.py), on a store of their own."""

from __future__ import annotations

import json
import os

from review.demo import demo_reviewers, demo_tokens_path, read_demo_tokens
from review.screening import add_reviewer, authenticate, revoke_reviewer
from review.store import open_store


def _demo_project(project):
    project.config["reviewers"] = [{"name": "alice", "role": "reviewer"}, {"name": "carol", "role": "lead"}]
    return project


def test_demo_reviewers_are_created_once_and_keep_their_tokens(project):
    project = _demo_project(project)
    engine = open_store(project.database_url)
    first = demo_reviewers(engine, project)
    assert [(r.name, r.role) for r in first] == [("alice", "reviewer"), ("carol", "lead")]
    assert all(r.token for r in first)
    again = demo_reviewers(engine, project)
    assert [r.token for r in again] == [r.token for r in first]
    with engine.connect() as conn:
        assert [authenticate(conn, r.token).name for r in again] == ["alice", "carol"]


def test_a_reviewer_the_demo_did_not_create_keeps_their_token(project):
    """The old demo revoked and re-issued any reviewer whose token it did not hold, locking
    out a reviewer added with `review reviewers add`."""
    project = _demo_project(project)
    engine = open_store(project.database_url)
    own = add_reviewer(engine, "alice")
    got = {r.name: r for r in demo_reviewers(engine, project)}
    assert got["alice"].token == "" and "not issued by the demo" in got["alice"].note
    assert got["carol"].token
    with engine.connect() as conn:
        assert authenticate(conn, own).name == "alice"
    assert set(read_demo_tokens(demo_tokens_path(project))) == {"carol"}


def test_a_revoked_demo_reviewer_stays_revoked(project):
    project = _demo_project(project)
    engine = open_store(project.database_url)
    first = {r.name: r.token for r in demo_reviewers(engine, project)}
    revoke_reviewer(engine, "alice")  # the lead's decision, which the demo must not undo
    got = {r.name: r for r in demo_reviewers(engine, project)}
    assert got["alice"].token == "" and "revoked" in got["alice"].note
    assert got["carol"].token == first["carol"]
    with engine.connect() as conn:
        assert authenticate(conn, first["alice"]) is None


def test_token_file_is_owner_only_and_says_what_it_is(project):
    project = _demo_project(project)
    engine = open_store(project.database_url)
    path = demo_tokens_path(project)
    old_umask = os.umask(0o022)
    try:
        demo_reviewers(engine, project)
    finally:
        os.umask(old_umask)
    assert path.stat().st_mode & 0o777 == 0o600
    data = json.loads(path.read_text())
    assert "Demo use only" in data["_comment"]
    assert set(data["tokens"]) == {"alice", "carol"}


def test_an_older_flat_token_file_is_read_and_narrowed(project):
    """Files written before the comment (flat {name: token}, world-readable) keep working and
    are rewritten owner-only."""
    project = _demo_project(project)
    engine = open_store(project.database_url)
    token = add_reviewer(engine, "alice")
    path = demo_tokens_path(project)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"alice": token}))
    path.chmod(0o644)
    got = {r.name: r.token for r in demo_reviewers(engine, project)}
    assert got["alice"] == token
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text())["tokens"]["alice"] == token


def test_no_token_file_without_a_demo_reviewer(project):
    project.config["reviewers"] = []
    demo_reviewers(open_store(project.database_url), project)
    assert not demo_tokens_path(project).exists()
