"""One normalised bibliographic record, and the normalisation of its fields.

Every importer (``review.formats``) and the PubMed runner produce ``Record`` objects;
the store keeps them as JSON (``Record.to_dict``) beside the raw fields exactly as read.

Field table (what each field holds, after normalisation):

==================  ==========================================================
field               meaning
==================  ==========================================================
title               article (or book/chapter) title, whitespace collapsed
abstract            abstract text; structured abstracts keep "LABEL: text"
authors             ordered list, each "Surname, Given names" as the source gives
year                publication year (int) or None
journal             full journal title
journal_abbrev      journal abbreviation (ISO/MEDLINE), if given
volume, issue       as given
start_page          first page ("1234", "e123")
end_page            last page, expanded ("1234-9" -> "1239")
doi                 lower case, no "https://doi.org/" or "doi:" prefix
pmid                PubMed id (digits only)
pmcid               "PMC" + digits
issns               list of ISSNs as "NNNN-NNNX"
language            language(s) as given, "; "-joined when several
publication_types   list (e.g. "Journal Article", "Review")
subject_headings    MeSH / Emtree headings as given ("Mentors/*psychology")
keywords            author keywords
source_database     "MEDLINE", "Embase", "PubMed", "Scopus", ... (see import)
source_id           the source's own id (accession number, UI, EndNote rec no.)
reference_type      RIS type (JOUR, CONF, ...) or the source's own type name
urls                links given by the source
raw                 every field as read, tag -> list of values, verbatim
==================  ==========================================================
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields
from typing import Any
from urllib.parse import unquote

__all__ = [
    "Record",
    "normalise_doi",
    "normalise_pmid",
    "normalise_pmcid",
    "normalise_issn",
    "normalise_year",
    "split_pages",
    "clean_text",
]


@dataclass
class Record:
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str = ""
    journal_abbrev: str = ""
    volume: str = ""
    issue: str = ""
    start_page: str = ""
    end_page: str = ""
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    issns: list[str] = field(default_factory=list)
    language: str = ""
    publication_types: list[str] = field(default_factory=list)
    subject_headings: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    source_database: str = ""
    source_id: str = ""
    reference_type: str = ""
    urls: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the form the store keeps)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Record":
        """Build a Record from ``to_dict`` output; unknown keys are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @property
    def pages(self) -> str:
        """Pages for display: "123-130", "e123" or ""."""
        if self.start_page and self.end_page and self.end_page != self.start_page:
            return f"{self.start_page}-{self.end_page}"
        return self.start_page or self.end_page

    @property
    def first_author(self) -> str:
        return self.authors[0] if self.authors else ""

    def label(self) -> str:
        """A short human label: "Surname 2016, Journal" for lists and errors."""
        surname = self.first_author.split(",")[0].strip() if self.authors else "Anon"
        bits = [f"{surname} {self.year or 'n.d.'}"]
        if self.journal_abbrev or self.journal:
            bits.append(self.journal_abbrev or self.journal)
        return ", ".join(bits)


_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")


def clean_text(value: Any) -> str:
    """Collapse whitespace, unescape HTML/XML entities, drop inline markup tags.

    >>> clean_text("  Effect of <i>E. coli</i> &amp; light\\n on  skin ")
    'Effect of E. coli & light on skin'
    """
    if value is None:
        return ""
    text = str(value)
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _TAG.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


_DOI_PREFIX = re.compile(
    r"^(?:https?://(?:dx\.)?doi\.org/|doi\.org/|doi:\s*|https?://[^/]*doi[^/]*/)", re.I
)
_DOI_FIND = re.compile(r"10\.\d{4,9}/\S+", re.I)
# a %XX escape: DOIs are URL-encoded when taken from a URL, and Ovid Embase's DO tag writes
# them so ("10.1016/s0893-133x%2898%2900089-x"); a literal "%" in a DOI is itself "%25" there
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_DOI_TRAILING = ".,;]}>\"'"


