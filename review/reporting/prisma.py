"""PRISMA 2020 flow counts: computed from the store, checked, and written as the R/Shiny CSV.

Three layers, each usable alone:

- ``count_flow(FlowInputs) -> PrismaCounts`` is a pure function over plain data (record ids
  and per-source counts); the hand-computed tests drive it directly.
- ``check_arithmetic(PrismaCounts)`` raises ``PrismaArithmeticError`` naming the first box
  whose number does not follow from the boxes above it (run before anything is drawn), or
  ``ScreeningUnfinishedError`` when the boxes only add up with the records still awaiting a
  decision; ``check_arithmetic(counts, draft=True)`` accepts those: a draft's boxes add up
  with its "awaiting a decision" boxes, and every output of a draft says DRAFT
  (``awaiting``, ``draft_note``).
- ``gather_inputs(conn)`` reads the store (imports, dedup clusters, the screening API) into
  ``FlowInputs``; ``prisma_counts(conn)`` is gather + count.

Which column a record lands in (PRISMA 2020 has two identification columns):

- left, "databases and registers": records of imports without ``other_source`` (database
  exports and PubMed runs) and imports with ``other_source: registers``;
- right, "other methods": imports with ``other_source`` citation-searching, websites,
  organisations or other.

A deduplicated record (one dedup cluster) belongs to the left column when any member of its
cluster came from the left, else to the right. Left "duplicates removed" is therefore the
left records minus the left clusters. Right-column records that duplicate a record already
found (in either column) are counted as ``other_removed``; the diagram shows them in a note
box and the arithmetic check accounts for them.

The CSV is the PRISMA2020 R package / Shiny app template (``prisma2020_template.csv``,
MIT, Haddaway et al. 2022, doi:10.1002/cl2.1230) with its ``n`` column filled in: same
columns, same rows, same order, so it opens in https://estech.shinyapps.io/prisma_flowdiagram/
and in ``PRISMA2020::PRISMA_data(read.csv(...))``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from review.errors import ReviewError
TEMPLATE_PATH = Path(__file__).with_name("prisma2020_template.csv")
TEMPLATE_COLUMNS = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")

# ``imports.other_source`` values and where they go.
REGISTER_SOURCES = ("registers",)
OTHER_METHOD_SOURCES = ("websites", "organisations", "citation-searching", "other")
OTHER_SOURCE_LABELS = {
    "websites": "Websites",
    "organisations": "Organisations",
    "citation-searching": "Citation searching",
    "other": "Other methods",
}


class PrismaArithmeticError(ReviewError):
    """A PRISMA box does not add up; the message names the box and the numbers."""

    def __init__(self, box: str, message: str):
        super().__init__(message)
        self.box = box


class ScreeningUnfinishedError(PrismaArithmeticError):
    """The boxes add up only with the records still awaiting a decision (not a final figure);
    the message names what is unfinished and how to draw a draft."""


@dataclass(frozen=True)
class FlowInputs:
    """Plain inputs of the flow, as the store holds them.

    ``left_ids``/``other_ids`` are the deduplicated records (one per cluster) of each column;
    ``ta_finals`` maps record id -> "include"|"exclude" (final title/abstract decisions),
    ``ft_finals`` maps record id -> (decision, reason) (final full-text decisions) and
    ``not_retrieved`` maps record id -> reason (reports sought but not retrieved).
    """

    databases: Mapping[str, int]
    registers: Mapping[str, int] = field(default_factory=dict)
    other_sources: Mapping[str, int] = field(default_factory=dict)
    duplicates_removed: int = 0
    other_removed: int = 0
    left_ids: Sequence[int] = ()
    other_ids: Sequence[int] = ()
    ta_finals: Mapping[int, str] = field(default_factory=dict)
    not_retrieved: Mapping[int, str] = field(default_factory=dict)
    ft_finals: Mapping[int, tuple[str, str]] = field(default_factory=dict)
    excluded_automatic: int = 0
    excluded_other: int = 0
    study_of: Mapping[int, int] = field(default_factory=dict)  # report id -> study id (linked reports)
    # updated searches: (database, first run's date, update's date, new records), one per update
    search_updates: Sequence[tuple[str, str, str, int]] = ()


@dataclass
class PrismaCounts:
    """Every PRISMA 2020 box. Names follow the PRISMA2020 R package's ``data`` column."""

    database_specific_results: dict[str, int] = field(default_factory=dict)
    register_specific_results: dict[str, int] = field(default_factory=dict)
    other_specific_results: dict[str, int] = field(default_factory=dict)  # by other_source
    duplicates: int = 0
    excluded_automatic: int = 0
    excluded_other: int = 0
    records_screened: int = 0
    records_excluded: int = 0
    records_pending: int = 0  # left records without a final title/abstract decision
    dbr_sought_reports: int = 0
    dbr_notretrieved_reports: int = 0
    dbr_assessed: int = 0
    dbr_excluded: dict[str, int] = field(default_factory=dict)  # reason -> n
    dbr_pending: int = 0  # assessed reports without a final full-text decision
    dbr_included: int = 0
    other_removed: int = 0  # other-method records already found (duplicates)
    other_screened_excluded: int = 0  # other-method records excluded on title/abstract
    other_screening_pending: int = 0
    other_sought_reports: int = 0
    other_notretrieved_reports: int = 0
    other_assessed: int = 0
    other_excluded: dict[str, int] = field(default_factory=dict)
    other_pending: int = 0
    other_included: int = 0
    previous_studies: int = 0
    previous_reports: int = 0
    # distinct studies among the included reports of both columns (reports of one study are
    # linked in ``study_links``); None: one study per report
    included_studies: int | None = None
    # the note per updated run (`review search --update`): (database, first date, update date, new)
    search_updates: list[tuple[str, str, str, int]] = field(default_factory=list)
    # not a box: what ``review studies check`` finds (the lines of each study whose linked
    # records disagree), so that every report drawn from these counts can warn of it
    study_link_warnings: list[list[str]] = field(default_factory=list, compare=False)

    # --- derived boxes ---
    @property
    def database_results(self) -> int:
        return sum(self.database_specific_results.values())

    @property
    def register_results(self) -> int:
        return sum(self.register_specific_results.values())

    @property
    def website_results(self) -> int:
        return self.other_specific_results.get("websites", 0)

    @property
    def organisation_results(self) -> int:
        return self.other_specific_results.get("organisations", 0)

    @property
    def citations_results(self) -> int:
        return self.other_specific_results.get("citation-searching", 0)

    @property
    def other_method_results(self) -> int:
        return self.other_specific_results.get("other", 0)

    @property
    def other_results(self) -> int:
        return sum(self.other_specific_results.values())

    @property
    def any_identified(self) -> bool:
        """Whether any record was identified, by any route (an empty flow is not a figure)."""
        return bool(self.database_results or self.register_results or self.other_results)

    @property
    def new_studies(self) -> int:
        if self.included_studies is None:
            return self.dbr_included + self.other_included
        return self.included_studies

    @property
    def new_reports(self) -> int:
        return self.dbr_included + self.other_included

    @property
    def total_studies(self) -> int:
        return self.previous_studies + self.new_studies

    @property
    def total_reports(self) -> int:
        return self.previous_reports + self.new_reports

    def to_dict(self) -> dict[str, Any]:
        """Every box, stored and derived, JSON-ready (``review prisma --json``)."""
        data = asdict(self)
        del data["study_link_warnings"]
        for name in (
            "database_results", "register_results", "website_results",
            "organisation_results", "citations_results", "other_method_results",
            "other_results", "new_studies", "new_reports", "total_studies", "total_reports",
            "records_screened_so_far",
        ):
            data[name] = getattr(self, name)
        return data

    @property
    def records_screened_so_far(self) -> int:
        """Records of the left column with a final title/abstract decision (all of
        ``records_screened`` once screening is finished)."""
        return self.records_screened - self.records_pending

    def box_numbers(self) -> dict[str, int]:
        """Each numbered box of the diagram -> its number (reason lines included). On a draft
        the "Records screened" box shows the records screened so far and, labelled apart,
        those awaiting a decision (``records_screened:awaiting``)."""
        out: dict[str, int] = {
            "database_results": self.database_results,
            "duplicates": self.duplicates,
            "records_screened": self.records_screened_so_far,
            "records_excluded": self.records_excluded,
            "dbr_sought_reports": self.dbr_sought_reports,
            "dbr_notretrieved_reports": self.dbr_notretrieved_reports,
            "dbr_assessed": self.dbr_assessed,
            "dbr_excluded": sum(self.dbr_excluded.values()),
            "new_studies": self.new_studies,
            "new_reports": self.new_reports,
        }
        if self.records_pending:
            out["records_screened:awaiting"] = self.records_pending
        for name, n in self.database_specific_results.items():
            out[f"database:{name}"] = n
        if self.register_specific_results:
            out["register_results"] = self.register_results
        for reason, n in self.dbr_excluded.items():
            out[f"dbr_excluded:{reason}"] = n
        if self.excluded_automatic:
            out["excluded_automatic"] = self.excluded_automatic
        if self.excluded_other:
            out["excluded_other"] = self.excluded_other
        if self.has_other_column:
            for source, n in self.other_specific_results.items():
                out[f"other:{source}"] = n
            out.update(
                other_sought_reports=self.other_sought_reports,
                other_notretrieved_reports=self.other_notretrieved_reports,
                other_assessed=self.other_assessed,
                other_excluded=sum(self.other_excluded.values()),
            )
            for reason, n in self.other_excluded.items():
                out[f"other_excluded:{reason}"] = n
        out.update(self.awaiting())
        return out

    def awaiting(self) -> dict[str, int]:
        """The boxes awaiting a decision that are not empty (name -> n); empty when screening
        is finished and the counts are the final figure."""
        boxes = {
            "records_pending": self.records_pending,
            "dbr_pending": self.dbr_pending,
            "other_screening_pending": self.other_screening_pending,
            "other_pending": self.other_pending,
        }
        return {name: n for name, n in boxes.items() if n}

    @property
    def is_draft(self) -> bool:
        """True while any record or report awaits a final decision."""
        return bool(self.awaiting())

    @property
    def has_other_column(self) -> bool:
        return bool(self.other_specific_results)


