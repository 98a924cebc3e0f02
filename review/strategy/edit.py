"""Edit a strategy YAML file one step at a time: blocks, terms, combination, limits, undo.

A :class:`Draft` is the strategy's YAML text plus the texts before each change (for undo).
Every operation is a pure function ``Draft -> Draft``: it edits the YAML document
round-trip (ruamel.yaml keeps the file's comments, key order and flow style), then reads
the result with the same loader as ``review query render`` (``strategy_from_yaml``). A
change the loader refuses raises :class:`EditRefused` carrying the loader's own message,
and the draft is unchanged: the builder and the YAML file can never disagree on what is
valid.

A term is the same mapping as in the YAML file (docs/strategy.md), e.g.
``{"mesh": "Mentors", "explode": True}`` or ``{"near": ["mentor*", "program*"], "adj": 3}``.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from review.strategy.load import TERM_KEYS, TERM_KINDS, strategy_from_yaml
from review.strategy.model import Strategy, StrategyError

__all__ = [
    "Draft", "EditRefused", "add_block", "edit_block", "remove_block", "move_block", "add_term", "edit_term",
    "remove_term", "move_term", "set_combination", "set_limits", "set_title", "undo", "new_draft", "term_of",
    "blocks_of", "settings_of", "replace_text", "EMPTY_STRATEGY",
]

UNDO_DEPTH = 50  # earlier texts kept for undo; older ones are dropped from the draft (saved versions stay)

EMPTY_STRATEGY = """\
# A search strategy built in the review app. Format: docs/strategy.md
title: {title}
blocks:
  - name: {block}
    label: {label}
    fields: [ti, ab]
    terms:
      - {{text: {word}}}
