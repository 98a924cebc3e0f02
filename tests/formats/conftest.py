"""Paths to the real export files used by the importer tests, and small file builders."""

from __future__ import annotations

from pathlib import Path

import pytest
from must_run import shared_data_root

TESTS = Path(__file__).resolve().parent.parent
REPO = TESTS.parent
DATA = TESTS / "data" / "formats"
SAMPLE = REPO / "data" / "sample"
SHARED_FORMATS = shared_data_root() / "formats"


@pytest.fixture
def write(tmp_path):
    """write(name, content: str|bytes, encoding='utf-8') -> Path of a new file in tmp_path."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write
