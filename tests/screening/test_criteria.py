"""Criteria for a project: versioned criteria from review.yaml, highlight terms from the strategy."""

from __future__ import annotations

import yaml

from review.project import load_project
from review.screening import criteria_for_project


def test_include_terms_come_from_the_search_strategy_then_the_config(project):
    criteria = criteria_for_project(project)
    # the worked example's strategy: truncated free text as prefixes, phrases kept whole,
    # a proximity line as one term
    assert "mentor* adj3 program*" in criteria.include_terms
    assert "medical student*" in criteria.include_terms
    # then the config's extra terms, without repeating the strategy's
    from review.strategy import highlight_terms, load_strategy

    own = highlight_terms(load_strategy(project.path(project.config["strategy"])))
    config_terms = project.config["screening"]["include_terms"]
    extra = [t for t in config_terms if t.lower() not in {x.lower() for x in own}]
    assert extra, "the default review's config adds terms of its own"
    assert criteria.include_terms == own + extra
    assert criteria.version == project.config["criteria"]["version"]
    assert criteria.exclude_terms == project.config["screening"]["exclude_terms"]


def test_a_broken_strategy_falls_back_to_the_config_terms(project):
    path = project.path(project.config["strategy"])
    path.write_text("blocks: [unclosed\n", encoding="utf-8")
    criteria = criteria_for_project(load_project(project.root))
    assert criteria.include_terms == project.config["screening"]["include_terms"]


def test_without_a_strategy_the_config_terms_are_used(project):
    config = dict(project.config)
    config.pop("strategy")
    (project.root / "review.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    criteria = criteria_for_project(load_project(project.root))
    assert criteria.include_terms == config["screening"]["include_terms"]
    assert "mentor*" not in criteria.include_terms
