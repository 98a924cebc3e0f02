"""RIS exports (and Web of Science tagged exports) -> Records, through rispy; and Records
back out as RIS (``write_ris``, for EndNote and Zotero).

rispy does the tag parsing: ``_TagParser`` is a ``rispy.RisParser`` with an identity tag
mapping, so each record comes back as ``tag -> [values]`` exactly as written (continuation
lines joined to their value with a newline). This module adds what rispy leaves to callers:

* record boundaries with line numbers (a record without a title is skipped and reported
  with the line of its ``TY``; a record whose ``ER`` is missing is still read, with a warning;
  tag lines ended by ``ER`` with no ``TY`` before them are reported as a skipped record);
* one field table (``RIS_FIELDS``) so both tag families land in the same Record fields:
  TI/T1, AU/A1, PY/Y1/DA, AB/N2, JF/JO/T2 and JA/J2, DO, SP/EP, VL, IS, SN, KW, AN/ID, LA;
* the source database of each record of an Ovid multi-database export, from the ``D=`` code
  of its Ovid link (``OVID_DATABASES``); records without one keep the database given at import;
* the vendor quirks listed in ``_vendor_rules`` (PubMed ids in AN/C2, Embase L-numbers,
  PsycINFO "No Specified" pages, Ovid CENTRAL's one-line author lists, DOIs from the
  OpenURL of Ovid's link text, whose pmid slot is kept in raw only).

Between records anything goes (Ovid's ``N.`` lines and "Link to ..." text, EndNote's
"Record #1 of 2" banners): it is kept as the preceding record's trailer and searched for its
Ovid link; stray tag lines there (Ovid PsycINFO writes ``NL`` after ``ER``) join its raw tags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import rispy

from review.formats.base import ImportReport, ImportResult, Skipped, UnreadableFileError
from review.formats.checks import CHECKED_FIELDS, unread_fields, unread_warning
from review.formats.fields import (
    TERM_RULES,
    all_values,
    dedupe,
    first_value,
    split_authors,
    split_terms,
)
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

__all__ = [
    "read",
    "parse_text",
    "OVID_DATABASES",
    "RIS_FIELDS",
    "WOS_FIELDS",
    "ovid_database",
]

# Record field -> RIS tags, first non-empty wins (both tag families of every exporter).
RIS_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("TI", "T1", "CT"),
    "book_title": ("BT",),  # the title of a whole book when TI/T1 are absent
    "other_title": ("ST", "TT"),  # short / translated title: last resort
    "abstract": ("AB", "N2"),
    "authors": ("AU", "A1"),
    "year": ("PY", "Y1", "DA"),
    "journal": ("JF", "JO", "T2"),
    "journal_abbrev": ("JA", "J2", "J1", "NL"),
    "volume": ("VL", "VO"),
    "issue": ("IS", "CP"),
    "start_page": ("SP",),
    "end_page": ("EP",),
    "doi": ("DO",),
    "issns": ("SN",),
    "keywords": ("KW",),
    "source_id": ("AN", "U2", "ID"),
    "language": ("LA",),
    "publication_types": ("M3",),
    "urls": ("UR", "L1", "L2", "L3", "L4", "LK"),
    "reference_type": ("TY",),
}

# Web of Science "plain text" (FN/PT ... ER) export: same Record fields, its own tags.
WOS_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("TI",),
    "book_title": ("BS",),
    "other_title": (),
    "abstract": ("AB",),
    "authors": ("AF", "AU"),
    "year": ("PY", "EA"),
    "journal": ("SO",),
    "journal_abbrev": ("JI", "J9"),
    "volume": ("VL",),
    "issue": ("IS",),
    "start_page": ("BP", "AR"),
    "end_page": ("EP",),
    "doi": ("DI",),
    "issns": ("SN", "EI"),
    "keywords": ("DE", "ID"),  # author keywords, then Keywords Plus
    "source_id": ("UT",),
    "language": ("LA",),
    "publication_types": ("DT",),
    "urls": (),
    "reference_type": ("PT",),
    "pmid": ("PM",),
}

# Ovid database codes (the D= of an Ovid link) by prefix -> source database name.
# Ovid segments: medl/medp/medc/mesz/prem... (MEDLINE, in-process, ePub ahead), emed/emez/
# emex/oemezd (Embase), cctr (CENTRAL), coch (CDSR), psyc/psyh (APA PsycInfo).
OVID_DATABASES: tuple[tuple[str, str], ...] = (
    ("prem", "MEDLINE"),
    ("med", "MEDLINE"),
    ("mes", "MEDLINE"),
    ("ppez", "MEDLINE"),
    ("oemez", "Embase"),
    ("emed", "Embase"),
    ("emez", "Embase"),
    ("emex", "Embase"),
    ("emef", "Embase"),
    ("emba", "Embase"),
    ("cctr", "CENTRAL"),
    ("coch", "Cochrane Database of Systematic Reviews"),
    ("clcmr", "Cochrane Methodology Register"),
    ("dare", "DARE"),
    ("clhta", "HTA"),
    ("cleed", "NHS EED"),
    ("psyc", "PsycINFO"),
    ("psyh", "PsycINFO"),
    ("psyb", "PsycINFO"),
    ("amed", "AMED"),
    ("cagh", "Global Health"),
    ("hmic", "HMIC"),
    ("ovft", "Journals@Ovid"),
    ("eric", "ERIC"),
)

_OVID_CODE = re.compile(r"ovid[^\s]*?[?&]D=([A-Za-z0-9]+)", re.I)
_OVID_SID = re.compile(r"sid/Ovid:([A-Za-z0-9]+)", re.I)
_OVID_AN = re.compile(r"ovid[^\s]*?[?&]AN=([^&\s]+)", re.I)
_SCOPUS_EID = re.compile(r"[?&]eid=(2-s2\.0-\d+)")
# digits only, up to the next parameter: Ovid CENTRAL links put a DOI in the pmid slot
# ("info:pmid/10.1177%2F0269881116675512"), which is a DOI, never PubMed id "10"
_OPENURL_PMID = re.compile(r"rft_id=info:pmid/(\d+)(?=&|\s|$)")
_OPENURL_PMID_DOI = re.compile(r"rft_id=info:pmid/(10\.\d{4,9}(?:/|%2F)[^&\s]+)", re.I)
_OPENURL_DOI = re.compile(r"rft_id=info:doi/([^&\s]+)")
_NLM_PROVIDERS = {"nlm", "pubmed", "medline", "national library of medicine"}
_BOOK_TYPES = {"BOOK", "EBOOK", "EDBOOK", "CHAP", "ECHAP"}

# 2-character tags with lax spacing ("KW - x", "A1\t- x", "ID \t- x") and a few long ones
_LAX_TAG = re.compile(r"^([A-Z][A-Z0-9])[ \t]{0,3}-(?:[ \t]+|$)(.*)$")
_LONG_TAG = re.compile(r"^(PMID|PMCID)[ \t]*-(?:[ \t]+|$)(.*)$")
_WOS_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")


def ovid_database(code: str) -> str:
    """Database name for an Ovid D= code ("medl" -> "MEDLINE"); "" when unknown."""
    low = code.lower()
    for prefix, name in OVID_DATABASES:
        if low.startswith(prefix):
            return name
    return ""


class _IdentityMapping(dict):
    """Every tag maps to itself, so rispy keeps tags verbatim (no 'unknown_tag' bucket)."""

    def __missing__(self, key: str) -> str:
        return key


class _EveryTag:
    """Every tag is a list tag: repeated tags keep each value."""

    def __contains__(self, tag: object) -> bool:
        return True


class _TagParser(rispy.RisParser):
    """rispy's RIS parser, keeping tags verbatim and tolerant of exporters' spacing."""

    PATTERN = r"^[A-Z][A-Z0-9]  - "

    def __init__(self) -> None:
        super().__init__(
            mapping=_IdentityMapping(),
            list_tags=_EveryTag(),  # type: ignore[arg-type]
            delimiter_tags_mapping={},
            enforce_list_tags=True,
        )

    def parse_line(self, line: str) -> tuple[str, str] | tuple[None, str]:
        return _ris_tag(line)

    def _add_tag(self, record: dict, tag: str, content: str, extend_multiline: bool = False) -> None:
        _add_value(record, tag, content, extend_multiline)


class _WosParser(rispy.WokParser):
    """rispy's Web of Science parser with the same verbatim tag handling."""

    DEFAULT_IGNORE: list[str] = ["FN", "VR", "EF"]

    def __init__(self) -> None:
        super().__init__(
            mapping=_IdentityMapping(),
            list_tags=_EveryTag(),  # type: ignore[arg-type]
            delimiter_tags_mapping={},
        )

    def parse_line(self, line: str) -> tuple[str, str] | tuple[None, str]:
        return _wos_tag(line)

    def _add_tag(self, record: dict, tag: str, content: str, extend_multiline: bool = False) -> None:
        _add_value(record, tag, content, extend_multiline)


