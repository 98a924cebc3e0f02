"""Every `review ...` command the README shows exists, with every flag it uses.

The README is what a new user copies from; a renamed command or flag must fail here, not on
their machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
from pathlib import Path

from review.cli import build_parser

README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    fenced = re.findall(r"```(\w*)\n(.*?)```", text, re.S)
    blocks = [body for lang, body in fenced if lang in ("", "sh", "bash")]
    inline = re.findall(r"`((?:\.venv/bin/)?review [^`]+)`", text)
    lines = [line for block in blocks for line in block.splitlines()] + inline
    commands = []
    for line in lines:
        line = line.split(" #", 1)[0].strip()
        line = re.sub(r"^(\.\./)?\.venv/bin/", "", line)
        if line.startswith("review ") and "|" not in line:
            commands.append(line)
    return commands


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {s for a in parser._actions for s in a.option_strings}


def test_readme_shows_the_main_commands():
    commands = _readme_commands()
    shown = {c.split()[1] for c in commands}
    assert {"demo", "query", "search", "import", "dedup", "reviewers", "screen", "prisma",
            "export", "report", "decisions", "agreement", "init", "status"} <= shown


def test_every_readme_command_and_flag_exists():
    root = build_parser()
    problems = []
    for command in _readme_commands():
        tokens = shlex.split(command.replace("...", "").replace("\\|", "|"))[1:]
        parser, path = root, ["review"]
        for token in tokens:
            children = _subparsers(parser)
            if token in children:
                parser = children[token]
                path.append(token)
            elif token.startswith("--"):
                flag = token.split("=", 1)[0]
                if flag not in _options(parser) | _options(root):
                    problems.append(f"{command!r}: {' '.join(path)} has no {flag}")
            elif not children:
                continue
            elif len(path) == 1 or _subparsers(parser):
                if not token.startswith("-"):
                    problems.append(f"{command!r}: {' '.join(path)} has no subcommand {token!r}")
                break
        if len(path) == 1:
            problems.append(f"{command!r}: not a review command")
    assert not problems, "\n".join(problems)


def test_every_concrete_readme_command_parses(capsys):
    """Commands without placeholders parse as written (choices such as --to/--format included)."""
    root = build_parser()
    failures = []
    for command in _readme_commands():
        if re.search(r"\.\.\.|\[|\b[A-Z]{3,}\b", command):
            continue  # a template: NAME, FILE, [--json], ...
        try:
            root.parse_args(shlex.split(command)[1:])
        except SystemExit:
            failures.append(f"{command!r}: {capsys.readouterr().err.strip().splitlines()[-1]}")
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------------------
# The walkthrough, run as written on a fresh clone

WALKTHROUGH = "## A five-minute walkthrough"


def walkthrough_commands() -> list[list[str]]:
    """The walkthrough's shell lines, in order, each split as the shell would (comments off)."""
    text = README.read_text(encoding="utf-8")
    start = text.index(WALKTHROUGH)
    end = text.index("\n## ", start + 1)
    out = []
    for lang, body in re.findall(r"```(\w*)\n(.*?)```", text[start:end], re.S):
        if lang in ("", "sh", "bash"):
            out += [words for line in body.splitlines() if (words := shlex.split(line, comments=True))]
    return out


def test_every_file_the_walkthrough_names_ships():
    from fresh_clone import tracked

    text = README.read_text(encoding="utf-8")
    section = text[text.index(WALKTHROUGH):]
    named = sorted(set(re.findall(r"data/walkthrough/[\w.-]+", section)))
    assert len(named) >= 6, named
    missing = [path for path in named if not tracked(path)]
    assert not missing, f"the README names files a clone does not get: {missing}"
    sources = (README.parent / "data" / "walkthrough" / "SOURCES.md").read_text(encoding="utf-8")
    for path in (README.parent / "data" / "walkthrough").iterdir():
        if path.name != "SOURCES.md" and not path.name.startswith("LICENSE"):
            assert f"`{path.name}`" in sources, f"{path.name} has no origin in SOURCES.md"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve_and_stop(cmd: list[str], cwd, env) -> str:
    """`review screen`: start it, check the app answers, stop it as Ctrl-C would."""
    import signal
    import subprocess
    import time

    import requests

    port = int(cmd[cmd.index("--port") + 1]) if "--port" in cmd else 8501
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).text == "ok":
                    break
            except requests.RequestException:
                time.sleep(0.5)
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
    assert proc.returncode == 0, out
    return out


