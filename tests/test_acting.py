"""The person acting is the keyword-only ``by`` across the library; the old spellings still work
with a DeprecationWarning (``review.acting.old_spelling``)."""

from __future__ import annotations

import inspect
import warnings

import pytest

from review.acting import old_spelling


@old_spelling("resolver", position=1)
def _resolve(engine: str, record_id: int, note: str = "", *, by: str, mode: str = "lead") -> tuple:
    return engine, record_id, note, by, mode


@old_spelling("actor")
def _run(engine: str, *, by: str = "") -> tuple:
    return engine, by


def _quiet(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new spelling warns nothing
        return call()


def test_the_new_spelling_passes_through_without_a_warning():
    assert _quiet(lambda: _resolve("e", 3, "n", by="carol")) == ("e", 3, "n", "carol", "lead")
    assert _quiet(lambda: _resolve("e", 3, by="carol", mode="pair")) == ("e", 3, "", "carol", "pair")
    assert _quiet(lambda: _run("e", by="ana")) == ("e", "ana")
    assert _quiet(lambda: _run("e")) == ("e", "")


def test_the_old_positional_spelling_warns_and_means_the_same():
    with pytest.warns(DeprecationWarning, match=r"_resolve: the person acting as positional argument 2 is an old spelling"):
        assert _resolve("e", "carol", 3, "n", mode="pair") == ("e", 3, "n", "carol", "pair")
    with pytest.warns(DeprecationWarning):
        assert _resolve("e", "carol", 3) == ("e", 3, "", "carol", "lead")


def test_the_old_keyword_warns_and_means_the_same():
    with pytest.warns(DeprecationWarning, match=r"_resolve: resolver= is an old spelling; name the person acting with the keyword by="):
        assert _resolve("e", 3, resolver="carol") == ("e", 3, "", "carol", "lead")
    with pytest.warns(DeprecationWarning, match="actor="):
        assert _run("e", actor="ana") == ("e", "ana")


def test_both_spellings_at_once_is_an_error():
    with pytest.raises(TypeError, match="both by= and its old spelling actor="):
        _run("e", by="ana", actor="bob")


def test_the_warning_points_at_the_caller():
    with pytest.warns(DeprecationWarning) as caught:
        _run("e", actor="ana")
    assert caught[0].filename == __file__


PUBLIC = [
    ("review.studies", "link_report"), ("review.studies", "unlink_report"),
    ("review.screening.fulltext", "attach_pdf"), ("review.screening.fulltext", "attach_link"),
    ("review.screening.fulltext", "mark_not_retrieved"), ("review.screening.labels", "remove_label"),
    ("review.screening.stoprule", "stop_stage"), ("review.screening.decide", "resolve_conflict"),
    ("review.screening.decide", "reopen_resolution"), ("review.extraction", "set_consensus"),
    ("review.dedup.run", "run_dedup"), ("review.dedup.run", "recluster"), ("review.dedup.run", "confirm"),
    ("review.dedup.run", "reject"), ("review.dedup.run", "undo"), ("review.importing", "import_file"),
    ("review.imports", "withdraw_import"), ("review.imports", "edit_import"),
    ("review.pubmed.storing", "store_search"), ("review.chase", "run_chase"),
    ("review.chase.storing", "store_chase"), ("review.strategy.versions", "save_version"),
    ("review.strategy.versions", "record_version"),
]


@pytest.mark.parametrize("module, name", PUBLIC)
def test_every_function_that_records_the_person_acting_takes_keyword_only_by(module, name):
    import importlib

    func = getattr(importlib.import_module(module), name)
    params = inspect.signature(func).parameters
    assert params["by"].kind is inspect.Parameter.KEYWORD_ONLY
    assert not {"actor", "author", "resolver", "lead", "who"} & set(params)


def test_a_real_function_keeps_its_old_spelling(store_engine):
    from review import store
    from review.dedup.run import run_dedup

    with pytest.warns(DeprecationWarning, match="run_dedup: actor="):
        run_dedup(store_engine, actor="ana")
    run_dedup(store_engine, by="ben")
    with store_engine.connect() as conn:
        assert [e["actor"] for e in store.list_events(conn, "dedup.run")] == ["ana", "ben"]
