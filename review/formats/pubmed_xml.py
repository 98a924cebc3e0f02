"""PubMed efetch XML (``PubmedArticleSet``) -> Records, parsed through Biopython's ``Bio.Entrez``.

Both kinds of PubMed record are read: ``PubmedArticle`` (journal articles) and
``PubmedBookArticle`` (NCBI Bookshelf books and chapters, e.g. GeneReviews, StatPearls).
Records come out in the order the file holds them.

Mapping to ``review.records.Record`` (journal article / book or chapter):

=================  =============================================  ================================
Record field       PubmedArticle                                  PubmedBookArticle
=================  =============================================  ================================
title              ArticleTitle (VernacularTitle if empty)        ArticleTitle, else BookTitle
abstract           AbstractText, labelled ones as "LABEL: text"   same
authors            AuthorList "LastName, ForeName"/CollectiveName chapter authors, else book authors
year               JournalIssue/PubDate (Year or MedlineDate)     Book/PubDate
journal            Journal/Title                                  BookTitle (chapter) or
                                                                  CollectionTitle (whole book)
journal_abbrev     ISOAbbreviation, else MedlineTA                -
volume, issue      JournalIssue/Volume, Issue                     Book/Volume
pages              Pagination (StartPage/EndPage or MedlinePgn)   -
doi                ELocationID doi, else ArticleIdList doi        own ArticleIdList doi; the
                                                                  book's DOI only for a whole book
pmcid              ArticleIdList pmc                              PubmedBookData ArticleIdList pmc
issns              Journal/ISSN, ISSNLinking                      -
language           Language ("; "-joined)                         Language
publication_types  PublicationTypeList                            PublicationType
subject_headings   MeSH as MEDLINE writes them: "*Major",         -
                   "Descriptor/*major qualifier/qualifier"
keywords           KeywordList                                    KeywordList
reference_type     JOUR                                           CHAP (chapter) / BOOK
source_id          PMID                                           PMID
urls               https://pubmed.ncbi.nlm.nih.gov/PMID/          same
raw                every element as read ("Path/To/Element" ->   same
                   [values], attributes as "Path@Attr"), except
                   the cited-reference list (ReferenceList)
=================  =============================================  ================================

Structured abstracts keep their section labels, joined with single spaces as PubMed's
MEDLINE display does: "BACKGROUND: ... METHODS: ...". ``source_database`` is left empty:
the import names the database (the PubMed runner stores "PubMed").
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from review.formats.base import (
    FormatError,
    ImportReport,
    ImportResult,
    Skipped,
    UnreadableFileError,
)
from review.formats.checks import unread_fields, unread_warning
from review.formats.text import line_of
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

__all__ = ["read", "records_from_xml", "parse_pubmed_xml", "PubmedXMLError", "FORMAT"]

FORMAT = "pubmed-xml"
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"

# Root element -> a DOCTYPE Biopython has locally, used when a body comes without one.
DEFAULT_DOCTYPES: dict[bytes, bytes] = {
    b"PubmedArticleSet": b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">',
    b"eSearchResult": b'<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">',
    b"eInfoResult": b'<!DOCTYPE eInfoResult PUBLIC "-//NLM//DTD einfo 20190110//EN" '
    b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20190110/einfo.dtd">',
}

# Subtrees left out of Record.raw (large and not bibliographic data of the record itself).
RAW_SKIP = {"ReferenceList"}


class PubmedXMLError(FormatError):
    """A PubMed XML body that cannot be parsed (not XML, truncated, not a PubmedArticleSet)."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(message)


# --------------------------------------------------------------------------------------
# Parsing through Bio.Entrez