# ---------------------------------------------------------------------------------------
# Counting (pure)


def count_flow(inputs: FlowInputs) -> PrismaCounts:
    """Every PRISMA box from plain inputs (no store access)."""
    left = _column(inputs.left_ids, inputs)
    other = _column(inputs.other_ids, inputs)
    return PrismaCounts(
        database_specific_results=dict(inputs.databases),
        register_specific_results=dict(inputs.registers),
        other_specific_results={k: v for k, v in inputs.other_sources.items() if v},
        duplicates=inputs.duplicates_removed,
        excluded_automatic=inputs.excluded_automatic,
        excluded_other=inputs.excluded_other,
        records_screened=left["screened"],
        records_excluded=left["ta_excluded"],
        records_pending=left["ta_pending"],
        dbr_sought_reports=left["sought"],
        dbr_notretrieved_reports=left["not_retrieved"],
        dbr_assessed=left["assessed"],
        dbr_excluded=left["excluded"],
        dbr_pending=left["ft_pending"],
        dbr_included=left["included"],
        other_removed=inputs.other_removed,
        other_screened_excluded=other["ta_excluded"],
        other_screening_pending=other["ta_pending"],
        other_sought_reports=other["sought"],
        other_notretrieved_reports=other["not_retrieved"],
        other_assessed=other["assessed"],
        other_excluded=other["excluded"],
        other_pending=other["ft_pending"],
        other_included=other["included"],
        included_studies=len({inputs.study_of.get(r, r) for r in left["included_ids"] + other["included_ids"]}),
        search_updates=[tuple(u) for u in inputs.search_updates],
    )


