"""A signed-in session survives a page reload (its id comes back in the browser's cookie),
and stops working once it is ended, expired, or its reviewer revoked.

AppTest cannot send cookies, so ``state.request_session_id`` (the one line that reads
``st.context.cookies``) is replaced by the cookie a reloaded browser would send; the
browser test reloads a real page.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from test_app import new_app, page_text, shown_record, sign_in, vote

import review.screening as rules
from review.screening.sessions import end_session, reviewer_for_session, start_session
from review.store import open_store
from screening_app import state


@pytest.fixture
def cookie(monkeypatch):
    """Set what the next page load's cookie holds."""
    jar: dict[str, str | None] = {"sid": None}
    monkeypatch.setattr(state, "request_session_id", lambda: jar["sid"])
    return jar


@pytest.fixture
def engine(app_project):
    eng = open_store(app_project.database_url)
    yield eng
    eng.dispose()


def cookie_scripts(at) -> list[str]:
    return [h.proto.body for h in at.get("html")
            if h.proto.unsafe_allow_javascript and "document.cookie" in h.proto.body]


def reload(cookie, sid):
    cookie["sid"] = sid
    return new_app().run()


def signed_in_as(at) -> str | None:
    for m in at.sidebar.markdown:
        found = re.search(r"Signed in as \*\*(.+?)\*\*", str(m.value))
        if found:
            return found.group(1)
    return None


def test_sign_in_sets_the_cookie_and_a_reload_stays_signed_in(app_project, cookie, engine):
    at = sign_in(app_project.tokens["alice"])
    sid = at.session_state["session_id"]
    assert sid != app_project.tokens["alice"] and app_project.tokens["alice"] not in " ".join(cookie_scripts(at))
    [script] = cookie_scripts(at)
    assert f'review_session={sid}; Max-Age=43200; Path=/; SameSite=Strict' in script
    first = vote(at, "include")
    card = shown_record(at)
    assert card is not None and card != first

    again = reload(cookie, sid)
    assert not again.exception, again.exception
    assert signed_in_as(again) == "alice" and again.session_state["reviewer"] == "alice"
    assert shown_record(again) == card  # the same place in the same queue
    assert cookie_scripts(again) == []  # the cookie is in step: nothing to set
    assert "token" not in again.query_params and "s" not in again.query_params


def test_sign_out_ends_the_session_and_clears_the_cookie(app_project, cookie, engine):
    at = sign_in(app_project.tokens["carol"])
    sid = at.session_state["session_id"]
    cookie["sid"] = sid  # as after a reload
    at.button(key="sign-out").click().run()
    assert [b.label for b in at.button] == ["Sign in"]
    assert any("review_session=; Max-Age=0" in s for s in cookie_scripts(at))
    with engine.connect() as conn:
        assert reviewer_for_session(conn, sid) is None
    again = reload(cookie, sid)
    assert signed_in_as(again) is None and "record #" not in page_text(again)
    assert [b.label for b in again.button] == ["Sign in"]
    assert any("Max-Age=0" in s for s in cookie_scripts(again))


def test_an_ended_expired_or_revoked_session_shows_the_sign_in_page(app_project, cookie, engine):
    ended = start_session(engine, "alice")
    end_session(engine, ended)
    expired = start_session(engine, "bob", hours=1, now=datetime.now(timezone.utc) - timedelta(hours=2))
    for sid in (ended, expired, "forged-session-id"):
        at = reload(cookie, sid)
        assert not at.exception, at.exception
        assert signed_in_as(at) is None and shown_record(at) is None
        assert [b.label for b in at.button] == ["Sign in"]

    live = start_session(engine, "bob")
    at = reload(cookie, live)
    assert signed_in_as(at) == "bob" and shown_record(at) is not None
    rules.revoke_reviewer(engine, "bob")
    at.run()  # the very next run of the open page
    assert signed_in_as(at) is None and shown_record(at) is None
    assert "reviewer" not in at.session_state and "session_id" not in at.session_state
    assert signed_in_as(reload(cookie, live)) is None


def test_a_token_link_replaces_the_cookie_session(app_project, cookie, engine):
    old = start_session(engine, "alice")
    cookie["sid"] = old
    at = new_app()
    at.query_params["token"] = app_project.tokens["bob"]
    at.run()
    assert signed_in_as(at) == "bob"
    assert at.session_state["session_id"] != old
    with engine.connect() as conn:
        assert reviewer_for_session(conn, old) is None  # the earlier sign-in was ended


def test_session_hours_from_the_config(app_project, cookie, engine):
    import yaml

    config = dict(app_project.config)
    config["screening"] = dict(config["screening"], session_hours=2)
    (app_project.root / "review.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    at = sign_in(app_project.tokens["alice"])
    assert any("Max-Age=7200" in s for s in cookie_scripts(at))
