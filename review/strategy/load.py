"""Read a strategy YAML file (``queries/*.yaml``) into the model; errors name the file and line.

The file format is documented in docs/strategy.md. In short::

    title: ...
    searched: 2018-01-31            # optional: the upper bound for "current" in PubMed
    blocks:
      - name: mentoring
        label: Mentoring
        fields: [ti, ab]            # default fields for this block's free text
        terms:
          - {mesh: Mentors, explode: true}
          - {emtree: mentor, explode: true}
          - {near: [mentor*, program*], adj: 3}
          - {text: mentorship, fields: [ti, ab, kw]}
          - {ovid-medline: "(reflect* adj3 practice).ti,ab."}
    combine: mentoring AND setting AND population
    limits: {languages: [english], humans: true, years: 2008-current}
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from review.strategy import rules as R
from review.strategy.model import (
    DATABASES,
    VOCABULARIES,
    VOCABULARY_OF,
    Block,
    BlockRef,
    Bool,
    Entry,
    Expr,
    Fielded,
    Heading,
    LimitItem,
    Near,
    Strategy,
    StrategyError,
    Term,
    databases_of,
    walk,
)
from review.strategy.ovid import parse_expression
from review.yaml_errors import SafeLoader, describe_yaml_error

TOP_KEYS = {"title", "description", "searched", "databases", "blocks", "combine", "limits", "notes", "reported"}
BLOCK_KEYS = {"name", "label", "fields", "terms", "notes"}
TERM_KINDS = ("mesh", "emtree", "cinahl", "apa", "eric", "text", "phrase", "near", "any", "all", "ovid-medline", "ovid-embase")
TERM_KEYS = {*TERM_KINDS, "explode", "major", "subheadings", "fields", "adj", "ordered", "quoted",
             "databases", "not", "label", "notes"}
LIMIT_KEYS = {"languages", "language", "humans", "years", "publication_types"}


class _LineDict(dict):
    line = 0
    lines: dict[Any, int]


class _LineList(list):
    line = 0
    lines: list[int]


class _Loader(SafeLoader):
    pass


def _map(loader: _Loader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    out = _LineDict()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for k_node, v_node in node.value:
        key = loader.construct_object(k_node, deep=True)
        if isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a word, not a list or mapping", k_node.start_mark)
        out[key] = loader.construct_object(v_node, deep=True)
        out.lines[key] = k_node.start_mark.line + 1
    return out


def _seq(loader: _Loader, node: yaml.SequenceNode) -> _LineList:
    out = _LineList(loader.construct_object(c, deep=True) for c in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [c.start_mark.line + 1 for c in node.value]
    return out


_Loader.add_constructor("tag:yaml.org,2002:map", _map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _seq)


class _Ctx:
    def __init__(self, path: str):
        self.path = path

    def where(self, line: int) -> str:
        return f"{self.path}:{line}"

    def fail(self, line: int, message: str) -> StrategyError:
        return StrategyError(f"{self.path}, line {line}: {message}")


def load_strategy(path: str | Path) -> Strategy:
    """The strategy in a YAML file. Raises StrategyError naming the file and line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise StrategyError(f"{p}: cannot read the strategy ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        from review.formats.text import line_of

        line = line_of(exc.object, exc.start)
        raise StrategyError(f"{p}, line {line}: not UTF-8 text; save the strategy as UTF-8") from exc
    return strategy_from_yaml(text, str(p))


def strategy_from_yaml(text: str, source: str = "<strategy>") -> Strategy:
    ctx = _Ctx(source)
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        line, message = describe_yaml_error(exc)
        raise ctx.fail(line, f"not valid YAML: {message}") from exc
    if data is None:
        raise ctx.fail(1, "the strategy is empty: give it title, blocks, combine and limits (docs/strategy.md)")
    if not isinstance(data, dict):
        raise ctx.fail(1, "a strategy file is a mapping with title, blocks, combine and limits")
    _unknown(ctx, data, TOP_KEYS, "strategy")
    blocks_raw = data.get("blocks")
    if not isinstance(blocks_raw, list) or not blocks_raw:
        raise ctx.fail(data.lines.get("blocks", data.line), "'blocks' must be a list of concept blocks")
    databases = tuple(_names(ctx, data.get("databases"), data.lines.get("databases"), "databases") or DATABASES)
    for db in databases:
        if db not in DATABASES:
            raise ctx.fail(data.lines["databases"], f"unknown database {db!r} (use {', '.join(DATABASES)})")
    blocks = [_block(ctx, b, line) for b, line in zip(blocks_raw, blocks_raw.lines)]
    names = [b.name for b in blocks]
    for k, name in enumerate(names):
        if name in names[:k]:
            raise ctx.fail(blocks_raw.lines[k], f"two blocks are named {name!r}")
    combine_text = data.get("combine")
    if combine_text is None:
        combine: Expr = Bool("and", tuple(BlockRef(n) for n in names)) if len(names) > 1 else BlockRef(names[0])
    else:
        combine = _combination(ctx, str(combine_text), names, data.lines["combine"])
    limits = _limits(ctx, data.get("limits"), data.lines.get("limits", data.line))
    searched = data.get("searched")
    if isinstance(searched, date):
        searched = searched.isoformat()
    elif searched is not None and not is_date(str(searched)):
        raise ctx.fail(data.lines["searched"], f"'searched' takes YYYY-MM-DD, a real date, not {searched!r}")
    return Strategy(
        title=str(data.get("title") or Path(source).stem),
        blocks=blocks,
        combine=combine,
        limits=limits,
        databases=databases,
        searched=searched,
        source=source,
        notes=str(data.get("description") or data.get("notes") or ""),
    )


def is_date(text: str) -> bool:
    """True for a real calendar date written YYYY-MM-DD."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _names(ctx: _Ctx, value: Any, line: int | None, what: str) -> list[str]:
    """A list of words (or one word) from the YAML; [] when absent."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, (str, int)) or isinstance(item, bool):
            raise ctx.fail(line or 1, f"{what}: takes a word or a list of words, not {item!r}")
    return [str(item) for item in items]


def _unknown(ctx: _Ctx, data: _LineDict, allowed: set[str], what: str) -> None:
    for key in data:
        if key not in allowed:
            raise ctx.fail(data.lines[key], f"unknown {what} key {key!r} (known: {', '.join(sorted(allowed))})")


def _fields(ctx: _Ctx, value: Any, line: int) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\s]+", value.strip(".")) if v]
    if not isinstance(value, list) or not value:
        raise ctx.fail(line, "fields is a list of Ovid field codes, e.g. [ti, ab]")
    out = []
    for code in value:
        code = str(code).strip().strip(".").lower()
        if R.field_rule(code) is None:
            raise ctx.fail(line, f"unknown field code {code!r} (known: {', '.join(sorted(R.rules()['fields']))})")
        out.append(code)
    return tuple(out)


