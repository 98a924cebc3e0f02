"""Migration 0010_heading_terms: a store written when headings were split at commas is mended
on upgrade from the raw fields it kept, and the mending is logged."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from review import store
from review.formats import read_file
from review.formats.fields import split_terms
from review.formats.rederive import EARLIER_TERMS
from review.records import Record
from review.store import migrations, schema

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
CSV = REPO / "tests" / "data" / "formats" / "csv"


def _as_the_earlier_version_stored(record: Record, fmt: str) -> Record:
    """The record as readers before 0010 made it: every KW line split at its commas, the DOI
    left URL-encoded."""
    old = Record.from_dict(record.to_dict())
    if fmt == "ris":
        old.keywords = split_terms(record.raw.get("KW", []), EARLIER_TERMS)
        if record.subject_headings:
            old.subject_headings = list(old.keywords)
    elif fmt == "endnote-xml":
        old.keywords = split_terms(
            [line for v in record.raw.get("keywords/keyword", []) for line in v.splitlines()],
            EARLIER_TERMS,
        )
    return old


def _old_store(url: str, monkeypatch) -> sa.Engine:
    """A store at the schema before 0010, holding the bundled sample as stored back then."""
    before = [m for m in migrations.MIGRATIONS if m[0] != "0010_heading_terms"]
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", before)
        engine = store.open_store(url)
    files = [("ovid-multidatabase-300.ris", "ris"), ("endnote-blue-light.ris", "ris"),
             ("endnote-blue-light.xml", "endnote-xml"), ("pubmed-blue-light.nbib", "medline")]
    with engine.begin() as conn:
        for name, fmt in files:
            records = [_as_the_earlier_version_stored(r, fmt) for r in read_file(SAMPLE / name).records]
            iid = store.add_import(conn, kind="file", database="MEDLINE", format=fmt, file_name=name)
            store.add_records(conn, iid, records)
        # an Ovid Embase record whose DOI was stored URL-encoded
        iid = store.add_import(conn, kind="file", database="Embase", format="ris", file_name="embase.ris")
        store.add_records(conn, iid, [Record(title="Encoded", doi="10.1016/s0893-133x%2898%2900089-x",
                                             raw={"TY": ["JOUR"], "DO": ["10.1016/s0893-133x%2898%2900089-x"]})])
    return engine


def test_upgrade_mends_headings_and_dois_from_raw_and_logs_it(store_url, monkeypatch):
    engine = _old_store(store_url, monkeypatch)
    with engine.connect() as conn:
        before = conn.execute(sa.select(schema.records.c.data).order_by(schema.records.c.id)).scalars().all()
    carrillo = next(d for d in before if d["source_id"] == "29407543")
    assert "*Depressive Disorder" in carrillo["subject_headings"]  # the damage being mended
    engine.dispose()

    engine = store.open_store(store_url)  # the upgrade applies 0010_heading_terms
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.records.c.id, schema.records.c.data, schema.records.c.doi)
                            .order_by(schema.records.c.id)).all()
        events = [e for e in store.list_events(conn) if e["kind"] == "migration"]
    data = [d for _id, d, _doi in rows]
    carrillo = next(d for d in data if d["source_id"] == "29407543")
    assert "*Depressive Disorder, Treatment-Resistant/dt [Drug Therapy]" in carrillo["subject_headings"]
    assert "*Depressive Disorder" not in carrillo["subject_headings"]
    assert carrillo["keywords"] == carrillo["subject_headings"]
    # every record now holds what today's readers make of its raw fields
    fresh = [r.to_dict() for name in ("ovid-multidatabase-300.ris", "endnote-blue-light.ris",
                                      "endnote-blue-light.xml", "pubmed-blue-light.nbib")
             for r in read_file(SAMPLE / name).records]
    for stored, now in zip(data, fresh):
        assert (stored["keywords"], stored["subject_headings"]) == (now["keywords"], now["subject_headings"])
    encoded = rows[-1]
    assert encoded[2] == "10.1016/s0893-133x(98)00089-x" == encoded[1]["doi"]
    assert encoded[1]["raw"]["DO"] == ["10.1016/s0893-133x%2898%2900089-x"]  # raw untouched
    mended = sum(1 for old, new in zip(before, data) if old != new)
    assert len(events) == 1 and events[0]["subject"] == "0010_heading_terms"
    assert events[0]["payload"]["records_mended"] == mended > 100
    engine.dispose()


def test_spreadsheet_cells_are_recognised_by_the_earlier_split(store_url, monkeypatch):
    before = [m for m in migrations.MIGRATIONS if m[0] != "0010_heading_terms"]
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", before)
        engine = store.open_store(store_url)
    generic = Record(title="T", keywords=["Administration", "Topical"],
                     raw={"Title": ["T"], "Keywords": ["Administration, Topical"]})
    embase = read_file(CSV / "asreview_embase.csv").records[0]  # commas separate there
    with engine.begin() as conn:
        iid = store.add_import(conn, kind="file", database="X", format="tabular")
        store.add_records(conn, iid, [generic, embase])
    engine.dispose()
    engine = store.open_store(store_url)
    with engine.connect() as conn:
        data = conn.execute(sa.select(schema.records.c.data).order_by(schema.records.c.id)).scalars().all()
    assert data[0]["keywords"] == ["Administration, Topical"]
    assert data[1]["subject_headings"] == embase.subject_headings  # left as it was
    engine.dispose()


def test_a_new_store_logs_no_migration_event(store_engine):
    with store_engine.connect() as conn:
        assert [e for e in store.list_events(conn) if e["kind"] == "migration"] == []