"""


class EditRefused(StrategyError):
    """A change the strategy loader refuses: ``message`` is the loader's own words.

    ``block`` and ``index`` say which term (or block) the change was about, so a form can show
    the message beside it."""

    def __init__(self, message: str, *, block: str | None = None, index: int | None = None):
        self.message = message
        self.block = block
        self.index = index
        super().__init__(message)


@dataclass(frozen=True)
class Draft:
    """The strategy being built: its YAML text and the texts before each change."""

    text: str
    source: str = "<strategy>"
    history: tuple[str, ...] = field(default=())

    def strategy(self) -> Strategy:
        return strategy_from_yaml(self.text, self.source)

    @property
    def can_undo(self) -> bool:
        return bool(self.history)


def new_draft(text: str, source: str = "<strategy>") -> Draft:
    """A draft of ``text``; raises StrategyError (the loader's message) when it does not load."""
    strategy_from_yaml(text, source)
    return Draft(text, source)


# --- YAML round trip ---------------------------------------------------------------------

def _yaml() -> YAML:
    y = YAML()  # round-trip: comments, key order and flow style survive
    y.preserve_quotes = True
    y.width = 4096  # never fold a long line
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _load(text: str) -> Any:
    return _yaml().load(text)


def _dump(doc: Any) -> str:
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


def _commit(draft: Draft, doc: Any, *, block: str | None = None, index: int | None = None) -> Draft:
    """The draft with ``doc`` as its text, if the loader accepts it; else EditRefused."""
    text = _dump(doc)
    try:
        strategy_from_yaml(text, draft.source)
    except StrategyError as exc:
        raise EditRefused(_without_place(str(exc), draft.source), block=block, index=index) from exc
    if text == draft.text:
        return draft
    return Draft(text, draft.source, (*draft.history, draft.text)[-UNDO_DEPTH:])


def _without_place(message: str, source: str) -> str:
    """The loader's message without ``SOURCE, line N:`` (the line of a text the user never sees)."""
    return re.sub(rf"^{re.escape(source)}, line \d+: ", "", message)


def undo(draft: Draft) -> Draft:
    """The draft as it was before its last change; refused when there is nothing to undo."""
    if not draft.history:
        raise EditRefused("nothing to undo")
    return Draft(draft.history[-1], draft.source, draft.history[:-1])


# --- blocks ------------------------------------------------------------------------------

def _blocks(doc: Any) -> CommentedSeq:
    blocks = doc.get("blocks") if isinstance(doc, dict) else None
    if not isinstance(blocks, list):
        raise EditRefused("the strategy has no 'blocks' list")
    return blocks


def _block_index(doc: Any, name: str) -> int:
    for k, b in enumerate(_blocks(doc)):
        if isinstance(b, dict) and str(b.get("name")) == name:
            return k
    names = [str(b.get("name")) for b in _blocks(doc) if isinstance(b, dict)]
    raise EditRefused(f"no block named {name!r} (blocks: {', '.join(names)})", block=name)


def _combine_names(doc: Any) -> list[str]:
    text = doc.get("combine")
    if text is None:
        return [str(b.get("name")) for b in _blocks(doc)]
    return [t for t in re.findall(r"[^\s()]+", str(text)) if t.upper() not in ("AND", "OR", "NOT")]


def _flow(items: list[str]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def add_block(draft: Draft, name: str, first_term: dict[str, Any], *, label: str = "",
              fields: list[str] | None = None, position: int | None = None, combine: bool = True) -> Draft:
    """A new concept block with its first term (a block is never empty); ANDed into the
    combination when ``combine`` (the usual PICO/PCC shape: every concept must be met)."""
    doc = _load(draft.text)
    blocks = _blocks(doc)
    block = CommentedMap()
    block["name"] = name
    if label:
        block["label"] = label
    if fields:
        block["fields"] = _flow(list(fields))
    block["terms"] = CommentedSeq([_term_map(first_term)])
    blocks.insert(len(blocks) if position is None else max(0, min(position, len(blocks))), block)
    if combine and doc.get("combine") is not None and name not in _combine_names(doc):
        doc["combine"] = f"({doc['combine']}) AND {name}" if re.search(r"\bOR\b|\bNOT\b", str(doc["combine"]), re.I) \
            else f"{doc['combine']} AND {name}"
    return _commit(draft, doc, block=name)


def edit_block(draft: Draft, name: str, *, new_name: str | None = None, label: str | None = None,
               fields: list[str] | None = None) -> Draft:
    """Rename a block (its name in the combination follows), change its label or default fields
    (``fields=[]`` removes them: then every free-text term needs its own)."""
    doc = _load(draft.text)
    block = _blocks(doc)[_block_index(doc, name)]
    if new_name is not None and new_name != name:
        block["name"] = new_name
        if doc.get("combine") is not None:
            doc["combine"] = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", new_name, str(doc["combine"]))
    if label is not None:
        if label:
            block["label"] = label
        elif "label" in block:
            del block["label"]
    if fields is not None:
        if fields:
            block["fields"] = _flow(list(fields))
        elif "fields" in block:
            del block["fields"]
    return _commit(draft, doc, block=new_name or name)


def remove_block(draft: Draft, name: str) -> Draft:
    """Remove a block and its name from the combination (refused for the last block)."""
    doc = _load(draft.text)
    blocks = _blocks(doc)
    k = _block_index(doc, name)
    if len(blocks) == 1:
        raise EditRefused("a strategy needs at least one block: add another before removing this one", block=name)
    del blocks[k]
    if doc.get("combine") is not None:
        doc["combine"] = _drop_name(str(doc["combine"]), name)
    return _commit(draft, doc, block=name)


def _drop_name(combine: str, name: str) -> str:
    """``combine`` without ``name`` and the operator joining it (``a AND b AND c`` - b = ``a AND c``)."""
    n = rf"(?<![\w-]){re.escape(name)}(?![\w-])"
    text = re.sub(rf"\s+(AND|OR|NOT)\s+{n}", "", combine, flags=re.I)
    text = re.sub(rf"{n}\s+(AND|OR|NOT)\s+", "", text, flags=re.I)
    text = re.sub(rf"\(\s*{n}\s*\)|{n}", "", text).strip()
    text = re.sub(r"\(\s*([\w-]+)\s*\)", r"\1", text)
    return text


def move_block(draft: Draft, name: str, position: int) -> Draft:
    """Put a block at ``position`` (0-based) among the blocks."""
    doc = _load(draft.text)
    blocks = _blocks(doc)
    k = _block_index(doc, name)
    block = blocks.pop(k)
    blocks.insert(max(0, min(position, len(blocks))), block)
    return _commit(draft, doc, block=name)


# --- terms -------------------------------------------------------------------------------

def term_of(raw: Any) -> dict[str, Any]:
    """A term's mapping as plain data (for a form): lists and values, no YAML wrappers."""
    if isinstance(raw, dict):
        return {str(k): term_of(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return [term_of(v) for v in raw]
    return raw


def _term_map(term: dict[str, Any]) -> CommentedMap:
    """A term mapping in flow style (``{mesh: Mentors, explode: true}``), kind first; keys the
    loader does not know are kept so that it names them."""
    if not isinstance(term, dict):
        raise EditRefused("a term is a mapping such as {text: mentor*} or {mesh: Mentors}")
    order = [*TERM_KINDS, *sorted(TERM_KEYS - set(TERM_KINDS))]
    keys = sorted(term, key=lambda k: order.index(k) if k in order else len(order))
    m = CommentedMap()
    for k in keys:
        value = term[k]
        if value is None or value == [] or value == "" or (value is False and k in ("explode", "major", "quoted", "ordered")):
            continue
        if isinstance(value, (list, tuple)):
            value = _flow([_flow(list(v)) if isinstance(v, (list, tuple)) else v for v in value])
        m[k] = value
    m.fa.set_flow_style()
    return m


def _terms(doc: Any, block: str) -> CommentedSeq:
    b = _blocks(doc)[_block_index(doc, block)]
    terms = b.get("terms")
    if not isinstance(terms, list):
        terms = CommentedSeq()
        b["terms"] = terms
    return terms


def _term_index(terms: list, block: str, index: int) -> int:
    if not 0 <= index < len(terms):
        raise EditRefused(f"block {block!r} has no term {index + 1} (it has {len(terms)})", block=block, index=index)
    return index


def add_term(draft: Draft, block: str, term: dict[str, Any], position: int | None = None) -> Draft:
    """Add ``term`` to ``block`` (at the end, or at 0-based ``position``)."""
    doc = _load(draft.text)
    terms = _terms(doc, block)
    at = len(terms) if position is None else max(0, min(position, len(terms)))
    terms.insert(at, _term_map(term))
    return _commit(draft, doc, block=block, index=at)


def edit_term(draft: Draft, block: str, index: int, term: dict[str, Any]) -> Draft:
    """Replace term ``index`` (0-based) of ``block``; the comment after it stays."""
    doc = _load(draft.text)
    terms = _terms(doc, block)
    _term_index(terms, block, index)
    terms[index] = _term_map(term)
    return _commit(draft, doc, block=block, index=index)


def remove_term(draft: Draft, block: str, index: int) -> Draft:
    """Remove term ``index`` of ``block`` (refused for a block's last term: remove the block)."""
    doc = _load(draft.text)
    terms = _terms(doc, block)
    _term_index(terms, block, index)
    if len(terms) == 1:
        raise EditRefused(f"block {block!r} would be empty: remove the block instead, or add a term first",
                          block=block, index=index)
    del terms[index]
    return _commit(draft, doc, block=block, index=index)


def move_term(draft: Draft, block: str, index: int, to_block: str, position: int | None = None) -> Draft:
    """Move a term within its block or to another block (at the end, or at ``position``).

    A free-text term taking its fields from its old block gets them written on itself, so it
    searches the same fields after the move."""
    doc = _load(draft.text)
    terms = _terms(doc, block)
    _term_index(terms, block, index)
    if block != to_block and len(terms) == 1:
        raise EditRefused(f"block {block!r} would be empty: remove the block instead, or add a term first",
                          block=block, index=index)
    source_fields = _blocks(doc)[_block_index(doc, block)].get("fields")
    target = _terms(doc, to_block)
    comment = _own_comment(terms, index)
    item = terms.pop(index)
    if block != to_block and source_fields is not None and isinstance(item, dict) and "fields" not in item \
            and any(k in item for k in ("text", "phrase", "near", "any", "all")):
        item["fields"] = _flow(list(source_fields))
    at = len(target) if position is None else max(0, min(position, len(target)))
    target.insert(at, item)
    if comment is not None:  # the term's comment moves with it
        target.yaml_add_eol_comment(comment, at)
    return _commit(draft, doc, block=to_block, index=at)


def _own_comment(seq: CommentedSeq, index: int) -> str | None:
    """The comment at the end of item ``index``'s line (``# ...``), without what follows it
    (a blank line belongs to the place, not to the term); None when it has none."""
    entry = seq.ca.items.get(index)
    token = entry[0] if entry else None
    value = getattr(token, "value", "") or ""
    first = value.lstrip(" ").split("\n", 1)[0]
    if not first.startswith("#"):
        return None
    rest = value.split("\n", 1)[1] if "\n" in value else ""
    token.value = "\n" + rest if rest else "\n"  # leave any blank line where it was
    return first


# --- combination and limits --------------------------------------------------------------

def set_combination(draft: Draft, text: str) -> Draft:
    """The blocks' combination, e.g. ``mentoring AND (setting OR population)``."""
    doc = _load(draft.text)
    doc["combine"] = text.strip()
    return _commit(draft, doc)


def set_title(draft: Draft, title: str) -> Draft:
    doc = _load(draft.text)
    doc["title"] = title.strip()
    return _commit(draft, doc)


def set_limits(draft: Draft, *, languages: list[str] | None = None, humans: bool = False, years: str = "",
               publication_types: list[str] | None = None) -> Draft:
    """The limits (empty values remove a limit); written as the YAML file's ``limits:``."""
    doc = _load(draft.text)
    limits = doc.get("limits")
    if not isinstance(limits, dict):
        limits = CommentedMap()
    for key, value in (("languages", _flow(list(languages)) if languages else None),
                       ("humans", True if humans else None),
                       ("years", years.strip() or None),
                       ("publication_types", _flow(list(publication_types)) if publication_types else None)):
        if value is None:
            limits.pop(key, None)
        else:
            limits[key] = value
    if "languages" in limits:
        limits.pop("language", None)  # the older singular spelling: one list of languages
    if limits:
        doc["limits"] = limits
    else:
        doc.pop("limits", None)
    return _commit(draft, doc)


def blocks_of(draft: Draft) -> list[dict[str, Any]]:
    """The draft's blocks as plain data: name, label, fields and each term's YAML mapping."""
    doc = _load(draft.text)
    return [{"name": str(b.get("name")), "label": str(b.get("label") or ""),
             "fields": [str(f) for f in (b.get("fields") or [])],
             "terms": [term_of(t) for t in (b.get("terms") or [])]} for b in _blocks(doc)]


def settings_of(draft: Draft) -> dict[str, Any]:
    """The draft's title, combination and limits as the YAML has them (plain data)."""
    doc = _load(draft.text)
    limits = term_of(doc.get("limits") or {})
    return {"title": str(doc.get("title") or ""), "combine": str(doc.get("combine") or ""), "limits": limits}


def replace_text(draft: Draft, text: str) -> Draft:
    """The whole strategy replaced by ``text`` (e.g. an imported strategy); undo brings the old one back."""
    try:
        strategy_from_yaml(text, draft.source)
    except StrategyError as exc:
        raise EditRefused(_without_place(str(exc), draft.source)) from exc
    return Draft(text, draft.source, (*draft.history, draft.text)[-UNDO_DEPTH:])
