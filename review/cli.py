"""The ``review`` command: thin over the library; one module per command group in ``review.commands``.

Exit status: 0 success (warnings included), 1 a failure the message explains, 2 bad usage or
a syntax error in user input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from review import __version__

# Each module has ``register(subparsers)`` adding its commands; each command sets ``func``.
COMMAND_MODULES = [
    "review.commands.core",
    "review.commands.demo",
    "review.commands.app",
    "review.commands.query",
    "review.commands.search",
    "review.commands.dedup",
    "review.commands.screening",
    "review.commands.library",
    "review.commands.reports",
    "review.commands.studies",
]


class CommandError(Exception):
    """A failure to report to the user as ``review: <message>`` with an exit status."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="review",
        description="Scoping-review pipeline: search, import, dedup, dual screening, charting, PRISMA.",
    )
    parser.add_argument("--version", action="version", version=f"review {__version__}")
    parser.add_argument(
        "--project",
        metavar="DIR",
        default=None,
        help="the review project folder (default: the project holding the current folder; "
        "the repository itself is the bundled default review)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from review.commands.context import known_errors

    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"review: {exc}", file=sys.stderr)
        return exc.status
    except known_errors() as exc:  # type: ignore[misc]
        print(f"review: {_located(exc, args)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("review: interrupted; everything stored so far is kept", file=sys.stderr)
        return 130


def _located(exc: BaseException, args) -> str:
    """The error's message; a settings error about review.yaml names the project's file and
    the setting's line."""
    project = getattr(args, "_project", None)
    if project is None:
        return str(exc)
    from review.project import CONFIG_NAME, locate_config_message

    return locate_config_message(str(exc), project.root / CONFIG_NAME)


if __name__ == "__main__":
    # ``python -m review.cli`` runs this file as __main__: call the imported review.cli, whose
    # CommandError is the class the commands raise (else each one ends in a traceback)
    from review.cli import main as _main

    raise SystemExit(_main())
