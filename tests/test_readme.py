"""Every `review ...` command the README shows exists, with every flag it uses.

The README is what a new user copies from; a renamed command or flag must fail here, not on
their machine.
"""

from __future__ import annotations

import argparse
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
