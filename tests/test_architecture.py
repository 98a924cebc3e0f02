"""docs/architecture.md is the module map as built: every module of the library and the app
has its line there, so a module added or moved without the map fails here, by name."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("review", "screening_app")


def modules() -> list[str]:
    """Every .py file under the packages (subpackages too), as a path from the repository."""
    return sorted(
        p.relative_to(REPO).as_posix()
        for package in PACKAGES
        for p in (REPO / package).rglob("*.py")
        if "__pycache__" not in p.parts
    )


def test_finds_the_modules():
    found = modules()
    assert "review/cli.py" in found and "screening_app/app.py" in found
    assert "review/reporting/prisma.py" in found  # subpackages too


def test_every_module_is_in_the_architecture_map():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [m for m in modules() if m not in text]
    assert not missing, (
        "docs/architecture.md lacks a line for: " + ", ".join(missing)
        + " (add one line per module to the module map)"
    )


def test_the_map_names_no_module_that_is_gone():
    import re

    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"^((?:review|screening_app)/[\w/]+\.py)\b", text, re.M))
    gone = sorted(named - set(modules()))
    assert not gone, "docs/architecture.md names modules that do not exist: " + ", ".join(gone)
