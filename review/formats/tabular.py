"""CSV / TSV / XLSX exports -> Records, by a column mapping.

Which column feeds which Record field:

1. a ``mapping`` given by the user (``review import FILE --map title="Article Title"``) wins;
2. a known export's header (``PROFILES``: PubMed's CSV, Embase's CSV) is recognised whole;
3. otherwise each field takes the first column whose name is one of its aliases
   (``COLUMN_ALIASES``; compared case-insensitively, with spaces, ``_`` and ``-`` alike).
   That covers the usual generic shape: title, author(s), year, journal, volume,
   number/issue, pages, doi, abstract and an id column ``ID``/``id``/``record_id``.

A file without a title column, or a mapping that names a missing column, raises
UnreadableFileError listing the columns present. A row without a title is skipped and
reported with its line (the row number in a workbook). ``raw`` keeps every non-empty cell
under its column name, verbatim.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from review.formats.base import ImportReport, ImportResult, Skipped, UnreadableFileError
from review.formats.checks import CHECKED_FIELDS, unread_fields, unread_warning
from review.formats.fields import TERM_RULES, dedupe, parse_citation, split_authors, split_terms
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

__all__ = ["read", "columns", "COLUMN_ALIASES", "PROFILES", "MAPPABLE_FIELDS", "column_key"]

# Record field (and "pages", split into start/end) -> column names that mean it
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "article title", "document title", "primary title", "paper title", "ti", "t1"),
    "abstract": ("abstract", "abstract note", "notes abstract", "ab", "n2"),
    "authors": (
        "authors", "author", "author(s)", "author names", "author full names", "author full",
        "first authors", "au", "a1",
    ),
    "year": ("year", "publication year", "pub year", "pubyear", "year published", "py", "publication date", "date"),
    "journal": (
        "journal", "journal title", "journal name", "journal full", "source title",
        "publication title", "secondary title", "container title", "journal/book",
        "alternate title3", "jo", "jf", "t2", "booktitle",
    ),
    "journal_abbrev": (
        "journal abbreviation", "journal abbrev", "abbreviated source title", "iso abbreviation",
        "alternate title2", "alternate title1", "j2", "ja",
    ),
    "volume": ("volume", "vol", "vl"),
    "issue": ("issue", "number", "issue number", "no", "is"),
    "pages": ("pages", "page", "page range", "pagination", "pg"),
    "start_page": ("start page", "page start", "first page", "beginning page", "sp"),
    "end_page": ("end page", "page end", "last page", "ending page", "ep"),
    "doi": ("doi", "do", "di"),
    "pmid": ("pmid", "pubmed id", "pm"),
    "pmcid": ("pmcid", "pmc id", "pmc"),
    "issns": ("issn", "issn/isbn", "isbn", "eissn", "sn"),
    "language": ("language", "language of original document", "la"),
    "publication_types": ("publication type", "publication types", "document type", "type of work", "pt", "m3"),
    "subject_headings": (
        "mesh", "mesh terms", "mesh headings", "subject headings", "index keywords",
        "emtree medical index terms", "emtree drug index terms",
    ),
    "keywords": ("keywords", "keyword", "author keywords", "kw", "de"),
    "source_id": ("id", "record id", "accession number", "an", "eid", "ut (unique wos id)", "ut", "key"),
    "reference_type": ("type of reference", "reference type", "entrytype", "item type", "type", "ty"),
    "urls": ("url", "urls", "link", "web link", "open url link", "ur"),
    "source_database": ("source database", "name of database", "database", "db"),
}
MAPPABLE_FIELDS = tuple(COLUMN_ALIASES)
# words a user may write in --map for a field
FIELD_SYNONYMS = {"author": "authors", "id": "source_id", "record_id": "source_id", "number": "issue",
                  "issn": "issns", "keyword": "keywords", "url": "urls", "type": "reference_type",
                  "mesh": "subject_headings", "database": "source_database"}


@dataclass(frozen=True)
class Profile:
    """A known export recognised by its header: fixed columns plus a citation column."""

    name: str
    required: frozenset[str]  # column keys that identify it
    columns: dict[str, str]  # field -> column name
    citation: str = ""  # a one-line citation column parsed for volume/issue/pages
    terms: str = "tabular"  # how its cells join several terms (a key of fields.TERM_RULES)


PROFILES: tuple[Profile, ...] = (
    Profile(
        name="PubMed CSV",
        required=frozenset({"pmid", "title", "authors", "citation", "first author", "journal/book",
                            "publication year", "create date", "pmcid", "nihms id", "doi"}),
        columns={"pmid": "PMID", "title": "Title", "authors": "Authors",
                 "journal_abbrev": "Journal/Book", "year": "Publication Year", "pmcid": "PMCID",
                 "doi": "DOI", "source_id": "PMID"},
        citation="Citation",
    ),
    Profile(
        name="Embase CSV",
        required=frozenset({"title", "author names", "source", "emtree medical index terms"}),
        columns={"title": "Title", "authors": "Author Names", "abstract": "Abstract",
                 "subject_headings": "Emtree Medical Index Terms", "keywords": "keywords"},
        citation="Source",
        terms="embase-csv",
    ),
)

_SEPARATORS = (",", "\t", ";", "|")


def column_key(name: str) -> str:
    """How column names are compared: case, spaces, ``_`` and ``-`` do not matter."""
    return re.sub(r"[\s_\-]+", " ", str(name).replace("\ufeff", "")).strip().lower()


# ---------------------------------------------------------------- rows from the file


@dataclass
class _Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (line or sheet row, cells)
    encoding: str
    warnings: list[str]
    header_line: int


def _delimiter(first_line: str, path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".tsv", ".tab"):
        return "\t"
    counts = {}
    for sep in _SEPARATORS:
        try:
            counts[sep] = len(next(csv.reader([first_line], delimiter=sep))) - 1
        except (csv.Error, StopIteration):
            counts[sep] = 0
    best = max(_SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def _text_table(path: Path, decoded: DecodedText) -> _Table:
    text = decoded.text
    lines = text.split("\n")
    header_index = next(i for i, line in enumerate(lines) if line.strip())
    excel_hint = re.fullmatch(r"sep=(.)", lines[header_index].strip())
    if excel_hint:  # Excel's "sep=;" first line names the delimiter
        delimiter = excel_hint.group(1)
        header_index = next(
            (i for i, line in enumerate(lines) if i > header_index and line.strip()), header_index + 1
        )
    else:
        delimiter = _delimiter(lines[header_index], path)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader(io.StringIO("\n".join(lines[header_index:])), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise UnreadableFileError(path, f"the header row is not valid CSV: {exc}", line=header_index + 1) from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        previous_end = reader.line_num
        start = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                if start:  # only the last row can run into the end of the file
                    _refuse_unclosed_quote(path, lines[start - 1 :], start, delimiter)
                return
            except csv.Error as exc:
                raise UnreadableFileError(
                    path, f"not valid CSV: {exc}", line=header_index + reader.line_num
                ) from exc
            start = header_index + previous_end + 1
            previous_end = reader.line_num
            yield start, cells

    return _Table(
        header=header, rows=rows(), encoding=decoded.encoding, warnings=list(decoded.warnings),
        header_line=header_index + 1,
    )


def _refuse_unclosed_quote(path: Path, rest: list[str], line: int, delimiter: str) -> None:
    """The csv module reads a quote that is never closed to the end of the file as one cell;
    refuse that instead of storing the rest of the file as one record's cell."""
    try:
        for _ in csv.reader(io.StringIO("\n".join(rest)), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            return  # a lenient reading the strict parser refuses: not an unclosed quote
        last = line + max(i for i, text in enumerate(rest) if text.strip() or i == 0)
        raise UnreadableFileError(
            path, f"a quoted cell in the row starting on line {line} is never closed (or the "
            "file was cut off inside it), so the "
            f"rest of the file ({f'lines {line}-{last}' if last > line else f'line {line}'}) "
            "would be read as one cell; "
            'close the quote (a quote inside a cell is written "") and import the file again',
            line=line,
        ) from exc


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10] if isinstance(value, dt.datetime) and not (
            value.hour or value.minute or value.second) else value.isoformat()
    return str(value)


