"""Progress reports of a dedup run: every phase in order, ``done`` rising from 0 to ``total``,
a few calls per phase (never one per pair), and the same clusters with or without them."""

from __future__ import annotations

import gc
from collections import defaultdict

from review import store
from review.dedup.pipeline import PHASES, REPORTS_PER_PHASE, find_duplicates
from review.dedup.run import RUN_PHASES, STORE_STEPS, run_dedup

from .conftest import article


def _records(n: int) -> list:
    """``n`` records: papers that each appear twice (one copy without DOI/PMID, title case)."""
    out = []
    for i in range(n // 2):
        title = f"Peer mentoring cohort {i} in rural medical school number {i * 7 % 1000} outcomes"
        paper = dict(title=title, authors=[f"Olsen{i}, A.", "Berg, T."], volume=str(10 + i % 30),
                     issue=str(1 + i % 4), start_page=str(100 + i), end_page=str(108 + i),
                     doi=f"10.1/p{i}", pmid=str(5000 + i))
        out.append(article(**paper))
        out.append(article(**{**paper, "title": title.title(), "doi": "", "pmid": ""}))
    return out


def _check_calls(calls: list[tuple[int, int, str]], phases: tuple[str, ...]) -> dict[str, list]:
    by_phase: dict[str, list[tuple[int, int]]] = defaultdict(list)
    order: list[str] = []
    for done, total, phase in calls:
        if not order or order[-1] != phase:
            assert phase not in order, f"phase {phase} reported again after another phase"
            order.append(phase)
        by_phase[phase].append((done, total))
    assert tuple(order) == phases
    for phase, seen in by_phase.items():
        totals = {t for _, t in seen}
        assert len(totals) == 1, f"{phase}: total changed {totals}"
        dones = [d for d, _ in seen]
        assert dones[0] == 0 and dones[-1] == seen[0][1], (phase, dones[:3], dones[-3:])
        assert dones == sorted(dones), f"{phase}: done went backwards"
        assert len(seen) <= REPORTS_PER_PHASE + 3, f"{phase}: {len(seen)} calls"
    return by_phase


def test_find_duplicates_reports_each_phase_monotone_up_to_total():
    records = _records(2_400)
    calls: list[tuple[int, int, str]] = []
    result = find_duplicates(records, progress=lambda d, t, p: calls.append((d, t, p)))
    by_phase = _check_calls(calls, PHASES)
    assert by_phase["normalising"][-1] == (2_400, 2_400)
    assert len(by_phase["normalising"]) > 2  # reports on the way, not only at both ends
    assert by_phase["scoring"][-1][1] == result.candidates
    assert by_phase["clustering"][-1][1] == len(result.duplicates)
    assert len(set(result.labels)) == 1_200  # every paper's two copies merged
    assert find_duplicates(records).labels == result.labels  # reporting changes nothing


def test_find_duplicates_reports_an_empty_run():
    calls: list[tuple[int, int, str]] = []
    find_duplicates([], progress=lambda d, t, p: calls.append((d, t, p)))
    _check_calls(calls, PHASES)
    assert all(done == total == 0 for done, total, _ in calls)


def test_the_garbage_collector_is_restored_after_a_run():
    assert gc.isenabled()
    find_duplicates(_records(10))
    assert gc.isenabled()
    gc.disable()
    try:
        find_duplicates(_records(10))
        assert not gc.isenabled()  # a caller's choice is left as it was
    finally:
        gc.enable()


def test_run_dedup_reports_loading_the_pipeline_and_storing(store_engine):
    with store_engine.begin() as conn:
        import_id = store.add_import(conn, kind="file", database="MEDLINE")
        store.add_records(conn, import_id, _records(40), default_database="MEDLINE")
    calls: list[tuple[int, int, str]] = []
    summary = run_dedup(store_engine, by="tester", progress=lambda d, t, p: calls.append((d, t, p)))
    by_phase = _check_calls(calls, RUN_PHASES)
    assert summary.duplicates_removed == 20
    assert by_phase["normalising"][-1] == (40, 40)
    assert [d for d, _ in by_phase["storing"]] == list(range(len(STORE_STEPS) + 1))
