"""A real browser on My decisions (a reviewer changes an earlier vote) and the Records library
(the lead filters, sees labels, reopens a resolution), with the fixtures of test_browser.py.
Screenshots go where test_browser.py writes its own (docs/screenshots/ with REVIEW_SCREENSHOTS=1)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from app_helpers import seed_project
from serve import review_screen
from test_browser import SHOTS, TIMEOUT_MS, browser, sign_in_by_link, wait_idle  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

TA = "title_abstract"


def test_my_decisions_and_the_records_library(browser, project, tmp_path):  # noqa: F811
    import review.screening as rules
    from review.screening.labels import add_label
    from review.store import open_store
    from review.store.schema import records, screening_votes

    tokens = seed_project(project)
    engine = open_store(project.database_url)
    with engine.connect() as conn:
        ids = conn.execute(sa.select(records.c.id).order_by(records.c.id)).scalars().all()
    for k, rid in enumerate(ids):
        rules.cast_vote(engine, "alice", rid, TA, "include" if k % 2 == 0 else "exclude")
        rules.cast_vote(engine, "bob", rid, TA, "include" if k < 4 else "exclude", note="BOBS-PRIVATE-NOTE")
    rules.resolve_conflict(engine, ids[1], TA, "include", by="carol", note="population fits")
    add_label(engine, "bob", ids[0], "check reference list")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with review_screen(project.root, tmp_path / "screen.log") as (url, _proc):
        contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2)]
        try:
            alice = sign_in_by_link(contexts[0], url, tokens["alice"])
            alice.get_by_role("link", name="My decisions").click()
            alice.get_by_text("1–8 of 8 vote(s)").wait_for(timeout=TIMEOUT_MS)
            body = alice.inner_text("body")
            assert "BOBS-PRIVATE-NOTE" not in body and "conflict" not in body.lower()
            # search the titles: the newest matching vote is the one offered for a change
            with engine.connect() as conn:
                title = conn.execute(sa.select(records.c.title).where(records.c.id == ids[6])).scalar()
            alice.get_by_label("Search titles").fill(title[:30])
            alice.get_by_label("Search titles").press("Enter")
            alice.get_by_text("1–1 of 1 vote(s)").wait_for(timeout=TIMEOUT_MS)
            wait_idle(alice)
            form = alice.locator("[data-testid='stForm']").first
            form.get_by_text("Exclude", exact=True).click()
            form.get_by_label("Note (optional)").fill("not a mentoring programme")
            alice.wait_for_timeout(300)
            alice.screenshot(path=str(SHOTS / "my-decisions.png"))
            form.get_by_role("button", name="Save changed vote").click()
            alice.get_by_text(f"Record #{ids[6]}: your title / abstract vote is exclude now.").wait_for(timeout=TIMEOUT_MS)
            with engine.connect() as conn:
                rows = conn.execute(sa.select(screening_votes).where(
                    screening_votes.c.reviewer == "alice", screening_votes.c.record_id == ids[6])
                    .order_by(screening_votes.c.id)).all()
            assert [(r.decision, r.current) for r in rows] == [("include", False), ("exclude", True)]
            assert title and rows[1].note == "not a mentoring programme"
            # the library is not a reviewer's page, not even by its address
            alice.goto(url + "library")
            alice.get_by_text("Signed in as").wait_for(timeout=TIMEOUT_MS)
            wait_idle(alice)
            assert "Records library" not in alice.inner_text("body")
            assert "population fits" not in alice.inner_text("body")

            carol = sign_in_by_link(contexts[1], url, tokens["carol"])
            carol.get_by_role("link", name="Records library").click()
            carol.get_by_text("1–8 of 8 record(s)").wait_for(timeout=TIMEOUT_MS)
            carol.get_by_role("tab", name="Records").wait_for(timeout=TIMEOUT_MS)
            wait_idle(carol)
            carol.wait_for_timeout(1000)  # the table draws on a canvas
            carol.screenshot(path=str(SHOTS / "records-library.png"))
            carol.get_by_label("Search titles").fill(title[:30])
            carol.get_by_label("Search titles").press("Enter")
            carol.get_by_text("1–1 of 1 record(s)").wait_for(timeout=TIMEOUT_MS)

            carol.get_by_role("tab", name="Resolved conflicts").click()
            carol.get_by_text("1 resolved conflict(s)").wait_for(timeout=TIMEOUT_MS)
            carol.get_by_text("Resolved: Include").wait_for(timeout=TIMEOUT_MS)
            carol.get_by_label("Why reopen it (required)").fill("bob's exclusion deserves a discussion")
            carol.wait_for_timeout(300)
            carol.screenshot(path=str(SHOTS / "resolved-conflicts.png"))
            carol.get_by_role("button", name="Reopen").click()
            carol.get_by_text(f"Record #{ids[1]} reopened: it is back on the Conflicts page.").wait_for(timeout=TIMEOUT_MS)
            with engine.connect() as conn:
                assert ids[1] in [c.record_id for c in rules.conflicts(conn, TA)]
        finally:
            for ctx in contexts:
                ctx.close()
            engine.dispose()
