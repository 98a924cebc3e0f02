"""`review demo` on a copy of the repository (the bundled default review), as `make demo` runs it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent


def _copy_repo(dest: Path) -> Path:
    """The tracked files of the repository (what a fresh clone holds), without run-time data."""
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True)
    names = files.stdout.split() if files.returncode == 0 else []
    if not names:  # not a git checkout: copy the project files that matter
        names = [str(p.relative_to(REPO)) for p in REPO.rglob("*")
                 if p.is_file() and not any(part in {".git", ".venv", "__pycache__"} for part in p.parts)
                 and not str(p.relative_to(REPO)).startswith("data/") or "data/sample" in str(p)]
    for name in names:
        src = REPO / name
        if src.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(src.read_bytes())
    return dest


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"NCBI_EMAIL", "NCBI_API_KEY", "REVIEW_DATABASE_URL", "REVIEW_PROJECT", "REVIEW_EUTILS_URL"}}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def _demo(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "review", "demo", *args], cwd=root,
                          capture_output=True, text=True, env=env or _env(), timeout=300)


def _links(out: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(\w+)\s+\(\w+\s*\)\s+(http://\S+\?token=\S+)$", out, re.M))


def test_demo_no_serve_runs_every_stage_offline_and_again(tmp_path):
    root = _copy_repo(tmp_path / "repo")
    first = _demo(root, "--no-serve")
    assert first.returncode == 0, first.stderr
    out = first.stdout
    # strategies rendered for all three databases, written next to the store
    for target in ("pubmed", "ovid-medline", "ovid-embase"):
        assert (root / "data" / "strategies" / f"mentoring-medical-students.{target}.txt").is_file()
    medline = (root / "data/strategies/mentoring-medical-students.ovid-medline.txt").read_text()
    assert "exp Mentors/" in medline
    assert "offline: NCBI_EMAIL is not set" in out
    # the sample imported, deduplicated, and the PRISMA counts so far add up
    assert "ovid-multidatabase-300.ris: 300 records" in out
    identified = sum(int(n) for n in re.findall(r"^      \S.*: (\d+)$", out.split("== 6.")[1].split("Duplicate")[0], re.M))
    assert identified == 80 + 102 + 102 + 300
    removed = int(re.search(r"Duplicate records removed: (\d+)$", out, re.M).group(1))
    # a demo mid-review: "Records screened: N so far, M awaiting" (the whole set once finished)
    so_far, awaiting = re.search(r"Records screened: (\d+)(?: so far, (\d+) awaiting)?$", out, re.M).groups()
    screened = int(so_far) + int(awaiting or 0)
    assert removed > 0 and identified - removed == screened
    links = _links(out)
    assert set(links) == {"alice", "bob", "carol"}
    # a second run imports nothing twice and keeps the same working sign-in links
    second = _demo(root, "--no-serve")
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("already imported") == 4
    assert _links(second.stdout) == links
    assert re.search(r"Duplicate records removed: (\d+)$", second.stdout, re.M).group(1) == str(removed)


def test_demo_searches_pubmed_when_it_is_reachable(tmp_path):
    """With NCBI_EMAIL set and E-utilities answering (the local test server), the demo runs
    the strategy in PubMed and stores the search before importing the sample."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("demo_eutils_server", REPO / "tests/pubmed/eutils_server.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    server = mod.EutilsServer(mod.build_corpus(0)).start()
    try:
        root = _copy_repo(tmp_path / "repo")
        done = _demo(root, "--no-serve", env=_env(NCBI_EMAIL="demo@example.org", REVIEW_EUTILS_URL=server.url))
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    assert "offline" not in done.stdout
    # the bundled strategy finds 10 of the local server's records, stored as import #1; PRISMA's
    # PubMed line adds them to the 80 of the sample's PubMed export
    assert "10 of 10 records stored as import #1" in done.stdout
    assert re.search(r"^\s+#1\s+PubMed\s+10\s+search$", done.stdout, re.M)
    prisma = done.stdout.split("== 6.")[1]
    assert re.search(r"^\s+PubMed: 90$", prisma, re.M)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_starts_the_app_and_its_sign_in_links_answer(tmp_path):
    root = _copy_repo(tmp_path / "repo")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "review", "demo", "--port", str(port)], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(),
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        healthy = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                healthy = requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).text == "ok"
            except requests.RequestException:
                healthy = False
            if healthy:
                break
            time.sleep(0.5)
        assert healthy, "the screening app did not come up"
        page = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.status_code == 200
    finally:
        proc.terminate()  # review stops the app it started, like Ctrl-C
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
    assert proc.returncode == 0, out
    assert "screening app stopped" in out
    links = _links(out)
    assert set(links) == {"alice", "bob", "carol"}
    assert all(url.startswith(f"http://127.0.0.1:{port}/?token=") for url in links.values())
