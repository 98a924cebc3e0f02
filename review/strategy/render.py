"""``render(strategy, target)``: numbered search lines and the text a person pastes or reads.

For "pubmed" each line is a complete PubMed query: each block's query, then the combination,
and the LAST line is the final query with limits, ready for esearch. For the Ovid targets the
lines are what a librarian types: one per term, ``or/a-b`` per block, the combination and a
limit line. Warnings name the line (YAML file:line, or the Ovid line number) and say whether
the result is broader, narrower or different.
"""

from __future__ import annotations

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
from review.strategy import rules as R
from review.strategy.model import (
    DATABASE_NAMES,
    VOCABULARIES,
    VOCABULARY_NAMES,
    VOCABULARY_OF,
    Heading,
    Rendered,
    SearchLine,
    walk,
)
from review.strategy.ovid import OvidRenderer
from review.strategy.platforms import PlatformRenderer, platform
from review.strategy.pubmed import PubMedRenderer, join, wrap
from review.strategy.summary import summary


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
        return summary(strategy)
    warnings = _Warnings(strategy.warnings)
    notes = _heading_notes(strategy, target, warnings)
    if target == "pubmed":
        lines = _pubmed_lines(strategy, warnings)
        text = lines[-1].query + "\n"
    elif target.startswith("ovid-"):
        lines = _ovid_lines(strategy, target, warnings)
        text = "".join(f"{ln.number} {ln.query}\n" for ln in lines)
    else:
        spec = platform(target)
        if whole := spec.get("whole_search"):  # a difference that concerns every line: said once
            where = f"{strategy.source} (all lines)" if not strategy.line_based else "all lines"
            warnings.at(where)(whole["note"], whole["match"])
        if spec["lines"]["expand"]:
            lines = _expanded_lines(strategy, target, warnings)
            text = lines[-1].query + "\n"
        else:
            lines = _platform_lines(strategy, target, warnings)
            text = "".join(f"{spec['lines']['label'].format(n=ln.number)} {ln.query}\n" for ln in lines)
    text = "".join(f"{COMMENT} {n}\n" for n in notes) + text
    return Rendered(text=text, warnings=warnings.items, lines=lines, notes=notes)


COMMENT = "//"  # marks a comment line in the rendered text: not part of any search


def line_label(target: str, number: int) -> str:
    """How ``target`` numbers a search line: ``S3`` (EBSCOhost), ``#3`` (WoS, Cochrane, Embase.com), ``3``."""
    if target in R.rules().get("platforms", {}) and not target.startswith("ovid-"):
        lines = platform(target)["lines"]
        if not lines["expand"]:
            return lines["label"].format(n=number)
    return str(number)


def _has_heading(e) -> bool:
    return any(isinstance(n, Heading) for n in walk(e.expr))


def _stand_in_vocabulary(block) -> str:
    """For a platform with no thesaurus: the thesaurus whose headings stand in as words (MeSH first)."""
    given = {n.vocabulary for e in block.entries for n in walk(e.expr) if isinstance(n, Heading)}
    return next(v for v in VOCABULARIES if v in given)


def block_entries(block, target: str) -> list:
    """The block's entries for ``target``. A platform with no thesaurus (Scopus, Web of Science)
    searches the words of one thesaurus's headings (MeSH first) as well: its topic fields hold
    the index terms of the records its sources indexed (each such line is warned)."""
    entries = block.entries_for(target)
    if VOCABULARY_OF.get(target, "") is None and any(_has_heading(e) for e in block.entries):
        vocab = _stand_in_vocabulary(block)
        stand_in = [e for e in block.entries if _has_heading(e) and vocab in {VOCABULARY_OF.get(d) for d in e.databases}
                    and not any(isinstance(n, Heading) and n.vocabulary != vocab for n in walk(e.expr))]
        entries = [e for e in block.entries if e in entries or any(e is x for x in stand_in)]
    if not entries:
        vocab = VOCABULARY_OF.get(target)
        what = f"{VOCABULARY_NAMES[vocab]} heading or free text" if vocab else "free text"
        article = "an" if what[0] in "AEIOU" else "a"
        raise StrategyError(f"{block.where}: block {block.name!r} has no terms for {target}: give it {article} {what}")
    return entries


def _heading_notes(strategy: Strategy, target: str, warnings: _Warnings) -> list[str]:
    """Blocks that give headings but none for ``target``'s thesaurus: a comment and a warning each.
    A heading is never assumed to exist in another thesaurus."""
    if strategy.line_based or target == "summary":
        return []
    vocab = VOCABULARY_OF.get(target)
    notes = []
    for block in strategy.blocks:
        given = [e for e in block.entries if any(isinstance(n, Heading) for n in walk(e.expr))]
        if not given:
            continue
        mine = [e for e in block.entries_for(target) if any(isinstance(n, Heading) for n in walk(e.expr))]
        if mine:
            continue
        if vocab is None:
            words = _stand_in_vocabulary(block)
            note = (f"block '{block.name}': {DATABASE_NAMES[target]} has no thesaurus; its {VOCABULARY_NAMES[words]} "
                    "headings are searched as words, with the free-text lines")
        else:
            note = f"block '{block.name}': no {VOCABULARY_NAMES[vocab]} heading given; free-text lines only"
        notes.append(note)
        warnings.at(block.where)(note, "different" if vocab is None else "narrower")
    return notes


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
            r = OvidRenderer(database, warnings.at(_where_line(strategy, line.number, line.text)), strategy.database)
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


