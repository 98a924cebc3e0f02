"""The report pack (``review report pack``): one Word document with everything a supervisor
or a journal asks for, computed from the store.

In order: the title line (review title, date made, "computed from the review store; check
before use"); the methods draft (``review report methods``); Figure 1, the PRISMA 2020 flow
diagram as a picture at the page's width; the charting table (as ``review export extraction
--format docx`` has it); the PRISMA-ScR checklist (``review report checklist``); an appendix
with the project's strategy rendered for each database (``review query render``) and the
PRISMA-S search log (``review report search-log``). A section with nothing in it yet says so in
one line. A draft (screening unfinished, ``--draft``) says DRAFT on the title line, in the
figure and in the checklist, as those commands do.

``gather_pack(engine, project, ...)`` reads the store into a ``Pack`` of plain data;
``write_pack(path, pack)`` only writes. Portrait A4 throughout, landscape for the two wide
tables.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from review.reporting.checklist import ChecklistRow, checklist_note, checklist_title
from review.reporting.checklist import HEADERS as CHECKLIST_HEADERS
from review.pubmed.log import (
    SUMMARY_HEADERS,
    LogEntry,
    attach_advice,
    entry_facts,
    entry_heading,
    line_rows,
    summary_row,
)
from review.reporting.tables import add_docx_table, set_page

if TYPE_CHECKING:
    from review.project import Project

CHECK_LINE = "computed from the review store; check before use"

NO_FIGURE = "No record is imported yet: the flow diagram has nothing to show (review import FILE)."
NO_CHARTING = "No source is charted yet."
NO_STRATEGY = "No search strategy is configured yet (strategy: in review.yaml)."
NO_SEARCH_LOG = "No search or import is stored yet (review search, or review import FILE)."

FIGURE_ROOM_MM = 40.0  # of the page's height, kept for the figure's heading and caption


@dataclass
class RenderedStrategy:
    """The project's strategy as rendered for one database: numbered lines and warnings."""

    database: str
    lines: list[tuple[str, str]]  # (line label as the platform writes it: 1, S1, #1; search)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Pack:
    """Everything the report pack holds, as plain data."""

    title: str
    made_on: str  # YYYY-MM-DD
    draft: str = ""  # the DRAFT line of unfinished counts ("" for a final pack)
    methods: str = ""  # the methods draft, Markdown (``methods_text``)
    figure_png: bytes | None = None  # None: nothing imported, no figure
    chart_headers: list[str] = field(default_factory=list)
    chart_rows: list[list[str]] = field(default_factory=list)
    chart_note: str = ""
    checklist: list[ChecklistRow] = field(default_factory=list)
    checklist_title: str = "PRISMA-ScR checklist"
    strategy_file: str = ""
    strategies: list[RenderedStrategy] = field(default_factory=list)
    strategy_problem: str = ""  # why the strategy could not be rendered ("" when fine or none)
    search_log: list[LogEntry] = field(default_factory=list)
    # what ``review studies check`` finds (``PrismaCounts.study_link_warnings``): not in the document
    study_link_warnings: list[list[str]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# Reading the store


def gather_pack(
    engine: sa.Engine, project: Project, *, made_on: str, draft: bool = False,
    draft_command: str = "review report pack --draft --out FILE.docx",
) -> Pack:
    """The pack's contents from the store and the project's files.

    Raises ``ScreeningUnfinishedError`` (as ``review prisma``) while screening is unfinished,
    unless ``draft``; ``PrismaArithmeticError`` when a box does not add up.
    """
    from review.extraction import final_table, form_from_config, included_record_ids
    from review.pubmed.log import search_log
    from review.reporting.charting import chart_docx_table
    from review.reporting.checklist import checklist_rows
    from review.reporting.diagram import png_bytes, render_svg
    from review.reporting.methods import gather_methods_facts, methods_text
    from review.reporting.prisma import check_arithmetic, draft_note, prisma_counts

    form = form_from_config(project.config)
    with engine.connect() as conn:
        counts = check_arithmetic(prisma_counts(conn), draft=draft, draft_command=draft_command)
        facts = gather_methods_facts(conn, project.config, project.root, counts=counts)
        included = included_record_ids(conn)
        chart = final_table(conn, form, included) if included else []
    headers, rows, _ = chart_docx_table(form, chart)
    strategies, problem = _render_strategies(project)
    return Pack(
        title=facts.title or project.name,
        made_on=made_on,
        draft=draft_note(counts),
        methods=methods_text(facts),
        figure_png=png_bytes(render_svg(counts)) if counts.any_identified else None,
        chart_headers=headers,
        chart_rows=rows,
        chart_note=(f"{len(rows)} included sources; {facts.charted} charted so far." if rows else NO_CHARTING),
        checklist=checklist_rows(facts, counts, form),
        checklist_title=checklist_title(facts),
        strategy_file=str(project.config.get("strategy") or ""),
        strategies=strategies,
        strategy_problem=problem,
        search_log=search_log(engine),
        study_link_warnings=list(counts.study_link_warnings),
    )


def _render_strategies(project: Project) -> tuple[list[RenderedStrategy], str]:
    """The configured strategy rendered for each database ([] and why, when it cannot be)."""
    from review.strategy import StrategyError, load_strategy
    from review.strategy.pasted import pasted

    configured = project.config.get("strategy")
    if not configured:
        return [], ""
    path = project.path(str(configured))
    try:
        strategy = load_strategy(path)
        out = []
        for p in pasted(strategy):  # every database the strategy lists, as it would be pasted
            # warnings name the file as review.yaml does, not by this computer's full path
            warnings = [w.replace(str(path), str(configured)) for w in p.warnings]
            out.append(RenderedStrategy(p.database, p.lines, warnings, p.notes))
        return out, ""
    except (StrategyError, OSError) as exc:
        return [], f"The strategy {configured} could not be rendered: {exc}"


# ---------------------------------------------------------------------------------------
# Writing the document


def title_line(pack: Pack) -> str:
    """The review's title, with DRAFT in front on a draft."""
    return f"DRAFT: {pack.title}" if pack.draft else pack.title


def figure_caption(pack: Pack) -> str:
    text = ("Figure 1. PRISMA 2020 flow diagram: records identified, screened, assessed for "
            "eligibility and included, with the reasons for exclusion.")
    return f"{text} {pack.draft}" if pack.draft else text


def write_pack(path: Path, pack: Pack) -> Path:
    """Write the pack as a Word document at ``path``."""
    from docx import Document
    from docx.enum.section import WD_SECTION

    doc = Document()
    set_page(doc.sections[0], landscape=False)
    doc.add_heading(title_line(pack), level=0)
    doc.add_paragraph(f"Made {pack.made_on}; {CHECK_LINE}.")
    if pack.draft:
        doc.add_paragraph().add_run(pack.draft).bold = True

    _add_markdown(doc, pack.methods)

    doc.add_heading("Figure 1: PRISMA 2020 flow diagram", level=1)
    if pack.figure_png is None:
        doc.add_paragraph(NO_FIGURE)
    else:
        width, height = _figure_size(pack.figure_png, doc.sections[-1])
        doc.add_picture(io.BytesIO(pack.figure_png), width=width, height=height)
        doc.add_paragraph(figure_caption(pack))

    set_page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=True)
    if pack.chart_rows:
        add_docx_table(doc, pack.chart_headers, pack.chart_rows, title="Table 1: Data charting table",
                       note=pack.chart_note)
    else:
        doc.add_heading("Table 1: Data charting table", level=1)
        doc.add_paragraph(pack.chart_note or NO_CHARTING)

    doc.add_page_break()
    add_docx_table(doc, CHECKLIST_HEADERS, [r.cells() for r in pack.checklist], title=pack.checklist_title,
                   intro=pack.draft, note=checklist_note(pack.checklist))

    set_page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=False)
    doc.add_heading("Appendix: search strategies", level=1)
    _add_strategies(doc, pack)
    _add_search_log(doc, pack.search_log)
    doc.save(path)
    return path


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _add_markdown(doc: Any, text: str) -> None:
    """The methods draft's Markdown: ``## `` headings and paragraphs with **bold** spans."""
    for block in re.split(r"\n\s*\n", text.strip()):
        block = " ".join(block.split("\n"))
        if block.startswith("#"):
            doc.add_heading(block.lstrip("#").strip(), level=1)
            continue
        paragraph = doc.add_paragraph()
        pos = 0
        for match in _BOLD.finditer(block):
            if match.start() > pos:
                paragraph.add_run(block[pos:match.start()])
            paragraph.add_run(match[1]).bold = True
            pos = match.end()
        if pos < len(block):
            paragraph.add_run(block[pos:])


