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
from fresh_clone import REPO, copy_repo


_copy_repo = copy_repo


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
    # PubMed line adds them to the 80 of the sample's PubMed export and the 2 x 102 records of
    # the same PubMed search kept in EndNote (EndNote is not a database: its files count as PubMed)
    assert "10 of 10 records stored as import #1" in done.stdout
    assert re.search(r"^\s+#1\s+PubMed\s+10\s+search$", done.stdout, re.M)
    prisma = done.stdout.split("== 6.")[1]
    assert re.search(r"^\s+PubMed: 294$", prisma, re.M)
    assert "EndNote" not in prisma


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read_until(proc: subprocess.Popen, marker: str, timeout: float) -> list[str]:
    """Lines of ``proc``'s output up to and including the first holding ``marker``."""
    import queue
    import threading

    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if marker in line:
            break
    proc._rest = lines  # what comes after, read when the app stops
    return seen


def test_demo_starts_the_app_and_prints_its_sign_in_links_last(tmp_path):
    """The links come once the app answers, after Streamlit's own start-up lines, so they are
    the last thing on the screen of `make demo`; each signs in to the running app."""
    root = _copy_repo(tmp_path / "repo")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "review", "demo", "--port", str(port)], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(),
                            start_new_session=True)
    try:
        head = _read_until(proc, "demo tokens are kept in", timeout=180)
        assert head and "demo tokens are kept in" in head[-1], "".join(head)
        out = "".join(head)
        # the app is up when the links are printed, and Streamlit's lines came before them
        assert requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=5).text == "ok"
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
        links_at = out.index("Sign-in links for the demo reviewers")
        assert "Screening app for" in out[:links_at]
        if "You can now view" in out:
            assert out.index("You can now view") < links_at
        tail = out[links_at:].splitlines()[1:-1]
        assert len(tail) == 3 and all("?token=" in line for line in tail), tail
    finally:
        proc.terminate()  # review stops the app it started, like Ctrl-C
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    rest = []
    while (line := proc._rest.get(timeout=30)) is not None:
        rest.append(line)
    assert proc.returncode == 0, out + "".join(rest)
    assert "screening app stopped" in "".join(rest)
    links = _links(out)
    assert set(links) == {"alice", "bob", "carol"}
    assert all(url.startswith(f"http://127.0.0.1:{port}/?token=") for url in links.values())


# --------------------------------------------------------------------------------------
# The demo never touches a user's project or reviewers


def _review(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "review", *args], cwd=root,
                          capture_output=True, text=True, env=_env(), timeout=300)


def test_demo_refuses_a_users_project_and_writes_nothing_there(tmp_path):
    """In a project made with `review init` the demo says what it is for and what to run
    instead, before it opens (or creates) the store or writes a token file."""
    mine = tmp_path / "mine"
    assert _review(tmp_path, "init", str(mine)).returncode == 0
    before = sorted(p.relative_to(mine) for p in mine.rglob("*"))
    done = _review(mine, "demo", "--no-serve")
    assert done.returncode == 1
    message = done.stderr.strip()
    assert message.startswith("review: `review demo` runs only on the bundled default review"), message
    assert "review screen" in message and "review init DIR --example" in message
    assert "review reviewers add NAME" in message
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert sorted(p.relative_to(mine) for p in mine.rglob("*")) == before
    assert not (mine / "data" / "demo-tokens.json").exists()


def test_demo_leaves_a_reviewer_added_by_hand_signed_in(tmp_path):
    """`review reviewers add alice` in the default review, then `review demo` twice: alice's
    own token still signs in (the demo printed no link for her, saying why); bob and carol
    are the demo's, with the same links both times."""
    from review.screening import authenticate
    from review.store import open_store

    root = _copy_repo(tmp_path / "repo")
    added = _review(root, "reviewers", "add", "alice")
    assert added.returncode == 0, added.stderr
    alice_token = added.stdout.strip().splitlines()[-1]
    first = _demo(root, "--no-serve")
    assert first.returncode == 0, first.stderr
    links = _links(first.stdout)
    assert set(links) == {"bob", "carol"}
    assert re.search(r"^\s+alice\s+\(reviewer\)\s+no link: alice signs in with a token not issued by the demo",
                     first.stdout, re.M)
    second = _demo(root, "--no-serve")
    assert _links(second.stdout) == links
    engine = open_store(f"sqlite:///{root / 'data' / 'review.sqlite'}")
    try:
        with engine.connect() as conn:
            assert authenticate(conn, alice_token).name == "alice"
            for name, url in links.items():
                assert authenticate(conn, url.split("?token=")[1]).name == name
    finally:
        engine.dispose()
    # the token file holds the demo's own reviewers only, says what it is, owner-only
    tokens = root / "data" / "demo-tokens.json"
    assert tokens.stat().st_mode & 0o777 == 0o600
    import json

    data = json.loads(tokens.read_text())
    assert "review demo" in data["_comment"] and "review reviewers add" in data["_comment"]
    assert set(data["tokens"]) == {"bob", "carol"}


def test_make_demo_installs_quietly_and_ends_with_the_demo(tmp_path):
    """`make demo` on a fresh machine (dry run): every pip install is quiet (-qq: errors
    only, no pages of "Requirement already satisfied"), and the demo is the last command, so
    its sign-in links end the output."""
    # run as a user would, not as a sub-make of `make test` (whose MAKELEVEL/MAKEFLAGS would add
    # "make[1]: Entering directory" lines)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    done = subprocess.run(["make", "--no-print-directory", "-n", "demo", f"VENV={tmp_path / 'venv'}"],
                          cwd=REPO, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    installs = [line for line in lines if " pip " in line and " install " in line]
    assert len(installs) >= 2 and all(" -qq " in line for line in installs), installs
    assert lines[-1].endswith("review demo")


def test_demo_outside_any_project_names_the_folder_it_runs_in(tmp_path):
    done = _review(tmp_path, "demo", "--no-serve")
    assert done.returncode == 1
    assert "runs in the bundled default review, the repository folder" in done.stderr
    assert "make demo" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_demo_in_a_users_project_points_at_a_token_file_an_older_demo_left(tmp_path):
    mine = tmp_path / "mine"
    assert _review(tmp_path, "init", str(mine)).returncode == 0
    leftover = mine / "data" / "demo-tokens.json"
    leftover.write_text('{"alice": "secret"}')
    done = _review(mine, "demo", "--no-serve")
    assert done.returncode == 1
    assert f"{leftover} was written by an earlier `review demo`" in done.stderr
    assert "review reviewers revoke NAME" in done.stderr
    assert leftover.read_text() == '{"alice": "secret"}'  # the user's to delete, not ours
