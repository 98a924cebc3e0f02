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

__all__ = ["TERM_FORM_KINDS", "term_from_form", "form_of_term", "DatabaseLine", "DatabaseView", "database_views",
           "place_warnings"]

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
    warnings: list[str] = field(default_factory=list)  # about this line, beside it (without their place)
    where: str = ""  # the place its warnings name (``SearchLine.where``)


@dataclass
class DatabaseView:
    database: str
    name: str
    text: str  # as pasted into the database (what the copy button copies)
    lines: list[DatabaseLine]
    other_warnings: list[str]  # warnings about no one line
    error: str = ""  # why this database has no version (e.g. a block with no term for it)


_ABOUT_NO_LINE = re.compile(r"^.*? \((?:all lines|limits|combine)\): ")  # "file (limits): " and the like
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


def _places(strategy: Strategy, lines: list[DatabaseLine]) -> dict[str, int]:
    """Each place a warning can name (``SearchLine.where``; a YAML term's or block's "file:line")
    -> the index of the line it concerns: the term's own line where the database has one line per
    term (Ovid, EBSCOhost, Web of Science), else its block's line (PubMed, Scopus)."""
    at: dict[str, int] = {}
    for i, ln in enumerate(lines):
        if ln.where and ln.where not in at:
            at[ln.where] = i
    for b in strategy.blocks:
        mine = [i for i, ln in enumerate(lines) if ln.block == b.title]
        if not mine:
            continue
        block_line = at.get(b.where, mine[0])  # its one line, its "(any)" line, else its first line
        at.setdefault(b.where, block_line)
        for e in b.entries:
            if e.where:
                at.setdefault(e.where, block_line)
    return at


def place_warnings(strategy: Strategy, lines: list[DatabaseLine], warnings: list[str]) -> tuple[list[list[str]], list[str]]:
    """Each renderer warning (``WHERE: broader|narrower|different: message``) beside the line it
    concerns: (one list of warnings per line, without their place; warnings about no line)."""
    places = _places(strategy, lines)
    by_line: list[list[str]] = [[] for _ in lines]
    others: list[str] = []
    for w in warnings:
        place = max((p for p in places if w.startswith(p + ": ")), key=len, default=None)
        if place is None:
            others.append(_ABOUT_NO_LINE.sub("", _block_of_warning(strategy, w)[1], count=1))
        else:
            by_line[places[place]].append(w[len(place) + 2:])
    return by_line, others


def database_views(strategy: Strategy, databases: tuple[str, ...] | None = None) -> list[DatabaseView]:
    """Every database's version of the strategy, line by line, each warning beside the line it
    concerns: a term's own line (Ovid: one line per term), its block's line (PubMed: one line
    per block), the combination's or the limits' line; warnings about no line listed apart."""
    out = []
    for db in databases or strategy.databases:
        try:
            rendered = render(strategy, db)
        except StrategyError as exc:
            out.append(DatabaseView(db, DATABASE_NAMES.get(db, db), "", [], [], error=_block_of_warning(strategy, str(exc))[1]))
            continue
        lines = [DatabaseLine(line_label(db, ln.number), ln.query, ln.label, where=ln.where) for ln in rendered.lines]
        by_line, others = place_warnings(strategy, lines, rendered.warnings)
        for line, ws in zip(lines, by_line):
            line.warnings.extend(ws)
        out.append(DatabaseView(db, DATABASE_NAMES.get(db, db), rendered.text, lines, others))
    return out


# --- a pasted strategy as a draft ---------------------------------------------------------

def _fielded_parts(e: Any) -> list[Any]:
    """Fielded(a OR b, f) as [Fielded(a, f), Fielded(b, f)]: one editable term each."""
    from review.strategy.model import Bool, Fielded

    if isinstance(e, Fielded) and isinstance(e.expr, Bool) and e.expr.op == "or":
        return [Fielded(o, e.fields) for o in e.expr.operands]
    return [e]


