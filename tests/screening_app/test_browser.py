"""One real-browser run: ``review screen`` on a free port, Debian's Chromium through Playwright.

Two reviewers in two browser contexts (separate cookies, separate sessions) screen every
record of a small project, disagree, and the lead resolves a conflict. Screenshots for the
docs are written to docs/screenshots/ with REVIEW_SCREENSHOTS=1 (else to a temporary folder).

Chromium comes from Debian (``apt-get install -y chromium chromium-driver``, done by ``make
test``'s ``browser`` step when /usr/bin/chromium is missing and this user may install packages);
Playwright, a test extra, drives it with ``executable_path`` (never ``playwright install``).
Where either is missing the test is skipped with the reason, except under CI, where it fails.
"""

from __future__ import annotations

import os
import tempfile
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from app_helpers import seed_project
from must_run import cannot_run
from serve import review_screen

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# The README's screenshots: written to docs/screenshots/ when REVIEW_SCREENSHOTS=1 (to refresh
# them), else to a temporary folder so a test run leaves the checkout clean.
DOC_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SHOTS = DOC_SHOTS if os.environ.get("REVIEW_SCREENSHOTS") == "1" else Path(tempfile.gettempdir()) / "review-screenshots"
RECORD_ID = re.compile(r"record #(\d+)")
TIMEOUT_MS = 30_000


