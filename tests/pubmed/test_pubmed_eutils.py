"""The E-utilities client against the local server: identity, rate limit, retries, errors."""

from __future__ import annotations

from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from review.pubmed.eutils import (
    EutilsClient,
    EutilsHTTPError,
    EutilsQueryError,
    EutilsRetriesExhausted,
    EutilsSettings,
    MissingEmailError,
    RateLimiter,
    parse_esearch,
    retry_after_seconds,
    settings_from,
    shared_limiter,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "pubmed"


# -- settings -----------------------------------------------------------------------------


def test_missing_email_says_how_to_set_it():
    with pytest.raises(MissingEmailError) as info:
        settings_from({"email": ""}, env={})
    message = str(info.value)
    assert "NCBI_EMAIL" in message and "pubmed:" in message and "email:" in message


def test_settings_environment_wins_over_config():
    config = {"email": "config@example.org", "eutils_url": "http://config/entrez/eutils/", "tool": "cfg"}
    env = {"NCBI_EMAIL": "env@example.org", "REVIEW_EUTILS_URL": "http://127.0.0.1:9/entrez/eutils/"}
    settings = settings_from(config, env=env)
    assert settings.email == "env@example.org"
    assert settings.base_url == "http://127.0.0.1:9/entrez/eutils/"
    assert settings.tool == "cfg"
    assert settings.url("esearch") == "http://127.0.0.1:9/entrez/eutils/esearch.fcgi"
    assert settings.rate == 3
    assert settings_from(config, env={"NCBI_API_KEY": "k"}).rate == 10


def test_bad_email_and_tool_are_refused():
    with pytest.raises(MissingEmailError):
        settings_from({"email": "not-an-address"}, env={})
    with pytest.raises(MissingEmailError):
        settings_from({"email": "a@b.org", "tool": "has spaces"}, env={})


# -- identity, parsing, POST ------------------------------------------------------------------


def test_every_request_names_tool_and_email_and_key(server, make_client):
    client = make_client(server, api_key="secret-key")
    client.einfo()
    client.count("real")
    for entry in server.log:
        assert entry["params"]["tool"] == "review-tests"
        assert entry["params"]["email"] == "tester@example.org"
        assert entry["params"]["api_key"] == "secret-key"


def test_esearch_with_history_and_translation(server, make_client):
    result = make_client(server).esearch("real", retmax=5, usehistory=True)
    assert result.count == 49 and len(result.ids) == 5
    assert result.webenv.startswith("MCID_") and result.query_key == "1"
    assert result.query_translation == "real"


def test_zero_hits_keep_errorlist(server, make_client):
    result = make_client(server).esearch("nothing[tiab]")
    assert result.count == 0 and result.errors == {"PhraseNotFound": ["nothing[tiab]"]}


def test_real_esearch_bodies_parse():
    paging = parse_esearch((DATA / "esearch2.xml").read_bytes())
    assert paging.count == 10238 and len(paging.ids) == 100 and paging.query_key == "12"
    assert paging.translation_set[0]["from"] == "cancer"
    assert "2008/02/16[EDAT]" in paging.query_translation
    none = parse_esearch((DATA / "esearch8.xml").read_bytes())
    assert none.count == 0 and none.errors == {"PhraseNotFound": ["abcXYZ"]}
    assert none.warnings == {"OutputMessage": ["No items found."]}


def test_long_id_lists_are_posted(server, make_client, small_corpus):
    client = make_client(server)
    few = [str(p) for p in small_corpus.real[:3]]
    client.efetch(few)
    many = [str(p) for p in small_corpus.real] + [str(p) for p in range(1, 300)]
    body = client.efetch(many)
    methods = [e["method"] for e in server.requests_to("efetch")]
    assert methods == ["GET", "POST"]
    assert body.count(b"<PubmedArticle>") == len(small_corpus.real)


# -- rate limit (fake clock: nothing sleeps) ---------------------------------------------------


def test_rate_limiter_spaces_requests():
    now = [0.0]
    starts: list[float] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(3, clock=lambda: now[0], sleep=sleep)
    for _ in range(10):
        limiter.acquire()
        starts.append(now[0])
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= 1 / 3 and limiter.interval == pytest.approx(0.35)
    assert now[0] == pytest.approx(9 * 0.35)
    assert limiter.waited == pytest.approx(9 * 0.35)
    # any window of one second holds at most 3 request starts
    assert all(sum(1 for s in starts if t <= s < t + 1) <= 3 for t in starts)


def test_client_waits_on_limiter_three_or_ten_per_second(server, make_client, clock):
    client = make_client(server)
    started = clock.now
    for _ in range(7):
        client.count("real")
    assert clock.now - started == pytest.approx(6 * 0.35)
    assert client.stats.rate_wait_seconds == pytest.approx(6 * 0.35)

    keyed = make_client(server, api_key="k")
    started = clock.now
    for _ in range(11):
        keyed.count("real")
    assert clock.now - started == pytest.approx(10 * 0.105)


def test_clients_share_one_limiter(server, clock):
    limiter = RateLimiter(3, clock=clock, sleep=clock.sleep)
    settings = EutilsSettings(base_url=server.url, email="a@example.org")
    one = EutilsClient(settings, limiter=limiter, clock=clock, sleep=clock.sleep)
    two = EutilsClient(settings, limiter=limiter, clock=clock, sleep=clock.sleep)
    start = clock.now
    for _ in range(3):
        one.count("real")
        two.count("real")
    assert clock.now - start == pytest.approx(5 * 0.35)
    assert shared_limiter(3) is shared_limiter(3) and shared_limiter(3) is not shared_limiter(10)


# -- retries, one test per fault -----------------------------------------------------------------


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "truncated", "cut", "reset", "html", "error"])
def test_esearch_survives_each_fault(server, make_client, fault):
    server.add_fault(fault, "esearch")
    client = make_client(server)
    result = client.esearch("real", retmax=100)
    assert result.count == 49 and len(result.ids) == 49
    assert client.stats.retries == 1
    assert [e["fault"] for e in server.requests_to("esearch")] == [fault, None]