def prepare_for_biopython(data: bytes) -> bytes:
    """Make an NCBI XML body parseable by Bio.Entrez without network access where possible.

    Old NCBI bodies name their DTD with ``http://www.ncbi.nlm.nih.gov/...``; Biopython >= 1.85
    refuses non-HTTPS DTD URLs, so the DOCTYPE is rewritten to HTTPS (the DTD itself is found
    locally by file name). A body without a DOCTYPE gets the one its root element implies.
    """
    head = data[:2048]
    if b"<!DOCTYPE" in head:
        fixed = re.sub(
            rb'(<!DOCTYPE[^>]*?")http://((?:www\.)?(?:ncbi\.nlm\.nih\.gov|eutils\.ncbi\.nlm\.nih\.gov|dtd\.nlm\.nih\.gov)/)',
            rb"\1https://\2",
            head,
            count=1,
        )
        return fixed + data[2048:] if fixed != head else data
    match = re.search(rb"<([A-Za-z][\w.-]*)[\s>/]", head)
    if not match or match.group(1) not in DEFAULT_DOCTYPES:
        return data
    doctype = DEFAULT_DOCTYPES[match.group(1)] + b"\n"
    if head.lstrip().startswith(b"<?xml"):
        end = data.index(b"?>") + 2
        return data[:end] + b"\n" + doctype + data[end:]
    return b'<?xml version="1.0" ?>\n' + doctype + data


def entrez_read(data: bytes) -> Any:
    """``Bio.Entrez.read`` over bytes (DOCTYPE fixed up), errors as ``PubmedXMLError`` with a line."""
    from Bio import Entrez

    prepared = prepare_for_biopython(data)
    try:
        return Entrez.read(io.BytesIO(prepared), validate=False)
    except RuntimeError as exc:  # an <ERROR> element in an E-utilities answer
        raise PubmedXMLError(f"NCBI returned an error: {exc}") from exc
    except Exception as exc:  # CorruptedXMLError, NotXMLError, ValueError, ExpatError
        message = str(exc)
        match = re.search(r"line (\d+), column (\d+)", message)
        line = int(match.group(1)) if match else None
        where = f" at line {line}, column {match.group(2)}" if match else ""
        lowered = data[:512].lstrip().lower()
        if lowered.startswith((b"<html", b"<!doctype html")):
            reason = "an HTML page, not XML"
        elif "no element found" in message or (
            ("unclosed token" in message or "partial character" in message)
            and line == prepared.rstrip(b"\r\n").count(b"\n") + 1
        ):  # the data stop mid-document, or mid-tag or mid-character on their last line
            reason = f"truncated XML (the data end{where})"
        else:
            reason = f"not well-formed XML{where}: {message.split('(')[-1].split(')')[0]}"
        raise PubmedXMLError(reason, line=line) from exc


def parse_pubmed_xml(data: bytes) -> tuple[list[Record], list[Skipped], list[str]]:
    """Parse an efetch ``PubmedArticleSet``: (records, skipped, warnings), in document order."""
    parsed = entrez_read(data)
    elements = _top_level_elements(parsed, data)
    records: list[Record] = []
    skipped: list[Skipped] = []
    warnings: list[str] = []
    for position, element in enumerate(elements):
        try:
            if "BookDocument" in element:
                record = book_record(element)
            else:
                record = article_record(element)
        except Exception as exc:  # noqa: BLE001 - one bad record must not lose the rest
            skipped.append(
                Skipped(line=None, position=position, reason=f"unreadable record: {exc}")
            )
            continue
        if not record.pmid:
            skipped.append(Skipped(line=None, position=position, reason="record without a PMID"))
            continue
        if not record.title:
            warnings.append(f"PMID {record.pmid} (record {position + 1}) has no title")
        records.append(record)
        for item in unread_fields(record, record.raw, _CHECKED_PATHS):
            warnings.append(unread_warning(item, where=f"PMID {record.pmid}", title=record.title))
    return records, skipped, warnings


# The elements a year must be readable from (its publication date, article or book)
_CHECKED_PATHS = {"year": (
    "MedlineCitation/Article/Journal/JournalIssue/PubDate/Year",
    "MedlineCitation/Article/Journal/JournalIssue/PubDate/MedlineDate",
    "BookDocument/Book/PubDate/Year",
    "BookDocument/Book/PubDate/MedlineDate",
)}