def _ris_tag(line: str) -> tuple[str, str] | tuple[None, str]:
    if line[2:5] == "  -" and line[:1].isalpha() and line[:2].isupper():
        return line[:2], line[5:].strip()
    match = _LAX_TAG.match(line) or _LONG_TAG.match(line)
    if match:
        return match.group(1), match.group(2).strip()
    return None, line.strip()


def _wos_tag(line: str) -> tuple[str, str] | tuple[None, str]:
    if line[:3] == "   " or not line[:2].strip():
        return None, line.strip()
    match = _WOS_TAG.match(line)
    if match:
        return match.group(1), (match.group(2) or "").strip()
    return None, line.strip()


def _add_value(record: dict, tag: str | None, content: str, continuation: bool) -> None:
    if continuation:
        if not content:
            return
        key = tag or "TY"
        values = record.get(key)
        if isinstance(values, list) and values:
            values[-1] = f"{values[-1]}\n{content}" if values[-1] else content
        elif isinstance(values, str):
            record[key] = f"{values}\n{content}" if values else content
        else:
            record[key] = [content]
        return
    values = record.get(tag)
    if isinstance(values, list):
        values.append(content)
    elif isinstance(values, str):
        record[tag] = [values, content]
    else:
        record[tag] = [content]


@dataclass(frozen=True)
class _Dialect:
    name: str
    start: str
    end: str
    tag_of: Any
    parser: type[rispy.RisParser]
    fields: dict[str, tuple[str, ...]]
    header_tags: frozenset[str] = frozenset()


