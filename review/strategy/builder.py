"""What the Strategy page shows and reads, as plain data: a term's form, each database's lines
with their warnings beside them, and a pasted strategy turned into a YAML draft.

The page (screening_app/views/strategy.py) only draws these; the rules live here and in
``review.strategy.edit`` (changes) and ``review.strategy.load`` (what is valid).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from review.strategy.model import DATABASE_NAMES, VOCABULARIES, Strategy, StrategyError
from review.strategy.render import line_label, render

__all__ = ["TERM_FORM_KINDS", "term_from_form", "form_of_term", "DatabaseLine", "DatabaseView", "database_views"]

# The kinds of term the form offers: a heading in one thesaurus, free text, or proximity.
TERM_FORM_KINDS = (*VOCABULARIES, "text", "near")


def _words(text: str) -> list[str]:
    return [w.strip() for w in re.split(r"[,;]", text or "") if w.strip()]


def term_from_form(kind: str, value: str, *, explode: bool = False, major: bool = False, subheadings: str = "",
                   fields: str = "", adj: int | None = None) -> dict[str, Any]:
    """The YAML term mapping a form describes. ``near`` takes its words separated by commas, a
    word's alternatives by ``|`` (``medical|medicine, student*``); ``fields`` and ``subheadings``
    are comma-separated codes (blank fields: the block's own)."""
    if kind not in TERM_FORM_KINDS:
        raise StrategyError(f"unknown kind of term {kind!r} (use {', '.join(TERM_FORM_KINDS)})")
    term: dict[str, Any] = {}
    if kind in VOCABULARIES:
        term[kind] = (value or "").strip()
        term["explode"] = bool(explode)
        term["major"] = bool(major)
        if _words(subheadings):
            term["subheadings"] = [s.lower() for s in _words(subheadings)]
    elif kind == "text":
        term["text"] = (value or "").strip()
    else:
        words = []
        for w in _words(value):
            alts = [a.strip() for a in w.split("|") if a.strip()]
            words.append(alts if len(alts) > 1 else (alts[0] if alts else ""))
        term["near"] = words
        if adj:
            term["adj"] = int(adj)
    if kind in ("text", "near") and _words(fields):
        term["fields"] = [f.lower() for f in _words(fields)]
    return term


def form_of_term(term: dict[str, Any]) -> dict[str, Any]:
    """The form's values for a YAML term mapping (the inverse of ``term_from_form``); a term the
    form cannot show (any/all/not/an Ovid line) has kind ``None``."""
    for kind in VOCABULARIES:
        if kind in term:
            return {"kind": kind, "value": str(term[kind]), "explode": bool(term.get("explode")),
                    "major": bool(term.get("major")), "subheadings": ", ".join(term.get("subheadings") or []),
                    "fields": "", "adj": 0}
    fields = ", ".join(term.get("fields") or []) if isinstance(term.get("fields"), list) else str(term.get("fields") or "")
    if "text" in term and not term.get("not"):
        return {"kind": "text", "value": str(term["text"]), "explode": False, "major": False, "subheadings": "",
                "fields": fields, "adj": 0}
    if "near" in term and not term.get("not"):
        words = ", ".join("|".join(w) if isinstance(w, list) else str(w) for w in term["near"])
        return {"kind": "near", "value": words, "explode": False, "major": False, "subheadings": "",
                "fields": fields, "adj": int(term.get("adj") or 0)}
    return {"kind": None}


@dataclass
class DatabaseLine:
    label: str  # "1", "S1", "#1" or "" (one query)
    query: str
    block: str  # the block (title) or combination/limit the line is for
    warnings: list[str] = field(default_factory=list)


@dataclass
class DatabaseView:
    database: str
    name: str
    text: str  # as pasted into the database (what the copy button copies)
    lines: list[DatabaseLine]
    other_warnings: list[str]  # warnings about no one line


_WHERE = re.compile(r"^(?P<src>.*?):(?P<line>\d+): (?P<rest>.*)$", re.S)


def _block_of_warning(strategy: Strategy, warning: str) -> tuple[str | None, str]:
    """(block title, warning without its place) for a renderer's ``SOURCE:LINE: ...`` warning."""
    m = _WHERE.match(warning)
    if not m:
        return None, warning
    where = f"{m['src']}:{m['line']}"
    for b in strategy.blocks:
        if b.where == where or any(e.where == where for e in b.entries):
            return b.title, m["rest"]
    return None, m["rest"]


def database_views(strategy: Strategy, databases: tuple[str, ...] | None = None) -> list[DatabaseView]:
    """Every database's version of the strategy, each warning placed beside the first line of
    the block it concerns (warnings about no block listed after the lines)."""
    out = []
    for db in databases or strategy.databases:
        rendered = render(strategy, db)
        lines = [DatabaseLine(line_label(db, ln.number), ln.query, ln.label) for ln in rendered.lines]
        others = []
        for w in rendered.warnings:
            title, rest = _block_of_warning(strategy, w)
            target = next((ln for ln in lines if title is not None and ln.block == title), None)
            if target is None:
                others.append(rest)
            else:
                target.warnings.append(rest)
        out.append(DatabaseView(db, DATABASE_NAMES.get(db, db), rendered.text, lines, others))
    return out
