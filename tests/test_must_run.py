"""Tests cannot hide: one that cannot run here skips with its reason, but under CI it fails;
and no test depends on where this machine keeps things."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from must_run import cannot_run, require_shared, shared_data_root

TESTS = Path(__file__).resolve().parent
MACHINE_PATH = re.compile(r"^/(work|root|tmp|home|Users)(/|$)")


def test_a_test_that_cannot_run_skips_here_and_fails_under_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="^no server$"):
        cannot_run("no server")
    for value in ("1", "true", "yes"):
        monkeypatch.setenv("CI", value)
        with pytest.raises(pytest.fail.Exception, match="^no server .*under CI"):
            cannot_run("no server")
    for value in ("", "0", "false"):
        monkeypatch.setenv("CI", value)
        with pytest.raises(pytest.skip.Exception):
            cannot_run("no server")


def test_the_shared_data_is_found_beside_the_checkout_or_where_the_environment_says(tmp_path, monkeypatch):
    monkeypatch.delenv("REVIEW_SHARED_DATA", raising=False)
    assert shared_data_root() == TESTS.parent.parent / "shared" / "data"
    monkeypatch.setenv("REVIEW_SHARED_DATA", str(tmp_path))
    assert shared_data_root() == tmp_path
    assert require_shared(tmp_path) == tmp_path
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="shared data collection is not at"):
        require_shared(tmp_path / "formats")


def test_no_test_hard_codes_a_machine_path():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and MACHINE_PATH.match(node.value):
                found.append(f"{path.relative_to(TESTS)}:{node.lineno}: {node.value!r}")
    assert found == [], "paths of one machine in the tests (use tmp_path, REPO or shared_data_root()):\n" + "\n".join(found)
