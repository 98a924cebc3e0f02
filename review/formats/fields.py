"""Small field helpers shared by the readers: author lists, term lists, citation strings.

Pure functions over strings; the readers decide which source field feeds which helper.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from typing import Any

from review.records import clean_text

__all__ = [
    "first_value",
    "all_values",
    "split_authors",
    "split_terms",
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


def split_terms(value: Any) -> list[str]:
    """Keyword/heading field(s) -> list: lists kept, "; " or newline separated, or commas
    outside parentheses (Embase CSV "term (diagnosis, surgery), term").
    """
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for item in value:
            out.extend(split_terms(item))
        return dedupe(out)
    raw = str(value)
    literal = _from_list_literal(raw.strip())
    if literal is not None:
        return dedupe(literal)
    if "\n" in raw:
        return dedupe(t for line in raw.split("\n") for t in split_terms(line))
    text = clean_text(raw)
    if not text:
        return []
    if ";" in text:
        return dedupe(p.strip() for p in text.split(";"))
    if "," in text:
        parts, depth, current = [], 0, []
        for ch in text:
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth = max(0, depth - 1)
            if ch == "," and depth == 0:
                parts.append("".join(current).strip())
                current = []
            else:
                current.append(ch)
        parts.append("".join(current).strip())
        return dedupe(parts)
    return [text]


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
