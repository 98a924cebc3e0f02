"""Open a store: SQLite (one file, WAL, busy timeout) or PostgreSQL, migrated to the current schema."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from review.store.migrations import migrate

SQLITE_BUSY_TIMEOUT_MS = 30_000


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn) -> None:
    # Take the write lock at BEGIN so two writers queue on busy_timeout instead of
    # failing with "database is locked" when a read transaction tries to upgrade.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def open_store(url: str, *, migrate_schema: bool = True, **engine_kwargs) -> sa.Engine:
    """An Engine for ``url`` with the schema brought up to date.

    ``url`` is an SQLAlchemy URL: ``sqlite:////abs/path/review.sqlite`` or
    ``postgresql+psycopg2://user@host:5432/db``. For SQLite the parent folder is created.
    """
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            **engine_kwargs,
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)

        @sa.event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves

        sa.event.listen(engine, "begin", _sqlite_begin)
    else:
        engine_kwargs.setdefault("pool_pre_ping", True)
        engine = sa.create_engine(url, **engine_kwargs)
    if migrate_schema:
        migrate(engine)
    return engine
