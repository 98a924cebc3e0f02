"""bib-dedupe's labelled pair cases (BibTeX-style fields) as ``Record`` objects."""

from __future__ import annotations

import json
import re
from pathlib import Path

from review.records import Record

CASES_FILE = Path(__file__).resolve().parent.parent / "data" / "dedup" / "bibdedupe_test_cases" / "test_cases.json"


def bibtex_record(fields: dict[str, str]) -> Record:
    """A ``Record`` from one BibTeX-style entry as bib-dedupe's tests write it.

    ``booktitle`` is the venue of an ``inproceedings`` entry; ``number`` is the issue;
    ``pages`` "9848--9853"; authors joined by " and " or ";" (``normalise.split_authors``
    splits them, as it does glued lists such as "Adeli K.Lewis G. F.").
    """
    fields = {k: "" if v is None else str(v) for k, v in fields.items()}
    pages = re.split(r"-+|\u2013", fields.get("pages", ""), maxsplit=1)
    year = fields.get("year", "")
    return Record(
        title=fields.get("title", ""),
        authors=[fields["author"]] if fields.get("author") else [],
        year=int(year) if year.isdigit() else None,
        journal=fields.get("journal") or fields.get("booktitle", ""),
        volume=fields.get("volume", ""),
        issue=fields.get("number", ""),
        start_page=pages[0].strip(),
        end_page=pages[1].strip() if len(pages) > 1 else "",
        doi=fields.get("doi", ""),
        language=fields.get("language", ""),
        reference_type=fields.get("ENTRYTYPE", ""),
        source_id=fields.get("ID", ""),
    )


def load_cases() -> list[dict]:
    data = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    return data["cases"]
