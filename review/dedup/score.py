"""Compare two normalised records and decide: duplicate, maybe (for a person), or distinct.

``compare`` measures each field (rapidfuzz for titles and authors, exact or abbreviation
rules for the rest) into a ``Comparison``; ``decide`` applies the rules below, in order,
and returns a ``Decision`` with a confidence and a reason a person can read.

Rules (the safety rules come first and cannot be outweighed; docs/dedup.md states each
with its reason):

1. Different DOIs or different PMIDs: never a duplicate (a person may look when all else
   agrees exactly).
2. A notice (erratum, retraction, comment, reply, expression of concern) announced in its
   title is never merged with an item of another kind (its article).
3. Same DOI or PMID and similar titles, or one title the other's main title with an
   agreeing address: duplicate.
4. A generic title (generic.py) merges only on the full address (volume, issue, first page).
5. A title the record marks as a translation merges at the full address with the same authors.
6. Main title against full title: same authors, year and first page, nothing contradicting.
7. Same journal, volume, first page and authors: a retitled copy.
8. Otherwise titles must be near-identical and authors must agree; a contradiction in year
   (more than one apart), volume, issue (both given) or first page keeps the pair apart
   unless every other field agrees; different numbers in the titles or a conference item
   against a journal article need more agreement still.
9. Near misses go to the review queue as "maybe"; everything else is distinct.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from review.dedup.normalise import ARTICLE, CONFERENCE, NormRecord, journals_match

DUPLICATE = "duplicate"
MAYBE = "maybe"
DISTINCT = "distinct"

# Thresholds (0-100 similarity) as data, so the rules read as a table.
TITLE_EXACT = 97.0
TITLE_NEAR = 92.0
TITLE_SIMILAR = 85.0
TITLE_ID_MATCH = 80.0  # same DOI/PMID: titles need only be this similar
TITLE_ID_MAYBE = 55.0
TITLE_ADDRESS = 70.0  # same journal, volume, page and authors: titles need only be this similar
AUTHOR_STRONG = 90.0
AUTHOR_OK = 75.0
AUTHOR_CONFLICT = 50.0
ABSTRACT_AGREE = 90.0
MISSING_AUTHORS = frozenset({"anonymous", "anon", "et al", "no authorship indicated", "unknown", ""})
_GROUP_AUTHOR = re.compile(
    r"\b(?:group|study|trial|consortium|collaborat\w*|investigators|committee|society|"
    r"association|network|team|working|task force|pharmaceuticals|inc|ltd)\b"
)


@dataclass(slots=True)
class Comparison:
    """Field by field: a similarity (0-100, None if a side is empty) or agree/differ/None."""

    title: float | None
    title_contained: float | None  # fuzz.partial_ratio when >= TITLE_EXACT (one title inside the other), else title
    authors: float | None
    doi: bool | None  # True same, False different, None unknown
    pmid: bool | None
    year_gap: int | None
    journal: bool | None
    volume: bool | None
    issue: bool | None
    pages: bool | None
    same_first_page: bool  # the first pages (or article numbers) are identical
    abstract: float | None  # >= ABSTRACT_AGREE, or 0 when below it
    numbers_differ: bool
    kinds: tuple[str, str]
    kind_from_title: bool
    supplement: bool  # either record looks like a meeting abstract in a supplement
    both_abstracts: bool  # both look like meeting abstracts (by kind or by supplement)
    multi_page: bool  # both give a range of three pages or more
    notice_shape: bool = False  # one page in a known other issue than the other's page range
    generic: bool = False  # either title is generic (generic.py): a title match proves nothing
    main_title_match: bool = False  # one title is exactly the other's main title (before ":" etc.)
    translated: bool = False  # either record says its title is a translation


@dataclass(slots=True)
class Decision:
    outcome: str  # DUPLICATE | MAYBE | DISTINCT
    confidence: float  # 0..1, how sure we are the two are the same paper
    reason: str
    method: str = "fuzzy"  # doi | pmid | fuzzy


def _same(a: str, b: str) -> bool | None:
    if not a or not b:
        return None
    return a == b


def title_similarity(a: NormRecord, b: NormRecord) -> float | None:
    """Best ``fuzz.ratio`` over each title and its translation-free form."""
    if not a.title or not b.title:
        return None
    best = fuzz.ratio(a.title, b.title)
    if best >= 99.5:
        return best
    for x in (a.title, a.title_alt):
        for y in (b.title, b.title_alt):
            if x and y and (x is not a.title or y is not b.title):
                best = max(best, fuzz.ratio(x, y))
    return best


@lru_cache(maxsize=200_000)
def _personal(surnames: tuple[str, ...]) -> tuple[str, ...]:
    """The personal names among ``surnames`` (a record meets many others: computed once)."""
    return tuple(s for s in surnames if s not in MISSING_AUTHORS and not _GROUP_AUTHOR.search(s))


def author_similarity(a: NormRecord, b: NormRecord) -> float | None:
    """Similarity of the ordered surnames; a list cut short ("et al.") compares on its length.

    None when either side has no personal author (missing, "Anonymous", or only a group
    such as "ALTS Study Group").
    """
    sa, sb = _personal(a.authors), _personal(b.authors)
    if not sa or not sb:
        return None
    n = min(len(sa), len(sb))
    ja, jb = " ".join(sa[:n]), " ".join(sb[:n])
    prefix = fuzz.ratio(ja, jb)
    if prefix >= AUTHOR_STRONG:
        return prefix
    # Different order or name conventions ("Giorgi Rossi, P" / "Rossi, P G"): compare the
    # words of the names as sets, slightly discounted.
    return max(prefix, fuzz.token_set_ratio(a.author_words, b.author_words) - 5)


def journal_agreement(a: NormRecord, b: NormRecord) -> bool | None:
    if a.issns and b.issns and set(a.issns) & set(b.issns):
        return True
    if not a.journals or not b.journals:
        return None
    return any(journals_match(x, y) for x in a.journals for y in b.journals)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _page_range(page: str, end: str) -> tuple[int, int] | None:
    if not (page.isdigit() and (not end or end.isdigit())):
        return None
    first = int(page)
    last = int(end) if end else first
    return (first, last) if last >= first else None


def pages_agreement(a: NormRecord, b: NormRecord) -> bool | None:
    """Same first page (or article number); None when a side has none or formats differ.

    "S557" and "557" agree (the supplement letter is often dropped); a letter-prefixed
    electronic locator ("c1804", "e123") against a print page is a different format, not a
    contradiction. Ranges that overlap by more than one page agree ("2141-2147" and
    "2142-2147" is a typo), as does a single page inside the other's range ("488" and
    "487-488": some sources give the last page only).
    """
    if a.page and b.page:
        if a.page == b.page:
            return True
        pa, pb = a.page.lstrip(_LETTERS), b.page.lstrip(_LETTERS)
        if pa == pb:
            return True
        prefix_a, prefix_b = a.page[: len(a.page) - len(pa)], b.page[: len(b.page) - len(pb)]
        if prefix_a != prefix_b and "s" not in (prefix_a, prefix_b):
            return None
        ra, rb = _page_range(a.page, a.page_end), _page_range(b.page, b.page_end)
        if ra and rb:
            overlap = min(ra[1], rb[1]) - max(ra[0], rb[0])
            if ra[1] > ra[0] and rb[1] > rb[0]:
                if overlap >= 2 or (ra[1] == rb[1] and overlap >= 1):
                    return True
            elif (ra[0] == ra[1] and rb[0] <= ra[0] <= rb[1]) or (rb[0] == rb[1] and ra[0] <= rb[0] <= ra[1]):
                return True
        return False
    if a.article_number and b.article_number:
        return a.article_number == b.article_number
    if a.article_number and b.page:
        return True if a.article_number == b.page.lstrip("e") else None
    if b.article_number and a.page:
        return True if b.article_number == a.page.lstrip("e") else None
    return None


def _abstract_like(rec: NormRecord) -> bool:
    """A meeting abstract by kind, by supplement, or printed on a single page of a journal."""
    return rec.kind == CONFERENCE or rec.supplement or bool(rec.page and not rec.page_end)


def _multi_page(rec: NormRecord) -> bool:
    span = _page_range(rec.page.lstrip(_LETTERS), rec.page_end.lstrip(_LETTERS))
    return span is not None and span[1] - span[0] >= 2


def _single_page(rec: NormRecord) -> bool:
    return bool(rec.page) and (not rec.page_end or rec.page_end == rec.page)


def notice_shape(a: NormRecord, b: NormRecord) -> bool:
    """One record is a single page in a known other issue than the other's page range.

    That is where an erratum, a reply or a meeting abstract sits, and databases often index
    it under the article's own title (even with the article's first page): such a pair is
    never merged without a person looking at it.
    """
    if not (a.issue and b.issue and a.issue != b.issue):
        return False
    return (_single_page(a) and _multi_page(b)) or (_single_page(b) and _multi_page(a))


def fields_shifted(a: NormRecord, b: NormRecord) -> bool:
    """``a`` has no volume, and its issue and single page are ``b``'s volume and issue.

    Some exports move the volume into the issue slot and the issue into the pages slot
    (Embase conference abstracts: number "26", pages "9" for volume 26, issue 9); two
    numbers coinciding that way is a field shift, not two different addresses.
    """
    return bool(
        not a.volume and a.issue and b.volume and b.issue
        and a.issue == b.volume and a.page == b.issue
        and (not a.page_end or a.page_end == a.page)
    )


def online_first(a: NormRecord, b: NormRecord) -> bool:
    """``a`` looks like the online-first copy of ``b``: no volume or issue, pages from 1.

    Before an article is put in an issue the publisher's PDF is paginated from 1; the issue
    copy has a volume and its real pages. Those two page numbers are not a contradiction.
    """
    return bool(not a.volume and not a.issue and a.page == "1" and b.volume and b.page and b.page != "1")


def page_in_issue(a: NormRecord, b: NormRecord) -> bool:
    """``a`` has no page and its issue is ``b``'s first page or article number (a field shift)."""
    return bool(
        a.issue and not a.page and not a.article_number and b.volume == a.volume
        and a.issue in (b.page, b.article_number)
    )


