"""`review chase` against the local E-utilities stand-in: seeds from the included studies,
links kept per seed, new records stored once with their provenance, records already held
linked not stored, reruns storing nothing, faults, a kill midway, rounds, and PRISMA."""

from __future__ import annotations

import sys

import pytest
import sqlalchemy as sa

from review import store
from review.chase import (
    ChaseIncompleteError, Seed, follow, plan_chase, run_chase, select_seeds, store_chase,
)
from review.cli import main
from review.formats.pubmed_xml import records_from_xml
from review.records import Record
from review.screening import Criteria, add_reviewer, cast_vote, mark_not_retrieved
from review.store.schema import chase_links

CRITERIA = Criteria(version=1, include=["x"], exclusion_reasons=["Wrong population", "Wrong design"])
REFS, CITED = "pubmed_pubmed_refs", "pubmed_pubmed_citedin"


def corpus_record(corpus, pmid) -> Record:
    xml = b"<PubmedArticleSet>" + corpus.records[pmid].xml + b"</PubmedArticleSet>"
    (rec,) = records_from_xml(xml)
    return rec


@pytest.fixture
def graph(corpus):
    """Real PMIDs by role; the citation graph the stand-in answers from.

    seeds: s0, s1 (with PMIDs), s2 (DOI only), s3 (neither); held (not seeds): h0 (same
    PMID), h1 (same DOI, no PMID in the store); new: n0..n3 (not held); gone: a PMID efetch
    never returns (only used by the missing test).
    """
    with_doi = [p for p in sorted(corpus.real) if corpus_record(corpus, p).doi]
    s0, s1, s2, h0, h1, n0, n1, n2, n3 = with_doi[:9]
    corpus.add_links(REFS, s0, [n0, n1, h0])
    corpus.add_links(REFS, s1, [n1, h1])
    corpus.add_links(REFS, s2, [n2])
    corpus.add_links(CITED, s0, [n3])
    corpus.add_links(CITED, s2, [s0])
    return dict(s0=s0, s1=s1, s2=s2, h0=h0, h1=h1, n0=n0, n1=n1, n2=n2, n3=n3)


def _vote(engine, rid, stage, decision, reason=""):
    for who in ("alice", "bob"):
        cast_vote(engine, who, rid, stage, decision, reason=reason, criteria=CRITERIA)


@pytest.fixture
def held(corpus, graph):
    """Records the project holds: the seeds (included at full text) and h0, h1."""
    def make(engine):
        recs = []
        for role in ("s0", "s1", "s2", "h0", "h1"):
            rec = corpus_record(corpus, graph[role])
            if role in ("s2", "h1"):
                rec.pmid = ""  # found in a database export without PMID
            recs.append(rec)
        recs.append(Record(title="A report with neither PMID nor DOI", year=2012))
        with engine.begin() as conn:
            imp = store.add_import(conn, kind="file", database="Embase", interface="Ovid")
            store.add_records(conn, imp, recs)
            ids = [int(i) for i in conn.execute(sa.text(
                "select id from records where import_id = :i order by position"), {"i": imp}).scalars()]
        for who in ("alice", "bob"):
            add_reviewer(engine, who)
        roles = dict(zip(("s0", "s1", "s2", "h0", "h1", "s3"), ids))
        for role in ("s0", "s1", "s2", "s3"):
            _vote(engine, roles[role], "title_abstract", "include")
            _vote(engine, roles[role], "full_text", "include")
        for role in ("h0", "h1"):
            _vote(engine, roles[role], "title_abstract", "exclude")
        return roles
    return make


def _links(engine):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(chase_links).order_by(chase_links.c.id)).mappings()]


