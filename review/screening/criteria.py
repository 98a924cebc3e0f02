"""The screening criteria from the project config: shown beside every record, versioned.

Config keys read (``review.yaml``):
- ``criteria: {version, include: [...], exclude: [...]}``
- ``exclusion_reasons: [...]`` (the fixed list a full-text exclusion picks one reason from;
  ``screening.exclusion_reasons`` overrides it)
- ``screening.include_terms`` / ``screening.exclude_terms`` (highlight terms)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from review.screening.model import ScreeningError


@dataclass(frozen=True)
class Criteria:
    version: int
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    exclusion_reasons: list[str] = field(default_factory=list)
    include_terms: list[str] = field(default_factory=list)
    exclude_terms: list[str] = field(default_factory=list)


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ScreeningError(f"review.yaml: {where} must be a list of strings")
    return [" ".join(str(v).split()) for v in value if str(v).strip()]


def criteria_from_config(config: dict) -> Criteria:
    """The criteria a project's config defines (empty lists where it is silent)."""
    crit = config.get("criteria") or {}
    screening = config.get("screening") or {}
    if not isinstance(crit, dict) or not isinstance(screening, dict):
        raise ScreeningError("review.yaml: 'criteria' and 'screening' must be mappings")
    try:
        version = int(crit.get("version", 1))
    except (TypeError, ValueError):
        raise ScreeningError(
            f"review.yaml: criteria.version must be a whole number, not {crit.get('version')!r}"
        ) from None
    reasons = screening.get("exclusion_reasons", config.get("exclusion_reasons"))
    return Criteria(
        version=version,
        include=_strings(crit.get("include"), "criteria.include"),
        exclude=_strings(crit.get("exclude"), "criteria.exclude"),
        exclusion_reasons=_strings(reasons, "exclusion_reasons"),
        include_terms=_strings(screening.get("include_terms"), "screening.include_terms"),
        exclude_terms=_strings(screening.get("exclude_terms"), "screening.exclude_terms"),
    )


def criteria_for_project(project: Any) -> Criteria:
    """Criteria of a ``review.project.Project``. Include terms: the search strategy's own
    (``review.strategy.highlight_terms``: words, phrases, truncation as prefixes) followed by
    any extra ``screening.include_terms`` from the config."""
    base = criteria_from_config(project.config)
    terms = _strategy_terms(project)
    if not terms:
        return base
    extra = [t for t in base.include_terms if t.lower() not in {x.lower() for x in terms}]
    return Criteria(
        version=base.version,
        include=base.include,
        exclude=base.exclude,
        exclusion_reasons=base.exclusion_reasons,
        include_terms=terms + extra,
        exclude_terms=base.exclude_terms,
    )


def strategy_for_project(project: Any) -> Any:
    """The project's search strategy (``strategy:`` in review.yaml), or None without one or
    when it does not load (as for the include terms: ``review query render`` shows the error).
    The relevance ranking's warm start ranks by it."""
    from review.strategy import StrategyError, load_strategy

    strategy = project.config.get("strategy")
    if not strategy:
        return None
    try:
        return load_strategy(project.path(strategy))
    except (StrategyError, OSError):
        return None


def _strategy_terms(project: Any) -> list[str]:
    """The strategy's include terms; [] without a strategy. A broken strategy file is not the
    screener's problem: the config's terms are used (``review query render`` shows the error)."""
    from review.strategy import StrategyError, highlight_terms, load_strategy

    strategy = project.config.get("strategy")
    if not strategy:
        return []
    try:
        terms = highlight_terms(load_strategy(project.path(strategy)))
    except (StrategyError, OSError):
        return []
    return [str(t) for t in terms if str(t).strip()]


@lru_cache(maxsize=1)
def default_criteria() -> Criteria:
    """The bundled default review's criteria (used when a caller passes none)."""
    from review.project import CONFIG_NAME, read_config, template_root

    try:
        return criteria_from_config(read_config(template_root() / CONFIG_NAME))
    except Exception:  # noqa: BLE001 - no template config: version 1, no reasons
        return Criteria(version=1)