def main_title_match(a: NormRecord, b: NormRecord) -> bool:
    """One title is the other's main title: the whole title before ":", " - ", " — " or "?"."""
    return bool((a.main_title and a.main_title == b.title) or (b.main_title and b.main_title == a.title))


def compare(a: NormRecord, b: NormRecord) -> Comparison:
    year_gap = abs(a.year - b.year) if a.year and b.year else None
    # Only "abstracts agree" (>= ABSTRACT_AGREE) is used: below it the value is 0, which
    # lets rapidfuzz stop early.
    abstract = (
        fuzz.ratio(a.abstract, b.abstract, score_cutoff=ABSTRACT_AGREE) if a.abstract and b.abstract else None
    )
    title = title_similarity(a, b)
    contained = title
    if title is not None and TITLE_ID_MAYBE <= title < TITLE_EXACT:
        short, long_ = sorted((a.title, b.title), key=len)
        if len(short) >= 30:
            # only "contained" (>= TITLE_EXACT) is used; below it partial_ratio gives 0
            contained = max(title, fuzz.partial_ratio(short, long_, score_cutoff=TITLE_EXACT))
    shifted = fields_shifted(a, b) or fields_shifted(b, a)
    early = online_first(a, b) or online_first(b, a)
    moved = page_in_issue(a, b) or page_in_issue(b, a)
    return Comparison(
        title=title,
        title_contained=contained,
        authors=author_similarity(a, b),
        doi=_same(a.doi, b.doi),
        pmid=_same(a.pmid, b.pmid),
        year_gap=year_gap,
        journal=journal_agreement(a, b),
        volume=True if shifted else _same(a.volume, b.volume),
        issue=True if shifted else None if moved else _same(a.issue, b.issue),
        pages=None if shifted or early else True if moved else pages_agreement(a, b),
        same_first_page=bool(
            moved
            or (a.page and a.page.lstrip(_LETTERS) == b.page.lstrip(_LETTERS))
            or (a.article_number and a.article_number == b.article_number)
        ),
        abstract=abstract,
        numbers_differ=bool(a.title_numbers or b.title_numbers) and a.title_numbers != b.title_numbers,
        kinds=(a.kind, b.kind),
        kind_from_title=a.kind_from_title or b.kind_from_title,
        supplement=a.supplement or b.supplement,
        both_abstracts=_abstract_like(a) and _abstract_like(b),
        multi_page=_multi_page(a) and _multi_page(b),
        notice_shape=not shifted and notice_shape(a, b),
        generic=bool(a.generic or b.generic),
        main_title_match=main_title_match(a, b),
        translated=a.translated or b.translated,
    )


