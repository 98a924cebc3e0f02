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
        if str(pair[from_vocabulary]).lower() == key:
            return pair
    return None


def source_text(keys: list[str]) -> str:
    table = rules()["sources"]
    return "; ".join(table.get(k, k) for k in keys)
