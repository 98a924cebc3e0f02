"""Fixtures for the app tests: a project with real records and three reviewers."""

from __future__ import annotations

import importlib
import sys

import pytest

try:  # the rules; a contract-shaped stand-in only while review.screening is absent
    importlib.import_module("review.screening")
except ModuleNotFoundError as exc:  # pragma: no cover - removed once the rules land
    if exc.name not in ("review.screening",):
        raise
    import fake_screening

    sys.modules["review.screening"] = fake_screening

from app_helpers import seed_project  # noqa: E402


@pytest.fixture
def app_project(project, monkeypatch):
    """A project with 8 records (one hostile) and alice, bob (reviewers) and carol (lead).

    ``REVIEW_PROJECT`` points at it, as ``review screen`` sets it.
    """
    tokens = seed_project(project)
    monkeypatch.setenv("REVIEW_PROJECT", str(project.root))
    project.tokens = tokens
    return project
