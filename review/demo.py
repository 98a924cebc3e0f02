"""The bundled default review, end to end on this machine: what `make demo` / `review demo` run."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from review.importing import AlreadyImportedError, import_file
from review.project import Project, ProjectError


@dataclass
class SampleImport:
    file: str
    database: str
    interface: str = ""
    searched: str = ""
    format: str | None = None


@dataclass
class DemoLog:
    lines: list[str] = field(default_factory=list)

    def __call__(self, text: str) -> None:
        self.lines.append(text)


def sample_imports(project: Project) -> list[SampleImport]:
    """The ``sample`` list of the project config, checked."""
    items = project.section("sample") or []
    out: list[SampleImport] = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or "file" not in item or "database" not in item:
            raise ProjectError(
                f"{project.root / 'review.yaml'}: sample entry {n} needs 'file' and 'database'"
            )
        out.append(
            SampleImport(
                file=str(item["file"]),
                database=str(item["database"]),
                interface=str(item.get("interface", "")),
                searched=str(item.get("searched", "")),
                format=item.get("format"),
            )
        )
    return out


def import_sample(
    engine: sa.Engine, project: Project, say: Callable[[str], Any] = print
) -> int:
    """Import every sample file not imported yet; return how many records were added."""
    added = 0
    for item in sample_imports(project):
        path = project.path(item.file)
        try:
            summary = import_file(
                engine,
                path,
                database=item.database,
                interface=item.interface,
                searched=item.searched,
                fmt=item.format,
            )
        except AlreadyImportedError:
            say(f"  {item.file}: already imported")
            continue
        added += summary.records_stored
        dbs = ", ".join(f"{db} {n}" for db, n in sorted(summary.per_database.items()))
        say(f"  {item.file}: {summary.records_stored} records ({summary.report.format}; {dbs})")
    return added


# --------------------------------------------------------------------------------------
# The demo runs on the bundled default review only. Anywhere else it would import the
# repository's sample into a user's store and hand out sign-in links under names a team may
# already use; a user's project has `review screen` and `review reviewers add` instead.


class DemoError(ProjectError):
    """`review demo` asked to run somewhere other than the bundled default review."""


def is_default_review(project: Project) -> bool:
    """Whether ``project`` is the bundled default review: the folder this ``review`` package
    ships in (a clone of the repository), not a project made with ``review init``."""
    from review.project import template_root

    try:
        return project.root.resolve() == template_root().resolve()
    except OSError:
        return False


def check_default_review(project: Project) -> None:
    """Refuse (``DemoError``) to run the demo on any project but the bundled default review."""
    from review.project import template_root

    if is_default_review(project):
        return
    leftover = demo_tokens_path(project)
    note = (
        f". {leftover} was written by an earlier `review demo` and holds sign-in tokens in "
        "plain text: delete it, and revoke (`review reviewers revoke NAME`) and re-add any "
        "reviewer named in it who should not sign in with that token"
        if leftover.exists() else ""
    )
    raise DemoError(
        f"`review demo` runs only on the bundled default review (the worked example in "
        f"{template_root()}): it imports the repository's sample records and issues sign-in "
        f"links for its demo reviewers, which do not belong in {project.root}. In your own "
        "project, add reviewers with `review reviewers add NAME` and start the screening app "
        "with `review screen`; to try the worked example in a folder of your own, run "
        f"`review init DIR --example`{note}"
    )


# --------------------------------------------------------------------------------------
# Demo reviewers: the config's `reviewers:` list. The demo creates the ones the store does
# not have and keeps their sign-in tokens in data/demo-tokens.json (owner-only, run-time
# data, git-ignored) so a second `review demo` prints the same working links. A reviewer the
# demo did not create (`review reviewers add alice` in the default review) keeps their own
# token: the demo never revokes or re-issues one, so it cannot lock anybody out; it prints no
# link for them and says why. Tokens are stored hashed in the store like any other.
DEMO_TOKENS = "demo-tokens.json"
DEMO_TOKENS_COMMENT = (
    "Sign-in tokens of the demo reviewers that `review demo` created in the bundled default "
    "review, kept so that it prints the same sign-in links each time. Demo use only: real "
    "reviewers get their token once from `review reviewers add NAME`. Deleting this file does "
    "not sign anybody out; the demo then prints no links for these reviewers."
)


@dataclass(frozen=True)
class DemoReviewer:
    name: str
    role: str
    token: str  # "" when the reviewer is not the demo's (their token is theirs; no link shown)
    note: str = ""  # why there is no link


def demo_tokens_path(project: Project) -> Path:
    return project.data_dir / DEMO_TOKENS


def read_demo_tokens(path: Path) -> dict[str, str]:
    """The demo's tokens by reviewer name ({} without a readable file). Reads the current
    form ``{"_comment": ..., "tokens": {name: token}}`` and the older flat ``{name: token}``."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    tokens = data.get("tokens") if isinstance(data.get("tokens"), dict) else data
    return {str(k): str(v) for k, v in tokens.items() if not str(k).startswith("_") and isinstance(v, str)}


def write_demo_tokens(path: Path, tokens: dict[str, str]) -> None:
    """Write the demo's token file readable by its owner only (0600 from the moment it
    exists: written to a private temporary file, then renamed over the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"_comment": DEMO_TOKENS_COMMENT, "tokens": tokens}, indent=2) + "\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # a umask cannot widen it; an old temporary file is narrowed
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def demo_reviewers(engine: sa.Engine, project: Project) -> list[DemoReviewer]:
    """The config's demo reviewers, each with a sign-in token when the demo holds one.

    A demo reviewer whose token the demo knows and which still signs in keeps it. One the
    store does not have is created and its token kept. Anyone else of that name (added with
    `review reviewers add`, revoked by the lead, or re-issued) is left exactly as they are:
    returned with no token and a note saying why.
    """
    from review.screening import add_reviewer, authenticate, get_reviewer

    path = demo_tokens_path(project)
    known = read_demo_tokens(path)
    kept: dict[str, str] = {}
    out: list[DemoReviewer] = []
    for n, item in enumerate(project.section("reviewers") or [], 1):
        if not isinstance(item, dict) or "name" not in item:
            raise ProjectError(f"{project.root / 'review.yaml'}: reviewers entry {n} needs 'name'")
        name, role = str(item["name"]), str(item.get("role", "reviewer"))
        token = known.get(name, "")
        with engine.connect() as conn:
            signed_in = authenticate(conn, token) if token else None
            existing = get_reviewer(conn, name)
        if signed_in is not None and signed_in.name == name:
            kept[name] = token
            out.append(DemoReviewer(name, signed_in.role, token))
        elif existing is None:
            token = add_reviewer(engine, name, role)
            kept[name] = token
            out.append(DemoReviewer(name, role, token))
        elif existing.active:
            out.append(DemoReviewer(name, existing.role, "", (
                f"{name} signs in with a token not issued by the demo (`review reviewers add "
                f"{name}`); the demo leaves it as it is")))
        else:
            out.append(DemoReviewer(name, existing.role, "", (
                f"{name} has been revoked; the demo does not re-issue a token "
                f"(`review reviewers add {name}` does)")))
    if kept or path.exists():
        write_demo_tokens(path, kept)
    return out


def prisma_lines(engine: sa.Engine) -> list[str]:
    """The PRISMA 2020 boxes so far, one line each (nothing drawn; no arithmetic refusal)."""
    from review.reporting.prisma import prisma_counts, prisma_text

    with engine.connect() as conn:
        counts = prisma_counts(conn)
    return prisma_text(counts).splitlines()