def ensure_chromium() -> Path:
    """Debian's Chromium; skipped where it is missing (failed under CI)."""
    if not CHROMIUM.exists():
        cannot_run(f"{CHROMIUM} is missing: `make browser` (run by `make test`) installs Debian's chromium, "
                   "or apt-get install -y chromium chromium-driver")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser():
    chromium = ensure_chromium()
    try:
        from playwright import sync_api
    except ImportError:
        cannot_run("Playwright is not installed: pip install -e '.[test]' (make venv-test)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def wait_idle(page) -> None:
    """Wait until the app's script (or the card's fragment) has finished its run and no element
    of an earlier run is left stale: a key pressed or a button clicked mid-run can be lost
    (Streamlit's own end-to-end tests wait the same way)."""
    page.wait_for_function(
        """() => { const app = document.querySelector("[data-testid='stApp']");
                   return app && app.dataset.testScriptState === 'notRunning' &&
                          !document.querySelector("[data-stale='true']"); }""",
        timeout=TIMEOUT_MS,
    )


def record_id(page) -> int | None:
    """The record on the card, or None once the queue is empty (once the run that drew it ended)."""
    page.wait_for_function(
        """() => document.body.innerText.match(/record #\\d+/) ||
                 document.body.innerText.includes('queue for this stage is empty')""",
        timeout=TIMEOUT_MS,
    )
    wait_idle(page)
    m = RECORD_ID.search(page.inner_text("body"))
    return int(m.group(1)) if m else None


def wait_for_change(page, before: int) -> int | None:
    page.wait_for_function(
        """(before) => { const m = document.body.innerText.match(/record #(\\d+)/);
                         return m ? Number(m[1]) !== before :
                                document.body.innerText.includes('queue for this stage is empty'); }""",
        arg=before,
        timeout=TIMEOUT_MS,
    )
    return record_id(page)


def click_button(page, name: str, *, double: bool = False) -> None:
    """Click the one button whose label starts with ``name`` (after the previous run's
    elements, marked stale while the card reruns, are gone)."""
    button = page.get_by_role("button", name=re.compile(f"^{re.escape(name)}"))
    page.wait_for_function(
        """(name) => [...document.querySelectorAll('button')]
                      .filter(b => b.innerText.split('\\n').map(s => s.trim()).includes(name)).length === 1""",
        arg=name,
        timeout=TIMEOUT_MS,
    )
    wait_idle(page)
    if double:
        button.dblclick()
    else:
        button.click()


def sign_in_by_link(context, url: str, token: str):
    page = context.new_page()
    page.goto(f"{url}?token={token}")
    page.get_by_text("Signed in as").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function("() => !location.search.includes('token=')", timeout=TIMEOUT_MS)
    assert "token" not in page.url
    return page


def test_two_reviewers_screen_to_a_conflict_and_the_lead_resolves_it(browser, project, tmp_path):
    import review.screening as rules
    from review.store import open_store

    tokens = seed_project(project)
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialogs: list[str] = []
    with review_screen(project.root, tmp_path / "screen.log") as (url, _proc):
        contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(3)]
        try:
            for ctx in contexts:
                ctx.on("page", lambda pg: pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss())))

            # nothing but the sign-in form before sign-in; a bad token is refused
            anon = contexts[0].new_page()
            anon.goto(url)
            anon.get_by_text("Screening — sign in").wait_for(timeout=TIMEOUT_MS)
            anon.get_by_label("Token").fill("not-a-token")
            anon.get_by_role("button", name="Sign in").click()
            anon.get_by_text("Unknown or revoked token").wait_for(timeout=TIMEOUT_MS)
            assert "record #" not in anon.inner_text("body")
            anon.screenshot(path=str(SHOTS / "sign-in.png"))
            anon.close()

            alice = sign_in_by_link(contexts[0], url, tokens["alice"])
            bob = sign_in_by_link(contexts[1], url, tokens["bob"])

            # alice screens with the keyboard: I include, E exclude (the hostile record), M maybe
            alice_votes: dict[int, str] = {}
            saw_hostile = False
            current = record_id(alice)
            while current is not None:
                hostile = '<script>alert("pwned")</script>' in alice.inner_text("body")
                if hostile and not saw_hostile:
                    saw_hostile = True  # the markup is on the page as text
                    alice.screenshot(path=str(SHOTS / "hostile-record.png"))
                if not alice_votes:
                    alice.screenshot(path=str(SHOTS / "screen.png"))
                key = "e" if hostile else ("m" if len(alice_votes) == 2 else "i")
                alice_votes[current] = {"i": "include", "e": "exclude", "m": "maybe"}[key]
                alice.locator("body").press(key)
                current = wait_for_change(alice, current)
                if len(alice_votes) == 3 and current is not None:
                    # a browser refresh keeps her signed in, on the same record of her queue;
                    # the session id is in a cookie, never in the URL
                    alice.reload()
                    alice.get_by_text("Signed in as").wait_for(timeout=TIMEOUT_MS)
                    assert record_id(alice) == current
                    assert urlparse(alice.url).query == ""
                    jar = {c["name"]: c for c in contexts[0].cookies()}
                    assert set(jar) >= {"review_session"} and tokens["alice"] not in str(jar)
                    assert jar["review_session"]["sameSite"] == "Strict"
                assert len(alice_votes) <= 20
            # bob clicks the buttons: includes the first five, excludes the rest and the hostile one
            bob_votes: dict[int, str] = {}
            current = record_id(bob)
            while current is not None:
                hostile = '<script>alert("pwned")</script>' in bob.inner_text("body")
                decision = "exclude" if hostile or len(bob_votes) >= 5 else "include"
                # his first vote is a double click: one vote, and the next record is not skipped
                click_button(bob, decision.capitalize(), double=not bob_votes)
                bob_votes[current] = decision
                current = wait_for_change(bob, current)
                assert len(bob_votes) <= 20
            assert sorted(alice_votes) == sorted(bob_votes) and len(alice_votes) == 8
            # the hostile record's markup was shown as text and never ran
            assert saw_hostile and dialogs == []

            # undo brings bob's last record back; voting again restores his vote
            last = list(bob_votes)[-1]
            click_button(bob, "Undo last vote")
            bob.wait_for_function("() => /record #\\d+/.test(document.body.innerText)", timeout=TIMEOUT_MS)
            assert record_id(bob) == last
            click_button(bob, bob_votes[last].capitalize())
            assert wait_for_change(bob, last) is None

            disagree = sorted(r for r in alice_votes if alice_votes[r] != bob_votes[r] or alice_votes[r] == "maybe")
            assert len(disagree) >= 2
            engine = open_store(project.database_url)
            with engine.connect() as conn:
                for name, votes in (("alice", alice_votes), ("bob", bob_votes)):
                    stored = {v.record_id: v.decision for v in rules.my_votes(conn, name, "title_abstract")}
                    assert stored == votes
                assert sorted(c.record_id for c in rules.conflicts(conn, "title_abstract")) == disagree

            # the lead sees both votes side by side and records a final decision
            carol = sign_in_by_link(contexts[2], url, tokens["carol"])
            carol.get_by_role("link", name="Conflicts").click()
            carol.get_by_text(f"{len(disagree)} open conflict(s)").wait_for(timeout=TIMEOUT_MS)
            form = carol.locator("[data-testid='stForm']").first
            form.get_by_text("Include", exact=True).wait_for(timeout=TIMEOUT_MS)
            body = carol.inner_text("body")
            first = disagree[0]
            assert f"alice: {alice_votes[first].capitalize()}" in body
            assert f"bob: {bob_votes[first].capitalize()}" in body
            carol.screenshot(path=str(SHOTS / "conflicts.png"))
            form.get_by_text("Include", exact=True).click()
            form.get_by_label("Note").fill("Group mentoring for medical students")
            form.get_by_role("button", name="Record final decision").click()
            carol.get_by_text(f"{len(disagree) - 1} open conflict(s)").wait_for(timeout=TIMEOUT_MS)
            with engine.connect() as conn:
                finals = rules.final_decisions(conn, "title_abstract")
            assert (finals[first].decision, finals[first].how) == ("include", "resolution")
            assert sum(d.how == "resolution" for d in finals.values()) == 1

            carol.get_by_role("link", name="Agreement").click()
            carol.get_by_text("Cohen's κ").first.wait_for(state="attached", timeout=TIMEOUT_MS)
            carol.wait_for_timeout(1000)  # the grid draws on a canvas
            carol.screenshot(path=str(SHOTS / "agreement.png"))

            # the lead decides an uncertain duplicate pair side by side
            from review.dedup import queue as dedup_queue

            with engine.begin() as conn:
                dedup_queue.refresh_pending(conn, [(1, 2, 0.55, "similar titles; no shared identifier")])
            carol.get_by_role("link", name="Duplicates").click()
            carol.get_by_text("1 pair(s) wait for a decision").wait_for(timeout=TIMEOUT_MS)
            # the page streams in: wait for both records' columns, not only the heading
            carol.get_by_text("record #1", exact=True).first.wait_for(timeout=TIMEOUT_MS)
            carol.get_by_text("record #2", exact=True).first.wait_for(timeout=TIMEOUT_MS)
            assert "record #1" in carol.inner_text("body") and "record #2" in carol.inner_text("body")
            carol.screenshot(path=str(SHOTS / "duplicates.png"))
            carol.get_by_role("button", name="Different papers").click()
            carol.get_by_text("No uncertain pairs wait for a person").wait_for(timeout=TIMEOUT_MS)
            with engine.connect() as conn:
                assert dedup_queue.get_pair(conn, 1, 2).status == "rejected"

            # the full-text page lists the title/abstract includes; both reviewers include two
            # of them at full text, and the extraction page offers them for charting
            with engine.connect() as conn:
                included = sorted(r for r, d in rules.final_decisions(conn, "title_abstract").items()
                                  if d.decision == "include")
            assert included
            # a PDF attached to the first one is shown in the page (pdf.js, offline)
            import cairosvg

            pdf = cairosvg.svg2pdf(bytestring=(
                b'<svg xmlns="http://www.w3.org/2000/svg" width="595" height="842">'
                b'<rect width="595" height="842" fill="white"/>'
                b'<text x="60" y="100" font-size="22" font-family="sans-serif">Mentoring outcomes: full text</text>'
                b"</svg>"))
            rules.attach_pdf(engine, project.data_dir, included[0], "Mentoring outcomes.pdf", pdf, by="carol")
            carol.get_by_role("link", name="Full text").click()
            carol.get_by_text(f"#{included[0]}").first.wait_for(timeout=TIMEOUT_MS)
            viewer = carol.locator("canvas").first
            viewer.wait_for(timeout=TIMEOUT_MS)
            dark_pixels = (
                "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                " let n = 0; for (let i = 0; i < d.length; i += 4) { if (d[i] < 100 && d[i + 3] > 0) n++; }"
                " return n; }"
            )
            for _ in range(TIMEOUT_MS // 200):  # pdf.js draws the page's text onto the canvas
                if viewer.evaluate(dark_pixels) > 0:
                    break
                carol.wait_for_timeout(200)
            assert viewer.evaluate(dark_pixels) > 0, "the attached PDF was not drawn in the page"
            carol.wait_for_timeout(500)
            carol.screenshot(path=str(SHOTS / "fulltext.png"))
            crit = rules.criteria_for_project(project)
            for rid in included[:2]:
                for name in ("alice", "bob"):
                    rules.cast_vote(engine, name, rid, "full_text", "include", criteria=crit)
            carol.get_by_role("link", name="Extraction").click()
            carol.get_by_text("extraction", exact=False).first.wait_for(timeout=TIMEOUT_MS)
            carol.wait_for_timeout(1500)
            assert "No sources are included" not in carol.inner_text("body")
            carol.screenshot(path=str(SHOTS / "extraction.png"))

            # a reviewer in lead mode has no conflicts page, not even by its URL (her session
            # cookie signs her in); after "Sign out" a fresh load shows only the sign-in form
            alice.goto(url + "conflicts")
            alice.get_by_text("queue for this stage is empty").wait_for(timeout=TIMEOUT_MS)
            assert "open conflict(s)" not in alice.inner_text("body")
            alice.goto(url)  # (Streamlit's "page not found" notice covers the page)
            alice.get_by_role("button", name="Sign out").click()
            alice.get_by_text("Screening — sign in").wait_for(timeout=TIMEOUT_MS)
            alice.wait_for_function("() => !document.cookie.includes('review_session=')", timeout=TIMEOUT_MS)
            alice.goto(url + "conflicts")
            alice.get_by_text("Screening — sign in").wait_for(timeout=TIMEOUT_MS)
            assert "record #" not in alice.inner_text("body")
            # bob's session ends at once when his token is revoked: his next click signs him out
            rules.revoke_reviewer(engine, "bob")
            bob.reload()
            bob.get_by_text("Screening — sign in").wait_for(timeout=TIMEOUT_MS)
            alice.goto(f"{url}conflicts?token={tokens['alice']}")
            alice.get_by_text("queue for this stage is empty").wait_for(timeout=TIMEOUT_MS)
            assert urlparse(alice.url).path == "/" and "token" not in alice.url
            assert "open conflict(s)" not in alice.inner_text("body")
            assert "bob: Exclude" not in alice.inner_text("body")
            engine.dispose()
        finally:
            for ctx in contexts:
                ctx.close()
    assert dialogs == []


def test_workbench_links_keys_after_a_reason_pdf_beside_the_charting_form(browser, project, tmp_path):
    """The record card's PMID and DOI open PubMed and doi.org in a new tab; after choosing a
    full-text exclusion reason with the mouse, the E key still votes; the charting form starts
    with what the record knows, the PDF beside it; Include is the calm blue button."""
    import cairosvg

    import review.screening as rules
    from review.records import Record
    from review.store import add_import, add_records, open_store

    tokens = seed_project(project)
    SHOTS.mkdir(parents=True, exist_ok=True)
    engine = open_store(project.database_url)
    with engine.begin() as conn:
        iid = add_import(conn, kind="file", database="MEDLINE", file_name="extra")
        add_records(conn, iid, [Record(
            title="Peer mentoring of medical students: a programme evaluation",
            abstract="A one-year group mentoring programme for medical students.",
            authors=["Smith, John A.", "Jones, Bea"], year=2016, journal="Medical Education",
            journal_abbrev="Med Educ", volume="50", issue="3", start_page="300", end_page="308",
            pmid="29768149", doi="10.1056/NEJMoa1715275", source_database="MEDLINE",
        )])
    crit = rules.criteria_for_project(project)
    with engine.connect() as conn:
        ids = sorted(rules.stage_record_ids(conn, "title_abstract"))
    linked, other = ids[-1], ids[0]
    for rid in (linked, other):  # both at full text: included at title/abstract by both reviewers
        for name in ("alice", "bob"):
            rules.cast_vote(engine, name, rid, "title_abstract", "include", criteria=crit)
    reason = "Programme shorter than 3 months"
    with review_screen(project.root, tmp_path / "screen.log") as (url, _proc):
        ctx = browser.new_context(viewport={"width": 1500, "height": 1000}, timezone_id="Europe/Oslo")
        try:
            alice = sign_in_by_link(ctx, url, tokens["alice"])
            record_id(alice)
            # Include is the primary button in the theme's calm blue, not Streamlit's red
            include = alice.get_by_role("button", name=re.compile("^Include"))
            assert include.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(37, 99, 235)"
            exclude = alice.get_by_role("button", name=re.compile("^Exclude"))
            assert exclude.evaluate("b => getComputedStyle(b).backgroundColor") in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")

            alice.locator("[data-testid='stButtonGroup'] button", has_text="Full text").click()
            alice.get_by_text("required to exclude").wait_for(timeout=TIMEOUT_MS)
            current = record_id(alice)
            seen_links = False
            voted: dict[int, tuple[str, str]] = {}
            while current is not None:
                if current == linked:
                    pubmed = alice.locator('a[href="https://pubmed.ncbi.nlm.nih.gov/29768149/"]')
                    doi = alice.locator('a[href="https://doi.org/10.1056/NEJMoa1715275"]')
                    for link in (pubmed, doi):
                        assert link.count() == 1
                        assert link.get_attribute("target") == "_blank"
                        assert link.get_attribute("rel") == "noopener noreferrer"
                    assert pubmed.inner_text() == "PMID 29768149"
                    seen_links = True
                # the reason is chosen with the mouse; then the E key votes (the focus has left the box)
                alice.get_by_role("combobox", name=re.compile("Exclusion reason")).click()
                alice.get_by_role("option", name=reason).click()
                wait_idle(alice)
                alice.wait_for_timeout(300)
                if not voted:
                    alice.screenshot(path=str(SHOTS / "fulltext-reason.png"))
                alice.keyboard.press("e")
                voted[current] = ("exclude", reason)
                current = wait_for_change(alice, current)
                if len(voted) == 1 and current is not None:
                    # the vote is confirmed beside the buttons, clear of the criteria panel
                    notice = alice.locator("[data-testid='stCaptionContainer']", has_text="Exclude: ")
                    notice.wait_for(timeout=TIMEOUT_MS)
                    criteria = alice.locator(".criteria").first.bounding_box()
                    box = notice.bounding_box()
                    assert box["x"] + box["width"] <= criteria["x"]
                    alice.screenshot(path=str(SHOTS / "vote-notice.png"))
                assert len(voted) <= 2
            assert seen_links and sorted(voted) == sorted((linked, other))
            with engine.connect() as conn:
                stored = {v.record_id: (v.decision, v.reason) for v in rules.my_votes(conn, "alice", "full_text")}
            assert stored == voted

            # charting: the record's values pre-filled and marked, the PDF beside the form
            for name in ("bob",):
                rules.cast_vote(engine, name, linked, "full_text", "include", criteria=crit)
            rules.cast_vote(engine, "alice", linked, "full_text", "include", criteria=crit)  # she changes her mind
            pdf = cairosvg.svg2pdf(bytestring=(
                b'<svg xmlns="http://www.w3.org/2000/svg" width="595" height="842">'
                b'<rect width="595" height="842" fill="white"/>'
                b'<text x="60" y="100" font-size="22" font-family="sans-serif">Peer mentoring: full text</text>'
                b"</svg>"))
            rules.attach_pdf(engine, project.data_dir, linked, "Smith 2016.pdf", pdf, by="alice")
            alice.get_by_role("link", name="Extraction").click()
            author = alice.get_by_label(re.compile(r"^Author \* · from the record"))
            author.wait_for(timeout=TIMEOUT_MS)
            assert author.input_value() == "Smith et al."
            year = alice.get_by_label(re.compile(r"^Year published \* · from the record"))
            assert year.input_value() == "2016"
            assert "doi.org/10.1056/NEJMoa1715275" in alice.locator("a[target='_blank']").evaluate_all(
                "els => els.map(e => e.href).join(' ')")
            viewer = alice.locator("canvas").first
            viewer.wait_for(timeout=TIMEOUT_MS)
            box_form, box_pdf = author.bounding_box(), viewer.bounding_box()
            assert box_pdf["x"] > box_form["x"] + box_form["width"]  # beside the form, not under it
            alice.wait_for_timeout(1500)
            alice.screenshot(path=str(SHOTS / "extraction-prefilled.png"))
        finally:
            ctx.close()
    engine.dispose()
