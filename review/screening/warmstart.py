"""Warm start: relevance scores from the search strategy itself, before a reviewer has both
an include and an exclude to learn from. Pure functions over plain data.

Why: the records came from the search, so the strategy is the best guess of relevance there
is before any decision; counting matched terms alone (``priority.term_scores``) ranks a
record with many words of one concept above one that has every concept.

How (block-based strategies, the project's YAML): each concept block's terms are the ones the
screening app highlights for it (``review.strategy.highlight.highlight_terms`` of that block:
free text in text fields, headings, proximity lines; a NOT clause's excluded side and limits
left out), matched as the app highlights them. A block scores a record by BM25 over its
terms (k1 1.2, b 0.75; a term's frequency = its matches in the record), squashed into [0, 1)
as s / (s + m), m the block's median positive score. Blocks combine as the strategy's
``combine`` combines them:

- AND: (number of operands matched + their mean score) / (operands + 1): a record matching
  every operand always comes before one matching fewer, then by how strongly it matches;
- OR: 1 - prod(1 - score): any operand counts, several count more;
- NOT: the first operand's score (what the search excluded is not in the set anyway).

Line-based strategies (pasted Ovid lines) and strategies without blocks give None: the
caller falls back to counting include terms.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from review.strategy.highlight import TermMatcher, highlight_terms, parse_term, term_pattern
from review.strategy.model import BlockRef, Bool, Expr, Strategy

MODEL = "strategy"  # screening_rank_state.model of a warm-start ranking
K1 = 1.2
B = 0.75
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Concept:
    """One block of the strategy as the warm start sees it: its name and highlight terms."""

    name: str
    terms: tuple[str, ...]


def concepts(strategy: Strategy) -> dict[str, Concept] | None:
    """Each block's terms (those the app highlights for it), or None when the strategy is not
    block-based or has no combination over its blocks."""
    if strategy.line_based or not strategy.blocks or strategy.combine is None:
        return None
    out: dict[str, Concept] = {}
    for block in strategy.blocks:
        one = Strategy(title=strategy.title, blocks=[block], combine=BlockRef(block.name))
        out[block.name] = Concept(block.name, tuple(highlight_terms(one)))
    return out


def term_frequencies(texts: Sequence[str], terms: Sequence[str]) -> list[dict[str, int]]:
    """For each text, how often each term matches (terms that do not match left out). Plain
    terms: one regex pass per term; a proximity term counts its chains (its marked words over
    its number of operands)."""
    out: list[dict[str, int]] = [{} for _ in texts]
    for term in dict.fromkeys(terms):
        parsed = parse_term(term)
        if isinstance(parsed, str):
            pattern = term_pattern(parsed)
            if pattern is None:
                continue
            rx = re.compile(pattern, re.IGNORECASE)
            for n, text in enumerate(texts):
                count = sum(1 for m in rx.finditer(text) if m.end() > m.start())
                if count:
                    out[n][term] = count
        else:
            matcher = TermMatcher([term])
            width = max(1, len(parsed.operands))
            for n, text in enumerate(texts):
                spans = matcher.spans(text)
                if spans:
                    out[n][term] = max(1, len(spans) // width)
    return out


def bm25(freqs: Sequence[Mapping[str, int]], lengths: Sequence[int]) -> list[float]:
    """BM25 of each record for one block's terms, from their frequencies and the records'
    lengths in words (idf over these records)."""
    n = len(freqs)
    if not n:
        return []
    df: dict[str, int] = {}
    for f in freqs:
        for term in f:
            df[term] = df.get(term, 0) + 1
    idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
    avg = (sum(lengths) / n) or 1.0
    out = []
    for f, length in zip(freqs, lengths):
        norm = K1 * (1 - B + B * length / avg)
        out.append(sum(idf[t] * tf * (K1 + 1) / (tf + norm) for t, tf in f.items()))
    return out


def squash(scores: Sequence[float]) -> list[float]:
    """Scores into [0, 1): s / (s + m), m the median positive score (0 stays 0)."""
    positive = [s for s in scores if s > 0]
    if not positive:
        return [0.0 for _ in scores]
    m = statistics.median(positive)
    return [s / (s + m) if s > 0 else 0.0 for s in scores]


def combine(expr: Expr, blocks: Mapping[str, Sequence[float]], n: int) -> list[float]:
    """The combination's score of each of ``n`` records from the blocks' scores (see the
    module for the rule of AND, OR and NOT)."""
    if isinstance(expr, BlockRef):
        return list(blocks.get(expr.name, [0.0] * n))
    if isinstance(expr, Bool) and expr.operands:
        parts = [combine(o, blocks, n) for o in expr.operands]
        if expr.op == "not":
            return parts[0]
        if expr.op == "or":
            return [1.0 - math.prod(1.0 - p[i] for p in parts) for i in range(n)]
        k = len(parts)
        return [(sum(1 for p in parts if p[i] > 0) + sum(p[i] for p in parts) / k) / (k + 1) for i in range(n)]
    return [0.0] * n


def strategy_scores(texts: Sequence[str], strategy: Strategy) -> list[float] | None:
    """The warm-start score of each text (higher: sooner), or None when the strategy cannot
    give one (see the module); the texts are ``priority.record_text``'s."""
    found = concepts(strategy)
    if found is None:
        return None
    lengths = [len(_WORD.findall(t)) for t in texts]
    blocks = {
        name: squash(bm25(term_frequencies(texts, c.terms), lengths)) for name, c in found.items()
    }
    return combine(strategy.combine, blocks, len(texts))
