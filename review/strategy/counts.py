"""Counts as you build: every term, every block and the combination counted in PubMed.

Each term, each block (its terms ORed) and each line after them (the combination, the limits)
is rendered for PubMed exactly as ``review query render --to pubmed`` would, and sent to
``esearch`` with ``retmax=0``: one request that answers the count (as ``rettype=count`` does)
and also NCBI's QueryTranslation, ErrorList and WarningList, which ``rettype=count`` leaves out
and the flags need. Requests go through the project's E-utilities client (shared rate limit,
retries) with a cache kept per day (``data/cache/eutils/lookups/counts-YYYY-MM-DD``): the same
line text is asked once a day, and again the next day, when PubMed may have grown.

A line is flagged when it finds nothing, or when PubMed says it dropped or could not find part
of it (``PhraseNotFound``, ``QuotedPhraseNotFound``, ``FieldNotFound``, ``PhraseIgnored``...),
in NCBI's own words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from review.strategy.model import BlockRef, Strategy
from review.strategy.render import search_lines

__all__ = ["Counted", "StrategyCounts", "count_strategy", "term_query", "count_client", "flat"]


@dataclass
class Counted:
    query: str
    count: int
    translation: str = ""
    flags: list[str] = field(default_factory=list)  # NCBI's words; empty when the line is fine


@dataclass
class StrategyCounts:
    terms: dict[tuple[str, int], Counted]  # (block name, term index) -> its count (PubMed terms only)
    blocks: dict[str, Counted]  # block name -> the block's line
    lines: list[tuple[str, Counted]]  # after the blocks: (label, count), e.g. the combination, the limits
    day: str


def term_query(strategy: Strategy, block_name: str, index: int) -> str | None:
    """The PubMed query of one term (None when the term is not for PubMed, e.g. an Emtree heading)."""
    block = strategy.block(block_name)
    entry = block.entries[index]
    if "pubmed" not in entry.databases:
        return None
    from review.strategy.model import Block

    single = Strategy(title="", blocks=[Block(name=block.name, label=block.label, entries=[entry])],
                      combine=BlockRef(block.name), databases=("pubmed",), searched=strategy.searched)
    return search_lines(single, "pubmed")[0].query


def _flags(result: Any) -> list[str]:
    flags = []
    for kind, values in {**result.errors, **result.warnings}.items():
        for value in values:
            flags.append(f"{kind}: {value}")
    if result.count == 0 and not any(f.startswith("OutputMessage") for f in flags):
        flags.append("0 results")
    return flags


def count_strategy(client: Any, strategy: Strategy, *, day: str) -> StrategyCounts:
    """Count every PubMed term, block and line of ``strategy`` (``day``: the date the counts are for)."""
    asked: dict[str, Counted] = {}

    def count(query: str) -> Counted:
        if query not in asked:
            result = client.esearch(query, retmax=0)
            asked[query] = Counted(query, result.count, result.query_translation, _flags(result))
        return asked[query]

    terms = {}
    for block in strategy.blocks:
        for k in range(len(block.entries)):
            q = term_query(strategy, block.name, k)
            if q is not None:
                terms[(block.name, k)] = count(q)
    lines = search_lines(strategy, "pubmed")
    titles = {b.title: b.name for b in strategy.blocks}
    blocks, after = {}, []
    for line in lines:
        if line.label in titles and titles[line.label] not in blocks:
            blocks[titles[line.label]] = count(line.query)
        else:
            after.append((line.label or f"line {line.number}", count(line.query)))
    return StrategyCounts(terms, blocks, after, day)


def count_client(project: Any, day: str) -> Any:
    """The look-up client whose cache holds the counts of ``day`` (YYYY-MM-DD) only."""
    from review.strategy.mesh import lookup_client

    return lookup_client(project, cache=f"counts-{day}")


def flat(counts: StrategyCounts) -> dict[str, Counted]:
    """Every count by its query text (what the page looks lines up by)."""
    out = {c.query: c for c in counts.terms.values()}
    out.update({c.query: c for c in counts.blocks.values()})
    out.update({c.query: c for _, c in counts.lines})
    return out