def _column(ids: Sequence[int], inputs: FlowInputs) -> dict[str, Any]:
    ids = list(dict.fromkeys(ids))
    ta = [inputs.ta_finals.get(i) for i in ids]
    sought = [i for i in ids if inputs.ta_finals.get(i) == "include"]
    not_retrieved = [i for i in sought if i in inputs.not_retrieved]
    assessed = [i for i in sought if i not in inputs.not_retrieved]
    ft = [inputs.ft_finals.get(i) for i in assessed]
    reasons = Counter((f[1] or "No reason given") for f in ft if f and f[0] == "exclude")
    return {
        "screened": len(ids),
        "ta_excluded": sum(1 for d in ta if d == "exclude"),
        "ta_pending": sum(1 for d in ta if d not in ("include", "exclude")),
        "sought": len(sought),
        "not_retrieved": len(not_retrieved),
        "assessed": len(assessed),
        # most frequent reason first, then by name (stable, readable)
        "excluded": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        "ft_pending": sum(1 for f in ft if not f or f[0] not in ("include", "exclude")),
        "included": sum(1 for f in ft if f and f[0] == "include"),
        "included_ids": [i for i, f in zip(assessed, ft) if f and f[0] == "include"],
    }


# ---------------------------------------------------------------------------------------
# Arithmetic check (pure)


