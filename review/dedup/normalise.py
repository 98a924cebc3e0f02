"""Turn a ``Record`` into the plain keys deduplication compares (pure functions, no I/O).

What is normalised, and how:

- DOI and PMID: as ``review.records`` normalises them (lower-case DOI without prefix).
- Titles: HTML/XML entities and tags removed, Greek letters spelled out, diacritics
  dropped, case folded, punctuation removed; trailing database tags such as
  "[German]", "[Review]", "[33 refs]", "[Erratum appears in ...]" removed; a title wholly
  in square brackets (a translated non-English title) is unbracketed, and a trailing
  bracketed translation is kept apart as an alternative title.
- Authors: each to surname plus initials ("Kalén, Susanne" -> "kalen s"); the compared
  string is the ordered surnames.
- Journals: case, punctuation, stop words and conference/supplement suffixes removed;
  abbreviations are matched later (``journals_match``) letter by letter.
- Pages: first page without leading zeros, spreadsheet-mangled ranges repaired
  ("Jan-13" -> 1-13), abbreviated ranges expanded ("1234-9" -> 1234-1239), electronic
  article numbers ("e123") kept apart from print pages.
- Years, volumes and issues: digits only ("61 (Supplement 1)" -> volume "61").
- Kind: what sort of item a record is: "article", or one of the notices that must never be
  merged into the article they refer to (erratum, retraction, comment, reply, editorial
  notice), or "conference" for conference abstracts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from review.dedup.generic import JOURNAL_STOP, generic_reason
from review.records import Record, clean_text, normalise_doi, normalise_pmid, split_pages

# Greek letters are spelled out so "TGF-β" and "TGF-beta" compare equal.
GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "sigma",
    "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
    "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "þ": "th",
}
_GREEK_RE = re.compile("|".join(GREEK))

# Trailing tags databases add to titles (Ovid: language, "[Review]", refs count; Web of
# Science: "(vol 360, pg 542, 2009)" on corrections), removed one after another.
TRAILING_TAGS = (
    # "[Erratum appears in ... Note: Philipp, Thomas [added]]": one nested pair allowed
    r"\[(?:erratum|comment|retraction|retracted|corrected|update|see|republished|expression)(?:[^\[\]]|\[[^\[\]]*\])*\]?",
    r"[\[(]\s*[A-Za-z]+(?:,\s*[A-Za-z]+)*\s*[\])]",  # [German], [Review], (AHUS)
    r"\[\d+\s*refs?\]",  # [33 refs]
    r"\[\d+\]",  # [1]
    r"\(multiple letters\)",
    r"\(vol\.?\s*\d+[^()]*\)",  # (vol 360, pg 542, 2009)
    r"\([^()]*\(\d{4}\)\s*\d+\s*\([^()]*\)\)",  # (N Engl J Med (2009) 360 (542-544))
)
_TRAILING_TAG = re.compile(r"\s*(?:" + "|".join(TRAILING_TAGS) + r")\s*\.?\s*$", re.I)
# Web of Science marks a correction by citing the corrected article after its title.
_WOS_CORRECTION = re.compile(
    r"\((?:vol\.?\s*\d+[^()]*|[^()]*\(\d{4}\)\s*\d+\s*\([^()]*\))\)\s*\.?\s*$", re.I
)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}

# A journal field often carries a conference or supplement name after the journal's own.
_JOURNAL_CUT = re.compile(
    r"(?:\.\s*|\s+|:\s*)(?:conference|conf|congress|congr|meeting|abstracts?|supplement|suppl|supp)\b.*$", re.I
)

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

# Kinds of item. Notices are never merged into an article; conference abstracts only when
# every other field agrees.
ARTICLE = "article"
CONFERENCE = "conference"
NOTICE_KINDS = ("erratum", "retraction", "comment", "reply", "expression-of-concern")

# Title openings that mark a notice, and the kind they mark (checked on the cleaned,
# lower-case title).
TITLE_KIND_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^(?:erratum|errata|corrigendum|corrigenda)\b", "erratum"),
    (r"^(?:correction|corrections|addendum)\s*(?::|to\b|$)", "erratum"),
    (r"^(?:publishers|authors) (?:note|correction)\b", "erratum"),
    (r"^notice of (?:retraction|correction)\b", "retraction"),
    (r"^retraction\s*(?::|note\b|notice\b|statement\b|of\b|to\b|$)", "retraction"),
    (r"^expression of concern\b", "expression-of-concern"),
    (r"^(?:comment|comments|commentary)\s*(?::|on\b|to\b|regarding\b|$)", "comment"),
    (r"^re\s*:", "comment"),
    (r"^letter to the editor\s*(?::|re\b|regarding\b|about\b|on\b)", "comment"),
    (r"^(?:in reply|in response|authors? reply|reply\b)", "reply"),
    (r"^response\s*(?::|to (?:the )?(?:letters?|comments?|correspondence|editorial|re\b|dr\b|\"))", "reply"),
)
_TITLE_KIND_RE = [(re.compile(p), kind) for p, kind in TITLE_KIND_PATTERNS]

# Title endings that mark a notice (Web of Science and Embase write a reply under the
# letter's title: "<title> - Reply", "<title> - Reply to Buddles et al", "<title>: authors' reply").
TITLE_KIND_SUFFIXES: tuple[tuple[str, str], ...] = (
    (r"\s[-\u2013\u2014]\s*(?:the\s+)?(?:authors?\s*(?:reply|response)|reply)\b(?:\s+to\b.*)?$", "reply"),
    (r"[:.]\s*(?:the\s+)?(?:authors?\s*)?reply$", "reply"),
    (r"\((?:authors?\s*)?reply\)$", "reply"),
)
_TITLE_KIND_SUFFIX_RE = [(re.compile(p), kind) for p, kind in TITLE_KIND_SUFFIXES]

# Publication types (MEDLINE/Embase/RIS) that mark a notice or a conference abstract.
PUBTYPE_KINDS = {
    "published erratum": "erratum",
    "erratum": "erratum",
    "correction": "erratum",
    "retraction of publication": "retraction",
    "retraction notice": "retraction",
    "expression of concern": "expression-of-concern",
    "comment": "comment",
    "conference abstract": CONFERENCE,
    "conference review": CONFERENCE,
    "congress": CONFERENCE,
    "meeting abstract": CONFERENCE,
    "conference paper": CONFERENCE,
}
# Reference types (RIS tags / EndNote names) of conference items.
CONFERENCE_REFTYPES = frozenset(
    {"conf", "cpaper", "abst", "conference proceedings", "conference paper", "inproceedings",
     "proceedings", "conference abstract"}
)
_CONFERENCE_JOURNAL = re.compile(
    r"\b(?:conference|conf|congress|congr|meeting|symposium|workshop|abstracts)\b", re.I
)


@dataclass(slots=True)
class NormRecord:
    """The comparable keys of one record (built once per record, compared many times)."""

    index: int
    doi: str = ""
    pmid: str = ""
    title: str = ""  # normalised title, words joined by single spaces
    title_alt: str = ""  # the title without a trailing bracketed translation ("" if none)
    title_numbers: tuple[str, ...] = ()  # numbers in the title (series parts, types)
    compact: str = ""  # title without spaces (blocking keys)
    authors: tuple[str, ...] = ()  # surnames, in order
    author_key: str = ""  # "surname initial" of every author, joined by spaces
    author_words: str = ""  # every word of every author name (order-free comparisons)
    year: int | None = None
    journals: tuple[str, ...] = ()  # normalised journal name variants (full, parts, abbrev.)
    issns: tuple[str, ...] = ()
    volume: str = ""
    issue: str = ""
    page: str = ""  # first print page (digits, with a letter prefix such as "S" kept)
    page_end: str = ""
    article_number: str = ""  # electronic article number ("e001469" -> "1469")
    abstract: str = ""  # first 300 characters of the normalised abstract
    kind: str = ARTICLE
    kind_from_title: bool = False  # the kind is written in the title (strong evidence)
    supplement: bool = False  # looks like a meeting abstract in a journal supplement
    generic: str = ""  # why the title is generic ("Editorial", "Book review", ...; see generic.py)
    main_title: str = ""  # the part before ":", " - ", " — " or "?" ("" if the title has none)
    translated: bool = False  # the record says its title is a translation (see ``translation_signal``)


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def ascii_fold(text: str) -> str:
    """Lower case, Greek spelled out, diacritics dropped: "Kalén β" -> "kalen beta"."""
    text = text.lower()
    if text.isascii():
        return text
    text = _GREEK_RE.sub(lambda m: GREEK[m.group(0)], text)
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def words(text: str) -> str:
    """``ascii_fold`` then every run of non-alphanumerics to one space."""
    return _NON_ALNUM.sub(" ", ascii_fold(text)).strip()


def strip_title_tags(title: str) -> tuple[str, str]:
    """Cleaned title without trailing database tags, and its trailing bracketed part (if any).

    >>> strip_title_tags("[Effects of metformin]. [German]")
    ('Effects of metformin', '')
    >>> strip_title_tags("Wirkung von Metformin [Effects of metformin]")
    ('Wirkung von Metformin [Effects of metformin]', 'Wirkung von Metformin')
    """
    text = clean_text(title)
    while text.rstrip(" .").endswith(("]", ")")) or "[erratum" in text[-200:].lower():
        cut = _TRAILING_TAG.sub("", text)
        if cut == text or not cut.strip():
            break
        text = cut.rstrip(" .")
    text = text.strip().rstrip(".").strip()
    if text.startswith("[") and text.endswith("]") and text.count("[") == 1:
        return text[1:-1].strip().rstrip(".").strip(), ""
    alt = ""
    match = re.match(r"^(.{12,}?)\s*\[([^\[\]]{12,})\]$", text)
    if match:
        alt = match.group(1).strip()
    return text, alt


def normalise_title(title: str) -> tuple[str, str]:
    """Normalised title words and the alternative (translation removed) form, or ""."""
    text, alt = strip_title_tags(title)
    return words(text), words(alt) if alt else ""


_NUMBER = re.compile(r"\b(\d+)\b")
_PART = re.compile(r"\b(?:part|phase|stage|type|study|trial|series|volume|chapter)\s+([ivx]+|\d+|[a-d])\b")


def title_numbers(norm_title: str) -> tuple[str, ...]:
    """Numbers and part markers in a normalised title ("part ii" -> "2"), in order."""
    found = [m.group(1) for m in _NUMBER.finditer(norm_title)]
    for match in _PART.finditer(norm_title):
        token = match.group(1)
        if token in _ROMAN:
            found.append(str(_ROMAN[token]))
        elif not token.isdigit():
            found.append(token)
    return tuple(sorted(found))


@lru_cache(maxsize=200_000)
def name_words(name: str) -> tuple[str, ...]:
    """The words of one author name, folded ("Kalén, Susanne" -> ("kalen", "susanne"))."""
    return tuple(words(name).split())


@lru_cache(maxsize=200_000)
def author_parts(name: str) -> tuple[str, str]:
    """Surname and initials of one author as databases write it.

    >>> author_parts("Kalén, Susanne M.")
    ('kalen', 'sm')
    >>> author_parts("Zuna RE")
    ('zuna', 're')
    >>> author_parts("Perez de, Mendiguren B.")
    ('perez de', 'mb')
    """
    text = clean_text(name)
    if "," in text:
        surname, given = text.split(",", 1)
        given_words = words(given).split()
        return words(surname), "".join(w[0] for w in given_words if w)
    tokens = text.replace(".", ". ").split()
    if not tokens:
        return "", ""
    # "Zuna RE" / "Zuna R.E." (MEDLINE style): trailing upper-case initials.
    initials: list[str] = []
    while len(tokens) > 1 and re.fullmatch(r"-?(?:[A-Z]\.?-?){1,3}", tokens[-1]):  # "A.-C."
        initials.insert(0, tokens.pop().replace(".", "").replace("-", ""))
    if initials:
        return words(" ".join(tokens)), "".join(initials).lower()
    # "Susanne Kalén" (given names first): the last word is the surname.
    if len(tokens) > 1:
        return words(tokens[-1]), "".join(words(t)[:1] for t in tokens[:-1])
    return words(tokens[0]), ""


_GLUED_AUTHORS = re.compile(r"(?<=[A-Z]\.)(?=[A-Z][a-z'\-])")


def split_authors(authors: list[str]) -> list[str]:
    """One entry per author, also when a source glued them into one string.

    ASySD-style exports join authors without separators ("Adeli K.Lewis G. F."); BibTeX-like
    exports use " and ". Splitting is attempted only on a single entry.
    """
    if len(authors) != 1:
        return [a for a in authors if a and a.strip()]
    text = authors[0]
    for sep in (" and ", ";"):
        if sep in text:
            return [a.strip() for a in text.split(sep) if a.strip()]
    glued = _GLUED_AUTHORS.split(text)
    if len(glued) > 1:
        return [a.strip() for a in glued if a.strip()]
    return [text]


def normalise_journal(name: str) -> str:
    """Journal words without stop words and conference/supplement suffixes.

    >>> normalise_journal("Microcirculation. Conference: 66th Annual Meeting")
    'microcirculation'
    >>> normalise_journal("Journal of the American Heart Association")
    'journal american heart association'
    """
    text = clean_text(name)
    text = _JOURNAL_CUT.sub("", text) or text
    return " ".join(w for w in words(text).split() if w not in JOURNAL_STOP)


@lru_cache(maxsize=50_000)
def journal_variants(*names: str) -> tuple[str, ...]:
    """Normalised forms of a journal field: whole, and each part of a bilingual or dotted name.

    >>> journal_variants("Journal of clinical virology : the official publication of the Pan American Society")
    ('journal clinical virology pan american society', 'journal clinical virology')
    >>> journal_variants("Revista Panamericana de Salud Publica/Pan American Journal of Public Health")
    ('revista panamericana salud publica pan american journal public health', 'revista panamericana salud publica', 'pan american journal public health')
    """
    out: list[str] = []
    for name in names:
        if not name:
            continue
        text = clean_text(name)
        # NLM titles carry a subtitle after " : " ("Journal of clinical virology : the
        # official publication of ..."); the part before it is the journal's name.
        parts = re.split(r"\s*[/=]\s*|\.\s*(?=[A-Z])", text) + text.split(" : ")[:1]
        # NLM adds a place or year to tell journals of one name apart: "Presse medicale
        # (Paris, France : 1983)", "Deutsche medizinische Wochenschrift (1946)".
        qualified = re.match(r"^(.{4,}?)\s*\([^()]*\)\s*$", text)
        if qualified:
            parts.append(qualified.group(1))
        for part in (name, *parts):
            norm = normalise_journal(part)
            if norm and norm not in out:
                out.append(norm)
    return tuple(out)


def _abbreviates(short: str, full: str) -> bool:
    """True when ``short`` can be an abbreviation of the word ``full`` ("natl" of "national")."""
    if short == full:
        return True
    if not short or not full or short[0] != full[0] or len(short) > len(full):
        return False
    pos = 0
    for ch in short:
        pos = full.find(ch, pos)
        if pos < 0:
            return False
        pos += 1
    return True


def journals_match(a: str, b: str) -> bool | None:
    """Whether two normalised journal names name the same journal; None when one is empty.

    Word by word, each word of the shorter form must abbreviate the next word of the longer
    one ("j am heart assoc" ~ "journal american heart association").
    """
    if not a or not b:
        return None
    if a == b:
        return True
    wa, wb = a.split(), b.split()
    if len(wa) > len(wb):
        wa, wb = wb, wa
    if len(wa) == len(wb):
        return all(_abbreviates(x, y) or _abbreviates(y, x) for x, y in zip(wa, wb))
    # The shorter may drop words ("j clin endocrinol metab" ~ "the journal of clinical ...").
    j = 0
    for word in wa:
        while j < len(wb) and not (_abbreviates(word, wb[j]) or _abbreviates(wb[j], word)):
            j += 1
        if j == len(wb):
            return False
        j += 1
    return len(wb) - len(wa) <= 1 and len(wa) >= 2


_NO_PAGINATION = re.compile(r"\(no pagination\)", re.I)


def digits(value: str) -> str:
    """The first run of digits without leading zeros ("61 (Supplement 1)" -> "61")."""
    match = re.search(r"\d+", value or "")
    return match.group(0).lstrip("0") or "0" if match else ""


_DASHES = re.compile("[\u2010-\u2015\u2212]")
_SUPPLEMENT = re.compile(r"\b(?:suppl|supplement|s\d+)", re.I)
_MONTH_RANGE = re.compile(r"^([A-Za-z]{3})-(\d{1,4})$")
_RANGE_MONTH = re.compile(r"^(\d{1,4})-([A-Za-z]{3})$")


def normalise_pages(start: str, end: str) -> tuple[str, str, str]:
    """First page, last page and electronic article number from a record's pages.

    >>> normalise_pages("Jan-13", "")
    ('1', '13', '')
    >>> normalise_pages("e001469", "")
    ('', '', '1469')
    >>> normalise_pages("S557", "S558")
    ('s557', 's558', '')
    """
    if start.isdigit() and (not end or end.isdigit()):
        if len(start) >= 5 and not end:
            return "", "", start.lstrip("0")
        s_, e_ = split_pages(start, end) if end else (start, "")
        return s_.lstrip("0") or s_, (e_.lstrip("0") or e_) if e_ else "", ""
    start, end = _DASHES.sub("-", start or "").strip(), _DASHES.sub("-", end or "").strip()
    if not end:
        for pattern, order in ((_MONTH_RANGE, 0), (_RANGE_MONTH, 1)):
            match = pattern.match(start)
            if match and match.group(1 + order).lower()[:3] in MONTHS:
                month = MONTHS[match.group(1 + order).lower()[:3]]
                other = match.group(2 - order)
                start, end = (str(month), other) if order == 0 else (other, str(month))
                start, end = split_pages(f"{start}-{end}")
                break
        else:
            if "-" in start or "–" in start:
                start, end = split_pages(start)
    start, end = start.lower().strip(), end.lower().strip()
    if re.fullmatch(r"e\d+", start) or re.fullmatch(r"\d{5,}", start) and not end:
        return "", "", start.lstrip("e").lstrip("0")
    start = re.sub(r"^([a-z]*)0*(\d)", r"\1\2", start)
    end = re.sub(r"^([a-z]*)0*(\d)", r"\1\2", end)
    if not re.search(r"\d", start):
        start = ""
    start = re.split(r"[\s,;+]", start)[0]
    end = re.split(r"[\s,;+]", end)[0] if end else ""
    return start, end, ""


# Where a title's main part ends and its subtitle begins (first occurrence).
_SUBTITLE_BREAK = re.compile(r"\s*(?::|\?|\s[-\u2013\u2014]\s|\u2014)\s*")


def main_title(title: str, stripped: str | None = None) -> str:
    """The normalised main title (before ":", " - ", " — " or "?"), or "" when there is none.

    >>> main_title("Peer mentoring in medical school: a mixed-methods evaluation")
    'peer mentoring in medical school'
    >>> main_title("Does it work? A trial")
    'does it work'
    """
    text = strip_title_tags(title)[0] if stripped is None else stripped
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    parts = _SUBTITLE_BREAK.split(text, maxsplit=1)
    if len(parts) < 2 or not parts[1].strip(" .?!"):
        return ""
    return words(parts[0])


# Languages Ovid and PubMed name in a title tag ("... [German]"); lower case.
LANGUAGE_NAMES = frozenset(
    "afrikaans arabic bulgarian catalan chinese croatian czech danish dutch estonian finnish "
    "french german greek hebrew hungarian icelandic indonesian italian japanese korean latvian "
    "lithuanian malay norwegian persian polish portuguese romanian russian serbian slovak "
    "slovene slovenian spanish swedish thai turkish ukrainian vietnamese".split()
)
ENGLISH = frozenset({"", "en", "eng", "english"})
_LANGUAGE_TAG = re.compile(r"\[\s*([A-Za-z]+)(?:\s*,\s*[A-Za-z]+)*\s*\]")


def translation_signal(rec: Record) -> bool:
    """The record itself says its title is a translation or the item is not in English.

    Signals, all from the record (no guessing from the words): MEDLINE/Ovid write a
    translated title wholly in square brackets ("[Peer mentoring in medical school]"), Ovid
    appends the language ("... [German]"), and the language field names another language.
    """
    title = clean_text(rec.title).strip()
    if title.startswith("[") and title.find("]") >= 12:
        return True
    for match in _LANGUAGE_TAG.finditer(title[-60:]):
        if match.group(1).lower() in LANGUAGE_NAMES:
            return True
    languages = {x.strip().lower() for x in re.split(r"[;,/]", rec.language or "")}
    return bool(languages - ENGLISH)


def title_kind(title: str) -> str:
    """The notice kind a title announces ("Erratum: ...", "Reply to ...") or ""."""
    light = ascii_fold(clean_text(title)).replace("'", "").replace("\u2019", "")
    light = light.lstrip("[( ").strip()
    for pattern, kind in _TITLE_KIND_RE:
        if pattern.search(light):
            return kind
    tail = light.rstrip(" .")
    for pattern, kind in _TITLE_KIND_SUFFIX_RE:
        if pattern.search(tail):
            return kind
    if title and title.rstrip(" .").endswith(")") and _WOS_CORRECTION.search(title):
        return "erratum"
    return ""


def record_kind(rec: Record) -> tuple[str, bool]:
    """("article" | "conference" | one of ``NOTICE_KINDS``, whether the title says so).

    A kind read from the title is strong evidence; one read from publication or reference
    types is weaker (databases label the same item differently). The MEDLINE type "Comment"
    is ignored: it marks letters, which other databases index as plain letters.
    """
    kind = title_kind(rec.title)
    if kind:
        return kind, True
    kinds = {PUBTYPE_KINDS.get(pt.strip().lower()) for pt in rec.publication_types}
    kinds.discard(None)
    kinds.discard("comment")
    notices = sorted(k for k in kinds if k in NOTICE_KINDS)
    if notices:
        return notices[0], False
    if CONFERENCE in kinds:
        return CONFERENCE, False
    if rec.reference_type and rec.reference_type.strip().lower() in CONFERENCE_REFTYPES:
        return CONFERENCE, False
    if rec.journal and _CONFERENCE_JOURNAL.search(rec.journal):
        return CONFERENCE, False
    return ARTICLE, False


def normalise(rec: Record, index: int = 0) -> NormRecord:
    """All comparable keys of ``rec`` (``index`` is the caller's position for the record)."""
    stripped, alt = strip_title_tags(rec.title)
    title, alt = words(stripped), words(alt) if alt else ""
    names = split_authors(rec.authors)
    parts = [author_parts(a) for a in names[:50]]
    surnames = tuple(s for s, _ in parts if s)
    author_key = " ".join(f"{s} {i[:1]}".strip() for s, i in parts if s)
    start, end, article_number = normalise_pages(rec.start_page, rec.end_page)
    volume, issue = digits(rec.volume), digits(rec.issue)
    if _NO_PAGINATION.search(rec.volume or ""):
        # Embase: volume "16 (1) (no pagination)" with the article number in the issue field.
        inner = re.search(r"\((\d+)\)", rec.volume)
        issue = inner.group(1).lstrip("0") or "0" if inner else ""
        if not start and not article_number:
            article_number = rec.issue.strip().lower().lstrip("e").lstrip("0")
    supplement = bool(
        _SUPPLEMENT.search(f"{rec.volume} {rec.issue}")
        or re.fullmatch(r"[a-z]\d+", start)
        or _CONFERENCE_JOURNAL.search(rec.journal or "")
        or (start.isdigit() and end.isdigit() and int(end) - int(start) > 60)
    )
    year = rec.year
    kind, kind_from_title = record_kind(rec)
    # Some exports put the year in the pages field.
    if start and year and start == str(year):
        start = end = ""
    journals = journal_variants(rec.journal, rec.journal_abbrev)
    return NormRecord(
        index=index,
        doi=normalise_doi(unquote(rec.doi)) if "%" in rec.doi else normalise_doi(rec.doi),
        pmid=normalise_pmid(rec.pmid) if rec.pmid else "",
        title=title,
        title_alt=alt,
        title_numbers=title_numbers(title),
        compact=title.replace(" ", ""),
        authors=surnames,
        author_key=author_key,
        author_words=" ".join(sorted({w for a in names[:50] for w in name_words(a)})),
        year=year,
        journals=journals,
        issns=tuple(rec.issns),
        volume=volume,
        issue=issue,
        page=start,
        page_end=end,
        article_number=article_number,
        abstract=words(rec.abstract[:400])[:300] if rec.abstract else "",
        kind=kind,
        kind_from_title=kind_from_title,
        supplement=supplement,
        generic=generic_reason(title, journals),
        main_title=main_title(rec.title, stripped),
        translated=translation_signal(rec),
    )
