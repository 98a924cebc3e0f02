"""The strategy model: query expressions, concept blocks, limits and numbered lines.

One model serves every database. A strategy is either *block-based* (written in YAML:
named concept blocks of terms, a combination over the blocks, limits) or *line-based*
(parsed from an Ovid strategy: numbered lines that refer to earlier lines). Renderers
turn either kind into PubMed, Ovid MEDLINE, Ovid Embase or a plain-language summary.

Expressions are frozen dataclasses, so two parses of the same text compare equal.
Free text keeps Ovid-neutral wildcard notation: ``*`` unlimited truncation, ``*N`` at most
N more characters, ``?`` zero or one character, ``#`` exactly one character.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from review.errors import ReviewError

DATABASES = ("pubmed", "ovid-medline", "ovid-embase", "ovid-psycinfo", "ebsco-cinahl", "ebsco-eric", "scopus",
             "wos", "cochrane", "embase-com")
TARGETS = (*DATABASES, "summary")
DATABASE_NAMES = {
    "pubmed": "PubMed",
    "ovid-medline": "Ovid MEDLINE",
    "ovid-embase": "Ovid Embase",
    "ovid-psycinfo": "Ovid APA PsycInfo",
    "ebsco-cinahl": "CINAHL (EBSCOhost)",
    "ebsco-eric": "ERIC (EBSCOhost)",
    "scopus": "Scopus",
    "wos": "Web of Science Core Collection",
    "cochrane": "Cochrane Library",
    "embase-com": "Embase (embase.com)",
}
# The thesaurus each database indexes with (None: no thesaurus, free text only).
VOCABULARY_OF: dict[str, str | None] = {
    "pubmed": "mesh", "ovid-medline": "mesh", "ovid-embase": "emtree", "ovid-psycinfo": "apa",
    "ebsco-cinahl": "cinahl", "ebsco-eric": "eric", "scopus": None, "wos": None, "cochrane": "mesh",
    "embase-com": "emtree",
}
VOCABULARIES = ("mesh", "emtree", "cinahl", "apa", "eric")
VOCABULARY_NAMES = {"mesh": "MeSH", "emtree": "Emtree", "cinahl": "CINAHL", "apa": "APA Thesaurus", "eric": "ERIC"}


def databases_of(vocabulary: str) -> set[str]:
    """The databases whose headings come from ``vocabulary``."""
    return {db for db, v in VOCABULARY_OF.items() if v == vocabulary}


class StrategyError(ReviewError):
    """A strategy that cannot be read or rendered; the message names the file and line."""


class OvidSyntaxError(StrategyError):
    """A strategy that does not parse (Ovid or PubMed syntax): ``line`` and ``column`` are 1-based."""

    def __init__(self, message: str, *, line: int, column: int, text: str, source: str = ""):
        self.line = line
        self.column = column
        self.text = text
        self.reason = message
        self.source = source
        where = f"{source}: " if source else ""
        caret = " " * (max(column, 1) - 1) + "^"
        super().__init__(f"{where}line {line}, column {column}: {message}\n    {text}\n    {caret}")


# --- expressions -------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """A free-text word or phrase (words separated by single spaces)."""

    text: str
    quoted: bool = False


@dataclass(frozen=True)
class Heading:
    """A subject heading in one thesaurus: mesh, emtree, cinahl, apa (APA Thesaurus) or eric."""

    name: str
    explode: bool = False
    major: bool = False
    subheadings: tuple[str, ...] = ()
    vocabulary: str = "mesh"
    quoted: bool = False


@dataclass(frozen=True)
class Near:
    """Proximity, Ovid semantics: ``distance`` N = Ovid ``adjN`` (at most N-1 words between,
    any order); ``distance`` None = Ovid ``adj`` (next to each other, in the order given).
    ``ordered`` asks for the given order within N words (Ovid cannot say it: rendered unordered)."""

    operands: tuple["Expr", ...]
    distance: int | None = None
    ordered: bool = False


@dataclass(frozen=True)
class Bool:
    """``and`` / ``or`` over all operands; ``not``: the first operand minus each of the others."""

    op: str
    operands: tuple["Expr", ...]


@dataclass(frozen=True)
class Fielded:
    """An expression searched in the given Ovid field codes (``.ti,ab.``)."""

    expr: "Expr"
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Ref:
    """A reference to an earlier numbered line."""

    number: int


@dataclass(frozen=True)
class BlockRef:
    """A reference to a concept block by name (in a block-based strategy's combination)."""

    name: str


@dataclass(frozen=True)
class LimitItem:
    """One limit: ``kind`` is language, humans, years, pubtype, entry_date or raw.

    ``value``: language name; years ``"2008-current"`` / ``"2008-2018"``; entry dates
    ``"20120101-20131231"``; publication type name; raw: the Ovid limit text as written."""

    kind: str
    value: str = ""


@dataclass(frozen=True)
class Limited:
    """``limit N to (...)``: an expression with limits applied."""

    expr: "Expr"
    limits: tuple[LimitItem, ...]


Expr = Union[Term, Heading, Near, Bool, Fielded, Ref, BlockRef, Limited]


# --- strategies --------------------------------------------------------------------------

@dataclass
class Entry:
    """One term of a block, with the databases it is for and where it was written."""

    expr: Expr
    databases: frozenset[str] = frozenset(DATABASES)
    where: str = ""


@dataclass
class Block:
    """A named concept: its entries are ORed."""

    name: str
    label: str = ""
    entries: list[Entry] = field(default_factory=list)
    where: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name

    def entries_for(self, database: str) -> list[Entry]:
        return [e for e in self.entries if database in e.databases]


@dataclass
class Line:
    """A numbered line of a line-based strategy, with the text it was parsed from."""

    number: int
    expr: Expr
    where: str = ""
    text: str = ""


@dataclass
class Strategy:
    title: str = ""
    blocks: list[Block] = field(default_factory=list)
    combine: Expr | None = None
    limits: tuple[LimitItem, ...] = ()
    lines: list[Line] = field(default_factory=list)
    database: str | None = None  # line-based: the database the lines were written for
    databases: tuple[str, ...] = DATABASES
    searched: str | None = None  # YYYY-MM-DD: the upper bound for "current" in PubMed
    source: str = ""
    notes: str = ""
    warnings: list[str] = field(default_factory=list)  # found while reading (e.g. unbracketed mixed operators)

    @property
    def line_based(self) -> bool:
        return bool(self.lines)

    def block(self, name: str) -> Block:
        for b in self.blocks:
            if b.name == name:
                return b
        raise KeyError(name)


def walk(expr: Expr):
    """Every node of an expression, parents first."""
    yield expr
    if isinstance(expr, (Bool, Near)):
        for op in expr.operands:
            yield from walk(op)
    elif isinstance(expr, (Fielded, Limited)):
        yield from walk(expr.expr)


def has_wildcard(text: str) -> bool:
    return any(c in text for c in "*?#")


# --- a rendered strategy (``review.strategy.render``, ``review.strategy.summary``) ---


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
    notes: list[str] = field(default_factory=list)  # comment lines printed before the search lines
