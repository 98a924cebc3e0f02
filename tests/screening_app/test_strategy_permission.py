"""The Strategy page for the lead and anyone the lead allows: a reviewer's session without the
right is refused the page (not only its menu entry) and the save; with the right they see the
page, save versions as their author, and see no screening data; the lead grants on the Team page."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from streamlit.testing.v1 import AppTest
from test_app import page_text, sign_in
from test_strategy_page import add_term, draft_text

from review.screening.sessions import start_session
from review.store import open_store
from review.store.schema import events, records
from review.strategy.editors import allow_strategy, disallow_strategy
from review.strategy.versions import list_versions

VIEWS = Path(__file__).resolve().parents[2] / "screening_app" / "views"
KEY = "queries/mentoring-medical-students.yaml"


def page_for(project, name: str, page: str) -> AppTest:
    """The page script run on its own (as a request for its URL path is) in ``name``'s session."""
    engine = open_store(project.database_url)
    try:
        sid = start_session(engine, name)
    finally:
        engine.dispose()
    at = AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=60)
    at.session_state["session_id"] = sid
    return at.run()


def with_engine(project, work):
    engine = open_store(project.database_url)
    try:
        return work(engine)
    finally:
        engine.dispose()


def versions(project):
    def read(engine):
        with engine.connect() as conn:
            return list_versions(conn, KEY)
    return with_engine(project, read)


def test_a_reviewer_without_the_right_is_refused_the_page_itself(app_project):
    at = page_for(app_project, "alice", "strategy")
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "Only the review lead and the reviewers the lead allows (on the Team page) build the search strategy."]
    assert not at.title and not at.button and not at.code and not at.text_input  # nothing of the page


def test_an_allowed_reviewer_sees_the_page_saves_as_author_and_sees_no_screening_data(app_project):
    with_engine(app_project, lambda e: allow_strategy(e, "alice", by="carol"))
    at = sign_in(app_project.tokens["alice"])
    at.switch_page("views/strategy.py").run()  # now among her pages
    assert not at.exception, at.exception
    assert at.title[0].value == "Search strategy"
    add_term(at, "mentoring", "text", "preceptor*")
    at.button(key="sb-save").click().run()
    assert "Saved as version 1." in page_text(at)
    (v,) = versions(app_project)
    assert v.author == "alice" and "preceptor*" in v.text
    titles = with_engine(app_project, lambda e: e.connect().execute(sa.select(records.c.title)).scalars().all())
    text = page_text(at) + "\n".join(c.value for c in at.code)
    assert titles and not [t for t in titles if t and t in text]  # no record of the screening
    assert not at.dataframe and not at.metric


def test_the_right_withdrawn_while_the_page_is_open_refuses_the_save(app_project, tmp_path):
    with_engine(app_project, lambda e: allow_strategy(e, "alice", by="carol"))
    at = page_for(app_project, "alice", "strategy")
    strategy_file = app_project.path(app_project.config["strategy"])
    before = strategy_file.read_text(encoding="utf-8")
    add_term(at, "mentoring", "text", "preceptor*")
    assert "preceptor*" in draft_text(at)
    with_engine(app_project, lambda e: disallow_strategy(e, "alice", by="carol"))
    at.button(key="sb-save").click().run()
    assert not at.exception, at.exception
    assert any("Only the review lead and the reviewers the lead allows" in e.value for e in at.error)
    assert versions(app_project) == [] and strategy_file.read_text(encoding="utf-8") == before


def test_the_lead_allows_and_withdraws_on_the_team_page(app_project):
    at = page_for(app_project, "carol", "team")
    strategy_column = dict(zip(at.dataframe[0].value["Name"], at.dataframe[0].value["Edits the strategy"]))
    assert strategy_column == {"alice": "", "bob": "", "carol": "lead"}
    who = [s for s in at.selectbox if s.label == "Reviewer"][0]
    assert who.options == ["alice", "bob"]  # active reviewers; a lead always may
    who.select("alice")
    [b for b in at.button if b.label == "Allow to edit the strategy"][0].click().run()
    assert not at.exception, at.exception
    assert any("alice may edit the search strategy now" in s.value for s in at.success)
    assert dict(zip(at.dataframe[0].value["Name"], at.dataframe[0].value["Edits the strategy"]))["alice"] == "yes"
    assert page_for(app_project, "alice", "strategy").title[0].value == "Search strategy"
    [s for s in at.selectbox if s.label == "Reviewer"][0].select("alice")
    [b for b in at.button if b.label == "Withdraw"][0].click().run()
    assert any("alice may no longer edit" in s.value for s in at.success)
    assert not page_for(app_project, "alice", "strategy").title

    def logged(engine):
        with engine.connect() as conn:
            return [(r.kind, r.subject, r.actor) for r in conn.execute(
                sa.select(events).where(events.c.kind.like("strategy.%allow")).order_by(events.c.id))]
    assert with_engine(app_project, logged) == [("strategy.allow", "alice", "carol"),
                                                ("strategy.disallow", "alice", "carol")]


def test_the_team_page_refuses_an_empty_choice(app_project):
    at = page_for(app_project, "carol", "team")
    [b for b in at.button if b.label == "Allow to edit the strategy"][0].click().run()
    assert any("Choose the reviewer first." in e.value for e in at.error)
