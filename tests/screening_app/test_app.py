"""The app through streamlit.testing: sign-in, voting, undo, conflicts, full text, escaping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from app_helpers import HOSTILE_TITLE
from pdf_sample import minimal_pdf
from streamlit.testing.v1 import AppTest

import review.screening as rules
import screening_app
from review.store import open_store
from review.store.schema import screening_pilot
from screening_app.ui import KEYS_AFTER_CHOOSING

APP = Path(screening_app.__file__).resolve().parent / "app.py"


def new_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=60)


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [h.proto.body for h in at.get("html")]
    parts += [e.value for e in at.error] + [e.value for e in at.info] + [e.value for e in at.success]
    parts += [t.value for t in at.title] + [c.value for c in at.caption] + [s.value for s in at.subheader]
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


def shown_record(at: AppTest) -> int | None:
    """The record id on the card (None when the queue is empty)."""
    for h in at.get("html"):
        m = re.search(r"record #(\d+)", h.proto.body)
        if m:
            return int(m.group(1))
    return None


def vote(at: AppTest, decision: str, stage: str = "title_abstract", reason: str = "") -> int:
    rid = shown_record(at)
    assert rid is not None, "no record shown"
    if reason:
        at.selectbox(key=f"reason-{stage}-{rid}").select(reason)
    at.button(key=f"{decision}-{stage}-{rid}").click().run()
    assert not at.exception, at.exception
    return rid


def store_votes(project, reviewer: str, stage: str = "title_abstract"):
    engine = open_store(project.database_url)
    try:
        with engine.connect() as conn:
            return {v.record_id: v for v in rules.my_votes(conn, reviewer, stage)}
    finally:
        engine.dispose()


def test_vote_is_stored_and_the_next_record_shown(app_project):
    at = sign_in(app_project.tokens["alice"])
    first = vote(at, "include")
    assert store_votes(app_project, "alice") [first].decision == "include"
    second = shown_record(at)
    assert second is not None and second != first
    rid = vote(at, "exclude", reason="Not medical students")
    v = store_votes(app_project, "alice")[rid]
    assert (v.decision, v.reason) == ("exclude", "Not medical students")
    # a refresh (a new session, signed in again) loses nothing and resumes the queue
    again = sign_in(app_project.tokens["alice"])
    assert shown_record(again) not in (first, rid)
    assert set(store_votes(app_project, "alice")) == {first, rid}


def test_a_rerun_never_casts_twice(app_project):
    at = sign_in(app_project.tokens["alice"])
    rid = vote(at, "maybe")
    at.run()  # rerun without a click
    at.run()
    assert list(store_votes(app_project, "alice")) == [rid]
    assert shown_record(at) != rid


def test_undo_last_vote_brings_the_record_back(app_project):
    at = sign_in(app_project.tokens["alice"])
    rid = vote(at, "include")
    assert rid in store_votes(app_project, "alice")
    at.button(key="undo-title_abstract").click().run()
    assert not at.exception
    assert rid not in store_votes(app_project, "alice")
    assert shown_record(at) == rid


def test_progress_shows_partner_counts_never_votes(app_project):
    bob = sign_in(app_project.tokens["bob"])
    vote(bob, "exclude", reason="Not a mentoring programme")
    vote(bob, "exclude")
    alice = sign_in(app_project.tokens["alice"])
    metrics = {m.label: m.value for m in alice.metric}
    assert metrics["Partners' votes"] == "2"
    assert metrics["My votes"] == "0 / 8"
    text = page_text(alice)
    assert "bob: 2" in text
    assert "Not a mentoring programme" not in text.replace("<li>Not a mentoring programme</li>", "")


def test_hostile_record_renders_as_text(app_project):
    at = sign_in(app_project.tokens["alice"])
    seen_hostile = False
    for _ in range(8):
        html = list(at.get("html"))
        # the elements allowed to run script: the app's own cookie line, and its constant
        # script giving the shortcut keys back after a select box choice
        for h in html:
            if h.proto.unsafe_allow_javascript and h.proto.body != KEYS_AFTER_CHOOSING:
                assert re.fullmatch(r'<script>document\.cookie = "review_session=[\w-]+; [^"<]*" \+ [^<]*</script>', h.proto.body)
        bodies = [h.proto.body for h in html if not h.proto.unsafe_allow_javascript]
        for body in bodies:
            assert "<script" not in body.lower() and "<img" not in body and "<svg" not in body
            assert "<b>medical" not in body and "<i>Mallory" not in body
        if any("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in b for b in bodies):
            seen_hostile = True
            assert any("&lt;i&gt;Mallory&lt;/i&gt;" in b for b in bodies)
            break
        vote(at, "include")
    assert seen_hostile
    assert HOSTILE_TITLE.startswith("<script>")


MINIMAL_PDF = minimal_pdf()


def screen_all(token: str, decision: str, stage: str = "title_abstract", reason: str = "") -> list[int]:
    at = sign_in(token)
    if stage != "title_abstract":
        at.segmented_control(key="screen-stage").set_value(stage).run()
    done = []
    while shown_record(at) is not None:
        done.append(vote(at, decision, stage, reason))
        assert len(done) <= 20, "the queue does not shrink"
    assert any("queue for this stage is empty" in s.value for s in at.success)
    return done


def open_conflicts(project, stage="title_abstract"):
    engine = open_store(project.database_url)
    try:
        with engine.connect() as conn:
            return rules.conflicts(conn, stage), rules.final_decisions(conn, stage)
    finally:
        engine.dispose()


def test_reviewer_cannot_open_the_conflicts_page_in_lead_mode(app_project):
    at = sign_in(app_project.tokens["alice"])
    assert "Conflicts" not in [p for p in page_text(at).splitlines()]
    with pytest.raises(ValueError):
        at.switch_page("views/conflicts.py")


def test_conflict_and_resolution_by_the_lead(app_project):
    a = screen_all(app_project.tokens["alice"], "include")
    b = screen_all(app_project.tokens["bob"], "exclude")
    assert sorted(a) == sorted(b) and len(a) == 8
    items, _ = open_conflicts(app_project)
    assert len(items) == 8

    lead = sign_in(app_project.tokens["carol"])
    lead.switch_page("views/conflicts.py").run()
    assert not lead.exception, lead.exception
    text = page_text(lead)
    assert "8 open conflict(s)" in text
    assert "alice: Include" in text and "bob: Exclude" in text
    rid = items[0].record_id
    lead.radio(key=f"decision-title_abstract-{rid}").set_value("include")
    lead.text_input(key=f"final-note-title_abstract-{rid}").input("fits the criteria")
    lead.button(key=f"FormSubmitter:resolve-title_abstract-{rid}-Record final decision").click().run()
    assert not lead.exception, lead.exception
    items, finals = open_conflicts(app_project)
    assert len(items) == 7 and rid not in {c.record_id for c in items}
    assert (finals[rid].decision, finals[rid].how) == ("include", "resolution")
    assert "7 open conflict(s)" in page_text(lead)
    # the original votes are kept as cast
    assert store_votes(app_project, "alice")[rid].decision == "include"
    assert store_votes(app_project, "bob")[rid].decision == "exclude"


def test_full_text_attach_and_vote_with_a_reason(app_project):
    ids = screen_all(app_project.tokens["alice"], "include")
    screen_all(app_project.tokens["bob"], "include")
    _, finals = open_conflicts(app_project)
    assert set(finals) == set(ids)

    # attach a PDF to one record, a link to another, mark a third not retrieved
    at = sign_in(app_project.tokens["alice"])
    at.switch_page("views/fulltext.py").run()
    assert not at.exception, at.exception
    first = at.selectbox(key="fulltext-record").value
    at.file_uploader(key=f"pdf-upload-{first}-0").upload("../My paper (final).pdf", MINIMAL_PDF, "application/pdf")
    at.run()
    at.button(key=f"attach-pdf-{first}").click().run()
    assert not at.exception, at.exception
    # once stored, the uploader is a new, empty one: the same PDF is not offered again
    assert at.button(key=f"attach-pdf-{first}").disabled
    assert [u.key for u in at.file_uploader] == [f"pdf-upload-{first}-1"]
    engine = open_store(app_project.database_url)
    with engine.connect() as conn:
        ft = rules.fulltext_of(conn, first)
    assert ft.kind == "pdf"
    stored = (app_project.root / ft.location).resolve()
    assert stored.is_file() and stored.read_bytes() == MINIMAL_PDF
    assert (app_project.root / "data").resolve() in stored.parents
    assert ".." not in ft.location and " " not in stored.name
    # the stored PDF is shown in the page (Streamlit's PDF viewer), beside Download PDF
    viewers = [el for el in at.main if "streamlit-pdf" in str(getattr(el, "proto", ""))[:400]]
    assert len(viewers) == 1 and f"pdf-view-{first}" in str(viewers[0].proto.id)

    second = sorted(ids)[1]
    at.selectbox(key="fulltext-record").select(second).run()
    at.text_input(key=f"nr-reason-{second}").input("Not held by the library")
    at.button(key=f"mark-nr-{second}").click().run()
    with engine.connect() as conn:
        assert rules.not_retrieved(conn) == {second: "Not held by the library"}
        assert second not in rules.stage_record_ids(conn, "full_text")
    engine.dispose()

    third = sorted(ids)[2]
    at.selectbox(key="fulltext-record").select(third).run()
    at.text_input(key=f"link-{third}").input("https://doi.org/10.1000/example")
    at.button(key=f"save-link-{third}").click().run()
    assert not at.exception, at.exception
    engine = open_store(app_project.database_url)
    with engine.connect() as conn:
        assert (rules.fulltext_of(conn, third).kind, rules.fulltext_of(conn, third).location) == (
            "link", "https://doi.org/10.1000/example")
    engine.dispose()
    assert {m.label: m.value for m in at.metric} == {"PDF": "1", "Link": "1", "Not retrieved": "1", "Missing": "5"}

    # full-text vote: exclusion without a reason is refused, with a reason stored
    at = sign_in(app_project.tokens["alice"])
    at.segmented_control(key="screen-stage").set_value("full_text").run()
    rid = shown_record(at)
    at.button(key=f"exclude-full_text-{rid}").click().run()
    assert at.error, "an exclusion without a reason must be refused"
    assert rid not in store_votes(app_project, "alice", "full_text")
    assert shown_record(at) == rid
    vote(at, "exclude", "full_text", reason="Programme shorter than 3 months")
    v = store_votes(app_project, "alice", "full_text")[rid]
    assert (v.decision, v.reason) == ("exclude", "Programme shorter than 3 months")


def all_pages_text(at: AppTest, pages=("screen", "fulltext", "agreement", "extraction")) -> str:
    out = []
    for name in pages:
        at.switch_page(f"views/{name}.py").run()
        assert not at.exception, at.exception
        out.append(page_text(at))
    return "\n".join(out)


def test_a_reviewer_never_sees_another_reviewers_votes(app_project):
    bob = sign_in(app_project.tokens["bob"])
    rid = shown_record(bob)
    bob.text_input(key=f"note-title_abstract-{rid}").input("BOB-SECRET-NOTE")
    vote(bob, "exclude", reason="High-school pupils")
    alice = sign_in(app_project.tokens["alice"])
    text = all_pages_text(alice)
    assert "BOB-SECRET-NOTE" not in text
    assert "bob: Exclude" not in text and "High-school pupils</div>" not in text
    assert "bob: 1" in all_pages_text(alice, ("screen",))
    held = {k: alice.session_state[k] for k in alice.session_state}
    assert held["reviewer"] == "alice"
    assert not any(isinstance(v, (rules.Vote, rules.Conflict)) or "BOB" in str(v) for v in held.values())
    assert not any(app_project.tokens[name] in str(held) for name in app_project.tokens)


def test_pair_mode_lets_the_two_reviewers_resolve_their_conflicts(app_project):
    import yaml

    config = yaml.safe_load((app_project.root / "review.yaml").read_text())
    config["screening"]["conflict_resolution"] = "pair"
    (app_project.root / "review.yaml").write_text(yaml.safe_dump(config))
    # no restart: the app reads an edited review.yaml again

    alice = sign_in(app_project.tokens["alice"])
    rid = vote(alice, "include")
    bob = sign_in(app_project.tokens["bob"])
    while shown_record(bob) != rid:
        vote(bob, "include")
    vote(bob, "maybe")
    alice.switch_page("views/conflicts.py").run()
    assert not alice.exception, alice.exception
    assert "1 open conflict(s)" in page_text(alice)
    assert "bob: Maybe" in page_text(alice)
    alice.radio(key=f"decision-title_abstract-{rid}").set_value("exclude")
    alice.selectbox(key=f"final-reason-title_abstract-{rid}").select("Not a mentoring programme")
    alice.button(key=f"FormSubmitter:resolve-title_abstract-{rid}-Record final decision").click().run()
    assert not alice.exception, alice.exception
    _, finals = open_conflicts(app_project)
    assert (finals[rid].decision, finals[rid].how) == ("exclude", "resolution")


def test_revoked_reviewer_is_signed_out(app_project):
    at = sign_in(app_project.tokens["alice"])
    assert shown_record(at) is not None
    engine = open_store(app_project.database_url)
    rules.revoke_reviewer(engine, "alice")
    engine.dispose()
    at.run()
    assert "reviewer" not in at.session_state
    assert shown_record(at) is None and "sign in" in page_text(at).lower()


def test_sign_out(app_project):
    at = sign_in(app_project.tokens["carol"])
    at.button(key="sign-out").click().run()
    assert "reviewer" not in at.session_state
    assert [b.label for b in at.button] == ["Sign in"]


def test_agreement_page_shows_kappa_per_pair(app_project):
    screen_all(app_project.tokens["alice"], "include")
    screen_all(app_project.tokens["bob"], "include")
    at = sign_in(app_project.tokens["alice"])
    at.switch_page("views/agreement.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    row = table.iloc[0]
    assert row["Reviewers"] == "alice & bob" and row["Records"] == 8
    assert row["Agreement %"] == "100.0" and row["PABAK"] == "1.00"


def test_extraction_page_drawn_for_the_signed_in_reviewer(app_project):
    # the page script draws the extraction page itself (views/extraction.py): nothing is
    # included at full text yet, so it says when charting starts
    at = sign_in(app_project.tokens["alice"])
    at.switch_page("views/extraction.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Extraction"]
    assert any("charting starts once full-text screening includes one" in i.value for i in at.info)


def test_my_recent_votes_are_mine_only(app_project):
    bob = sign_in(app_project.tokens["bob"])
    rid_bob = shown_record(bob)
    bob.text_input(key=f"note-title_abstract-{rid_bob}").input("BOB-SECRET-NOTE")
    vote(bob, "exclude")
    alice = sign_in(app_project.tokens["alice"])
    first = vote(alice, "include")
    alice.toggle(key="recent-title_abstract").set_value(True).run()
    assert not alice.exception, alice.exception
    table = alice.dataframe[0].value
    assert list(table["Vote"]) == ["Include"] and table["Record"][0].startswith(f"#{first} ")
    assert "BOB-SECRET-NOTE" not in table.to_string()


def test_full_text_stage_without_records_says_so(app_project):
    at = sign_in(app_project.tokens["alice"])
    at.segmented_control(key="screen-stage").set_value("full_text").run()
    assert not at.exception, at.exception
    assert any("No records at this stage yet" in i.value for i in at.info)


def test_a_broken_screening_config_is_a_clear_message(app_project):
    import yaml

    config = yaml.safe_load((app_project.root / "review.yaml").read_text())
    config["screening"]["conflict_resolution"] = "whoever"
    (app_project.root / "review.yaml").write_text(yaml.safe_dump(config))
    at = new_app().run()
    assert not at.exception
    assert any("conflict_resolution must be one of" in e.value for e in at.error)
    assert not at.text_input  # no sign-in form either


def test_relevance_order_is_said_on_the_screen_page_and_starts_from_the_include_terms(project, monkeypatch):
    from app_helpers import seed_project

    import sqlalchemy as sa

    from review.screening.priority import record_text, term_scores
    from review.store.schema import records

    tokens = seed_project(project, order="relevance")
    monkeypatch.setenv("REVIEW_PROJECT", str(project.root))
    at = sign_in(tokens["alice"])
    assert not at.exception, at.exception
    assert "Order: prioritised by relevance, learnt from your own decisions only" in page_text(at)
    # before any vote, the first card is a record matching the most include terms
    engine = open_store(project.database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(records.c.id, records.c.title, records.c.data)).all()
    engine.dispose()
    texts = {int(r.id): record_text(r.title, r.data or {}) for r in rows}
    scores = dict(zip(texts, term_scores(list(texts.values()), ["mentor*", "medical student*"])))
    assert scores[shown_record(at)] == max(scores.values()) > 0
    # the app's ranking worker made every reviewer's ranking when it started; a vote does not
    # rank in the request: the worker ranks again in the background
    import time

    from review.screening import rankworker
    from review.store.schema import screening_rank_state

    engine = open_store(project.database_url)
    try:
        with engine.connect() as conn:
            state_rows = conn.execute(sa.select(screening_rank_state.c.reviewer).order_by("reviewer")).scalars().all()
            assert state_rows == ["alice", "bob", "carol"] and rankworker.worker_live(conn)
        vote(at, "include")
        deadline = time.monotonic() + 20
        votes = None
        while votes != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
            with engine.connect() as conn:
                votes = conn.execute(sa.select(screening_rank_state.c.votes)
                                     .where(screening_rank_state.c.reviewer == "alice")).scalar()
        assert votes == 1
    finally:
        engine.dispose()
        rankworker.stop_local_workers()
    # the title/abstract stage only: full text stays in the random order
    at.segmented_control(key="screen-stage").set_value("full_text").run()
    assert "Order: reproducible random" in page_text(at)


def set_pilot(project, size: int) -> None:
    import yaml

    config = yaml.safe_load((project.root / "review.yaml").read_text())
    config["screening"]["pilot"] = size
    (project.root / "review.yaml").write_text(yaml.safe_dump(config))


def pilot_ids(project, size: int) -> list[int]:
    engine = open_store(project.database_url)
    try:
        with engine.connect() as conn:
            return rules.pilot_ids(conn, size, 0)
    finally:
        engine.dispose()


def test_pilot_round_on_the_screen_and_agreement_pages(app_project):
    set_pilot(app_project, 3)
    pilot = pilot_ids(app_project, 3)
    alice = sign_in(app_project.tokens["alice"])
    assert "Pilot round: 3 of 3 pilot records left for you" in page_text(alice)
    shown = []
    for decision, left in (("include", 2), ("exclude", 1), ("exclude", 0)):
        shown.append(vote(alice, decision))
        text = page_text(alice)
        assert (f"Pilot round: {left} of 3 pilot records left for you" in text) == (left > 0)
    assert shown == pilot
    assert "Pilot round:" not in page_text(alice) and shown_record(alice) not in pilot
    # the set was frozen at alice's first vote: a later import cannot change it for bob
    engine = open_store(app_project.database_url)
    with engine.connect() as conn:
        frozen = conn.execute(sa.select(screening_pilot.c.record_id).order_by(screening_pilot.c.position))
        assert frozen.scalars().all() == pilot
    engine.dispose()
    # before bob completes it: progress as counts, no agreement yet
    bob = sign_in(app_project.tokens["bob"])
    vote(bob, "include")
    alice.switch_page("views/agreement.py").run()
    assert not alice.exception, alice.exception
    text = page_text(alice)
    assert "Pilot round" in text and "first 3 title/abstract records" in text
    progress = alice.dataframe[-1].value
    assert dict(zip(progress["Reviewer"], progress["Pilot records screened"])) == {
        "alice": "3 of 3", "bob": "1 of 3", "carol": "0 of 3"}
    assert "shown once at least two reviewers have screened every pilot record" in text
    assert "Include" not in progress.to_string() and "include" not in progress.to_string()
    # bob completes the pilot: II, EI, EE -> 66.7% agreement, below JBI's 75%
    for decision in ("include", "exclude"):
        vote(bob, decision)
    alice.run()
    assert not alice.exception, alice.exception
    row = alice.dataframe[-1].value.iloc[0]
    assert row["Reviewers"] == "alice & bob" and row["Records"] == 3 and row["Agreement %"] == "66.7"
    assert "alice and bob: 66.7% agreement is below the 75% the JBI Manual suggests" in page_text(alice)


def test_no_pilot_section_without_a_pilot(app_project):
    at = sign_in(app_project.tokens["alice"])
    assert "Pilot round" not in page_text(at)
    at.switch_page("views/agreement.py").run()
    assert not at.exception, at.exception
    assert "Pilot round" not in page_text(at)


def test_a_bad_pilot_setting_is_a_clear_message(app_project):
    set_pilot(app_project, -3)
    at = new_app().run()
    path = app_project.root / "review.yaml"
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text.strip().startswith("pilot:"))
    assert any(f"{path}, line {line}: screening.pilot must be a whole number" in e.value for e in at.error)


def test_an_unknown_key_in_review_yaml_is_a_warning_in_the_sidebar(app_project):
    config = app_project.root / "review.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "screenng: {pilot: 25}\n", encoding="utf-8")
    alice = sign_in(app_project.tokens["alice"])
    assert not alice.exception, alice.exception
    assert shown_record(alice) is not None  # screening goes on
    assert any("unknown key 'screenng' is ignored; did you mean 'screening'?" in w.value
               for w in alice.sidebar.warning)


def test_a_store_of_a_newer_version_is_a_clear_message(app_project):
    """Every error a user can act on (here the store's) is shown as its message, not a traceback."""
    import sqlite3

    path = app_project.data_dir / "review.sqlite"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("insert into schema_migrations (name, applied_at) values ('0999_future', 'x')")
    conn.close()
    at = new_app().run()
    assert not at.exception, at.exception
    [error] = at.error
    assert error.value.startswith("The review project cannot be opened: ") and "0999_future" in error.value
    assert not at.text_input  # no sign-in form either