def _pending_clause(draft: bool, n: int, box: str, unfinished: str) -> str:
    """The end of a message about a box with records awaiting a decision: on a draft, the
    awaiting box is part of the sum; on a final figure, the records are what is unfinished."""
    if not n:
        return ""
    return f" + {box} ({n})" if draft else f": {unfinished}"


def arithmetic_problems(c: PrismaCounts, *, draft: bool = False) -> list[PrismaArithmeticError]:
    """Every box that does not add up, in reading order of the diagram (empty when fine).

    ``draft``: the boxes awaiting a decision are part of the sums (screened = excluded +
    sought + awaiting; assessed = excluded + included + awaiting); otherwise any record
    awaiting a decision is a problem of its box.
    """
    problems: list[PrismaArithmeticError] = []

    def need(box: str, ok: bool, message: str) -> None:
        if not ok:
            problems.append(PrismaArithmeticError(box, message))

    for name, counts in (
        ("Records identified (databases)", c.database_specific_results),
        ("Records identified (registers)", c.register_specific_results),
        ("Records identified (other methods)", c.other_specific_results),
    ):
        for source, n in counts.items():
            need(name, n >= 0, f"{name!r}: {source} has a negative count ({n})")
    identified = c.database_results + c.register_results
    removed = c.duplicates + c.excluded_automatic + c.excluded_other
    need(
        "Records screened",
        identified - removed == c.records_screened,
        f"'Records screened' ({c.records_screened}) should be records identified from databases "
        f"and registers ({identified}) minus records removed before screening ({removed}: "
        f"{c.duplicates} duplicates, {c.excluded_automatic} by automation, {c.excluded_other} "
        f"other) = {identified - removed}",
    )
    need(
        "Records excluded",
        c.records_screened == c.records_excluded + c.dbr_sought_reports + c.records_pending
        and (draft or c.records_pending == 0),
        f"'Records screened' ({c.records_screened}) should equal 'Records excluded' "
        f"({c.records_excluded}) + 'Reports sought for retrieval' ({c.dbr_sought_reports})"
        + _pending_clause(
            draft, c.records_pending, "records awaiting a title/abstract decision",
            f"{c.records_pending} records have no final title/abstract decision yet "
            "(not screened by two reviewers, or an open conflict)",
        ),
    )
    need(
        "Reports assessed for eligibility",
        c.dbr_sought_reports - c.dbr_notretrieved_reports == c.dbr_assessed,
        f"'Reports assessed for eligibility' ({c.dbr_assessed}) should be 'Reports sought for "
        f"retrieval' ({c.dbr_sought_reports}) minus 'Reports not retrieved' "
        f"({c.dbr_notretrieved_reports}) = {c.dbr_sought_reports - c.dbr_notretrieved_reports}",
    )
    excluded = sum(c.dbr_excluded.values())
    need(
        "Reports excluded",
        c.dbr_assessed == excluded + c.dbr_included + c.dbr_pending and (draft or c.dbr_pending == 0),
        f"'Reports assessed for eligibility' ({c.dbr_assessed}) should equal 'Reports excluded' "
        f"({excluded}) + reports included ({c.dbr_included})"
        + _pending_clause(
            draft, c.dbr_pending, "reports awaiting a full-text decision",
            f"{c.dbr_pending} reports have no final full-text decision yet (not assessed "
            "by two reviewers, an open conflict, or agreed exclusions with different reasons)",
        ),
    )
    if c.has_other_column or c.other_sought_reports or c.other_assessed:
        removed_other = c.other_removed + c.other_screened_excluded + c.other_screening_pending
        need(
            "Reports sought for retrieval (other methods)",
            c.other_results - removed_other == c.other_sought_reports
            and (draft or c.other_screening_pending == 0),
            f"'Reports sought for retrieval' of other methods ({c.other_sought_reports}) should be "
            f"records identified by other methods ({c.other_results}) minus those already found "
            f"({c.other_removed}) and those excluded on title/abstract "
            f"({c.other_screened_excluded})"
            + (
                _pending_clause(
                    draft, c.other_screening_pending,
                    "records awaiting a title/abstract decision",
                    f"{c.other_screening_pending} records from other methods have no final "
                    "title/abstract decision yet",
                )
                if c.other_screening_pending
                else f" = {c.other_results - removed_other}"
            ),
        )
        need(
            "Reports assessed for eligibility (other methods)",
            c.other_sought_reports - c.other_notretrieved_reports == c.other_assessed,
            f"'Reports assessed for eligibility' of other methods ({c.other_assessed}) should be "
            f"sought ({c.other_sought_reports}) minus not retrieved "
            f"({c.other_notretrieved_reports})",
        )
        other_excl = sum(c.other_excluded.values())
        need(
            "Reports excluded (other methods)",
            c.other_assessed == other_excl + c.other_included + c.other_pending
            and (draft or c.other_pending == 0),
            f"'Reports assessed for eligibility' of other methods ({c.other_assessed}) should equal "
            f"'Reports excluded' ({other_excl}) + reports included ({c.other_included})"
            + _pending_clause(
                draft, c.other_pending, "reports awaiting a full-text decision",
                f"{c.other_pending} reports have no final full-text decision yet",
            ),
        )
    need(
        "Studies included in review",
        c.new_reports == c.dbr_included + c.other_included
        and c.new_studies <= c.new_reports
        and (c.new_studies > 0) == (c.new_reports > 0),
        f"'Studies included in review' ({c.new_studies} studies, {c.new_reports} reports) should "
        f"be at most the reports included from databases ({c.dbr_included}) and other methods "
        f"({c.other_included}), and at least one study when a report is included",
    )
    for name, value in c.to_dict().items():
        if isinstance(value, int) and value < 0:
            need(name, False, f"PRISMA box {name!r} is negative ({value})")
    return problems


