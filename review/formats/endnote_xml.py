"""EndNote XML export (``<xml><records><record>...``) -> Records.

Every field's text is the concatenation of its ``<style>`` runs (EndNote wraps text in
``<style face="bold">`` and the like). The reader streams records with lxml (so a skipped
record is reported with its line) and maps element paths to Record fields (``ENDNOTE_FIELDS``).
``raw`` keeps every leaf element as ``path -> [text]`` verbatim (EndNote's ``\\r`` line breaks
included), plus ``ref-type@name``.

A file that ends inside a record (truncated) keeps the records before it, with a warning; XML
that is broken elsewhere raises UnreadableFileError with the line and column.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from lxml import etree

from review.formats.base import ImportReport, ImportResult, Skipped, UnreadableFileError
from review.formats.checks import unread_fields, unread_warning
from review.formats.fields import TERM_RULES, all_values, dedupe, first_value, split_authors, split_terms
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

__all__ = ["read", "parse_text", "ENDNOTE_FIELDS"]

# Record field -> element paths under <record>, first non-empty wins
ENDNOTE_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("titles/title", "titles/translated-title", "titles/short-title"),
    "abstract": ("abstract",),
    "authors": ("contributors/authors/author",),
    "year": ("dates/year", "dates/pub-dates/date"),
    "journal": ("periodical/full-title", "alt-periodical/full-title", "titles/secondary-title"),
    "journal_abbrev": ("periodical/abbr-1", "alt-periodical/abbr-1", "titles/alt-title"),
    "volume": ("volume",),
    "issue": ("number", "issue"),
    "pages": ("pages",),
    "doi": ("electronic-resource-num",),
    "issns": ("isbn",),
    "language": ("language",),
    "keywords": ("keywords/keyword",),
    "pmid_candidates": ("accession-num",),
    "pmcid": ("custom2", "custom1", "notes"),
    "source_id": ("accession-num", "rec-number"),  # as RIS: AN before EndNote's ID
    "publication_types": ("work-type",),
    "urls": ("urls/related-urls/url", "urls/web-urls/url", "urls/pdf-urls/url"),
    "database_provider": ("remote-database-provider", "remote-database-name"),
}
_NLM = re.compile(r"\b(?:NLM|PubMed|MEDLINE)\b", re.I)
_ENCODING_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.S)
_NON_JOURNAL = {"Book", "Edited Book", "Book Section", "Thesis", "Report", "Web Page"}


def _text(element: Any) -> str:
    return "".join(element.itertext())


def _flatten(record: Any) -> dict[str, list[str]]:
    """Leaf elements (text containers: children only <style>) as path -> [text]."""
    raw: dict[str, list[str]] = {}

    def walk(element: Any, prefix: str) -> None:
        children = [c for c in element if isinstance(c.tag, str) and c.tag != "style"]
        if not children:
            text = _text(element)
            if text.strip():
                raw.setdefault(prefix, []).append(text)
            return
        for child in children:
            walk(child, f"{prefix}/{child.tag}" if prefix else child.tag)

    for child in record:
        if isinstance(child.tag, str):
            walk(child, child.tag)
    ref_type = record.find("ref-type")
    if ref_type is not None and ref_type.get("name"):
        raw["ref-type@name"] = [ref_type.get("name")]
    return raw


def _to_record(raw: dict[str, list[str]]) -> Record:
    f = ENDNOTE_FIELDS
    ref_type = first_value(raw, ("ref-type@name",))
    journal_paths = f["journal"]
    if ref_type in _NON_JOURNAL:
        journal_paths = tuple(p for p in journal_paths if p != "titles/secondary-title")
    journal = first_value(raw, journal_paths)
    abbrev = first_value(raw, f["journal_abbrev"])
    start, end = split_pages(first_value(raw, f["pages"]))

    year = None
    for value in all_values(raw, f["year"]):
        year = normalise_year(value)
        if year:
            break

    provider = " ".join(all_values(raw, f["database_provider"]))
    accession = first_value(raw, f["pmid_candidates"])
    pmid = normalise_pmid(accession) if _NLM.search(provider) and accession.isdigit() else ""
    pmcid = ""
    for value in all_values(raw, f["pmcid"]):
        pmcid = normalise_pmcid(value)
        if pmcid:
            break

    keywords = split_terms(all_values(raw, f["keywords"]), TERM_RULES["endnote-xml"])
    return Record(
        title=first_value(raw, f["title"]),
        abstract=first_value(raw, f["abstract"]),
        authors=split_authors([a for a in all_values(raw, f["authors"])]),
        year=year,
        journal=journal or abbrev,
        journal_abbrev=abbrev,
        volume=first_value(raw, f["volume"]),
        issue=first_value(raw, f["issue"]),
        start_page=start,
        end_page=end,
        doi=next((d for d in map(normalise_doi, all_values(raw, f["doi"])) if d), ""),
        pmid=pmid,
        pmcid=pmcid,
        issns=dedupe(i for v in all_values(raw, f["issns"]) for i in normalise_issn(v)),
        language="; ".join(
            dedupe(clean_text(p) for v in all_values(raw, f["language"]) for p in re.split(r"[\r\n;]+", v))
        ),
        publication_types=dedupe(clean_text(v) for v in all_values(raw, f["publication_types"])),
        keywords=keywords,
        source_id=first_value(raw, f["source_id"]),
        reference_type=ref_type,
        urls=dedupe(clean_text(u) for u in all_values(raw, f["urls"])),
        raw=raw,
    )


def _xml_bytes(decoded: DecodedText) -> bytes:
    """The decoded text as UTF-8 bytes for lxml (its own encoding declaration dropped)."""
    text = _ENCODING_DECL.sub(lambda m: "\n" * m.group(0).count("\n"), decoded.text, count=1)
    return text.encode("utf-8")


def parse_text(
    decoded: DecodedText | str, path: str | Path = "<text>", *, require_title: bool = True
) -> ImportResult:
    """Parse EndNote XML text into Records plus the per-file report."""
    if isinstance(decoded, str):
        decoded = DecodedText(text=decoded, encoding="utf-8")
    report = ImportReport(
        path=str(path), format="endnote-xml", encoding=decoded.encoding,
        warnings=list(decoded.warnings),
    )
    data = _xml_bytes(decoded)
    records: list[Record] = []
    seen = 0
    root_checked = False
    events = etree.iterparse(
        io.BytesIO(data), events=("start", "end"), huge_tree=True, resolve_entities=False
    )
    last_start_line: int | None = None
    f_year = ENDNOTE_FIELDS["year"]
    try:
        for event, element in events:
            if event == "start":
                if not root_checked:
                    root_checked = True
                    if element.tag != "xml":
                        raise UnreadableFileError(
                            path, f"root element <{element.tag}> is not EndNote XML (<xml><records>)",
                            line=element.sourceline,
                        )
                if element.tag == "record":
                    last_start_line = element.sourceline
                continue
            if element.tag != "record":
                continue
            line = element.sourceline
            raw = _flatten(element)
            record = _to_record(raw)
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
            position = seen
            seen += 1
            if not record.title and require_title:
                report.skipped.append(
                    Skipped(line=line, reason="no title (<titles><title> empty or missing)",
                            position=position)
                )
                continue
            records.append(record)
            for item in unread_fields(record, raw, {"year": f_year, "doi": ENDNOTE_FIELDS["doi"]}):
                where = f"record {position + 1} (<record> at line {line})"
                report.warnings.append(unread_warning(item, where=where, title=record.title))
    except etree.XMLSyntaxError as exc:
        err_line, column = exc.position if exc.position else (0, 0)
        text = data.decode("utf-8")
        message = re.sub(r",? line \d+, column \d+$", "", exc.msg)
        # lxml gives no or a wrong position (line 1, column 1) for an undefined entity (&name;):
        # a bad '&' before the error position is its cause
        entity = _bad_entity(text)
        if entity and entity[:2] <= (err_line, column) or entity and err_line <= 1 and column <= 1:
            err_line, column, message = entity
        cut_off = _at_end(text, err_line, column)
        if cut_off and not seen:
            raise UnreadableFileError(
                path, f"the file ends inside its first record (XML cut off at column {column}: "
                f"{message}): it is truncated; export the records again from EndNote "
                "(File > Export, XML)", line=err_line or None,
            ) from exc
        if cut_off:
            report.warnings.append(
                f"the file ends inside the record starting at line {last_start_line} (XML cut "
                f"off: {exc.msg}): the file may be truncated; the {seen} complete record(s) "
                "before it were read"
            )
        else:
            where = f", column {column}" if column else ""
            raise UnreadableFileError(
                path, f"broken XML{where}: {message}; the file was damaged or edited after "
                "export: export the records again from EndNote (File > Export, XML)",
                line=err_line or None,
            ) from exc
    if seen == 0:
        raise UnreadableFileError(path, "EndNote XML without any <record>", line=1)
    report.records_read = len(records)
    return ImportResult(records=records, report=report)


def _at_end(text: str, line: int, column: int) -> bool:
    """Whether lxml's error position (1-based line, column in characters) is at the end of
    the text, apart from blank space: the file was cut off, not broken in the middle."""
    if not line:
        return False
    lines = text.split("\n")
    if line > len(lines):
        return True
    offset = sum(len(x) + 1 for x in lines[: line - 1]) + max(column - 1, 0)
    return not text[offset:].strip()


_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)([^\s;<&]{0,40};?)")


def _bad_entity(text: str) -> tuple[int, int, str] | None:
    """(line, column, message) of the first ``&`` that is not a known XML entity reference."""
    match = _ENTITY.search(text)
    if not match:
        return None
    line = text.count("\n", 0, match.start()) + 1
    column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
    found = "&" + match.group(1)
    what = "a bare '&'" if found == "&" else f"{found!r}, which is not an XML entity"
    return line, column, f"{what} (a plain '&' must be written '&amp;')"


def read(path: str | Path, *, require_title: bool = True, **_: Any) -> ImportResult:
    """Read an EndNote XML export file."""
    return parse_text(read_text(path), path, require_title=require_title)
