"""A store with a few records and reviewers for the screening tests."""

from __future__ import annotations

import pytest
from screening_helpers import make_records

from review.screening import add_reviewer


@pytest.fixture
def screening_store(store_engine):
    """(engine, record ids, tokens) with alice, bob (reviewers) and carol (lead)."""
    ids = make_records(store_engine, 12)
    tokens = {
        "alice": add_reviewer(store_engine, "alice"),
        "bob": add_reviewer(store_engine, "bob"),
        "carol": add_reviewer(store_engine, "carol", role="lead"),
    }
    return store_engine, ids, tokens