def check_arithmetic(
    counts: PrismaCounts, *, draft: bool = False, draft_command: str = "review prisma --draft"
) -> PrismaCounts:
    """Return ``counts`` unchanged, or raise ``PrismaArithmeticError`` for the first bad box.

    Without ``draft``, counts that add up only with the records still awaiting a decision
    raise ``ScreeningUnfinishedError``, naming what is unfinished and how to draw a draft
    (``draft_command``: the command that draws one of the caller's output).
    With ``draft``, they pass (the awaiting boxes are part of every sum); anything else that
    does not add up is refused all the same.
    """
    problems = arithmetic_problems(counts, draft=draft)
    if not problems:
        return counts
    first = problems[0]
    if not draft and not arithmetic_problems(counts, draft=True):
        raise ScreeningUnfinishedError(
            first.box,
            f"PRISMA box {first.box!r} does not add up: {first}. Screening is not finished "
            f"({awaiting_text(counts)}): finish screening first, or draw a draft with the "
            f"counts so far: {draft_command}",
        )
    more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    raise PrismaArithmeticError(first.box, f"PRISMA box {first.box!r} does not add up: {first}{more}")


AWAITING_WORDS = {  # box -> (one, several, what it awaits)
    "records_pending": ("record", "records", "awaiting a title/abstract decision"),
    "dbr_pending": ("report", "reports", "awaiting a full-text decision"),
    "other_screening_pending": ("record from other methods", "records from other methods",
                                "awaiting a title/abstract decision"),
    "other_pending": ("report from other methods", "reports from other methods",
                      "awaiting a full-text decision"),
}


def _awaiting_phrase(name: str, n: int) -> str:
    one, several, what = AWAITING_WORDS[name]
    return f"{n:,} {one if n == 1 else several} {what}"


def awaiting_text(c: PrismaCounts) -> str:
    """"11 records awaiting a title/abstract decision, 3 reports awaiting a full-text
    decision" ("" when nothing awaits a decision)."""
    return ", ".join(_awaiting_phrase(name, n) for name, n in c.awaiting().items())


def screened_text(c: PrismaCounts) -> str:
    """What "Records screened" shows: "379" once screening is finished; on a draft the
    records screened so far and those awaiting, each labelled ("12 so far, 367 awaiting"),
    never the whole set as if it had been screened."""
    if not c.records_pending:
        return f"{c.records_screened:,}"
    return f"{c.records_screened_so_far:,} so far, {c.records_pending:,} awaiting"


def draft_note(c: PrismaCounts) -> str:
    """The DRAFT line every output of unfinished counts carries ("" for a final figure)."""
    if not c.is_draft:
        return ""
    return f"DRAFT, screening not finished: {awaiting_text(c)}. Not the final figure."


# ---------------------------------------------------------------------------------------
# The PRISMA2020 R package / Shiny app CSV


def read_template(path: Path = TEMPLATE_PATH) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != TEMPLATE_COLUMNS:
            raise ValueError(f"{path}: not the PRISMA2020 template (columns {reader.fieldnames})")
        return list(reader)


