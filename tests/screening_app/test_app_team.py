"""A team screening at once, through streamlit.testing: a key press votes on the record on
screen or is refused by name, undo names its record, a reviewer's figures are blind."""

from __future__ import annotations

from test_app import page_text, shown_record, sign_in, store_votes, vote

import review.screening as rules
from review.store import open_store

TA = "title_abstract"


def _library_vote(project, who: str, rid: int, decision: str = "include") -> None:
    engine = open_store(project.database_url)
    try:
        rules.cast_vote(engine, who, rid, TA, decision)
    finally:
        engine.dispose()


def test_a_press_on_a_record_filled_meanwhile_is_refused_by_name(app_project):
    alice = sign_in(app_project.tokens["alice"])
    rid = shown_record(alice)
    # while alice reads, two others fill the record (e.g. her claim lapsed, or a CSV import)
    _library_vote(app_project, "bob", rid)
    _library_vote(app_project, "carol", rid)
    alice.button(key=f"include-{TA}-{rid}").click().run()
    assert not alice.exception, alice.exception
    warnings = [w.value for w in alice.warning]
    assert any(f"#{rid} already has two votes" in w and "here is the next one" in w for w in warnings), warnings
    assert rid not in store_votes(app_project, "alice")
    assert shown_record(alice) not in (rid, None)


def test_the_card_stays_while_others_vote_elsewhere(app_project):
    """Two reviewers signed in at once get the same first record (two places), a third
    another; a rerun keeps each card."""
    alice = sign_in(app_project.tokens["alice"])
    bob = sign_in(app_project.tokens["bob"])
    carol = sign_in(app_project.tokens["carol"])
    carol.switch_page("views/screen.py").run()  # the lead lands on the Overview
    assert shown_record(alice) == shown_record(bob) != shown_record(carol)
    mine = shown_record(alice)
    vote(carol, "exclude")
    alice.run()
    assert shown_record(alice) == mine


def test_undo_names_and_takes_back_the_record_it_names(app_project):
    alice = sign_in(app_project.tokens["alice"])
    first = vote(alice, "include")
    second = vote(alice, "exclude")
    assert f"takes back your vote on #{second}" in page_text(alice)
    alice.button(key=f"undo-{TA}").click().run()
    assert not alice.exception, alice.exception
    assert set(store_votes(app_project, "alice")) == {first}
    assert shown_record(alice) == second
    assert f"takes back your vote on #{first}" in page_text(alice)


def test_a_reviewer_sees_no_outcome_figures_the_lead_does(app_project):
    bob = sign_in(app_project.tokens["bob"])
    rid = vote(bob, "include")
    alice = sign_in(app_project.tokens["alice"])
    before = {m.label: m.value for m in alice.metric}
    assert "Open conflicts" not in before and "Decided" not in before
    assert shown_record(alice) == rid
    vote(alice, "exclude")  # a conflict with bob: nothing on alice's page may say so
    after = {m.label: m.value for m in alice.metric}
    assert set(after) == set(before) and after["Partners' votes"] == before["Partners' votes"]
    carol = sign_in(app_project.tokens["carol"])
    carol.switch_page("views/screen.py").run()  # the lead lands on the Overview
    lead = {m.label: m.value for m in carol.metric}
    assert lead["Open conflicts"] == "1"


def _end_sessions_of(project, who: str, how: str) -> None:
    """Sign ``who`` out everywhere (another tab's Sign out) or revoke their token."""
    import sqlalchemy as sa

    from review.store.schema import screening_sessions

    engine = open_store(project.database_url)
    try:
        if how == "revoked":
            rules.revoke_reviewer(engine, who)
        else:
            with engine.begin() as conn:
                conn.execute(
                    sa.update(screening_sessions).where(screening_sessions.c.reviewer == who)
                    .values(ended_at="2000-01-01T00:00:00.000000+00:00")
                )
    finally:
        engine.dispose()


def test_a_vote_from_a_tab_whose_session_ended_is_not_stored(app_project):
    alice = sign_in(app_project.tokens["alice"])
    rid = shown_record(alice)
    _end_sessions_of(app_project, "alice", "ended")
    # the card's fragment alone reruns on a key press: the write itself checks the session
    alice.button(key=f"include-{TA}-{rid}").click().run()
    assert not alice.exception, alice.exception
    assert store_votes(app_project, "alice") == {}
    assert shown_record(alice) is None and "sign in" in page_text(alice).lower()


def test_a_revoked_reviewer_pressing_undo_gets_the_sign_in_page(app_project):
    alice = sign_in(app_project.tokens["alice"])
    rid = vote(alice, "include")
    _end_sessions_of(app_project, "alice", "revoked")
    alice.button(key=f"undo-{TA}").click().run()
    assert not alice.exception, alice.exception
    assert rid in store_votes(app_project, "alice")  # nothing undone
    assert "sign in" in page_text(alice).lower()