RIS = _Dialect("ris", "TY", "ER", _ris_tag, _TagParser, RIS_FIELDS)
WOS = _Dialect("wos", "PT", "ER", _wos_tag, _WosParser, WOS_FIELDS, frozenset({"FN", "VR", "EF"}))


@dataclass
class _Chunk:
    start_line: int
    lines: list[str]
    end_line: int = 0
    closed: bool = False  # ended by its own ER line
    trailer: list[str] = field(default_factory=list)
    headless: bool = False  # tag lines ended by ER, but no TY line started them: not read


def _iter_records(lines: list[str], dialect: _Dialect) -> Iterator[_Chunk]:
    """Records in order, each yielded once its trailer (junk before the next record) is known.

    Tag lines outside any record that end with an ``ER`` line and hold a title or two tags
    are a record whose ``TY`` line is missing: yielded as a ``headless`` chunk (reported, not read), not left in the
    previous record's trailer, where their tags would join that record."""
    current: _Chunk | None = None
    done: _Chunk | None = None
    loose: int | None = None  # line of the first tag line outside a record since the last ER
    start, end = dialect.start, dialect.end
    for number, line in enumerate(lines, 1):
        # only lines that begin with the start or end tag need the full tag check
        tag = dialect.tag_of(line)[0] if line.startswith((start, end)) else None
        if tag == start:
            loose = None
            if done is not None:
                yield done
                done = None
            if current is not None:  # previous record never ended: no ER line
                current.end_line = number - 1
                yield current
            current = _Chunk(start_line=number, lines=[line])
        elif current is not None:
            current.lines.append(line)
            if tag == end:
                current.closed = True
                current.end_line = number
                done, current = current, None
        else:
            if done is not None:
                done.trailer.append(line)
            if tag == end and loose is not None and _looks_like_record(lines[loose - 1 : number], dialect):
                headless = _Chunk(start_line=loose, lines=lines[loose - 1 : number],
                                  end_line=number, closed=True, headless=True)
                if done is not None:
                    del done.trailer[len(done.trailer) - len(headless.lines):]
                    yield done
                    done = None
                yield headless
                loose = None
            elif loose is None and _is_body_tag(line, dialect):
                loose = number
    if done is not None:
        yield done
    if current is not None:
        current.end_line = current.start_line + len(current.lines) - 1
        yield current