def _block(ctx: _Ctx, raw: Any, line: int) -> Block:
    if not isinstance(raw, dict):
        raise ctx.fail(line, "a block is a mapping with name, label and terms")
    _unknown(ctx, raw, BLOCK_KEYS, "block")
    name = raw.get("name")
    if not name or not re.fullmatch(r"[A-Za-z][\w-]*", str(name)):
        raise ctx.fail(raw.line, "a block needs a name (letters, digits, - or _) to use in 'combine'")
    default_fields = _fields(ctx, raw["fields"], raw.lines["fields"]) if "fields" in raw else None
    terms = raw.get("terms")
    if not isinstance(terms, list) or not terms:
        raise ctx.fail(raw.lines.get("terms", raw.line), f"block {name!r} is empty: give it at least one term")
    entries = [_entry(ctx, t, tline, default_fields) for t, tline in zip(terms, terms.lines)]
    return Block(name=str(name), label=str(raw.get("label") or ""), entries=entries, where=ctx.where(raw.line))


def _entry(ctx: _Ctx, raw: Any, line: int, default_fields: tuple[str, ...] | None) -> Entry:
    if isinstance(raw, str):
        raise ctx.fail(line, f"a term is a mapping such as {{text: {raw}, fields: [ti, ab]}} or {{mesh: {raw}}}")
    expr, dbs = _term(ctx, raw, line, default_fields)
    if "databases" in raw:
        dbs = _names(ctx, raw["databases"], raw.lines["databases"], "databases")
        for db in dbs:
            if db not in DATABASES:
                raise ctx.fail(raw.lines["databases"], f"unknown database {db!r} (use {', '.join(DATABASES)})")
    return Entry(expr=expr, databases=frozenset(dbs), where=ctx.where(line))


