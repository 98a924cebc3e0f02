"""The lead's path in a real browser, from a fresh ``review init`` project with no CLI step
after ``review screen``: the first start prints the lead's link; the lead signs in by it,
uploads the bundled sample exports (preview, then store), runs deduplication, adds two
reviewers on the Team page; both screen records with the keyboard (agreeing on some, so they
go on to full text); the lead sees the conflicts on the Overview, resolves one, attaches a PDF
on the Full text page; both reviewers include at full text; the lead charts one source on the
Extraction page and downloads the PRISMA SVG and the report pack (DOCX) from the Reports page,
whose numbers equal ``review prisma --json --draft``. Screenshots as in test_browser.py.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from pdf_sample import minimal_pdf
from serve import REPO, review_screen
from test_browser import SHOTS, TIMEOUT_MS, browser, record_id, sign_in_by_link, wait_for_change, wait_idle  # noqa: F401

from review.project import init_project
from review.reporting.diagram import fmt

pytestmark = pytest.mark.browser
SAMPLE = REPO / "data" / "sample"
LINK = re.compile(r"\?token=(?!YOUR-TOKEN)(\S+)")
# screenshots looked at when the test is changed, not shown in the README
PEEK = Path(tempfile.gettempdir()) / "review-screenshots"


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
    # one field at a time, each committed (Enter) and its rerun ended before the next: a value
    # typed while the previous field's rerun is still going can be lost
    for label, value in (("Database", database), ("Interface", interface)):
        field = page.get_by_role("textbox", name=label, exact=True)
        field.fill(value)
        field.press("Enter")
        page.wait_for_timeout(300)  # the rerun the field's change starts, then its end
        wait_idle(page)
    page.locator("input[type='file']").set_input_files(str(path))
    # reading a 300-record export on a busy machine can take a while
    page.get_by_text("record(s) read as").first.wait_for(timeout=120_000)
    wait_idle(page)


def press_keys(page, keys: str, *, shot: Path | None = None, shot_of: int | None = None) -> list[int]:
    """Vote on the records of the reviewer's queue, one key each (once the app is idle: a key
    pressed while the app's run is still going is not a click); the records voted on, in order.
    ``shot``: a screenshot of record ``shot_of`` before its key is pressed."""
    voted = []
    current = record_id(page)
    for key in keys:
        assert current is not None, f"the queue ended after {len(voted)} vote(s)"
        voted.append(current)
        wait_idle(page)
        page.wait_for_timeout(300)
        if shot is not None and current == shot_of:
            page.screenshot(path=str(shot))
        page.locator("body").press(key)
        current = wait_for_change(page, current)
    return voted


def shown_record(page) -> int:
    """The id of the one record a page shows ("record #N" on its card)."""
    page.get_by_text(re.compile(r"record #\d+")).first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)
    shown = set(re.findall(r"record #(\d+)", page.inner_text("body")))
    assert len(shown) == 1, shown
    return int(shown.pop())


def docx_text(path: Path) -> str:
    """A Word document's text, paragraphs and then table cells, one per line (python-docx)."""
    from docx import Document

    doc = Document(str(path))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_the_lead_runs_the_review_in_the_browser(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect  # (installed: the browser fixture skips otherwise)

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
        lead.mouse.move(700, 1000)  # off the button: its tooltip would cover the page's title
        lead.wait_for_timeout(500)
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

        # both reviewers screen six records with the keyboard, in the same seeded order: they
        # include the first two (which go on to full text), exclude the third and disagree on
        # the last three
        keys = {"alice": "iieiii", "bob": "iieeee"}
        reviewers, votes = {}, {}
        for n, name in enumerate(("alice", "bob"), 1):
            page = reviewers[name] = sign_in_by_link(contexts[n], url, links[name])
            votes[name] = press_keys(page, keys[name])
        assert votes["alice"] == votes["bob"]  # the same seeded order: two includes, three conflicts

        go(lead, "Overview")
        lead.get_by_text("3 conflict(s) wait for you").wait_for(timeout=TIMEOUT_MS)
        lead.wait_for_timeout(500)
        lead.screenshot(path=str(SHOTS / "overview.png"), full_page=True)

        # the lead resolves one conflict on the Conflicts page: a third record goes to full text
        lead.get_by_role("link", name="Conflicts", exact=True).click()
        lead.get_by_text("3 open conflict(s)").wait_for(timeout=TIMEOUT_MS)
        form = lead.locator("[data-testid='stForm']").first
        form.get_by_text("Include", exact=True).wait_for(timeout=TIMEOUT_MS)
        wait_idle(lead)
        form.get_by_text("Include", exact=True).click()
        form.get_by_role("button", name="Record final decision").click()
        lead.get_by_text("2 open conflict(s)").wait_for(timeout=TIMEOUT_MS)

        # Full text: the lead attaches a PDF to the first record included at title/abstract
        pdf = tmp_path / "Mentoring outcomes.pdf"
        pdf.write_bytes(minimal_pdf("Mentoring outcomes: full text"))
        go(lead, "Full text")
        sought = lead.get_by_role("combobox", name="Record")
        sought.wait_for(timeout=TIMEOUT_MS)
        attached = shown_record(lead)
        assert attached in votes["alice"][:2] + votes["alice"][3:]
        lead.locator("input[type='file']").set_input_files(str(pdf))
        attach = lead.locator("button:not([disabled])", has_text="Attach PDF")  # enabled once uploaded
        attach.wait_for(timeout=TIMEOUT_MS)
        wait_idle(lead)
        attach.click()
        lead.get_by_text("PDF stored as").wait_for(timeout=TIMEOUT_MS)
        lead.get_by_text("PDF attached by lena").first.wait_for(timeout=TIMEOUT_MS)
        # the record's choice says so, and the uploader is empty again (nothing to attach twice)
        expect(sought).to_have_value(re.compile(rf"^\[PDF\] #{attached} "), timeout=TIMEOUT_MS)
        assert lead.locator("button:not([disabled])", has_text="Attach PDF").count() == 0
        wait_idle(lead)
        lead.wait_for_timeout(1000)  # pdf.js draws the page
        lead.screenshot(path=str(PEEK / "lead-fulltext.png"))

        # both reviewers include the three records at full text, with the keyboard
        for name, page in reviewers.items():
            wait_idle(page)
            page.locator("[data-testid='stButtonGroup'] button", has_text="Full text").click()
            page.get_by_text("required to exclude").wait_for(timeout=TIMEOUT_MS)
            votes[name + " full text"] = press_keys(page, "iii", shot=PEEK / f"{name}-fulltext.png", shot_of=attached)
            assert record_id(page) is None  # the full-text queue is empty
        assert sorted(votes["alice full text"]) == sorted(votes["bob full text"])
        assert attached in votes["alice full text"] and len(votes["alice full text"]) == 3

        # Extraction: the lead charts one source (every field saved as it is left)
        go(lead, "Extraction")
        lead.get_by_text("You have charted 0 of 3 included sources").wait_for(timeout=TIMEOUT_MS)
        charted = shown_record(lead)
        for label, value in (("Aims / purpose *", "To describe peer mentoring of medical students"),
                             ("Key findings *", "Mentees valued the programme")):  # * required
            box = lead.get_by_role("textbox", name=label, exact=True)
            box.fill(value)
            box.press("Tab")  # leaving the field saves it
            lead.wait_for_timeout(300)  # the rerun the save starts, then its end
            wait_idle(lead)
        lead.get_by_text("Your form for this source is complete.").wait_for(timeout=TIMEOUT_MS)
        lead.get_by_text("You have charted 1 of 3 included sources").wait_for(timeout=TIMEOUT_MS)
        expect(lead.get_by_role("combobox", name="Source")).to_have_value(  # done, says the choice
            re.compile(rf"^✓ #{charted} "), timeout=TIMEOUT_MS)
        lead.screenshot(path=str(PEEK / "lead-extraction.png"))

        # Reports: the PRISMA SVG and the report pack, numbers as review prisma --json --draft
        go(lead, "Reports")
        lead.get_by_text("DRAFT").first.wait_for(timeout=TIMEOUT_MS)
        with lead.expect_download() as got:
            lead.get_by_role("button", name="SVG").click()
        svg = Path(got.value.path()).read_text("utf-8")
        lead.wait_for_timeout(500)
        lead.screenshot(path=str(SHOTS / "reports.png"))
        # the charting table's caption: the lead's charting is not final in dual mode
        lead.get_by_text("3 included source(s): 0 with final values, 1 with fields still open").wait_for(
            timeout=TIMEOUT_MS)
        lead.get_by_role("button", name="Build the report pack").click()
        with lead.expect_download(timeout=120_000) as got:
            lead.get_by_role("button", name=re.compile("Download the report pack")).click()
        pack = got.value
        assert pack.suggested_filename == "report-pack-DRAFT.docx"
        document = docx_text(Path(pack.path()))

    done = subprocess.run([sys.executable, "-m", "review", "--project", str(project.root), "prisma", "--json", "--draft"],
                          capture_output=True, text=True, check=True)
    counts = json.loads(done.stdout)
    assert counts["draft"] is True
    # what the test did shows in the counts: it is not an empty flow that would match anything
    assert counts["duplicates"] > 0 and counts["records_excluded"] == 1
    assert (counts["dbr_assessed"], counts["new_studies"]) == (3, 3)
    assert counts["records_screened_so_far"] == 6 - 2  # two conflicts still open

    # the diagram's lines, joined box by box as drawn ("Records excluded (n = 1)")
    text = " ".join(html.unescape(t) for t in re.findall(r">([^<>]+)</text>", svg))
    assert counts["database_specific_results"]
    for db, n in counts["database_specific_results"].items():
        assert f"{db} (n = {fmt(n)})" in text, (db, text)
    for label, n in (("Databases", counts["database_results"]),
                     ("Duplicate records removed", counts["duplicates"]),
                     ("Records screened so far", counts["records_screened_so_far"]),
                     ("Records awaiting screening", counts["records_pending"]),
                     ("Records excluded", counts["records_excluded"]),
                     ("Reports assessed for eligibility", counts["dbr_assessed"]),
                     ("Studies included in review", counts["new_studies"])):
        assert f"{label} (n = {fmt(n)})" in text, (label, text)
    assert "DRAFT" in svg

    # the report pack: its PRISMA 2020 lines (checklist item 14) and its methods draft
    lines = {line.strip() for line in document.splitlines()}
    screened = f"{counts['records_screened_so_far']:,} so far, {counts['records_pending']:,} awaiting"
    for line in (f"Records identified from databases: {counts['database_results']:,}",
                 f"Duplicate records removed: {counts['duplicates']:,}",
                 f"Records screened: {screened}",
                 f"Records excluded: {counts['records_excluded']:,}",
                 f"Reports assessed for eligibility: {counts['dbr_assessed']:,}",
                 f"Studies included in review: {counts['new_studies']:,}"):
        assert any(got.startswith(line) for got in lines), (line, document)
    methods = " ".join(document.split())
    assert f"identified {counts['database_results']:,} records; {counts['duplicates']:,} duplicates were removed" in methods
    assert f"leaving {counts['records_screened']:,} records to screen" in methods, methods
    assert f"{counts['dbr_assessed']:,} reports were assessed in full text" in methods, methods
    assert f"{counts['new_studies']:,} sources were included" in methods, methods
    assert "DRAFT" in document

    # the PDF and the lead's charting are stored where the review reads them
    from review import extraction as ex
    from review import screening as rules
    from review.store import list_imports, open_store

    engine = open_store(project.database_url)
    try:
        with engine.connect() as conn:
            assert rules.fulltext_of(conn, attached).kind == "pdf"
            imported = {(i["database"], i["interface"]) for i in list_imports(conn)}
            assert imported == {("MEDLINE; CENTRAL", "Ovid"), ("PubMed", "PubMed")}, imported
            assert ex.values_of(conn, charted, "lena")["key_findings"] == "Mentees valued the programme"
    finally:
        engine.dispose()
