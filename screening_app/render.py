"""Record text as safe HTML: every character of a record is escaped, then terms are marked.

Pure functions over plain data (no Streamlit here), so the escaping and the highlighting are
tested on their own. The app passes the result to ``st.html``; nothing from a record ever
reaches the page unescaped, so a title holding ``<script>`` shows as text.

Highlight terms are the strings of ``Criteria.include_terms`` / ``exclude_terms``: plain words
or phrases, with a trailing ``*`` (or Ovid's ``$``) for truncation (``mentor*`` matches
"mentor", "mentors", "mentorship"), ``?``/``#`` as one-character wildcards, and proximity
terms (``balint adj3 group*``); ``review.strategy.highlight`` holds the matching.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from review.records import Record
from review.strategy.highlight import TermMatcher

INCLUDE_STYLE = "background:#fde68a;color:inherit;padding:0 2px;border-radius:2px"
EXCLUDE_STYLE = "background:#fecaca;color:inherit;padding:0 2px;border-radius:2px"


# Explicit bidi embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI):
# a title holding U+202E would show its words in an order the record does not have. They
# are shown as visible marks instead; right-to-left text needs none of them to display.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def bidi_safe(text: str) -> str:
    """``text`` with every explicit bidi control shown as a visible ``[U+202E]`` mark."""
    return _BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group(0)):04X}]", text)


def esc(value: object) -> str:
    """HTML-escape any value (quotes too), bidi controls made visible; ``None`` becomes ""."""
    return html.escape(bidi_safe("" if value is None else str(value)), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$:])")


def md_escape(value: object) -> str:
    """Text for ``st.markdown``: HTML-escaped, and markdown/LaTeX punctuation backslashed."""
    text = html.escape(bidi_safe("" if value is None else str(value)), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


@dataclass(frozen=True)
class Highlighter:
    """Marks include terms and exclude terms in escaped text, each in its own colour.

    Where a term matches is ``review.strategy.highlight.TermMatcher``'s answer (the ranking
    asks it too): a proximity term (``balint adj3 group*``) marks its words only where they
    stand that close together in the field."""

    include: TermMatcher
    exclude: TermMatcher

    @classmethod
    def of(cls, include_terms: Sequence[str], exclude_terms: Sequence[str]) -> "Highlighter":
        return cls(TermMatcher(include_terms), TermMatcher(exclude_terms))

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, "inc" | "exc") left to right, never overlapping; include wins ties."""
        marked = [(a, b, "inc") for a, b in self.include.spans(text)]
        marked += [(a, b, "exc") for a, b in self.exclude.spans(text)]
        out: list[tuple[int, int, str]] = []
        for a, b, kind in sorted(marked, key=lambda m: (m[0], m[2] != "inc", -(m[1] - m[0]))):
            if not out or a >= out[-1][1]:
                out.append((a, b, kind))
        return out

    def __call__(self, text: object) -> str:
        """``text`` HTML-escaped, with matches wrapped in ``<mark>``."""
        raw = bidi_safe("" if text is None else str(text))
        if not raw or not (self.include or self.exclude):
            return esc(raw)
        out: list[str] = []
        pos = 0
        for start, end, kind in self.spans(raw):
            out.append(esc(raw[pos:start]))
            style = INCLUDE_STYLE if kind == "inc" else EXCLUDE_STYLE
            out.append(f'<mark class="hl-{kind}" style="{style}">{esc(raw[start:end])}</mark>')
            pos = end
        out.append(esc(raw[pos:]))
        return "".join(out)


PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{}/"
DOI_URL = "https://doi.org/{}"
# a DOI's suffix may hold any printable character; these stay as they are in a doi.org URL
_DOI_SAFE = "/:;()._-"
_PMID = re.compile(r"\d{1,9}")


def external_link(url: str, text: str) -> str:
    """An escaped link that opens in a new tab and tells the other site nothing of this app."""
    return f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{esc(text)}</a>'


def pmid_link(pmid: object) -> str:
    """"PMID 123" linked to PubMed; a value that is not a PMID is shown as text, unlinked."""
    value = "" if pmid is None else str(pmid).strip()
    if not value:
        return ""
    if not _PMID.fullmatch(value):
        return f"PMID {esc(value)}"
    return external_link(PUBMED_URL.format(value), f"PMID {value}")


def doi_link(doi: object) -> str:
    """"doi:10.x/y" linked to https://doi.org/10.x/y (the suffix percent-encoded where a URL
    needs it: "#", "?", "%", spaces)."""
    value = "" if doi is None else str(doi).strip()
    if not value:
        return ""
    return external_link(DOI_URL.format(quote(value, safe=_DOI_SAFE)),
                         f"doi:{value}")