def _is_body_tag(line: str, dialect: _Dialect) -> bool:
    """A tag line with a value that belongs inside a record (not ER, not a file header)."""
    tag, content = dialect.tag_of(line)
    return bool(tag) and bool(content) and tag not in (dialect.end, *dialect.header_tags)


def _looks_like_record(lines: list[str], dialect: _Dialect) -> bool:
    """Loose tag lines ended by ER that are a record (a title, or two tags), not one stray tag
    after a record's ER (Ovid PsycINFO's NL), which stays with that record."""
    tags = [dialect.tag_of(line)[0] for line in lines if _is_body_tag(line, dialect)]
    return len(tags) >= 2 or bool(set(tags) & set(dialect.fields["title"]))


def _headless_reason(chunk: _Chunk, dialect: _Dialect) -> str:
    title = next((c for t, c in map(dialect.tag_of, chunk.lines) if t in ("TI", "T1") and c), "")
    shown = f" (title {title[:60]!r})" if title else ""
    return (
        f"a record without a '{dialect.start}  - ' line, lines {chunk.start_line}-"
        f"{chunk.end_line}{shown}: not read; add a line such as '{dialect.start}  - JOUR' "
        f"before line {chunk.start_line} and import the file again"
    )


def _first_junk(lines: list[str]) -> tuple[int, str]:
    for number, line in enumerate(lines, 1):
        if line.strip():
            return number, line.strip()
    return 1, ""


def parse_text(
    decoded: DecodedText | str, path: str | Path = "<text>", *, require_title: bool = True
) -> ImportResult:
    """Parse RIS (or Web of Science tagged) text into Records plus the per-file report."""
    if isinstance(decoded, str):
        decoded = DecodedText(text=decoded, encoding="utf-8")
    text = decoded.text
    lines = text.split("\n")
    dialect = _dialect_of(lines)
    report = ImportReport(
        path=str(path), format="ris", encoding=decoded.encoding, warnings=list(decoded.warnings)
    )
    chunks = list(_iter_records(lines, dialect))
    readable = [chunk for chunk in chunks if not chunk.headless]
    # one rispy pass over all records (an unterminated one gets its ER): one dict per chunk
    parsed = dialect.parser().parse_lines(
        line for chunk in readable
        for line in (chunk.lines if chunk.closed else [*chunk.lines, f"{dialect.end}  - "])
    )
    if len(parsed) != len(readable):  # cannot happen: every chunk is one TY .. ER run
        raise UnreadableFileError(path, f"RIS parser found {len(parsed)} records, expected {len(readable)}")
    parsed_records = iter(parsed)
    records: list[Record] = []
    codes: dict[str, set[str]] = {}  # database a record names itself -> its Ovid codes
    for position, chunk in enumerate(chunks):
        if chunk.headless:
            report.skipped.append(Skipped(
                line=chunk.start_line, reason=_headless_reason(chunk, dialect), position=position
            ))
            continue
        raw = _tidy(next(parsed_records))
        _merge_trailer_tags(raw, chunk.trailer, dialect)
        if not chunk.closed:
            last = position == len(chunks) - 1
            report.warnings.append(_unterminated_warning(chunk, dialect, last=last))
        record = _to_record(raw, dialect, chunk.trailer)
        if not record.title:
            reason = "no title (TI/T1 empty or missing)" if dialect is RIS else "no title (TI)"
            if not chunk.closed:
                reason += "; the record is cut off (no ER line)"
            if require_title:
                report.skipped.append(Skipped(line=chunk.start_line, reason=reason, position=position))
                continue
        records.append(record)
        if record.source_database:
            _note_database(codes, record, raw, chunk.trailer)
        for item in unread_fields(record, raw, {k: dialect.fields.get(k, ()) for k in CHECKED_FIELDS}):
            where = f"line {_tag_line(chunk, item.tag, dialect)}"
            report.warnings.append(unread_warning(item, where=where, title=record.title))
    if not chunks:
        number, shown = _first_junk(lines)
        hint = ""
        if re.match(r"^PMID- ?\d", shown):
            hint = " (this looks like a PubMed MEDLINE/.nbib file: import it without --format)"
        raise UnreadableFileError(
            path,
            f"no RIS record found: no line starts with 'TY  - '; line {number} reads "
            f"{shown[:80]!r}{hint}",
            line=number,
        )
    report.records_read = len(records)
    report.databases = {
        name: (f"the {', '.join(sorted(found))} code{'s' if len(found) > 1 else ''} of their Ovid links"
               if found else "their own tags")
        for name, found in codes.items()
    }
    return ImportResult(records=records, report=report)


