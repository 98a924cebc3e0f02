"""The pilot screening round (screening.pilot: N), on SQLite and PostgreSQL: every reviewer
gets the same first N records of the random order first, in random and relevance order;
afterwards the queue is as before; the pilot's agreement and each reviewer's progress."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
import yaml
from screening_helpers import CRITERIA, make_records

from review.cli import main
from review.screening import (
    ScreeningError,
    add_reviewer,
    cast_vote,
    freeze_pilot,
    next_record_id,
    pilot_agreement,
    pilot_ids,
    pilot_left,
    pilot_status,
    queue,
    reaches_jbi,
    undo_last_vote,
)
from review.screening import ranking
from review.screening.settings import ScreeningSettings, screening_settings
from review.store import open_store
from review.store.schema import dedup_membership, screening_order, screening_pilot

TA, FT = "title_abstract", "full_text"
PILOT = 4


def _vote(engine, who, rid, decision="exclude", stage=TA):
    # the project's pilot round: every reviewer votes on its records
    cast_vote(engine, who, rid, stage, decision, criteria=CRITERIA, settings=ScreeningSettings(pilot=PILOT))


def _next(engine, who, stage=TA, **kw):
    with engine.connect() as conn:
        return next_record_id(conn, who, stage, **kw)


def _queue(engine, who, stage=TA, **kw):
    with engine.connect() as conn:
        return queue(conn, who, stage, **kw)


def _pilot(engine, size=PILOT, seed=0):
    with engine.connect() as conn:
        return pilot_ids(conn, size, seed)


def _screen_pilot(engine, who, decisions, **kw):
    """``who`` screens their queue's next records with ``decisions``; returns the ids shown."""
    shown = []
    for decision in decisions:
        rid = _next(engine, who, pilot=PILOT, **kw)
        shown.append(rid)
        _vote(engine, who, rid, decision)
    return shown


def test_the_pilot_set_is_the_start_of_the_random_order_and_the_same_for_everyone(screening_store):
    engine, ids, _ = screening_store
    random_order = _queue(engine, "alice")
    pilot = _pilot(engine)
    assert pilot == random_order[:PILOT]
    assert _pilot(engine, seed=7) != pilot and sorted(_pilot(engine, 100)) == sorted(ids)
    assert _pilot(engine, 0) == []
    # each reviewer is offered exactly these records first, in this order
    for who in ("alice", "bob", "carol"):
        assert _queue(engine, who, pilot=PILOT)[:PILOT] == pilot


def test_the_pilot_set_skips_removed_duplicates(screening_store):
    engine, _ids, _ = screening_store
    before = _pilot(engine, PILOT + 1)
    with engine.begin() as conn:  # dedup folds the second pilot record into another record
        conn.execute(sa.insert(dedup_membership), [
            {"record_id": before[-1], "kept_id": before[-1], "updated_at": "x"},
            {"record_id": before[1], "kept_id": before[-1], "updated_at": "x"},
        ])
    after = _pilot(engine)
    assert after == [before[0]] + before[2:PILOT + 1]
    assert before[1] not in _queue(engine, "alice", pilot=PILOT)


def _frozen(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(screening_pilot)).scalar_one()


def test_before_anyone_voted_the_pilot_set_follows_the_store(screening_store):
    engine, _ids, _ = screening_store
    pilot = _pilot(engine)
    new = make_records(engine, 40)  # a second import before the pilot starts
    after = _pilot(engine)
    assert after == _queue(engine, "carol")[:PILOT]  # the start of the order over every record
    assert set(after) & set(new) and after != pilot
    assert _frozen(engine) == 0


def test_reading_the_pilot_set_writes_nothing_and_freezing_stores_what_was_read(screening_store):
    engine, _ids, _ = screening_store
    pilot = _pilot(engine)
    cast_vote(engine, "alice", pilot[0], TA, "include", criteria=CRITERIA)  # no pilot setting: nothing frozen
    make_records(engine, 40)  # new records without a key in the stored order yet

    def rows():
        with engine.connect() as conn:
            return [conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                    for t in (screening_pilot, screening_order)]

    before = rows()
    with engine.connect() as conn:
        read = pilot_ids(conn, PILOT)
        left = pilot_left(conn, "alice", PILOT)
    assert rows() == before and before[0] == 0  # the reads stored nothing
    assert left == [r for r in read if r != pilot[0]]  # alice voted on one
    assert read == _queue(engine, "carol")[:PILOT]  # the start of the order over every record
    assert freeze_pilot(engine, PILOT) == read  # the writer stores the set the read gave
    assert _frozen(engine) == PILOT and _pilot(engine) == read
    make_records(engine, 40)
    assert _pilot(engine) == read  # frozen: later imports do not join


