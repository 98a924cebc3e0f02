"""The PRISMA-ScR reporting checklist, pre-filled from the store (``review report checklist``).

The checklist is the PRISMA Extension for Scoping Reviews: Tricco AC, Lillie E, Zarin W,
O'Brien KK, Colquhoun H, Levac D, et al. PRISMA Extension for Scoping Reviews (PRISMA-ScR):
checklist and explanation. Ann Intern Med. 2018;169(7):467-473. doi:10.7326/M18-0850.
It has 22 items; 12 and 16 (critical appraisal) are optional. ``ITEMS`` holds its numbers,
sections and topics as data; "what it asks" is our own one-line summary of each item, not the
checklist's wording (the paper has the exact text).

``checklist_rows(facts, counts, form)`` is pure: from the methods draft's facts
(``review.reporting.methods.MethodsFacts``, agreement included), the checked PRISMA counts and the
charting form, each item gets the draft text the store can give and a status:
``filled from the store``, ``partly: add ...`` (what is still the author's) or
``write in the manuscript``. ``checklist_markdown``, ``checklist_csv`` and
``write_checklist_docx`` write the rows; a draft (screening unfinished, ``counts.is_draft``)
says DRAFT above the table and in item 14.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from review.extraction import Field, Form
from review.reporting.methods import (
    MethodsFacts,
    all_limits,
    charting_text,
    database_with_interface,
    other_source_label,
    selection_text,
)
from review.reporting.prisma import PrismaCounts, draft_note, screened_text
from review.reporting.tables import to_csv, to_markdown, write_docx

SOURCE = (
    "Tricco AC, Lillie E, Zarin W, O'Brien KK, Colquhoun H, Levac D, et al. PRISMA Extension for "
    "Scoping Reviews (PRISMA-ScR): checklist and explanation. Ann Intern Med. 2018;169(7):467-473. "
    "doi:10.7326/M18-0850"
)
FOOTER = (
    f"Checklist: {SOURCE}. \"What it asks\" summarises each item in our own words; the paper has "
    "the exact wording. \"From the store\" is draft text computed from the review store: check "
    "it, put it in the manuscript, and give the page where each item is reported."
)
HEADERS = ("Section", "Item", "Topic", "What it asks", "From the store", "Status")
SECTIONS = ("TITLE", "ABSTRACT", "INTRODUCTION", "METHODS", "RESULTS", "DISCUSSION", "FUNDING")

FILLED = "filled from the store"
WRITE = "write in the manuscript"


def partly(what: str) -> str:
    """The status of an item the store fills in part: what the author still adds."""
    return f"partly: add {what}"


@dataclass(frozen=True)
class Item:
    number: int
    section: str
    topic: str
    asks: str  # our own summary of what the item asks for
    optional: bool = False

    @property
    def label(self) -> str:
        """The topic as the checklist shows it ("... (optional)" for items 12 and 16)."""
        return f"{self.topic} (optional)" if self.optional else self.topic


ITEMS: tuple[Item, ...] = (
    Item(1, "TITLE", "Title", "Make the title say that the report is a scoping review."),
    Item(2, "ABSTRACT", "Structured summary",
         "A structured abstract covering background, objectives, eligibility criteria, sources of "
         "evidence, charting methods, results and conclusions, tied to the review questions."),
    Item(3, "INTRODUCTION", "Rationale",
         "Why the review is needed given what is already known, and why its questions suit a "
         "scoping review."),
    Item(4, "INTRODUCTION", "Objectives",
         "The review questions and objectives stated plainly, with their key elements (such as "
         "population, concept and context)."),
    Item(5, "METHODS", "Protocol and registration",
         "Whether there is a protocol, where to read it, and any registration with its number."),
    Item(6, "METHODS", "Eligibility criteria",
         "What a source had to be like to be included (such as years, language, publication "
         "status), and why."),
    Item(7, "METHODS", "Information sources",
         "Every source searched (databases with their coverage, other routes such as contacting "
         "authors) and when the latest search was run."),
    Item(8, "METHODS", "Search",
         "The complete electronic search of at least one database, limits included, so that "
         "others could run it again."),
    Item(9, "METHODS", "Selection of sources of evidence",
         "How sources were screened and judged eligible."),
    Item(10, "METHODS", "Data charting process",
         "How data were charted from the included sources (a form tested or calibrated first, one "
         "or two people charting each source) and how data were sought or confirmed from "
         "investigators."),
    Item(11, "METHODS", "Data items",
         "Each variable data were sought for, with its definition, and any assumptions or "
         "simplifications."),
    Item(12, "METHODS", "Critical appraisal of individual sources of evidence",
         "If the sources were appraised: why, how, and how the appraisal fed into the synthesis.",
         optional=True),
    Item(13, "METHODS", "Synthesis of results",
         "How the charted data were handled and summarised."),
    Item(14, "RESULTS", "Selection of sources of evidence",
         "How many sources were screened, assessed for eligibility and included, with the reasons "
         "for exclusion at each stage, preferably as a flow diagram."),
    Item(15, "RESULTS", "Characteristics of sources of evidence",
         "The charted characteristics of each source, with its citation."),
    Item(16, "RESULTS", "Critical appraisal within sources of evidence",
         "If the sources were appraised, what the appraisal found.", optional=True),
    Item(17, "RESULTS", "Results of individual sources of evidence",
         "For each included source, the charted data that bear on the review questions and "
         "objectives."),
    Item(18, "RESULTS", "Synthesis of results",
         "The charting results summarised or presented against the review questions and "
         "objectives."),
    Item(19, "DISCUSSION", "Summary of evidence",
         "The main results (concepts, themes, kinds of evidence found), linked to the questions "
         "and objectives, and what they mean for key groups."),
    Item(20, "DISCUSSION", "Limitations", "The limitations of the scoping review's process."),
    Item(21, "DISCUSSION", "Conclusions",
         "An overall reading of the results against the questions and objectives, with "
         "implications or next steps."),
    Item(22, "FUNDING", "Funding",
         "Who funded the included sources and who funded the review, and what the review's "
         "funders did in it."),
)


@dataclass(frozen=True)
class ChecklistRow:
    item: Item
    from_store: str  # draft text from the store ("" when the store knows nothing)
    status: str

    def cells(self) -> list[str]:
        """The row as the table's cells, in ``HEADERS`` order."""
        i = self.item
        return [i.section, str(i.number), i.label, i.asks, self.from_store, self.status]