def test_the_walkthrough_runs_as_written_on_a_fresh_clone_after_the_demo(tmp_path):
    """`make demo`, then every command of the README's walkthrough in order, in a fresh clone
    with a home folder of its own: each succeeds, the counts the README states are the ones
    printed, and the demo's sign-in links still sign in afterwards. (`review` is the clone's;
    `review screen` is started, checked and stopped, on a free port instead of the README's.)"""
    import subprocess
    import sys

    from fresh_clone import copy_repo

    clone = copy_repo(tmp_path / "clone")
    home = tmp_path / "home"
    home.mkdir()
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "review").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m review "$@"\n')
    (shim / "review").chmod(0o755)
    env = {k: v for k, v in os.environ.items()
           if k not in {"NCBI_EMAIL", "NCBI_API_KEY", "REVIEW_DATABASE_URL", "REVIEW_PROJECT", "REVIEW_EUTILS_URL"}}
    env.update(HOME=str(home), PYTHONPATH=str(clone), PATH=f"{shim}{os.pathsep}{env.get('PATH', '')}")

    demo = subprocess.run(["review", "demo", "--no-serve"], cwd=clone, env=env, capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr
    demo_links = dict(re.findall(r"^\s+(\w+)\s+\(\w+\s*\)\s+http://\S+\?token=(\S+)$", demo.stdout, re.M))
    assert set(demo_links) == {"alice", "bob", "carol"}

    commands = walkthrough_commands()
    assert commands[0] == [".", ".venv/bin/activate"]  # the shim stands in for the venv's PATH
    assert commands[1][:2] == ["review", "init"] and "--example" in commands[1]
    cwd, printed = clone, {}
    for words in commands[1:]:
        words = [f"{home}{w[1:]}" if w == "~" or w.startswith("~/") else w for w in words]  # as the shell expands ~
        if words[0] == "cd":
            cwd = Path(words[1])
            assert cwd.is_dir(), words
            continue
        assert words[0] == "review", f"the walkthrough runs only review commands: {words}"
        line = " ".join(words)
        if words[1] == "screen":
            if "--port" in words:
                words[words.index("--port") + 1] = str(_free_port())
            else:
                words += ["--port", str(_free_port())]
            printed[line] = _serve_and_stop(words, cwd, env)
            continue
        done = subprocess.run(words, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        printed[line] = done.stdout + done.stderr
    assert cwd == home / "mentoring-walkthrough"

    def output(prefix: str) -> str:
        return "\n".join(out for line, out in printed.items() if line.startswith(prefix))

    assert "61 records from 4 imports" in output("review status")
    assert "6 duplicates removed" in output("review dedup")
    assert re.search(r"alice\s+maybe\s+bob\s+exclude", output("review conflicts"))
    assert "imported 110 votes" in output("review decisions import data/walkthrough/votes-title-abstract.csv")
    assert "all boxes add up" in output("review prisma")
    for made in ("prisma.svg", "prisma.csv", "draft.svg", "charting.docx", "checklist.docx", "pack.docx"):
        assert (cwd / made).is_file(), made
    assert "Screening app for 'mentoring-walkthrough'" in output("review screen")

    # the demo's store and reviewers are untouched: its links still sign in
    from review.screening import authenticate
    from review.store import open_store

    engine = open_store(f"sqlite:///{clone / 'data' / 'review.sqlite'}")
    try:
        with engine.connect() as conn:
            assert {name: authenticate(conn, token).name for name, token in demo_links.items()} == \
                {name: name for name in demo_links}
    finally:
        engine.dispose()
