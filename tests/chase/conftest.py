"""Fixtures for citation chasing: the local E-utilities stand-in (tests/pubmed/eutils_server.py)
with a citation graph over its real records, and a project whose included studies are seeds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pubmed"))

from eutils_server import EutilsServer, build_corpus  # noqa: E402
from cli_env import eutils_env, fast_rate  # noqa: E402,F401 (fixtures)

from review.pubmed.eutils import EutilsClient, EutilsSettings, RateLimiter  # noqa: E402


@pytest.fixture
def corpus():
    return build_corpus(0)


@pytest.fixture
def server(corpus):
    srv = EutilsServer(corpus).start()
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    settings = EutilsSettings(base_url=server.url, email="tester@example.org", tool="review-tests",
                              timeout=5.0, backoff=0.001)
    return EutilsClient(settings, limiter=RateLimiter(1000), sleep=lambda s: None)