def _confidence(c: Comparison, agreements: int, conflicts: int) -> float:
    """A monotone 0..1 score for ranking (not a calibrated probability)."""
    title = (c.title or 0.0) / 100
    authors = (c.authors if c.authors is not None else 80.0) / 100
    score = 0.55 * title + 0.25 * authors + 0.05 * min(agreements, 4) - 0.1 * conflicts
    return round(max(0.0, min(1.0, score)), 3)


def decide(c: Comparison) -> Decision:
    """Apply the module's rules to one comparison."""
    title = c.title if c.title is not None else 0.0
    contained = c.title_contained if c.title_contained is not None else 0.0
    authors = c.authors
    agree = {
        "year": c.year_gap == 0 if c.year_gap is not None else None,
        "journal": c.journal,
        "volume": c.volume,
        "pages": c.pages,
        "issue": c.issue,
    }
    hard = {
        "year": c.year_gap is not None and c.year_gap > 1,
        "volume": c.volume is False,
        "pages": c.pages is False,
        "issue": c.issue is False,
    }
    conflicts = [k for k, v in hard.items() if v]
    agreements = [k for k, v in agree.items() if v]
    if c.abstract is not None and c.abstract >= ABSTRACT_AGREE:
        agreements.append("abstract")
    n_agree = len(agreements)
    conf = _confidence(c, n_agree, len(conflicts))
    kind_a, kind_b = c.kinds
    # The article's address: same journal, volume and first page, within a year.
    same_address = (
        c.journal is True and c.volume is True and c.same_first_page
        and (c.year_gap is None or c.year_gap <= 1) and c.issue is not False
    )
    # Journal, volume and first page agree, and nothing in the address contradicts.
    address_agrees = (
        c.journal is not False and c.volume is True and c.pages is True and c.issue is not False
        and (c.year_gap is None or c.year_gap <= 1)
    )
    # The full address: volume, issue and first page all given and equal.
    full_address = (
        c.journal is not False and c.volume is True and c.issue is True and c.same_first_page
        and (c.year_gap is None or c.year_gap <= 1)
    )
    everything_agrees = (
        title >= TITLE_EXACT
        and (authors is None or authors >= AUTHOR_STRONG)
        and not conflicts
        and c.issue is not False
        and c.journal is not False
        and n_agree >= 3
    )
    detail = (
        f"title {title:.0f}, authors {'-' if authors is None else f'{authors:.0f}'}, "
        f"agree: {','.join(agreements) or '-'}"
        + (f"; differ: {','.join(conflicts)}" if conflicts else "")
    )

    # 1. Identifiers that differ.
    for name, same in (("DOI", c.doi), ("PMID", c.pmid)):
        if same is False:
            if everything_agrees:
                return Decision(MAYBE, min(conf, 0.6), f"{name}s differ; all else agrees")
            return Decision(DISTINCT, conf, f"{name}s differ")

    # 2. A notice and the article it refers to; a meeting abstract and a journal article.
    cautious = c.numbers_differ
    if kind_a != kind_b:
        notice = {kind_a, kind_b} - {ARTICLE, CONFERENCE}
        if notice and c.kind_from_title:
            # A notice indexed under the article's own title sits at the notice's address.
            if same_address and title >= TITLE_NEAR and c.issue is True:
                return Decision(DUPLICATE, conf, f"{detail} (the same notice, titled two ways)")
            return Decision(DISTINCT, conf, f"{'/'.join(sorted(notice))} and another kind of item")
        if notice or not c.both_abstracts:
            cautious = True

    # 3. Same identifier.
    for name, same in (("DOI", c.doi), ("PMID", c.pmid)):
        if same:
            if c.title is None or title >= TITLE_ID_MATCH or contained >= TITLE_EXACT:
                return Decision(DUPLICATE, 1.0, f"same {name}, title {title:.0f}", name.lower())
            if c.main_title_match and address_agrees:
                return Decision(DUPLICATE, 1.0, f"same {name} and address; one title is the other's main title",
                                name.lower())
            if title >= TITLE_ID_MAYBE:
                return Decision(MAYBE, conf, f"same {name} but titles differ ({title:.0f})", name.lower())
            return Decision(DISTINCT, conf, f"same {name} but different titles ({title:.0f})")

    # 4. A generic title ("Editorial", "Editor's comments", "Book review", a minitrack's
    # introduction): the title proves nothing, so only the full address can merge the pair.
    if c.generic and not full_address:
        if not conflicts and c.journal is True and c.volume is True and title >= TITLE_EXACT and (
            authors is None or authors >= AUTHOR_STRONG
        ):
            return Decision(MAYBE, min(conf, 0.6), f"{detail}; generic title, issue or page missing")
        return Decision(DISTINCT, conf, f"generic title ({title:.0f}) without a shared DOI/PMID or full address")

    # 5. A translated title at the full address: the record says the title is a translation
    # (bracketed, a language tag, a non-English language field), and journal, volume, issue,
    # first page and authors agree; the two titles need not look alike.
    if (
        c.translated and full_address and c.journal is True and authors is not None
        and authors >= AUTHOR_STRONG and kind_a == kind_b and (c.multi_page or not c.supplement)
    ):
        return Decision(DUPLICATE, conf, f"{detail} (a translated title at the same journal, volume, issue, page)")

    # 6. Main title against the full title: same authors, year and pages (journal too, unless
    # both give the same full page range), no contradiction.
    if (
        c.main_title_match and not conflicts and c.year_gap == 0 and c.pages is True
        # proceedings are named many ways: a venue that does not match needs a full page range
        and (c.journal is not False or c.multi_page)
        and authors is not None and authors >= AUTHOR_STRONG
        and kind_a == kind_b and not c.numbers_differ and not c.notice_shape
    ):
        return Decision(DUPLICATE, conf, f"{detail} (one title is the other's main title)")

    # 7. Same address (journal, volume, first page, year): a retitled or mistitled copy.
    if same_address and not (kind_a != kind_b and cautious):
        # Many meeting abstracts share a page of a supplement; a multi-page range does not.
        strict = c.supplement and not c.multi_page
        if title >= TITLE_EXACT and not strict:
            return Decision(DUPLICATE, conf, f"{detail} (same title at the same journal, volume, page)")
        if authors is not None and authors >= AUTHOR_STRONG and (
            title >= (TITLE_NEAR if strict else TITLE_ADDRESS) or contained >= TITLE_EXACT
        ):
            return Decision(DUPLICATE, conf, f"{detail} (same authors at the same journal, volume, page)")

    # 8. Fuzzy match on title, authors and the bibliographic details.
    if title < TITLE_SIMILAR:
        if same_address and title >= TITLE_ADDRESS:
            return Decision(MAYBE, conf, detail)
        return Decision(DISTINCT, conf, f"titles differ ({title:.0f})")
    if authors is not None and authors < AUTHOR_CONFLICT:
        if everything_agrees:
            return Decision(MAYBE, conf, f"{detail}; authors differ")
        return Decision(DISTINCT, conf, f"authors differ ({authors:.0f})")
    if conflicts:
        # A single typo in year, volume or pages when everything else agrees. A different
        # single first page needs the same issue too (an erratum or reply sits in a later
        # issue, on one page); two full page ranges in the same year, journal and volume
        # with the same title and authors are one article with a page typo unless the
        # issues are known to differ (a series split over issues).
        one_off = (
            len(conflicts) == 1
            and title >= TITLE_EXACT
            and authors is not None
            and authors >= AUTHOR_STRONG
            and c.journal is True
            and (
                (c.issue is True or c.multi_page or c.both_abstracts) and c.issue is not False
                if conflicts[0] == "pages" else c.issue is not False
            )
            and not cautious
            and len([k for k in ("year", "volume", "pages") if agree[k]]) == 2
        )
        if one_off:
            return Decision(DUPLICATE, conf, f"{detail} (only {conflicts[0]} differs)")
        # A near miss goes to a person: one field differs, or issue and pages differ
        # together between two full articles (the same title in another issue). A single
        # page in another issue than an article is a notice or a meeting abstract: another
        # publication, not a question.
        if title >= TITLE_NEAR and (authors is None or authors >= AUTHOR_OK) and (
            len(conflicts) == 1 or (sorted(conflicts) == ["issue", "pages"] and c.multi_page)
        ):
            return Decision(MAYBE, conf, detail)
        return Decision(DISTINCT, conf, detail)
    if c.notice_shape:
        return Decision(MAYBE, conf, detail + "; one page in another issue than the article's pages (a notice under its title?)")
    if c.numbers_differ:
        return Decision(MAYBE, conf, detail + "; numbers in the titles differ")
    if cautious:
        if everything_agrees:
            return Decision(DUPLICATE, conf, detail + " (kinds differ; all else agrees)")
        return Decision(MAYBE, conf, detail + "; kinds of item differ")
    if authors is None:
        if title < TITLE_EXACT and not (c.journal or c.volume or c.issue or c.pages):
            # Only the title can be compared (registry entries: no authors, no address), and
            # the titles differ: "adult" vs "adolescent", "resistant" vs "sensitive".
            return Decision(DISTINCT, conf, f"{detail}; titles differ and nothing else to compare")
        if title >= TITLE_EXACT and n_agree >= 3:
            return Decision(DUPLICATE, conf, detail + " (no personal authors)")
        return Decision(MAYBE, conf, detail)
    if title >= TITLE_EXACT and authors >= AUTHOR_OK and n_agree >= 1:
        return Decision(DUPLICATE, conf, detail)
    if title >= TITLE_NEAR and authors >= AUTHOR_STRONG and n_agree >= 2:
        return Decision(DUPLICATE, conf, detail)
    if title >= TITLE_SIMILAR and authors >= AUTHOR_STRONG and n_agree >= 3:
        return Decision(DUPLICATE, conf, detail)
    if authors >= AUTHOR_OK or n_agree >= 2:
        return Decision(MAYBE, conf, detail)
    return Decision(DISTINCT, conf, detail)