def test_chase_stores_new_records_once_and_keeps_every_link(store_engine, client, graph, held, server):
    ids = held(store_engine)
    todo, skipped, round_number = plan_chase(store_engine, "full_text", ("backward", "forward"))
    assert [s.record_id for s in todo] == [ids[r] for r in ("s0", "s1", "s2", "s3")] and round_number == 1
    run, summary = run_chase(store_engine, client, todo, ("backward", "forward"), round_number=1,
                             seed_selection="full_text")
    status = {s.record_id: s.status for s in run.seeds}
    assert status[ids["s3"]] == "not chased: no PMID or DOI"
    assert status[ids["s2"]] == "chased" and run.seeds[2].pmid == str(graph["s2"]) and run.seeds[2].pmid_from_doi
    # one id= per seed, the three chased seeds in one request per direction
    elinks = server.requests_to("elink")
    assert len(elinks) == 2 and all(len(e["ids"]) == 3 for e in elinks)
    # only the linked PMIDs not held were fetched
    (efetch,) = server.requests_to("efetch")
    fetched = set(efetch["params"]["id"].split(","))
    assert fetched == {str(graph[r]) for r in ("n0", "n1", "n2", "n3", "h1")}  # h1 is held by DOI only

    with store_engine.connect() as conn:
        (row,) = [r for r in store.list_imports(conn) if r["kind"] == "chase"]
        stored = {rec.pmid for _, rec in store.iter_records(conn, import_id=row["id"])}
    assert row["database"] == "Citation searching" and row["interface"] == "PubMed (E-utilities elink)"
    assert row["other_source"] == "citation-searching" and row["searched_on"]
    assert stored == {str(graph[r]) for r in ("n0", "n1", "n2", "n3")}  # n1 linked twice, stored once
    assert summary.records_stored == 4 == row["records_read"]
    report = row["report"]
    assert report["round"] == 1 and report["directions"] == ["backward", "forward"]
    per_seed = {s["record_id"]: s["counts"] for s in report["seeds"]}
    assert per_seed[ids["s0"]]["backward"] == {"found": 3, "already_held": 1, "new": 2, "linked_before": 0, "missing": 0}
    assert per_seed[ids["s1"]]["backward"]["already_held"] == 1  # h1, the same DOI
    assert per_seed[ids["s2"]]["forward"] == {"found": 1, "already_held": 1, "new": 0, "linked_before": 0, "missing": 0}

    links = _links(store_engine)
    assert len(links) == 8 == summary.links_stored
    held_links = {(l["seed_record_id"], l["direction"], l["record_id"]) for l in links if l["held"]}
    assert held_links == {(ids["s0"], "backward", ids["h0"]), (ids["s1"], "backward", ids["h1"]),
                          (ids["s2"], "forward", ids["s0"])}
    with store_engine.connect() as conn:
        pmid_of = dict(conn.execute(sa.text("select id, pmid from records")).all())
    new = [l for l in links if not l["held"]]
    assert all(pmid_of[l["record_id"]] == l["linked_pmid"] and l["round"] == 1 for l in new)
    n1 = [l for l in new if l["linked_pmid"] == str(graph["n1"])]
    assert {l["seed_record_id"] for l in n1} == {ids["s0"], ids["s1"]} and len({l["record_id"] for l in n1}) == 1


def test_rerun_on_the_same_seeds_stores_nothing(store_engine, client, graph, held, server):
    ids = held(store_engine)
    todo, _, _ = plan_chase(store_engine, "full_text", ("backward", "forward"))
    run_chase(store_engine, client, todo, ("backward", "forward"), round_number=1)
    before = (_links(store_engine), server.log[:])
    # the default seeds: all chased already, nothing to ask
    todo2, skipped, round_number = plan_chase(store_engine, "full_text", ("backward", "forward"))
    assert todo2 == [] and len(skipped) == 4  # s3, listed as not chased, is not asked again
    # chosen seeds again: asked, but every link is known and every record held
    seeds = plan_chase(store_engine, [ids["s0"], ids["s1"]], ("backward",))[0]
    _, summary = run_chase(store_engine, client, seeds, ("backward",), round_number=1)
    assert summary.import_id is None and summary.records_stored == 0 and summary.links_known == 5
    assert _links(store_engine) == before[0]
    with store_engine.connect() as conn:
        assert sum(1 for r in store.list_imports(conn) if r["kind"] == "chase") == 1


def test_missing_linked_records_refuse_the_run_unless_allowed(store_engine, client, graph, held, server):
    held(store_engine)
    server.withheld.add(graph["n2"])
    seeds, _, _ = plan_chase(store_engine, "full_text", ("backward",))
    with pytest.raises(ChaseIncompleteError) as info:
        run_chase(store_engine, client, seeds, ("backward",), round_number=1)
    assert str(graph["n2"]) in str(info.value)
    assert _links(store_engine) == []
    run, summary = run_chase(store_engine, client, seeds, ("backward",), round_number=1, allow_missing=True)
    assert run.missing == [str(graph["n2"])] and summary.records_stored == 2
    assert str(graph["n2"]) not in {l["linked_pmid"] for l in _links(store_engine)}
    # once PubMed returns it, a rerun stores the missing record and its link only
    server.withheld.clear()
    _, again = run_chase(store_engine, client, seeds, ("backward",), round_number=1)
    assert again.records_stored == 1 and again.links_stored == 1


def test_a_seed_elink_does_not_answer_is_listed(store_engine, client, graph, held, monkeypatch):
    held(store_engine)
    real_elink = client.elink

    def dropping(ids, linkname, **kw):
        return [s for s in real_elink(ids, linkname, **kw) if s.ids != [str(graph["s1"])]]

    monkeypatch.setattr(client, "elink", dropping)
    seeds = select_seeds_of(store_engine)
    run = follow(client, seeds, ("backward",), [])
    (s1,) = [s for s in run.seeds if s.pmid == str(graph["s1"])]
    assert s1.status == "not chased: elink gave no answer for it"
    assert any(str(graph["s1"]) in w for w in run.warnings)


