"""My decisions (every reviewer) and the Records library (the lead) through AppTest: filters,
changing a vote supersedes the old one, blinding, labels, reopening a resolution, and the
library refused to a reviewer's session on the server, not only hidden."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest
from test_app import page_text, shown_record, sign_in

import review.screening as rules
import screening_app
from review.screening.labels import add_label, list_labels
from review.screening.sessions import start_session
from review.store import open_store
from review.store.schema import records, screening_votes

VIEWS = Path(screening_app.__file__).resolve().parent / "views"
TA = "title_abstract"


@pytest.fixture
def voted(app_project):
    """alice voted on four records, bob on three (one disagreement, one with a private note);
    carol resolved the disagreement."""
    engine = open_store(app_project.database_url)
    with engine.connect() as conn:
        ids = conn.execute(sa.select(records.c.id).order_by(records.c.id)).scalars().all()
    for rid, a, b in ((ids[0], "include", "include"), (ids[1], "include", "exclude"),
                      (ids[2], "exclude", "exclude"), (ids[3], "maybe", None)):
        rules.cast_vote(engine, "alice", rid, TA, a)
        if b:
            rules.cast_vote(engine, "bob", rid, TA, b, note="BOBS-PRIVATE-NOTE")
    rules.resolve_conflict(engine, ids[1], TA, "exclude", by="carol")
    yield engine, ids
    engine.dispose()


def open_page(token: str, view: str) -> AppTest:
    at = sign_in(token)
    at.switch_page(f"views/{view}.py").run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest, n: int = 0):
    return at.dataframe[n].value


def test_my_decisions_lists_only_mine_with_filters(app_project, voted):
    engine, ids = voted
    at = open_page(app_project.tokens["alice"], "mine")
    df = table(at)
    assert list(df["Record"]) == [f"#{i}" for i in ids[:4][::-1]]
    assert list(df["My vote"]) == ["Maybe", "Exclude", "Include", "Include"]
    text = page_text(at)
    assert "1–4 of 4 vote(s)" in text
    assert "BOBS-PRIVATE-NOTE" not in text and "bob" not in text.lower()
    assert "conflict" not in text.lower() and "resolved" not in text.lower() and "decided" not in text.lower()

    at.selectbox(key="mine-decision").select("include").run()
    assert list(table(at)["Record"]) == [f"#{ids[1]}", f"#{ids[0]}"]
    at.selectbox(key="mine-decision").select(None).run()
    title = engine.connect().execute(sa.select(records.c.title).where(records.c.id == ids[2])).scalar()
    at.text_input(key="mine-search").input(title[5:40].upper()).run()
    assert list(table(at)["Record"]) == [f"#{ids[2]}"]
    at.text_input(key="mine-search").input("").run()
    at.selectbox(key="mine-stage").select("full_text").run()
    assert not at.dataframe and any("no votes matching" in i.value for i in at.info)


def test_changing_a_vote_supersedes_the_old_one(app_project, voted):
    engine, ids = voted
    at = open_page(app_project.tokens["alice"], "mine")
    key = f"{TA}:{ids[0]}"
    at.selectbox(key="mine-pick").select(key).run()
    at.radio(key=f"mine-new-decision-{TA}-{ids[0]}").set_value("exclude")
    at.text_input(key=f"mine-new-note-{TA}-{ids[0]}").input("a high-school programme after all")
    at.button(key=f"mine-save-{TA}-{ids[0]}").click().run()
    assert not at.exception, at.exception
    assert any(f"Record #{ids[0]}: your title / abstract vote is exclude now." in s.value for s in at.success)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(screening_votes).where(screening_votes.c.reviewer == "alice", screening_votes.c.record_id == ids[0])
            .order_by(screening_votes.c.id)
        ).all()
        assert [(r.decision, r.current, r.ended_how) for r in rows] == [
            ("include", False, "superseded"), ("exclude", True, None)]
        assert rows[1].note == "a high-school programme after all"
        # the rules decide what follows: an agreed record is now a conflict (the page never says so)
        assert ids[0] in [c.record_id for c in rules.conflicts(conn, TA)]
    assert table(at)["My vote"].iloc[0] == "Exclude" and table(at)["Record"].iloc[0] == f"#{ids[0]}"
    assert "conflict" not in page_text(at).lower()


def test_the_library_is_the_leads_only_and_refused_on_the_server(app_project, voted):
    engine, _ = voted
    at = sign_in(app_project.tokens["alice"])
    with pytest.raises(ValueError):  # not among a reviewer's pages
        at.switch_page("views/library.py")
    # the page script itself, run with a reviewer's live session, refuses and shows nothing
    direct = AppTest.from_file(str(VIEWS / "library.py"), default_timeout=60)
    direct.session_state["session_id"] = start_session(engine, "alice", 1)
    direct.run()
    assert not direct.exception, direct.exception
    assert any("Only the review lead" in e.value for e in direct.error)
    assert not direct.dataframe and "Mentoring" not in page_text(direct)
    lead = AppTest.from_file(str(VIEWS / "library.py"), default_timeout=60)
    lead.session_state["session_id"] = start_session(engine, "carol", 1)
    lead.run()
    assert not lead.exception and len(table(lead)) == 8


def test_library_filters_labels_and_reopen(app_project, voted):
    engine, ids = voted
    add_label(engine, "bob", ids[2], "background")
    at = open_page(app_project.tokens["carol"], "library")
    df = table(at)
    assert len(df) == 8 and "1–8 of 8 record(s)" in page_text(at)
    row = df[df["Record"] == f"#{ids[1]}"].iloc[0]
    assert row["Title/abstract"] == "Exclude (resolved)" and row["Databases"] == "Nagtegaal 2019 screening set"
    assert df[df["Record"] == f"#{ids[2]}"].iloc[0]["Labels"] == "background (bob)"

    at.selectbox(key="lib-decision").select("include").run()
    assert list(table(at)["Record"]) == [f"#{ids[0]}"]
    at.selectbox(key="lib-decision").select(None).run()
    at.selectbox(key="lib-label").select("background").run()
    assert list(table(at)["Record"]) == [f"#{ids[2]}"]
    at.selectbox(key="lib-label").select(None).run()
    at.selectbox(key="lib-stage").select(TA).run()
    at.selectbox(key="lib-decision").select("pending").run()
    assert len(table(at)) == 5  # ids[3] (one vote) and the four no one voted on

    at.selectbox(key="lib-label-record").select(ids[3]).run()
    at.text_input(key=f"lib-label-text-{ids[3]}").input("check reference list")
    at.button(key=f"lib-label-add-button-{ids[3]}").click().run()
    assert not at.exception, at.exception
    with engine.connect() as conn:
        assert [(x.record_id, x.label, x.reviewer) for x in list_labels(conn, "carol", "check reference list")] == [
            (ids[3], "check reference list", "carol")]

    # the resolved conflicts tab: the one resolution, reopened with a note
    assert f"reopen-{TA}-{ids[1]}-go" in [b.key for b in at.button]
    at.button(key=f"reopen-{TA}-{ids[1]}-go").click().run()
    assert any("needs a note" in e.value for e in at.error)
    at.text_input(key=f"reopen-note-{TA}-{ids[1]}").input("bob misread the population")
    at.button(key=f"reopen-{TA}-{ids[1]}-go").click().run()
    assert not at.exception, at.exception
    assert any(f"Record #{ids[1]} reopened: it is back on the Conflicts page." in s.value for s in at.success)
    with engine.connect() as conn:
        assert ids[1] in [c.record_id for c in rules.conflicts(conn, TA)]


def test_screen_page_labels_are_the_reviewers_own(app_project):
    at = sign_in(app_project.tokens["alice"])
    rid = shown_record(at)
    engine = open_store(app_project.database_url)
    try:
        add_label(engine, "bob", rid, "BOBS-LABEL")
        at.run()
        assert "BOBS-LABEL" not in page_text(at) and "BOBS-LABEL" not in [o for s in at.selectbox for o in s.options]
        at.selectbox(key=f"label-pick-{rid}").select("check reference list")
        at.button(key=f"label-add-{rid}").click().run()
        assert not at.exception, at.exception
        with engine.connect() as conn:
            assert [(x.record_id, x.label) for x in list_labels(conn, "alice")] == [(rid, "check reference list")]
        assert shown_record(at) == rid  # a label is not a vote: the same record stays
        at.button(key=f"label-remove-{rid}-check reference list").click().run()
        with engine.connect() as conn:
            assert list_labels(conn, "alice") == []
    finally:
        engine.dispose()


def test_pages_of_fifty(app_project):
    """Thousands of votes are read a page at a time; a filter that leaves fewer pages moves a
    reader past the end back to the last page."""
    from review.records import Record
    from review.store import add_import, add_records

    engine = open_store(app_project.database_url)
    try:
        with engine.begin() as conn:
            imp = add_import(conn, kind="file", database="PubMed", file_name="more")
            add_records(conn, imp, [Record(title=f"Peer mentoring cohort {i}") for i in range(64)])
            ids = conn.execute(sa.select(records.c.id).order_by(records.c.id)).scalars().all()
        for k, rid in enumerate(ids):
            rules.cast_vote(engine, "alice", rid, TA, "include" if k % 2 else "exclude")
    finally:
        engine.dispose()
    at = open_page(app_project.tokens["alice"], "mine")
    assert len(table(at)) == 50 and "1–50 of 72 vote(s) · page 1 of 2" in page_text(at)
    at.number_input(key="mine-page").set_value(2).run()
    assert len(table(at)) == 22 and "51–72 of 72 vote(s) · page 2 of 2" in page_text(at)
    assert table(at)["Record"].iloc[-1] == f"#{ids[0]}"  # the oldest vote last
    at.selectbox(key="mine-decision").select("include").run()  # 36 votes: one page
    assert len(table(at)) == 36 and "1–36 of 36 vote(s)" in page_text(at) and not at.number_input

    lead = open_page(app_project.tokens["carol"], "library")
    assert "1–50 of 72 record(s)" in page_text(lead)
    lead.number_input(key="lib-page").set_value(2).run()
    assert len(table(lead)) == 22 and "51–72 of 72 record(s)" in page_text(lead)


def test_conflicts_card_shows_the_labels_the_viewer_may_see(app_project, voted):
    engine, ids = voted
    rules.cast_vote(engine, "bob", ids[3], TA, "exclude")  # alice said maybe: a conflict
    add_label(engine, "alice", ids[3], "check reference list")
    add_label(engine, "bob", ids[3], "background")
    at = open_page(app_project.tokens["carol"], "conflicts")
    text = page_text(at)
    assert "Labels: background (bob); check reference list (alice)" in text
    # in pair mode alice sees the conflict she voted in, with her own labels only
    import yaml

    config_path = app_project.root / "review.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["screening"]["conflict_resolution"] = "pair"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    mine = open_page(app_project.tokens["alice"], "conflicts")
    text = page_text(mine)
    assert "Labels: check reference list (alice)" in text and "background (bob)" not in text
