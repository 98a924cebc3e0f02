"""The lead's pages (Overview, Import, Duplicates, Team, Reports): what they show and do, and
that each refuses a reviewer's session on the server, not only in the navigation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app import page_text, sign_in

import review.screening as rules
import screening_app
from review import importing
from review.screening import sessions
from review.store import open_store

VIEWS = Path(screening_app.__file__).resolve().parent / "views"
LEAD_PAGES = ("overview", "search", "imports", "duplicates", "team", "criteria", "reports")
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def page_for(project, name: str, page: str) -> AppTest:
    """The page script run on its own (as a request for its URL path is) in ``name``'s session."""
    engine = open_store(project.database_url)
    try:
        sid = sessions.start_session(engine, name)
    finally:
        engine.dispose()
    at = AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=60)
    at.session_state["session_id"] = sid
    return at.run()


@pytest.mark.parametrize("page", LEAD_PAGES)
def test_a_reviewer_session_is_refused_on_every_lead_page(app_project, page):
    at = page_for(app_project, "alice", page)
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["This page is for the review lead only. Ask your lead if you need something here."]
    assert not at.button and not at.file_uploader and not at.dataframe and not at.get("imgs")
    assert not at.title  # nothing of the page is drawn


@pytest.mark.parametrize("page", LEAD_PAGES)
def test_the_lead_session_opens_every_lead_page(app_project, page):
    at = page_for(app_project, "carol", page)
    assert not at.exception, at.exception
    assert not any("lead only" in e.value for e in at.error)
    assert at.title


def test_a_lead_revoked_mid_session_is_refused(app_project):
    at = page_for(app_project, "carol", "team")
    assert at.title[0].value == "Team"
    engine = open_store(app_project.database_url)
    rules.revoke_reviewer(engine, "carol")
    engine.dispose()
    at.run()
    assert not at.title and any("Sign in first" in w.value for w in at.warning)


def test_lead_pages_are_in_the_lead_navigation_only(app_project):
    lead = sign_in(app_project.tokens["carol"])
    assert lead.title[0].value == "Overview"  # the lead's home
    reviewer = sign_in(app_project.tokens["alice"])
    for page in LEAD_PAGES:
        with pytest.raises(ValueError):
            reviewer.switch_page(f"views/{page}.py")


def test_overview_counts_and_next_step(app_project):
    engine = open_store(app_project.database_url)
    with engine.connect() as conn:
        ids = sorted(rules.stage_record_ids(conn, "title_abstract"))
    rules.cast_vote(engine, "alice", ids[0], "title_abstract", "include")
    rules.cast_vote(engine, "bob", ids[0], "title_abstract", "exclude", reason="wrong population")
    rules.cast_vote(engine, "bob", ids[1], "title_abstract", "exclude", reason="wrong population")
    engine.dispose()
    at = page_for(app_project, "carol", "overview")
    assert not at.exception, at.exception
    assert any("1 conflict(s) wait for you (Title / abstract)" in i.value for i in at.info)
    rows = at.dataframe[0].value
    ta = rows[rows["Stage"] == "Title / abstract"].set_index("Reviewer")["Voted on"].to_dict()
    assert ta == {"alice": 1, "bob": 2, "carol": 0}
    assert [m.value for m in at.metric][:3] == ["8", "1", "0"]
    assert any("DRAFT" in w.value for w in at.warning)  # screening goes on: the diagram is a draft
    text = page_text(at)
    assert "include" not in text.lower().split("prisma")[0]  # counts only, never how anyone voted


def test_overview_asks_for_deduplication_after_an_import(app_project):
    from review.dedup.run import run_dedup

    step = "Records were imported after the last deduplication"
    engine = open_store(app_project.database_url)
    importing.import_file(engine, SAMPLE / "pubmed-blue-light.nbib", database="PubMed")
    at = page_for(app_project, "carol", "overview")
    assert any(i.value.startswith(step) and "Duplicates page" in i.value for i in at.info)
    run_dedup(engine)
    engine.dispose()
    at = page_for(app_project, "carol", "overview")
    assert not any(i.value.startswith(step) for i in at.info)


def test_team_adds_shows_the_link_once_and_revokes(app_project):
    at = page_for(app_project, "carol", "team")
    at.text_input[0].input("dana")
    at.selectbox[0].select("reviewer")
    at.button[0].click().run()
    assert not at.exception, at.exception
    link = at.code[0].value
    assert "?token=" in link
    token = link.split("?token=", 1)[1]
    engine = open_store(app_project.database_url)
    with engine.connect() as conn:
        assert rules.authenticate(conn, token).name == "dana"
    at.run()  # any later run: the link is gone for good
    assert not at.code and token not in page_text(at)
    names = list(at.dataframe[0].value["Name"])
    assert "dana" in names
    at.text_input[0].input("dana")  # a second "dana" while the first is active is refused
    at.button[0].click().run()
    assert any("exists already" in e.value for e in at.error)
    revoke = at.selectbox(key=None) if False else [s for s in at.selectbox if s.label == "Member"][0]
    revoke.select("dana")
    at.checkbox[0].check()
    [b for b in at.button if b.label == "Revoke"][0].click().run()
    assert any("dana is revoked" in s.value for s in at.success)
    with engine.connect() as conn:
        assert rules.authenticate(conn, token) is None
    engine.dispose()