def _term(ctx: _Ctx, raw: Any, line: int, default_fields: tuple[str, ...] | None) -> tuple[Expr, set[str]]:
    """One term mapping as an expression, with the databases it is for by default."""
    if not isinstance(raw, dict):
        raise ctx.fail(line, "a term is a mapping (text:, mesh:, emtree:, near:, ovid-medline: ...)")
    line = raw.line
    _unknown(ctx, raw, TERM_KEYS, "term")
    kinds = [k for k in TERM_KINDS if k in raw]
    if len(kinds) != 1:
        raise ctx.fail(line, f"a term has exactly one of {', '.join(TERM_KINDS)}; found {', '.join(kinds) or 'none'}")
    kind = kinds[0]
    value = raw[kind]
    vline = raw.lines[kind]
    fields = _fields(ctx, raw["fields"], raw.lines["fields"]) if "fields" in raw else default_fields
    dbs: set[str] = set(DATABASES)
    if kind in VOCABULARIES:
        if not isinstance(value, str) or not value.strip():
            raise ctx.fail(vline, f"{kind}: takes a heading name")
        subs = raw.get("subheadings") or []
        if isinstance(subs, str):
            subs = [s for s in re.split(r"[,\s/]+", subs) if s]
        subs = _names(ctx, subs, raw.lines.get("subheadings"), "subheadings")
        for s in subs:
            if R.subheading_name(str(s)) is None:
                raise ctx.fail(raw.lines["subheadings"], f"unknown subheading {s!r} (two-letter codes such as dt, px)")
        expr: Expr = Heading(value.strip(), explode=bool(raw.get("explode", False)), major=bool(raw.get("major", False)),
                             subheadings=tuple(str(s).lower() for s in subs), vocabulary=kind)
        dbs = databases_of(kind)
    elif kind in ("text", "phrase"):
        if not isinstance(value, (str, int)) or not str(value).strip():
            raise ctx.fail(vline, f"{kind}: takes a word or phrase")
        expr = Term(" ".join(_wildcards(ctx, str(value), vline).split()), quoted=bool(raw.get("quoted", False)))
        expr = _with_fields(ctx, expr, fields, line)
    elif kind == "near":
        if not isinstance(value, list) or len(value) < 2:
            raise ctx.fail(vline, "near: takes a list of two or more words (a word may be a list of alternatives)")
        operands = []
        for item in value:
            alts = _names(ctx, item, vline, "near")
            terms = tuple(Term(_wildcards(ctx, a, vline)) for a in alts)
            operands.append(terms[0] if len(terms) == 1 else Bool("or", terms))
        adj = raw.get("adj")
        if adj is not None and (not isinstance(adj, int) or adj < 1):
            raise ctx.fail(raw.lines["adj"], "adj: takes a whole number >= 1 (Ovid adjN: at most N-1 words between)")
        expr = Near(tuple(operands), adj, ordered=bool(raw.get("ordered", adj is None)))
        expr = _with_fields(ctx, expr, fields, line)
    elif kind in ("any", "all"):
        if not isinstance(value, list) or not value:
            raise ctx.fail(vline, f"{kind}: takes a list of terms")
        parts = [_term(ctx, t, tl, fields) for t, tl in zip(value, value.lines)]
        expr = Bool("or" if kind == "any" else "and", tuple(p[0] for p in parts))
        dbs = set.intersection(*(p[1] for p in parts))
    else:  # ovid-medline / ovid-embase: one Ovid line, no line numbers
        try:
            expr = parse_expression(str(value), kind, max_ref=0, line=vline, source=ctx.path)
        except StrategyError as exc:
            raise ctx.fail(vline, f"{kind}: {getattr(exc, 'reason', exc)} in {value!r}") from exc
        if any(isinstance(n, Heading) for n in walk(expr)):
            dbs = databases_of(VOCABULARY_OF[kind])
    if "not" in raw:
        nots = raw["not"] if isinstance(raw["not"], list) else [raw["not"]]
        nlines = raw["not"].lines if isinstance(raw["not"], list) else [raw.lines["not"]]
        excluded = [_term(ctx, t, tl, fields)[0] for t, tl in zip(nots, nlines)]
        expr = Bool("not", (expr, *excluded))
    return expr, dbs


