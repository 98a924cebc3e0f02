"""The ``review`` command: thin over the library; one module per command group in ``review.commands``.

Exit status: 0 success (warnings included), 1 a failure the message explains, 2 bad usage or
a syntax error in user input, 141 the reader of the output went away (``review ... | head``:
the command ends quietly, as ``yes | head`` does). A failure the user can act on is a
``review.errors.ReviewError``: shown as ``review: <message>`` with its exit status, no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from review import __version__
from review.commands.context import CommandError  # noqa: F401 - where commands used to import it
from review.errors import ReviewError

# Each module has ``register(subparsers)`` adding its commands; each command sets ``func``.
COMMAND_MODULES = [
    "review.commands.core",
    "review.commands.imports",
    "review.commands.demo",
    "review.commands.app",
    "review.commands.query",
    "review.commands.search",
    "review.commands.chase",
    "review.commands.dedup",
    "review.commands.screening",
    "review.commands.library",
    "review.commands.reports",
    "review.commands.studies",
]


class _Parser(argparse.ArgumentParser):
    """The top-level parser: ``review import withdraw|edit ...`` goes to the commands
    registered for them (``review.commands.imports.route``), however the parser is called."""

    def parse_known_args(self, args=None, namespace=None):
        from review.commands.imports import route

        return super().parse_known_args(route(list(sys.argv[1:] if args is None else args)), namespace)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=argparse.ArgumentParser)
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        if not _stdout_closed():
            raise  # a broken pipe elsewhere is a real error, not a reader that went away
        return _closed_pipe()
    except ReviewError as exc:
        print(f"review: {_located(exc, args)}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("review: interrupted; everything stored so far is kept", file=sys.stderr)
        return 130


def _stdout_closed() -> bool:
    """Whether nobody reads our standard output any more (a pipe whose reader has gone);
    True where this cannot be asked (no poll on the platform)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):
        return True


def _closed_pipe() -> int:
    """The reader of our output went away (``review ... | head``): end quietly, as a Unix tool
    does. Python would print a second error flushing stdout at exit, so stdout is pointed at
    /dev/null first. Exit status 141 (128 + SIGPIPE), as a shell reports for ``yes | head``."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (e.g. captured in a test)
        pass
    return 141


def _located(exc: BaseException, args) -> str:
    """The error's message; a settings error about review.yaml names the project's file and
    the setting's line."""
    project = getattr(args, "_project", None)
    if project is None:
        return str(exc)
    from review.project import CONFIG_NAME, locate_config_message

    return locate_config_message(str(exc), project.root / CONFIG_NAME)


if __name__ == "__main__":
    raise SystemExit(main())
