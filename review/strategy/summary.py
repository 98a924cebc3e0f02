"""A plain-language summary of a strategy, for the protocol, the methods section and a check by eye."""

from __future__ import annotations

from review.strategy import rules as R
from review.strategy.model import (
    VOCABULARY_NAMES,
    DATABASE_NAMES,
    BlockRef,
    Bool,
    Expr,
    Fielded,
    Heading,
    Limited,
    LimitItem,
    Near,
    Ref,
    Rendered,
    SearchLine,
    Strategy,
    Term,
)

LEGEND = "* = any ending, *N = up to N more letters, ? = one optional letter, # = exactly one letter"


def field_names(fields: tuple[str, ...]) -> str:
    names = []
    for code in fields:
        rule = R.field_rule(code)
        names.append(rule["name"] if rule else code)
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def describe(e: Expr, fields: tuple[str, ...] | None = None) -> str:
    if isinstance(e, Fielded):
        inner = describe(e.expr, e.fields)
        if isinstance(e.expr, Bool):
            inner = f"({inner})"
        return f"{inner} in {field_names(e.fields)}"
    if isinstance(e, Term):
        return f'"{e.text}"'
    if isinstance(e, Heading):
        parts = [f'subject heading "{e.name}" ({VOCABULARY_NAMES.get(e.vocabulary, e.vocabulary)}']
        parts.append(", with narrower headings" if e.explode else ", not exploded")
        if e.major:
            parts.append(", as a major topic")
        if e.subheadings:
            subs = [R.subheading_name(s) or s for s in e.subheadings]
            parts.append(", subheading " + " or ".join(subs))
        return "".join(parts) + ")"
    if isinstance(e, Near):
        ops = [describe(o) for o in e.operands]
        if e.distance is None:
            return " next to ".join(ops) + " (in this order)"
        gap = e.distance - 1
        order = "in this order" if e.ordered else "in any order"
        return f"{' and '.join(ops)} with at most {gap} word{'s' if gap != 1 else ''} between them ({order})"
    if isinstance(e, Bool):
        if all(isinstance(o, Ref) for o in e.operands):
            nums = ", ".join(str(o.number) for o in e.operands)  # type: ignore[union-attr]
            return f"{'any' if e.op == 'or' else 'all' if e.op == 'and' else 'the first but none'} of lines {nums}"
        inner = [describe(o) for o in e.operands]
        if e.op == "not":
            return f"{inner[0]}, but not {' or '.join(inner[1:])}"
        return f"{'any' if e.op == 'or' else 'all'} of: " + "; ".join(inner)
    if isinstance(e, Ref):
        return f"line {e.number}"
    if isinstance(e, BlockRef):
        return e.name
    if isinstance(e, Limited):
        return f"{describe(e.expr)}, limited to {limit_text(e.limits)}"
    return repr(e)


def limit_text(limits: tuple[LimitItem, ...], searched: str | None = None) -> str:
    out = []
    for item in limits:
        if item.kind == "language":
            out.append(f"{item.value.title()} language")
        elif item.kind == "humans":
            out.append("studies in humans")
        elif item.kind == "years":
            start, end = item.value.split("-")
            upto = (f"the search date ({searched})" if searched else "the search date") if end == "current" else end
            out.append(f"published {start} to {upto}")
        elif item.kind == "entry_date":
            start, end = item.value.split("-")
            out.append(f"entered {start} to {end}")
        elif item.kind == "pubtype":
            out.append(f"publication type {item.value}")
        else:
            out.append(f'"{item.value}"')
    return "; ".join(out)


def summary(strategy: Strategy) -> Rendered:
    lines: list[SearchLine] = []
    text: list[str] = []
    title = strategy.title or strategy.source or "Search strategy"
    text.append(title)
    text.append("=" * len(title))
    dbs = ", ".join(DATABASE_NAMES[d] for d in strategy.databases)
    text.append(f"Written for: {dbs}." + (f" Searched {strategy.searched}." if strategy.searched else ""))
    if strategy.line_based:
        text.append("")
        for line in strategy.lines:
            d = describe(line.expr)
            lines.append(SearchLine(line.number, d, line.text))
            text.append(f"{line.number:>3}. {d}")
    else:
        for k, block in enumerate(strategy.blocks, 1):
            text.append("")
            text.append(f"{k}. {block.title}: any of")
            for e in block.entries:
                only = ""
                if set(e.databases) != set(strategy.databases):
                    only = " [" + ", ".join(DATABASE_NAMES[d] for d in sorted(e.databases) if d in strategy.databases) + " only]"
                text.append(f"   - {describe(e.expr)}{only}")
            lines.append(SearchLine(k, "; ".join(describe(e.expr) for e in block.entries), block.title))
        text.append("")
        combined = _combination(strategy, strategy.combine)
        text.append(f"Combined: {combined}")
        lines.append(SearchLine(len(lines) + 1, combined, "Combined"))
        if strategy.limits:
            lt = limit_text(strategy.limits, strategy.searched)
            text.append(f"Limits: {lt}")
            lines.append(SearchLine(len(lines) + 1, lt, "Limits"))
    text.append("")
    text.append(f"Truncation: {LEGEND}.")
    return Rendered(text="\n".join(text) + "\n", warnings=list(strategy.warnings), lines=lines)


def _combination(strategy: Strategy, e: Expr | None) -> str:
    if isinstance(e, BlockRef):
        return strategy.block(e.name).title
    if isinstance(e, Bool):
        parts = [(f"({_combination(strategy, o)})" if isinstance(o, Bool) else _combination(strategy, o)) for o in e.operands]
        return f" {e.op.upper()} ".join(parts)
    return ""