def _with_fields(ctx: _Ctx, expr: Expr, fields: tuple[str, ...] | None, line: int) -> Expr:
    if not fields:
        raise ctx.fail(line, "free text needs fields (e.g. fields: [ti, ab]) here or on its block")
    return Fielded(expr, fields)


def _wildcards(ctx: _Ctx, text: str, line: int) -> str:
    text = text.strip()
    if '"' in text:
        raise ctx.fail(line, "write phrases without quotation marks (set quoted: true to force them in Ovid)")
    return re.sub(r"\$(\d)?", lambda m: "*" + (m.group(1) or ""), text)


def _combination(ctx: _Ctx, text: str, names: list[str], line: int) -> Expr:
    tokens = re.findall(r"\(|\)|[^\s()]+", text)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def chain(op: str, lower):
        nonlocal pos
        items = [lower()]
        while (t := peek()) is not None and t.lower() == op:
            pos += 1
            items.append(lower())
        if len(items) == 1:
            return items[0]
        flat = []
        for k, it in enumerate(items):
            if isinstance(it, Bool) and it.op == op and (op != "not" or k == 0):
                flat.extend(it.operands)
            else:
                flat.append(it)
        return Bool(op, tuple(flat))

    def primary():
        nonlocal pos
        t = peek()
        if t is None:
            raise ctx.fail(line, f"combine: ends too early in {text!r}")
        pos += 1
        if t == "(":
            inner = chain("or", lambda: chain("and", lambda: chain("not", primary)))
            if peek() != ")":
                raise ctx.fail(line, f"combine: a bracket is not closed in {text!r}")
            pos += 1
            return inner
        if t not in names:
            raise ctx.fail(line, f"combine: no block named {t!r} (blocks: {', '.join(names)})")
        return BlockRef(t)

    expr = chain("or", lambda: chain("and", lambda: chain("not", primary)))
    if pos != len(tokens):
        raise ctx.fail(line, f"combine: unexpected {tokens[pos]!r} in {text!r}")
    return expr


def _limits(ctx: _Ctx, raw: Any, line: int) -> tuple[LimitItem, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise ctx.fail(line, "limits is a mapping: languages, humans, years, publication_types")
    _unknown(ctx, raw, LIMIT_KEYS, "limits")
    items: list[LimitItem] = []
    for key in raw:
        value = raw[key]
        kline = raw.lines[key]
        if key in ("languages", "language"):
            for lang in _names(ctx, value, kline, key):
                items.append(LimitItem("language", lang.strip().lower()))
        elif key == "humans":
            if value is True:
                items.append(LimitItem("humans"))
            elif value is not False:
                raise ctx.fail(kline, "humans: takes true or false")
        elif key == "years":
            m = re.fullmatch(r"\s*(\d{4})\s*-\s*(current|\d{4})\s*", str(value), re.I)
            if not m:
                raise ctx.fail(kline, f"years: takes START-END or START-current, e.g. 2008-current, not {value!r}")
            if m.group(2).isdigit() and int(m.group(2)) < int(m.group(1)):
                raise ctx.fail(kline, f"years: {value!r} ends before it starts; write START-END, e.g. 2008-2018")
            items.append(LimitItem("years", f"{m.group(1)}-{m.group(2).lower()}"))
        elif key == "publication_types":
            for pt in _names(ctx, value, kline, key):
                items.append(LimitItem("pubtype", pt))
    return tuple(items)
