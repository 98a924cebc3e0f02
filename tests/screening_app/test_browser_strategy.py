"""Real browser: the lead builds the worked example's first block from nothing on the Strategy
page, with MeSH suggestions from the local E-utilities stand-in, and its PubMed, Ovid MEDLINE and
Ovid Embase lines equal those of queries/mentoring-medical-students.yaml, in the saved file and as
the page shows them.

Robust on a loaded machine: no fixed sleeps. Each step waits for the app's script run it caused
to end (a count of finished runs, read from the app's own run-state attribute) and for what the
step must show (a new term's row, a new heading), with generous timeouts.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import pytest
from app_helpers import seed_project
from serve import review_screen
from test_browser import SHOTS, browser, sign_in_by_link  # noqa: F401 - the fixture

from review.strategy import load_strategy, render

PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
LONG_MS = 180_000  # a step on a loaded 2-core machine (8 sessions) can take a minute; a real hang still fails
DATABASES = ("pubmed", "ovid-medline", "ovid-embase")
DIAGNOSTICS = Path(tempfile.gettempdir()) / "review-screenshots"  # what the page showed when a step went wrong

# Finished script runs of the app, counted from its run-state attribute (the observer is set up
# on first use and counts each change away from "running").
RUNS = """() => { const app = document.querySelector("[data-testid='stApp']");
  if (!window.__sbRuns) {
    window.__sbRuns = {n: 0};
    new MutationObserver(records => { for (const r of records) if (r.oldValue === 'running') window.__sbRuns.n++; })
      .observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
  }
  return window.__sbRuns.n; }"""
IDLE_AFTER = """(before) => { const app = document.querySelector("[data-testid='stApp']");
  return window.__sbRuns.n > before && app.dataset.testScriptState === 'notRunning' &&
         !document.querySelector("[data-stale='true']"); }"""
IDLE = """() => { const app = document.querySelector("[data-testid='stApp']");
  return app && app.dataset.testScriptState === 'notRunning' && !document.querySelector("[data-stale='true']"); }"""


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


def idle(page) -> None:
    page.wait_for_function(IDLE, timeout=LONG_MS)


def rerun(page, action) -> None:
    """Do ``action`` (a click, a choice, Enter in a field) and wait until the run it caused has
    ended and nothing on the page is stale."""
    idle(page)
    before = page.evaluate(RUNS)
    action()
    page.wait_for_function(IDLE_AFTER, arg=before, timeout=LONG_MS)


def keyed(page, key_part: str, suffix: str = ""):
    """The element Streamlit marks with class st-key-<key> (form keys carry the draft's generation)."""
    sel = f'[class*="st-key-{key_part}"]' + (f'[class*="{suffix}"]' if suffix else "")
    return page.locator(sel).last


def terms_shown(page) -> int:
    """How many terms the block shows (each has its own Remove button)."""
    return page.locator('[class*="st-key-sb-remove-mentoring-"]').count()


def choose(page, key_part: str, suffix: str, option: str) -> None:
    box = keyed(page, key_part, suffix).get_by_role("combobox")
    if box.input_value() == option:
        return
    # the list's options (react-aria) carry no accessible name: found by their exact text
    item = page.locator('[role="option"]').filter(has_text=re.compile(f"^{re.escape(option)}$"))
    for _ in range(5):  # a click while the page is still drawing can leave the list closed: open it again
        idle(page)
        box.click()
        try:
            item.wait_for(state="visible", timeout=20_000)
            break
        except PlaywrightTimeout:
            page.screenshot(path=str(DIAGNOSTICS / "strategy-list-closed.png"))
            page.keyboard.press("Escape")
    rerun(page, lambda: item.click())
    assert keyed(page, key_part, suffix).get_by_role("combobox").input_value() == option


def type_in(page, key_part: str, suffix: str, text: str) -> None:
    """Type into a text or number field and commit it with Enter (one run)."""
    field = keyed(page, key_part, suffix).locator("input")
    field.fill(text)
    rerun(page, lambda: field.press("Enter"))


def open_add_term(page, form: str) -> None:
    """Open the block's "Add a term" expander unless it is open already: a click toggles it, so
    clicking an open one would close it (a redraw can also leave it closed after an add)."""
    kind = keyed(page, form, "-kind")
    for _ in range(5):
        if kind.count() and kind.is_visible():
            return
        idle(page)
        page.get_by_text("Add a term").last.click()
        try:
            kind.wait_for(state="visible", timeout=20_000)
            return
        except PlaywrightTimeout:
            page.screenshot(path=str(DIAGNOSTICS / "strategy-add-term-closed.png"))
    raise AssertionError('the "Add a term" form did not open after five clicks')


def add_term(page, kind: str, value: str, *, explode: bool = False, fields: str = "", adj: int | None = None):
    form = "sb-new-mentoring-g"
    before = terms_shown(page)
    open_add_term(page, form)
    choose(page, form, "-kind", kind)
    type_in(page, form, "-value", value)
    if explode:
        rerun(page, lambda: keyed(page, form, "-explode").locator("label").click())
    if fields:
        type_in(page, form, "-fields", fields)
    if adj is not None:
        type_in(page, form, "-adj", str(adj))
    rerun(page, lambda: keyed(page, "sb-add-mentoring").locator("button").click())
    page.locator(f'[class*="st-key-sb-remove-mentoring-{before}"]').wait_for(timeout=LONG_MS)
    assert terms_shown(page) == before + 1


def example_lines(strategy, db: str) -> list[str]:
    return [f"{ln.number} {ln.query}" for ln in render(strategy, db).lines if ln.label in ("Mentoring", "Mentoring (any)")]


def test_build_the_first_block_from_nothing(browser, project, tmp_path, stand_in):  # noqa: F811
    tokens = seed_project(project)
    path = project.path(project.config["strategy"])
    path.unlink()  # from nothing
    example = load_strategy(ROOT / "queries" / "mentoring-medical-students.yaml")
    SHOTS.mkdir(parents=True, exist_ok=True)
    DIAGNOSTICS.mkdir(parents=True, exist_ok=True)
    with review_screen(project.root, tmp_path / "screen.log") as (url, _proc):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(LONG_MS)
        page = None
        try:
            page = sign_in_by_link(context, url, tokens["carol"])
            page.goto(url + "strategy")
            page.get_by_text("Search strategy").first.wait_for(timeout=LONG_MS)
            idle(page)
            # name the (new) block
            page.get_by_text("Block name, label and fields").click()
            type_in(page, "sb-bname-concept1-", "", "mentoring")
            type_in(page, "sb-blabel-concept1-", "", "Mentoring")
            rerun(page, lambda: keyed(page, "sb-bapply-concept1").locator("button").click())
            page.get_by_text("1. Mentoring").first.wait_for(timeout=LONG_MS)
            # MeSH suggestions from the stand-in: Mentors and Mentoring, exploded
            page.get_by_text("MeSH suggestions").click()
            type_in(page, "sb-mesh-word", "", "mentor")
            rerun(page, lambda: keyed(page, "sb-mesh-find").locator("button").click())
            page.get_by_text("Senior professionals who provide guidance").first.wait_for(timeout=LONG_MS)
            for k, heading in ((0, "Mentors"), (1, "Mentoring")):
                assert page.locator(f'[class*="st-key-sb-mesh-{k}"]').inner_text().startswith(heading)
                checkbox = keyed(page, f"sb-mesh-explode-{k}-")
                if not checkbox.locator("input").is_checked():  # the stand-in's headings explode already
                    rerun(page, lambda: checkbox.locator("label").click())
                before = terms_shown(page)
                rerun(page, lambda: keyed(page, f"sb-mesh-add-{k}").locator("button").click())
                page.locator(f'[class*="st-key-sb-remove-mentoring-{before}"]').wait_for(timeout=LONG_MS)
            # the placeholder term goes
            before = terms_shown(page)
            rerun(page, lambda: keyed(page, "sb-remove-mentoring-0").locator("button").click())
            page.wait_for_function(
                """(n) => document.querySelectorAll('[class*="st-key-sb-remove-mentoring-"]').length === n""",
                arg=before - 1, timeout=LONG_MS)
            # Emtree has no public API: its headings are typed (the review's own)
            for heading in ("mentor", "mentoring", "balint group"):
                add_term(page, "Emtree heading", heading, explode=True)
            for words in ("mentor*, program*", "mentor*, group*"):
                add_term(page, "Proximity", words, adj=3)
            add_term(page, "Free text", "mentorship", fields="ti, ab, kw")
            for words in ("physician, apprenticeship", "reflect*, practice", "reflect*, group", "balint, group*",
                          "learning, communit*"):
                add_term(page, "Proximity", words, adj=3)
            assert terms_shown(page) == 13
            page.screenshot(path=str(SHOTS / "strategy-blocks.png"))
            rerun(page, lambda: keyed(page, "sb-save").locator("button").click())
            page.get_by_text("Saved as version 1.").wait_for(timeout=LONG_MS)
            # every database's version as the page shows it, line by line
            page.get_by_role("tab", name="Every database").click()
            shown = {}
            for db in DATABASES:
                box = page.locator(f'[class*="st-key-sb-db-{db}"]')
                box.locator('[data-testid="stCode"]').last.wait_for(state="visible", timeout=LONG_MS)
                chunks = box.locator('[data-testid="stCode"]').evaluate_all(  # not the whole search's (an expander)
                    """els => els.filter(e => !e.closest('[data-testid="stExpander"]'))
                                 .map(e => (e.querySelector('code') || e).innerText)""")
                shown[db] = [ln for c in chunks for ln in c.strip().splitlines() if ln.strip()]
            box = page.locator('[class*="st-key-sb-db-ovid-embase"]')
            box.scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / "strategy-databases.png"))
        except Exception:
            if page is not None:
                page.screenshot(path=str(DIAGNOSTICS / "strategy-failed.png"), full_page=True)
            raise
        finally:
            context.close()
    built = load_strategy(path)
    for db in DATABASES:
        mine = [f"{ln.number} {ln.query}" for ln in render(built, db).lines]
        theirs = example_lines(example, db)
        assert len(theirs) >= 1 and mine == theirs, db
    # as shown: Ovid's numbered lines one by one; PubMed's block line (numbered 1 on the page)
    assert shown["ovid-medline"] == example_lines(example, "ovid-medline")
    assert shown["ovid-embase"] == example_lines(example, "ovid-embase")
    assert example_lines(example, "pubmed")[0] in shown["pubmed"]