def normalise_doi(value: Any) -> str:
    """Lower-case DOI without URL or "doi:" prefix; "" when none is found.

    >>> normalise_doi("https://doi.org/10.1016/J.X.2018.01.002.")
    '10.1016/j.x.2018.01.002'
    >>> normalise_doi("10.4103/abr.abr_99_17 [doi]")
    '10.4103/abr.abr_99_17'
    >>> normalise_doi("10.1016/s0893-133x%2898%2900089-x")  # URL-encoded (Ovid Embase)
    '10.1016/s0893-133x(98)00089-x'
    >>> normalise_doi("(doi: 10.1002/(sici)1099-1166(199806)13:6)")  # a closing bracket its own
    '10.1002/(sici)1099-1166(199806)13:6'
    """
    if not value:
        return ""
    text = clean_text(value).strip()
    if _PERCENT_ESCAPE.search(text):
        text = unquote(text)
    text = _DOI_PREFIX.sub("", text)
    match = _DOI_FIND.search(text)
    if not match:
        return ""
    doi = match.group(0)
    doi = re.sub(r"\[doi\]$", "", doi, flags=re.I)
    doi = doi.rstrip(_DOI_TRAILING)
    # a ")" ends the DOI only when the DOI opened it: "10.1016/0002-9149(84)90135-9)" -> "...-9"
    while doi.endswith(")") and doi.count(")") > doi.count("("):
        doi = doi[:-1].rstrip(_DOI_TRAILING)
    return doi.lower()


def normalise_pmid(value: Any) -> str:
    """Digits of a PubMed id ("PMID: 123 [Indexed for MEDLINE]" -> "123")."""
    if value is None:
        return ""
    match = re.search(r"\d{1,9}", str(value))
    return match.group(0).lstrip("0") if match else ""


def normalise_pmcid(value: Any) -> str:
    """"PMC" + digits, or ""."""
    if value is None:
        return ""
    match = re.search(r"PMC\s*(\d+)", str(value), re.I)
    return f"PMC{match.group(1)}" if match else ""


def normalise_issn(value: Any) -> list[str]:
    """All ISSNs in a field as "NNNN-NNNX" (ISBNs and notes are ignored)."""
    if not value:
        return []
    out: list[str] = []
    for match in re.finditer(r"(?<![\dXx-])(\d{4})-?(\d{3}[\dXx])(?![\dXx-])", str(value)):
        issn = f"{match.group(1)}-{match.group(2).upper()}"
        if issn not in out:
            out.append(issn)
    return out


def normalise_year(value: Any) -> int | None:
    """The first plausible four-digit year (1500-2199) in a date field, or None.

    >>> normalise_year("2018//"), normalise_year("2016 Mar 27"), normalise_year("n.d.")
    (2018, 2016, None)
    """
    if value is None:
        return None
    if isinstance(value, int):
        return value if 1500 <= value <= 2199 else None
    match = re.search(r"(?<!\d)(1[5-9]\d\d|2[01]\d\d)(?!\d)", str(value))
    return int(match.group(1)) if match else None


def split_pages(value: Any, end: Any = None) -> tuple[str, str]:
    """Start and end page; abbreviated end pages are expanded.

    >>> split_pages("1234-9")
    ('1234', '1239')
    >>> split_pages("e123")
    ('e123', '')
    >>> split_pages("S12-S15")
    ('S12', 'S15')
    >>> split_pages("55", "62")
    ('55', '62')
    """
    start_text = clean_text(value)
    end_text = clean_text(end)
    if not end_text:
        parts = re.split(r"\s*(?:-|–|—|to)\s*", start_text, maxsplit=1)
        if len(parts) == 2:
            start_text, end_text = parts
    start_text = start_text.strip()
    end_text = end_text.strip()
    start_digits = re.fullmatch(r"([A-Za-z]*)(\d+)", start_text)
    end_digits = re.fullmatch(r"([A-Za-z]*)(\d+)", end_text)
    if start_digits and end_digits:
        prefix, s = start_digits.groups()
        _, e = end_digits.groups()
        if len(e) < len(s):
            e = s[: len(s) - len(e)] + e
        end_text = f"{prefix}{e}" if prefix else e
    if end_text == start_text:
        end_text = ""
    return start_text, end_text
