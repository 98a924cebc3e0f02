"""The ``screening:`` section of review.yaml, checked."""

from __future__ import annotations

from dataclasses import dataclass

from review.screening.model import RESOLUTION_MODES, ScreeningError


@dataclass(frozen=True)
class ScreeningSettings:
    seed: int = 0
    conflict_resolution: str = "lead"  # lead | pair


def screening_settings(config: dict) -> ScreeningSettings:
    section = config.get("screening") or {}
    if not isinstance(section, dict):
        raise ScreeningError("review.yaml: 'screening' must be a mapping")
    try:
        seed = int(section.get("seed", 0))
    except (TypeError, ValueError):
        raise ScreeningError(f"review.yaml: screening.seed must be a whole number, not {section.get('seed')!r}") from None
    mode = str(section.get("conflict_resolution", "lead"))
    if mode not in RESOLUTION_MODES:
        raise ScreeningError(
            f"review.yaml: screening.conflict_resolution must be one of {', '.join(RESOLUTION_MODES)}, not {mode!r}"
        )
    return ScreeningSettings(seed=seed, conflict_resolution=mode)