def select_seeds_of(engine):
    with engine.connect() as conn:
        return select_seeds(conn, "full_text")


def test_withdrawn_chase_counts_nowhere_and_can_be_run_again(store_engine, client, graph, held):
    from review.imports import withdraw_import

    held(store_engine)
    seeds, _, _ = plan_chase(store_engine, "full_text", ("backward",))
    _, first = run_chase(store_engine, client, seeds, ("backward",), round_number=1)
    withdraw_import(store_engine, first.import_id, reason="wrong seeds", by="carol")
    seeds, _, round_number = plan_chase(store_engine, "full_text", ("backward",))
    assert len(seeds) == 4 and round_number == 1
    _, second = run_chase(store_engine, client, seeds, ("backward",), round_number=1)
    assert second.records_stored == first.records_stored and second.links_stored == first.links_stored


def test_new_round_chases_only_records_included_since(store_engine, client, graph, held):
    ids = held(store_engine)
    seeds, _, _ = plan_chase(store_engine, "full_text", ("backward", "forward"))
    run_chase(store_engine, client, seeds, ("backward", "forward"), round_number=1)
    with store_engine.connect() as conn:
        n0 = conn.execute(sa.text("select id from records where pmid = :p"), {"p": str(graph["n0"])}).scalar()
    _vote(store_engine, n0, "title_abstract", "include")
    _vote(store_engine, n0, "full_text", "include")
    todo, skipped, round_number = plan_chase(store_engine, "full_text", ("backward", "forward"))
    assert [s.record_id for s in todo] == [n0] and round_number == 2
    assert {s.record_id for s in skipped} == {ids["s0"], ids["s1"], ids["s2"], ids["s3"]}


def test_prisma_other_methods_column_counts_chased_records(store_engine, client, graph, held):
    from review.reporting.prisma import arithmetic_problems, prisma_counts

    held(store_engine)
    seeds, _, _ = plan_chase(store_engine, "full_text", ("backward", "forward"))
    run_chase(store_engine, client, seeds, ("backward", "forward"), round_number=1)
    with store_engine.connect() as conn:
        rid = dict((p, int(i)) for i, p in conn.execute(sa.text("select id, pmid from records where pmid != ''")).all())
    n0, n1, n2, n3 = (rid[str(graph[r])] for r in ("n0", "n1", "n2", "n3"))
    _vote(store_engine, n0, "title_abstract", "exclude")
    for r in (n1, n2, n3):
        _vote(store_engine, r, "title_abstract", "include")
    mark_not_retrieved(store_engine, n1, "paywalled, author did not answer", by="alice")
    _vote(store_engine, n2, "full_text", "exclude", reason="Wrong design")
    _vote(store_engine, n3, "full_text", "include")
    with store_engine.connect() as conn:
        c = prisma_counts(conn)
    assert c.other_specific_results == {"citation-searching": 4} and c.citations_results == 4
    assert c.other_removed == 0 and c.other_screened_excluded == 1
    assert (c.other_sought_reports, c.other_notretrieved_reports, c.other_assessed) == (3, 1, 2)
    assert c.other_excluded == {"Wrong design": 1} and c.other_included == 1
    assert c.database_specific_results == {"Embase": 6} and c.dbr_included == 4
    assert c.new_reports == 5 and arithmetic_problems(c) == []


def test_found_by_says_in_words_how_citation_searching_reached_a_record(store_engine, client, graph, held, server):
    """The record card's provenance line: which seed, which direction, which round; a record
    found from two seeds has a line for each; a record no chase reached has none."""
    from review.chase import found_by

    ids = held(store_engine)
    todo, _, round_number = plan_chase(store_engine, "full_text", ("backward", "forward"))
    run_chase(store_engine, client, todo, ("backward", "forward"), round_number=round_number,
              seed_selection="full_text")
    with store_engine.connect() as conn:
        rid = dict(conn.execute(sa.text("select pmid, id from records")).all())
        n1 = found_by(conn, rid[str(graph["n1"])])
        n3 = found_by(conn, rid[str(graph["n3"])])
        h0 = found_by(conn, ids["h0"])
        s1 = found_by(conn, ids["s1"])
    assert n1 == [f"Citation searching, round 1: cited by record #{ids['s0']} (PMID {graph['s0']})",
                  f"Citation searching, round 1: cited by record #{ids['s1']} (PMID {graph['s1']})"]
    assert n3 == [f"Citation searching, round 1: cites record #{ids['s0']} (PMID {graph['s0']})"]
    assert h0 == [f"Citation searching, round 1: cited by record #{ids['s0']} (PMID {graph['s0']})"
                  " (already held from another source)"]
    assert s1 == []
