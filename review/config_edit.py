"""Edit the criteria and screening settings in review.yaml, keeping the file as written.

The app's "Criteria and settings" page saves through ``save_settings``: the file is read and
written round-trip by ruamel.yaml, so comments, key order and the layout of everything not
changed stay as the user wrote them (PyYAML would drop every comment, and review.yaml's
comments are its documentation). The new values are checked by the same functions every
command reads the config with (``criteria_from_config``, ``screening_settings``), so a bad
value is refused with the CLI's message and nothing is written. When the inclusion or exclusion
criteria change, ``criteria.version`` goes up by one (votes keep the version they were cast
under). The file is replaced atomically.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from review.project import CONFIG_NAME

# field -> (section or "", key): what the page edits
FIELDS = {
    "include": ("criteria", "include"),
    "exclude": ("criteria", "exclude"),
    "exclusion_reasons": ("", "exclusion_reasons"),
    "include_terms": ("screening", "include_terms"),
    "exclude_terms": ("screening", "exclude_terms"),
    "order": ("screening", "order"),
    "pilot": ("screening", "pilot"),
}
CRITERIA_FIELDS = ("include", "exclude")


@dataclass
class SaveResult:
    changed: list[str]
    criteria_version: int
    version_bumped: bool


def _yaml() -> YAML:
    y = YAML()  # round-trip: comments, order and quoting kept
    y.preserve_quotes = True
    y.width = 4096  # long lines stay whole (a plain scalar folded over lines becomes one line)
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def current(config: dict) -> dict[str, Any]:
    """The editable values from a loaded config."""
    out = {}
    for name, (section, key) in FIELDS.items():
        holder = config.get(section) if section else config
        out[name] = (holder or {}).get(key) if isinstance(holder or {}, dict) else None
    return out


def _set(doc: CommentedMap, section: str, key: str, value: Any) -> None:
    holder = doc
    if section:
        if not isinstance(doc.get(section), dict):
            doc[section] = CommentedMap()
        holder = doc[section]
    old = holder.get(key)
    if isinstance(value, list):
        if isinstance(old, list):
            old[:] = value  # the same sequence: its style (block or flow) and its place are kept
            return
        value = CommentedSeq(value)
    holder[key] = value


def save_settings(root: Path, changes: dict[str, Any]) -> SaveResult:
    """Write ``changes`` (a subset of ``FIELDS``) into ``root/review.yaml``; return what changed.

    ``review.screening.ScreeningError`` (the CLI's message) for a value the project would
    refuse; the file is then left as it was."""
    from review.screening.criteria import criteria_from_config
    from review.screening.settings import screening_settings

    path = Path(root) / CONFIG_NAME
    text = path.read_text("utf-8")
    y = _yaml()
    doc = y.load(text) or CommentedMap()
    before = current(yaml.safe_load(text) or {})
    changed = [name for name, value in changes.items() if name in FIELDS and before.get(name) != value]
    unknown = [name for name in changes if name not in FIELDS]
    if unknown:
        raise ValueError(f"not an editable setting: {', '.join(unknown)}")
    for name in changed:
        _set(doc, *FIELDS[name], changes[name])
    version = int(((yaml.safe_load(text) or {}).get("criteria") or {}).get("version", 1) or 1)
    bumped = any(name in CRITERIA_FIELDS for name in changed)
    if bumped:
        if not isinstance(doc.get("criteria"), dict):
            doc["criteria"] = CommentedMap()
        version += 1
        doc["criteria"]["version"] = version
    out = io.StringIO()
    y.dump(doc, out)
    new_text = out.getvalue()
    checked = yaml.safe_load(new_text) or {}
    criteria_from_config(checked)  # the messages every command gives
    screening_settings(checked)
    if changed:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(new_text, encoding="utf-8")
        os.replace(tmp, path)
    return SaveResult(changed=changed, criteria_version=version, version_bumped=bumped)
