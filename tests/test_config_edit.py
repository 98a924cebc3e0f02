"""Saving criteria and settings into review.yaml: comments kept, version bumped, bad values refused."""

from __future__ import annotations

import pytest
import yaml

from review.config_edit import save_settings
from review.screening.model import ScreeningError


def test_comments_and_layout_are_kept(project):
    path = project.root / "review.yaml"
    before = path.read_text("utf-8")
    result = save_settings(project.root, {"pilot": 25, "include_terms": ["mentor*", "tutor*"]})
    after = path.read_text("utf-8")
    assert sorted(result.changed) == ["include_terms", "pilot"] and not result.version_bumped
    config = yaml.safe_load(after)
    assert config["screening"]["pilot"] == 25 and config["screening"]["include_terms"] == ["mentor*", "tutor*"]
    # every comment line of the file is still there, in order
    comments = [line.strip() for line in before.splitlines() if line.strip().startswith("#")]
    assert comments == [line.strip() for line in after.splitlines() if line.strip().startswith("#")]
    assert "# the queue's reproducible random order" in after
    pilot_line = next(line for line in after.splitlines() if line.strip().startswith("pilot:"))
    assert pilot_line.startswith("  pilot: 25") and "# a pilot round (JBI)" in pilot_line  # its comment stays
    assert "include_terms: [mentor*, tutor*]" in after  # a flow list stays a flow list
    expected = yaml.safe_load(before)
    expected["screening"].update(pilot=25, include_terms=["mentor*", "tutor*"])
    assert yaml.safe_load(after) == expected  # nothing else changed
    # only the two edited lines differ, and a plain scalar folded over lines becomes one line
    changed = set(after.splitlines()) - set(before.splitlines())
    assert len(changed) == 3, changed


def test_changed_criteria_bump_the_version(project):
    config = yaml.safe_load((project.root / "review.yaml").read_text("utf-8"))
    version = config["criteria"]["version"]
    result = save_settings(project.root, {"include": config["criteria"]["include"] + ["Any country."]})
    assert result.version_bumped and result.criteria_version == version + 1
    saved = yaml.safe_load((project.root / "review.yaml").read_text("utf-8"))["criteria"]
    assert saved["version"] == version + 1 and saved["include"][-1] == "Any country."
    again = save_settings(project.root, {"include": saved["include"]})  # nothing changed: no bump
    assert again.changed == [] and again.criteria_version == version + 1


def test_bad_values_are_refused_with_the_cli_message_and_nothing_written(project):
    path = project.root / "review.yaml"
    before = path.read_text("utf-8")
    with pytest.raises(ScreeningError, match="screening.order must be one of"):
        save_settings(project.root, {"order": "alphabetical"})
    assert path.read_text("utf-8") == before