# --- the other platforms ----------------------------------------------------------------

def _platform_lines(strategy: Strategy, target: str, warnings: _Warnings) -> list[SearchLine]:
    """Numbered lines that refer to earlier lines (``S1 OR S2``, ``#1 AND #2``)."""
    searched = strategy.searched
    label = platform(target)["lines"]["ref"]
    if strategy.line_based:
        out = []
        refs = {ln.number: label.format(n=ln.number) for ln in strategy.lines}
        for line in strategy.lines:
            r = PlatformRenderer(target, warnings.at(_where_line(strategy, line.number, line.text)), strategy.database, searched)
            out.append(SearchLine(line.number, r.expr(line.expr, refs), line.text))
        return out
    out = []
    block_ref: dict[str, str] = {}
    for block in strategy.blocks:
        entries = block_entries(block, target)
        first = len(out) + 1
        for e in entries:
            r = PlatformRenderer(target, warnings.at(e.where), None, searched)
            out.append(SearchLine(len(out) + 1, r.expr(e.expr, {}), block.title))
        if len(entries) > 1:
            query = " OR ".join(label.format(n=n) for n in range(first, len(out) + 1))
            out.append(SearchLine(len(out) + 1, query, f"{block.title} (any)"))
        block_ref[block.name] = label.format(n=len(out))
    combine = strategy.combine
    assert combine is not None
    if isinstance(combine, BlockRef):
        final = block_ref[combine.name]
    else:
        r = PlatformRenderer(target, warnings.at(f"{strategy.source} (combine)"), None, searched)
        out.append(SearchLine(len(out) + 1, r.expr(combine, {}, block_ref), "Combined: " + _describe_combination(strategy, combine)))
        final = label.format(n=len(out))
    if strategy.limits:
        r = PlatformRenderer(target, warnings.at(f"{strategy.source} (limits)"), None, searched)
        clauses = [c for c in (r.limit(item) for item in strategy.limits) if c]
        if clauses:
            out.append(SearchLine(len(out) + 1, r.join("AND", [final, *clauses]),
                                  "Limits: " + "; ".join(_limit_label(i) for i in strategy.limits)))
    return out


def _needs_brackets(q: str) -> bool:
    from review.strategy.platforms import _top_level_operator

    return _top_level_operator(q)


def _expanded_lines(strategy: Strategy, target: str, warnings: _Warnings) -> list[SearchLine]:
    """Lines that are each a complete query (Scopus): references written out, the last line final."""
    searched = strategy.searched
    if strategy.line_based:
        texts: dict[int, str] = {}
        out = []
        for line in strategy.lines:
            r = PlatformRenderer(target, warnings.at(_where_line(strategy, line.number, line.text)), strategy.database, searched)
            query = r.expr(line.expr, texts)
            texts[line.number] = f"({query})" if _needs_brackets(query) else query
            out.append(SearchLine(line.number, query, line.text))
        return out
    out = []
    block_queries: dict[str, str] = {}
    for block in strategy.blocks:
        entries = block_entries(block, target)
        r = PlatformRenderer(target, warnings.at(block.where), None, searched)
        parts = [PlatformRenderer(target, warnings.at(e.where), None, searched).expr(e.expr, {}) for e in entries]
        query = r.join("OR", parts)
        block_queries[block.name] = f"({query})" if len(parts) > 1 else query
        out.append(SearchLine(len(out) + 1, query, block.title))
    combine = strategy.combine
    assert combine is not None
    if isinstance(combine, BlockRef):
        query = out[[b.name for b in strategy.blocks].index(combine.name)].query
    else:
        r = PlatformRenderer(target, warnings.at(f"{strategy.source} (combine)"), None, searched)
        query = r.expr(combine, {}, block_queries)
        out.append(SearchLine(len(out) + 1, query, "Combined: " + _describe_combination(strategy, combine)))
    if strategy.limits:
        r = PlatformRenderer(target, warnings.at(f"{strategy.source} (limits)"), None, searched)
        clauses = [c for c in (r.limit(item) for item in strategy.limits) if c]
        if clauses:
            out.append(SearchLine(len(out) + 1, r.join("AND", [query, *clauses]),
                                  "Limits: " + "; ".join(_limit_label(i) for i in strategy.limits)))
    return out


__all__ = ["Rendered", "SearchLine", "render", "search_lines", "DATABASES"]
