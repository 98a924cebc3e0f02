"""Deduplication: normalise, block, score, cluster, merge; the current clusters live in the store.

What later stages call (screening, PRISMA, exports):
- ``unique_record_ids(conn)``: the records that remain after deduplication (one per cluster);
- ``duplicates_removed(conn)``: how many records were removed as duplicates;
- ``cluster_of(conn, record_id)``: every record id in the record's cluster, kept one first;
- ``merged_record(conn, kept_id)``: the kept record, with missing fields filled from its duplicates.
"""

from review.dedup.state import cluster_of, duplicates_removed, merged_record, unique_record_ids

__all__ = ["cluster_of", "duplicates_removed", "merged_record", "unique_record_ids"]
