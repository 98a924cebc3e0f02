"""``render(strategy, target)``: numbered search lines and the text a person pastes or reads.

For "pubmed" each line is a complete PubMed query: each block's query, then the combination,
and the LAST line is the final query with limits, ready for esearch. For the Ovid targets the
lines are what a librarian types: one per term, ``or/a-b`` per block, the combination and a
limit line. Warnings name the line (YAML file:line, or the Ovid line number) and say whether
the result is broader, narrower or different.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from review.strategy.model import (
    DATABASES,
    TARGETS,
    BlockRef,
    Bool,
    Expr,
    Limited,
    Ref,
    Strategy,
    StrategyError,
)
from review.strategy.ovid import OvidRenderer
from review.strategy.pubmed import PubMedRenderer, join, wrap


@dataclass(frozen=True)
class SearchLine:
    """One numbered line of a rendered strategy; for "pubmed", what ``run_search`` runs."""

    number: int
    query: str
    label: str = ""


@dataclass
class Rendered:
    text: str
    warnings: list[str] = field(default_factory=list)
    lines: list[SearchLine] = field(default_factory=list)


class _Warnings:
    """Collects warnings once each, in order, as 'WHERE: MATCH: message'."""

    def __init__(self, initial: list[str] | None = None):
        self.items: list[str] = list(initial or [])

    def at(self, where: str):
        def warn(message: str, match: str) -> None:
            item = f"{where}: {match}: {message}"
            if item not in self.items:
                self.items.append(item)
        return warn


def _where_line(strategy: Strategy, number: int, text: str) -> str:
    shown = text if len(text) <= 70 else text[:67] + "..."
    return f"line {number} «{shown}»"


def render(strategy: Strategy, target: str) -> Rendered:
    """The strategy for ``target``: pubmed, ovid-medline, ovid-embase or summary."""
    if target not in TARGETS:
        raise StrategyError(f"unknown target {target!r} (use {', '.join(TARGETS)})")
    if target == "summary":
        from review.strategy.summary import summary

        return summary(strategy)
    warnings = _Warnings(strategy.warnings)
    if target == "pubmed":
        lines = _pubmed_lines(strategy, warnings)
        text = lines[-1].query + "\n"
    else:
        lines = _ovid_lines(strategy, target, warnings)
        text = "".join(f"{ln.number} {ln.query}\n" for ln in lines)
    return Rendered(text=text, warnings=warnings.items, lines=lines)


def search_lines(strategy: Strategy, target: str = "pubmed") -> list[SearchLine]:
    return render(strategy, target).lines


# --- PubMed ------------------------------------------------------------------------------

def _pubmed_lines(strategy: Strategy, warnings: _Warnings) -> list[SearchLine]:
    searched = strategy.searched
    if strategy.line_based:
        texts: dict[int, str] = {}
        out = []
        for line in strategy.lines:
            r = PubMedRenderer(warnings.at(_where_line(strategy, line.number, line.text)), strategy.database, searched)
            texts[line.number] = r.expr(line.expr, texts)
            out.append(SearchLine(line.number, texts[line.number], line.text))
        return out
    out = []
    block_queries: dict[str, str] = {}
    for block in strategy.blocks:
        entries = block.entries_for("pubmed")
        if not entries:
            raise StrategyError(f"{block.where}: block {block.name!r} has no terms for PubMed")
        parts = [PubMedRenderer(warnings.at(e.where), None, searched).expr(e.expr, {}) for e in entries]
        query = join("OR", parts)
        block_queries[block.name] = query
        out.append(SearchLine(len(out) + 1, query, block.title))
    combine = strategy.combine
    assert combine is not None
    where = f"{strategy.source} (combine)"
    if not isinstance(combine, BlockRef):
        query = PubMedRenderer(warnings.at(where), None, searched).expr(combine, {}, block_queries)
        out.append(SearchLine(len(out) + 1, query, "Combined: " + _describe_combination(strategy, combine)))
    else:
        query = block_queries[combine.name]
    if strategy.limits:
        r = PubMedRenderer(warnings.at(f"{strategy.source} (limits)"), None, searched)
        clauses = [r.limit(item) for item in strategy.limits]
        final = join("AND", [wrap(query), *[c for c in clauses if c]])
        out.append(SearchLine(len(out) + 1, final, "Limits: " + "; ".join(_limit_label(i) for i in strategy.limits)))
    return out


def _describe_combination(strategy: Strategy, e: Expr) -> str:
    if isinstance(e, BlockRef):
        return strategy.block(e.name).title
    if isinstance(e, Bool):
        parts = []
        for o in e.operands:
            s = _describe_combination(strategy, o)
            parts.append(f"({s})" if isinstance(o, Bool) else s)
        return f" {e.op.upper()} ".join(parts)
    return "?"


def _limit_label(item) -> str:
    if item.kind == "language":
        return item.value.title()
    if item.kind == "humans":
        return "humans"
    if item.kind == "years":
        return "published " + item.value.replace("-", " to ")
    return f"{item.kind.replace('_', ' ')} {item.value}".strip()


# --- Ovid --------------------------------------------------------------------------------

def _ovid_lines(strategy: Strategy, database: str, warnings: _Warnings) -> list[SearchLine]:
    if strategy.line_based:
        out = []
        for line in strategy.lines:
            r = OvidRenderer(database, warnings.at(_where_line(strategy, line.number, line.text)))
            out.append(SearchLine(line.number, r.line(line.expr), line.text))
        return out
    out: list[SearchLine] = []
    block_line: dict[str, int] = {}
    for block in strategy.blocks:
        entries = block.entries_for(database)
        if not entries:
            raise StrategyError(f"{block.where}: block {block.name!r} has no terms for {database}")
        first = len(out) + 1
        for e in entries:
            r = OvidRenderer(database, warnings.at(e.where))
            out.append(SearchLine(len(out) + 1, r.line(e.expr), block.title))
        if len(entries) > 1:
            refs = Bool("or", tuple(Ref(n) for n in range(first, len(out) + 1)))
            out.append(SearchLine(len(out) + 1, OvidRenderer(database, warnings.at(block.where)).line(refs), f"{block.title} (any)"))
        block_line[block.name] = len(out)
    combine = strategy.combine
    assert combine is not None
    if isinstance(combine, BlockRef):
        final = block_line[combine.name]
    else:
        r = OvidRenderer(database, warnings.at(f"{strategy.source} (combine)"))
        out.append(SearchLine(len(out) + 1, r.line(combine, block_line), "Combined: " + _describe_combination(strategy, combine)))
        final = len(out)
    if strategy.limits:
        r = OvidRenderer(database, warnings.at(f"{strategy.source} (limits)"))
        out.append(SearchLine(len(out) + 1, r.line(Limited(Ref(final), strategy.limits)),
                              "Limits: " + "; ".join(_limit_label(i) for i in strategy.limits)))
    return out


__all__ = ["Rendered", "SearchLine", "render", "search_lines", "DATABASES"]