def test_team_revoke_needs_the_box_ticked(app_project):
    at = page_for(app_project, "carol", "team")
    [s for s in at.selectbox if s.label == "Member"][0].select("bob")
    [b for b in at.button if b.label == "Revoke"][0].click().run()
    assert any("tick the box" in e.value for e in at.error)
    engine = open_store(app_project.database_url)
    with engine.connect() as conn:
        assert rules.get_reviewer(conn, "bob").active
    engine.dispose()


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader[0].set_value([(name, data, "application/octet-stream") for name, data in files])
    return at.run()


def test_import_previews_then_stores_and_refuses_a_repeat(app_project):
    data = (SAMPLE / "pubmed-blue-light.nbib").read_bytes()
    at = page_for(app_project, "carol", "imports")
    upload(at, ("../../etc/passwd.nbib", data))
    assert not at.exception, at.exception
    text = page_text(at)
    assert "80 record(s) read as medline" in text  # the preview, from the content
    assert "name the database searched in the Database field" in text  # records that do not say
    assert at.button(key="imp-store").proto.disabled
    at.text_input[0].input("PubMed").run()
    assert "stored under: PubMed" in page_text(at)
    kept = list((app_project.data_dir / "uploads").iterdir())
    assert len(kept) == 1 and kept[0].parent == app_project.data_dir / "uploads"  # the name is no path
    assert kept[0].name == importing.file_sha256(kept[0]) + ".nbib"
    engine = open_store(app_project.database_url)
    before = importing.status(engine)["totals"]["records"]
    assert before == 8  # nothing stored by the preview
    store_button = at.button(key="imp-store")
    store_button.click().run()
    assert not at.exception, at.exception
    status = importing.status(engine)
    new = status["imports"][-1]
    assert new["file_name"] == "passwd.nbib" and new["database"] == "PubMed"
    assert status["totals"]["records"] > before
    assert any(f"import #{new['id']}" in s.value for s in at.success)
    again = page_for(app_project, "carol", "imports")
    upload(again, ("again.nbib", data))
    assert any("Imported already" in w.value for w in again.warning)
    assert again.button(key="imp-store").proto.disabled
    engine.dispose()


def test_import_of_several_files_keeps_each_refusal_on_the_page(app_project):
    """The same export uploaded twice under two names in one go: the first is stored, the
    second refused at storing; the refusal stays on the page next to the first's success."""
    data = (SAMPLE / "pubmed-blue-light.nbib").read_bytes()
    at = page_for(app_project, "carol", "imports")
    at.text_input[0].input("PubMed")
    upload(at, ("first.nbib", data), ("second copy.nbib", data))
    assert at.button(key="imp-store").label == "Import 2 file(s)"  # neither stored yet
    at.button(key="imp-store").click().run()
    assert not at.exception, at.exception
    assert any("first.nbib: import #2" in s.value for s in at.success)
    errors = " ".join(e.value for e in at.error)
    assert "second copy.nbib: nothing stored" in errors and "import #2" in errors
    engine = open_store(app_project.database_url)
    assert importing.status(engine)["totals"]["imports"] == 2
    engine.dispose()


def test_import_refuses_a_file_that_is_not_an_export(app_project):
    at = page_for(app_project, "carol", "imports")
    upload(at, ("notes.ris", b"%PDF-1.7 this is not an export\n"), ("page.xml", b"<html><body>hi</body></html>"))
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "notes.ris" in errors and "page.xml" in errors and "web page (HTML)" in errors
    assert str(app_project.data_dir) not in errors  # the kept file's path is not shown
    engine = open_store(app_project.database_url)
    assert importing.status(engine)["totals"]["imports"] == 1
    engine.dispose()


def test_import_csv_with_a_column_mapping(app_project):
    csv_bytes = b"Heading,Summary,Yr\nMentoring in medicine,About mentors,2020\nPeer tutoring,About peers,2019\n"
    at = page_for(app_project, "carol", "imports")
    at.text_input[0].input("Scopus")
    at.radio[0].set_value("CSV / TSV / XLSX (choose the columns)")
    upload(at, ("export.csv", csv_bytes))
    at.selectbox(key="imp-map-title").select("Heading")
    at.selectbox(key="imp-map-abstract").select("Summary")
    at.selectbox(key="imp-map-year").select("Yr").run()
    assert "2 record(s) read as tabular" in page_text(at)
    at.button(key="imp-store").click().run()
    assert not at.exception, at.exception
    engine = open_store(app_project.database_url)
    assert importing.status(engine)["records_by_database"].get("Scopus") == 2
    engine.dispose()