def _figure_size(png: bytes, section: Any) -> tuple[int, int]:
    """The picture's width and height (EMU): the text width of the page, smaller when the
    figure would not fit the page's height with its heading and caption (aspect kept)."""
    from docx.shared import Mm

    w_px, h_px = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    width = section.page_width - section.left_margin - section.right_margin
    max_height = section.page_height - section.top_margin - section.bottom_margin - Mm(FIGURE_ROOM_MM)
    height = round(width * h_px / w_px)
    if height > max_height:
        width, height = round(width * max_height / height), max_height
    return width, height


def _add_strategies(doc: Any, pack: Pack) -> None:
    if pack.strategy_problem:
        doc.add_paragraph(pack.strategy_problem)
        return
    if not pack.strategies:
        doc.add_paragraph(NO_STRATEGY)
        return
    doc.add_paragraph(f"The project's search strategy ({pack.strategy_file}) rendered for each database it "
                      "lists, line by line as it is pasted (review query render).")
    for s in pack.strategies:
        add_docx_table(doc, ["Line", "Search"], [[str(n), q] for n, q in s.lines],
                       title=f"{s.database}", heading_level=2)
        for note in s.notes:
            doc.add_paragraph(f"Note: {note}", style="List Bullet")
        for warning in (w for w in s.warnings if not any(w.endswith(n) for n in s.notes)):
            doc.add_paragraph(f"Note: {warning}", style="List Bullet")


