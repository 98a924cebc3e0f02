"""elink through the client against the stand-in: one LinkSet per id= parameter, comma-joined
ids merged into one, records without links, neighbor_history, faults; and real elink bodies."""

from __future__ import annotations

from pathlib import Path

from review.pubmed.eutils import parse_elink

DATA = Path(__file__).resolve().parent.parent / "data" / "pubmed"


def _graph(corpus):
    real = sorted(corpus.real)
    corpus.add_links("pubmed_pubmed_refs", real[0], [real[5], real[6]])
    corpus.add_links("pubmed_pubmed_refs", real[1], [real[6], real[7]])
    return real


def test_one_linkset_per_id_parameter(server, small_corpus, make_client):
    real = _graph(small_corpus)
    client = make_client(server, rate=1000)
    sets = client.elink([str(real[0]), str(real[1]), str(real[2])], "pubmed_pubmed_refs")
    assert [s.ids for s in sets] == [[str(real[0])], [str(real[1])], [str(real[2])]]
    assert set(sets[0].links) == {str(real[5]), str(real[6])}
    assert set(sets[1].links) == {str(real[6]), str(real[7])}
    assert sets[2].links == []  # a record without references: a LinkSet without LinkSetDb
    (request,) = server.requests_to("elink")
    assert request["ids"] == [str(real[0]), str(real[1]), str(real[2])]


def test_comma_joined_ids_come_back_merged(server, small_corpus, make_client):
    real = _graph(small_corpus)
    client = make_client(server, rate=1000)
    (merged,) = client.elink([str(real[0]), str(real[1])], "pubmed_pubmed_refs", separate=False)
    assert merged.ids == [str(real[0]), str(real[1])]
    assert set(merged.links) == {str(real[5]), str(real[6]), str(real[7])}


def test_neighbor_history_gives_a_webenv_efetch_reads(server, small_corpus, make_client):
    real = _graph(small_corpus)
    client = make_client(server, rate=1000)
    (linkset,) = client.elink([str(real[1])], "pubmed_pubmed_refs", cmd="neighbor_history")
    assert linkset.links == [] and linkset.webenv and linkset.query_key == "1"
    body = client.call("efetch", {"db": "pubmed", "WebEnv": linkset.webenv,
                                  "query_key": linkset.query_key, "retmode": "xml", "retmax": 10})
    assert f"<PMID Version=\"1\">{real[6]}</PMID>".encode() in body
    assert f"<PMID Version=\"1\">{real[7]}</PMID>".encode() in body


def test_elink_survives_faults(server, small_corpus, make_client):
    real = _graph(small_corpus)
    for kind in ("429", "503", "truncated", "html", "error", "cut"):
        server.add_fault(kind, "elink")
    client = make_client(server, rate=1000)
    (linkset,) = client.elink([str(real[0])], "pubmed_pubmed_refs")
    assert set(linkset.links) == {str(real[5]), str(real[6])}
    assert client.stats.retries == 6


def test_real_elink_bodies():
    (merged,) = parse_elink((DATA / "elink-joined.xml").read_bytes(), "pubmed_pubmed")
    assert merged.ids == ["11812492", "11774222"] and merged.links[:2] == ["24356117", "24304891"]
    assert len(merged.links) == len(set(merged.links)) > 100
    (check,) = parse_elink((DATA / "elink-idcheck.xml").read_bytes(), "pubmed_pubmed_refs")
    assert check.links == [] and check.ids == []  # ncheck answers have no IdList
    # another link name in the same answer is not taken for this one
    (other,) = parse_elink((DATA / "elink-joined.xml").read_bytes(), "pubmed_pubmed_citedin")
    assert other.links == []
