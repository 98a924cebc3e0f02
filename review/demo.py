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
