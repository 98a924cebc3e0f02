"""Fixtures for the app tests: a project with real records and three reviewers."""

from __future__ import annotations

import pytest
from app_helpers import seed_project


@pytest.fixture
def app_project(project, monkeypatch):
    """A project with 8 records (one hostile) and alice, bob (reviewers) and carol (lead).

    ``REVIEW_PROJECT`` points at it, as ``review screen`` sets it.
    """
    tokens = seed_project(project)
    monkeypatch.setenv("REVIEW_PROJECT", str(project.root))
    project.tokens = tokens
    return project
