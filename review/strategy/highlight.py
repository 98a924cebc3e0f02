"""Highlight terms: which terms a strategy contributes, and where a term matches a text.

The one place a highlight term meets text: the screening app marks the matches
(``TermMatcher.spans``) and the relevance ranking counts the distinct terms a record holds
(``TermMatcher.found``), so what is highlighted is what is counted.

A term is a word or phrase, with a trailing ``*`` (or Ovid's ``$``) for truncation and ``?``
or ``#`` for one character, or a proximity term in Ovid's syntax: ``balint adj3 group*``
(within 3 words, any order: at most 2 words between) or ``group adj work`` (next to each
other, in that order); ``a adj3 b adj2 c`` chains. A proximity term matches only where its
words occur that close together within one field (a line break ends a field), and only those
occurrences are marked: "group" elsewhere in the abstract is not.

``highlight_terms(strategy)``: only terms that select records count: a NOT clause's excluded
side and limits are left out, and so are fields that are not text (authors, dates,
publication types). Ovid wildcards inside a word (``?``, ``#``) become a prefix up to the
wildcard (``tumo?r`` -> ``tumo*``). Headings without a comma are included as phrases
(``Mentoring`` -> ``mentoring``). A proximity line (``{near: [balint, group*], adj: 3}``)
becomes one proximity term, one per combination when an operand is an OR of words.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from review.strategy.model import BlockRef, Bool, Expr, Fielded, Heading, Limited, Near, Ref, Strategy, Term

TEXT_FIELDS = {"ti", "ab", "tw", "kw", "kf", "mp", "ot", "af", "hw", "sh", "nm", "rn", "tn", "dq"}


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
    elif isinstance(e, Near) and (terms := _proximity_terms(e, fields)) is not None:
        found.extend(terms)
    elif isinstance(e, (Near, Bool)):
        ops = e.operands[:1] if isinstance(e, Bool) and e.op == "not" else e.operands
        for o in ops:
            _collect(o, found, fields, ctx)
    elif isinstance(e, Limited):
        _collect(e.expr, found, fields, ctx)
    elif isinstance(e, Ref) and ctx:
        _collect_line(e.number, ctx["lines"], ctx["seen"], found)


MAX_COMBINATIONS = 50  # an OR inside a proximity line: one term per combination, up to this


def _proximity_terms(e: Near, fields: tuple[str, ...] | None) -> list[str] | None:
    """``a adjN b`` terms for a proximity line ([] when its fields are not text), or None
    when an operand is more than words OR-ed together (then its words count one by one)."""
    if fields is not None and not TEXT_FIELDS.intersection(fields):
        return []
    options = [_alternatives(o) for o in e.operands]
    if any(not o for o in options) or len(e.operands) < 2:
        return None
    combos = list(itertools.islice(itertools.product(*options), MAX_COMBINATIONS + 1))
    if len(combos) > MAX_COMBINATIONS:
        return None
    joint = " adj " if e.distance is None else f" adj{e.distance} "
    return [joint.join(c) for c in combos]


def _alternatives(e: Expr) -> list[str]:
    """The words an operand of a proximity line stands for: a word, or words OR-ed."""
    if isinstance(e, Term):
        return [_as_highlight(e.text)]
    if isinstance(e, Fielded):
        return _alternatives(e.expr)
    if isinstance(e, Bool) and e.op == "or":
        alts = [_alternatives(o) for o in e.operands]
        return [] if any(not a for a in alts) else [w for a in alts for w in a]
    return []


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


# --- matching ----------------------------------------------------------------------------

_TRUNCATION = "*$"
_WILDCARD = "?#"
_PROXIMITY = re.compile(r"\s+adj(\d*)\s+", re.IGNORECASE)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Proximity:
    """``a adj3 b``: ``operands`` (words or phrases), ``distances[k]`` between operand k and
    k+1: N = within N words in any order (at most N-1 words between), None = next to each
    other in the given order."""

    operands: tuple[str, ...]
    distances: tuple[int | None, ...]


def parse_term(term: str) -> str | Proximity:
    """A term as written: the plain term, or its proximity parts."""
    parts = _PROXIMITY.split(" ".join(str(term).split()))
    if len(parts) < 3:
        return str(term)
    operands = tuple(p.strip() for p in parts[0::2])
    distances = tuple(int(d) if d else None for d in parts[1::2])
    return Proximity(operands, distances)


def term_pattern(term: str) -> str | None:
    """One plain term as a regex fragment, or None when nothing usable is left (under two
    letters). Spaces and hyphens between words are interchangeable."""
    term = " ".join(str(term).strip().strip('"').split())
    truncated = False
    while term and term[-1] in _TRUNCATION:
        term = term[:-1]
        truncated = True
    if len(term.replace(" ", "")) < 2:
        return None
    parts: list[str] = []
    for ch in term:
        if ch.isspace():
            parts.append(r"[\s\-]+")
        elif ch in _WILDCARD:
            parts.append(r"\w?")
        elif ch in _TRUNCATION:
            parts.append(r"\w*")
        else:
            parts.append(re.escape(ch))
    start = r"\b" if term[0].isalnum() else ""
    end = r"\w*" if truncated else (r"\b" if term[-1].isalnum() else "")
    return f"{start}{''.join(parts)}{end}"


def terms_regex(terms: Iterable[str]) -> str | None:
    """An alternation of plain terms (longest first), or None when there are none."""
    patterns = {p for t in terms if (p := term_pattern(str(t)))}
    if not patterns:
        return None
    return "|".join(sorted(patterns, key=lambda p: (-len(p), p)))


Span = tuple[int, int]


@dataclass(frozen=True)
class _Near:
    term: str
    operands: tuple[re.Pattern[str], ...]
    distances: tuple[int | None, ...]


class TermMatcher:
    """Where a list of terms (plain and proximity) matches a text. Case-insensitive."""

    def __init__(self, terms: Iterable[str]) -> None:
        plain: dict[str, re.Pattern[str]] = {}
        near: list[_Near] = []
        for term in dict.fromkeys(str(t) for t in terms):
            parsed = parse_term(term)
            if isinstance(parsed, Proximity):
                ops = [term_pattern(o) for o in parsed.operands]
                if all(ops):
                    near.append(_Near(term, tuple(re.compile(o, re.IGNORECASE) for o in ops), parsed.distances))
            elif (pattern := term_pattern(parsed)) is not None:
                plain[term] = re.compile(pattern, re.IGNORECASE)
        self._plain = plain
        self._near = near
        joint = terms_regex(plain)
        self._any_plain = re.compile(joint, re.IGNORECASE) if joint else None

    def __bool__(self) -> bool:
        return bool(self._plain or self._near)

    def spans(self, text: str) -> list[Span]:
        """The stretches to mark, left to right, never overlapping: each plain term's
        matches, and each word of a proximity term where it is close enough to the others."""
        found: list[Span] = []
        if self._any_plain is not None:
            found += [m.span() for m in self._any_plain.finditer(text) if m.end() > m.start()]
        for near in self._near:
            for offset, line in _lines(text):
                found += [(offset + a, offset + b) for a, b in _near_spans(near, line)]
        return _non_overlapping(found)

    def found(self, text: str) -> list[str]:
        """The distinct terms that match the text (in the order given)."""
        out = [t for t, p in self._plain.items() if p.search(text)]
        out += [n.term for n in self._near if any(_near_spans(n, line) for _, line in _lines(text))]
        return out


def _lines(text: str) -> list[tuple[int, str]]:
    """(offset, line): a proximity match stays within one field, and a line break ends one."""
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


@dataclass(frozen=True)
class _Hit:
    span: Span
    first: int  # index of its first word
    last: int  # index of its last word


def _hits(pattern: re.Pattern[str], text: str, starts: Sequence[int]) -> list[_Hit]:
    out = []
    for m in pattern.finditer(text):
        if m.end() == m.start():
            continue
        first = bisect.bisect_right(starts, m.start()) - 1
        last = bisect.bisect_left(starts, m.end()) - 1
        out.append(_Hit(m.span(), max(first, 0), max(last, first, 0)))
    return out


def _close(a: _Hit, b: _Hit, distance: int | None) -> bool:
    """Operand b's hit is close enough to operand a's (Ovid adj / adjN)."""
    if distance is None:
        return b.first == a.last + 1
    if a.last < b.first:
        between = b.first - a.last - 1
    elif b.last < a.first:
        between = a.first - b.last - 1
    else:
        return False  # the same words cannot be two operands
    return between <= max(distance, 1) - 1


def _near_spans(near: _Near, text: str) -> list[Span]:
    """The operands' hits that belong to a chain of hits, each close enough to the next."""
    if not all(p.search(text) for p in near.operands):
        return []  # the common case, decided before the text is split into words
    starts = [m.start() for m in _WORD.finditer(text)]
    hits = [_hits(p, text, starts) for p in near.operands]
    if any(not h for h in hits):
        return []
    # forward: hits reachable from a hit of the first operand; backward: reaching the last
    forward = [set(range(len(hits[0])))]
    for k, dist in enumerate(near.distances):
        forward.append({j for j, b in enumerate(hits[k + 1])
                        if any(_close(hits[k][i], b, dist) for i in forward[k])})
    backward = [set() for _ in hits]
    backward[-1] = set(range(len(hits[-1])))
    for k in range(len(near.distances) - 1, -1, -1):
        dist = near.distances[k]
        backward[k] = {i for i, a in enumerate(hits[k])
                       if any(_close(a, hits[k + 1][j], dist) for j in backward[k + 1])}
    return [hits[k][i].span for k in range(len(hits)) for i in sorted(forward[k] & backward[k])]


def _non_overlapping(spans: Iterable[Span]) -> list[Span]:
    """Left to right; where two overlap, the one starting first (then the longer) is kept."""
    out: list[Span] = []
    for start, end in sorted(set(spans), key=lambda s: (s[0], -(s[1] - s[0]))):
        if not out or start >= out[-1][1]:
            out.append((start, end))
    return out
