"""The include terms a screening app highlights: words and phrases, truncation as prefixes.

Only terms that select records count: a NOT clause's excluded side and limits are left out,
and so are fields that are not text (authors, dates, publication types). Ovid wildcards
inside a word (``?``, ``#``) become a prefix up to the wildcard (``tumo?r`` -> ``tumo*``).
Headings without a comma are included as phrases (``Mentoring`` -> ``mentoring``).
"""

from __future__ import annotations

import re

from review.strategy.model import BlockRef, Bool, Expr, Fielded, Heading, Limited, Near, Ref, Strategy, Term

TEXT_FIELDS = {"ti", "ab", "tw", "kw", "kf", "mp", "ot", "af", "hw", "sh", "fs", "nm", "rn", "tn", "dq"}


def highlight_terms(strategy: Strategy) -> list[str]:
    found: list[str] = []
    if strategy.line_based:
        by_number = {ln.number: ln.expr for ln in strategy.lines}
        seen: set[int] = set()
        referenced = {r.number for ln in strategy.lines for r in _refs(ln.expr)}
        roots = [ln.number for ln in strategy.lines if ln.number not in referenced] or [strategy.lines[-1].number]
        for n in roots:
            _collect_line(n, by_number, seen, found)
    else:
        for name in _included_blocks(strategy.combine):
            for entry in strategy.block(name).entries:
                _collect(entry.expr, found, None, {})
    return _dedupe(found)


def _refs(e: Expr):
    if isinstance(e, Ref):
        yield e
    elif isinstance(e, (Bool, Near)):
        for o in e.operands:
            yield from _refs(o)
    elif isinstance(e, (Fielded, Limited)):
        yield from _refs(e.expr)


def _collect_line(n: int, by_number: dict[int, Expr], seen: set[int], found: list[str]) -> None:
    if n in seen or n not in by_number:
        return
    seen.add(n)
    _collect(by_number[n], found, None, {"lines": by_number, "seen": seen})


def _included_blocks(e: Expr | None) -> list[str]:
    if isinstance(e, BlockRef):
        return [e.name]
    if isinstance(e, Bool):
        ops = e.operands[:1] if e.op == "not" else e.operands
        return [n for o in ops for n in _included_blocks(o)]
    return []


def _collect(e: Expr, found: list[str], fields: tuple[str, ...] | None, ctx: dict) -> None:
    if isinstance(e, Fielded):
        _collect(e.expr, found, e.fields, ctx)
    elif isinstance(e, Term):
        if fields is None or TEXT_FIELDS.intersection(fields):
            found.append(_as_highlight(e.text))
    elif isinstance(e, Heading):
        if "," not in e.name:
            found.append(e.name.lower())
    elif isinstance(e, (Near, Bool)):
        ops = e.operands[:1] if isinstance(e, Bool) and e.op == "not" else e.operands
        for o in ops:
            _collect(o, found, fields, ctx)
    elif isinstance(e, Limited):
        _collect(e.expr, found, fields, ctx)
    elif isinstance(e, Ref) and ctx:
        _collect_line(e.number, ctx["lines"], ctx["seen"], found)


def _as_highlight(text: str) -> str:
    text = text.lower().replace('"', "").strip()
    text = re.sub(r"\*\d", "*", text)
    m = re.search(r"[?#]", text)
    if m:
        text = text[: m.start()] + "*"
    if "*" in text[:-1]:
        text = text[: text.index("*") + 1]
    return text


def _dedupe(items: list[str]) -> list[str]:
    unique = list(dict.fromkeys(i for i in items if i and i != "*"))
    prefixes = [i[:-1] for i in unique if i.endswith("*")]

    def covered(item: str) -> bool:
        for p in prefixes:
            if item != p + "*" and item.startswith(p) and " " not in item[len(p):]:
                return True
        return False

    return [i for i in unique if not covered(i)]