def _workbook_table(path: Path, sheet: str | None) -> _Table:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFileError(path, f"not a readable Excel workbook ({exc})") from exc
    if sheet is not None and sheet not in workbook.sheetnames:
        raise UnreadableFileError(
            path, f"no sheet named {sheet!r}; sheets: {', '.join(workbook.sheetnames)}"
        )
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    all_rows = worksheet.iter_rows(values_only=True)
    header: list[str] = []
    header_line = 0
    for number, values in enumerate(all_rows, 1):
        cells = [_cell_text(v) for v in values]
        if any(c.strip() for c in cells):
            header, header_line = cells, number
            break
    if not header:
        workbook.close()
        raise UnreadableFileError(path, f"the sheet {worksheet.title!r} is empty")

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, values in enumerate(all_rows, header_line + 1):
            yield number, [_cell_text(v) for v in values]
        workbook.close()

    return _Table(header=header, rows=rows(), encoding="xlsx", warnings=[], header_line=header_line)


# ---------------------------------------------------------------- columns -> fields


def _resolve_column(name: str, header: list[str], path: Path) -> int:
    for index, column in enumerate(header):
        if column == name:
            return index
    key = column_key(name)
    for index, column in enumerate(header):
        if column_key(column) == key:
            return index
    raise UnreadableFileError(
        path, f"the mapping names column {name!r}, which the file does not have; "
        f"columns present: {_list_columns(header)}"
    )