def _top_level_elements(parsed: Any, data: bytes) -> list[Any]:
    """The PubmedArticle/PubmedBookArticle elements in document order.

    Biopython gives a dict of two lists with the current DTDs and a plain list with older
    ones (e.g. pubmed_110101.dtd); both are accepted.
    """
    if isinstance(parsed, list):
        items = list(parsed)
        if all(hasattr(i, "keys") and ("MedlineCitation" in i or "BookDocument" in i) for i in items):
            return items
    elif hasattr(parsed, "keys") and ("PubmedArticle" in parsed or "PubmedBookArticle" in parsed):
        articles = list(parsed.get("PubmedArticle", []))
        books = list(parsed.get("PubmedBookArticle", []))
        order = [m.group(1) for m in re.finditer(rb"<(PubmedArticle|PubmedBookArticle)[\s>]", data)]
        if len(order) != len(articles) + len(books):  # tags inside comments/CDATA: keep lists
            return articles + books
        queues = {b"PubmedArticle": iter(articles), b"PubmedBookArticle": iter(books)}
        return [next(queues[kind]) for kind in order]
    raise PubmedXMLError("not a PubMed efetch XML file (no PubmedArticleSet root element)")


def records_from_xml(data: bytes) -> list[Record]:
    """Records of one efetch response body (used by the PubMed runner).

    Raises ``PubmedXMLError`` when the body is not a readable PubmedArticleSet.
    """
    records, _skipped, _warnings = parse_pubmed_xml(data)
    return records