def _reason_list(counts: Mapping[str, int], total: int) -> str:
    """"Name, n; Name, n" as the R package parses it (names must hold no ',' or ';')."""
    if not counts:
        return str(total)
    parts = []
    for name, n in counts.items():
        clean = str(name).replace(";", " /").replace(",", " -").strip() or "Unnamed"
        parts.append(f"{clean}, {n}")
    return "; ".join(parts)


def update_notes(c: PrismaCounts, database: str) -> list[str]:
    """The note per updated run of ``database``: "search of D1 updated on D2: N new records"."""
    return [f"search of {first or '(date not recorded)'} updated on {when or '(date not recorded)'}: "
            f"{new:,} new record{'' if new == 1 else 's'}"
            for name, first, when, new in c.search_updates if name == database]


def _with_updates(c: PrismaCounts) -> dict[str, int]:
    """Databases named with their updates for the R/Shiny CSV ("PubMed (updated 2026-12-06)"),
    whose rows hold no notes."""
    out: dict[str, int] = {}
    for name, n in c.database_specific_results.items():
        dates = [when for db, _, when, _ in c.search_updates if db == name and when]
        out[f"{name} (updated {' and '.join(dates)})" if dates else name] = n
    return out


def csv_values(c: PrismaCounts) -> dict[str, str]:
    """The ``n`` of every data row of the template."""
    return {
        "previous_studies": str(c.previous_studies),
        "previous_reports": str(c.previous_reports),
        "database_results": str(c.database_results),
        "database_specific_results": _reason_list(_with_updates(c), c.database_results),
        "register_results": str(c.register_results),
        "register_specific_results": _reason_list(c.register_specific_results, c.register_results),
        "website_results": str(c.website_results),
        # The template has no "other" row: other methods are reported with organisations.
        "organisation_results": str(c.organisation_results + c.other_method_results),
        "citations_results": str(c.citations_results),
        "duplicates": str(c.duplicates),
        "excluded_automatic": str(c.excluded_automatic),
        "excluded_other": str(c.excluded_other),
        "records_screened": str(c.records_screened),
        "records_excluded": str(c.records_excluded),
        "dbr_sought_reports": str(c.dbr_sought_reports),
        "dbr_notretrieved_reports": str(c.dbr_notretrieved_reports),
        "other_sought_reports": str(c.other_sought_reports),
        "other_notretrieved_reports": str(c.other_notretrieved_reports),
        "dbr_assessed": str(c.dbr_assessed),
        "dbr_excluded": _reason_list(c.dbr_excluded, sum(c.dbr_excluded.values())),
        "other_assessed": str(c.other_assessed),
        "other_excluded": _reason_list(c.other_excluded, sum(c.other_excluded.values())),
        "new_studies": str(c.new_studies),
        "new_reports": str(c.new_reports),
        "total_studies": str(c.total_studies),
        "total_reports": str(c.total_reports),
    }


def csv_boxtexts(c: PrismaCounts) -> dict[str, str]:
    """Box texts that differ from the template's, by ``data`` (or ``box`` for the title boxes).

    On a draft the title box of each column starts with DRAFT, and the box above each group
    of records awaiting a decision says how many await it. The R package and the Shiny app
    draw ``boxtext`` as the box's label, so the figure they draw is marked too; the template
    has no rows for the awaiting boxes, and its rows must stay as they are.
    """
    texts: dict[str, str] = {}
    if c.other_method_results:
        texts["organisation_results"] = "Organisations and other methods"
    if not c.is_draft:
        return texts
    draft = "DRAFT, screening not finished: "
    texts["newstud"] = draft + "Identification of new studies via databases and registers"
    if c.has_other_column:
        texts["othstud"] = draft + "Identification of new studies via other methods"
    notes = (  # box -> its label, the awaiting box it speaks for, how
        ("records_screened", "Records screened", "records_pending",
         f"{c.records_screened_so_far:,} so far, {{n}} awaiting title/abstract decision"),
        ("dbr_assessed", "Reports assessed for eligibility", "dbr_pending", "{n} of them awaiting full-text decision"),
        ("other_sought_reports", "Reports sought for retrieval", "other_screening_pending",
         "{n} more awaiting title/abstract decision"),
        ("other_assessed", "Reports assessed for eligibility", "other_pending", "{n} of them awaiting full-text decision"),
    )
    waiting = c.awaiting()
    for box, label, name, how in notes:
        if name in waiting:
            texts[box] = f"{label} (DRAFT: {how.format(n=f'{waiting[name]:,}')})"
    return texts


