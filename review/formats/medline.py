"""PubMed MEDLINE text (.nbib, "Send to > Citation manager", efetch rettype=medline) -> Records.

Bio.Medline does the tag parsing; this module splits records with line numbers, checks that
every line is a MEDLINE tag line or a continuation, and maps tags to Record fields
(``MEDLINE_FIELDS``). ERIC's and PMC's MEDLINE-style variants read the same way.

Abstracts keep PubMed's section labels ("BACKGROUND: ... METHODS: ..."), MH goes to
``subject_headings``, OT to ``keywords``, AID/LID "[doi]" to ``doi``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from Bio import Medline

from review.formats.base import ImportReport, ImportResult, Skipped, UnreadableFileError
from review.formats.checks import unread_fields, unread_warning
from review.formats.fields import TERM_RULES, all_values, dedupe, first_value, split_terms
from review.formats.text import DecodedText, read_text
from review.records import (
    Record,
    clean_text,
    normalise_doi,
    normalise_issn,
    normalise_pmcid,
    normalise_pmid,
    normalise_year,
    split_pages,
)

__all__ = ["read", "parse_text", "MEDLINE_FIELDS"]

# Record field -> MEDLINE tags, first non-empty wins
MEDLINE_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("TI", "BTI", "TT"),
    "abstract": ("AB",),
    "authors": ("FAU", "AU"),
    "corporate_authors": ("CN",),
    "year": ("DP", "DEP", "DA", "EDAT"),
    "journal": ("JT",),
    "journal_abbrev": ("TA",),
    "volume": ("VI",),
    "issue": ("IP",),
    "pages": ("PG",),
    "issns": ("IS", "ISSN"),
    "language": ("LA",),
    "publication_types": ("PT",),
    "subject_headings": ("MH",),
    "keywords": ("OT",),
    "pmid": ("PMID",),
    "pmcid": ("PMC",),
    "source_id": ("PMID", "OID", "AID"),
}

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}-( |$)")
_ISSN_WORD = re.compile(r"\bISSN[-:\s]*", re.I)  # ERIC: "ISSN-1234-4567"
_DOI_MARK = re.compile(r"\[doi\]\s*$", re.I)
_ELOCATION = re.compile(r"^(e?\d{1,8})(?:\s*\[pii\])?$", re.I)
# publication types that say what kind of item a record is (others are study designs)
_REFERENCE_TYPES = (("Book Chapter", "CHAP"), ("Book", "BOOK"), ("Journal Article", "JOUR"))


@dataclass
class _Block:
    start_line: int
    lines: list[str]
    bad_line: int | None = None  # first line that is neither a tag line nor a continuation
    bad_text: str = ""


def _blocks(lines: list[str]) -> Iterator[_Block]:
    """Blank-line separated records, each line checked to be a tag line or continuation."""
    block: _Block | None = None
    for number, line in enumerate(lines, 1):
        if not line.strip() and len(line) < 6:
            if block is not None:
                yield block
                block = None
            continue
        if block is None:
            block = _Block(start_line=number, lines=[])
        if line.startswith("      "):
            ok = len(block.lines) > 0
        else:  # "PMID- ", "TI  - ": a tag padded to 4 characters, then "- "
            ok = (line[4:5] == "-" and line[:1].isupper() and line[:4].rstrip().isalnum()
                  and line[5:6] in (" ", "")) or bool(_TAG_LINE.match(line))
        if not ok and block.bad_line is None:
            block.bad_line, block.bad_text = number, line.strip()[:60]
        block.lines.append(line + "\n")
    if block is not None:
        yield block


def _drop_cut_last_line(blocks: list[_Block], lines: list[str]) -> str:
    """A file cut off inside a tag on its last line ("SO" without its value, no final line
    end): leave that line out so the rest of its record is read; return the warning ("" when
    the file does not end that way)."""
    if not blocks or not lines or not lines[-1].strip():
        return ""  # ends with a line end: the last line is whole
    last = blocks[-1]
    number = len(lines)
    if last.bad_line != number or not re.fullmatch(r"[A-Z]{1,4}\s*-?", last.bad_text) or len(last.lines) < 2:
        return ""
    last.lines.pop()
    last.bad_line, last.bad_text = None, ""
    return (f"the file ends inside a tag on line {number} ({lines[-1].strip()!r}): it looks cut off; "
            "that line was left out and the rest of its record read; export again to be sure")


def parse_text(
    decoded: DecodedText | str, path: str | Path = "<text>", *, require_title: bool = True
) -> ImportResult:
    """Parse MEDLINE text into Records plus the per-file report.

    A record with a line that is not MEDLINE (nor a continuation) is skipped and reported;
    a file with no readable record at all raises UnreadableFileError naming the first bad line.
    """
    if isinstance(decoded, str):
        decoded = DecodedText(text=decoded, encoding="utf-8")
    report = ImportReport(
        path=str(path), format="medline", encoding=decoded.encoding,
        warnings=list(decoded.warnings),
    )
    text = decoded.text
    lines = text.split("\n")
    blocks = list(_blocks(lines))
    cut = _drop_cut_last_line(blocks, lines)
    if cut:
        report.warnings.append(cut)
    _refuse_non_medline(blocks, path)
    records: list[Record] = []
    with_so = sum(1 for b in blocks if any(x.startswith("SO  -") for x in b.lines))
    # one Bio.Medline pass over the good records (blank-line separated, as Medline expects)
    parsed_records = iter(Medline.parse(
        line for block in blocks if block.bad_line is None for line in (*block.lines, "\n")
    ))
    for position, block in enumerate(blocks):
        if block.bad_line is not None:
            report.skipped.append(Skipped(
                line=block.bad_line,
                reason=f"not a MEDLINE tag line (expected e.g. 'TI  - ...'): {block.bad_text!r}",
                position=position,
            ))
            continue
        raw = _tidy(next(parsed_records))
        record = _to_record(raw)
        last = position == len(blocks) - 1
        if last and "SO" not in raw and (with_so > 0 or not text.endswith("\n")):
            report.warnings.append(
                f"the last record (line {block.start_line}) has no 'SO  - ' line, which PubMed "
                "writes at the end of every record: the file may be truncated; the record was "
                "read as far as it goes"
            )
        if not record.title and require_title:
            reason = "no title (TI)"
            if record.pmid:
                reason += f" for PMID {record.pmid}"
            report.skipped.append(Skipped(line=block.start_line, reason=reason, position=position))
            continue
        records.append(record)
        for item in unread_fields(record, raw, _CHECKED_TAGS):
            where = f"line {_tag_line(block, item.tag)}"
            report.warnings.append(unread_warning(item, where=where, title=record.title))
    report.records_read = len(records)
    return ImportResult(records=records, report=report)


# The tags whose value must be readable (a DOI is only taken from AID/LID values marked
# "[doi]", so a pii there is not a DOI that could not be read)
_CHECKED_TAGS = {"year": MEDLINE_FIELDS["year"], "pmid": ("PMID",)}


def _tag_line(block: _Block, tag: str) -> int:
    """The line of a record's first ``tag`` line (the record's first line if not found)."""
    for offset, line in enumerate(block.lines):
        if line[:4].rstrip() == tag and line[4:5] == "-":
            return block.start_line + offset
    return block.start_line


def _refuse_non_medline(blocks: list[_Block], path: str | Path) -> None:
    """Raise unless at least one record is MEDLINE (a PMID-, TI or OWN line, no RIS TY)."""
    if not blocks:
        raise UnreadableFileError(path, "no MEDLINE record found (no 'PMID- ' line)", line=1)
    for block in blocks:
        if block.lines[0].startswith("TY  -"):
            raise UnreadableFileError(
                path, "this is RIS ('TY  - ' lines), not MEDLINE: import it without --format",
                line=block.start_line,
            )
    good = [b for b in blocks if b.bad_line is None]
    if not good:
        first = blocks[0]
        raise UnreadableFileError(
            path, f"not a MEDLINE file: {first.bad_text!r} is not a MEDLINE tag line "
            "(expected 'PMID- ...', 'TI  - ...')", line=first.bad_line,
        )
    if not any(line.startswith(("PMID-", "TI  -", "OWN -")) for b in good for line in b.lines):
        raise UnreadableFileError(
            path, "no MEDLINE record found: no 'PMID- ' or 'TI  - ' line", line=good[0].start_line
        )


def _tidy(parsed: dict[str, Any]) -> dict[str, list[str]]:
    """Bio.Medline's record as tag -> [values] (it joins text tags into one string)."""
    return {tag: value if isinstance(value, list) else [value] for tag, value in parsed.items()}