def test_import_withdraw(app_project):
    at = page_for(app_project, "carol", "imports")
    at.selectbox[-1].select(1)
    at.text_input[-1].input("wrong file")
    [b for b in at.button if b.label == "Withdraw"][0].click().run()
    assert not at.exception, at.exception
    assert any("Import #1 withdrawn" in s.value for s in at.success)


def test_duplicates_page_runs_deduplication(app_project):
    shutil.copy(SAMPLE / "endnote-blue-light.ris", app_project.root / "a.ris")
    engine = open_store(app_project.database_url)
    importing.import_file(engine, SAMPLE / "endnote-blue-light.ris", database="Embase")
    importing.import_file(engine, SAMPLE / "endnote-blue-light.xml", database="MEDLINE")
    engine.dispose()
    at = page_for(app_project, "carol", "duplicates")
    at.button(key="dup-run").click().run()
    assert not at.exception, at.exception
    summary = [s.value for s in at.success if "duplicates merged" in s.value]
    assert summary and "unique records to screen" in summary[0]
    # the progress bar followed the run to its end (run_dedup's progress callback)
    bars = at.get("progress")
    assert len(bars) == 1 and bars[0].proto.value == 100
    assert "Deduplication done: 6 of 6 steps" in bars[0].proto.text


def test_reports_page_offers_every_download_marked_draft(app_project):
    at = page_for(app_project, "carol", "reports")
    assert not at.exception, at.exception
    assert any("DRAFT" in w.value for w in at.warning)
    names = {b.proto.label for b in at.get("download_button")}
    assert {"SVG", "R/Shiny CSV", "CSV", "Checklist CSV", "Checklist DOCX", "Records with decisions (CSV)"} <= names
    assert any(n.startswith("Decisions (CSV") for n in names)
    # nothing is included at full text in this project: the charting table says so, not "0 charted"
    assert any(c.value == "No source is included at full text yet: the table is empty." for c in at.caption)
    at.button(key="rep-pack").click().run()
    assert not at.exception, at.exception
    assert any("report pack (DRAFT)" in b.proto.label for b in at.get("download_button"))
    assert any(c.value.startswith("Built at ") and "build it again" in c.value for c in at.caption)


def test_search_page_shows_the_prisma_s_log(app_project):
    at = page_for(app_project, "carol", "search")
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["Database"]) == ["MEDLINE"]
    names = {b.proto.label for b in at.get("download_button")}
    assert names == {"Search log (Markdown)", "Search log (CSV)"}


def test_run_in_pubmed_runs_outside_the_page_and_stores_the_search(app_project, monkeypatch):
    import importlib.util
    import sys
    import time

    from review import search_job

    spec = importlib.util.spec_from_file_location(
        "lead_eutils_server", Path(__file__).resolve().parents[1] / "pubmed" / "eutils_server.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    server = mod.EutilsServer(mod.build_corpus(0)).start()
    monkeypatch.setenv("REVIEW_EUTILS_URL", server.url)
    monkeypatch.setenv("NCBI_EMAIL", "lead@example.org")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    try:
        at = page_for(app_project, "carol", "search")
        at.button(key="search-run").click().run()
        assert not at.exception, at.exception
        deadline = time.monotonic() + 120
        while search_job.status(app_project)["state"] == "running" and time.monotonic() < deadline:
            time.sleep(0.5)
        job = search_job.status(app_project)
        assert job["state"] == "done", job
        fetched = job["progress"]["records"]
        assert fetched["done"] == fetched["total"] > 0
        engine = open_store(app_project.database_url)
        searches = [i for i in importing.status(engine)["imports"] if i["kind"] == "search"]
        engine.dispose()
        assert len(searches) == 1 and searches[0]["records"] == fetched["total"]
        at.run()
        assert any("The last PubMed run is stored" in s.value for s in at.success)
        assert "PubMed" in list(at.dataframe[0].value["Database"])
    finally:
        server.stop()


def test_criteria_page_saves_review_yaml_and_bumps_the_version(app_project):
    import yaml

    path = app_project.root / "review.yaml"
    at = page_for(app_project, "carol", "criteria")
    assert not at.exception, at.exception
    include = [t for t in at.text_area if t.label.startswith("Inclusion")][0]
    include.input(include.value + "\nAny country.")
    at.number_input[0].set_value(10)
    at.button[0].click().run()
    assert not at.exception, at.exception
    saved = yaml.safe_load(path.read_text("utf-8"))
    assert saved["criteria"]["version"] == 2 and saved["criteria"]["include"][-1] == "Any country."
    assert saved["screening"]["pilot"] == 10
    assert any("version 2" in s.value for s in at.success)
    assert "Criteria version 2" in page_text(at)  # the app reads the saved file again
