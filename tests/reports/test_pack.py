"""`review report pack`: the methods draft, the flow diagram, the charting table, the
PRISMA-ScR checklist and the search appendix in one Word document.

The project is `build` of test_project_end_to_end (3 sources included: records 1, 2 and 13);
what the pack holds is checked against what the single commands give, not typed here.
"""

from __future__ import annotations

import json
from datetime import date

import docx
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from review.extraction import form_from_config
from review.importing import import_file
from review.reporting.charting import chart_columns
from review.reporting.checklist import HEADERS as CHECKLIST_HEADERS
from review.reporting.diagram import png_bytes, render_svg
from review.reporting.pack import NO_CHARTING, NO_FIGURE, NO_SEARCH_LOG, NO_STRATEGY, Pack, write_pack
from review.reporting.prisma import check_arithmetic, prisma_counts
from review.store import add_import, open_store
from review.strategy import load_strategy, search_lines
from test_project_end_to_end import DATA, run


def body_items(document) -> list[tuple[str, object]]:
    """The document's paragraphs and tables in reading order: ("p", text) / ("picture", None) /
    ("table", python-docx Table)."""
    tables = {t._tbl: t for t in document.tables}
    items: list[tuple[str, object]] = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:tbl"):
            items.append(("table", tables[child]))
        elif child.tag == qn("w:p"):
            if child.findall(".//" + qn("w:drawing")):
                items.append(("picture", None))
            text = "".join(t.text or "" for t in child.iter(qn("w:t")))
            if text:
                items.append(("p", text))
    return items


def picture_blob(document) -> bytes:
    """The bytes of the document's one picture."""
    blip = document.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip
    return document.part.related_parts[blip.embed].blob


def index_of(items, predicate) -> int:
    for i, item in enumerate(items):
        if predicate(item):
            return i
    raise AssertionError("not in the document")


def make_pack(project, tmp_path, capsys, *extra) -> tuple[object, str]:
    out = tmp_path / "pack.docx"
    assert run(project, "report", "pack", "--out", str(out), *extra) == 0
    return docx.Document(out), capsys.readouterr().err


def test_the_pack_holds_every_part_in_order(built_project, tmp_path, capsys):
    for reviewer in ("alice", "bob"):
        assert run(built_project, "extract", "set", "2", "author", "Smithson", "--as", reviewer) == 0
    engine = open_store(built_project.database_url)
    with engine.begin() as conn:  # a PubMed run stored by review search (its records are not needed)
        add_import(conn, kind="search", database="PubMed", interface="PubMed (E-utilities)",
                   searched_on="2018-02-14", query='"Mentors"[mh] AND "Students, Medical"[mh]', total=146,
                   line_counts=[{"line": 1, "query": '"Mentors"[mh]', "count": 9000, "label": "mentoring"},
                                {"line": 2, "query": '"Mentors"[mh] AND "Students, Medical"[mh]', "count": 146}])
    engine.dispose()
    assert run(built_project, "report", "methods") == 0
    methods = capsys.readouterr().out
    first_paragraph = methods.split("\n\n")[1].replace("**", "")
    first_sentence = first_paragraph[: first_paragraph.index(".", len("Information sources and search.")) + 1]
    assert first_sentence.startswith("Information sources and search. We searched MEDLINE (PubMed) on 2018-01-31")
    document, err = make_pack(built_project, tmp_path, capsys)
    assert "wrote the report pack to" in err and "DRAFT" not in err
    items = body_items(document)

    title = items[0][1]
    assert title == "Mentoring programmes for medical students - a scoping review"
    assert items[1][1] == f"Made {date.today().isoformat()}; computed from the review store; check before use."
    at_methods = index_of(items, lambda i: i[0] == "p" and i[1].startswith(first_sentence))
    at_picture = index_of(items, lambda i: i[0] == "picture")
    assert items[at_picture + 1][1].startswith("Figure 1. PRISMA 2020 flow diagram")
    tables = [i for i, item in enumerate(items) if item[0] == "table"]
    at_chart, at_checklist = tables[0], tables[1]
    at_appendix = index_of(items, lambda i: i == ("p", "Appendix: search strategies"))
    query = search_lines(load_strategy(built_project.root / built_project.config["strategy"]), "pubmed")[-1].query
    at_query = index_of(items, lambda i: i[0] == "table" and any(query == c.text for c in i[1].columns[1].cells))
    assert at_methods < at_picture < at_chart < at_checklist < at_appendix < at_query

    # the figure is a PNG, as wide as the portrait page's text
    shapes = document.inline_shapes
    assert len(shapes) == 1
    assert shapes[0].width == document.sections[0].page_width - 2 * document.sections[0].left_margin
    assert picture_blob(document)[:8] == b"\x89PNG\r\n\x1a\n"

    # the charting table: the paper's columns, one row per included source
    chart = items[at_chart][1]
    form = form_from_config(built_project.config)
    assert [c.text for c in chart.rows[0].cells] == [label for _, label in chart_columns(form, paper=True)]
    assert len(chart.rows) == 1 + 3
    assert any("Smithson" in c.text for row in chart.rows[1:] for c in row.cells)

    # the checklist: its headers and the 22 items
    checklist = items[at_checklist][1]
    assert tuple(c.text for c in checklist.rows[0].cells) == CHECKLIST_HEADERS
    assert [r.cells[1].text for r in checklist.rows[1:]] == [str(n) for n in range(1, 23)]

    # the appendix: each database's rendering, then the search log of the three imports
    texts = [i[1] for i in items[at_appendix:] if i[0] == "p"]
    for database in ("PubMed", "Ovid MEDLINE", "Ovid Embase", "CINAHL (EBSCOhost)", "Scopus", "Cochrane Library"):
        assert database in texts
    # each database's lines as it is pasted: CINAHL numbers them S1, S2, ...
    at_cinahl = texts.index("CINAHL (EBSCOhost)")
    cinahl = next(i[1] for i in items[at_appendix:] if i[0] == "table" and i[1].rows[1].cells[0].text == "S1")
    assert cinahl.rows[1].cells[1].text == 'MH "Mentorship+"' and at_cinahl >= 0
    assert any(t.startswith("Note: queries/mentoring-medical-students.yaml:") for t in texts)  # not a full path
    assert "Search log (PRISMA-S)" in texts
    assert any(t.startswith("#2 Embase via Ovid, searched 2018-01-31") for t in texts)
    at_run = index_of(items, lambda i: i == ("p", "#4 PubMed via PubMed (E-utilities), searched 2018-02-14"))
    run_lines = next(i[1] for i in items[at_run:] if i[0] == "table")
    assert [[c.text for c in r.cells] for r in run_lines.rows] == [
        ["Line", "Search", "Results"], ["1", '"Mentors"[mh] (mentoring)', "9,000"],
        ["2", '"Mentors"[mh] AND "Students, Medical"[mh]', "146"]]
    assert ("p", "Final query as sent:") in items[at_run:]

    # portrait, landscape for the two wide tables, portrait again for the appendix
    assert [s.orientation for s in document.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE,
                                                          WD_ORIENT.PORTRAIT]
    assert "DRAFT" not in "\n".join(p.text for p in document.paragraphs)