@dataclass(frozen=True)
class _Inputs:
    facts: MethodsFacts
    counts: PrismaCounts
    form: Form


# ---------------------------------------------------------------------------------------
# Filling the items (pure)


def _n(value: int) -> str:
    return f"{value:,}"


def _objectives(x: _Inputs) -> tuple[str, str]:
    if not x.facts.question:
        return "", WRITE
    return (f"Review question (review.yaml): {x.facts.question}",
            partly("the objectives, with their key elements (population, concept, context)"))


def _eligibility(x: _Inputs) -> tuple[str, str]:
    f = x.facts
    parts = []
    if f.criteria_include:
        parts.append(f"Inclusion criteria (review.yaml, version {f.criteria_version}):")
        parts += [f"- {c}" for c in f.criteria_include]
    if f.criteria_exclude:
        parts.append("Exclusion criteria:")
        parts += [f"- {c}" for c in f.criteria_exclude]
    limits = all_limits(f)
    if limits:
        parts.append("Limits of the search: " + "; ".join(limits) + ".")
    if not parts:
        return "", WRITE
    if not (f.criteria_include or f.criteria_exclude):
        return "\n".join(parts), partly("the eligibility criteria and why they were chosen")
    return "\n".join(parts), partly("why these criteria were chosen")


def _information_sources(x: _Inputs) -> tuple[str, str]:
    f = x.facts
    if not f.searches and not f.other_sources:
        return "", WRITE
    lines = []
    for s in f.searches:
        when = f"searched {', '.join(s.dates)}" if s.dates else "search date not recorded"
        lines.append(f"{database_with_interface(s.database, s.interface)}, {when}: {_n(s.records)} records")
    others = [f"{other_source_label(k)} ({_n(n)} records)" for k, n in f.other_sources.items()
              if k != "registers"]  # registers are listed with the databases
    if others:
        lines.append("Other sources: " + "; ".join(others))
    dates = sorted(d for s in f.searches for d in s.dates)
    if dates:
        lines.append(f"Most recent search: {dates[-1]}")
    undated = [database_with_interface(s.database, s.interface) for s in f.searches if not s.dates]
    if undated:
        return "\n".join(lines), partly(
            f"the date searched of {', '.join(undated)} (review import FILE --searched YYYY-MM-DD records it)"
        )
    return "\n".join(lines), FILLED