def test_the_pilot_set_is_frozen_once_a_reviewer_voted(screening_store):
    engine, _ids, _ = screening_store
    pilot = _pilot(engine)
    assert _screen_pilot(engine, "alice", ["include"]) == pilot[:1]
    assert _pilot(engine) == pilot and _frozen(engine) == PILOT
    new = make_records(engine, 40)  # records imported after the pilot started
    assert set(_queue(engine, "carol")[:PILOT]) & set(new)  # they would have joined the set
    assert _pilot(engine) == pilot
    # every reviewer still gets the same records first; alice goes on with hers
    assert _queue(engine, "bob", pilot=PILOT)[:PILOT] == pilot
    assert _screen_pilot(engine, "alice", ["exclude"] * (PILOT - 1)) == pilot[1:]
    with engine.connect() as conn:
        status = pilot_status(conn, PILOT)
    assert status.records == PILOT and status.voted["alice"] == PILOT and status.complete == ("alice",)


def test_a_frozen_pilot_record_removed_as_a_duplicate_is_replaced_and_a_larger_size_extends(screening_store):
    engine, _ids, _ = screening_store
    pilot = _pilot(engine)
    _screen_pilot(engine, "alice", ["include"])
    _next(engine, "alice", pilot=PILOT)  # the Screen page's next card, right after the vote
    make_records(engine, 40)
    order = [r for r in _queue(engine, "carol") if r not in pilot]  # the order without the pilot
    with engine.begin() as conn:  # dedup folds the third pilot record into a non-pilot record
        conn.execute(sa.insert(dedup_membership), [
            {"record_id": order[-1], "kept_id": order[-1], "updated_at": "x"},
            {"record_id": pilot[2], "kept_id": order[-1], "updated_at": "x"},
        ])
    replaced = _pilot(engine)
    assert replaced == pilot[:2] + pilot[3:] + [order[0]]
    assert _pilot(engine) == replaced  # the replacement is frozen too
    assert _pilot(engine, PILOT + 2) == replaced + order[1:3]
    assert _pilot(engine, 2) == pilot[:2]


def test_pilot_records_come_first_for_every_reviewer_even_with_two_votes(screening_store):
    engine, _ids, _ = screening_store
    pilot = _pilot(engine)
    assert _screen_pilot(engine, "alice", ["include"] * PILOT) == pilot
    assert _screen_pilot(engine, "bob", ["exclude"] * PILOT) == pilot
    # every pilot record has two votes now; carol still screens them all first
    with engine.connect() as conn:
        assert pilot_left(conn, "carol", PILOT) == pilot
    assert _screen_pilot(engine, "carol", ["include"] * PILOT) == pilot
    with engine.connect() as conn:
        assert pilot_left(conn, "carol", PILOT) == []


def test_after_the_pilot_the_queue_continues_as_before(screening_store):
    engine, _ids, _ = screening_store
    random_order = _queue(engine, "alice")
    pilot = _pilot(engine)
    # bob screens two records beyond the pilot set first (no pilot configured then)
    for rid in random_order[PILOT:PILOT + 2]:
        _vote(engine, "bob", rid)
    _screen_pilot(engine, "alice", ["exclude"] * PILOT)
    # alice's queue is now the random queue as without a pilot
    assert _queue(engine, "alice", pilot=PILOT) == _queue(engine, "alice") == random_order[PILOT:]
    assert _next(engine, "alice", pilot=PILOT) == random_order[PILOT]
    _vote(engine, "alice", random_order[PILOT])
    with engine.connect() as conn:
        assert pilot_left(conn, "alice", PILOT) == []
    # bob's pilot comes first, then the rest of his queue from where he was
    bob = _queue(engine, "bob", pilot=PILOT)
    assert bob == pilot + random_order[PILOT + 2:]
    assert _next(engine, "bob", pilot=PILOT) == pilot[0]
    # undo still brings the record back first
    assert undo_last_vote(engine, "alice", TA).record_id == random_order[PILOT]
    assert _next(engine, "alice", pilot=PILOT) == random_order[PILOT]


