"""Real browser: the lead builds the worked example's first block from nothing on the Strategy
page, with MeSH suggestions from the local E-utilities stand-in, and its PubMed and Ovid MEDLINE
lines equal those of queries/mentoring-medical-students.yaml."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from app_helpers import seed_project
from serve import review_screen
from test_browser import TIMEOUT_MS, browser, sign_in_by_link, wait_idle  # noqa: F401 - the fixture

from review.strategy import load_strategy, render

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stand_in(monkeypatch):
    sys.path.insert(0, str(ROOT / "tests" / "pubmed"))
    from eutils_server import EutilsServer, build_corpus

    server = EutilsServer(build_corpus(0)).start()
    monkeypatch.setenv("REVIEW_EUTILS_URL", server.url)
    monkeypatch.setenv("NCBI_EMAIL", "student@example.org")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    yield server
    server.stop()


def keyed(page, key_part: str, suffix: str = ""):
    """The element Streamlit marks with class st-key-<key> (form keys carry the draft's generation)."""
    sel = f'[class*="st-key-{key_part}"]' + (f'[class*="{suffix}"]' if suffix else "")
    return page.locator(sel).last


def settle(page):
    page.wait_for_timeout(150)
    wait_idle(page)


def add_term(page, kind: str, value: str, *, explode: bool = False, fields: str = "", adj: int | None = None):
    for _ in range(5):  # under load the typed filter can lag behind Enter: check, and choose again
        box = keyed(page, "sb-new-mentoring-g", "-kind").get_by_role("combobox")
        box.click()
        box.fill(kind)
        page.wait_for_timeout(300)
        page.keyboard.press("Enter")
        settle(page)
        if keyed(page, "sb-new-mentoring-g", "-kind").get_by_role("combobox").input_value() == kind:
            break
    if kind == "Proximity":
        keyed(page, "sb-new-mentoring-g", "-adj").wait_for(timeout=TIMEOUT_MS)
    keyed(page, "sb-new-mentoring-g", "-value").locator("input").fill(value)
    if explode:
        keyed(page, "sb-new-mentoring-g", "-explode").locator("label").click()
    if fields:
        keyed(page, "sb-new-mentoring-g", "-fields").locator("input").fill(fields)
    if adj is not None:
        keyed(page, "sb-new-mentoring-g", "-adj").locator("input").fill(str(adj))
    settle(page)
    keyed(page, "sb-add-mentoring").locator("button").click()
    settle(page)


def test_build_the_first_block_from_nothing(browser, project, tmp_path, stand_in):  # noqa: F811
    tokens = seed_project(project)
    path = project.path(project.config["strategy"])
    path.unlink()  # from nothing
    with review_screen(project.root, tmp_path / "screen.log") as (url, _proc):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = sign_in_by_link(context, url, tokens["carol"])
            page.goto(url + "strategy")
            page.get_by_text("Search strategy").first.wait_for(timeout=TIMEOUT_MS)
            settle(page)
            # name the (new) block
            page.get_by_text("Block name, label and fields").click()
            keyed(page, "sb-bname-concept1-").locator("input").fill("mentoring")
            keyed(page, "sb-blabel-concept1-").locator("input").fill("Mentoring")
            settle(page)
            keyed(page, "sb-bapply-concept1").locator("button").click()
            settle(page)
            # MeSH suggestions from the stand-in: Mentors and Mentoring, exploded
            page.get_by_text("MeSH suggestions").click()
            keyed(page, "sb-mesh-word").locator("input").fill("mentor")
            settle(page)
            keyed(page, "sb-mesh-find").locator("button").click()
            page.get_by_text("Senior professionals who provide guidance").wait_for(timeout=TIMEOUT_MS)
            settle(page)
            for k in (0, 1):
                keyed(page, f"sb-mesh-explode-{k}-").locator("label").click()
                settle(page)
                keyed(page, f"sb-mesh-add-{k}").locator("button").click()
                settle(page)
            # the placeholder term goes
            keyed(page, "sb-remove-mentoring-0").locator("button").click()
            settle(page)
            page.get_by_text("Add a term").last.click()
            settle(page)
            for words in ("mentor*, program*", "mentor*, group*"):
                add_term(page, "Proximity", words, adj=3)
            add_term(page, "Free text", "mentorship", fields="ti, ab, kw")
            for words in ("physician, apprenticeship", "reflect*, practice", "reflect*, group", "balint, group*",
                          "learning, communit*"):
                add_term(page, "Proximity", words, adj=3)
            keyed(page, "sb-save").locator("button").click()
            page.get_by_text("Saved as version 1.").wait_for(timeout=TIMEOUT_MS)
        finally:
            context.close()
    built = load_strategy(path)
    example = load_strategy(ROOT / "queries" / "mentoring-medical-students.yaml")
    for db in ("pubmed", "ovid-medline"):
        mine = [ln.query for ln in render(built, db).lines if ln.label == "Mentoring"]
        theirs = [ln.query for ln in render(example, db).lines if ln.label == "Mentoring"]
        assert len(theirs) >= 1 and mine == theirs, db
