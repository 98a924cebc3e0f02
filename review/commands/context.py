"""Shared CLI plumbing: the project and store a command works on, and the error a command raises
itself (``CommandError``; every error a user can act on is a ``review.errors.ReviewError``)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

import sqlalchemy as sa

from review.errors import ReviewError
from review.project import Project, load_project
from review.store import open_store


class CommandError(ReviewError):
    """A failure found by a command itself (a flag, a file it was given), shown as
    ``review: <message>``; ``status`` is the exit status (2: bad usage)."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message, exit_status=status)


def project_of(args: argparse.Namespace) -> Project:
    cached = getattr(args, "_project", None)
    if cached is None:
        cached = load_project(args.project)
        args._project = cached
        for warning in cached.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return cached


def engine_of(args: argparse.Namespace) -> sa.Engine:
    cached = getattr(args, "_engine", None)
    if cached is None:
        cached = open_store(project_of(args).database_url)
        args._engine = cached
    return cached


def actor(by: str | None = None) -> str:
    """Who runs the command, for the events: ``--by`` if given, else $REVIEW_USER, else the
    login name ("" where there is none)."""
    if by:
        return by
    if os.environ.get("REVIEW_USER"):
        return os.environ["REVIEW_USER"]
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name on this system
        return ""


def output_file(text: str) -> str:
    """argparse ``type`` of an output FILE option: a path in a folder that exists and not a
    folder itself, checked before the command does any work."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; name a file in it, e.g. {path / 'out'}")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(
            f"{text}: the folder {path.parent} does not exist; make it first or write the file elsewhere"
        )
    return text


def write_or_print(text: str, out: str | None, what: str) -> None:
    """Write ``text`` to the file ``out`` (saying so on stderr), or to stdout without one."""
    if out:
        try:
            Path(out).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise CommandError(f"{out}: cannot write {what} ({exc.strerror})") from exc
        print(f"wrote {what} to {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
