"""Progress of a long command on the terminal: one line per phase, redrawn in place, on
standard error and only when it is a terminal (a pipe or a log file gets nothing)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

Progress = Callable[[int, int, str], None]


def terminal_progress(label: str, stream: TextIO | None = None) -> Progress | None:
    """A ``progress(done, total, phase)`` printing to ``stream`` (default stderr), or None
    when ``stream`` is not a terminal.

    Each phase gets one line, "<label>: <phase> <done> of <total> (<percent>%)", redrawn
    with a carriage return when its percentage moves and ended with a newline when the phase
    reaches its total.
    """
    out = stream if stream is not None else sys.stderr
    isatty = getattr(out, "isatty", None)
    if not (callable(isatty) and isatty()):
        return None
    last: list[tuple[str, int]] = []

    def show(done: int, total: int, phase: str) -> None:
        percent = 100 * done // total if total else 100
        if last and last[-1] == (phase, percent):
            return
        if last and last[-1][0] != phase and last[-1][1] < 100:
            out.write("\n")  # the previous phase ended without reaching its total
        last.append((phase, percent))
        count = f" {done:,} of {total:,}" if total > 1 else ""
        out.write(f"\r{label}: {phase}{count} ({percent}%)")
        if percent >= 100:
            out.write("\n")
        out.flush()

    return show
