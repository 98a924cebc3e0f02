"""The Screen card's progress counts are computed again only after a write to the store."""

from __future__ import annotations

from test_app import page_text, shown_record, sign_in, vote

import review.screening as rules
from review.store import open_store
from screening_app.progress_cache import ProgressCache, store_stamp


def test_counts_are_reused_until_the_store_changes(app_project):
    at = sign_in(app_project.tokens["alice"])
    cache = at.session_state["_progress_cache"]
    assert isinstance(cache, ProgressCache) and cache.computed == 1
    rid = shown_record(at)
    at.text_input(key=f"note-title_abstract-{rid}").input("a note").run()  # a widget rerun
    assert cache.computed == 1
    vote(at, "include")  # the click's run reuses, the run after the vote counts again
    assert cache.computed == 2
    assert "1 / 8" in str([m.proto for m in at.get("metric")])

    engine = open_store(app_project.database_url)
    try:
        crit = rules.criteria_for_project(app_project)
        rules.cast_vote(engine, "bob", rid, "title_abstract", "exclude", criteria=crit)
        at.run()  # bob's vote is seen on the next run
        assert cache.computed == 3
        assert "bob: 1" in page_text(at)
        rules.undo_last_vote(engine, "bob", "title_abstract")
        at.run()
        assert cache.computed == 4 and "bob: 1" not in page_text(at)
    finally:
        engine.dispose()


def test_store_stamp_moves_with_every_write(app_project):
    engine = open_store(app_project.database_url)
    try:
        crit = rules.criteria_for_project(app_project)
        with engine.connect() as conn:
            before = store_stamp(conn)
            assert store_stamp(conn) == before
        rules.cast_vote(engine, "alice", 1, "title_abstract", "include", criteria=crit)
        with engine.connect() as conn:
            after_vote = store_stamp(conn)
        assert after_vote != before
        rules.undo_last_vote(engine, "alice", "title_abstract")
        with engine.connect() as conn:
            assert store_stamp(conn) != after_vote
    finally:
        engine.dispose()
