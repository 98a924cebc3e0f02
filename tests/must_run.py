"""Tests that cannot run on this machine: skipped with the reason, except under CI, where they
fail. A CI run (``CI=1``, as ``.ci/run`` sets) must not pass by hiding the PostgreSQL store
tests, the tests on the shared real-data collection (../shared/data) or the browser tests."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parent.parent


def under_ci() -> bool:
    """``CI`` set to anything but empty, 0, false or no."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def cannot_run(reason: str) -> NoReturn:
    """Skip with ``reason``; under CI fail with it."""
    if under_ci():
        pytest.fail(f"{reason} (under CI a test that cannot run fails rather than skips)", pytrace=False)
    pytest.skip(reason)


def shared_data_root() -> Path:
    """The shared real-data collection: ``$REVIEW_SHARED_DATA``, else ``shared/data`` beside the
    checkout (``../shared/data``)."""
    env = os.environ.get("REVIEW_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def require_shared(folder: Path) -> Path:
    """``folder`` of the shared collection, or skip (fail under CI) when it is not there."""
    if not folder.is_dir():
        cannot_run(f"the shared data collection is not at {folder} (set REVIEW_SHARED_DATA to its folder)")
    return folder
