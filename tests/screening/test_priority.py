"""The prioritised title/abstract queue (screening.order: relevance), on SQLite and PostgreSQL:
each reviewer's order learns from their own votes only, starts from the include terms, and
keeps the random queue's eligibility and undo rules."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from review.records import Record
from review.screening import ScreeningError, add_reviewer, cast_vote, next_record_id, queue, undo_last_vote
from review.screening import priority, ranking
from review.screening.queue import sort_key
from review.screening.settings import screening_settings
from review.store import open_store
from review.store.migrations import MIGRATIONS
from review.store.schema import dedup_membership, screening_rank, screening_rank_state

from screening_helpers import CRITERIA, make_records, store_records

TA, FT = "title_abstract", "full_text"
REL = "relevance"
RELEVANT_TEXT = "A peer mentoring programme for medical students: mentors, mentees and career guidance"
OTHER_TEXTS = [
    "Cardiac surgery outcomes in elderly patients with aortic stenosis",
    "Statin therapy and cholesterol levels in adults with diabetes",
    "Antibiotic resistance in hospital intensive care units",
]


@pytest.fixture
def corpus(store_engine):
    """(engine, relevant ids, other ids): 10 records about mentoring, 30 about other things,
    interleaved so the random order mixes them."""
    items, kinds = [], []
    for i in range(40):
        relevant = i % 4 == 0
        text = RELEVANT_TEXT if relevant else OTHER_TEXTS[i % 3]
        items.append(Record(title=f"{text.split(':')[0]} ({i})", abstract=f"{text}. Study {i}.", pmid=str(8000000 + i)))
        kinds.append(relevant)
    ids = store_records(store_engine, items)
    for name in ("alice", "bob", "carol"):
        add_reviewer(store_engine, name)
    ranking._CACHE.clear()
    relevant = [rid for rid, k in zip(ids, kinds) if k]
    return store_engine, relevant, [rid for rid, k in zip(ids, kinds) if not k]


def _vote(engine, who, rid, decision, stage=TA):
    cast_vote(engine, who, rid, stage, decision, criteria=CRITERIA)


def _queue(engine, who, stage=TA, terms=()):
    with engine.connect() as conn:
        return queue(conn, who, stage, order=REL, terms=terms)


def _next(engine, who, stage=TA, terms=()):
    with engine.connect() as conn:
        return next_record_id(conn, who, stage, order=REL, terms=terms)


def test_relevant_records_move_up_after_a_few_votes(corpus):
    engine, relevant, other = corpus
    for rid in relevant[:2]:
        _vote(engine, "alice", rid, "include")
    for rid in other[:3]:
        _vote(engine, "alice", rid, "exclude")
    q = _queue(engine, "alice")
    assert set(q[:8]) == set(relevant[2:])  # every remaining relevant record comes first
    assert len(q) == 35
    with engine.connect() as conn:
        model = conn.execute(sa.select(screening_rank_state.c.model)).scalar_one()
    assert model == priority.MODEL


def test_ranking_is_deterministic_for_the_same_votes(corpus):
    engine, relevant, other = corpus
    _vote(engine, "alice", relevant[0], "maybe")  # maybe counts as relevant
    for rid in other[:4]:
        _vote(engine, "alice", rid, "exclude")
    with engine.connect() as conn:
        first = ranking.compute_ranking(conn, "alice", 0, [])
        ranking._CACHE.clear()
        again = ranking.compute_ranking(conn, "alice", 0, [])
    assert first == again and first[0] == priority.MODEL
    assert _queue(engine, "alice") == _queue(engine, "alice")


def test_partner_votes_do_not_change_my_order(corpus):
    engine, relevant, other = corpus
    _vote(engine, "alice", relevant[0], "include")
    for rid in other[:4]:
        _vote(engine, "alice", rid, "exclude")
    before = _queue(engine, "alice")
    with engine.connect() as conn:
        scores = conn.execute(sa.select(screening_rank.c.record_id, screening_rank.c.score)
                              .where(screening_rank.c.reviewer == "alice")).all()
    # bob votes the opposite way on many records alice has not seen, enough to retrain his own
    for rid in relevant[1:6]:
        _vote(engine, "bob", rid, "exclude")
    for rid in other[4:10]:
        _vote(engine, "bob", rid, "include")
    assert _queue(engine, "bob")  # bob's own ranking is made
    after = _queue(engine, "alice")
    assert after == before
    with engine.connect() as conn:
        assert sorted(conn.execute(sa.select(screening_rank.c.record_id, screening_rank.c.score)
                                   .where(screening_rank.c.reviewer == "alice")).all()) == sorted(scores)


def test_cold_start_orders_by_distinct_include_terms(corpus):
    engine, relevant, other = corpus
    terms = ["mentor*", "medical students", "career guidance", "surgery"]
    q = _queue(engine, "alice", terms=terms)
    # relevant records match three terms, surgery ones one, the rest none; ties: random key
    with engine.connect() as conn:
        texts = dict(conn.execute(sa.text("select id, title from records")).all())
    surgery = [rid for rid in other if "surgery" in texts[rid].lower()]
    rest = [rid for rid in other if rid not in surgery]
    assert q == (sorted(relevant, key=lambda r: sort_key(0, r))
                 + sorted(surgery, key=lambda r: sort_key(0, r))
                 + sorted(rest, key=lambda r: sort_key(0, r)))
    # only excludes so far: still the terms' order, not a classifier
    for rid in q[-5:]:
        _vote(engine, "alice", rid, "exclude")
    assert _queue(engine, "alice", terms=terms)[:10] == sorted(relevant, key=lambda r: sort_key(0, r))


def test_eligibility_and_undo_unchanged(corpus):
    engine, relevant, other = corpus
    with engine.begin() as conn:  # other[0] is a removed duplicate of other[1]
        conn.execute(sa.insert(dedup_membership), [
            {"record_id": other[0], "kept_id": other[1], "method": "manual", "updated_at": "x"},
            {"record_id": other[1], "kept_id": other[1], "method": "manual", "updated_at": "x"},
        ])
    _vote(engine, "alice", relevant[0], "include")
    for rid in other[1:5]:
        _vote(engine, "alice", rid, "exclude")
    _vote(engine, "bob", relevant[1], "include")
    _vote(engine, "carol", relevant[1], "include")  # two votes: nobody else screens it
    q = _queue(engine, "alice")
    assert other[0] not in q and relevant[1] not in q
    assert not set(q) & {relevant[0], *other[1:5]}
    assert len(q) == 40 - 1 - 5 - 1
    nxt = _next(engine, "alice")
    assert nxt == q[0]
    _vote(engine, "alice", nxt, "exclude")
    assert _next(engine, "alice") != nxt
    undo_last_vote(engine, "alice", TA)
    assert _next(engine, "alice") == nxt  # the undone record comes back first
    assert _queue(engine, "alice")[0] == nxt


def test_new_records_wait_after_ranked_ones_in_random_order(corpus):
    engine, relevant, other = corpus
    _vote(engine, "alice", relevant[0], "include")
    for rid in other[:4]:
        _vote(engine, "alice", rid, "exclude")
    before = _queue(engine, "alice")
    new = store_records(engine, [Record(title=RELEVANT_TEXT + f" {i}", abstract=RELEVANT_TEXT) for i in range(3)])
    q = _queue(engine, "alice")
    assert q == before + sorted(new, key=lambda r: sort_key(0, r))
    for rid in q[:5]:  # five more votes: the next ranking takes them in
        _vote(engine, "alice", rid, "exclude" if rid in other else "include")
    assert set(_queue(engine, "alice")[:3]) <= set(relevant) | set(new)


def test_full_text_stays_random(corpus):
    engine, relevant, _ = corpus
    for rid in relevant[:4]:
        _vote(engine, "alice", rid, "include")
        _vote(engine, "bob", rid, "include")
    with engine.connect() as conn:
        assert queue(conn, "alice", FT, order=REL) == queue(conn, "alice", FT)
        assert conn.execute(sa.select(sa.func.count()).select_from(screening_rank_state)
                            .where(screening_rank_state.c.stage == FT)).scalar_one() == 0


def test_unknown_order_refused(corpus):
    engine, _, _ = corpus
    with engine.connect() as conn, pytest.raises(ScreeningError, match="random, relevance"):
        next_record_id(conn, "alice", TA, order="best")


def test_config_order_validated():
    assert screening_settings({}).order == "random"
    assert screening_settings({"screening": {"order": "relevance"}}).order == "relevance"
    with pytest.raises(ScreeningError, match=r"review\.yaml: screening\.order must be one of random, relevance, not 'smart'"):
        screening_settings({"screening": {"order": "smart"}})


def test_migration_adds_rank_tables_to_an_older_store(store_url, monkeypatch):
    from review.store import migrations

    engine = sa.create_engine(store_url)
    with monkeypatch.context() as m:  # a store made by the version before the rank tables
        m.setattr(migrations, "MIGRATIONS", [mig for mig in MIGRATIONS if mig[0] < "0008"])
        migrations.migrate(engine)
    assert not sa.inspect(engine).has_table("screening_rank")
    engine.dispose()
    engine = open_store(store_url)
    inspector = sa.inspect(engine)
    assert inspector.has_table("screening_rank") and inspector.has_table("screening_rank_state")
    assert "ix_screening_rank_position" in {ix["name"] for ix in inspector.get_indexes("screening_rank")}
    engine.dispose()


def test_retrain_rule():
    assert priority.needs_ranking(None, 0)
    # up to 2,000 records: after every vote
    assert not priority.needs_ranking(3, 3, 2000) and priority.needs_ranking(3, 4, 2000)
    # 20,000 records: every 10 votes
    assert not priority.needs_ranking(200, 209, 20000) and priority.needs_ranking(200, 210, 20000)
    assert priority.needs_ranking(20, 10, 20000) and not priority.needs_ranking(20, 11, 20000)  # undone votes count too


def test_term_scores_count_distinct_terms():
    texts = ["Mentors and mentoring of medical students", "Medical-students only", "nothing here"]
    assert priority.term_scores(texts, ["mentor*", "medical students", "mentoring"]) == [3, 1, 0]


def test_methods_draft_reports_prioritisation_only_when_used(corpus):
    from review.reporting.methods import MethodsFacts, selection_text
    from review.screening import prioritisation_used

    engine, relevant, other = corpus
    _queue(engine, "alice", terms=["mentor*"])  # the terms' order is not a model
    with engine.connect() as conn:
        assert prioritisation_used(conn) == ""
    _vote(engine, "alice", relevant[0], "include")
    for rid in other[:4]:
        _vote(engine, "alice", rid, "exclude")
    _queue(engine, "alice")
    with engine.connect() as conn:
        used = prioritisation_used(conn)
    assert used == priority.MODEL_DESCRIPTION
    text = selection_text(MethodsFacts(reviewers=["alice", "bob"], prioritisation=used))
    assert ("prioritised for screening by a class-weighted linear support vector machine on TF-IDF features of "
            "character n-grams") in text
    assert "own decisions only" in text
    assert "prioritised" not in selection_text(MethodsFacts(reviewers=["alice", "bob"]))
    # a queue ranked by an earlier live model (a store from before the change) is named as it was
    with engine.begin() as conn:
        conn.execute(sa.update(screening_rank_state).values(model="tfidf-ensemble"))
    with engine.connect() as conn:
        assert prioritisation_used(conn).startswith("an ensemble (mean rank) of a naive Bayes classifier")


def test_ranking_due_says_when_the_next_record_will_rank_the_queue(store_engine):
    from review.screening import ranking_due

    ids = make_records(store_engine, 12)
    add_reviewer(store_engine, "alice")
    with store_engine.connect() as conn:
        assert ranking_due(conn, "alice")  # no ranking yet
        next_record_id(conn, "alice", TA, order="relevance")
        assert not ranking_due(conn, "alice")
    cast_vote(store_engine, "alice", ids[0], TA, "exclude", criteria=CRITERIA)
    with store_engine.connect() as conn:
        assert ranking_due(conn, "alice")  # a vote since, on a small set


def test_term_scores_count_a_proximity_term_only_where_the_app_highlights_it():
    texts = [
        "Balint groups for students",
        "Small group teaching in the first year; Balint was a psychoanalyst",
        priority.record_text("Balint", {"keywords": ["group processes"]}),  # two fields
    ]
    assert priority.term_scores(texts, ["balint adj3 group*"]) == [1, 0, 0]
