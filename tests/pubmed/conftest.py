"""Fixtures: the local E-utilities server (real HTTP on 127.0.0.1, in a thread), a fake clock,
and clients wired to both. Nothing here reaches the internet."""

from __future__ import annotations

import pytest

from review.pubmed.eutils import EutilsClient, EutilsSettings, RateLimiter
from eutils_server import EutilsServer, build_corpus


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)


@pytest.fixture(scope="session")
def small_corpus():
    """The 49 real records."""
    return build_corpus(0)


@pytest.fixture(scope="session")
def big_corpus():
    """The real records plus 12,500 synthesised ones (query "synthetic"), 2008-2017."""
    return build_corpus(12_500)


@pytest.fixture
def make_server():
    servers: list[EutilsServer] = []

    def make(corpus, **options) -> EutilsServer:
        server = EutilsServer(corpus, **options).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def server(make_server, small_corpus):
    return make_server(small_corpus)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def make_client(clock):
    """A client on the fake clock: rate limiting and back-off are accounted, never slept."""

    def make(server: EutilsServer, *, cache=None, rate: float | None = None, **settings) -> EutilsClient:
        values = {"base_url": server.url, "email": "tester@example.org", "tool": "review-tests",
                  "timeout": 5.0, "backoff": 0.5}
        values.update(settings)
        config = EutilsSettings(**values)
        limiter = RateLimiter(rate or config.rate, clock=clock, sleep=clock.sleep)
        return EutilsClient(config, limiter=limiter, cache=cache, clock=clock, sleep=clock.sleep)

    return make
