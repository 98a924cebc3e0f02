"""Small field helpers shared by the readers: author lists, term lists, citation strings.

Pure functions over strings; the readers decide which source field feeds which helper.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from review.records import clean_text

__all__ = [
    "first_value",
    "all_values",
    "split_authors",
    "split_terms",
    "TermRule",
    "TERM_RULES",
    "parse_citation",
    "dedupe",
]


def dedupe(items: Iterable[str]) -> list[str]:
    """Keep order, drop empty strings and repeats."""
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out


def all_values(raw: Mapping[str, Any], tags: Iterable[str]) -> list[str]:
    """Every non-empty value of the given tags, in tag order (values may be str or lists)."""
    out: list[str] = []
    for tag in tags:
        value = raw.get(tag)
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            if item is not None and str(item).strip():
                out.append(str(item))
    return out


def first_value(raw: Mapping[str, Any], tags: Iterable[str]) -> str:
    """The first non-empty value among the given tags, cleaned; "" when none."""
    for item in all_values(raw, tags):
        text = clean_text(item)
        if text:
            return text
    return ""


# "Lim SM", "Liu R.", "Adler D.G.", "Basinska MA", "de Haro L" (surname then initials)
_SURNAME_INITIALS = re.compile(r"^[^\W\d][\w'’\-. ]*\s(?:[A-Z][a-z]?\.?[\s-]?){1,4}$")
_LIST_LITERAL = re.compile(r"^\[.*\]$", re.S)
_GLUED = re.compile(r"(?<=\.)(?=[^\W\d_][^\W\d_]*[a-z]{2})")


def _from_list_literal(text: str) -> list[str] | None:
    """``"['Marx, Karl', 'Lindgren, Astrid']"`` (pandas/ASReview CSVs) -> list, else None."""
    if not _LIST_LITERAL.match(text):
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    if isinstance(value, (list, tuple)):
        return [clean_text(v) for v in value if clean_text(v)]
    return None


def split_authors(value: Any) -> list[str]:
    """One author field -> ordered author names, as the source spells them.

    Handles separate values (lists), "; " and " and " (BibTeX) separators, Python list
    literals, comma lists of "Surname Initials" (PubMed CSV, Embase, Ovid CENTRAL), and
    EndNote's glued "Adeli K.Lewis G. F.".

    >>> split_authors("Lim SM, Shiau CWC, Cheng LJ, Lau Y.")
    ['Lim SM', 'Shiau CWC', 'Cheng LJ', 'Lau Y']
    >>> split_authors("Zuna, R E and Wang, S S")
    ['Zuna, R E', 'Wang, S S']
    >>> split_authors("Marx, Karl")
    ['Marx, Karl']
    >>> split_authors("Adeli K.Lewis G. F.")
    ['Adeli K.', 'Lewis G. F.']
    """
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for item in value:
            out.extend(split_authors(item) if _needs_split(item) else [clean_text(item)])
        return dedupe_keep_repeats(out)
    text = clean_text(value)
    if not text:
        return []
    literal = _from_list_literal(text)
    if literal is not None:
        return literal
    if ";" in text:
        return [p.strip() for p in text.split(";") if p.strip()]
    if re.search(r"\s+and\s+", text) and "," in text:
        return [p.strip() for p in re.split(r"\s+and\s+", text) if p.strip()]
    if "," in text:
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if len(parts) > 1 and all(_SURNAME_INITIALS.match(p) for p in parts):
            # PubMed's CSV ends the list with a full stop ("..., Lau Y."): drop it unless
            # every name is written with dotted initials ("Liu R., Adler D.G.")
            if parts[-1].endswith(".") and not any(p.endswith(".") for p in parts[:-1]):
                parts[-1] = parts[-1][:-1]
            return parts
        return [text]
    glued = [p.strip() for p in _GLUED.split(text) if p.strip()]
    return glued if len(glued) > 1 else [text]


def dedupe_keep_repeats(items: list[str]) -> list[str]:
    """Drop empty names only (two authors may share a name)."""
    return [i for i in items if i]


def _needs_split(item: Any) -> bool:
    text = str(item or "")
    return ";" in text or text.startswith("[")


@dataclass(frozen=True)
class TermRule:
    """How one kind of source writes several index terms (headings, keywords) in one field."""

    separators: tuple[str, ...]  # what joins terms within one line; the first one present is used
    wrapped: bool  # True: line breaks only wrap long text; False: a line break ends a term
    reason: str


# One rule per kind of source, each with why. A comma is never a separator unless the source
# says so: MeSH and Emtree headings hold commas ("Administration, Topical", "Depressive
# Disorder, Treatment-Resistant", "Receptor, Serotonin, 5-HT2A/de [Drug Effects]").
TERM_RULES: dict[str, TermRule] = {
    "ris": TermRule(
        (";",), False,
        "one KW line is one term (Ovid, EndNote, Zotero, Embase.com, CINAHL, ProQuest write a line "
        "per heading; EndNote's continuation lines are one term each); only Scopus and Web of "
        "Science may put several terms on one line, joined by '; '",
    ),
    "wos": TermRule(
        (";",), True,
        "Web of Science tagged DE/ID: every term of the record on one tag, joined by '; ' and "
        "wrapped over continuation lines, sometimes inside a term ('CARBON-MONOXIDE / BINDING')",
    ),
    "medline": TermRule(
        (), True,
        "MEDLINE/.nbib: one MH or OT tag per term (continuation lines wrap a long one); a "
        "heading's commas are its own",
    ),
    "endnote-xml": TermRule(
        (";",), False,
        "one <keyword> element per term, or one term per line inside it (EndNote's \\r); "
        "a keyword imported from Scopus may join terms with '; '",
    ),
    "tabular": TermRule(
        (";",), False,
        "a spreadsheet cell joins terms with '; ' (Scopus, Web of Science, Covidence, Zotero "
        "CSV) or holds a Python list literal (ASReview)",
    ),
    "embase-csv": TermRule(
        (",",), False,
        "Embase's CSV joins Emtree terms with ', ' and puts subheadings in parentheses "
        "('colonic duplication cyst (diagnosis, surgery)'): commas outside parentheses separate",
    ),
}


def _split_outside_brackets(text: str, separator: str) -> list[str]:
    """Split on ``separator`` where it is not inside (...) or [...]; a text whose brackets do
    not balance is split everywhere (one stray bracket must not glue every term together)."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if ch == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    if depth:
        parts = text.split(separator)
    return [p.strip() for p in parts]


