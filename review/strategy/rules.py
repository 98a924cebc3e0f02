"""The translation table (rules.yaml) loaded once, with small lookups over it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

RULES_PATH = Path(__file__).with_name("rules.yaml")


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    return yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))


def field_rule(code: str) -> dict[str, Any] | None:
    return rules()["fields"].get(code.lower())


def known_field(code: str, database: str) -> bool:
    rule = field_rule(code)
    return bool(rule) and database in rule["databases"]


def match_of(rule: dict[str, Any], database: str | None) -> str:
    """A rule's match (exact/broader/narrower/different), per source database if it varies."""
    match = rule.get("match", "exact")
    if isinstance(match, dict):
        return match.get(database or "ovid-medline", "different")
    return match


def subheading_name(code: str) -> str | None:
    return rules()["subheadings"].get(code.lower())


def heading_pair(name: str, from_vocabulary: str) -> dict[str, Any] | None:
    """The MeSH/Emtree pair for a heading name in the given vocabulary, or None."""
    key = name.strip().lower()
    for pair in rules()["headings"]:
        if str(pair.get(from_vocabulary, "")).lower() == key:
            return pair
    return None


def source_text(keys: list[str]) -> str:
    table = rules()["sources"]
    return "; ".join(table.get(k, k) for k in keys)


def subheading_code(name: str) -> str | None:
    """The two-letter code of a MeSH qualifier given by name (``and`` for ``&``) or by code."""
    key = " ".join(name.lower().split())
    table = rules()["subheadings"]
    if key in table:
        return key
    key = key.replace(" and ", " & ")
    for code, full in table.items():
        if full == key:
            return code
    return None


@lru_cache(maxsize=None)
def pubmed_tag(name: str) -> tuple[str, dict[str, Any]] | None:
    """A PubMed field tag (``tiab``, ``Title/Abstract``, ``MeSH Terms``) as (key, rule), any case."""
    key = " ".join(name.lower().split())
    table = rules()["pubmed_tags"]
    if key in table:
        return key, table[key]
    for tag, rule in table.items():
        if key in rule.get("names", ()):
            return tag, rule
    return None


def reads_back_as_itself(code: str) -> bool:
    """True if Ovid field ``code`` is what a PubMed tag reads as and that tag is what the code
    renders as (``mp`` <-> ``[tw]``): rendering a parsed PubMed strategy back to PubMed gives the tag it was written with."""
    rule = field_rule(code)
    if rule is None:
        return False
    tags = rules()["pubmed_tags"]
    return any(tags.get(t, {}).get("ovid") == [code] for t in rule["pubmed"])


def pair_match(pair: dict[str, Any], vocabulary: str) -> tuple[str, str]:
    """How a heading pair's term in ``vocabulary`` compares with the heading it translates,
    and why: MeSH/Emtree use ``match``/``note``; the other thesauri ``<vocabulary>_match``."""
    if vocabulary in ("mesh", "emtree"):
        return pair.get("match", "exact"), pair.get("note", "")
    return pair.get(f"{vocabulary}_match", "exact"), pair.get(f"{vocabulary}_note", "")


_REVERSED = {"broader": "narrower", "narrower": "broader"}


def translate_match(pair: dict[str, Any], source: str, target: str) -> tuple[str, str]:
    """How the pair's ``target`` term compares with its ``source`` heading, and why.

    Each pair is written from MeSH: ``match`` says how Emtree compares with MeSH, and
    ``<vocabulary>_match`` how CINAHL, APA or ERIC does. Read backwards, broader becomes
    narrower; between two non-MeSH thesauri any difference on either side is 'different'."""
    def from_mesh(v: str) -> tuple[str, str]:
        return pair_match(pair, v) if v != "mesh" else ("exact", "")

    (to_match, to_note), (from_match, from_note) = from_mesh(target), from_mesh(source)
    if from_match == "exact":
        return to_match, to_note
    if to_match == "exact":
        return _REVERSED.get(from_match, from_match), from_note
    return "different", "; ".join(n for n in (from_note, to_note) if n)
