"""Paths to the real export files used by the importer tests, and small file builders."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
REPO = TESTS.parent
DATA = TESTS / "data" / "formats"
SAMPLE = REPO / "data" / "sample"
SHARED_FORMATS = REPO.parent / "shared" / "data" / "formats"
for _candidate in (REPO.parent / "shared" / "data" / "formats", Path("/work/shared/data/formats")):
    if _candidate.is_dir():
        SHARED_FORMATS = _candidate
        break


@pytest.fixture
def write(tmp_path):
    """write(name, content: str|bytes, encoding='utf-8') -> Path of a new file in tmp_path."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write