def test_unfinished_screening_is_refused_like_review_prisma(unfinished_project, tmp_path, capsys):
    assert run(unfinished_project, "prisma") == 1
    prisma_message = capsys.readouterr().err.strip()
    out = tmp_path / "pack.docx"
    assert run(unfinished_project, "report", "pack", "--out", str(out)) == 1
    err = capsys.readouterr().err
    # the same refusal, offering the draft of this output instead of the figure's
    assert err.strip() == prisma_message.replace(
        "review prisma --draft", f"review report pack --draft --out {out}")
    assert not out.exists()


def test_a_draft_says_draft_on_the_title_the_figure_and_the_checklist(unfinished_project, tmp_path, capsys):
    assert run(unfinished_project, "prisma", "--draft", "--json") == 0
    pending = json.loads(capsys.readouterr().out)["records_pending"]
    document, err = make_pack(unfinished_project, tmp_path, capsys, "--draft")
    assert "warning: DRAFT, screening not finished" in err and "wrote the report pack (DRAFT)" in err
    items = body_items(document)
    assert items[0][1].startswith("DRAFT: Mentoring programmes")
    draft_line = f"DRAFT, screening not finished: {pending} records awaiting a title/abstract decision"
    at_picture = index_of(items, lambda i: i[0] == "picture")
    assert draft_line in items[at_picture + 1][1]  # the caption
    checklist = [t for t in document.tables if tuple(c.text for c in t.rows[0].cells) == CHECKLIST_HEADERS][0]
    assert checklist.rows[14].cells[4].text.startswith(draft_line)
    assert checklist.rows[14].cells[5].text.startswith("DRAFT")
    at_checklist = index_of(items, lambda i: i[0] == "table" and i[1]._tbl is checklist._tbl)
    assert items[at_checklist - 1][1].startswith(draft_line)  # the bold line above the checklist
    # the picture is the draft diagram (banner and watermark drawn by review.reporting.diagram)
    engine = open_store(unfinished_project.database_url)
    with engine.connect() as conn:
        counts = check_arithmetic(prisma_counts(conn), draft=True)
    engine.dispose()
    svg = render_svg(counts)
    assert 'id="draft-banner"' in svg
    assert picture_blob(document) == png_bytes(svg)


def test_imports_only_draft_says_what_is_missing(project, tmp_path, capsys):
    engine = open_store(project.database_url)
    import_file(engine, DATA / "medline-6.nbib", database="MEDLINE", interface="PubMed", searched="2018-01-31")
    engine.dispose()
    document, _ = make_pack(project, tmp_path, capsys, "--draft")
    texts = [i[1] for i in body_items(document) if i[0] == "p"]
    assert NO_CHARTING in texts
    assert "No screening decisions are recorded yet." in " ".join(texts)
    assert texts[0].startswith("DRAFT: ")


def test_an_empty_project_writes_one_line_for_each_empty_section(project, tmp_path, capsys):
    document, err = make_pack(project, tmp_path, capsys)
    texts = [i[1] for i in body_items(document) if i[0] == "p"]
    for line in (NO_FIGURE, NO_CHARTING, NO_SEARCH_LOG):
        assert line in texts
    assert not document.inline_shapes
    # the checklist is there all the same, every item the author's or not done
    assert any(len(t.rows) == 23 for t in document.tables)


def test_without_a_strategy_the_appendix_says_so(tmp_path):
    path = write_pack(tmp_path / "p.docx", Pack(title="T", made_on="2024-01-02"))
    texts = [p.text for p in docx.Document(path).paragraphs]
    assert texts[:2] == ["T", "Made 2024-01-02; computed from the review store; check before use."]
    assert NO_STRATEGY in texts


def test_the_pack_must_be_a_docx(built_project, tmp_path, capsys):
    assert run(built_project, "report", "pack", "--out", str(tmp_path / "pack.pdf")) == 1
    assert "the report pack is a Word document, FILE.docx" in capsys.readouterr().err
