"""Fixtures for running the `review` CLI against the local E-utilities stand-in, shared by the
PubMed and citation-chasing tests (import them into a test module or conftest)."""

from __future__ import annotations

import pytest

from review.pubmed.eutils import RateLimiter


@pytest.fixture
def fast_rate(monkeypatch):
    """The CLI's shared limiter, made fast for the local server (its logic is tested elsewhere)."""
    monkeypatch.setattr("review.pubmed.eutils.shared_limiter", lambda rate: RateLimiter(1000))


@pytest.fixture
def eutils_env(monkeypatch, server, fast_rate):
    """REVIEW_EUTILS_URL pointing at the test's ``server``, an email set, no API key."""
    monkeypatch.setenv("REVIEW_EUTILS_URL", server.url)
    monkeypatch.setenv("NCBI_EMAIL", "student@example.org")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    return server