def to_r_csv(counts: PrismaCounts, template: list[dict[str, str]] | None = None) -> str:
    """The template with ``n`` filled in (rows, columns and order exactly as the template);
    a draft's box texts say DRAFT and how many records await a decision (``csv_boxtexts``)."""
    rows = template if template is not None else read_template()
    values = csv_values(counts)
    texts = csv_boxtexts(counts)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=TEMPLATE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        row = dict(row)
        if row["data"] in values:
            row["n"] = values[row["data"]]
        key = row["data"] if row["data"] != "NA" else row["box"]
        if key in texts:
            row["boxtext"] = texts[key]
        writer.writerow(row)
    return out.getvalue()


def prisma_text(c: PrismaCounts, *, heading: str = "") -> str:
    """The boxes as an indented text outline (``review prisma``; ``review demo`` on a review
    still being screened). While anything awaits a decision, the outline starts with the
    DRAFT line and shows the boxes awaiting a decision."""
    lines = [heading, ""] if heading else []
    if c.is_draft:
        lines += [draft_note(c), ""]
    lines.append("Identification")
    lines.append(f"  Records identified from databases: {c.database_results:,}")
    for name, n in c.database_specific_results.items():
        lines.append(f"    {name}: {n:,}")
        lines += [f"      {note}" for note in update_notes(c, name)]
    if c.register_specific_results:
        lines.append(f"  Records identified from registers: {c.register_results:,}")
    lines.append(f"  Duplicate records removed: {c.duplicates:,}")
    lines += ["", "Screening",
              f"  Records screened: {screened_text(c)}",
              f"  Records excluded: {c.records_excluded:,}",
              *([f"  Records awaiting a title/abstract decision: {c.records_pending:,}"] if c.records_pending else []),
              f"  Reports sought for retrieval: {c.dbr_sought_reports:,}",
              f"  Reports not retrieved: {c.dbr_notretrieved_reports:,}",
              f"  Reports assessed for eligibility: {c.dbr_assessed:,}",
              f"  Reports excluded: {sum(c.dbr_excluded.values()):,}"]
    for reason, n in c.dbr_excluded.items():
        lines.append(f"    {reason}: {n:,}")
    if c.dbr_pending:
        lines.append(f"  Reports awaiting a full-text decision: {c.dbr_pending:,}")
    if c.has_other_column:
        lines += ["", "Other methods"]
        for source, n in c.other_specific_results.items():
            lines.append(f"  Records identified from {source}: {n:,}")
        lines += [f"  Already identified (duplicates): {c.other_removed:,}",
                  f"  Excluded on title and abstract: {c.other_screened_excluded:,}"]
        if c.other_screening_pending:
            lines.append(f"  Records awaiting a title/abstract decision: {c.other_screening_pending:,}")
        lines += [f"  Reports sought for retrieval: {c.other_sought_reports:,}",
                  f"  Reports not retrieved: {c.other_notretrieved_reports:,}",
                  f"  Reports assessed for eligibility: {c.other_assessed:,}",
                  f"  Reports excluded: {sum(c.other_excluded.values()):,}"]
        for reason, n in c.other_excluded.items():
            lines.append(f"    {reason}: {n:,}")
        if c.other_pending:
            lines.append(f"  Reports awaiting a full-text decision: {c.other_pending:,}")
    lines += ["", "Included", f"  Studies included in review: {c.new_studies:,}",
              f"  Reports of included studies: {c.new_reports:,}"]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Reading the store (I/O edge)