def _note_database(codes: dict[str, set[str]], record: Record, raw: dict, trailer: list[str]) -> None:
    """Remember how a record's own source database was found (its Ovid link's D= code)."""
    code, _an = _ovid_link(raw, trailer)
    found = codes.setdefault(record.source_database, set())
    if code:
        found.add(f"D={code}")


def _tag_line(chunk: _Chunk, tag: str, dialect: _Dialect) -> int:
    """The line of a record's first ``tag`` line (the record's first line if not found)."""
    for offset, line in enumerate(chunk.lines):
        if line.startswith(tag[:1]) and dialect.tag_of(line)[0] == tag:
            return chunk.start_line + offset
    return chunk.start_line


def _dialect_of(lines: list[str]) -> _Dialect:
    for line in lines[:50]:
        if not line.strip():
            continue
        if line.startswith(("FN ", "VR ")):
            return WOS
        if line.startswith("PT ") and not any(_ris_tag(x)[0] == "TY" for x in lines[:200]):
            return WOS
        break
    return RIS


def _unterminated_warning(chunk: _Chunk, dialect: _Dialect, *, last: bool) -> str:
    if last:
        return (
            f"the file ends inside the record starting at line {chunk.start_line} (no final "
            f"'{dialect.end}  - ' line): the file may be truncated; that record was read as far "
            "as it goes"
        )
    return (
        f"the record starting at line {chunk.start_line} has no '{dialect.end}  - ' line; it "
        f"was read up to line {chunk.end_line}, where the next record starts"
    )


def _tidy(raw: dict) -> dict[str, list[str]]:
    """rispy's dict as tag -> [values] (its start tag comes as a plain string), ER dropped."""
    for tag, value in raw.items():
        if not isinstance(value, list):
            raw[tag] = [value]
    raw.pop("ER", None)
    raw.pop(None, None)
    return raw


def _merge_trailer_tags(raw: dict[str, list[str]], trailer: list[str], dialect: _Dialect) -> None:
    """Tag lines after ER but before the next record (Ovid PsycINFO's NL) belong to it."""
    for line in trailer:
        tag, content = dialect.tag_of(line)
        if tag and tag not in (dialect.end, *dialect.header_tags) and content:
            raw.setdefault(tag, []).append(content)


def _lines(values: list[str]) -> list[str]:
    """Values of a list tag, continuation lines counted as separate items (EndNote's KW)."""
    return [part.strip() for v in values for part in v.split("\n") if part.strip()]


def _ovid_link(raw: dict[str, list[str]], trailer: list[str]) -> tuple[str, str]:
    """(D= code, AN) of the record's Ovid link, from its URL tags or the text after it."""
    candidates = all_values(raw, ("L2", "UR", "L1", "L3", "L4", "LK", "M2"))
    for text in (*candidates, *trailer):
        if "ovid" not in text.lower():
            continue
        code = _OVID_CODE.search(text) or _OVID_SID.search(text)
        if code:
            an = _OVID_AN.search(text)
            return code.group(1), (an.group(1) if an else "")
    return "", ""


