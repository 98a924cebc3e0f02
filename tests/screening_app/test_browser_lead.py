"""The lead's path in a real browser, from a fresh ``review init`` project with no CLI step
after ``review screen``: the first start prints the lead's link; the lead signs in by it,
uploads the bundled sample exports (preview, then store), runs deduplication, adds two
reviewers on the Team page; both screen records with the keyboard; the lead sees the conflicts
on the Overview, resolves one, and downloads the PRISMA SVG and the report pack from the Reports page, whose
numbers equal ``review prisma --json --draft``. Screenshots as in test_browser.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from serve import REPO, review_screen
from test_browser import SHOTS, TIMEOUT_MS, browser, record_id, sign_in_by_link, wait_for_change, wait_idle  # noqa: F401

from review.project import init_project
from review.reporting.diagram import fmt

pytestmark = pytest.mark.browser
SAMPLE = REPO / "data" / "sample"
LINK = re.compile(r"\?token=(?!YOUR-TOKEN)(\S+)")


def lead_link(log: Path) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        m = LINK.search(log.read_text())
        if m:
            return m.group(1)
        time.sleep(0.3)
    raise AssertionError(f"no lead link printed: {log.read_text()}")


def go(page, name: str) -> None:
    wait_idle(page)
    page.get_by_role("link", name=name, exact=True).click()
    page.get_by_role("heading", name=name).first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)


def upload(page, path: Path, database: str, interface: str) -> None:
    page.get_by_role("textbox", name="Database", exact=True).fill(database)
    page.get_by_role("textbox", name="Interface", exact=True).fill(interface)
    page.get_by_role("textbox", name="Interface", exact=True).press("Enter")
    page.wait_for_timeout(300)  # the rerun the field's change starts, then its end
    wait_idle(page)
    page.locator("input[type='file']").set_input_files(str(path))
    # reading a 300-record export on a busy machine can take a while
    page.get_by_text("record(s) read as").first.wait_for(timeout=120_000)
    wait_idle(page)


def test_the_lead_runs_the_review_in_the_browser(browser, tmp_path):  # noqa: F811
    project = init_project(tmp_path / "proj")
    SHOTS.mkdir(parents=True, exist_ok=True)
    log = tmp_path / "screen.log"
    with review_screen(project.root, log, extra=["--lead", "lena"]) as (url, _proc):
        token = lead_link(log)
        contexts = [browser.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
                    for _ in range(3)]
        lead = sign_in_by_link(contexts[0], url, token)
        lead.get_by_text("No records yet").wait_for(timeout=TIMEOUT_MS)

        # Import: preview first, then store
        go(lead, "Import")
        upload(lead, SAMPLE / "ovid-multidatabase-300.ris", "MEDLINE; CENTRAL", "Ovid")
        body = lead.inner_text("body")
        assert "300 record(s) read as ris" in body and "CENTRAL" in body
        lead.screenshot(path=str(SHOTS / "import.png"), full_page=True)
        lead.get_by_role("button", name=re.compile(r"^Import 1 file")).click()
        lead.get_by_text("Next: run deduplication").wait_for(timeout=TIMEOUT_MS)
        upload(lead, SAMPLE / "pubmed-blue-light.nbib", "PubMed", "PubMed")
        lead.get_by_role("button", name=re.compile(r"^Import 1 file")).click()
        lead.get_by_text("Next: run deduplication").wait_for(timeout=TIMEOUT_MS)
        # the same file again is refused before anything is stored
        upload(lead, SAMPLE / "pubmed-blue-light.nbib", "PubMed", "PubMed")
        lead.get_by_text("Imported already").wait_for(timeout=TIMEOUT_MS)
        assert lead.get_by_role("button", name=re.compile(r"^Import 0 file")).is_disabled()

        # Duplicates: run deduplication
        go(lead, "Duplicates")
        lead.get_by_role("button", name="Run deduplication").click()
        lead.get_by_text("duplicates merged").wait_for(timeout=120_000)
        wait_idle(lead)
        lead.screenshot(path=str(SHOTS / "dedup-run.png"))

        # Team: two reviewers, each link shown once
        go(lead, "Team")
        links = {}
        for name in ("alice", "bob"):
            lead.get_by_role("textbox", name="Name", exact=True).fill(name)
            lead.get_by_role("button", name="Add").click()
            lead.get_by_text(f"{name} is a reviewer now").wait_for(timeout=TIMEOUT_MS)
            code = lead.locator("[data-testid='stCode']").first.inner_text()
            links[name] = LINK.search(code).group(1)
            wait_idle(lead)
        lead.reload()
        lead.get_by_role("heading", name="Team").first.wait_for(timeout=TIMEOUT_MS)
        wait_idle(lead)
        assert links["bob"] not in lead.inner_text("body")  # shown once only
        lead.locator("[data-testid='stDataFrame']").first.wait_for(timeout=TIMEOUT_MS)
        lead.wait_for_timeout(1500)  # the table draws on a canvas
        lead.screenshot(path=str(SHOTS / "team.png"))

        # both reviewers screen three records with the keyboard; they disagree on each
        votes = {}
        for n, (name, key) in enumerate((("alice", "i"), ("bob", "e")), 1):
            page = sign_in_by_link(contexts[n], url, links[name])
            current = record_id(page)
            votes[name] = []
            for _ in range(3):
                votes[name].append(current)
                wait_idle(page)  # a key pressed while the app's run is still going is not a click
                page.wait_for_timeout(300)
                page.locator("body").press(key)
                current = wait_for_change(page, current)
        assert votes["alice"] == votes["bob"]  # the same seeded order: three conflicts

        go(lead, "Overview")
        lead.get_by_text("3 conflict(s) wait for you").wait_for(timeout=TIMEOUT_MS)
        lead.wait_for_timeout(500)
        lead.screenshot(path=str(SHOTS / "overview.png"), full_page=True)

        # the lead resolves one conflict on the Conflicts page
        lead.get_by_role("link", name="Conflicts", exact=True).click()
        lead.get_by_text("3 open conflict(s)").wait_for(timeout=TIMEOUT_MS)
        form = lead.locator("[data-testid='stForm']").first
        form.get_by_text("Include", exact=True).wait_for(timeout=TIMEOUT_MS)
        wait_idle(lead)
        form.get_by_text("Include", exact=True).click()
        form.get_by_role("button", name="Record final decision").click()
        lead.get_by_text("2 open conflict(s)").wait_for(timeout=TIMEOUT_MS)

        # Reports: the PRISMA SVG and the report pack, numbers as review prisma --json --draft
        go(lead, "Reports")
        lead.get_by_text("DRAFT").first.wait_for(timeout=TIMEOUT_MS)
        with lead.expect_download() as got:
            lead.get_by_role("button", name="SVG").click()
        svg = Path(got.value.path()).read_text("utf-8")
        lead.wait_for_timeout(500)
        lead.screenshot(path=str(SHOTS / "reports.png"))
        lead.get_by_role("button", name="Build the report pack").click()
        with lead.expect_download(timeout=120_000) as got:
            lead.get_by_role("button", name=re.compile("Download the report pack")).click()
        pack = got.value
        assert pack.suggested_filename == "report-pack-DRAFT.docx"
        with zipfile.ZipFile(pack.path()) as docx:
            assert "word/document.xml" in docx.namelist()
            document = docx.read("word/document.xml").decode("utf-8")

    done = subprocess.run([sys.executable, "-m", "review", "--project", str(project.root), "prisma", "--json", "--draft"],
                          capture_output=True, text=True, check=True)
    counts = json.loads(done.stdout)
    assert counts["draft"] is True
    text = " | ".join(re.findall(r">([^<>]+)</text>", svg))  # the diagram's lines
    assert counts["database_specific_results"]
    for db, n in counts["database_specific_results"].items():
        assert f"{db} (n = {fmt(n)})" in text, (db, text)
    assert f"(n = {fmt(counts['database_results'])})" in text
    assert f"removed (n = {fmt(counts['duplicates'])})" in text, text  # "Duplicate records removed"
    assert f"screening (n = {fmt(counts['records_pending'])})" in text  # "Records awaiting screening"
    assert counts["duplicates"] > 0
    assert "DRAFT" in svg and "DRAFT" in document
