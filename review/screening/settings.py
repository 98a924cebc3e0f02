"""The ``screening:`` section of review.yaml, checked."""

from __future__ import annotations

from dataclasses import dataclass

from review.screening.model import ORDERS, RESOLUTION_MODES, ScreeningError
from review.screening.rules import VOTES_NEEDED


@dataclass(frozen=True)
class ScreeningSettings:
    seed: int = 0
    conflict_resolution: str = "lead"  # lead | pair
    session_hours: float = 12.0  # how long an app sign-in lasts
    order: str = "random"  # random | relevance (title/abstract prioritised per reviewer)
    pilot: int = 0  # a pilot round: the first N title/abstract records of the random order, screened by all first
    votes_per_record: int = 2  # current votes a record takes per stage (pilot records: every reviewer's)
    max_upload_mb: int = 200  # the largest full-text PDF the app accepts (Streamlit's server.maxUploadSize)
    stop: StopRule | None = None  # a pre-registered stopping rule for title/abstract (screening.stop)


@dataclass(frozen=True)
class StopRule:
    """``screening.stop: {rule: buscar, recall: 0.95, confidence: 0.95}``: when every active
    reviewer's estimate says stop, the lead may end the title/abstract stage."""

    rule: str = "buscar"
    recall: float = 0.95
    confidence: float = 0.95

    def to_dict(self) -> dict:
        return {"rule": self.rule, "recall": self.recall, "confidence": self.confidence}


STOP_KEYS = ("rule", "recall", "confidence")


def stop_rule(section: object) -> StopRule | None:
    """``screening.stop`` checked: None when absent; errors name the setting (and so its line)."""
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ScreeningError(
            f"review.yaml: screening.stop must be a mapping such as "
            f"{{rule: buscar, recall: 0.95, confidence: 0.95}}, not {section!r}"
        )
    from review.screening.stopping import RULES

    unknown = [k for k in section if k not in STOP_KEYS]
    if unknown:
        raise ScreeningError(
            f"review.yaml: screening.stop.{unknown[0]} is not a setting of the stopping rule; "
            f"the settings are {', '.join(STOP_KEYS)}"
        )
    rule = section.get("rule", "buscar")
    if rule not in RULES:
        raise ScreeningError(f"review.yaml: screening.stop.rule must be one of {', '.join(RULES)}, not {rule!r}")
    values = {}
    for key in ("recall", "confidence"):
        value = section.get(key, 0.95)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.5 <= float(value) < 1:
            raise ScreeningError(
                f"review.yaml: screening.stop.{key} must be a proportion from 0.5 to below 1 (e.g. 0.95), not {value!r}"
            )
        values[key] = float(value)
    return StopRule(rule=str(rule), **values)


def screening_settings(config: dict) -> ScreeningSettings:
    section = config.get("screening") or {}
    if not isinstance(section, dict):
        raise ScreeningError("review.yaml: 'screening' must be a mapping")
    seed = section.get("seed", 0)
    if seed is None:
        seed = 0
    if isinstance(seed, str) and seed.strip().lstrip("-").isdigit():
        seed = int(seed)  # a quoted number ("12") is still a whole number
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ScreeningError(f"review.yaml: screening.seed must be a whole number, not {seed!r}")
    mode = str(section.get("conflict_resolution", "lead"))
    if mode not in RESOLUTION_MODES:
        raise ScreeningError(
            f"review.yaml: screening.conflict_resolution must be one of {', '.join(RESOLUTION_MODES)}, not {mode!r}"
        )
    hours = section.get("session_hours", 12)
    try:
        hours = float(hours)
    except (TypeError, ValueError):
        hours = -1.0
    if isinstance(section.get("session_hours"), bool) or not 0 < hours <= 24 * 366:
        raise ScreeningError(
            f"review.yaml: screening.session_hours must be a number of hours above 0 (at most a year), "
            f"not {section.get('session_hours')!r}"
        )
    order = section.get("order", "random")
    if order not in ORDERS:
        raise ScreeningError(
            f"review.yaml: screening.order must be one of {', '.join(ORDERS)}, not {order!r}"
        )
    pilot = section.get("pilot", 0)
    if pilot is None:
        pilot = 0
    if isinstance(pilot, bool) or not isinstance(pilot, int) or pilot < 0:
        raise ScreeningError(
            f"review.yaml: screening.pilot must be a whole number of records, 0 or more "
            f"(0: no pilot round), not {section.get('pilot')!r}"
        )
    votes = _whole(section, "votes_per_record", 2, low=VOTES_NEEDED,
                   why=f"at least {VOTES_NEEDED}: every record is screened by two reviewers independently")
    upload = _whole(section, "max_upload_mb", 200, low=1, why="a size in megabytes, 1 or more")
    stop = stop_rule(section.get("stop"))
    return ScreeningSettings(
        seed=seed, conflict_resolution=mode, session_hours=hours, order=str(order), pilot=pilot,
        votes_per_record=votes, max_upload_mb=upload, stop=stop,
    )


def _whole(section: dict, key: str, default: int, *, low: int, why: str) -> int:
    """``section[key]`` as a whole number >= ``low`` (``default`` when absent)."""
    value = section.get(key, default)
    if value is None:
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ScreeningError(f"review.yaml: screening.{key} must be a whole number, {why}; not {section.get(key)!r}")
    return value
