"""Shared fixtures: a store on SQLite and on the local PostgreSQL, a fresh project folder."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from must_run import cannot_run, shared_data_root

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = shared_data_root()
TEST_DATA = Path(__file__).resolve().parent / "data"

PG_URL = os.environ.get("REVIEW_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


def _postgres_available() -> str | None:
    """None when the test server answers, else the reason it does not."""
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means: cannot test here
        return f"PostgreSQL at {PG_URL} is not reachable ({type(exc).__name__})"


_PG_REASON: list[str | None] = []


def pg_unavailable_reason() -> str | None:
    if not _PG_REASON:
        _PG_REASON.append(_postgres_available())
    return _PG_REASON[0]


@pytest.fixture
def pg_schema_url():
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    reason = pg_unavailable_reason()
    if reason:
        cannot_run(reason + "; CI must test the store on PostgreSQL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """The same test on an SQLite file and on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'review.sqlite'}"
    else:
        yield request.getfixturevalue("pg_schema_url")


@pytest.fixture
def store_engine(store_url):
    """An open, migrated store engine (SQLite and PostgreSQL)."""
    from review.store import open_store

    engine = open_store(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A fresh copy of the worked example made by ``review init --example`` in a temporary
    folder (SQLite store): its criteria, exclusion reasons, charting form and strategy."""
    from review.project import init_project

    monkeypatch.delenv("REVIEW_DATABASE_URL", raising=False)
    monkeypatch.delenv("REVIEW_PROJECT", raising=False)
    return init_project(tmp_path / "proj", example=True)
