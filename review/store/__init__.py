"""The review store: SQLAlchemy Core over SQLite (default) or PostgreSQL (team server)."""

from review.store.api import (
    add_import,
    add_records,
    counts_by_database,
    counts_by_import,
    find_import_by_hash,
    get_import,
    get_record,
    iter_records,
    list_events,
    list_imports,
    log_event,
    now_iso,
    update_import_counts,
)
from review.store.engine import StoreError, open_store, sqlite_url
from review.store.migrations import SchemaTooNewError, migrate
from review.store.transaction import Retry, insert_ignore, set_write_guard, write_guard, write_retrying

__all__ = [
    "Retry",
    "set_write_guard",
    "write_guard",
    "SchemaTooNewError",
    "StoreError",
    "add_import",
    "add_records",
    "counts_by_database",
    "counts_by_import",
    "find_import_by_hash",
    "get_import",
    "get_record",
    "insert_ignore",
    "iter_records",
    "list_events",
    "list_imports",
    "log_event",
    "migrate",
    "now_iso",
    "open_store",
    "sqlite_url",
    "update_import_counts",
    "write_retrying",
]
