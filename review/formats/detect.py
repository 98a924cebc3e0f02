"""Which reader a file needs, decided from its content (the extension only breaks ties).

=============  ==========================================================================
format         recognised by
=============  ==========================================================================
ris            a line ``TY  - `` (RIS; or ``ER  - `` after tag lines: RIS that lost its TY
               lines, whose reader then says so), or ``FN``/``PT`` tagged Web of Science
medline        a line ``PMID- `` (or MEDLINE-tagged lines such as ``OWN - ``/``FAU - ``)
pubmed-xml     XML whose root is PubmedArticleSet, PubmedArticle or PubmedBookArticle
endnote-xml    XML ``<xml><records>`` (EndNote's XML export)
tabular        .xlsx; .csv/.tsv/.tab with a header row; any other name (.txt...) when its
               header row (split by , ; tab or |) names a known field (title, abstract...)
=============  ==========================================================================

Anything else raises ``UnreadableFileError`` saying which formats are accepted.
"""

from __future__ import annotations

import re
from pathlib import Path

from review.formats.base import UnreadableFileError, require_file
from review.formats.text import sniff_text

__all__ = ["detect_format", "ACCEPTED", "TABULAR_EXTENSIONS"]

ACCEPTED = (
    "accepted formats: RIS (.ris/.txt, lines 'TY  - '), PubMed MEDLINE/.nbib (lines 'PMID- '), "
    "PubMed XML (efetch, <PubmedArticleSet>), EndNote XML (<xml><records>), "
    "CSV/TSV/XLSX with a header row"
)
TABULAR_EXTENSIONS = (".csv", ".tsv", ".tab")
SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm")

_RIS_LINE = re.compile(r"^TY[ \t]*-", re.M)
_RIS_END = re.compile(r"^ER  -", re.M)  # with tag lines: RIS whose TY lines are missing
_RIS_TAG = re.compile(r"^[A-Z][A-Z0-9]  - \S", re.M)
_WOS_START = re.compile(r"^(?:FN |VR )", re.M)
_WOS_RECORD = re.compile(r"^PT [A-Z]\s*$", re.M)
_MEDLINE_PMID = re.compile(r"^PMID- ?\d", re.M)
_MEDLINE_TAGS = re.compile(r"^(?:OWN |STAT|FAU |PMC |DCOM|JID |TA  |SO  )- ", re.M)
_XML_ROOT = re.compile(r"<(?!\?|!)([A-Za-z_][\w.\-]*)")
_HEADER_WORDS = {
    "title", "titles", "article title", "document title", "primary_title", "abstract", "authors",
    "author", "doi", "pmid", "journal", "year", "publication year", "source title",
}

# leading text -> what it is (unsupported formats get a specific hint)
_UNSUPPORTED = (
    (re.compile(r"^\s*@\w+\s*[{(]", re.M), "BibTeX; export the records as RIS instead"),
    (re.compile(r"^%[0TAD] ", re.M), "EndNote tagged (refer) text; export as RIS or EndNote XML"),
    (re.compile(r"^\s*[\[{]\s*[\"{\[]"), "JSON; export the records as RIS, MEDLINE or CSV"),
)


def _xml_kind(text: str, path: Path) -> str:
    body = re.sub(r"<!--.*?-->", "", text[:20000], flags=re.S)
    match = _XML_ROOT.search(body)
    root = match.group(1) if match else ""
    if root in ("PubmedArticleSet", "PubmedArticle", "PubmedBookArticle"):
        return "pubmed-xml"
    if root == "xml" and re.search(r"<xml>\s*<records\b", body):
        return "endnote-xml"
    if root.lower() == "html":
        raise UnreadableFileError(
            path, "this is a web page (HTML), not an export; save the records from the "
            "database's export function instead. " + ACCEPTED, line=1
        )
    if root == "eSearchResult" or root == "eLinkResult":
        raise UnreadableFileError(
            path, f"this is an E-utilities <{root}> reply (ids only), not records; fetch the "
            "records with efetch (retmode=xml). " + ACCEPTED
        )
    raise UnreadableFileError(
        path, f"XML with root element <{root or '?'}> is neither PubMed XML nor EndNote XML. "
        + ACCEPTED
    )


def _looks_tabular(first_line: str, *, known_extension: bool) -> bool:
    """A header row: split by , tab ; or | into 2+ cells, one a known field name; for
    .csv/.tsv/.tab files any header will do (the reader then names the columns it found)."""
    if known_extension and first_line.strip():
        return True
    for sep in (",", "\t", ";", "|"):
        cells = [c.strip().strip('"').strip().lower() for c in first_line.split(sep)]
        if len(cells) >= 2 and _HEADER_WORDS.intersection(cells):
            return True
    return False


def detect_format(path: str | Path) -> str:
    """The format name (a key of ``review.formats.READERS``) of an export file."""
    path = Path(path)
    suffix = path.suffix.lower()
    require_file(path)
    with open(path, "rb") as handle:
        head = handle.read(8)
    if suffix in SPREADSHEET_EXTENSIONS:
        if head.startswith(b"PK\x03\x04"):
            return "tabular"
        raise UnreadableFileError(path, "named .xlsx but not an Excel workbook (no ZIP header)")
    if suffix == ".xls" and head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFileError(
            path, "old Excel .xls workbooks are not read; save it as .xlsx or CSV"
        )
    if head.startswith(b"PK\x03\x04"):
        # a workbook with another name
        import zipfile

        try:
            with zipfile.ZipFile(path) as archive:
                if "xl/workbook.xml" in archive.namelist():
                    return "tabular"
        except zipfile.BadZipFile:
            pass
    sample = sniff_text(path)  # refuses empty and binary files with a clear message
    text = sample.text
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return _xml_kind(stripped, path)
    if _RIS_LINE.search(text) or (_RIS_END.search(text) and len(_RIS_TAG.findall(text)) >= 2):
        return "ris"
    if _WOS_START.search(text[:200]) or _WOS_RECORD.search(text):
        return "ris"
    if _MEDLINE_PMID.search(text) or len(_MEDLINE_TAGS.findall(text)) >= 2:
        return "medline"
    number, first_line = next(
        ((n, line) for n, line in enumerate(text.split("\n"), 1) if line.strip()), (1, "")
    )
    if _looks_tabular(first_line, known_extension=suffix in TABULAR_EXTENSIONS):
        return "tabular"
    for pattern, what in _UNSUPPORTED:
        if pattern.search(text[:4000]):
            raise UnreadableFileError(path, f"this looks like {what}. {ACCEPTED}", line=number)
    shown = first_line.strip()[:80]
    raise UnreadableFileError(
        path, f"cannot tell the format (line {number} reads {shown!r}). {ACCEPTED}", line=number
    )
