"""Escaping and highlighting of record text (no Streamlit)."""

from __future__ import annotations

import re

from review.records import Record
from review.strategy.highlight import terms_regex as term_regex
from screening_app.render import Highlighter, criteria_html, esc, md_escape, record_card_html


def marks(html_text: str, kind: str) -> list[str]:
    return re.findall(rf'<mark class="hl-{kind}"[^>]*>(.*?)</mark>', html_text)


def test_prefix_term_matches_word_starts_only():
    hl = Highlighter.of(["mentor*"], [])
    out = hl("Mentors, mentoring and mentorship; a tormentor is not one.")
    assert marks(out, "inc") == ["Mentors", "mentoring", "mentorship"]


def test_exact_term_needs_whole_word_and_phrase_spans_space_or_hyphen():
    hl = Highlighter.of(["medical student*", "balint"], [])
    out = hl("Medical-students met in Balint groups; Balintian is not a match. medical  student")
    assert marks(out, "inc") == ["Medical-students", "Balint", "medical  student"]


def test_include_and_exclude_terms_get_their_own_colours():
    hl = Highlighter.of(["mentor*"], ["residen*", "high school"])
    out = hl("Mentoring residents and high school pupils")
    assert marks(out, "inc") == ["Mentoring"]
    assert marks(out, "exc") == ["residents", "high school"]
    assert 'class="hl-inc" style="background:#fde68a' in out
    assert 'class="hl-exc" style="background:#fecaca' in out


def test_hostile_text_is_escaped_around_and_inside_marks():
    hl = Highlighter.of(["script"], [])
    out = hl('<script>alert("x")</script> & <b>bold</b>')
    assert "<script" not in out and "<b>" not in out
    assert "&lt;" in out and "&amp;" in out and "&quot;x&quot;" in out
    assert marks(out, "inc") == ["script", "script"]


def test_regex_metacharacters_in_terms_are_literal():
    found = re.compile(term_regex(["a+b (c)"]), re.I).findall("x a+b (c) y, aab c, a+b c, A+B  (C)")
    assert found == ["a+b (c)", "A+B  (C)"]
    hl = Highlighter.of(["c++ code", "x.y"], [])
    assert marks(hl("write c++ code, not xzy but x.y"), "inc") == ["c++ code", "x.y"]


def test_empty_and_too_short_terms_are_ignored():
    assert term_regex(["", "*", " a "]) is None
    assert Highlighter.of([], [])("<i>x</i>") == "&lt;i&gt;x&lt;/i&gt;"


def test_record_card_escapes_every_field():
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    rec = Record(
        title=hostile,
        abstract=hostile,
        authors=[hostile],
        journal=hostile,
        keywords=[hostile + " keyword"],
        subject_headings=[hostile],
        publication_types=[hostile],
        source_database=hostile,
        doi=hostile,
        pmid=hostile,
        year=2015,
    )
    out = record_card_html(rec, Highlighter.of(["alert"], ["img"]), record_id=7)
    assert "<script" not in out and "<img" not in out and "onerror=\"" not in out
    assert out.count("&lt;script&gt;") >= 9
    assert "record #7" in out


def test_headings_repeated_as_keywords_are_shown_once():
    """Ovid RIS puts MeSH/Emtree headings in KW: the card lists a term under headings only."""
    rec = Record(title="t", keywords=["Mentors/*psychology", "peer mentoring"],
                 subject_headings=["Mentors/*psychology"])
    out = record_card_html(rec, Highlighter.of([], []), record_id=1)
    assert out.count("Mentors/*psychology") == 1
    assert "Keywords" in out and "peer mentoring" in out


def test_criteria_panel_escapes_config_text():
    out = criteria_html(["<b>students</b>"], ["x < 3 months"], ["Other"], 2)
    assert "&lt;b&gt;students&lt;/b&gt;" in out and "x &lt; 3 months" in out
    assert "Criteria version 2" in out
    assert esc(None) == ""


def test_markdown_escape_keeps_quotes_readable_and_neutralises_markup():
    out = md_escape("What's <b>*new*</b> [x](javascript:y) $1")
    assert out == r"What's &lt;b&gt;\*new\*&lt;/b&gt; \[x\]\(javascript\:y\) \$1"


def test_pmid_and_doi_link_to_pubmed_and_doi_org_in_a_new_tab():
    out = record_card_html(Record(title="T", pmid="29768149", doi="10.1056/NEJMoa1715275"), Highlighter.of([], []))
    assert ('<a href="https://pubmed.ncbi.nlm.nih.gov/29768149/" target="_blank" '
            'rel="noopener noreferrer">PMID 29768149</a>') in out
    assert ('<a href="https://doi.org/10.1056/NEJMoa1715275" target="_blank" '
            'rel="noopener noreferrer">doi:10.1056/NEJMoa1715275</a>') in out


def test_a_hostile_doi_or_pmid_stays_text_inside_a_safe_link():
    doi = '10.1000/x"><script>alert(1)</script>#?a b'
    out = record_card_html(Record(title="T", pmid='1"><b>', doi=doi), Highlighter.of([], []))
    assert "<script" not in out and "<b>" not in out
    # the URL is percent-encoded (quote, <, #, ?, space), the text escaped
    assert 'href="https://doi.org/10.1000/x%22%3E%3Cscript%3Ealert(1)%3C/script%3E%23%3Fa%20b"' in out
    assert "doi:10.1000/x&quot;&gt;&lt;script&gt;" in out
    # not a PMID: shown as text, no link to PubMed
    assert "pubmed.ncbi" not in out and "PMID 1&quot;&gt;&lt;b&gt;" in out


def test_proximity_term_marks_its_words_only_where_they_stand_close():
    hl = Highlighter.of(["balint adj3 group*"], [])
    out = hl("Small group teaching in the first year. A Balint group met; later, each small group wrote.")
    assert marks(out, "inc") == ["Balint", "group"]
    card = record_card_html(
        Record(title="Group work", abstract="Balint groups for students", keywords=["Balint", "Group processes"]),
        hl,
    )
    # the title's "Group" and the keywords (separate fields) stay unmarked
    assert marks(card, "inc") == ["Balint", "groups"]


def test_bidi_controls_cannot_reorder_record_text():
    from review.records import Record
    from screening_app.render import Highlighter, record_card_html, short_label

    rlo = "\u202e"
    record = Record(title=f"Safe mentoring {rlo}lacidem gnilatnem", abstract=f"Results{rlo} 0.5 > 0.05",
                    authors=[f"Eve{rlo}"], journal=f"J{rlo}")
    html_out = record_card_html(record, Highlighter.of(["mentoring"], []), record_id=7)
    assert rlo not in html_out and "\u2066" not in html_out
    assert "[U+202E]lacidem" in html_out
    assert "<bdi>Safe <mark" in html_out  # the title is its own isolate
    assert "unicode-bidi:isolate" in html_out
    assert rlo not in short_label(record, 7)
