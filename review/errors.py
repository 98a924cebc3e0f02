"""The one root of every error a user can act on.

A ``ReviewError`` carries a one-line message written for the user (what is wrong, where, and
how to fix it) and the exit status the ``review`` command ends with. ``review.cli.main``
shows it as ``review: <message>`` on standard error, without a traceback, and returns its
status; the app shows the message on the page. Every such error of the library subclasses
it (format, project, store, strategy, E-utilities, screening, dedup, report errors, ...);
anything else reaching the top is a bug and keeps its traceback.

Exit statuses (as ``review.cli`` documents): 1 a failure the message explains (the default),
2 bad usage or a syntax error in user input.
"""

from __future__ import annotations

FAILURE = 1  # a failure the message explains
USAGE = 2  # bad usage, or a syntax error in user input


class ReviewError(Exception):
    """An error the user can act on: ``str(exc)`` is its one-line message, ``exit_status``
    the status ``review`` exits with (class default 1; ``exit_status=`` sets it for one
    error)."""

    exit_status: int = FAILURE

    def __init__(self, *args: object, exit_status: int | None = None):
        super().__init__(*args)
        if exit_status is not None:
            self.exit_status = exit_status