def _list_columns(header: list[str]) -> str:
    shown = [repr(c if len(c) <= 40 else c[:37] + "...") for c in header[:30]]
    more = f" and {len(header) - 30} more" if len(header) > 30 else ""
    return (", ".join(shown) + more) or "(none)"


def _looks_like_data(header: list[str]) -> bool:
    """A first row of values rather than column names: long texts, or mostly numbers."""
    cells = [c for c in header if c.strip()]
    long = sum(len(c) > 60 for c in cells)
    numbers = sum(bool(re.fullmatch(r"[\d.\-/ ]+", c)) for c in cells)
    return bool(cells) and (long > 0 or numbers * 2 > len(cells))


def _assign(
    header: list[str], mapping: dict[str, str] | None, path: Path
) -> tuple[dict[str, int], Profile | None]:
    """field -> column index, and the recognised profile (if any)."""
    keys = [column_key(c) for c in header]
    assigned: dict[str, int] = {}
    profile = next((p for p in PROFILES if p.required <= set(keys)), None)
    if profile:
        for field, column in profile.columns.items():
            if column_key(column) in keys:
                assigned[field] = keys.index(column_key(column))
    used = set(assigned.values())
    for field, aliases in COLUMN_ALIASES.items():
        if field in assigned:
            continue
        for alias in aliases:
            if alias in keys and keys.index(alias) not in used:
                assigned[field] = keys.index(alias)
                used.add(assigned[field])
                break
    for field, column in (mapping or {}).items():
        name = FIELD_SYNONYMS.get(field.strip().lower(), field.strip().lower())
        if name not in COLUMN_ALIASES:
            raise UnreadableFileError(
                path, f"--map names an unknown field {field!r}; fields: {', '.join(MAPPABLE_FIELDS)}"
            )
        assigned[name] = _resolve_column(column, header, path)
    return assigned, profile


def _duplicate_columns(header: list[str], assigned: dict[str, int], line: int) -> list[str]:
    """A warning per field read from a column whose name the header repeats (the first of
    them is read; the others stay in the record's raw data only)."""
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        if name:
            positions.setdefault(column_key(name), []).append(index)
    out = []
    for field, index in sorted(assigned.items(), key=lambda item: item[1]):
        same = positions.get(column_key(header[index]), [])
        if len(same) > 1:
            columns = ", ".join(str(i + 1) for i in same)
            out.append(
                f"line {line}: the header names column {header[index]!r} {len(same)} times "
                f"(columns {columns}); the {field} is read from column {index + 1} only: rename "
                "the others or choose one with --map"
            )
    return out


# ---------------------------------------------------------------- rows -> Records