def _search(x: _Inputs) -> tuple[str, str]:
    f = x.facts
    lines = []
    for s in f.strategies:
        where = database_with_interface(s.database, s.interface)
        when = f"searched {s.searched_on}" if s.searched_on else "date not recorded"
        if s.kind == "search":
            found = f", {_n(s.total)} records" if s.total is not None else ""
            lines.append(f"{where} query as run ({when}{found}):\n{s.query}")
        else:
            n = len([line for line in s.query.splitlines() if line.strip()])
            lines.append(f"{where} strategy as run ({when}): attached to the import, {n} lines")
    limits = all_limits(f)
    if limits:
        lines.append("Limits: " + "; ".join(limits) + ".")
    where_full = []
    if f.strategies:
        where_full.append("every strategy as run, line by line with counts: review report search-log")
    if f.strategy_file:
        where_full.append(
            f"the strategy for each database: review query render {f.strategy_file} "
            "--to ovid-medline (or ovid-embase, pubmed)"
        )
    if where_full:
        lines.append("Full strategies: " + "; ".join(where_full) + ".")
    if f.strategies:
        return "\n".join(lines), FILLED
    if f.strategy_file:
        return "\n".join(lines), partly(
            "the full strategy as run in at least one database (run review search, or attach it: "
            "review import edit N --strategy STRATEGY.txt, N the import's number in review status)"
        )
    return "", WRITE


def _selection(x: _Inputs) -> tuple[str, str]:
    text = selection_text(x.facts)
    if not x.facts.reviewers:
        return text, partly("how sources were selected (no screening decisions are in the store yet)")
    return text, FILLED


def _charting(x: _Inputs) -> tuple[str, str]:
    return charting_text(x.facts), partly(
        "whether the form was piloted or calibrated before use, and whether data were sought or "
        "confirmed from investigators"
    )


def _data_items(x: _Inputs) -> tuple[str, str]:
    lines = [f"{s.name}: " + "; ".join(f.label for f in s.fields) for s in x.form.sections if s.fields]
    return "\n".join(lines), partly("a definition of each item and any assumptions or simplifications")


def _appraisal_fields(form: Form) -> list[Field]:
    return [f for f in form.fields if f.type == "checklist"]


NOT_APPRAISED = ("Not done: the charting form has no appraisal (checklist) items. PRISMA-ScR makes "
                 "critical appraisal optional.")


def _appraisal_methods(x: _Inputs) -> tuple[str, str]:
    items = _appraisal_fields(x.form)
    if not items:
        return NOT_APPRAISED, FILLED
    sections = sorted({f.section for f in items})
    text = (f"Appraisal items on the charting form ({', '.join(sections)}; answered yes / no / "
            f"unclear for each source): " + "; ".join(f.label for f in items))
    return text, partly("why the sources were appraised and how the appraisal was used")


