"""Which record of a cluster is kept, and the merged view of the cluster (pure).

The kept record is, in order of preference:
1. one that was kept before (so screening decisions attached to it stay valid on a rerun);
2. a PubMed/MEDLINE record (the reference version: PMID, MeSH, the publisher's abstract);
3. the most complete record (abstract, DOI, pages, volume, issue, authors);
4. the first imported (lowest record id).
Missing fields of the kept record are filled from its duplicates and the list of source
databases is kept (``merge_records``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from review.records import Record

# Source databases preferred as the kept version, best first (matched case-insensitively
# as a word in ``Record.source_database``).
PREFERRED_DATABASES = ("pubmed", "medline")

# Fields filled in the kept record from its duplicates when the kept one lacks them.
FILL_FIELDS = (
    "abstract", "doi", "pmid", "pmcid", "journal", "journal_abbrev", "volume", "issue",
    "start_page", "end_page", "language", "year",
)
LIST_FIELDS = ("authors", "issns", "publication_types", "subject_headings", "keywords", "urls")

COMPLETENESS_FIELDS = ("abstract", "doi", "pmid", "volume", "issue", "start_page", "journal", "authors", "year")


def is_medline(rec: Record) -> bool:
    db = (rec.source_database or "").lower()
    return any(name in db for name in PREFERRED_DATABASES) or bool(rec.pmid and not db)


def completeness(rec: Record) -> int:
    return sum(1 for name in COMPLETENESS_FIELDS if getattr(rec, name))


def preference(record_id: int, rec: Record, previously_kept: Collection[int] = ()) -> tuple:
    """Sort key: the smallest key is the record to keep."""
    return (
        record_id not in previously_kept,
        not is_medline(rec),
        -completeness(rec),
        -min(len(rec.abstract or ""), 2000) // 200,
        record_id,
    )


def choose_kept(
    members: Sequence[tuple[int, Record]], previously_kept: Collection[int] = ()
) -> int:
    """The id of the record to keep among ``members`` (id, record)."""
    if not members:
        raise ValueError("a cluster has at least one record")
    return min(members, key=lambda m: preference(m[0], m[1], previously_kept))[0]


def merge_cluster(members: Sequence[tuple[int, Record]], kept_id: int) -> Record:
    """The kept record with missing fields filled from the others, and every source database."""
    by_id = dict(members)
    kept = by_id[kept_id]
    others = [rec for rid, rec in members if rid != kept_id]
    return merge_records(kept, others)


def source_databases(records: Sequence[Record]) -> list[str]:
    """Distinct source databases of ``records``, in order of first appearance."""
    out: list[str] = []
    for rec in records:
        for db in (rec.source_database or "").split("; "):
            if db and db not in out:
                out.append(db)
    return out


def merge_records(kept: Record, others: list[Record]) -> Record:
    """The kept record with empty fields filled from the others (first non-empty wins).

    ``source_database`` becomes the "; "-joined list of every member's database, in order.
    """
    merged = Record.from_dict(kept.to_dict())
    for name in FILL_FIELDS + LIST_FIELDS:
        if getattr(merged, name):
            continue
        for other in others:
            value = getattr(other, name)
            if value:
                setattr(merged, name, value)
                break
    databases: list[str] = []
    for rec in (kept, *others):
        for db in (rec.source_database or "").split("; "):
            if db and db not in databases:
                databases.append(db)
    merged.source_database = "; ".join(databases)
    return merged