def gather_inputs(conn: sa.Connection) -> FlowInputs:
    """The flow's plain inputs from the store: imports, dedup clusters and screening."""
    from review.formats.sources import database_label
    from review.screening.decide import final_decisions
    from review.screening.fulltext import not_retrieved
    from review.screening.stageset import stage_record_ids, stopped_ids
    from review.store.live import live_clause
    from review.store.schema import dedup_membership, imports, records
    from review.studies import study_of

    rows = conn.execute(
        sa.select(records.c.id, records.c.source_database, imports.c.database, imports.c.other_source,
                  imports.c.id)
        .join(imports, imports.c.id == records.c.import_id)
        .where(live_clause())  # a withdrawn import's records count nowhere
        .order_by(records.c.id)
    ).all()
    kept_of = dict(
        conn.execute(sa.select(dedup_membership.c.record_id, dedup_membership.c.kept_id)).all()
    )
    databases: Counter[str] = Counter()
    registers: Counter[str] = Counter()
    others: Counter[str] = Counter()
    column_of_record: dict[int, str] = {}
    cluster_columns: dict[int, set[str]] = {}
    for rid, source_db, import_db, other_source, import_id in rows:
        # a reference manager or format stored as the database by earlier versions is not one
        name = database_label(source_db or import_db or "(unknown)", import_id)
        if other_source in OTHER_METHOD_SOURCES:
            others[other_source] += 1
            column = "other"
        elif other_source in REGISTER_SOURCES:
            registers[name] += 1
            column = "left"
        else:
            databases[name] += 1
            column = "left"
        column_of_record[rid] = column
        cluster_columns.setdefault(int(kept_of.get(rid, rid)), set()).add(column)
    left_clusters = [k for k, cols in cluster_columns.items() if "left" in cols]
    other_clusters = [k for k, cols in cluster_columns.items() if "left" not in cols]
    left_records = sum(1 for c in column_of_record.values() if c == "left")
    other_records = len(column_of_record) - left_records

    # The screened set is the screening module's; a cluster's id there is its kept record.
    unique = set(stage_record_ids(conn, "title_abstract"))
    # records the title/abstract stage's pre-registered stopping rule excluded unscreened:
    # "records marked as ineligible by automation tools" (only database/register records)
    stopped = stopped_ids(conn)
    automatic = sum(1 for k in left_clusters if k in stopped)
    left_ids = sorted(k for k in left_clusters if k in unique)
    other_ids = sorted(k for k in other_clusters if k in unique)
    ta = {rid: f.decision for rid, f in final_decisions(conn, "title_abstract").items()}
    ft = {
        rid: (f.decision, f.reason)
        for rid, f in final_decisions(conn, "full_text").items()
    }
    return FlowInputs(
        search_updates=_search_updates(conn),
        databases=dict(databases),
        registers=dict(registers),
        other_sources=dict(others),
        duplicates_removed=left_records - len(left_clusters),
        other_removed=other_records - len(other_clusters),
        left_ids=left_ids,
        other_ids=other_ids,
        ta_finals=ta,
        not_retrieved=dict(not_retrieved(conn)),
        ft_finals=ft,
        # a study record later merged into another cluster counts as that cluster's record
        study_of={r: int(kept_of.get(s, s)) for r, s in study_of(conn).items()},
        excluded_automatic=automatic,
    )


def _search_updates(conn: sa.Connection) -> list[tuple[str, str, str, int]]:
    """(database, first run's date, update's date, new records) of every update that counts
    (``review search --update``, ``review import --update-of``). New: its deduplicated records
    that no earlier import found (a record both runs found is the earlier run's)."""
    from review.store.live import live_clause, withdrawn_imports
    from review.store.schema import dedup_membership, imports, records

    rows = conn.execute(sa.select(imports.c.id, imports.c.database, imports.c.searched_on, imports.c.report)
                        .where(imports.c.id.not_in(withdrawn_imports())).order_by(imports.c.id)).all()
    dates = {int(r.id): r.searched_on or "" for r in rows}
    kept_of = dict(conn.execute(sa.select(dedup_membership.c.record_id, dedup_membership.c.kept_id)).all())
    first_import: dict[int, int] = {}  # cluster -> the earliest import holding one of its records
    clusters_of: dict[int, set[int]] = {}  # import -> its clusters
    for rid, iid in conn.execute(sa.select(records.c.id, records.c.import_id).where(live_clause())):
        cluster = int(kept_of.get(rid, rid))
        first_import[cluster] = min(first_import.get(cluster, int(iid)), int(iid))
        clusters_of.setdefault(int(iid), set()).add(cluster)
    counts = {iid: sum(1 for c in clusters if first_import[c] == iid) for iid, clusters in clusters_of.items()}
    out = []
    for r in rows:
        update = (r.report or {}).get("update") if isinstance(r.report, dict) else None
        if update and update.get("update_of"):
            out.append((r.database, dates.get(int(update["update_of"]), ""), r.searched_on or "",
                        int(counts.get(r.id, 0))))
    return out


def prisma_counts(conn: sa.Connection) -> PrismaCounts:
    """Every PRISMA box computed from the store (not yet checked), with the warnings of
    ``review studies check`` (``study_link_warnings``)."""
    from review.studies import disagreement_lines, link_disagreements

    counts = count_flow(gather_inputs(conn))
    counts.study_link_warnings = [disagreement_lines(d) for d in link_disagreements(conn)]
    return counts
