"""The store on SQLite and PostgreSQL: migrations, imports, records kept verbatim, events, atomicity."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from review import store
from review.records import Record
from review.store import schema
from review.store.migrations import MIGRATIONS


def _records(n: int) -> list[Record]:
    return [
        Record(
            title=f"Título {i}: mentoring ∞",
            authors=["Kalén, S.", "Ponzer, S."],
            year=2010 + i % 5,
            doi=f"10.1000/x{i}",
            pmid=str(1000 + i),
            source_database="MEDLINE",
            raw={"TI": [f"Título {i}: mentoring ∞"], "XX": ["kept verbatim  "]},
        )
        for i in range(n)
    ]


def test_migrations_applied_once_and_recorded(store_url):
    engine = store.open_store(store_url)
    again = store.migrate(engine)  # a second open applies nothing
    assert again == []
    with engine.connect() as conn:
        names = conn.execute(sa.select(schema.schema_migrations.c.name)).scalars().all()
    assert sorted(names) == sorted(name for name, _ in MIGRATIONS)
    engine.dispose()


def test_store_written_by_newer_version_is_refused(store_url):
    engine = store.open_store(store_url)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.schema_migrations).values(name="9999_future", applied_at="x")
        )
    with pytest.raises(store.SchemaTooNewError, match="9999_future"):
        store.migrate(engine)
    engine.dispose()


def test_records_round_trip_verbatim(store_engine):
    recs = _records(3)
    with store_engine.begin() as conn:
        import_id = store.add_import(conn, kind="file", database="MEDLINE", file_name="a.ris")
        assert store.add_records(conn, import_id, recs) == 3
    with store_engine.connect() as conn:
        back = list(store.iter_records(conn, import_id=import_id))
    assert [r for _, r in back] == recs
    assert back[0][1].raw["XX"] == ["kept verbatim  "]
    with store_engine.connect() as conn:
        assert store.counts_by_database(conn) == {"MEDLINE": 3}


def test_default_database_applies_only_when_record_has_none(store_engine):
    recs = _records(2)
    recs[1].source_database = ""
    with store_engine.begin() as conn:
        import_id = store.add_import(conn, kind="file", database="Embase")
        store.add_records(conn, import_id, recs, default_database="Embase")
    with store_engine.connect() as conn:
        assert store.counts_by_database(conn) == {"Embase": 1, "MEDLINE": 1}


def test_failed_import_leaves_nothing(store_engine):
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with store_engine.begin() as conn:
            import_id = store.add_import(conn, kind="file", database="MEDLINE")
            store.add_records(conn, import_id, _records(5), batch_size=2)
            raise Boom()
    with store_engine.connect() as conn:
        assert store.list_imports(conn) == []
        assert list(store.iter_records(conn)) == []


def test_events_are_appended_in_order(store_engine):
    with store_engine.begin() as conn:
        store.log_event(conn, "import", "import:1", {"n": 1}, actor="ana")
        store.log_event(conn, "vote", "record:5", {"decision": "include"}, actor="ben")
    with store_engine.connect() as conn:
        events = store.list_events(conn)
        assert [e["kind"] for e in events] == ["import", "vote"]
        assert events[1]["payload"] == {"decision": "include"}
        assert store.list_events(conn, kind="vote")[0]["actor"] == "ben"


def test_import_hash_lookup(store_engine):
    with store_engine.begin() as conn:
        store.add_import(conn, kind="file", database="X", file_hash="abc", file_name="f.ris")
    with store_engine.connect() as conn:
        assert store.find_import_by_hash(conn, "abc")["file_name"] == "f.ris"
        assert store.find_import_by_hash(conn, "zzz") is None