def test_full_text_is_not_affected(screening_store):
    engine, ids, _ = screening_store
    for rid in ids[:3]:
        _vote(engine, "alice", rid, "include")
        _vote(engine, "bob", rid, "include")
    assert _queue(engine, "carol", FT, pilot=PILOT) == _queue(engine, "carol", FT)
    assert _next(engine, "carol", FT, pilot=PILOT) == _next(engine, "carol", FT)


def test_pilot_comes_first_in_relevance_order_then_the_ranking(screening_store):
    engine, _ids, _ = screening_store
    ranking._CACHE.clear()
    pilot = _pilot(engine)
    terms = ["mentoring study 7"]
    assert _screen_pilot(engine, "alice", ["include", "exclude", "exclude", "exclude"],
                         order="relevance", terms=terms) == pilot
    with engine.connect() as conn:  # no ranking is made while the pilot lasts
        assert conn.execute(sa.select(sa.func.count()).select_from(ranking.state_t)).scalar_one() == 0
        assert queue(conn, "bob", TA, order="relevance", terms=terms, pilot=PILOT)[:PILOT] == pilot
    # after the pilot: the reviewer's ranking, learnt from their own pilot votes
    after = _next(engine, "alice", order="relevance", terms=terms, pilot=PILOT)
    with engine.connect() as conn:
        assert after not in pilot
        assert after == queue(conn, "alice", TA, order="relevance", terms=terms)[0]
        assert ranking.ranked_ids(conn, "alice", sa.true())[0] == after


def _plan_votes(engine, pilot, extra):
    # alice/bob over the pilot: II, IE, EE, EE -> p_o .75; A: I .5 E .5; B: I .25 E .75;
    # p_e = .5; kappa = .5; PABAK = .5. A disagreement outside the pilot does not count.
    for rid, (a, b) in zip(pilot, [("include", "include"), ("include", "exclude"),
                                   ("exclude", "exclude"), ("exclude", "exclude")]):
        _vote(engine, "alice", rid, a)
        _vote(engine, "bob", rid, b)
    _vote(engine, "alice", extra, "include")
    _vote(engine, "bob", extra, "exclude")
    _vote(engine, "carol", pilot[0], "include")


def test_pilot_agreement_and_status_by_hand(screening_store):
    engine, ids, _ = screening_store
    pilot = _pilot(engine)
    extra = next(r for r in ids if r not in pilot)
    _plan_votes(engine, pilot, extra)
    with engine.connect() as conn:
        rows = {a.pair: a for a in pilot_agreement(conn, PILOT)}
        status = pilot_status(conn, PILOT)
        assert pilot_agreement(conn, 0) == []
    ab = rows[("alice", "bob")]
    assert (ab.stage, ab.n) == (TA, 4)
    assert ab.percent == pytest.approx(75.0) and ab.kappa == pytest.approx(0.5) and ab.pabak == pytest.approx(0.5)
    assert ab.kappa_ci[0] < 0.5 < ab.kappa_ci[1]
    assert reaches_jbi(ab)
    assert rows[("alice", "carol")].n == 1
    assert status.size == PILOT and status.records == PILOT
    assert status.voted == {"alice": 4, "bob": 4, "carol": 1}
    assert status.complete == ("alice", "bob") and status.agreement_ready


def test_pilot_status_before_anyone_voted(screening_store):
    engine, _ids, _ = screening_store
    with engine.connect() as conn:
        status = pilot_status(conn, 100)  # more than the store holds: all its 12 records
        empty = pilot_status(conn, 0)
    assert status.records == 12 and status.voted == {"alice": 0, "bob": 0, "carol": 0}
    assert status.complete == () and not status.agreement_ready
    assert empty.records == 0 and empty.complete == () and not empty.agreement_ready


@pytest.mark.parametrize("value", [-1, 2.5, "ten", True, [3]])
def test_pilot_setting_is_checked(value):
    with pytest.raises(ScreeningError, match=r"review\.yaml: screening\.pilot must be a whole number"):
        screening_settings({"screening": {"pilot": value}})


def test_pilot_setting_default_and_value():
    assert screening_settings({}).pilot == 0
    assert screening_settings({"screening": {"pilot": None}}).pilot == 0
    assert screening_settings({"screening": {"pilot": 25}}).pilot == 25


