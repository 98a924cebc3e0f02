"""The adjudicated labels of the deduplication benchmark (benchmarks/dedup/adjudications.csv).

The benchmark reports sensitivity against the published labels and against these; a
malformed or stale adjudication must fail loudly rather than quietly change a figure.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from must_run import require_shared

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "dedup"
sys.path.insert(0, str(BENCH))

import labelled  # noqa: E402
import metrics  # noqa: E402

KINDS = {"erratum", "reply", "comment", "retraction", "conference", "other-publication"}


def test_adjudication_moves_records_out_of_their_labelled_group():
    ids = ["a", "b", "c", "d", "e"]
    gold = ["G1", "G1", "G1", "G2", "S5"]
    rows = [{"record_id": "c", "new_group": "erratum-1"}]
    adjusted = labelled.adjudicate(ids, gold, rows)
    assert adjusted[:2] == ["G1", "G1"] and adjusted[3:] == ["G2", "S5"]
    assert adjusted[2] not in {"G1", "G2", "S5"}
    # a clustering that keeps the erratum apart: a miss against the published labels only
    predicted = ["x", "x", "y", "z", "w"]
    assert metrics.score_partition(predicted, gold)["fn"] == 1
    assert metrics.score_partition(predicted, adjusted)["fn"] == 0
    # one that merged it: a false merge against the adjudicated labels only
    merged = ["x", "x", "x", "z", "w"]
    assert metrics.score_partition(merged, gold)["false_merges"] == 0
    assert metrics.score_partition(merged, adjusted)["false_merges"] == 1


def test_records_sharing_a_new_group_form_one_group():
    adjusted = labelled.adjudicate(["a", "b", "c", "d"], ["G1"] * 4,
                                   [{"record_id": "c", "new_group": "n"}, {"record_id": "d", "new_group": "n"}])
    assert adjusted[0] == adjusted[1] != adjusted[2] == adjusted[3]


def test_an_adjudication_must_name_a_labelled_duplicate():
    with pytest.raises(ValueError, match="'z'.*not a record"):
        labelled.adjudicate(["a", "b"], ["G1", "G1"], [{"record_id": "z", "new_group": "n"}])
    with pytest.raises(ValueError, match="'c'.*not put in a duplicate group"):
        labelled.adjudicate(["a", "b", "c"], ["G1", "G1", "S3"], [{"record_id": "c", "new_group": "n"}])


def test_the_committed_adjudications_are_complete_rows(tmp_path):
    rows = labelled.read_adjudications()
    assert set(rows) <= set(labelled.SETS)
    every = [row for set_rows in rows.values() for row in set_rows]
    assert every, "adjudications.csv is empty"
    assert {row["kind"] for row in every} <= KINDS
    assert len({(row["set"], row["record_id"]) for row in every}) == len(every), "a record adjudicated twice"
    broken = tmp_path / "adjudications.csv"
    broken.write_text("set,record_id,new_group,kind,evidence\nsra_haematology,id_1,,erratum,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: empty new_group"):
        labelled.read_adjudications(broken)


def test_the_committed_adjudications_fit_the_labelled_sets():
    require_shared(labelled.DATA)  # ../shared/data/dedup; skipped where missing, failed under CI
    for name, set_rows in labelled.read_adjudications().items():
        s = labelled.load(name)
        labelled.adjudicate(s.ids, s.gold, set_rows)  # raises on a stale id


def test_on_the_bundled_haematology_set_no_merge_crosses_an_adjudicated_group():
    """The safety rules on real records: errata, abstracts, a reply and different trials the
    published labels group with an article stay apart (tests/data/dedup holds the set)."""
    from review.dedup.pipeline import find_duplicates

    data = Path(__file__).resolve().parents[1] / "data" / "dedup"
    s = labelled.load_merged_format(
        "sra_haematology", data / "haematology_records.csv", data / "haematology_merged_ids.csv")
    ids, gold = s.ids, s.gold
    adjusted = labelled.adjudicated_gold(s)
    readable = s.readable
    result = find_duplicates([s.records[i] for i in readable])
    predicted = [f"alone{i}" for i in range(len(ids))]
    for pos, i in enumerate(readable):
        predicted[i] = f"c{result.labels[pos]}"
    published = metrics.score_partition(predicted, gold)
    adjudicated = metrics.score_partition(predicted, adjusted)
    assert published["false_merges"] == 0 and adjudicated["false_merges"] == 0
    assert adjudicated["duplicates"] == published["duplicates"] - 13  # 13 haematology removals adjudicated away
    assert adjudicated["sensitivity"] >= 0.98, adjudicated