@pytest.mark.parametrize("fault", ["429", "503", "truncated", "cut", "html"])
def test_efetch_survives_each_fault(server, make_client, small_corpus, fault):
    server.add_fault(fault, "efetch")
    client = make_client(server)
    body = client.efetch([str(p) for p in small_corpus.real[:5]])
    assert body.count(b"<PubmedArticle>") == 5
    assert len(server.requests_to("efetch")) == 2


def test_timeout_is_retried(server, make_client):
    server.add_fault("timeout", "esearch", delay=1.0)
    client = make_client(server, timeout=0.25)
    assert client.count("real") == 49
    assert client.stats.failures == {"timeout": 1}


def test_retry_after_is_honoured(server, make_client, clock):
    server.add_fault("429", "esearch", retry_after="7")
    client = make_client(server, backoff=0.5)
    client.count("real")
    assert 7.0 in clock.sleeps  # not the 0.5 s back-off
    assert client.stats.backoff_seconds == pytest.approx(7.0)


def test_retry_after_as_http_date():
    later = datetime.now(timezone.utc) + timedelta(seconds=30)
    assert 25 <= retry_after_seconds(format_datetime(later, usegmt=True)) <= 31
    assert retry_after_seconds("12") == 12 and retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None


def test_backoff_doubles(server, make_client, clock):
    server.add_fault("500", "esearch", times=3)
    client = make_client(server, backoff=0.5)
    client.count("real")
    assert [s for s in clock.sleeps if s in (0.5, 1.0, 2.0)] == [0.5, 1.0, 2.0]
    assert client.stats.backoff_seconds == pytest.approx(3.5)


def test_retries_run_out_with_a_clear_error(server, make_client):
    server.add_fault("503", "esearch", times=10)
    client = make_client(server, max_retries=2)
    with pytest.raises(EutilsRetriesExhausted) as info:
        client.count("real")
    assert info.value.attempts == 3 and "http 503" in str(info.value)
    assert len(server.requests_to("esearch")) == 3


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_server_never_reached_is_given_up_after_two_retries(clock):
    """Offline (nothing listens, or the name does not resolve): the user hears in seconds,
    not after the whole back-off ladder."""
    settings = EutilsSettings(base_url=f"http://127.0.0.1:{_free_port()}/", email="tester@example.org",
                              tool="review-tests", backoff=0.5)
    client = EutilsClient(settings, limiter=RateLimiter(3, clock=clock, sleep=clock.sleep),
                          clock=clock, sleep=clock.sleep)
    with pytest.raises(EutilsRetriesExhausted) as info:
        client.count("real")
    assert info.value.attempts == 3 and client.stats.requests == 3
    assert client.stats.backoff_seconds == pytest.approx(0.5 + 1.0)
    assert "connection" in str(info.value) and "check the network" in str(info.value)


def test_a_refused_connection_after_the_server_answered_gets_every_retry(make_server, small_corpus, make_client):
    server = make_server(small_corpus)
    client = make_client(server, max_retries=4)
    assert client.count("real") == 49  # the server answered once
    server.stop()  # then it goes away mid-run: that may pass, so every retry is spent
    client.session.close()  # (and the kept-alive connection to it with it)
    with pytest.raises(EutilsRetriesExhausted) as info:
        client.count("other")
    assert info.value.attempts == 5


def test_paging_past_9999_is_a_query_error_not_retried(server, make_client):
    client = make_client(server)
    with pytest.raises(EutilsQueryError) as info:
        client.esearch("real", retstart=10_000, retmax=10)
    assert "cannot be larger than 9998" in str(info.value)
    assert len(server.requests_to("esearch")) == 1


def test_unknown_endpoint_is_an_http_error(server, make_client):
    with pytest.raises(EutilsHTTPError) as info:
        make_client(server).call("nosuch", {"db": "pubmed"})
    assert info.value.status == 404


def test_long_terms_are_posted(server, make_client):
    long_term = " OR ".join(f"term{i}[tiab]" for i in range(200))
    client = make_client(server)
    client.count("real")
    client.count(long_term)
    assert [e["method"] for e in server.requests_to("esearch")] == ["GET", "POST"]
    assert server.requests_to("esearch")[1]["params"]["term"] == long_term
