"""Checks on rendered query text shared by the parser tests (Ovid and PubMed input)."""

from __future__ import annotations

import re


def unquoted(q: str) -> str:
    """The query with every quoted phrase emptied (brackets inside quotes do not count)."""
    return re.sub(r'"[^"]*"', '""', q)


def balanced(q: str) -> bool:
    """Round brackets nest and close, and quotes pair up."""
    depth = 0
    for c in unquoted(q):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0 and q.count('"') % 2 == 0