@pytest.fixture
def pilot_project(project):
    config = dict(project.config)
    config["screening"] = {**(config.get("screening") or {}), "pilot": PILOT}
    (project.root / "review.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    engine = open_store(project.database_url)
    ids = make_records(engine, 8)
    for name in ("alice", "bob", "carol"):
        add_reviewer(engine, name)
    try:
        yield project, engine, ids
    finally:
        engine.dispose()


def run(project, *argv):
    return main(["--project", str(project.root), *argv])


def test_cli_agreement_pilot(pilot_project, capsys):
    project, engine, ids = pilot_project
    assert run(project, "agreement", "--pilot") == 0
    out = capsys.readouterr().out
    assert f"Pilot round: {PILOT} records" in out
    assert "No two reviewers have voted on the same pilot record yet." in out
    pilot = _pilot(engine)
    _plan_votes(engine, pilot, next(r for r in ids if r not in pilot))
    assert run(project, "agreement", "--pilot") == 0
    out = capsys.readouterr().out
    assert "alice                       4 of 4  complete" in out
    assert "carol                       1 of 4  3 left" in out
    assert "alice / bob                       4    75.0   0.50" in out
    assert "alice / bob: 75.0% agreement reaches the 75% the JBI Manual suggests" in out
    assert "alice / carol: not both complete yet" in out
    assert "include" not in out and "exclude" not in out  # figures only, never a vote

    assert run(project, "agreement", "--pilot", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["size"] == PILOT and data["records"] == pilot and data["complete"] is True
    assert data["reviewers"][0] == {"name": "alice", "voted": 4, "complete": True}
    ab = data["agreement"][0]
    assert ab["pair"] == ["alice", "bob"] and ab["n"] == 4 and ab["percent"] == pytest.approx(75.0)
    assert ab["kappa"] == pytest.approx(0.5) and ab["complete"] and ab["reaches_jbi"]
    assert data["agreement"][1]["complete"] is False


def test_votes_imported_from_csv_freeze_the_pilot_set(pilot_project, tmp_path, capsys):
    project, engine, _ids = pilot_project
    pilot = _pilot(engine)
    votes = tmp_path / "votes.csv"
    votes.write_text(f"reviewer,record,stage,decision,reason,note\nalice,id:{pilot[0]},title_abstract,include,,\n")
    assert run(project, "decisions", "import", str(votes)) == 0
    assert _frozen(engine) == PILOT
    make_records(engine, 40)  # a later import cannot change the set
    assert _pilot(engine) == pilot


def test_cli_agreement_pilot_without_a_pilot(project, capsys):
    assert run(project, "agreement", "--pilot") == 0
    assert "no pilot round configured: set screening.pilot" in capsys.readouterr().out
    assert run(project, "agreement", "--pilot", "--json") == 0
    assert json.loads(capsys.readouterr().out)["size"] == 0


def test_cli_names_a_bad_pilot_setting(project, capsys):
    config = dict(project.config)
    config["screening"] = {"pilot": "some"}
    (project.root / "review.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    assert run(project, "agreement", "--pilot") == 1
    path = project.root / "review.yaml"
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text.strip().startswith("pilot:"))
    # the project's file and the setting's line
    assert f"review: {path}, line {line}: screening.pilot must be a whole number" in capsys.readouterr().err


def test_methods_draft_reports_a_completed_pilot_round(screening_store):
    from review.reporting.methods import gather_methods_facts, selection_text

    engine, ids, _ = screening_store
    config = {"screening": {"pilot": PILOT}}
    pilot = _pilot(engine)
    sentence = "A pilot round of 4 records was screened by all reviewers first"
    for rid in pilot[:3]:  # bob has not finished the pilot yet: nothing to report
        _vote(engine, "alice", rid, "include")
        _vote(engine, "bob", rid, "include")
    with engine.connect() as conn:
        assert sentence not in selection_text(gather_methods_facts(conn, config))
    _plan_votes(engine, pilot, next(r for r in ids if r not in pilot))
    with engine.connect() as conn:
        text = selection_text(gather_methods_facts(conn, config))
        assert "pilot" not in selection_text(gather_methods_facts(conn, {}))
    assert f"{sentence} (percent agreement 75.0%, Cohen's kappa 0.50)." in text
