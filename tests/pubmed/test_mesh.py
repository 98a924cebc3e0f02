"""MeSH suggestions (review.strategy.mesh) against the local stand-in answering db=mesh like NCBI."""

from __future__ import annotations

import json

import requests

from review.pubmed.cache import ResponseCache
from review.strategy.edit import add_term, new_draft
from review.strategy.mesh import emtree_hint, entry_terms_as_text, heading_term, suggest


def test_the_stand_in_answers_db_mesh_in_both_shapes(server):
    base = server.url.rstrip("/")
    found = requests.get(f"{base}/esearch.fcgi", params={"db": "mesh", "term": "mentor", "retmode": "json"}).json()
    assert found["esearchresult"]["idlist"][:2] == ["68008617", "68000074384"]
    summary = requests.get(f"{base}/esummary.fcgi", params={"db": "mesh", "id": "68008617", "retmode": "json"}).json()
    rec = summary["result"]["68008617"]
    assert rec["ds_meshui"] == "D008617" and rec["ds_meshterms"][0] == "Mentors"
    assert rec["ds_idxlinks"][0]["treenum"] == "M01.526.625"
    xml = requests.get(f"{base}/esummary.fcgi", params={"db": "mesh", "id": "68008617", "version": "2.0"}).text
    assert '<DocumentSummary uid="68008617"><DS_MeSHUI>D008617</DS_MeSHUI>' in xml


def test_suggestions_from_xml_and_json_agree(server, make_client):
    client = make_client(server)
    xml = suggest(client, "mentor")
    assert [h.name for h in xml] == ["Mentors", "Mentoring"]
    mentors = xml[0]
    assert mentors.ui == "D008617" and mentors.entry_terms == ("Mentor",)
    assert mentors.tree_numbers == ("M01.526.625",) and not mentors.explodes
    assert mentors.scope_note.startswith("Senior professionals who provide guidance")
    assert "psychology" in mentors.subheadings
    assert suggest(client, "mentor", retmode="json") == xml
    schools = suggest(client, "medical school")[0]
    assert schools.name == "Schools, Medical" and schools.explodes  # a tree position with a narrower heading
    assert suggest(client, "zzzz nothing") == []


def test_suggestions_are_cached_like_every_call(server, make_client, tmp_path):
    cache = ResponseCache(tmp_path / "cache")
    first = suggest(make_client(server, cache=cache), "preceptor")
    before = len(server.log)
    client = make_client(server, cache=cache)
    assert suggest(client, "preceptor") == first and len(server.log) == before and client.stats.cache_hits == 2


def test_a_suggestion_becomes_terms_of_the_strategy(server, make_client):
    (h,) = suggest(make_client(server), "preceptorship")
    draft = new_draft("title: t\nblocks:\n  - name: a\n    fields: [ti, ab]\n    terms:\n      - {mesh: Mentors}\n")
    draft = add_term(draft, "a", heading_term(h))
    for term in entry_terms_as_text(h):
        draft = add_term(draft, "a", term)
    assert "- {mesh: Preceptorship}" in draft.text
    assert "- {text: preceptorship}" in draft.text and "- {text: preceptorships}" in draft.text
    hint = emtree_hint(h)
    assert hint["emtree"] == "preceptorship" and hint["unverified"] is True
    assert json.dumps(hint)  # plain data for the page
