"""Fixtures of the reporting tests: a project screened through both stages by a script."""

from __future__ import annotations

import pytest

from review.store import open_store


@pytest.fixture
def built_project(project, tmp_path):
    """The project of ``test_project_end_to_end.build``: imported, deduplicated, screened, charted."""
    from test_project_end_to_end import build

    engine = open_store(project.database_url)
    build(engine, project.config, tmp_path)
    engine.dispose()
    return project


@pytest.fixture
def unfinished_project(project, tmp_path):
    """The same project with conflicts 6 and 11 open at title/abstract and no full-text
    decisions yet (screening unfinished)."""
    from test_project_end_to_end import build

    engine = open_store(project.database_url)
    build(engine, project.config, tmp_path, resolve=False)
    engine.dispose()
    return project
