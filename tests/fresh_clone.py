"""A fresh clone of the repository for tests that run it as a new user would."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def copy_repo(dest: Path) -> Path:
    """The files of the repository a fresh clone holds (tracked, or new and not git-ignored, so
    that a file the .gitignore would keep out of a commit is missing here too), without
    run-time data."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=REPO, capture_output=True, text=True)
    names = files.stdout.splitlines() if files.returncode == 0 else []
    if not names:  # not a git checkout: copy the project files that matter
        names = [str(p.relative_to(REPO)) for p in REPO.rglob("*")
                 if p.is_file() and not any(part in {".git", ".venv", "__pycache__"} for part in p.parts)
                 and (not str(p.relative_to(REPO)).startswith("data/")
                      or str(p.relative_to(REPO)).startswith(("data/sample/", "data/walkthrough/")))]
    for name in names:
        src = REPO / name
        if src.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(src.read_bytes())
    return dest


def tracked(path: str) -> bool:
    """Whether ``path`` (relative to the repository) is a file a clone gets."""
    done = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", path],
                          cwd=REPO, capture_output=True, text=True)
    if done.returncode == 0 and done.stdout.strip():
        return True
    no_git = subprocess.run(["git", "rev-parse"], cwd=REPO, capture_output=True).returncode != 0
    return no_git and (REPO / path).is_file()