def split_terms(value: Any, rule: TermRule) -> list[str]:
    """Keyword/heading field(s) -> terms, as ``rule`` says the source writes them.

    Lists are kept (each item split by the rule); a Python list literal is its items.

    >>> split_terms(["Administration, Topical", "Humans"], TERM_RULES["ris"])
    ['Administration, Topical', 'Humans']
    >>> split_terms("Depression; Ketamine, therapeutic use", TERM_RULES["ris"])
    ['Depression', 'Ketamine, therapeutic use']
    >>> split_terms("cyst (diagnosis, surgery), colonoscopy", TERM_RULES["embase-csv"])
    ['cyst (diagnosis, surgery)', 'colonoscopy']
    >>> split_terms("CARBON-MONOXIDE\\nBINDING; LOW PH", TERM_RULES["wos"])
    ['CARBON-MONOXIDE BINDING', 'LOW PH']
    """
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return dedupe(term for item in value for term in split_terms(item, rule))
    raw = str(value)
    literal = _from_list_literal(raw.strip())
    if literal is not None:
        return dedupe(literal)
    lines = [raw] if rule.wrapped else re.split(r"[\r\n]+", raw)
    out: list[str] = []
    for line in lines:
        text = clean_text(line)
        separator = next((s for s in rule.separators if s in text), "")
        out.extend(_split_outside_brackets(text, separator) if separator else [text])
    return dedupe(out)


# "Behav Ther. 2022 Mar;53(2):334-347. doi: 10.1016/j.beth.2021.09.007. Epub 2021 Oct 12."
_PUBMED_CITATION = re.compile(
    r"^(?P<journal>[^.]+(?:\.[^.;:\d][^.]*)*)\.\s+(?P<date>\d{4}[^;:.]*)"
    r"(?:;(?P<volume>[^(:.\s]*)(?:\((?P<issue>[^)]*)\))?)?(?::(?P<pages>[^.;\s]+))?"
)
# Embase CSV "Source": "Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014"
_EMBASE_SOURCE = re.compile(
    r"^(?P<journal>.+?)\s+\((?P<date>\d{4})\)\s+(?P<volume>[^:\s(]+)?(?::(?P<issue>[^\s(]+))?"
    r"\s*(?:\((?P<pages>[^)]*)\))?"
)


def parse_citation(text: Any) -> dict[str, str]:
    """Journal, year, volume, issue, pages from a one-line citation (PubMed CSV, Embase CSV).

    >>> parse_citation("Behav Ther. 2022 Mar;53(2):334-347. doi: 10.1016/x")["pages"]
    '334-347'
    >>> parse_citation("Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014")["issue"]
    '3'
    """
    value = clean_text(text)
    if not value:
        return {}
    for pattern in (_EMBASE_SOURCE, _PUBMED_CITATION):
        match = pattern.match(value)
        if match:
            return {k: (v or "").strip() for k, v in match.groupdict().items()}
    return {}