def read(path: str | Path, **_options: Any) -> ImportResult:
    """Read a PubMed XML file (efetch output or PubMed's "Save > PubMed XML" export)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot read the file ({exc.strerror})") from exc
    if not data.strip():
        raise UnreadableFileError(path, "the file is empty")
    encoding = _declared_encoding(data)
    try:
        data = _as_utf8(data)
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            path, f"marked as {encoding.upper()} (byte-order mark) but not valid {encoding.upper()} "
            f"at byte {exc.start}; export the search again from PubMed (Save > Format: PubMed XML)"
        ) from exc
    try:
        records, skipped, warnings = _parse_or_salvage(data)
    except PubmedXMLError as exc:
        raise UnreadableFileError(
            path, f"{_not_utf8(data, encoding, exc.line) or exc}; export the search again from "
            "PubMed (Save > Format: PubMed XML)",
            line=exc.line,
        ) from exc
    report = ImportReport(
        path=str(path),
        format=FORMAT,
        encoding=encoding,
        records_read=len(records) + len(skipped),
        skipped=skipped,
        warnings=_unknown_entities(data) + warnings,
    )
    return ImportResult(records=records, report=report)


_ENTITY = re.compile(rb"&([A-Za-z_][\w.-]*);")
_XML_ENTITIES = {b"amp", b"lt", b"gt", b"quot", b"apos"}


def _unknown_entities(data: bytes) -> list[str]:
    """A warning for named entities XML does not define (``&bogus;``): the parser drops them,
    so the text they stood for is missing from the record."""
    unknown = [m for m in _ENTITY.finditer(data) if m.group(1) not in _XML_ENTITIES]
    if not unknown:
        return []
    line = line_of(data, unknown[0].start())
    names = sorted({m.group(1).decode("ascii", "replace") for m in unknown})
    return [
        f"line {line}: {len(unknown)} unknown XML entit"
        f"{'y' if len(unknown) == 1 else 'ies'} ({', '.join('&' + n + ';' for n in names[:5])}): the "
        "text they stand for is missing from the records; the file was edited after export, "
        "or export it again from PubMed"
    ]


_RECORD_END = re.compile(rb"</(?:PubmedArticle|PubmedBookArticle)>")


def _parse_or_salvage(data: bytes) -> tuple[list[Record], list[Skipped], list[str]]:
    """``parse_pubmed_xml``; for a file that ends inside the document (a download cut off),
    the complete records before the cut, with a warning naming the line where it ends."""
    try:
        return parse_pubmed_xml(data)
    except PubmedXMLError as exc:
        if not str(exc).startswith("truncated XML"):
            raise
        ends = list(_RECORD_END.finditer(data))
        if not ends:
            raise
        cut = ends[-1].end()
        try:
            records, skipped, warnings = parse_pubmed_xml(data[:cut] + b"\n</PubmedArticleSet>\n")
        except PubmedXMLError:
            raise exc from None
        line = line_of(data, cut)
        warnings.insert(0, (
            f"the file is cut off after line {line} (a download that stopped?): the "
            f"{len(records) + len(skipped)} complete record(s) before it were read, anything after "
            "is missing; export the search again from PubMed to get every record"
        ))
        return records, skipped, warnings


_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def _as_utf8(data: bytes) -> bytes:
    """A UTF-16/UTF-32 file (byte-order mark; e.g. re-saved by a Windows editor) as UTF-8
    bytes without its encoding declaration: the DOCTYPE fix-up works on UTF-8 bytes only."""
    for bom, codec in _UNICODE_BOMS:
        if data.startswith(bom):
            text = data.decode(codec)
            text = re.sub(r"^(\s*<\?xml[^>]*?)\s+encoding=[\"'][^\"']*[\"']", r"\1", text, count=1)
            return text.encode("utf-8")
    return data


def _not_utf8(data: bytes, encoding: str, line: int | None) -> str:
    """Why the parser stopped at ``line`` when that is the first byte that is not UTF-8 in a
    file that declares no other encoding (re-saved as Windows-1252/Latin-1); else ""."""
    if encoding not in ("utf-8", "utf8", "utf-16", "utf-32") or not data.lstrip().startswith(b"<"):
        return ""  # declares its encoding, or is no XML at all
    try:
        data.decode("utf-8")
        return ""
    except UnicodeDecodeError as exc:
        bad_line = line_of(data, exc.start)
        if (line is not None and bad_line != line) or exc.end == len(data):
            return ""  # another error first, or a character cut off by the end of the file
        return (
            f"not UTF-8 at line {bad_line} (byte 0x{data[exc.start:exc.start + 1].hex()}): the "
            "file was saved in another encoding (e.g. Windows-1252) after export"
        )


def _declared_encoding(data: bytes) -> str:
    for bom, codec in _UNICODE_BOMS:
        if data.startswith(bom):
            return codec
    match = re.match(rb'\s*<\?xml[^>]*encoding=["\']([\w.-]+)["\']', data[:200])
    return match.group(1).decode("ascii").lower() if match else "utf-8"


# --------------------------------------------------------------------------------------
# Mapping (pure functions over Bio.Entrez's dict/list/str elements)


def _text(value: Any) -> str:
    return clean_text(value) if value is not None else ""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _attrs(value: Any) -> dict[str, str]:
    return dict(getattr(value, "attributes", {}) or {})


def abstract_text(abstract: Any) -> str:
    """AbstractText parts joined; labelled parts as "LABEL: text"."""
    if not abstract:
        return ""
    parts = []
    for part in _as_list(abstract.get("AbstractText")):
        text = _text(part)
        label = _attrs(part).get("Label", "").strip()
        if label and text:
            parts.append(f"{label}: {text}")
        elif text:
            parts.append(text)
        elif label:
            parts.append(f"{label}:")
    return " ".join(parts)


def author_name(author: Any) -> str:
    """"LastName, ForeName" (or initials); a group author's CollectiveName as given."""
    if author.get("CollectiveName"):
        return _text(author["CollectiveName"])
    last = _text(author.get("LastName"))
    first = _text(author.get("ForeName")) or _text(author.get("Initials"))
    suffix = _text(author.get("Suffix"))
    name = f"{last}, {first}" if last and first else last or first
    return f"{name} {suffix}".strip() if suffix else name