def _to_record(raw: dict[str, list[str]], dialect: _Dialect, trailer: list[str]) -> Record:
    f = dialect.fields
    reference_type = first_value(raw, f["reference_type"])
    title = first_value(raw, f["title"])
    if not title and reference_type.upper() in _BOOK_TYPES | {"B"}:
        title = first_value(raw, f["book_title"])
    if not title:
        title = first_value(raw, f["other_title"])

    authors: list[str] = []
    for tag in f["authors"]:
        if raw.get(tag):
            authors = split_authors(_lines(raw[tag]))
            break

    journal = first_value(raw, f["journal"])
    abbrev = first_value(raw, f["journal_abbrev"])

    start, end = split_pages(first_value(raw, f["start_page"]), first_value(raw, f["end_page"]))
    if (start, end) == ("No", "Specified") or start.lower() == "no specified":
        start, end = "", ""  # Ovid PsycINFO's "SP - No / EP - Specified"

    urls = dedupe(
        u.strip() for v in all_values(raw, f["urls"]) for u in re.split(r"[\s;]+(?=https?://)|\n", v)
    )

    doi = ""
    for value in all_values(raw, f["doi"]):
        doi = normalise_doi(value)
        if doi:
            break
    if not doi:
        for value in (*all_values(raw, ("M3",)), *urls):
            if "doi" in value.lower():
                doi = normalise_doi(value)
                if doi:
                    break

    record = Record(
        title=title,
        abstract=clean_text(" ".join(all_values(raw, f["abstract"][:1]))
                            or " ".join(all_values(raw, f["abstract"][1:]))),
        authors=authors,
        year=_year(raw, f["year"]),
        journal=journal or abbrev,
        journal_abbrev=abbrev,
        volume=first_value(raw, f["volume"]),
        issue=first_value(raw, f["issue"]),
        start_page=start,
        end_page=end,
        doi=doi,
        issns=dedupe(i for v in all_values(raw, f["issns"]) for i in normalise_issn(v)),
        language="; ".join(dedupe(clean_text(v) for v in _lines(all_values(raw, f["language"])))),
        publication_types=dedupe(clean_text(v) for v in _lines(all_values(raw, f["publication_types"]))),
        keywords=split_terms(all_values(raw, f["keywords"]), TERM_RULES[dialect.name]),
        source_id=first_value(raw, f["source_id"]),
        reference_type=reference_type,
        urls=urls,
        raw=raw,
    )
    if dialect is WOS:
        record.pmid = normalise_pmid(first_value(raw, f["pmid"]))
        return record
    _vendor_rules(record, raw, trailer)
    return record


def _year(raw: dict[str, list[str]], tags: tuple[str, ...]) -> int | None:
    for value in all_values(raw, tags):
        year = normalise_year(value)
        if year:
            return year
    return None


def _vendor_rules(record: Record, raw: dict[str, list[str]], trailer: list[str]) -> None:
    """What only some exporters do (each rule names its exporter)."""
    database_tag = first_value(raw, ("DB", "DP")).lower()
    accession = first_value(raw, ("AN",))

    # Ovid (any segment): the database from the link's D= code; MEDLINE accession = PMID
    code, ovid_an = _ovid_link(raw, trailer)
    if code:
        record.source_database = ovid_database(code) or f"Ovid {code}"
        record.source_id = record.source_id or ovid_an
        if record.source_database == "MEDLINE":
            record.pmid = normalise_pmid(ovid_an or first_value(raw, ("ID", "AN")))
        if record.source_database in ("MEDLINE", "Embase", "CENTRAL", "PsycINFO"):
            record.subject_headings = list(record.keywords)
        record.publication_types = []  # Ovid's M3 is a classification code, not a type
        # Ovid CENTRAL writes all authors on one line: "Petri G, Expert P, ..."
        if len(record.authors) == 1:
            record.authors = split_authors(record.authors[0])
        # the OpenURL in Ovid's link text carries a DOI (CENTRAL's own tags lack it) and a
        # number in its pmid slot, kept in raw only (see _from_openurl)
        _from_openurl(record, raw, trailer)

    # PubMed records from EndNote/Zotero: "DP/DB - NLM", PubMed id in AN, PMCID in C2
    if database_tag in _NLM_PROVIDERS and accession.isdigit():
        record.pmid = normalise_pmid(accession)
    for value in all_values(raw, ("C2", "PMCID")):
        if not record.pmcid:
            record.pmcid = normalise_pmcid(value)
    # Scopus: "C2 - <PubMed id>", the EID in the record's URL
    if database_tag == "scopus":
        pmid = first_value(raw, ("C2",))
        if pmid.isdigit():
            record.pmid = pmid
        for url in record.urls:
            eid = _SCOPUS_EID.search(url)
            if eid and not record.source_id:
                record.source_id = eid.group(1)
        if not record.start_page:
            record.start_page = first_value(raw, ("C7",))  # article number
    # Embase.com: Emtree terms in KW, the L-number in U2
    if database_tag in ("embase", "medline") and any("embase.com" in u for u in record.urls):
        record.subject_headings = list(record.keywords)
        record.source_id = first_value(raw, ("U2",)) or record.source_id
    # exporters that add a non-standard "PMID - " line (CoLRev's PsycINFO sample)
    if not record.pmid and raw.get("PMID"):
        record.pmid = normalise_pmid(first_value(raw, ("PMID",)))


