"""review.chase.follow on its own: batches of 100 seeds with one id= each, directions."""

from __future__ import annotations

import pytest

from review.chase import ELINK_BATCH, Seed, directions_of
from review.chase.follow import follow_links, lookup_dois


def test_seeds_go_in_batches_of_100_with_one_id_each(client, server, corpus):
    real = sorted(corpus.real)
    corpus.add_links("pubmed_pubmed_citedin", real[0], [real[1]])
    seeds = [Seed(record_id=i + 1, pmid=str(real[0] if i == 149 else 30_000_000 + i)) for i in range(150)]
    links, warnings = follow_links(client, seeds, "forward")
    requests = server.requests_to("elink")
    assert ELINK_BATCH == 100 and [len(r["ids"]) for r in requests] == [100, 50]
    assert [(l.seed_record_id, l.direction, l.pmid) for l in links] == [(150, "forward", str(real[1]))]
    assert warnings == [] and all(s.status == "chased" for s in seeds)


def test_doi_lookup_uses_only_a_single_answer(client, corpus):
    from test_chase import corpus_record

    doi = next(corpus_record(corpus, p).doi for p in sorted(corpus.real) if corpus_record(corpus, p).doi)
    seeds = [Seed(1, doi=doi), Seed(2, doi="10.9999/not-in-pubmed"), Seed(3)]
    lookup_dois(client, seeds)
    assert seeds[0].pmid and seeds[0].pmid_from_doi and seeds[0].status == "chased"
    assert seeds[1].status == "not chased: DOI not found in PubMed" and not seeds[1].pmid
    assert seeds[2].status == "not chased: no PMID or DOI"


def test_directions():
    assert directions_of("both") == ("backward", "forward")
    assert directions_of("backward") == ("backward",)
    with pytest.raises(ValueError):
        directions_of("sideways")
