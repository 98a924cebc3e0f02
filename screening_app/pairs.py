"""Two records of an uncertain duplicate pair side by side, as safe HTML (no Streamlit here).

Every value is HTML-escaped; rows where the two records differ are marked, so the lead sees
at a glance what a "same paper?" decision turns on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from review.records import Record
from screening_app.render import authors_text, doi_link, esc, pmid_link

DIFF_STYLE = "background:#fef3c7"
CELL = "padding:4px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top;text-align:left"


def _journal(r: Record) -> str:
    return r.journal or r.journal_abbrev or ""


# fields shown as links (to doi.org, to PubMed): label -> the value's HTML
LINKED: dict[str, Callable[[str], str]] = {"DOI": doi_link, "PMID": pmid_link}

# (label, how to read it from a record): the fields a person compares, as data
FIELDS: Sequence[tuple[str, Callable[[Record], object]]] = (
    ("Title", lambda r: r.title),
    ("Authors", lambda r: authors_text(r.authors or [], limit=8)),
    ("Year", lambda r: r.year),
    ("Journal", _journal),
    ("Volume", lambda r: r.volume),
    ("Issue", lambda r: r.issue),
    ("Pages", lambda r: r.pages),
    ("DOI", lambda r: r.doi),
    ("PMID", lambda r: r.pmid),
    ("Source database", lambda r: r.source_database),
)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _same(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def cell(label: str, value: str) -> str:
    """A field's value as HTML: escaped, a DOI or PMID linked, "—" when empty."""
    if not value:
        return "—"
    return LINKED[label](value) if label in LINKED else esc(value)


def pair_html(
    pair_id: str,
    record_a: tuple[int, Record | None],
    record_b: tuple[int, Record | None],
    confidence: float,
    reason: str,
) -> str:
    """A table: one column per record, one row per field; differing rows highlighted."""
    (id_a, a), (id_b, b) = record_a, record_b
    rows = []
    for label, read in FIELDS:
        va = _text(read(a)) if a is not None else ""
        vb = _text(read(b)) if b is not None else ""
        if not va and not vb:
            continue
        style = CELL + (f";{DIFF_STYLE}" if not _same(va, vb) else "")
        rows.append(
            f'<tr><th style="{CELL};width:14%">{esc(label)}</th>'
            f'<td style="{style}">{cell(label, va)}</td><td style="{style}">{cell(label, vb)}</td></tr>'
        )
    missing = "".join(
        f"<p><em>Record #{esc(i)} is not in the store.</em></p>" for i, r in (record_a, record_b) if r is None
    )
    return (
        f'<div class="dup-pair"><p><strong>Pair {esc(pair_id)}</strong> · confidence '
        f"{esc(f'{confidence:.2f}')} · {esc(reason)}</p>"
        f'<table style="width:100%;border-collapse:collapse;font-size:0.92rem">'
        f'<tr><th style="{CELL}"></th><th style="{CELL}">record #{esc(id_a)}</th>'
        f'<th style="{CELL}">record #{esc(id_b)}</th></tr>'
        + "".join(rows) + "</table>" + missing + "</div>"
    )
