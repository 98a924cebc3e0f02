"""The app through streamlit.testing: sign-in, voting, undo, conflicts, full text, escaping."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import HOSTILE_TITLE
from streamlit.testing.v1 import AppTest

import screening_app

APP = Path(screening_app.__file__).resolve().parent / "app.py"


def new_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=60)


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [h.proto.body for h in at.get("html")]
    parts += [e.value for e in at.error] + [e.value for e in at.info] + [e.value for e in at.success]
    parts += [t.value for t in at.title] + [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts)


def sign_in(token: str) -> AppTest:
    at = new_app().run()
    at.text_input[0].input(token)
    at.button[0].click().run()
    return at


def test_nothing_but_sign_in_before_sign_in(app_project):
    at = new_app().run()
    assert not at.exception
    text = page_text(at)
    assert "sign in" in text.lower()
    assert "Mentoring" not in text and "record #" not in text
    assert len(at.text_input) == 1 and at.text_input[0].proto.type == at.text_input[0].proto.PASSWORD
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.sidebar.children or not any("Signed in" in str(m.value) for m in at.sidebar.markdown)


def test_bad_token_is_refused(app_project):
    at = sign_in("not-a-token")
    assert not at.exception
    assert any("Unknown or revoked token" in e.value for e in at.error)
    assert "reviewer" not in at.session_state
    assert "record #" not in page_text(at)


def test_good_token_signs_in_and_shows_a_record(app_project):
    at = sign_in(app_project.tokens["alice"])
    assert not at.exception, at.exception
    assert at.session_state["reviewer"] == "alice"
    text = page_text(at)
    assert "record #" in text
    assert "Criteria version 1" in text
    labels = [b.label for b in at.button]
    assert {"Include", "Exclude", "Maybe", "Undo last vote"} <= set(labels)


def test_token_link_signs_in_and_leaves_the_url(app_project):
    at = new_app()
    at.query_params["token"] = app_project.tokens["bob"]
    at.run()
    assert not at.exception
    assert at.session_state["reviewer"] == "bob"
    assert "token" not in at.query_params
    assert "record #" in page_text(at)


def test_bad_token_link_is_refused_and_removed(app_project):
    at = new_app()
    at.query_params["token"] = "forged"
    at.query_params["reviewer"] = "carol"  # a name in the URL is never believed
    at.run()
    assert "reviewer" not in at.session_state
    assert "token" not in at.query_params
    assert any("not valid" in e.value for e in at.error)
    assert "record #" not in page_text(at)
