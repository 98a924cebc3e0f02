"""Decisions as CSV: export, import round trip, bad lines (nothing stored), record lookup."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from screening_helpers import CRITERIA

from review.screening import (
    ScreeningError,
    cast_vote,
    decisions_csv,
    export_decisions,
    final_decisions,
    import_decisions,
    resolve_record,
)
from review.store import list_events
from review.store.schema import dedup_membership, screening_votes


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def _votes(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(screening_votes)).scalar_one()


def test_import_then_export_round_trip(screening_store, tmp_path):
    engine, ids, _ = screening_store
    csv_text = (
        "reviewer,record,stage,decision,reason,note\n"
        "alice,9000001,title_abstract,include,,\n"           # PMID of ids[0]
        "bob,10.1000/r0,title_abstract,include,,\"looks good, clearly\"\n"  # DOI of ids[0]
        f"alice,id:{ids[1]},title_abstract,exclude,wrong population,\n"
        f"bob,https://doi.org/10.1000/R1,title_abstract,maybe,,\n"
        "alice,9000001,full_text,exclude,Not medical students,\n"
        "bob,pmid:9000001,full_text,exclude,Not medical students,\n"
    )
    n = import_decisions(engine, _write(tmp_path / "pilot.csv", csv_text), CRITERIA)
    assert n == 6
    with engine.connect() as conn:
        rows = export_decisions(conn)
        assert final_decisions(conn, "full_text")[ids[0]].reason == "Not medical students"
        assert len(list_events(conn, "decisions.import")) == 1
    assert [(r["reviewer"], r["record"], r["stage"], r["decision"]) for r in rows] == [
        ("alice", "9000001", "title_abstract", "include"),
        ("bob", "9000001", "title_abstract", "include"),
        ("alice", "9000002", "title_abstract", "exclude"),
        ("bob", "9000002", "title_abstract", "maybe"),
        ("alice", "9000001", "full_text", "exclude"),
        ("bob", "9000001", "full_text", "exclude"),
    ]
    assert rows[1]["note"] == "looks good, clearly" and rows[0]["record_id"] == ids[0]
    text = decisions_csv(rows)
    assert text.splitlines()[0] == "reviewer,record,stage,decision,reason,note"
    # importing the export again changes nothing
    before = _votes(engine)
    assert import_decisions(engine, _write(tmp_path / "again.csv", text), CRITERIA) == 6
    assert _votes(engine) == before
    with engine.connect() as conn:
        assert export_decisions(conn) == rows


@pytest.mark.parametrize(
    "line, message",
    [
        ("alice,9000001,title_abstract,yes,,", "unknown decision 'yes'"),
        ("alice,9000001,abstract,include,,", "unknown stage 'abstract'"),
        ("mallory,9000001,title_abstract,include,,", "no reviewer named 'mallory'"),
        ("alice,1234,title_abstract,include,,", "no record with PMID or record id 1234"),
        ("alice,10.9999/nope,title_abstract,include,,", "no record with doi"),
        ("alice,,title_abstract,include,,", "record column is empty"),
        ("alice,not a thing,title_abstract,include,,", "neither a PMID, a DOI nor a record id"),
        ("alice,9000001,full_text,include,,", "not in the full-text stage"),
        ("alice,9000001,title_abstract,include,,,extra", "fields but the header has 6"),
    ],
)
def test_bad_line_is_named_and_nothing_is_stored(screening_store, tmp_path, line, message):
    engine, _, _ = screening_store
    text = (
        "reviewer,record,stage,decision,reason,note\n"
        "bob,9000002,title_abstract,include,,\n"
        f"{line}\n"
    )
    path = _write(tmp_path / "bad.csv", text)
    with pytest.raises(ScreeningError) as err:
        import_decisions(engine, path, CRITERIA)
    assert f"{path}, line 3: " in str(err.value)
    assert message in str(err.value)
    assert _votes(engine) == 0


def test_every_bad_line_is_reported(screening_store, tmp_path):
    engine, _, _ = screening_store
    text = (
        "reviewer,record,stage,decision,reason,note\n"
        "alice,9000001,title_abstract,yes,,\n"
        "\"bob\",9000002,title_abstract,include,,\"a note\n"
        "over two lines\"\n"
        "bob,9000003,full_text,exclude,,\n"
    )
    path = _write(tmp_path / "bad.csv", text)
    with pytest.raises(ScreeningError) as err:
        import_decisions(engine, path, CRITERIA)
    msg = str(err.value)
    assert "line 2: unknown decision" in msg and "line 5:" in msg and "line 3" not in msg
    assert _votes(engine) == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the file is empty"),
        (b"reviewer,record,stage,decision\nalice,1,title_abstract,include\n", "missing column(s) reason, note"),
        (b"reviewer,record,stage,decision,reason,note\nalice,9000001,title_abstract,include,caf\xe9,\n", "line 2: not UTF-8"),
    ],
)
def test_bad_files(screening_store, tmp_path, content, message):
    engine, _, _ = screening_store
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ScreeningError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_decisions(engine, path, CRITERIA)


def test_header_case_bom_and_extra_columns(screening_store, tmp_path):
    engine, ids, _ = screening_store
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "\ufeffReviewer,Record,Stage,Decision,Reason,Note,title\r\n"
        "alice,9000001,title_abstract,INCLUDE,,,Mentoring study 0\r\n".encode("utf-8")
    )
    assert import_decisions(engine, path, CRITERIA) == 1


def test_record_lookup_maps_duplicates_and_refuses_ambiguity(screening_store):
    engine, ids, _ = screening_store
    with engine.begin() as conn:
        conn.execute(
            sa.insert(dedup_membership),
            [
                {"record_id": ids[0], "kept_id": ids[0], "updated_at": "x"},
                {"record_id": ids[1], "kept_id": ids[0], "updated_at": "x"},
            ],
        )
    with engine.connect() as conn:
        assert resolve_record(conn, "9000002") == ids[0]  # PMID of a removed duplicate
        assert resolve_record(conn, f"id:{ids[2]}") == ids[2]
        assert resolve_record(conn, "doi:10.1000/r3") == ids[3]
    from screening_helpers import make_records

    make_records(engine, 1)  # a second record with PMID 9000001, not deduplicated
    with engine.connect() as conn:
        with pytest.raises(ScreeningError, match="more than one record"):
            resolve_record(conn, "9000001")


def test_imported_votes_store_criteria_version_and_source(screening_store, tmp_path):
    engine, ids, _ = screening_store
    path = _write(
        tmp_path / "p.csv",
        "reviewer,record,stage,decision,reason,note\nalice,9000001,title_abstract,include,,\n",
    )
    import_decisions(engine, path, CRITERIA)
    cast_vote(engine, "bob", ids[0], "title_abstract", "include", criteria=CRITERIA)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(screening_votes).order_by(screening_votes.c.id)).all()
    assert [(r.source, r.criteria_version) for r in rows] == [("import", 3), ("app", 3)]
