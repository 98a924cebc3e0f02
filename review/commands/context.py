"""Shared CLI plumbing: the project and store a command works on, and the errors shown plainly."""

from __future__ import annotations

import argparse

import sqlalchemy as sa

from review.project import Project, ProjectError, load_project
from review.store import open_store


def project_of(args: argparse.Namespace) -> Project:
    cached = getattr(args, "_project", None)
    if cached is None:
        cached = load_project(args.project)
        args._project = cached
    return cached


def engine_of(args: argparse.Namespace) -> sa.Engine:
    cached = getattr(args, "_engine", None)
    if cached is None:
        cached = open_store(project_of(args).database_url)
        args._engine = cached
    return cached


def known_errors() -> tuple[type[BaseException], ...]:
    """Exceptions whose message is written for the user (shown without a traceback)."""
    from review.formats import FormatError
    from review.importing import AlreadyImportedError
    from review.screening import ScreeningError
    from review.store import SchemaTooNewError

    errors: tuple[type[BaseException], ...] = (ProjectError, FormatError, AlreadyImportedError, SchemaTooNewError, FileNotFoundError, ScreeningError)
    from review.extraction import ExtractionError
    from review.prisma import PrismaArithmeticError
    from review.reports import ExportError

    errors += (PrismaArithmeticError, ExtractionError, ExportError)
    return errors
