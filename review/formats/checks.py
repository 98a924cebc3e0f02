"""Field values a reader found but could not read: reported as warnings, never dropped silently.

A record keeps its raw fields whatever happens, but a year written "20x7", a DOI field holding
"n/a" or a PubMed id with letters in it leaves the normalised field empty: the record would
then quietly lack a year (year limits, the charting table) or an identifier (deduplication).
Each reader passes every record it keeps, with the tags that feed each checked field, to
``unread_fields``, and reports each result with ``unread_warning`` (record, line, value).

Only fields parsed out of their value are checked: the other fields are kept as written (text),
so nothing of them can be lost; SN and C2 also hold ISBNs and PubMed ids by design, so an ISSN
or PMCID that is not there is not an unreadable value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from review.records import Record, clean_text

__all__ = ["CHECKED_FIELDS", "MISSING_MARKERS", "Unread", "unread_fields", "unread_warning"]

# Record field -> what its value must hold to be read (the wording of the warning)
CHECKED_FIELDS: dict[str, str] = {
    "year": "a year (four digits, 1500-2199)",
    "doi": "a DOI (10.NNNN/...)",
    "pmid": "a PubMed id (digits)",
}


# What spreadsheets and exporters write for "no value" (R and pandas: NA, NaN; databases: NULL,
# None, n/a, "-"): an empty field, not a value that could not be read
MISSING_MARKERS = frozenset({"na", "n/a", "n.a.", "nan", "null", "none", "-", "--", "not available"})


@dataclass(frozen=True)
class Unread:
    """A field the source gave a value for that the reader could not read."""

    field: str
    tag: str  # the source's tag, element or column
    value: str


def unread_fields(record: Record, raw: Mapping[str, Any], tags: Mapping[str, Iterable[str]]) -> list[Unread]:
    """Each checked field left empty although one of its ``tags`` holds a value (the first)."""
    out: list[Unread] = []
    for field, sources in tags.items():
        if field not in CHECKED_FIELDS or getattr(record, field):
            continue
        found = next(
            (
                (tag, clean_text(value))
                for tag in sources
                for value in _values(raw.get(tag))
                if clean_text(value) and clean_text(value).lower() not in MISSING_MARKERS
            ),
            None,
        )
        if found:
            out.append(Unread(field, found[0], found[1]))
    return out


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def unread_warning(item: Unread, *, where: str, title: str = "") -> str:
    """'line 3 (record 'Title...'): PY '20x7' is not a year ...; stored without a year'."""
    shown = item.value if len(item.value) <= 60 else item.value[:57] + "..."
    record = f" (record {title[:60]!r})" if title else ""
    name = item.field if item.field != "pmid" else "PubMed id"
    name = "DOI" if item.field == "doi" else name
    return (
        f"{where}{record}: {item.tag} {shown!r} is not {CHECKED_FIELDS[item.field]}; the record is "
        f"stored without a {name} (its raw fields keep the value): correct it at the source if "
        "it matters"
    )
