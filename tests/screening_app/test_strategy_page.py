"""The lead's Strategy page: every block action, refusals beside the term, undo, save as a version,
every database's version side by side."""

from __future__ import annotations

import pytest
from test_app import page_text, sign_in

from review.store import open_store
from review.strategy import load_strategy, render
from review.strategy.versions import list_versions


def open_page(token):
    at = sign_in(token)
    at.switch_page("views/strategy.py").run()
    assert not at.exception, at.exception
    return at


def widget(at, kind: str, prefix: str, suffix: str = ""):
    """The widget whose key starts with ``prefix`` and ends with ``suffix`` (form widgets carry
    the draft's generation in their key)."""
    found = [w for w in getattr(at, kind) if w.key and w.key.startswith(prefix) and w.key.endswith(suffix)]
    assert len(found) == 1, [w.key for w in getattr(at, kind)]
    return found[0]


def draft_text(at) -> str:
    return at.session_state["sb-draft"].text


def add_term(at, block: str, kind: str, value: str, fields: str = "", adj: int | None = None):
    widget(at, "selectbox", f"sb-new-{block}-g").set_value(kind)
    at.run()
    widget(at, "text_input", f"sb-new-{block}-g", "-value").input(value)
    if adj is not None:
        widget(at, "number_input", f"sb-new-{block}-g").set_value(adj)
    if fields:
        widget(at, "text_input", f"sb-new-{block}-g", "-fields").input(fields)
    at.button(key=f"sb-add-{block}").click().run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def strategy_path(app_project):
    return app_project.path(app_project.config["strategy"])


def test_only_the_lead_builds_the_strategy(app_project):
    at = sign_in(app_project.tokens["alice"])
    with pytest.raises(ValueError):
        at.switch_page("views/strategy.py")


def test_blocks_and_terms_are_shown(app_project):
    at = open_page(app_project.tokens["carol"])
    text = page_text(at)
    assert "1. Mentoring" in text and "2. Medical schools" in text and "3. Medical students" in text
    assert 'subject heading "Mentors" (MeSH, with narrower headings)' in text


def test_add_a_term_then_undo(app_project, strategy_path):
    at = open_page(app_project.tokens["carol"])
    before = draft_text(at)
    add_term(at, "mentoring", "text", "preceptor*")
    assert "- {text: preceptor*}" in draft_text(at)
    assert '"preceptor*" in title or abstract' in page_text(at)
    assert strategy_path.read_text(encoding="utf-8") == before  # nothing written before Save
    at.button(key="sb-undo").click().run()
    assert draft_text(at) == before


def test_a_refused_term_is_shown_beside_it_in_the_loaders_words(app_project):
    at = open_page(app_project.tokens["carol"])
    before = draft_text(at)
    add_term(at, "mentoring", "near", "mentor*", adj=3)
    assert [e.value for e in at.error] == [
        "near: takes a list of two or more words (a word may be a list of alternatives)"]
    assert draft_text(at) == before
    add_term(at, "setting", "text", "medical school*")  # the block has no default fields
    assert any("free text needs fields" in e.value for e in at.error)
    add_term(at, "setting", "text", "medical school*", fields="ti, xx")
    assert any("unknown field code 'xx'" in e.value for e in at.error)
    assert draft_text(at) == before


def test_edit_move_and_remove_a_term(app_project):
    at = open_page(app_project.tokens["carol"])
    widget(at, "checkbox", "sb-edit-mentoring-0-g", "-explode").uncheck()  # the explode box of "exp Mentors/"
    at.button(key="sb-apply-mentoring-0").click().run()
    assert "- {mesh: Mentors}\n" in draft_text(at)
    at.selectbox(key="sb-to-mentoring-11").set_value("population")
    at.button(key="sb-move-mentoring-11").click().run()
    assert "- {text: mentorship, fields: [ti, ab, kw]}" in draft_text(at).split("name: population")[1]
    at.button(key="sb-down-setting-0").click().run()
    s = load_strategy_text(draft_text(at))
    assert s.block("setting").entries[1].expr.name == "Schools, Medical"
    at.button(key="sb-remove-setting-1").click().run()
    assert "Schools, Medical\", explode" not in draft_text(at).split("name: population")[0].split("name: setting")[1]
    for _ in range(4):
        at.button(key="sb-undo").click().run()
    assert not at.session_state["sb-draft"].can_undo