def _term_yaml(e: Any, fallback: str, database: str) -> dict[str, Any]:
    """The YAML term mapping of one expression; else the Ovid line itself (``fallback``)."""
    from review.strategy.model import Bool, Fielded, Heading, Near, Term

    if isinstance(e, Heading):
        term: dict[str, Any] = {e.vocabulary: e.name, "explode": e.explode, "major": e.major}
        if e.subheadings:
            term["subheadings"] = list(e.subheadings)
        return term
    if isinstance(e, Fielded) and isinstance(e.expr, Term):
        term = {"text": e.expr.text, "fields": list(e.fields)}
        if e.expr.quoted and " " not in e.expr.text:
            term["quoted"] = True
        return term
    if isinstance(e, Fielded) and isinstance(e.expr, Near) and all(
            isinstance(o, Term) or (isinstance(o, Bool) and o.op == "or" and all(isinstance(x, Term) for x in o.operands))
            for o in e.expr.operands):
        words = [o.text if isinstance(o, Term) else [x.text for x in o.operands] for o in e.expr.operands]
        term = {"near": words}
        if e.expr.distance is not None:
            term["adj"] = e.expr.distance
            if e.expr.ordered:
                term["ordered"] = True
        term["fields"] = list(e.fields)
        return term
    if fallback and database.startswith("ovid-") and database in ("ovid-medline", "ovid-embase"):
        return {database: fallback}
    raise StrategyError(f"cannot be made a block term: {fallback or e!r}; build this term by hand")


def draft_from_pasted(strategy: Strategy) -> tuple[str, list[str]]:
    """A block-based YAML strategy from a parsed Ovid strategy or PubMed query (``parse_ovid`` /
    ``parse_pubmed``): each OR of terms a concept block, the ANDs and NOTs over them the
    combination, ``limit N to (...)`` the limits. Returns the YAML text and notes on what could
    not be carried over (a limit the YAML cannot say)."""
    from review.strategy.model import Bool, Limited, Ref

    by_number = {ln.number: ln for ln in strategy.lines}
    database = strategy.database or "ovid-medline"
    blocks: list[dict[str, Any]] = []
    notes: list[str] = []

    def resolve(e: Any) -> Any:
        while isinstance(e, Ref):
            e = by_number[e.number].expr
        return e

    def text_of(e: Any) -> str:
        for ln in strategy.lines:
            if ln.expr == e:
                return ln.text
        return ""

    def is_combination(e: Any) -> bool:
        e = resolve(e)
        return isinstance(e, Bool) and (e.op != "or" or any(is_combination(o) for o in e.operands))

    def terms(e: Any) -> list[Any]:
        e = resolve(e)
        if isinstance(e, Bool) and e.op == "or":
            return [t for o in e.operands for t in terms(o)]
        return _fielded_parts(e)

    def new_block(e: Any) -> str:
        name = f"concept{len(blocks) + 1}"
        items = []
        for t in terms(e):
            items.append(_term_yaml(t, text_of(t), database))
        blocks.append({"name": name, "label": f"Concept {len(blocks) + 1}", "terms": items})
        return name

    def comb(e: Any, top: bool = False) -> str:
        e = resolve(e)
        if is_combination(e):
            parts = [comb(o) for o in e.operands]
            joined = f" {e.op.upper()} ".join(parts)
            return joined if top else f"({joined})"
        return new_block(e)

    final = resolve(strategy.lines[-1].expr)
    limits: dict[str, Any] = {}
    if isinstance(final, Limited):
        for item in final.limits:
            if item.kind == "language":
                limits.setdefault("languages", []).append(item.value)
            elif item.kind == "humans":
                limits["humans"] = True
            elif item.kind == "years":
                limits["years"] = item.value
            elif item.kind == "pubtype":
                limits.setdefault("publication_types", []).append(item.value)
            else:
                notes.append(f"limit {item.value or item.kind!r} is not carried over: add it by hand")
        final = resolve(final.expr)
    combine = comb(final, top=True)
    if not blocks:
        raise StrategyError("the pasted strategy has no search terms")
    from review.strategy import edit

    doc = edit._load(f"# Imported from a pasted {DATABASE_NAMES.get(database, database)} strategy. Format: docs/strategy.md\n"
                     f"title: {strategy.title or 'Imported strategy'}\n")
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    seq = CommentedSeq()
    for b in blocks:
        m = CommentedMap()
        m["name"] = b["name"]
        m["label"] = b["label"]
        m["terms"] = CommentedSeq([edit._term_map(t) for t in b["terms"]])
        seq.append(m)
    doc["blocks"] = seq
    doc["combine"] = combine
    if limits:
        lm = CommentedMap()
        for k, v in limits.items():
            lm[k] = edit._flow(v) if isinstance(v, list) else v
        doc["limits"] = lm
    text = edit._dump(doc)
    edit.new_draft(text, "<pasted>")  # raises the loader's message if it does not load
    return text, notes
