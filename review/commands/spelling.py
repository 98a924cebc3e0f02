"""One spelling per idea on the command line: ``--as NAME`` for the person acting, ``--out FILE``
for the file a command writes, and old spellings kept as aliases that still work and say, on one
line of standard error, what to write instead.

Why aliases and not a clean break: scripts and notes written against an older version keep
running; the note tells their author the one spelling the documentation now uses.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

ACTING_HELP = "who does this, for the events (default: $REVIEW_USER or the login name)"


def deprecation_note(old: str, new: str) -> str:
    """The one line an old spelling prints: what was written and what to write instead."""
    return f"review: note: '{old}' is an old spelling; write '{new}' (the old one still works)"


def note(old: str, new: str) -> None:
    """Print the deprecation note of ``old`` to standard error."""
    print(deprecation_note(old, new), file=sys.stderr)


def deprecated(base: type[argparse.Action], new: str) -> type[argparse.Action]:
    """An argparse action that does what ``base`` does (store, store_true, ...) and prints the
    deprecation note naming ``new``, the spelling to use instead."""

    class Deprecated(base):  # type: ignore[valid-type, misc]
        def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                     values: Any, option_string: str | None = None) -> None:
            note(option_string or self.dest, new)
            super().__call__(parser, namespace, values, option_string)

    return Deprecated


STORE: type[argparse.Action] = argparse._StoreAction
STORE_TRUE: type[argparse.Action] = argparse._StoreTrueAction


def add_as(p: argparse.ArgumentParser, *, old: Sequence[str] = (), dest: str = "by", required: bool = False,
           metavar: str = "NAME", help: str | None = None, default: Any = None) -> None:
    """``--as NAME`` (into ``dest``), with each of ``old`` (e.g. ``--by``) still accepted."""
    p.add_argument("--as", dest=dest, metavar=metavar, required=required and not old, default=default,
                   help=help or ACTING_HELP)
    for spelling in old:
        p.add_argument(spelling, dest=dest, metavar=metavar, default=default, help=argparse.SUPPRESS,
                       action=deprecated(STORE, f"--as {metavar}"))
    if old and required:
        _either_required(p, dest, "--as")


def add_out(p: argparse.ArgumentParser, *, old: Sequence[str] = (), dest: str = "out", required: bool = False,
            metavar: str = "FILE", help: str | None = None, type: Callable[[str], Any] | None = None,
            default: Any = None) -> None:
    """``--out FILE`` (into ``dest``), with each of ``old`` (e.g. ``--output``) still accepted."""
    p.add_argument("--out", dest=dest, metavar=metavar, required=required and not old, default=default,
                   type=type, help=help)
    for spelling in old:
        p.add_argument(spelling, dest=dest, metavar=metavar, default=default, type=type, help=argparse.SUPPRESS,
                       action=deprecated(STORE, f"--out {metavar}"))
    if old and required:
        _either_required(p, dest, "--out")


def _either_required(p: argparse.ArgumentParser, dest: str, new: str) -> None:
    """A required option with aliases: argparse cannot require 'one of these spellings', so the
    check runs after parsing (the usage error argparse itself would give)."""
    original = p.parse_known_args

    def parse_known_args(args: Any = None, namespace: Any = None) -> Any:
        ns, rest = original(args, namespace)
        if getattr(ns, dest, None) is None:
            p.error(f"the following arguments are required: {new}")
        return ns, rest

    p.parse_known_args = parse_known_args  # type: ignore[method-assign]