def load_strategy_text(text):
    from review.strategy.load import strategy_from_yaml

    return strategy_from_yaml(text)


def test_add_and_remove_a_block_and_the_combination(app_project):
    at = open_page(app_project.tokens["carol"])
    at.text_input(key="sb-nb-name").input("outcome")
    at.text_input(key="sb-nb-label").input("Careers")
    widget(at, "text_input", "sb-nb-term-g", "-value").input("career*")
    at.button(key="sb-nb-add").click().run()
    assert "combine: mentoring AND setting AND population AND outcome" in draft_text(at)
    assert "4. Careers" in page_text(at)
    assert at.text_input(key="sb-combine").value == "mentoring AND setting AND population AND outcome"
    at.button(key="sb-bremove-setting").click().run()
    assert "combine: mentoring AND population AND outcome" in draft_text(at)
    assert at.text_input(key="sb-combine").value == "mentoring AND population AND outcome"
    at.text_input(key="sb-combine").input("mentoring AND nothing")
    at.button(key="sb-combine-apply").click().run()
    assert any("combine: no block named 'nothing'" in e.value for e in at.error)


def test_save_writes_the_file_with_its_comments_and_stores_a_version(app_project, strategy_path):
    at = open_page(app_project.tokens["carol"])
    original = strategy_path.read_text(encoding="utf-8")
    add_term(at, "mentoring", "mesh", "Preceptorship")
    at.text_input(key="sb-note").input("preceptors are mentors too")
    at.button(key="sb-save").click().run()
    assert "Saved as version 1." in page_text(at)
    saved = strategy_path.read_text(encoding="utf-8")
    assert [ln for ln in saved.splitlines() if ln not in original.splitlines()] == ["      - {mesh: Preceptorship}"]
    engine = open_store(app_project.database_url)
    with engine.connect() as conn:
        (v,) = list_versions(conn, "queries/mentoring-medical-students.yaml")
    engine.dispose()
    assert (v.author, v.note, v.text) == ("carol", "preceptors are mentors too", saved)
    assert "version 1 (" in page_text(at) and "First saved version." in page_text(at)


def test_every_database_side_by_side_with_warnings(app_project, strategy_path):
    at = open_page(app_project.tokens["carol"])
    codes = [c.value for c in at.code]
    s = load_strategy(strategy_path)
    for db in s.databases:
        assert render(s, db).text.rstrip("\n") in [c.rstrip("\n") for c in codes]
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("1 (Mentoring): broader: 'mentor* adj3 program*'") for w in warnings)


def test_each_warning_is_drawn_right_under_the_line_it_concerns(app_project, strategy_path):
    from streamlit.testing.v1.element_tree import Code, Warning

    at = open_page(app_project.tokens["carol"])
    shown = [(type(e).__name__, e.value) for e in at.main if isinstance(e, (Code, Warning))]
    s = load_strategy(strategy_path)
    for db, label, text in (("ovid-psycinfo", "4", "different: field .kw. does not exist in Ovid APA PsycInfo"),
                            ("ovid-embase", "18", "narrower: block 'population': no Emtree heading given")):
        line = next(ln for ln in render(s, db).lines if ln.number == int(label))
        (k,) = [i for i, (kind, v) in enumerate(shown) if kind == "Warning" and v.startswith(f"{label} (") and text in v]
        kind, code = shown[k - 1]  # the code chunk just above the warning ends with the line it concerns
        assert kind == "Code" and code.splitlines()[-1] == f"{label} {line.query}", (db, code)


