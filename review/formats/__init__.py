"""Readers for every export format: each returns records plus a per-file report.

=============  ==========================  ===============================================
format name    reader module               typical files
=============  ==========================  ===============================================
ris            review.formats.ris          .ris/.txt from PubMed, Ovid, Embase.com, Scopus,
                                           WoS, ProQuest, CINAHL, EndNote, Zotero
medline        review.formats.medline      PubMed MEDLINE/.nbib (tagged "PMID- ")
pubmed-xml     review.formats.pubmed_xml   efetch XML (PubmedArticleSet)
endnote-xml    review.formats.endnote_xml  EndNote XML (<xml><records>)
tabular        review.formats.tabular      .csv/.tsv/.tab/.xlsx (PubMed CSV recognised)
=============  ==========================  ===============================================
"""

from __future__ import annotations

from review.formats.base import (
    FormatError,
    ImportReport,
    ImportResult,
    Skipped,
    UnreadableFileError,
    require_file,
)

__all__ = [
    "FormatError",
    "ImportReport",
    "ImportResult",
    "Skipped",
    "UnreadableFileError",
]

import importlib
from pathlib import Path

# format name -> module holding ``read(path, **options) -> ImportResult``
READERS: dict[str, str] = {
    "ris": "review.formats.ris",
    "medline": "review.formats.medline",
    "pubmed-xml": "review.formats.pubmed_xml",
    "endnote-xml": "review.formats.endnote_xml",
    "tabular": "review.formats.tabular",
}
FORMATS = tuple(READERS)


def read_file(
    path: str | Path,
    *,
    format: str | None = None,
    mapping: dict[str, str] | None = None,
    require_title: bool = True,
) -> ImportResult:
    """Read one export file: detect its format (unless given) and return records + report.

    ``require_title=False`` keeps records without a title (benchmark sets that hold them);
    by default they are skipped and listed in the report.
    """
    from review.formats.detect import detect_format

    path = Path(path)
    require_file(path)
    name = format or detect_format(path)
    if name not in READERS:
        raise UnreadableFileError(
            path, f"unknown format {name!r}; use one of: {', '.join(FORMATS)}"
        )
    try:
        module = importlib.import_module(READERS[name])
    except ModuleNotFoundError as exc:
        if exc.name != READERS[name]:
            raise
        raise UnreadableFileError(path, f"this is {name}, and this installation has no {name} reader") from exc
    options: dict = {"mapping": mapping} if name == "tabular" else {}
    if not require_title:
        options["require_title"] = False
    return module.read(path, **options)


__all__ += ["FORMATS", "READERS", "read_file"]
