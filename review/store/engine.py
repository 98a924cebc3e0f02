"""Open a store: SQLite (one file, WAL, busy timeout) or PostgreSQL, migrated to the current schema."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from review.errors import ReviewError
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


class StoreError(ReviewError):
    """The store cannot be opened: a bad URL, a missing driver, a server or file not there."""


def open_store(url: str, *, migrate_schema: bool = True, **engine_kwargs) -> sa.Engine:
    """An Engine for ``url`` with the schema brought up to date.

    ``url`` is an SQLAlchemy URL: ``sqlite:////abs/path/review.sqlite`` or
    ``postgresql+psycopg2://user@host:5432/db`` (a bare ``postgresql://`` uses psycopg2, the
    driver this package installs). For SQLite the parent folder is created. Raises
    ``StoreError`` saying what is wrong with the URL, the file or the server.
    """
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise StoreError(f"{url!r} is not a database URL; {_URL_HELP}") from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg2")
    shown = parsed.render_as_string(hide_password=True)
    try:
        engine = _engine(parsed, **engine_kwargs)
    except sa.exc.NoSuchModuleError:
        raise StoreError(f"{shown}: unknown kind of database {parsed.get_backend_name()!r}; {_URL_HELP}") from None
    except ImportError as exc:
        raise StoreError(f"{shown}: the database driver {exc.name!r} is not installed; {_URL_HELP}") from None
    except OSError as exc:
        raise StoreError(
            f"{shown}: cannot make the folder for the SQLite store ({exc.strerror}: {exc.filename}); "
            "choose a path whose folders exist or can be made"
        ) from None
    if migrate_schema:
        try:
            migrate(engine)
        except (sa.exc.OperationalError, sa.exc.DatabaseError) as exc:
            if type(exc) not in (sa.exc.OperationalError, sa.exc.DatabaseError):
                raise  # an integrity or programming error is a bug, not a store that is not there
            engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreError(f"{shown}: cannot open the store ({reason}); {_fix(parsed)}") from None
    return engine


_URL_HELP = (
    "write sqlite:////absolute/path/review.sqlite or postgresql+psycopg2://user@host:5432/dbname "
    "(REVIEW_DATABASE_URL or database_url in review.yaml)"
)


def _fix(url: sa.URL) -> str:
    if url.get_backend_name() == "sqlite":
        return (f"{url.database} must be an SQLite file this user can write, or a new file's name "
                "in a folder this user can write")
    return ("check that the server is running and that the URL's host, port, user, password and "
            "database name are right (REVIEW_DATABASE_URL or database_url in review.yaml)")


def _engine(url: sa.URL, **engine_kwargs) -> sa.Engine:
    if url.get_backend_name() != "sqlite":
        engine_kwargs.setdefault("pool_pre_ping", True)
        return sa.create_engine(url, **engine_kwargs)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
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
    return engine


def read_engine(engine: sa.Engine) -> sa.Engine:
    """An engine for long reads that must not hold up writers: on SQLite its transactions
    begin DEFERRED (a WAL reader takes no lock, and sees one snapshot), where ``open_store``'s
    take the write lock at BEGIN; on PostgreSQL (readers never block writers) the engine
    itself. Dispose it when done (SQLite). Never write through it."""
    if engine.url.get_backend_name() != "sqlite":
        return engine
    reader = sa.create_engine(
        engine.url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )
    sa.event.listen(reader, "connect", _sqlite_pragmas)

    @sa.event.listens_for(reader, "connect")
    def _no_pysqlite_begin(dbapi_conn, _record):
        dbapi_conn.isolation_level = None

    @sa.event.listens_for(reader, "begin")
    def _deferred(conn):
        conn.exec_driver_sql("BEGIN")

    return reader
