"""In a real browser (Debian's Chromium through Playwright) with every request that is not
to 127.0.0.1 blocked and recorded: the page loads nothing from elsewhere, a ?token= link
leaves no trace in the address, navigation entry or history, the session cookie is out of
page scripts' reach, a key press in a tab whose session ended stores nothing and shows the
sign-in page, and two reviewers at once are each shown a record that takes their vote."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from app_helpers import seed_project
from serve import review_screen
from test_browser import TIMEOUT_MS, browser, record_id, wait_for_change  # noqa: F401 - fixture

import review.screening as rules
from review.store import open_store

pytestmark = pytest.mark.browser


def _offline(context, attempted: list[str]) -> None:
    """Abort (and record) every request that is not to this machine's app."""
    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            return r.continue_()
        attempted.append(r.request.url)
        return r.abort()

    context.route("**/*", route)


def test_sign_in_hygiene_offline_and_a_dead_session_in_a_real_browser(browser, project, tmp_path):  # noqa: F811
    tokens = seed_project(project)
    attempted: list[str] = []
    with review_screen(project.root, tmp_path / "screen.log") as (url, _proc):
        ctx = browser.new_context(viewport={"width": 1300, "height": 950})
        other = browser.new_context(viewport={"width": 1300, "height": 950})
        try:
            _offline(ctx, attempted)
            _offline(other, attempted)
            page = ctx.new_page()
            page.goto(f"{url}?token={tokens['alice']}")
            page.get_by_text("Signed in as").wait_for(timeout=TIMEOUT_MS)
            first = record_id(page)
            assert first is not None
            # the token is in no address, navigation entry or history entry
            assert "token" not in page.url
            entries = page.evaluate(
                "() => [location.href, ...performance.getEntriesByType('navigation').map(e => e.name)]"
            )
            assert all("token" not in e for e in entries), entries
            # no extra history entry for the token link: as many as a plain visit (about:blank + page)
            plain = ctx.new_page()
            plain.goto(url)
            plain.get_by_text("Signed in as").wait_for(timeout=TIMEOUT_MS)
            assert page.evaluate("() => history.length") == plain.evaluate("() => history.length")
            plain.close()
            # the session cookie is set by the server, out of page scripts' reach
            jar = {c["name"]: c for c in ctx.cookies()}
            assert jar["review_session"]["httpOnly"] and jar["review_session"]["sameSite"] == "Strict"
            assert "review_session" not in page.evaluate("() => document.cookie")

            # a second reviewer at once gets the same first record (its second place); both votes count
            bob = other.new_page()
            bob.goto(f"{url}?token={tokens['bob']}")
            bob.get_by_text("Signed in as").wait_for(timeout=TIMEOUT_MS)
            assert record_id(bob) == first
            page.locator("body").press("i")
            second = wait_for_change(page, first)
            bob.locator("body").press("e")
            wait_for_change(bob, first)

            # the session ends elsewhere (expiry, another tab's sign-out): the next key press
            # reruns only the card, stores nothing and ends on the sign-in form
            engine = open_store(project.database_url)
            import sqlalchemy as sa

            from review.store.schema import screening_sessions

            with engine.begin() as conn:
                conn.execute(sa.update(screening_sessions).where(screening_sessions.c.reviewer == "alice")
                             .values(ended_at="2000-01-01T00:00:00.000000+00:00"))
            page.locator("body").press("i")
            page.get_by_role("button", name="Sign in").wait_for(timeout=TIMEOUT_MS)
            assert "Screening — sign in" in page.inner_text("body")
            with engine.connect() as conn:
                alice = {v.record_id for v in rules.my_votes(conn, "alice", "title_abstract")}
                bobs = {v.record_id for v in rules.my_votes(conn, "bob", "title_abstract")}
            engine.dispose()
            assert alice == {first} and second not in alice and bobs == {first}
            assert "review_session" not in {c["name"] for c in ctx.cookies()}
        finally:
            ctx.close()
            other.close()
    assert attempted == [], f"requests to other hosts: {attempted}"
