"""What every reader returns: records plus a per-file report; the typed errors readers raise."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from review.errors import ReviewError
from review.records import Record


class FormatError(ReviewError):
    """Base class for every failure to read an export file."""


class UnreadableFileError(FormatError):
    """The file as a whole cannot be read: wrong format, binary junk, truncated beyond repair.

    The message names the file and, where known, the line, and says how to fix it.
    """

    def __init__(self, path: str | Path, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"{where}: {message}")


def require_file(path: str | Path) -> None:
    """Raise UnreadableFileError unless ``path`` is an existing file (not a folder)."""
    path = Path(path)
    if path.is_dir():
        raise UnreadableFileError(
            path, "this is a folder, not a file; name the export file(s) inside it "
            "(e.g. folder/*.ris)"
        )
    if not path.is_file():
        what = "no such file" if not path.exists() else "not a regular file"
        raise UnreadableFileError(path, f"{what}; check the path and the file name")


@dataclass
class Skipped:
    """A record the reader left out, with where it was and why."""

    line: int | None
    reason: str
    position: int | None = None  # 0-based position among the file's records


@dataclass
class ImportReport:
    path: str
    format: str
    encoding: str = "utf-8"
    records_read: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # source databases the records name themselves -> how the reader knows (for the import's
    # "--database X, but these records say Y" warning),
    # e.g. {"CENTRAL": "the D=cctr code of their Ovid links"}
    databases: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "format": self.format,
            "encoding": self.encoding,
            "records_read": self.records_read,
            "skipped": [vars(s) for s in self.skipped],
            "warnings": list(self.warnings),
            "databases": dict(self.databases),
        }


@dataclass
class ImportResult:
    records: list[Record]
    report: ImportReport
