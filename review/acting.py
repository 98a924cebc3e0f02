"""The person acting, spelled once: a library function that records who did something takes that
name as the keyword-only ``by`` (the command line's ``--as NAME``).

Not the person acting, and so not ``by``: the reviewer whose data a function reads or writes
(``cast_vote(engine, reviewer, ...)``, ``set_value(..., reviewer)``, ``next_record_id(conn,
reviewer, stage)``, ``add_label(engine, reviewer, ...)``: the votes, values, queue and labels are
that reviewer's own), and the person looking in a read (``conflicts_for(conn, reviewer, ...)``:
what they may see). ``store.log_event(..., actor=)`` keeps the name of the events table's column
it fills.

Older spellings (``actor=``, ``author=``, ``resolver``, ``lead``, ``by`` as a positional argument)
still work through ``old_spelling`` with a DeprecationWarning, so that scripts written against an
earlier version keep running while they move to ``by=``.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def old_spelling(keyword: str | None = None, *, position: int | None = None) -> Callable[[F], F]:
    """Decorator for a function whose person acting is now the keyword-only ``by``: a call that
    names them the old way (the keyword ``keyword``, or, without ``by=``, the positional argument
    at index ``position`` of the old signature) is passed on as ``by=`` with a DeprecationWarning
    saying what to write instead."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if keyword is not None and keyword in kwargs:
                if "by" in kwargs:
                    raise TypeError(f"{func.__name__}() got both by= and its old spelling {keyword}=")
                _warn(func, f"{keyword}=")
                kwargs["by"] = kwargs.pop(keyword)
            elif position is not None and "by" not in kwargs and len(args) > position:
                _warn(func, f"the person acting as positional argument {position + 1}")
                kwargs["by"] = args[position]
                args = args[:position] + args[position + 1:]
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _warn(func: Callable[..., Any], old: str) -> None:
    warnings.warn(f"{func.__module__}.{func.__name__}: {old} is an old spelling; name the person "
                  "acting with the keyword by=", DeprecationWarning, stacklevel=3)