def test_import_a_pasted_ovid_strategy_and_undo(app_project):
    from pathlib import Path

    at = open_page(app_project.tokens["carol"])
    before = draft_text(at)
    pasted = (Path(__file__).resolve().parents[2] / "data" / "walkthrough" / "medline-strategy.txt").read_text()
    at.text_area(key="sb-import-text").input(pasted)
    at.button(key="sb-import").click().run()
    assert not at.exception, at.exception
    assert "Imported: 3 concept blocks" in page_text(at)
    imported = load_strategy_text(draft_text(at))
    assert render(imported, "ovid-medline").text.splitlines() == [ln.split(" ", 1)[0] + " " + ln.split(" ", 1)[1]
                                                                   for ln in pasted.strip().splitlines()]
    at.button(key="sb-undo").click().run()
    assert draft_text(at) == before


def test_a_pasted_syntax_error_points_at_line_and_column(app_project):
    at = open_page(app_project.tokens["carol"])
    before = draft_text(at)
    at.text_area(key="sb-import-text").input("1 exp Mentors/\n2 (mentor* adj3 program*.ti,ab.\n3 1 or 2")
    at.button(key="sb-import").click().run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Line 2, column ")
    assert draft_text(at) == before


@pytest.fixture
def mesh_server(monkeypatch):
    """The local E-utilities stand-in (it answers db=mesh like NCBI); nothing reaches the internet."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pubmed"))
    from eutils_server import EutilsServer, build_corpus

    server = EutilsServer(build_corpus(0)).start()
    monkeypatch.setenv("REVIEW_EUTILS_URL", server.url)
    monkeypatch.setenv("NCBI_EMAIL", "student@example.org")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    yield server
    server.stop()


def test_mesh_suggestions_added_as_heading_entry_terms_and_emtree(app_project, mesh_server):
    at = open_page(app_project.tokens["carol"])
    at.text_input(key="sb-mesh-word").input("preceptor")
    at.selectbox(key="sb-mesh-block").set_value("mentoring")
    at.button(key="sb-mesh-find").click().run()
    assert not at.exception, at.exception
    text = page_text(at)
    assert "**Preceptorship** (D011290) · tree I02.358.399.700 · no narrower headings" in text
    assert "Entry terms: Preceptorships" in text and "Practical experience in medical" in text
    at.button(key="sb-mesh-add-0").click().run()
    assert "- {mesh: Preceptorship}" in draft_text(at).split("name: setting")[0]
    at.button(key="sb-mesh-entry-0").click().run()
    mentoring = draft_text(at).split("name: setting")[0]
    assert "- {text: preceptorship}" in mentoring and "- {text: preceptorships}" in mentoring
    at.button(key="sb-mesh-emtree-0").click().run()
    assert "- {emtree: preceptorship}" in draft_text(at)
    at.button(key="sb-undo").click().run()
    at.button(key="sb-undo").click().run()  # the entry terms were one change
    assert "{text: preceptorships}" not in draft_text(at) and "{mesh: Preceptorship}" in draft_text(at)


def test_mesh_without_an_email_says_how_to_set_one(app_project, monkeypatch):
    monkeypatch.delenv("NCBI_EMAIL", raising=False)
    at = open_page(app_project.tokens["carol"])
    at.text_input(key="sb-mesh-word").input("mentor")
    at.button(key="sb-mesh-find").click().run()
    assert any("MeSH could not be searched" in e.value and "NCBI_EMAIL" in e.value for e in at.error)


def test_counts_beside_terms_blocks_and_the_combination(app_project, mesh_server):
    from review.strategy.load import strategy_from_yaml
    from review.strategy.render import search_lines

    at = open_page(app_project.tokens["carol"])
    mesh_server.corpus.add_query("zzzqqq[tiab]", [])  # PubMed finds nothing for it
    add_term(at, "mentoring", "text", "zzzqqq")
    at.button(key="sb-count").click().run()
    assert not at.exception, at.exception
    s = strategy_from_yaml(draft_text(at))
    lines = search_lines(s, "pubmed")
    counts = {q: mesh_server.corpus.resolve(q) for q in [ln.query for ln in lines]}
    captions = [c.value for c in at.caption]
    assert f"PubMed: {len(counts[lines[0].query]):,}" in captions  # the Mentoring block's line
    assert any(c.startswith("Combined: Mentoring AND Medical schools AND Medical students: PubMed ") for c in captions)
    warnings = [w.value for w in at.warning]
    assert "PhraseNotFound: zzzqqq[tiab]" in warnings
    asked = len(mesh_server.log)
    at.button(key="sb-count").click().run()  # the same lines on the same day: from the cache
    assert len(mesh_server.log) == asked


def test_rename_a_block_and_change_its_fields(app_project):
    at = open_page(app_project.tokens["carol"])
    widget(at, "text_input", "sb-bname-mentoring-").input("mentor")
    widget(at, "text_input", "sb-bfields-mentoring-").input("ti, ab, kw")
    at.button(key="sb-bapply-mentoring").click().run()
    assert "combine: mentor AND setting AND population" in draft_text(at)
    # the combination field shows the new name (it kept the old one before)
    assert at.text_input(key="sb-combine").value == "mentor AND setting AND population"
    s = load_strategy_text(draft_text(at))
    assert s.block("mentor").entries[9].expr.fields == ("ti", "ab", "kw")
    widget(at, "text_input", "sb-bname-mentor-").input("9bad")
    at.button(key="sb-bapply-mentor").click().run()
    assert any("a block needs a name" in e.value for e in at.error)


def test_move_blocks_and_apply_limits(app_project):
    at = open_page(app_project.tokens["carol"])
    at.button(key="sb-bdown-mentoring").click().run()
    assert [b.name for b in load_strategy_text(draft_text(at)).blocks] == ["setting", "mentoring", "population"]
    at.button(key="sb-bup-population").click().run()
    assert [b.name for b in load_strategy_text(draft_text(at)).blocks] == ["setting", "population", "mentoring"]
    at.text_input(key="sb-years").input("2010-current")
    at.text_input(key="sb-langs").input("english, norwegian")
    at.button(key="sb-limits-apply").click().run()
    limits = load_strategy_text(draft_text(at)).limits
    assert [(i.kind, i.value) for i in limits] == [("language", "english"), ("language", "norwegian"),
                                                   ("humans", ""), ("years", "2010-current")]
    at.text_input(key="sb-years").input("2018-2010")
    at.button(key="sb-limits-apply").click().run()
    assert any("ends before it starts" in e.value for e in at.error)
    assert "years: 2010-current" in draft_text(at)


def test_publication_types_in_the_limits_form(app_project):
    at = open_page(app_project.tokens["carol"])
    assert at.text_input(key="sb-pubtypes").value == ""
    at.text_input(key="sb-pubtypes").input("Randomized Controlled Trial")
    at.button(key="sb-limits-apply").click().run()
    assert not at.exception, at.exception
    assert "publication_types: [Randomized Controlled Trial]" in draft_text(at)
    s = load_strategy_text(draft_text(at))
    assert ("pubtype", "Randomized Controlled Trial") in [(i.kind, i.value) for i in s.limits]
    assert render(s, "pubmed").lines[-1].query.endswith('AND "Randomized Controlled Trial"[pt]')
    assert render(s, "ovid-medline").lines[-1].query.endswith("and Randomized Controlled Trial)")
    codes = "\n".join(c.value for c in at.code)  # every database's version follows the new limit
    assert '"Randomized Controlled Trial"[pt]' in codes
    at.text_input(key="sb-pubtypes").input("")  # emptied: the limit goes
    at.button(key="sb-limits-apply").click().run()
    assert "publication_types" not in draft_text(at)
    assert [i.kind for i in load_strategy_text(draft_text(at)).limits] == ["language", "humans", "years"]


def test_a_file_edited_by_hand_meanwhile_is_not_overwritten(app_project, strategy_path):
    at = open_page(app_project.tokens["carol"])
    add_term(at, "mentoring", "text", "preceptor*")
    by_hand = strategy_path.read_text(encoding="utf-8").replace("2008-current", "2011-current")
    strategy_path.write_text(by_hand, encoding="utf-8")
    at.button(key="sb-save").click().run()
    assert any("the file was changed after this draft was opened" in e.value for e in at.error)
    assert strategy_path.read_text(encoding="utf-8") == by_hand
    at.button(key="sb-reload").click().run()
    assert "2011-current" in draft_text(at) and "preceptor*" not in draft_text(at)
