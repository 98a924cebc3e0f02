"""A team screening at once: N reviewers, each in their own headless Chromium context (its
own cookies and session, as separate browsers), voting by keyboard on one ``review screen``
server for a bounded time, on SQLite and on PostgreSQL.

Each reviewer signs in with a ``?token=`` link, then repeats: read the record id on the card,
press I or E, wait until the card shows another record (or the refusal message naming the
record). Afterwards the store is checked against what was pressed:

- presses: key presses sent; votes stored: current votes in the store;
- lost: presses on a record that got neither a stored vote from that reviewer nor a refusal
  message (must be 0); refused: presses answered "#N already has two votes" (the press is
  answered, not lost);
- over-votes: records with more than ``votes_per_record`` (2) current votes (must be 0);
- press -> next card: from the key press to the next record id on the card (median, p95);
- server CPU per vote: user+system CPU of the Streamlit server process over the run, divided
  by the votes stored; memory: its peak resident set (VmHWM).

    PYTHONPATH=. python benchmarks/team_load.py --reviewers 2 4 8 12 20 --seconds 40 \
        [--store sqlite postgresql] [--pg postgresql+psycopg2://postgres@127.0.0.1:5432/test]

Synthetic records (enough that no queue runs dry). Chromium: Debian's /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "screening_app"))
sys.path.insert(0, str(REPO))

from serve import review_screen  # noqa: E402

import review.screening as rules  # noqa: E402
from review.project import init_project  # noqa: E402
from review.records import Record  # noqa: E402
from review.store import add_import, add_records, open_store  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-extensions"]
RECORD = re.compile(r"record #(\d+)")
TA = "title_abstract"


def fill(engine: sa.Engine, n: int) -> None:
    words = "mentoring programme medical students group one-to-one evaluation survey outcome".split()
    recs = [
        Record(title=f"Record {i}: " + " ".join(words[(i + k) % len(words)] for k in range(12)),
               abstract=" ".join(words[(i * k) % len(words)] for k in range(60)),
               authors=[f"Author{i}, A."], year=2008 + i % 10, source_database="MEDLINE")
        for i in range(n)
    ]
    with engine.begin() as conn:
        iid = add_import(conn, kind="file", database="MEDLINE", file_name=f"synthetic-{n}")
        add_records(conn, iid, recs, batch_size=5000)


def streamlit_pid(parent: int) -> int:
    """The Streamlit server: the child of ``review screen``."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(parent)], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else parent


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def card(page, before: int | None, timeout: float) -> tuple[int | None, bool]:
    """(record on the card once it differs from ``before`` and the run is over, refused?)."""
    handle = await page.wait_for_function(
        """(before) => {
            const app = document.querySelector("[data-testid='stApp']");
            if (!app || app.dataset.testScriptState !== 'notRunning' || document.querySelector("[data-stale='true']")) return null;
            const text = document.body.innerText;
            const m = text.match(/record #(\\d+)/);
            const refused = before !== null && text.includes('#' + before + ' already has');
            if (m && Number(m[1]) !== before) return [Number(m[1]), refused];
            if (!m && text.includes('queue for this stage is empty')) return [null, refused];
            return null;
        }""",
        arg=before, timeout=timeout * 1000, polling=20,
    )
    rid, refused = await handle.json_value()
    return rid, bool(refused)


async def reviewer(browser, url: str, name: str, token: str, seconds: float, start: dict, log: dict) -> None:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    page.set_default_navigation_timeout(300_000)  # N browsers signing in at once on a loaded machine
    await page.goto(f"{url}?token={token}")
    current, _ = await card(page, None, 180)
    start["ready"] += 1
    if start["ready"] == start["of"]:  # every reviewer has a card: the timed run starts together
        start["until"] = time.monotonic() + seconds
        start["event"].set()
    await start["event"].wait()
    n = 0
    while current is not None and time.monotonic() < start["until"]:
        key = "i" if n % 3 else "e"
        t0 = time.perf_counter()
        await page.locator("body").press(key)
        log["presses"].append((name, current))
        answer = None
        for attempt in range(3):  # a card that stays put 20 s is pressed again, as a person would
            try:
                answer = await card(page, current, 20)
                break
            except Exception:  # noqa: BLE001 - the card did not move on
                if attempt < 2:
                    log["again"] += 1
                    await page.locator("body").press(key)
        if answer is None:
            log["stuck"].append((name, current))
            break
        nxt, refused = answer
        log["latency"].append(time.perf_counter() - t0)
        if refused:
            log["refused"].add((name, current))
        current = nxt
        n += 1
    await ctx.close()