def _add_search_log(doc: Any, entries: Sequence[LogEntry]) -> None:
    doc.add_heading("Search log (PRISMA-S)", level=2)
    if not entries:
        doc.add_paragraph(NO_SEARCH_LOG)
        return
    add_docx_table(doc, SUMMARY_HEADERS, [summary_row(e) for e in entries])
    for e in entries:
        doc.add_heading(entry_heading(e), level=3)
        for fact in entry_facts(e):
            doc.add_paragraph(fact, style="List Bullet")
        if e.lines:
            add_docx_table(doc, ["Line", "Search", "Results"], line_rows(e))
        if e.kind == "search":
            _add_verbatim(doc, "Final query as sent:", e.strategy)
            if e.query_translation:
                _add_verbatim(doc, "Search details (NCBI's translation of the final query):", e.query_translation)
        elif e.kind == "chase":
            _add_verbatim(doc, "Links followed as sent:", e.strategy)
        elif e.strategy:
            _add_verbatim(doc, "Strategy as run (attached with --strategy):", e.strategy)
        else:
            doc.add_paragraph(attach_advice(e, code=""))


def _add_verbatim(doc: Any, label: str, text: str) -> None:
    """``label``, then ``text`` in a monospaced paragraph, its line breaks kept."""
    from docx.shared import Pt

    doc.add_paragraph(label)
    run = doc.add_paragraph().add_run(text.rstrip())
    run.font.name = "Courier New"
    run.font.size = Pt(8)