def authors_of(author_list: Any) -> list[str]:
    names = []
    for author in _as_list(author_list):
        if _attrs(author).get("ValidYN", "Y") == "N":
            continue
        name = author_name(author)
        if name:
            names.append(name)
    return names


def mesh_headings(mesh_list: Any) -> list[str]:
    """MeSH as MEDLINE text writes them: "*Major", "Heading/*major qualifier/other qualifier"."""
    out = []
    for heading in _as_list(mesh_list):
        descriptor = heading.get("DescriptorName")
        if descriptor is None:
            continue
        name = _text(descriptor)
        qualifiers = _as_list(heading.get("QualifierName"))
        major = _attrs(descriptor).get("MajorTopicYN") == "Y"
        text = f"*{name}" if major and not qualifiers else name
        for qualifier in qualifiers:
            star = "*" if _attrs(qualifier).get("MajorTopicYN") == "Y" else ""
            text += f"/{star}{_text(qualifier)}"
        out.append(text)
    return out


def article_ids(id_list: Any) -> dict[str, str]:
    """{"doi": ..., "pmc": ..., "pubmed": ...} from an ArticleIdList (first of each type)."""
    ids: dict[str, str] = {}
    for item in _as_list(id_list):
        kind = _attrs(item).get("IdType", "")
        if kind and kind not in ids and _text(item):
            ids[kind] = _text(item)
    return ids


def keywords_of(keyword_lists: Any) -> list[str]:
    words: list[str] = []
    for keyword_list in _as_list(keyword_lists):
        for keyword in _as_list(keyword_list):
            text = _text(keyword)
            if text and text not in words:
                words.append(text)
    return words


def pub_year(pub_date: Any) -> int | None:
    if not pub_date:
        return None
    return normalise_year(pub_date.get("Year")) or normalise_year(pub_date.get("MedlineDate"))


