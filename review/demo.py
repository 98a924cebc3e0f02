"""The bundled default review, end to end on this machine: what `make demo` / `review demo` run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
# Demo reviewers: the config's `reviewers:` list, each with a sign-in token kept in
# data/demo-tokens.json (run-time data, git-ignored) so a second `review demo` prints the
# same working links. Tokens are stored hashed in the store like any other reviewer's.
DEMO_TOKENS = "demo-tokens.json"


@dataclass(frozen=True)
class DemoReviewer:
    name: str
    role: str
    token: str


def demo_reviewers(engine: sa.Engine, project: Project) -> list[DemoReviewer]:
    """Make sure every reviewer in the config is active with a token we know; return them.

    A reviewer whose token is known (and still signs in) keeps it; any other is issued a new
    token (revoking the old one first), so the links printed always work.
    """
    import json

    from review.screening import add_reviewer, authenticate, get_reviewer, revoke_reviewer

    path = project.data_dir / DEMO_TOKENS
    known: dict[str, str] = {}
    if path.is_file():
        try:
            known = {str(k): str(v) for k, v in json.loads(path.read_text("utf-8")).items()}
        except (ValueError, AttributeError):
            known = {}
    out: list[DemoReviewer] = []
    for n, item in enumerate(project.section("reviewers") or [], 1):
        if not isinstance(item, dict) or "name" not in item:
            raise ProjectError(f"{project.root / 'review.yaml'}: reviewers entry {n} needs 'name'")
        name, role = str(item["name"]), str(item.get("role", "reviewer"))
        token = known.get(name, "")
        with engine.connect() as conn:
            signed_in = authenticate(conn, token) if token else None
            existing = get_reviewer(conn, name)
        if signed_in is None or signed_in.name != name or signed_in.role != role:
            if existing is not None and existing.active:
                revoke_reviewer(engine, name)
            token = add_reviewer(engine, name, role)
        known[name] = token
        out.append(DemoReviewer(name, role, token))
    project.data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=2), encoding="utf-8")
    try:
        path.chmod(0o600)
    except OSError:
        pass
    return out


def prisma_lines(engine: sa.Engine) -> list[str]:
    """The PRISMA 2020 boxes so far, one line each (nothing drawn; no arithmetic refusal)."""
    from review.prisma import prisma_counts, prisma_text

    with engine.connect() as conn:
        counts = prisma_counts(conn)
    return prisma_text(counts).splitlines()