def _record(cells: list[str], header: list[str], assigned: dict[str, int], profile: Profile | None) -> Record:
    def get(field: str) -> str:
        index = assigned.get(field)
        return cells[index] if index is not None and index < len(cells) else ""

    raw: dict[str, list[str]] = {}
    for i, cell in enumerate(cells[: len(header)]):
        if cell.strip():
            raw.setdefault(header[i] or f"column {i + 1}", []).append(cell)
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
        raw["(cells beyond the header)"] = [c for c in cells[len(header):] if c.strip()]

    terms = TERM_RULES[profile.terms if profile else "tabular"]
    pages = get("pages")
    start, end = split_pages(pages) if pages.strip() else split_pages(get("start_page"), get("end_page"))
    record = Record(
        title=clean_text(get("title")),
        abstract=clean_text(get("abstract")),
        authors=split_authors(get("authors")),
        year=normalise_year(get("year")),
        journal=clean_text(get("journal")),
        journal_abbrev=clean_text(get("journal_abbrev")),
        volume=clean_text(get("volume")),
        issue=clean_text(get("issue")),
        start_page=start,
        end_page=end,
        doi=normalise_doi(get("doi")),
        pmid=normalise_pmid(get("pmid")) if get("pmid").strip() else "",
        pmcid=normalise_pmcid(get("pmcid")),
        issns=normalise_issn(get("issns")),
        language=clean_text(get("language")),
        publication_types=split_terms(get("publication_types"), terms),
        subject_headings=split_terms(get("subject_headings"), terms),
        keywords=split_terms(get("keywords"), terms),
        source_database=clean_text(get("source_database")),
        source_id=clean_text(get("source_id")),
        reference_type=clean_text(get("reference_type")),
        urls=dedupe(u for u in re.split(r"[\s;]+", get("urls")) if u),
        raw=raw,
    )
    if profile and profile.citation:
        index = next((i for i, c in enumerate(header) if column_key(c) == column_key(profile.citation)), None)
        citation = parse_citation(cells[index]) if index is not None and index < len(cells) else {}
        if citation:
            record.journal = record.journal or citation.get("journal", "")
            record.volume = record.volume or citation.get("volume", "")
            record.issue = record.issue or citation.get("issue", "")
            record.year = record.year or normalise_year(citation.get("date"))
            if not record.start_page and citation.get("pages"):
                record.start_page, record.end_page = split_pages(citation["pages"])
    if not record.journal:
        record.journal = record.journal_abbrev
    if not record.doi:  # Embase CSV: the DOI only in its OpenURL link ("id=doi:10.4103%2F...")
        for url in record.urls:
            if "doi" in url.lower():
                record.doi = normalise_doi(unquote(url.split("doi:", 1)[-1].split("&", 1)[0]))
                if record.doi:
                    break
    return record


def read(
    path: str | Path,
    *,
    mapping: dict[str, str] | None = None,
    require_title: bool = True,
    sheet: str | None = None,
    **_: Any,
) -> ImportResult:
    """Read a CSV/TSV/XLSX export. ``mapping`` is {field: column} (see module docstring)."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        table = _workbook_table(path, sheet)
    else:
        table = _text_table(path, read_text(path))
    header = [str(h).replace("\ufeff", "").strip() for h in table.header]
    assigned, profile = _assign(header, mapping, path)
    if "title" not in assigned:
        hint = (
            "; the first row looks like data, not column names: add a header row "
            "(e.g. title,authors,year) as the first line" if _looks_like_data(header) else ""
        )
        raise UnreadableFileError(
            path, f"no title column found; columns present: {_list_columns(header)}. "
            f"Name it with --map title=COLUMN{hint}",
            line=table.header_line,
        )
    report = ImportReport(
        path=str(path), format="tabular", encoding=table.encoding, warnings=list(table.warnings)
    )
    report.warnings.extend(_duplicate_columns(header, assigned, table.header_line))
    records: list[Record] = []
    position = 0
    title_column = header[assigned["title"]]
    ragged: list[int] = []
    # the columns whose values must be readable (year, DOI, PubMed id), by header name
    checked = {f: (header[assigned[f]],) for f in CHECKED_FIELDS if f in assigned}
    unit = "row" if path.suffix.lower() in (".xlsx", ".xlsm") else "line"
    for line, cells in table.rows:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            ragged.append(line)
        record = _record(cells, header, assigned, profile)
        if not record.title and require_title:
            report.skipped.append(
                Skipped(line=line, reason=f"no title (column {title_column!r} is empty)", position=position)
            )
        else:
            records.append(record)
            for item in unread_fields(record, record.raw, checked):
                report.warnings.append(unread_warning(item, where=f"{unit} {line}", title=record.title))
        position += 1
    if ragged:
        shown = ", ".join(map(str, ragged[:10])) + (", ..." if len(ragged) > 10 else "")
        report.warnings.append(
            f"{len(ragged)} row(s) have more or fewer cells than the header's {len(header)} "
            f"columns (line(s) {shown}): their values may be in the wrong columns; check the "
            "delimiter and quoting there (a cut-off last row means the file is truncated)"
        )
    if position == 0:
        report.warnings.append("the file has a header row but no records")
    report.records_read = len(records)
    if "source_database" in assigned:
        column = header[assigned["source_database"]]
        report.databases = {r.source_database: f"their column {column!r}" for r in records if r.source_database}
    return ImportResult(records=records, report=report)


def columns(path: str | Path, *, sheet: str | None = None) -> list[str]:
    """The column names of a CSV/TSV/XLSX export's header row (what a mapping form offers)."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        table = _workbook_table(path, sheet)
    else:
        table = _text_table(path, read_text(path))
    return [str(h).replace("\ufeff", "").strip() for h in table.header]