def flatten(element: Any, prefix: str = "", out: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Every leaf of a Bio.Entrez element as "Path/To/Leaf" -> [values]; attributes as "Path@Attr"."""
    if out is None:
        out = {}
    for name, value in _attrs(element).items():
        out.setdefault(f"{prefix}@{name}", []).append(str(value))
    if hasattr(element, "keys"):
        for key in element.keys():
            if key in RAW_SKIP:
                continue
            flatten(element[key], f"{prefix}/{key}" if prefix else key, out)
    elif isinstance(element, list):
        for item in element:
            flatten(item, prefix, out)
    else:
        text = str(element)
        if text.strip():
            out.setdefault(prefix, []).append(text)
    return out


def article_record(element: Any) -> Record:
    """Record of one ``PubmedArticle``."""
    citation = element["MedlineCitation"]
    article = citation["Article"]
    journal = article.get("Journal", {})
    issue = journal.get("JournalIssue", {})
    data = element.get("PubmedData", {})
    pmid = normalise_pmid(citation.get("PMID"))
    ids = article_ids(data.get("ArticleIdList"))

    doi = ""
    for location in _as_list(article.get("ELocationID")):
        if _attrs(location).get("EIdType") == "doi" and _attrs(location).get("ValidYN", "Y") != "N":
            doi = normalise_doi(location)
            break
    doi = doi or normalise_doi(ids.get("doi"))

    pagination = article.get("Pagination") or {}
    if pagination.get("StartPage"):
        start, end = split_pages(pagination.get("StartPage"), pagination.get("EndPage"))
    else:
        start, end = split_pages(pagination.get("MedlinePgn"))

    year = pub_year(issue.get("PubDate"))
    if year is None:
        for article_date in _as_list(article.get("ArticleDate")):
            year = normalise_year(article_date.get("Year"))
            if year:
                break

    info = citation.get("MedlineJournalInfo", {})
    issns = normalise_issn(" ".join(_text(i) for i in _as_list(journal.get("ISSN"))))
    for issn in normalise_issn(_text(info.get("ISSNLinking"))):
        if issn not in issns:
            issns.append(issn)

    title = _text(article.get("ArticleTitle")) or _text(article.get("VernacularTitle"))
    return Record(
        title=title,
        abstract=abstract_text(article.get("Abstract")),
        authors=authors_of(article.get("AuthorList")),
        year=year,
        journal=_text(journal.get("Title")),
        journal_abbrev=_text(journal.get("ISOAbbreviation")) or _text(info.get("MedlineTA")),
        volume=_text(issue.get("Volume")),
        issue=_text(issue.get("Issue")),
        start_page=start,
        end_page=end,
        doi=doi,
        pmid=pmid,
        pmcid=normalise_pmcid(ids.get("pmc")),
        issns=issns,
        language="; ".join(_text(x) for x in _as_list(article.get("Language")) if _text(x)),
        publication_types=[_text(p) for p in _as_list(article.get("PublicationTypeList")) if _text(p)],
        subject_headings=mesh_headings(citation.get("MeshHeadingList")),
        keywords=keywords_of(citation.get("KeywordList")),
        source_id=pmid,
        reference_type="JOUR",
        urls=[PUBMED_URL.format(pmid=pmid)] if pmid else [],
        raw=flatten(element),
    )


def _typed_author_lists(lists: Any) -> dict[str, list[str]]:
    """AuthorList elements by their Type attribute ("authors", "editors")."""
    out: dict[str, list[str]] = {}
    for author_list in _as_list(lists):
        if not isinstance(author_list, list):  # a single AuthorList, not a list of them
            author_list = [author_list]
        kind = _attrs(author_list).get("Type", "authors") or "authors"
        out.setdefault(kind, []).extend(authors_of(author_list))
    return out


def book_record(element: Any) -> Record:
    """Record of one ``PubmedBookArticle`` (a Bookshelf book, or a chapter of one)."""
    document = element["BookDocument"]
    book = document.get("Book", {})
    data = element.get("PubmedBookData", {})
    pmid = normalise_pmid(document.get("PMID"))
    own_ids = article_ids(document.get("ArticleIdList"))
    data_ids = article_ids(data.get("ArticleIdList"))
    chapter_title = _text(document.get("ArticleTitle"))
    book_title = _text(book.get("BookTitle"))
    is_chapter = bool(chapter_title)

    doi = normalise_doi(own_ids.get("doi")) or normalise_doi(data_ids.get("doi"))
    if not doi and not is_chapter:  # the book's own DOI belongs to a whole-book record only
        for location in _as_list(book.get("ELocationID")):
            if _attrs(location).get("EIdType") == "doi":
                doi = normalise_doi(location)
                break

    chapter_authors = _typed_author_lists(_author_lists(document))
    book_authors = _typed_author_lists(_author_lists(book))
    authors = chapter_authors.get("authors") or book_authors.get("authors") or []

    return Record(
        title=chapter_title or book_title,
        abstract=abstract_text(document.get("Abstract")),
        authors=authors,
        year=pub_year(book.get("PubDate")),
        journal=book_title if is_chapter else _text(book.get("CollectionTitle")),
        volume=_text(book.get("Volume")),
        doi=doi,
        pmid=pmid,
        pmcid=normalise_pmcid(data_ids.get("pmc") or own_ids.get("pmc")),
        language="; ".join(_text(x) for x in _as_list(document.get("Language")) if _text(x)),
        publication_types=[_text(p) for p in _as_list(document.get("PublicationType")) if _text(p)],
        keywords=keywords_of(document.get("KeywordList")),
        source_id=pmid,
        reference_type="CHAP" if is_chapter else "BOOK",
        urls=[PUBMED_URL.format(pmid=pmid)] if pmid else [],
        raw=flatten(element),
    )


def _author_lists(parent: Any) -> Iterable[Any]:
    """AuthorList children whether Bio.Entrez gave one list or a list of lists."""
    value = parent.get("AuthorList") if hasattr(parent, "get") else None
    if value is None:
        return []
    if isinstance(value, list) and value and isinstance(value[0], list):
        return value
    return [value]
