"""Re-derive a stored record's normalised fields from the raw fields kept beside them.

The store keeps every record's raw fields exactly as read (``Record.raw``), so when a reader's
rule changes, records already stored are mended from their raw fields, never by guessing
from the old normalised values. ``rederive(format, data)`` returns the fields whose value
the readers now derive differently (an empty dict when nothing changes); the schema
migration that needs it (``0010_heading_terms``) writes them back and logs how many.

What is re-derived, and from which raw fields:

* subject headings and keywords (``TERM_RULES``): RIS KW (Web of Science DE/ID), EndNote XML
  ``keywords/keyword``; in a spreadsheet, the cell the earlier rule split into the stored list
  (a spreadsheet's column choice is not kept, so the cell is recognised by that result);
  MEDLINE and PubMed XML never split headings and are left as they are;
* the DOI: a stored DOI still URL-encoded ("10.1016/s0893-133x%2898%2900089-x") is decoded
  by ``normalise_doi`` (decoding is the only change, and it gives the same DOI whether it
  starts from the raw tag or from the stored value).
"""

from __future__ import annotations

from typing import Any

from review.formats.endnote_xml import ENDNOTE_FIELDS
from review.formats.fields import TERM_RULES, TermRule, all_values, split_terms
from review.formats.ris import RIS_FIELDS, WOS_FIELDS
from review.records import normalise_doi

__all__ = ["rederive", "EARLIER_TERMS"]

# The rule readers used before one line became one term: "; " when present, else every comma
# outside parentheses. Only used to recognise which spreadsheet cell a stored list came from.
EARLIER_TERMS = TermRule((";", ","), False, "before 0010_heading_terms: commas split every line")

_TERM_FIELDS = ("subject_headings", "keywords", "publication_types")


def rederive(fmt: str, data: dict[str, Any]) -> dict[str, Any]:
    """The normalised fields of a stored record (``Record.to_dict`` form, ``raw`` included)
    that the readers now derive differently, with their new values."""
    raw = data.get("raw") or {}
    changed: dict[str, Any] = {}
    if fmt == "ris":
        changed.update(_ris_terms(raw, data))
    elif fmt == "endnote-xml":
        keywords = split_terms(all_values(raw, ENDNOTE_FIELDS["keywords"]), TERM_RULES["endnote-xml"])
        if keywords != (data.get("keywords") or []):
            changed["keywords"] = keywords
    elif fmt == "tabular":
        changed.update(_tabular_terms(raw, data))
    doi = data.get("doi") or ""
    if "%" in doi:
        decoded = normalise_doi(doi)
        if decoded and decoded != doi:
            changed["doi"] = decoded
    return changed


def _ris_terms(raw: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    wos = "TY" not in raw and ("PT" in raw or "UT" in raw)
    tags = WOS_FIELDS["keywords"] if wos else RIS_FIELDS["keywords"]
    keywords = split_terms(all_values(raw, tags), TERM_RULES["wos" if wos else "ris"])
    changed: dict[str, Any] = {}
    if keywords != (data.get("keywords") or []):
        changed["keywords"] = keywords
    # Ovid and Embase.com records carry their headings in KW: the reader copied the list
    headings = data.get("subject_headings") or []
    if headings and headings == (data.get("keywords") or []) and headings != keywords:
        changed["subject_headings"] = keywords
    return changed


def _tabular_terms(raw: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    columns = {str(name).strip().lower() for name in raw}
    rule = TERM_RULES["embase-csv" if "emtree medical index terms" in columns else "tabular"]
    cells = [v for values in raw.values() for v in (values if isinstance(values, list) else [values])]
    changed: dict[str, Any] = {}
    for name in _TERM_FIELDS:
        stored = data.get(name) or []
        if not stored:
            continue
        cell = next((c for c in cells if split_terms(c, EARLIER_TERMS) == stored), None)
        if cell is None:
            continue
        terms = split_terms(cell, rule)
        if terms != stored:
            changed[name] = terms
    return changed
