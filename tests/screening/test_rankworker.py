"""Rankings made outside the request (review.screening.rankworker), on SQLite and PostgreSQL:
while a worker is live a vote and the next card never train a model, the worker brings the
ranking up to date, two workers never train the same ranking twice, blinding holds, and with
no worker live next_record_id ranks by itself as before."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from review.records import Record
from review.screening import add_reviewer, cast_vote, next_record_id
from review.screening import priority, rankworker, ranking
from review.screening.rankworker import RankParams, RankWorker
from review.store import add_import, add_records
from review.store.schema import screening_rank, screening_rank_state  # noqa: F401

from screening_helpers import CRITERIA, store_records

TA = "title_abstract"
REL = "relevance"
RELEVANT = "A peer mentoring programme for medical students: mentors, mentees and career guidance"
OTHERS = [
    "Cardiac surgery outcomes in elderly patients with aortic stenosis",
    "Statin therapy and cholesterol levels in adults with diabetes",
    "Antibiotic resistance in hospital intensive care units",
]


@pytest.fixture
def corpus(store_engine):
    items, kinds = [], []
    for i in range(40):
        relevant = i % 4 == 0
        text = RELEVANT if relevant else OTHERS[i % 3]
        items.append(Record(title=f"{text.split(':')[0]} ({i})", abstract=f"{text}. Study {i}.", pmid=str(8100000 + i)))
        kinds.append(relevant)
    ids = store_records(store_engine, items)
    for name in ("alice", "bob"):
        add_reviewer(store_engine, name)
    ranking._CACHE.clear()
    return store_engine, [r for r, k in zip(ids, kinds) if k], [r for r, k in zip(ids, kinds) if not k]


@pytest.fixture
def trainings(monkeypatch):
    """Every call of the classifier, by reviewer labels seen (the real function still runs)."""
    calls: list[dict[int, int]] = []
    real = priority.classifier_scores

    def counted(tm, labels, candidates):
        calls.append(dict(labels))
        return real(tm, labels, candidates)

    monkeypatch.setattr(priority, "classifier_scores", counted)
    return calls


def _vote(engine, who, rid, decision):
    cast_vote(engine, who, rid, TA, decision, criteria=CRITERIA)


def _next(engine, who):
    with engine.connect() as conn:
        return next_record_id(conn, who, TA, order=REL)


def _state(engine, who):
    with engine.connect() as conn:
        return conn.execute(
            sa.select(screening_rank_state.c.votes, screening_rank_state.c.model)
            .where(screening_rank_state.c.reviewer == who)
        ).one_or_none()


def _ranked(engine, who):
    with engine.connect() as conn:
        return ranking.ranked_ids(conn, who, sa.true())


def test_without_a_worker_next_record_id_ranks_itself(corpus, trainings):
    engine, relevant, other = corpus
    _vote(engine, "alice", relevant[0], "include")
    _vote(engine, "alice", other[0], "exclude")
    assert _next(engine, "alice") in relevant
    assert len(trainings) == 1 and _state(engine, "alice").votes == 2


def test_with_a_live_worker_a_vote_and_the_next_card_do_not_train(corpus, trainings):
    engine, relevant, other = corpus
    first = _next(engine, "alice")  # ranked in the request: no worker yet (include terms)
    assert _state(engine, "alice").model == priority.TERMS_MODEL
    rankworker.heartbeat(engine, "w1")
    with engine.connect() as conn:
        assert rankworker.worker_live(conn) and not ranking.ranking_due(conn, "alice")
    _vote(engine, "alice", relevant[0], "include")
    _vote(engine, "alice", other[0], "exclude")
    card = _next(engine, "alice")
    from review.screening.claims import claim_next
    from review.screening.settings import ScreeningSettings

    assert claim_next(engine, "alice", TA, ScreeningSettings(order=REL)) == card  # the app's path
    # the requests drew from the previous ranking: no model trained, the stored ranking unchanged
    assert trainings == []
    assert _state(engine, "alice") == (0, priority.TERMS_MODEL)
    assert card not in (relevant[0], other[0])
    assert card is not None and first is not None
    # the worker brings it up to date, from alice's own votes
    assert rankworker.rank_pending(engine, "w1", RankParams()) == ["alice", "bob"]
    assert trainings == [{relevant[0]: 1, other[0]: 0}]
    assert _state(engine, "alice") == (2, priority.MODEL)
    ranked = _ranked(engine, "alice")
    assert set(ranked[:len(relevant) - 1]) == set(relevant[1:])
    assert _next(engine, "alice") in relevant
    # nothing due: the next pass trains nothing
    assert rankworker.rank_pending(engine, "w1", RankParams()) == []
    assert len(trainings) == 1


def test_a_stale_heartbeat_means_no_worker(corpus, trainings):
    engine, relevant, other = corpus
    old = datetime.now(timezone.utc) - timedelta(seconds=rankworker.LIVE_SECONDS + 5)
    rankworker.heartbeat(engine, "gone", now=old)
    _vote(engine, "alice", relevant[0], "include")
    _vote(engine, "alice", other[0], "exclude")
    assert _next(engine, "alice") in relevant
    assert len(trainings) == 1  # ranked in the request, as without any worker


def test_a_claim_is_held_by_one_worker_until_released_or_expired(corpus):
    engine, _, _ = corpus
    assert rankworker.claim(engine, "alice", "w1")
    assert not rankworker.claim(engine, "alice", "w2")
    assert rankworker.claim(engine, "bob", "w2")  # claims are per reviewer
    rankworker.release(engine, "alice", "w2")  # not w2's: stays
    assert not rankworker.claim(engine, "alice", "w2")
    rankworker.release(engine, "alice", "w1")
    assert rankworker.claim(engine, "alice", "w2")
    later = datetime.now(timezone.utc) + timedelta(seconds=rankworker.CLAIM_SECONDS + 1)
    assert rankworker.claim(engine, "alice", "w3", now=later)  # w2 died mid-ranking: taken over


def test_two_workers_at_once_train_each_ranking_once(corpus, trainings, monkeypatch):
    engine, relevant, other = corpus
    _vote(engine, "alice", relevant[0], "include")
    _vote(engine, "alice", other[0], "exclude")
    _vote(engine, "bob", relevant[1], "include")
    _vote(engine, "bob", other[1], "exclude")
    real = ranking._compute

    def slow(*args, **kwargs):  # both workers see the rankings due before either stores one
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(ranking, "_compute", slow)
    done: dict[str, list[str]] = {}
    start = threading.Barrier(2)

    def run(name):
        start.wait()
        done[name] = rankworker.rank_pending(engine, name, RankParams())

    threads = [threading.Thread(target=run, args=(n,)) for n in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(done["w1"] + done["w2"]) == ["alice", "bob"]
    assert sorted(len(c) for c in trainings) == [2, 2]  # one training each for alice and bob
    assert {frozenset(c) for c in trainings} == {
        frozenset({relevant[0], other[0]}), frozenset({relevant[1], other[1]})
    }


def test_a_worker_ranks_each_reviewer_from_their_own_votes_only(corpus):
    engine, relevant, other = corpus
    rankworker.heartbeat(engine, "w1")
    _vote(engine, "alice", relevant[0], "include")
    _vote(engine, "alice", other[0], "exclude")
    rankworker.rank_pending(engine, "w1", RankParams())
    before = _ranked(engine, "alice")
    # bob votes the opposite way on many records: alice's ranking is not due and, made again,
    # is the same
    for rid in relevant[2:6]:
        _vote(engine, "bob", rid, "exclude")
    for rid in other[2:8]:
        _vote(engine, "bob", rid, "include")
    assert rankworker.rank_pending(engine, "w1", RankParams()) == ["bob"]
    with engine.begin() as conn:
        conn.execute(sa.delete(screening_rank_state).where(screening_rank_state.c.reviewer == "alice"))
    assert rankworker.rank_pending(engine, "w1", RankParams()) == ["alice"]
    assert _ranked(engine, "alice") == before


def test_the_worker_thread_keeps_rankings_up_to_date_and_retires(corpus):
    engine, relevant, other = corpus
    worker = RankWorker(engine, RankParams, poll=0.05).start()
    try:
        assert _state(engine, "alice") == (0, priority.TERMS_MODEL)  # the first pass, at start
        _vote(engine, "alice", relevant[0], "include")
        _vote(engine, "alice", other[0], "exclude")
        _next(engine, "alice")  # wakes the worker instead of ranking
        deadline = time.monotonic() + 20
        while _state(engine, "alice").votes != 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _state(engine, "alice") == (2, priority.MODEL)
    finally:
        worker.stop()
    assert not worker.alive()
    with engine.connect() as conn:
        assert not rankworker.worker_live(conn)


def test_rank_now_ranks_while_a_worker_is_live(corpus, trainings):
    engine, relevant, other = corpus
    rankworker.heartbeat(engine, "w1")
    _vote(engine, "alice", relevant[0], "include")
    _vote(engine, "alice", other[0], "exclude")
    with engine.connect() as conn:
        assert ranking.rank_now(conn, "alice", 0, [])
    assert len(trainings) == 1 and _state(engine, "alice").votes == 2
    with engine.connect() as conn:
        assert not ranking.rank_now(conn, "alice", 0, [])  # not due any more


def test_the_cli_ranks_now_and_runs_one_worker_pass(project, capsys):
    from review.cli import main
    from review.store import open_store

    engine = open_store(project.database_url)
    try:
        with engine.begin() as conn:
            imp = add_import(conn, kind="file", database="MEDLINE")
            add_records(conn, imp, [Record(title=f"{t} ({i})", abstract=t, pmid=str(8200000 + i))
                                    for i, t in enumerate([RELEVANT, *OTHERS])])
        add_reviewer(engine, "alice")
        ranking._CACHE.clear()
        assert main(["--project", str(project.root), "screening", "rank", "--reviewer", "alice"]) == 0
        assert capsys.readouterr().out.strip() == "ranked: alice"
        assert _state(engine, "alice").votes == 0
        assert main(["--project", str(project.root), "screening", "rank-worker", "--once"]) == 0
        assert capsys.readouterr().out.strip() == "no ranking was due"
        with engine.connect() as conn:
            assert not rankworker.worker_live(conn)  # the pass's worker retired
    finally:
        engine.dispose()


def test_a_worker_writes_each_ranking_into_the_other_slot_and_flips_to_it(corpus):
    engine, relevant, other = corpus
    rankworker.rank_pending(engine, "w1", RankParams(), ["alice"])  # first ranking: slot 0
    with engine.connect() as conn:
        assert ranking._slot(conn, "alice") == 0
    first = _ranked(engine, "alice")
    _vote(engine, "alice", relevant[0], "include")
    _vote(engine, "alice", other[0], "exclude")
    rankworker.rank_pending(engine, "w1", RankParams(), ["alice"])
    with engine.connect() as conn:
        assert ranking._slot(conn, "alice") == 1
        counts = dict(conn.execute(
            sa.select(screening_rank.c.stage, sa.func.count()).where(screening_rank.c.reviewer == "alice")
            .group_by(screening_rank.c.stage)
        ).all())
    # the previous ranking stays readable in slot 0 until the next one replaces it
    assert counts == {ranking.SLOT_KEYS[0]: len(first), ranking.SLOT_KEYS[1]: len(first) - 2}
    second = _ranked(engine, "alice")
    assert len(second) == len(first) - 2 and second != [r for r in first if r not in (relevant[0], other[0])]
    _vote(engine, "alice", relevant[1], "include")
    rankworker.rank_pending(engine, "w1", RankParams(), ["alice"])
    with engine.connect() as conn:
        assert ranking._slot(conn, "alice") == 0
    assert len(_ranked(engine, "alice")) == len(first) - 3
