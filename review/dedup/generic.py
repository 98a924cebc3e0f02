"""Generic titles: titles many different items share, so a title match says nothing.

An editor's column ("Editor's comments"), an annual minitrack introduction, a "Book review",
a "Reply" or a record whose title is only the journal's name recurs in every issue, every
year, often by the same author. Two records with such a title are never merged on title,
author and year alone (``score.decide``): they need a shared DOI or PMID, or the full
address (volume, issue and first page) to agree.

The table is data: each row is a pattern (matched against the normalised title: lower case,
ASCII, words separated by single spaces; see ``normalise.words``) and the reason it is
generic. Patterns are anchored at both ends unless they say otherwise, so "Introduction to
cardiac imaging" (a real title) is not generic while "Introduction" is.
"""

from __future__ import annotations

import re

GENERIC_TITLES: tuple[tuple[str, str], ...] = (
    (r"(?:guest )?editorials?(?: comment| note)?", "an editorial recurs in every issue"),
    (r"(?:the )?editors? (?:comments?|notes?|introduction|corner|page|column|choice|message|letter|remarks)",
     "an editor's column recurs in every issue"),
    (r"(?:remarks|a word|a note|a message|letter|notes?|comments?) from the (?:editors?|editor in chief|chair|president)",
     "an editor's column recurs in every issue"),
    (r"from the (?:editors?|editor in chief|editors desk|chair|president)(?: s desk)?",
     "an editor's column recurs in every issue"),
    (r"(?:an )?introduction", "an introduction recurs in every issue or volume"),
    (r"(?:an )?introduction to (?:the |this )?(?:special |focus |themed )?(?:issue|section|volume|supplement)\b.*",
     "a special issue's introduction names only its theme"),
    (r"(?:an )?introduction to (?:the )?(?:mini ?track|track|session|symposium|panel|workshop)\b.*",
     "a conference track's introduction recurs every year under the same title"),
    (r".*\b(?:mini ?track|track|session) introduction", "a conference track's introduction recurs every year"),
    (r"(?:preface|foreword|forward|prologue|epilogue|afterword)", "front matter recurs in every volume"),
    (r"(?:in|inside) this issue", "a table of contents recurs in every issue"),
    (r"(?:this|the) (?:month|week|issue) in\b.*", "a recurring digest column"),
    (r"(?:table of )?contents|index|masthead|editorial board|reviewers?(?: list)?|acknowledge?ments?(?: to reviewers)?",
     "journal furniture recurs in every issue"),
    (r"letters?(?: to the editor)?", "a letter's title names only its kind"),
    (r"(?:in )?(?:reply|response|rejoinder)s?(?: to (?:the )?(?:letters?|comments?|editor))?",
     "a reply's title names only its kind"),
    (r"(?:authors? )?(?:reply|response)", "a reply's title names only its kind"),
    (r"comments?|commentary|commentaries|invited commentary|editorial comment", "a commentary's title names only its kind"),
    (r"book reviews?\b.*", "book reviews share the heading; the book reviewed is often missing"),
    (r"(?:news|news in brief|in brief|announcements?|calendar|events|obituary|in memoriam)",
     "a recurring news section"),
    (r"(?:correction|corrections|erratum|errata|corrigendum|retraction)", "a notice's title names only its kind"),
    (r"(?:untitled|unknown|no title|no title available|not available|title not available|n a|na|none)",
     "no real title"),
    (r"(?:abstracts?|poster abstracts?|oral abstracts?|conference abstracts?|proceedings)",
     "a collection heading, not an item's title"),
)

# "Volume 52 Paper 45", "Vol 3 No 2": a repository's boilerplate after the journal's name.
_BOILERPLATE = re.compile(r"\s(?:volume|vol|issue|iss|no|number|paper|article|art|pages?|pp)\s+\d+(?=\s)")
_POSSESSIVE = re.compile(r"\b(\w+) s\b")
# Words ignored when comparing journal names (also by ``review.dedup.normalise``).
JOURNAL_STOP = frozenset(
    "the of and for in on de la le der und des du et a an & official publication".split()
)
# One alternation, one match per title: group ``g<k>`` is row k of the table.
_GENERIC = re.compile("|".join(f"(?P<g{k}>^(?:{p})$)" for k, (p, _) in enumerate(GENERIC_TITLES)))


def generic_reason(norm_title: str, journals: tuple[str, ...] = ()) -> str:
    """Why ``norm_title`` is generic ("" when it is not).

    ``journals`` are the record's normalised journal names (``normalise.journal_variants``,
    stop words removed): a title that is only the journal's name, once or repeated, is no
    title at all (web pages and table-of-contents entries exported as records).

    >>> generic_reason("editors comments")
    "an editor's column recurs in every issue"
    >>> generic_reason("introduction to cardiac imaging")
    ''
    """
    if not norm_title:
        return ""
    # "editor's comments" normalises to "editor s comments"
    text = _POSSESSIVE.sub(r"\1s", norm_title) if " s " in f"{norm_title} " else norm_title
    match = _GENERIC.match(text)
    if match:
        return GENERIC_TITLES[int(match.lastgroup[1:])][1]
    first = text.split(" ", 1)[0]
    if journals and any(j.startswith(first) for j in journals):
        content = _BOILERPLATE.sub(" ", f" {norm_title} ")
        content = " ".join(w for w in content.split() if w not in JOURNAL_STOP)
        for journal in journals:
            if journal and content and journal.split() and _only_repeats(content, journal):
                return "the title is only the journal's name"
    return ""


def _only_repeats(text: str, unit: str) -> bool:
    """``text`` is ``unit`` once or more, possibly cut short at the end (a truncated export)."""
    if text == unit:
        return True
    if not text.startswith(unit):
        return False
    repeated = " ".join([unit] * (len(text.split()) // len(unit.split()) + 1))
    return repeated.startswith(text)