async def drive(url: str, tokens: dict[str, str], seconds: float) -> dict:
    from playwright.async_api import async_playwright

    log = {"presses": [], "latency": [], "refused": set(), "stuck": [], "again": 0}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        start = {"ready": 0, "of": len(tokens), "event": asyncio.Event(), "until": 0.0}
        await asyncio.gather(*[reviewer(browser, url, name, tok, seconds, start, log) for name, tok in tokens.items()])
        await browser.close()
    return log


def run(n: int, store: str, pg: str, seconds: float, records: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        project = init_project(Path(tmp) / "proj")
        schema = None
        if store == "postgresql":
            schema = f"bench_team_{uuid.uuid4().hex[:10]}"
            admin = sa.create_engine(pg)
            with admin.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            url = f"{pg}?options=-csearch_path%3D{schema}"
            text = (project.root / "review.yaml").read_text()
            (project.root / "review.yaml").write_text(f"database_url: {url}\n" + text)
            from review.project import load_project

            project = load_project(project.root)
        try:
            engine = open_store(project.database_url)
            fill(engine, records)
            tokens = {f"r{i:02d}": rules.add_reviewer(engine, f"r{i:02d}") for i in range(n)}
            rules.prepare_queue(engine)
            with review_screen(project.root, Path(tmp) / "screen.log") as (app_url, proc):
                pid = streamlit_pid(proc.pid)
                cpu0 = cpu_seconds(pid)
                load0 = os.getloadavg()[0]
                t0 = time.monotonic()
                log = asyncio.run(drive(app_url, tokens, seconds))
                wall = time.monotonic() - t0
                cpu = cpu_seconds(pid) - cpu0
                rss = peak_rss_mb(pid)
                load1 = os.getloadavg()[0]
            with engine.connect() as conn:
                votes = conn.execute(sa.text(
                    "select reviewer, record_id from screening_votes where current and stage = 'title_abstract'"
                    if store == "postgresql" else
                    "select reviewer, record_id from screening_votes where current = 1 and stage = 'title_abstract'"
                )).all()
                over = conn.execute(sa.text(
                    "select count(*) from (select record_id from screening_votes where current"
                    + ("" if store == "postgresql" else " = 1")
                    + " group by stage, record_id having count(*) > 2) x"
                )).scalar_one()
            engine.dispose()
        finally:
            if schema:
                with admin.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    stored = {(r, int(rid)) for r, rid in votes}
    stuck = set(log["stuck"])
    # lost: the card moved on, yet neither a vote of that reviewer on that record is stored
    # nor was the press answered with the refusal naming the record
    lost = [p for p in log["presses"] if p not in stored and p not in log["refused"] and p not in stuck]
    unanswered = [p for p in stuck if p not in stored]
    lat = sorted(log["latency"])
    return {
        "N": n, "store": store, "presses": len(log["presses"]), "votes": len(stored),
        "lost": len(lost), "unanswered": len(unanswered), "again": log["again"], "refused": len(log["refused"]), "over": int(over),
        "median_ms": 1000 * statistics.median(lat) if lat else float("nan"),
        "p95_ms": 1000 * lat[int(0.95 * (len(lat) - 1))] if lat else float("nan"),
        "cpu_ms_per_vote": 1000 * cpu / max(len(stored), 1), "peak_rss_mb": rss,
        "wall_s": wall, "load": (load0, load1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reviewers", type=int, nargs="+", default=[2, 4, 8, 12, 20])
    ap.add_argument("--store", nargs="+", default=["sqlite", "postgresql"])
    ap.add_argument("--seconds", type=float, default=40)
    ap.add_argument("--records", type=int, default=3000)
    ap.add_argument("--pg", default="postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()
    print("| store | N | presses | votes stored | lost | refused | pressed again (card stayed 20 s) | no answer after 3 presses | over-votes "
          "| press→next card median / p95 (ms) | server CPU per vote (ms) | server peak RSS (MB) | load avg (start→end) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|")
    for store in args.store:
        for n in args.reviewers:
            r = run(n, store, args.pg, args.seconds, args.records)
            print(f"| {'SQLite' if store == 'sqlite' else 'PostgreSQL'} | {n} | {r['presses']} | {r['votes']} | "
                  f"{r['lost']} | {r['refused']} | {r['again']} | {r['unanswered']} | {r['over']} | {r['median_ms']:.0f} / {r['p95_ms']:.0f} | "
                  f"{r['cpu_ms_per_vote']:.0f} | {r['peak_rss_mb']:.0f} | {r['load'][0]:.1f}→{r['load'][1]:.1f} |",
                  flush=True)


if __name__ == "__main__":
    main()