def _from_openurl(record: Record, raw: dict[str, list[str]], trailer: list[str]) -> None:
    """The DOI from the OpenURL of Ovid's link text; the number in its pmid slot goes to
    ``raw["OPENURL_PMID"]``, never to ``record.pmid``: for Ovid CENTRAL it is not always the
    record's PubMed id (in a real export 6 of 54 checkable numbers belonged to other
    records or were Embase accession numbers), and a wrong PMID keeps true duplicates
    apart ("PMIDs differ"). MEDLINE records take their PMID from the accession number."""
    for line in trailer:
        if "rft_id=" not in line:
            continue
        if record.source_id and record.source_id not in line:
            continue  # the link text of another record
        pmid = _OPENURL_PMID.search(line)
        if pmid and "OPENURL_PMID" not in raw:
            raw["OPENURL_PMID"] = [pmid.group(1)]
        doi = _OPENURL_DOI.search(line) or _OPENURL_PMID_DOI.search(line)
        if doi and not record.doi:
            record.doi = normalise_doi(unquote(doi.group(1)))


def read(path: str | Path, *, require_title: bool = True, **_: Any) -> ImportResult:
    """Read an RIS (or Web of Science tagged) export file."""
    decoded = read_text(path)
    return parse_text(decoded, path, require_title=require_title)


# ---------------------------------------------------------------------------------------
# Writing RIS (records back out, for EndNote and Zotero)

# reference types written as they are; any other becomes JOUR
WRITE_TYPES = frozenset({"JOUR", "CONF", "BOOK", "CHAP", "THES", "RPRT", "GEN", "ABST", "EJOUR", "ELEC", "NEWS", "MGZN"})


@dataclass(frozen=True)
class RisEntry:
    """One record to write, with what the writer adds to its own fields: ``keywords`` (KW
    lines after the record's headings and keywords; tags in Zotero and EndNote), ``notes``
    (N1 lines: EndNote "Notes", Zotero child notes) and ``ref_id`` (the ID line)."""

    record: Record
    keywords: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    ref_id: str = ""


def write_ris(entries: Iterable[RisEntry | Record]) -> str:
    """RIS text (CRLF line ends) of ``entries``: each record's own fields, then its extra
    keywords, links, notes and id. A value's white space is folded to single spaces (the
    abstract keeps its spaces, its line breaks become spaces); empty fields are left out."""
    out: list[str] = []

    def tag(name: str, value: Any) -> None:
        text = " ".join(str(value).split()) if name != "AB" else str(value).replace("\r", "").replace("\n", " ")
        if text:
            out.append(f"{name}  - {text}")

    for entry in entries:
        if isinstance(entry, Record):
            entry = RisEntry(entry)
        r = entry.record
        tag("TY", r.reference_type if r.reference_type in WRITE_TYPES else "JOUR")
        for author in r.authors:
            tag("AU", author)
        tag("TI", r.title)
        tag("T2", r.journal)
        tag("J2", r.journal_abbrev)
        tag("PY", r.year or "")
        tag("VL", r.volume)
        tag("IS", r.issue)
        tag("SP", r.start_page)
        tag("EP", r.end_page)
        for issn in r.issns:
            tag("SN", issn)
        tag("DO", r.doi)
        tag("AN", r.pmid or r.source_id)
        tag("LA", r.language)
        tag("DB", r.source_database)
        tag("AB", r.abstract)
        # one KW line per heading or keyword (MeSH/Emtree first), as reference managers read them
        for kw in dict.fromkeys([*r.subject_headings, *r.keywords]):
            tag("KW", kw)
        for kw in entry.keywords:
            tag("KW", kw)
        for url in r.urls:
            tag("UR", url)
        for line in entry.notes:
            tag("N1", line)
        tag("ID", entry.ref_id)
        out.append("ER  - ")
        out.append("")
    return "\r\n".join(out)