def flow_text(c: PrismaCounts) -> str:
    """Item 14: every PRISMA 2020 box, as lines (the first says DRAFT on a draft)."""
    lines = [draft_note(c)] if c.is_draft else []
    per_db = "; ".join(f"{k} {_n(v)}" for k, v in c.database_specific_results.items())
    lines.append(f"Records identified from databases: {_n(c.database_results)}" + (f" ({per_db})" if per_db else ""))
    if c.register_specific_results:
        per_reg = "; ".join(f"{k} {_n(v)}" for k, v in c.register_specific_results.items())
        lines.append(f"Records identified from registers: {_n(c.register_results)} ({per_reg})")
    lines.append(f"Duplicate records removed: {_n(c.duplicates)}")
    if c.excluded_automatic:
        lines.append(f"Records removed by automation tools: {_n(c.excluded_automatic)}")
    if c.excluded_other:
        lines.append(f"Records removed for other reasons: {_n(c.excluded_other)}")
    lines.append(f"Records screened: {screened_text(c)}")
    lines.append(f"Records excluded: {_n(c.records_excluded)}")
    if c.records_pending:
        lines.append(f"Records awaiting a title/abstract decision: {_n(c.records_pending)}")
    lines.append(f"Reports sought for retrieval: {_n(c.dbr_sought_reports)}")
    lines.append(f"Reports not retrieved: {_n(c.dbr_notretrieved_reports)}")
    lines.append(f"Reports assessed for eligibility: {_n(c.dbr_assessed)}")
    lines.append(f"Reports excluded: {_n(sum(c.dbr_excluded.values()))}" + _reasons(c.dbr_excluded))
    if c.dbr_pending:
        lines.append(f"Reports awaiting a full-text decision: {_n(c.dbr_pending)}")
    if c.has_other_column:
        per_source = "; ".join(f"{other_source_label(k)} {_n(v)}" for k, v in c.other_specific_results.items())
        lines.append(f"Records identified by other methods: {_n(c.other_results)} ({per_source})")
        lines.append(f"Other methods, already identified: {_n(c.other_removed)}")
        lines.append(f"Other methods, excluded on title and abstract: {_n(c.other_screened_excluded)}")
        if c.other_screening_pending:
            lines.append(f"Other methods, awaiting a title/abstract decision: {_n(c.other_screening_pending)}")
        lines.append(f"Other methods, reports sought for retrieval: {_n(c.other_sought_reports)}")
        lines.append(f"Other methods, reports not retrieved: {_n(c.other_notretrieved_reports)}")
        lines.append(f"Other methods, reports assessed for eligibility: {_n(c.other_assessed)}")
        lines.append(f"Other methods, reports excluded: {_n(sum(c.other_excluded.values()))}" + _reasons(c.other_excluded))
        if c.other_pending:
            lines.append(f"Other methods, reports awaiting a full-text decision: {_n(c.other_pending)}")
    lines.append(f"Studies included in review: {_n(c.new_studies)}")
    lines.append(f"Reports of included studies: {_n(c.new_reports)}")
    figure = "review prisma --draft --out prisma.svg" if c.is_draft else "review prisma --out prisma.svg"
    lines.append(f"Figure (PRISMA 2020 flow diagram): {figure}")
    return "\n".join(lines)


def _reasons(reasons: dict[str, int]) -> str:
    return f" ({'; '.join(f'{r} {_n(n)}' for r, n in reasons.items())})" if reasons else ""


def _selection_results(x: _Inputs) -> tuple[str, str]:
    if x.counts.is_draft:
        return flow_text(x.counts), "DRAFT, " + partly("the final counts once screening is finished")
    return flow_text(x.counts), FILLED


def _charted_sources(x: _Inputs) -> str:
    f = x.facts
    included = f.included_reports if f.included_reports is not None else f.included
    return f"{_n(f.charted)} of {_n(included)} included sources charted"


def _characteristics(x: _Inputs) -> tuple[str, str]:
    text = (f"Charting table ({_charted_sources(x)}): review export extraction --format docx "
            "--out charting.docx (every field: --format csv or xlsx)")
    if not x.facts.charted:
        return text, partly("the charting table with each source's citation, once the sources are charted")
    return text, partly("the table to the manuscript, with each source's citation")


def _appraisal_results(x: _Inputs) -> tuple[str, str]:
    items = _appraisal_fields(x.form)
    if not items:
        return NOT_APPRAISED, FILLED
    where = ("review export extraction --format docx --out charting.docx"
             if all(f.export for f in items) else
             "review export extraction --format xlsx --out charting.xlsx (they are export: false, "
             "so not in the Word table)")
    return (f"Each source's answers to the appraisal items ({_charted_sources(x)}): {where}",
            partly("what the appraisal found"))


def _individual_results(x: _Inputs) -> tuple[str, str]:
    text = (f"The charted data per source ({_charted_sources(x)}): review export extraction "
            "--format docx --out charting.docx")
    return text, partly("each source's charted data that bear on the review questions")