_FAR = Decision(DISTINCT, 0.0, "titles differ")


def _contained(a: str, b: str) -> bool:
    """One title inside the other (``compare``'s ``title_contained`` >= TITLE_EXACT)."""
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 30 and fuzz.partial_ratio(short, long_, score_cutoff=TITLE_EXACT) > 0


def score_pair(a: NormRecord, b: NormRecord) -> Decision:
    """``decide(compare(a, b))``, with a quick exit for clearly different titles.

    When nothing but the titles could link the two (no shared DOI/PMID, no translation or
    alternative title, neither title the other's main title), a title similarity below
    TITLE_ID_MAYBE, or below TITLE_ADDRESS without one title inside the other, is distinct
    under every rule of ``decide`` (rules 1, 2 and 4 need titles >= 92, rule 7 titles >= 70
    or one inside the other, rule 8 titles >= 70): the other fields are not compared.
    """
    if (
        a.title and b.title and not a.title_alt and not b.title_alt
        and not a.translated and not b.translated
        and not main_title_match(a, b)
        and not (a.doi and a.doi == b.doi) and not (a.pmid and a.pmid == b.pmid)
    ):
        title = fuzz.ratio(a.title, b.title, score_cutoff=TITLE_ID_MAYBE)
        if title == 0 or (title < TITLE_ADDRESS and not _contained(a.title, b.title)):
            return _FAR
    return decide(compare(a, b))
