"""Withdrawing, replacing and editing an import (review.imports, importing.import_file(replace=)),
on SQLite and PostgreSQL: the records leave every count, dedup and queue; nothing is deleted."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from review import screening, store
from review.dedup import queue as dedup_queue
from review.dedup.run import run_dedup
from review.dedup.state import cluster_of, duplicates_removed, unique_record_ids
from review.formats import FormatError
from review.importing import AlreadyImportedError, import_file, status
from review.imports import ImportChangeError, edit_import, withdraw_import
from review.pubmed.log import render_csv, render_markdown, search_log
from review.reporting.prisma import prisma_counts
from review.store.schema import import_withdrawals, records

# Three papers; the "broken" export lost the second one's title (a record the reader skips).
PAPERS = [
    ("Peer mentoring for medical students: a pilot programme", "Smith, J", "2016", "10.1000/mentor.1"),
    ("Faculty mentors and burnout in internal medicine residents", "Nobody, A", "2015", "10.1000/mentor.2"),
    ("Group mentoring in surgery clerkships", "Roe, R", "2012", "10.1000/mentor.3"),
]


def ris(papers, *, drop_title_of: int | None = None) -> str:
    out = []
    for n, (title, author, year, doi) in enumerate(papers):
        out.append("TY  - JOUR")
        if n != drop_title_of:
            out.append(f"TI  - {title}")
        out += [f"AU  - {author}", f"PY  - {year}", f"DO  - {doi}", "ER  - ", ""]
    return "\n".join(out)


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    broken = tmp_path / "medline-broken.ris"
    broken.write_text(ris(PAPERS, drop_title_of=1), encoding="utf-8")
    fixed = tmp_path / "medline-fixed.ris"
    fixed.write_text(ris(PAPERS), encoding="utf-8")
    return {"broken": broken, "fixed": fixed}


def identified(engine) -> tuple[int, int, int]:
    """(records identified from databases, duplicates removed, records screened) in PRISMA."""
    with engine.connect() as conn:
        c = prisma_counts(conn)
    return c.database_results, c.duplicates, c.records_screened


def test_broken_then_fixed_counted_twice_until_withdrawn(store_engine, files):
    engine = store_engine
    first = import_file(engine, files["broken"], database="MEDLINE")
    assert (first.records_stored, len(first.report.skipped)) == (2, 1)
    second = import_file(engine, files["fixed"], database="MEDLINE")
    run_dedup(engine)
    assert identified(engine) == (5, 2, 3)  # the two good records counted twice

    summary = withdraw_import(engine, first.import_id, by="ana", reason="one record had no title")
    assert (summary.records, summary.clusters_changed) == (2, 2)
    assert identified(engine) == (3, 0, 3)
    with engine.connect() as conn:
        assert store.counts_by_database(conn) == {"MEDLINE": 3}
        fixed_ids = [i for i, _ in store.iter_records(conn, import_id=second.import_id)]
        assert unique_record_ids(conn) == fixed_ids  # the survivors stand alone again
        assert duplicates_removed(conn) == 0
        assert screening.stage_record_ids(conn, "title_abstract") == fixed_ids
        # nothing deleted: the withdrawn import's rows are all still stored
        assert conn.execute(sa.select(sa.func.count()).select_from(records)).scalar_one() == 5
        event = store.list_events(conn, "import.withdraw")[-1]
        row = conn.execute(sa.select(import_withdrawals)).mappings().one()
    assert (event["actor"], event["subject"]) == ("ana", f"import:{first.import_id}")
    assert event["payload"]["reason"] == "one record had no title" and event["payload"]["records"] == 2
    assert (row["import_id"], row["withdrawn_by"], row["reason"]) == (first.import_id, "ana", "one record had no title")
    data = status(engine)
    assert data["totals"] == {"imports": 1, "records": 3, "skipped": 0}
    assert data["withdrawn_imports"] == 1
    assert data["imports"][0]["withdrawn"]["reason"] == "one record had no title"
    assert data["records_by_database"] == {"MEDLINE": 3}
    # a later run of dedup leaves things as they are
    again = run_dedup(engine)
    assert (again.records, again.duplicates_removed, again.unique_records, again.merged) == (3, 0, 3, 0)
    # the search log keeps the import, marked withdrawn
    log = search_log(engine)
    assert log[0].withdrawn is not None and log[1].withdrawn is None
    text = render_markdown(log)
    assert "[WITHDRAWN: counts nowhere]" in text
    assert "one record had no title" in text
    assert "one record had no title" in render_csv(log).splitlines()[1]


def test_withdraw_twice_or_unknown_is_refused(store_engine, files):
    first = import_file(store_engine, files["broken"], database="MEDLINE")
    withdraw_import(store_engine, first.import_id)
    with pytest.raises(ImportChangeError, match=r"withdrawn already"):
        withdraw_import(store_engine, first.import_id)
    with pytest.raises(ImportChangeError, match=r"there is no import #99"):
        withdraw_import(store_engine, 99)


def test_replace_withdraws_and_imports_in_one_step(store_engine, files):
    engine = store_engine
    first = import_file(engine, files["broken"], database="MEDLINE")
    run_dedup(engine)
    second = import_file(engine, files["fixed"], database="MEDLINE", replace=first.import_id,
                         replace_reason="title restored", by="ana")
    assert second.replaced is not None and second.replaced.import_id == first.import_id
    run_dedup(engine)
    assert identified(engine) == (3, 0, 3)
    with engine.connect() as conn:
        row = conn.execute(sa.select(import_withdrawals)).mappings().one()
        event = store.list_events(conn, "import")[-1]
    assert (row["replaced_by"], row["reason"], row["withdrawn_by"]) == (second.import_id, "title restored", "ana")
    assert event["payload"]["replaces"] == first.import_id
    log = render_markdown(search_log(engine))
    assert f"replaced by import #{second.import_id}" in log


def test_replace_rolls_back_when_the_new_file_fails(store_engine, files, tmp_path, monkeypatch):
    engine = store_engine
    first = import_file(engine, files["broken"], database="MEDLINE")
    unreadable = tmp_path / "empty-titles.ris"
    unreadable.write_text(ris(PAPERS[:1], drop_title_of=0), encoding="utf-8")
    with pytest.raises(FormatError):
        import_file(engine, unreadable, database="MEDLINE", replace=first.import_id)
    # a failure inside the transaction (after the withdrawal was written) undoes it too
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "add_records", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(engine, files["fixed"], database="MEDLINE", replace=first.import_id)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(import_withdrawals)).scalar_one() == 0
        assert store.list_events(conn, "import.withdraw") == []
        assert [r["id"] for r in store.list_imports(conn)] == [first.import_id]
    assert identified(engine) == (2, 0, 2)


def test_a_withdrawn_imports_file_may_be_imported_again(store_engine, files):
    first = import_file(store_engine, files["broken"], database="MEDLINE")
    with pytest.raises(AlreadyImportedError):
        import_file(store_engine, files["broken"], database="MEDLINE")
    withdraw_import(store_engine, first.import_id)
    again = import_file(store_engine, files["broken"], database="MEDLINE")
    assert again.records_stored == 2 and identified(store_engine) == (2, 0, 2)
    with pytest.raises(AlreadyImportedError, match=f"import #{again.import_id}"):
        import_file(store_engine, files["broken"], database="MEDLINE")


def test_refused_while_a_record_carries_a_vote(store_engine, files):
    engine = store_engine
    first = import_file(engine, files["broken"], database="MEDLINE")
    screening.add_reviewer(engine, "ana")
    with engine.connect() as conn:
        voted = screening.stage_record_ids(conn, "title_abstract")[1]
    screening.cast_vote(engine, "ana", voted, "title_abstract", "exclude")
    with pytest.raises(ImportChangeError, match=rf"1 of its records already carry screening decisions: "
                                                rf"record {voted} \(title_abstract vote by ana\)"):
        withdraw_import(engine, first.import_id)
    with pytest.raises(ImportChangeError, match=rf"record {voted}"):
        import_file(engine, files["fixed"], database="MEDLINE", replace=first.import_id)
    assert identified(engine) == (2, 0, 2)  # nothing changed
    with engine.connect() as conn:
        assert [r["id"] for r in store.list_imports(conn)] == [first.import_id]
    screening.undo_last_vote(engine, "ana", "title_abstract")  # an undone vote no longer counts
    withdraw_import(engine, first.import_id)
    assert identified(engine) == (0, 0, 0)


def test_withdrawn_records_leave_the_screening_queue(store_engine, files):
    engine = store_engine
    first = import_file(engine, files["broken"], database="MEDLINE")
    second = import_file(engine, files["fixed"], database="MEDLINE", again=True)
    screening.add_reviewer(engine, "ana")
    withdraw_import(engine, first.import_id)
    with engine.connect() as conn:
        live = [i for i, _ in store.iter_records(conn, import_id=second.import_id)]
        gone = [i for i, _ in store.iter_records(conn, import_id=first.import_id)]
        assert sorted(screening.queue(conn, "ana", "title_abstract")) == live
        assert screening.progress(conn, "ana", "title_abstract").total == 3
    with pytest.raises(screening.ScreeningError, match=rf"record {gone[0]} belongs to a withdrawn import"):
        screening.cast_vote(engine, "ana", gone[0], "title_abstract", "include")
    for _ in live:
        with engine.connect() as conn:
            rid = screening.next_record_id(conn, "ana", "title_abstract")
        assert rid in live
        screening.cast_vote(engine, "ana", rid, "title_abstract", "include")
    with engine.connect() as conn:
        assert screening.next_record_id(conn, "ana", "title_abstract") is None


def test_a_cluster_losing_its_kept_record_is_clustered_again(store_engine, tmp_path):
    """Three exports of one paper: withdrawing the one whose record was kept leaves the other
    two merged, one of them kept; withdrawing a second leaves the last one standing alone."""
    engine = store_engine
    ids = []
    for name in ("a", "b", "c"):
        path = tmp_path / f"{name}.ris"
        path.write_text(ris(PAPERS[:1]) + f"\nN1  - export {name}\n", encoding="utf-8")
        ids.append(import_file(engine, path, database=name.upper()).import_id)
    run_dedup(engine)
    with engine.connect() as conn:
        rec = {iid: next(store.iter_records(conn, import_id=iid))[0] for iid in ids}
        assert cluster_of(conn, rec[ids[1]])[0] == rec[ids[0]]  # the first import's record kept
    withdraw_import(engine, ids[0])
    with engine.connect() as conn:
        assert cluster_of(conn, rec[ids[2]]) == [rec[ids[1]], rec[ids[2]]]
        assert unique_record_ids(conn) == [rec[ids[1]]]
        splits = [e for e in store.list_events(conn, "dedup.split") if e["payload"]["cause"] == "withdraw"]
    assert splits and splits[-1]["payload"]["members"] == sorted(rec.values())
    assert identified(engine) == (2, 1, 1)
    withdraw_import(engine, ids[1])
    with engine.connect() as conn:
        assert cluster_of(conn, rec[ids[2]]) == [rec[ids[2]]]
        assert unique_record_ids(conn) == [rec[ids[2]]]
    assert identified(engine) == (1, 0, 1)


def test_uncertain_pairs_naming_a_withdrawn_record_leave_the_dedup_queue(store_engine, files):
    engine = store_engine
    first = import_file(engine, files["broken"], database="MEDLINE")
    second = import_file(engine, files["fixed"], database="Embase")
    with engine.begin() as conn:
        a = next(store.iter_records(conn, import_id=first.import_id))[0]
        b = list(store.iter_records(conn, import_id=second.import_id))[1][0]
        dedup_queue.refresh_pending(conn, [(a, b, 0.8, "similar titles")], scope={a, b})
        assert [(p.record_a, p.record_b) for p in dedup_queue.pending_pairs(conn)] == [(a, b)]
    summary = withdraw_import(engine, first.import_id)
    assert summary.pairs_superseded == 1
    with engine.connect() as conn:
        assert dedup_queue.pending_pairs(conn) == []
        assert dedup_queue.get_pair(conn, a, b).status == dedup_queue.SUPERSEDED
    from review.dedup.run import DedupError, confirm

    with pytest.raises(DedupError, match=rf"record {a} belongs to a withdrawn import"):
        confirm(engine, f"{a}-{b}")


def test_edit_attaches_a_strategy_after_the_fact(store_engine, files):
    engine = store_engine
    first = import_file(engine, files["fixed"], database="MEDLINE", interface="Ovid")
    assert f"review import edit {first.import_id} --strategy STRATEGY.txt" in render_markdown(search_log(engine))
    history = "1  exp Mentors/  9411\n2  medical students.mp.  5000\n3  1 and 2  120\n"
    changes = edit_import(engine, first.import_id, strategy=history, searched="2018-01-31",
                          interface="Ovid", by="ana", reason="forgot the strategy")
    assert changes == {"strategy": {"old": "", "new": history}, "searched": {"old": "", "new": "2018-01-31"}}
    entry = search_log(engine)[0]
    assert (entry.searched_on, [l.count for l in entry.lines]) == ("2018-01-31", [9411, 5000, 120])
    assert "not attached" not in render_markdown([entry])
    with engine.connect() as conn:
        event = store.list_events(conn, "import.edit")[-1]
    assert (event["actor"], event["payload"]["changes"]["searched"]) == ("ana", {"old": "", "new": "2018-01-31"})
    assert edit_import(engine, first.import_id, interface="Ovid") == {}  # nothing new: no event
    edit_import(engine, first.import_id, searched="2018-02-01")
    with engine.connect() as conn:
        events = store.list_events(conn, "import.edit")
    assert len(events) == 2 and events[-1]["payload"]["changes"]["searched"]["old"] == "2018-01-31"
    with pytest.raises(ImportChangeError, match=r"a real date, not '2018-02-30'"):
        edit_import(engine, first.import_id, searched="2018-02-30")
    with pytest.raises(ImportChangeError, match=r"nothing to change"):
        edit_import(engine, first.import_id)
    with pytest.raises(ImportChangeError, match=r"no import #7"):
        edit_import(engine, 7, interface="x")


def test_a_pubmed_runs_query_cannot_be_edited(store_engine):
    with store_engine.begin() as conn:
        run_id = store.add_import(conn, kind="search", database="PubMed", interface="PubMed", query="mentor*[tiab]")
    with pytest.raises(ImportChangeError, match=r"PubMed run"):
        edit_import(store_engine, run_id, strategy="other")


def test_withdrawing_duplicates_of_a_screened_record_is_allowed(store_engine, files):
    """The votes are on the kept record of another import: withdrawing the import whose records
    were removed as its duplicates keeps the votes and only lowers identified and duplicates."""
    engine = store_engine
    fixed = import_file(engine, files["fixed"], database="MEDLINE")
    broken = import_file(engine, files["broken"], database="Embase")
    run_dedup(engine)
    assert identified(engine) == (5, 2, 3)
    screening.add_reviewer(engine, "ana")
    with engine.connect() as conn:
        kept = [i for i, _ in store.iter_records(conn, import_id=fixed.import_id)]
    for rid in kept:
        screening.cast_vote(engine, "ana", rid, "title_abstract", "include")
    withdraw_import(engine, broken.import_id)
    assert identified(engine) == (3, 0, 3)
    with engine.connect() as conn:
        assert screening.stage_record_ids(conn, "title_abstract") == kept
        assert screening.progress(conn, "ana", "title_abstract").mine == 3
        assert prisma_counts(conn).database_specific_results == {"MEDLINE": 3}