FILLERS: dict[int, Callable[[_Inputs], tuple[str, str]]] = {
    4: _objectives,
    6: _eligibility,
    7: _information_sources,
    8: _search,
    9: _selection,
    10: _charting,
    11: _data_items,
    12: _appraisal_methods,
    14: _selection_results,
    15: _characteristics,
    16: _appraisal_results,
    17: _individual_results,
}


def checklist_rows(facts: MethodsFacts, counts: PrismaCounts, form: Form) -> list[ChecklistRow]:
    """Every PRISMA-ScR item in order, with the draft text the store gives and its status."""
    inputs = _Inputs(facts, counts, form)
    rows = []
    for item in ITEMS:
        filler = FILLERS.get(item.number)
        text, status = filler(inputs) if filler else ("", WRITE)
        rows.append(ChecklistRow(item, text, status))
    return rows


# ---------------------------------------------------------------------------------------
# Writing it


def checklist_title(facts: MethodsFacts) -> str:
    return "PRISMA-ScR checklist" + (f": {facts.title}" if facts.title else "")


@dataclass
class Checklist:
    """The checklist as a report command writes it: its rows, title, the draft note ("" when
    screening has ended) and the study-link warnings that travel with the counts."""

    rows: list[ChecklistRow]
    title: str
    draft: str
    counts: PrismaCounts
    study_link_warnings: list[str]


def gather_checklist(conn: sa.Connection, config: Mapping[str, Any], root: Path | None = None, *,
                     draft: bool = False, draft_command: str = "review report checklist --draft") -> Checklist:
    """The PRISMA-ScR checklist from the store and the project config, in one call.

    The PRISMA counts are checked first (``check_arithmetic``: without ``draft``, unfinished
    screening is refused with ``draft_command`` named as the way to a draft)."""
    from review.extraction import form_from_config
    from review.reporting.methods import gather_methods_facts
    from review.reporting.prisma import check_arithmetic, prisma_counts

    counts = check_arithmetic(prisma_counts(conn), draft=draft, draft_command=draft_command)
    facts = gather_methods_facts(conn, config, root, counts=counts)
    rows = checklist_rows(facts, counts, form_from_config(config))
    return Checklist(rows, checklist_title(facts), draft_note(counts), counts, list(counts.study_link_warnings))


def status_summary(rows: Sequence[ChecklistRow]) -> str:
    """"7 items filled from the store, 8 partly, 7 to write in the manuscript"."""
    filled = sum(1 for r in rows if r.status == FILLED)
    part = sum(1 for r in rows if "partly:" in r.status)
    return (f"{filled} item{'' if filled == 1 else 's'} filled from the store, {part} partly, "
            f"{len(rows) - filled - part} to write in the manuscript")


def checklist_markdown(rows: Sequence[ChecklistRow], *, title: str, draft: str = "") -> str:
    """The checklist as a Markdown pipe table (pipes and line breaks in cells escaped), with
    ``draft`` (the DRAFT line) above it and the source below it."""
    head = [f"# {title}", ""]
    if draft:
        head += [f"**{draft}**", ""]
    head += [status_summary(rows) + ".", ""]
    table = to_markdown(HEADERS, [r.cells() for r in rows])
    return "\n".join(head) + "\n" + table + "\n" + FOOTER + "\n"


def checklist_csv(rows: Sequence[ChecklistRow]) -> str:
    """The checklist as CSV, one row per item, columns ``HEADERS`` (a draft says so in item 14)."""
    return to_csv(HEADERS, [r.cells() for r in rows])


def checklist_note(rows: Sequence[ChecklistRow]) -> str:
    """The line below the Word table: the status summary and the checklist's source."""
    return status_summary(rows) + ". " + FOOTER


def write_checklist_docx(path: Path, rows: Sequence[ChecklistRow], *, title: str, draft: str = "") -> Path:
    """The checklist as a Word table (landscape A4), the DRAFT line above it, the source below."""
    return write_docx(path, HEADERS, [r.cells() for r in rows], title=title, intro=draft,
                      note=checklist_note(rows))