def local_time(stamp: object, tz_name: str | None) -> str:
    """A stored time (ISO 8601, UTC) in the reader's time zone: "2026-12-06 19:49 (Europe/Oslo)".

    Without a known zone (the browser did not say, or an unknown name) the time is shown in
    UTC and says so; a value that is not a time is shown as it is."""
    text = "" if stamp is None else str(stamp)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # the store writes UTC
    try:
        zone = ZoneInfo(tz_name) if tz_name else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    if zone is None:
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"{moment.astimezone(zone).strftime('%Y-%m-%d %H:%M')} ({tz_name})"


def _line(label: str, value_html: str) -> str:
    if not value_html:
        return ""
    return (
        f'<div style="margin:0.15rem 0"><span style="color:#6b7280">{esc(label)}:</span> '
        f"<bdi>{value_html}</bdi></div>"  # isolated: record text cannot reorder the label
    )


def authors_text(authors: Sequence[str], limit: int = 12) -> str:
    """Authors joined with "; ", shortened to ``limit`` names plus "et al."."""
    names = [a for a in authors if a]
    if len(names) > limit:
        return "; ".join(names[:limit]) + f"; … (+{len(names) - limit} more)"
    return "; ".join(names)


def record_card_html(record: Record, highlight: Highlighter, *, record_id: int | None = None) -> str:
    """The record card: title, abstract, authors, year, journal, keywords/MeSH, databases.

    Every record field is escaped (``highlight`` escapes what it marks).
    """
    title = highlight(record.title) or "<em>(no title)</em>"
    journal = record.journal or record.journal_abbrev
    cite_bits = [esc(journal)] if journal else []
    if record.volume:
        cite_bits.append(esc(record.volume) + (f"({esc(record.issue)})" if record.issue else ""))
    if record.pages:
        cite_bits.append(esc(record.pages))
    ids = []
    if record.pmid:
        ids.append(pmid_link(record.pmid))
    if record.doi:
        ids.append(doi_link(record.doi))
    if record_id is not None:
        ids.append(f"record #{esc(record_id)}")
    abstract = highlight(record.abstract) if record.abstract else (
        '<em style="color:#6b7280">No abstract.</em>'
    )
    parts = [
        '<div class="record-card" style="line-height:1.5">',
        f'<h3 class="record-title" style="margin:0 0 0.4rem 0;font-size:1.25rem"><bdi>{title}</bdi></h3>',
        _line("Authors", esc(authors_text(record.authors))),
        _line("Year", esc(record.year or "")),
        _line("Journal", " · ".join(cite_bits)),
        # Ovid exports carry the subject headings in their keyword tags: show each term once
        _line("Keywords", "; ".join(highlight(k) for k in record.keywords
                                    if k and k not in set(record.subject_headings))),
        _line("MeSH / subject headings", "; ".join(highlight(h) for h in record.subject_headings if h)),
        _line("Publication type", esc("; ".join(record.publication_types))),
        _line("Source databases", esc(record.source_database)),
        _line("Identifiers", " · ".join(ids)),
        f'<div class="record-abstract" style="margin-top:0.6rem;white-space:pre-wrap;unicode-bidi:isolate">{abstract}</div>',
        "</div>",
    ]
    return "".join(p for p in parts if p)


def short_label(record: Record, record_id: int | None = None, width: int = 90) -> str:
    """Plain-text label "Surname 2016 — Title…" (for select boxes; Streamlit shows it as text)."""
    title = record.title or "(no title)"
    if len(title) > width:
        title = title[: width - 1] + "…"
    prefix = f"#{record_id} " if record_id is not None else ""
    return bidi_safe(f"{prefix}{record.label()} — {title}")


def criteria_html(include: Sequence[str], exclude: Sequence[str], reasons: Sequence[str], version: int) -> str:
    """The criteria panel shown beside every record (config text, escaped all the same)."""

    def items(values: Sequence[str]) -> str:
        return "".join(f"<li>{esc(v)}</li>" for v in values) or "<li><em>none set</em></li>"

    return (
        '<div class="criteria" style="font-size:0.9rem;line-height:1.4">'
        f'<div style="color:#6b7280">Criteria version {esc(version)}</div>'
        f'<div style="font-weight:600;margin-top:0.4rem">Include</div><ul style="margin:0 0 0 1.1rem;padding:0">{items(include)}</ul>'
        f'<div style="font-weight:600;margin-top:0.4rem">Exclude</div><ul style="margin:0 0 0 1.1rem;padding:0">{items(exclude)}</ul>'
        f'<div style="font-weight:600;margin-top:0.4rem">Exclusion reasons</div><ul style="margin:0 0 0 1.1rem;padding:0">{items(reasons)}</ul>'
        "</div>"
    )


def legend_html() -> str:
    return (
        f'<span style="font-size:0.85rem"><mark style="{INCLUDE_STYLE}">include term</mark> '
        f'<mark style="{EXCLUDE_STYLE}">exclude term</mark></span>'
    )
