"""The records library (lead only): statuses agree with the dual-review rules, filters, clusters,
paging, CSV; resolved conflicts and reopening a resolution. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from review.records import Record
from review.screening import (
    NotAllowedError,
    ScreeningError,
    cast_vote,
    conflicts,
    mark_not_retrieved,
    resolve_conflict,
    stage_outcomes,
    stage_record_ids,
)
from review.screening.decide import reopen_resolution, resolved_conflicts
from review.screening.labels import add_label
from review.screening.library import CSV_COLUMNS, LibraryFilters, library_csv, library_facets, records_library
from review.store import add_import, add_records, list_events
from review.store.schema import dedup_membership, records, screening_resolutions

from screening_helpers import CRITERIA

TA, FT = "title_abstract", "full_text"
NMS, NMP = "Not medical students", "Not a mentoring programme"


def _vote(engine, who, rid, decision, stage=TA, reason=""):
    cast_vote(engine, who, rid, stage, decision, reason=reason, criteria=CRITERIA)


def _pair(engine, rid, a, b, stage=TA, ra="", rb=""):
    _vote(engine, "alice", rid, a, stage, ra)
    _vote(engine, "bob", rid, b, stage, rb)


@pytest.fixture
def library(screening_store):
    """Records in every state; an Embase import whose first record is a duplicate of ids[0]."""
    engine, ids, _ = screening_store
    with engine.begin() as conn:
        embase = add_import(conn, kind="file", database="Embase", file_name="embase.ris")
        add_records(conn, embase, [Record(title="Mentoring study 0 (Embase copy)"),
                                   Record(title="A peer mentoring scheme")], default_database="Embase")
        dup, alone = conn.execute(
            sa.select(records.c.id).where(records.c.import_id == embase).order_by(records.c.id)).scalars().all()
        conn.execute(sa.insert(dedup_membership), [
            {"record_id": ids[0], "kept_id": ids[0], "updated_at": "x"},
            {"record_id": dup, "kept_id": ids[0], "updated_at": "x"},
        ])
    _pair(engine, ids[0], "include", "include")
    _pair(engine, ids[0], "exclude", "exclude", FT, NMS, NMS)
    _pair(engine, ids[1], "include", "exclude")                      # TA conflict
    _pair(engine, ids[2], "exclude", "exclude", TA, NMS, NMP)        # TA exclude, reasons differ
    _pair(engine, ids[3], "include", "maybe")
    resolve_conflict(engine, ids[3], TA, "exclude", by="carol", reason=NMS, criteria=CRITERIA)
    _pair(engine, ids[4], "include", "include")
    _pair(engine, ids[4], "exclude", "exclude", FT, NMS, NMP)        # FT conflict
    _pair(engine, ids[5], "include", "include")
    mark_not_retrieved(engine, ids[5], "no library access", by="carol")
    _vote(engine, "alice", ids[6], "include")                         # pending
    _pair(engine, ids[7], "include", "include")                       # FT pending
    add_label(engine, "bob", ids[7], "background")
    return engine, ids, dup, alone, embase


def _row(conn, rid):
    [row] = [r for r in records_library(conn, "carol", LibraryFilters(text=str(rid))).rows if r.record_id == rid]
    return row


def _ids(page):
    return [r.record_id for r in page.rows]


def test_only_the_lead_opens_it(library):
    engine, *_ = library
    with engine.connect() as conn:
        for who in ("alice", "bob"):
            with pytest.raises(NotAllowedError, match="only a lead may"):
                records_library(conn, who)
            with pytest.raises(NotAllowedError):
                library_facets(conn, who)
        with pytest.raises(NotAllowedError, match="no reviewer named"):
            records_library(conn, "mallory")


def test_statuses_agree_with_the_rules(library):
    engine, ids, dup, alone, _ = library
    with engine.connect() as conn:
        page = records_library(conn, "carol", limit=None)
        rows = {r.record_id: r for r in page.rows}
        assert dup not in rows and page.total == len(ids) + 1 == len(rows)
        ft_members = set(stage_record_ids(conn, FT))
        for stage, attr in ((TA, "title_abstract"), (FT, "full_text")):
            finals, open_ = stage_outcomes(conn, stage)
            for rid, row in rows.items():
                got = getattr(row, attr)
                if rid in finals:
                    f = finals[rid]
                    assert (got.status, got.reason, got.how) == (f.decision, f.reason, f.how), (stage, rid)
                elif rid in {c.record_id for c in open_}:
                    assert got.status == "conflict", (stage, rid)
                elif stage == TA or rid in ft_members:
                    assert got.status == "pending", (stage, rid)
                elif rows[rid].title_abstract.status == "include":
                    assert got.status == "not_retrieved", (stage, rid)
                else:
                    assert got.status == "", (stage, rid)
    r = rows
    assert (r[ids[0]].full_text.status, r[ids[0]].full_text.reason, r[ids[0]].full_text.how) == ("exclude", NMS, "agreement")
    assert (r[ids[2]].title_abstract.status, r[ids[2]].title_abstract.reason) == ("exclude", "")
    assert (r[ids[3]].title_abstract.how, r[ids[3]].title_abstract.reason) == ("resolution", NMS)
    assert r[ids[4]].full_text.status == "conflict" and r[ids[5]].full_text.status == "not_retrieved"
    assert r[ids[6]].title_abstract.status == "pending" and r[ids[6]].full_text.status == ""
    assert r[ids[7]].full_text.status == "pending"
    assert (r[ids[0]].databases, r[ids[0]].imports, r[ids[0]].duplicates) == (["MEDLINE", "Embase"], [1, 2], [dup])
    assert r[alone].databases == ["Embase"] and r[alone].duplicates == []
    assert [(x.label, x.reviewer) for x in r[ids[7]].labels] == [("background", "bob")]


def test_filters_and_pages(library):
    engine, ids, dup, alone, embase = library
    with engine.connect() as conn:
        def find(**kw):
            return _ids(records_library(conn, "carol", LibraryFilters(**kw), limit=None))

        assert find(stage=FT, decision="exclude") == [ids[0]]
        assert find(stage=TA, decision="exclude") == [ids[2], ids[3]]
        assert find(decision="conflict") == [ids[1], ids[4]]
        assert find(stage=TA, decision="conflict") == [ids[1]]
        assert find(decision="not_retrieved") == [ids[5]]
        assert find(stage=FT, decision="pending") == [ids[7]]
        assert find(reason="not MEDICAL students") == [ids[0], ids[3]]
        assert find(stage=TA, reason=NMS) == [ids[3]]
        assert find(database="Embase") == [ids[0], alone]
        assert find(import_id=embase) == [ids[0], alone]
        assert find(label="BACKGROUND") == [ids[7]]
        assert find(text="peer MENTORING") == [alone]
        assert find(text="9000002") == [ids[1]] and find(text="10.1000/r3") == [ids[3]]
        assert find(database="Embase", stage=FT, decision="exclude") == [ids[0]]
        with pytest.raises(ScreeningError, match="unknown decision"):
            find(decision="maybe")

        first = records_library(conn, "carol", limit=5)
        rest = records_library(conn, "carol", limit=5, offset=5)
        assert first.total == rest.total == len(ids) + 1
        assert _ids(first) + _ids(rest) == sorted([*ids, alone])[:10]

        facets = library_facets(conn, "carol")
        assert facets.databases == ["Embase", "MEDLINE"] and facets.labels == ["background"]
        assert [i for i, _ in facets.imports] == [1, embase] and "embase.ris" in facets.imports[1][1]
        assert facets.reasons == [NMP, NMS]

        text = library_csv(records_library(conn, "carol", LibraryFilters(database="Embase"), limit=None))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 2
    assert rows[0]["databases"] == "MEDLINE; Embase" and rows[0]["duplicates"] == str(dup)
    assert (rows[0]["full_text"], rows[0]["full_text_reason"]) == ("exclude", NMS)


def test_resolved_conflicts_listed_and_reopened(library):
    engine, ids, *_ = library
    with engine.connect() as conn:
        [res] = resolved_conflicts(conn, "carol", TA)
        assert (res.record_id, res.decision, res.reason, res.resolver) == (ids[3], "exclude", NMS, "carol")
        assert {v.reviewer: v.decision for v in res.votes} == {"alice": "include", "bob": "maybe"}
        assert not res.changed_since
        assert resolved_conflicts(conn, "alice", TA) == []  # lead mode: the lead's list
        assert [r.record_id for r in resolved_conflicts(conn, "alice", TA, mode="pair")] == [ids[3]]
    with pytest.raises(ScreeningError, match="needs a note"):
        reopen_resolution(engine, ids[3], TA, "  ", by="carol")
    with pytest.raises(NotAllowedError):
        reopen_resolution(engine, ids[3], TA, "I disagree", by="alice")
    assert reopen_resolution(engine, ids[3], TA, "resolved in haste; discuss at the meeting", by="carol") == "conflict"
    with engine.connect() as conn:
        assert ids[3] in [c.record_id for c in conflicts(conn, TA)]
        assert resolved_conflicts(conn, "carol", TA) == []
        kept = conn.execute(sa.select(screening_resolutions)).all()
        assert [(r.record_id, r.current, r.ended_at is not None) for r in kept] == [(ids[3], False, True)]
        [event] = list_events(conn, kind="conflict.reopen")
        assert event["payload"]["note"] == "resolved in haste; discuss at the meeting"
        assert event["payload"]["resolution_id"] == kept[0].id and event["actor"] == "carol"
        assert _row(conn, ids[3]).title_abstract.status == "conflict"
    with pytest.raises(ScreeningError, match="no resolution at title_abstract"):
        reopen_resolution(engine, ids[3], TA, "again", by="carol")
    # resolved anew: a new row, the reopened one kept
    resolve_conflict(engine, ids[3], TA, "include", by="carol", criteria=CRITERIA)
    with engine.connect() as conn:
        assert [r.decision for r in resolved_conflicts(conn, "carol", TA)] == ["include"]
        assert conn.execute(sa.select(sa.func.count()).select_from(screening_resolutions)).scalar_one() == 2


def test_reopening_when_the_votes_now_agree_leaves_an_agreement(library):
    engine, ids, *_ = library
    cast_vote(engine, "bob", ids[3], TA, "include", criteria=CRITERIA)
    assert reopen_resolution(engine, ids[3], TA, "votes agree now", by="carol") == "final"
    with engine.connect() as conn:
        row = _row(conn, ids[3])
        assert (row.title_abstract.status, row.title_abstract.how) == ("include", "agreement")


def test_in_pair_mode_a_voter_may_reopen_others_may_not(library):
    engine, ids, *_ = library
    from review.screening import add_reviewer

    add_reviewer(engine, "dave")
    with pytest.raises(NotAllowedError, match="only the lead or a reviewer who voted on it"):
        reopen_resolution(engine, ids[3], TA, "not mine", by="dave", mode="pair")
    assert reopen_resolution(engine, ids[3], TA, "we should talk", by="alice", mode="pair") == "conflict"
