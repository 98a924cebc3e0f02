"""The search runner: completeness past 9,999 (slices proved), missing records, cache resume."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from eutils_server import build_corpus
from review.pubmed.cache import ResponseCache, fingerprint, finish_run, generation_cache, open_run
from review.pubmed.search import (
    ESEARCH_LIMIT,
    Slice,
    SlicingError,
    _prove,
    collect_ids,
    fetch_records,
    run_search,
)
from review.strategy import SearchLine

REAL = [SearchLine(1, "real")]


# -- completeness -----------------------------------------------------------------------------


def test_result_above_9999_is_sliced_and_the_union_equals_the_count(make_server, make_client, big_corpus):
    server = make_server(big_corpus)
    client = make_client(server, rate=1000)
    first = client.esearch("synthetic", retmax=ESEARCH_LIMIT, usehistory=True)
    assert first.count == 12_500 and len(first.ids) == 9_999  # the server caps like PubMed
    ids, slices = collect_ids(client, "synthetic", first=first)
    expected = {str(p) for p in big_corpus.queries["synthetic"]}
    assert len(ids) == len(set(ids)) == 12_500
    assert set(ids) == expected
    assert len(slices) >= 2 and all(s.count <= ESEARCH_LIMIT for s in slices)
    assert sum(s.count for s in slices) == first.count
    # slices are disjoint, contiguous date ranges
    assert all(a.maxdate < b.mindate for a, b in zip(slices, slices[1:]))
    # the server was never asked to page past its cap
    assert all(int(e["params"].get("retstart") or 0) == 0 for e in server.requests_to("esearch"))


def test_deep_slicing_and_pmid_ranges_when_one_day_is_too_big(make_server, make_client):
    corpus = build_corpus(40, days=1)  # 40 synthetic records, all entered on one day
    server = make_server(corpus, cap=7)
    client = make_client(server, rate=1000)
    ids, slices = collect_ids(client, "synthetic", limit=7)
    assert sorted(ids) == sorted(str(p) for p in corpus.queries["synthetic"])
    assert any(s.uid_range for s in slices)  # the day was split by PMID range
    assert all(s.count <= 7 for s in slices)
    assert any("[uid]" in e["params"]["term"] for e in server.requests_to("esearch"))


def test_proof_fails_loudly_when_slices_do_not_add_up():
    with pytest.raises(SlicingError, match="do not add up"):
        _prove(4, [Slice(count=2, ids=["1", "2"]), Slice(count=2, ids=["2", "3"])])
    with pytest.raises(SlicingError):
        _prove(5, [Slice(count=2, ids=["1", "2"]), Slice(count=2, ids=["3", "4"])])
    assert _prove(4, [Slice(count=2, ids=["1", "2"]), Slice(count=2, ids=["3", "4"])]) == ["1", "2", "3", "4"]


def test_a_result_that_changes_during_slicing_is_refused(make_server, make_client, big_corpus):
    server = make_server(big_corpus)
    client = make_client(server, rate=1000)
    first = client.esearch("synthetic", retmax=ESEARCH_LIMIT)
    first.count += 3  # PubMed grew between the first search and the slices
    with pytest.raises(SlicingError):
        collect_ids(client, "synthetic", first=first)


# -- the whole run ------------------------------------------------------------------------------


LINES = [SearchLine(1, "real", "all real records"), SearchLine(2, "mentor*[tiab]", "mentoring"),
         SearchLine(3, "real AND x", "final")]


def test_run_counts_every_line_and_fetches_every_record_once(server, make_client, small_corpus):
    client = make_client(server, rate=1000)
    run = run_search(client, LINES, batch_size=10, limits={"language": "English"})
    resolve = small_corpus.resolve
    assert [(c.number, c.count) for c in run.lines] == [(1, 49), (2, len(resolve("mentor*[tiab]"))),
                                                        (3, len(resolve("real AND x")))]
    assert run.total == len(resolve("real AND x")) > 0
    assert [r.pmid for r in run.records] == run.pmids
    assert len(set(run.pmids)) == run.total == len(run.records) and run.complete
    assert all(r.source_database == "PubMed" for r in run.records)
    assert run.query == "real AND x" and run.query_translation == "real AND x"
    assert run.webenv and run.db_info["DbBuild"] == "Build-local-test"
    # lines but the last are counted with rettype=count; the last goes through the history server
    searches = server.requests_to("esearch")
    assert [e["params"].get("rettype") for e in searches[:2]] == ["count", "count"]
    assert searches[2]["params"]["usehistory"] == "y"


def test_missing_records_are_asked_again_then_reported(server, make_client, small_corpus):
    gone = small_corpus.real[3]
    server.withheld.add(gone)
    client = make_client(server, rate=1000)
    got, missing, warnings = fetch_records(client, [str(p) for p in small_corpus.real], batch_size=20)
    assert missing == [str(gone)]
    assert len(got) == len(small_corpus.real) - 1
    # after the batches, the missing PMID alone was asked for again (twice)
    tail = [e["params"]["id"] for e in server.requests_to("efetch")][-2:]
    assert tail == [str(gone), str(gone)]


def test_a_batch_that_keeps_failing_is_missing_not_fatal(server, make_client, small_corpus):
    server.add_fault("503", "efetch", times=3)  # the first batch fails all its attempts
    client = make_client(server, rate=1000, max_retries=2)
    ids = [str(p) for p in small_corpus.real]
    got, missing, warnings = fetch_records(client, ids, batch_size=20, rounds=0)
    assert missing == ids[:20] and len(got) == len(ids) - 20
    assert "efetch of 20 PMIDs" in warnings[0]


def test_efetch_faults_midway_do_not_lose_records(server, make_client):
    server.add_fault("truncated", "efetch", after=1)
    server.add_fault("html", "efetch", after=2)
    client = make_client(server, rate=1000)
    run = run_search(client, REAL, batch_size=10)
    assert run.complete and len(run.records) == 49
    assert client.stats.retries == 2


# -- cache: resume after a crash, --refresh -----------------------------------------------------


class Crash(Exception):
    pass


def test_rerun_after_a_crash_refetches_nothing(server, make_client, tmp_path):
    root = tmp_path / "cache"
    key = fingerprint(server.url, REAL)
    state = open_run(root, key)
    fetched = [0]

    def crash_after_two_batches(phase, advance, total):
        if phase == "records":
            fetched[0] += 1
            if fetched[0] == 2:
                raise Crash("killed midway")

    client = make_client(server, rate=1000, cache=generation_cache(root, state))
    with pytest.raises(Crash):
        run_search(client, REAL, batch_size=10, progress=crash_after_two_batches)
    first_run = [dict(e) for e in server.log]
    first_efetch = {e["params"]["id"] for e in first_run if e["endpoint"] == "efetch"}
    assert len(first_efetch) == 2

    resumed = open_run(root, key)
    assert resumed.resumed and resumed.generation == state.generation
    assert resumed.searched_on == state.searched_on
    client = make_client(server, rate=1000, cache=generation_cache(root, resumed))
    run = run_search(client, REAL, batch_size=10)
    second_run = server.log[len(first_run):]
    assert run.complete and len(run.records) == 49
    assert [e["endpoint"] for e in second_run] == ["efetch"] * 3  # esearch/einfo all cached
    assert not first_efetch & {e["params"]["id"] for e in second_run}  # nothing fetched twice
    assert client.stats.cache_hits == 1 + 1 + 2  # einfo, esearch, two efetch batches


def test_refresh_starts_a_new_generation_and_refetches(server, make_client, tmp_path):
    root = tmp_path / "cache"
    key = fingerprint(server.url, REAL)
    state = open_run(root, key)
    run_search(make_client(server, rate=1000, cache=generation_cache(root, state)), REAL)
    finish_run(root, state, import_id=1)
    cached = len(generation_cache(root, state))
    assert cached >= 3

    again = open_run(root, key)
    assert not again.resumed and again.generation == state.generation  # finished, same cache
    before = len(server.log)
    run_search(make_client(server, rate=1000, cache=generation_cache(root, again)), REAL)
    assert len(server.log) == before  # everything from the cache

    later = datetime.now(timezone.utc) + timedelta(days=2)
    fresh = open_run(root, key, refresh=True, now=later)
    assert fresh.generation != state.generation and fresh.searched_on != state.searched_on
    assert not (root / state.generation).exists()  # the old responses are gone
    run_search(make_client(server, rate=1000, cache=generation_cache(root, fresh)), REAL)
    assert len(server.log) > before


def test_a_cached_body_that_no_longer_parses_is_fetched_again(server, make_client, tmp_path):
    cache = ResponseCache(tmp_path / "gen")
    client = make_client(server, rate=1000, cache=cache)
    assert client.count("real") == 49
    (path,) = list((tmp_path / "gen").glob("*/*.xml"))
    path.write_bytes(path.read_bytes()[:30])  # damaged on disk
    client = make_client(server, rate=1000, cache=cache)
    assert client.count("real") == 49
    assert len(server.requests_to("esearch")) == 2


def test_cache_keys_ignore_identity(tmp_path):
    cache = ResponseCache(tmp_path)
    cache.put("esearch", {"term": "x", "email": "a@b.org", "tool": "t"}, b"<x/>")
    assert cache.get("esearch", {"term": "x", "email": "other@b.org", "api_key": "k"}) == b"<x/>"
    assert cache.get("esearch", {"term": "y"}) is None


def test_a_query_that_finds_nothing_is_a_complete_empty_run(server, make_client):
    run = run_search(make_client(server, rate=1000), [SearchLine(1, "real"), SearchLine(2, "nothing[tiab]")])
    assert run.total == 0 and run.records == [] and run.complete
    assert [c.count for c in run.lines] == [49, 0]
    assert any("PhraseNotFound" in w for w in run.warnings)
    assert server.requests_to("efetch") == []


def test_lines_are_search_lines_and_must_not_be_empty(server, make_client):
    client = make_client(server, rate=1000)
    run = run_search(client, [SearchLine(7, "real", "only")], fetch=False)
    assert run.lines[0].number == 7 and run.lines[0].label == "only"
    assert run.total == 49 and run.records == []
    sent = len(server.log)
    with pytest.raises(ValueError, match="at least one line"):
        run_search(client, [])
    with pytest.raises(ValueError, match="line 2 of the strategy has an empty query"):
        run_search(client, [SearchLine(1, "real"), SearchLine(2, "  ")])
    with pytest.raises(TypeError, match="SearchLine"):
        run_search(client, [(1, "real", "")])
    assert len(server.log) == sent  # refused before anything was sent


def test_the_fingerprint_of_a_search_is_its_server_and_queries():
    """Stored searches and cached runs are found by this key: it must not change between versions."""
    lines = [SearchLine(1, "real"), SearchLine(2, "mentor*[tiab] AND real", "final")]
    key = fingerprint("http://127.0.0.1:9/eutils/", lines)
    assert key == "7716e762045e738a5719d8ec"
    relabelled = [SearchLine(1, "real", "x"), SearchLine(2, "mentor*[tiab] AND real", "y")]
    assert fingerprint("http://127.0.0.1:9/eutils", relabelled) == key
    assert fingerprint("http://127.0.0.1:9/eutils", [SearchLine(1, "real")]) != key
    assert fingerprint("http://127.0.0.1:8/eutils", lines) != key