def _doi(raw: dict[str, list[str]]) -> str:
    values = all_values(raw, ("AID", "LID"))
    for value in values:
        if _DOI_MARK.search(value):
            doi = normalise_doi(value)
            if doi:
                return doi
    for value in values:  # ERIC: "AID - http://dx.doi.org/10..."
        if "doi" in value.lower():
            doi = normalise_doi(value)
            if doi:
                return doi
    return ""


def _reference_type(raw: dict[str, list[str]]) -> str:
    types = all_values(raw, ("PT",))
    if raw.get("BTI") and raw.get("TI"):
        return "CHAP"
    if raw.get("BTI"):
        return "BOOK"
    for name, code in _REFERENCE_TYPES:
        if name in types:
            return code
    if raw.get("TA") or raw.get("JT"):
        return "JOUR"
    return types[0] if types else ""


def _to_record(raw: dict[str, list[str]]) -> Record:
    f = MEDLINE_FIELDS
    authors = [clean_text(a) for a in all_values(raw, ("FAU",))] or [
        clean_text(a) for a in all_values(raw, ("AU",))
    ]
    authors += [clean_text(c) for c in all_values(raw, f["corporate_authors"])]

    start, end = split_pages(first_value(raw, f["pages"]))
    if not start:
        for value in all_values(raw, ("LID",)):
            match = _ELOCATION.match(value.strip())
            if match:  # e-only articles: the article number stands for the pages
                start = match.group(1)
                break

    year = None
    for value in all_values(raw, f["year"]):
        year = normalise_year(value)
        if year:
            break
    if year is None:  # ERIC: "SO - v10 n1 p1-10 2000"
        year = normalise_year(first_value(raw, ("SO",)))

    pmid = normalise_pmid(first_value(raw, f["pmid"]))
    journal = first_value(raw, f["journal"])
    abbrev = first_value(raw, f["journal_abbrev"])
    return Record(
        title=first_value(raw, f["title"]),
        abstract=first_value(raw, f["abstract"]),
        authors=dedupe_names(authors),
        year=year,
        journal=journal or abbrev,
        journal_abbrev=abbrev,
        volume=first_value(raw, f["volume"]),
        issue=first_value(raw, f["issue"]),
        start_page=start,
        end_page=end,
        doi=_doi(raw),
        pmid=pmid,
        pmcid=normalise_pmcid(first_value(raw, f["pmcid"])),
        issns=dedupe(
            i for v in all_values(raw, f["issns"]) for i in normalise_issn(_ISSN_WORD.sub("", v))
        ),
        language="; ".join(dedupe(clean_text(v) for v in all_values(raw, f["language"]))),
        publication_types=dedupe(clean_text(v) for v in all_values(raw, f["publication_types"])),
        subject_headings=split_terms(all_values(raw, f["subject_headings"]), TERM_RULES["medline"]),
        keywords=split_terms(all_values(raw, f["keywords"]), TERM_RULES["medline"]),
        source_id=pmid or first_value(raw, ("OID",)),
        reference_type=_reference_type(raw),
        raw=raw,
    )


def dedupe_names(names: list[str]) -> list[str]:
    return [n for n in names if n]


def read(path: str | Path, *, require_title: bool = True, **_: Any) -> ImportResult:
    """Read a PubMed MEDLINE/.nbib export file."""
    return parse_text(read_text(path), path, require_title=require_title)
