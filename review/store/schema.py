"""The store's tables (SQLAlchemy Core), one MetaData for SQLite and PostgreSQL alike.

Rules every stage follows:
- rows in ``records`` are written once, exactly as imported, and never updated;
- every change of state (an import, a merge, a vote, a resolution) is also an ``events`` row;
- nothing is deleted: an undo is a new event/row that supersedes the old one.

Tables are created by the migrations in ``review.store.migrations``; add a table here and
a migration there together.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("applied_at", sa.String(40), nullable=False),
)

# One row per file import or per search run (PubMed through E-utilities).
imports = sa.Table(
    "imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),  # "file" | "search"
    sa.Column("database", sa.String(200), nullable=False),  # as the user named it
    sa.Column("interface", sa.String(200), nullable=False, server_default=""),
    sa.Column("searched_on", sa.String(40), nullable=False, server_default=""),  # YYYY-MM-DD
    sa.Column("query", sa.Text, nullable=False, server_default=""),  # strategy exactly as run
    sa.Column("query_translation", sa.Text, nullable=False, server_default=""),
    sa.Column("limits", sa.JSON, nullable=True),
    sa.Column("line_counts", sa.JSON, nullable=True),  # [{"line": 1, "query": ..., "count": n}]
    sa.Column("total", sa.Integer, nullable=True),  # records the database reported
    sa.Column("other_source", sa.String(100), nullable=True),  # PRISMA "other methods"
    sa.Column("file_name", sa.String(500), nullable=False, server_default=""),
    sa.Column("file_hash", sa.String(64), nullable=False, server_default=""),
    sa.Column("format", sa.String(40), nullable=False, server_default=""),
    sa.Column("records_read", sa.Integer, nullable=False, server_default="0"),
    sa.Column("records_skipped", sa.Integer, nullable=False, server_default="0"),
    sa.Column("report", sa.JSON, nullable=True),
    sa.Column("created_at", sa.String(40), nullable=False),
)
sa.Index("ix_imports_file_hash", imports.c.file_hash)

# Records exactly as imported: one row per record per import, never overwritten.
records = sa.Table(
    "records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),  # 0-based position in its file/run
    sa.Column("source_database", sa.String(200), nullable=False, server_default=""),
    sa.Column("source_id", sa.String(200), nullable=False, server_default=""),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("year", sa.Integer, nullable=True),
    sa.Column("doi", sa.String(300), nullable=False, server_default=""),
    sa.Column("pmid", sa.String(20), nullable=False, server_default=""),
    sa.Column("data", sa.JSON, nullable=False),  # Record.to_dict(), raw fields included
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.UniqueConstraint("import_id", "position", name="uq_records_import_position"),
)
sa.Index("ix_records_doi", records.c.doi)
sa.Index("ix_records_pmid", records.c.pmid)
sa.Index("ix_records_import", records.c.import_id)

# Imports taken back (migration 0011_import_withdrawals): append-only, one row per withdrawn
# import. A withdrawn import's records stay stored but leave every count, dedup and queue
# (``review.store.live``); ``replaced_by`` is the import that replaced it (``--replace``).
import_withdrawals = sa.Table(
    "import_withdrawals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False, unique=True),
    sa.Column("withdrawn_at", sa.String(40), nullable=False),
    sa.Column("withdrawn_by", sa.String(200), nullable=False, server_default=""),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("replaced_by", sa.Integer, sa.ForeignKey("imports.id"), nullable=True),
    sa.Column("event_id", sa.Integer, nullable=True),
)

# Saved versions of a search strategy (migration 0016_strategy_versions): append-only, one
# row per save of a strategy file, numbered 1, 2, ... per strategy (its path in the project).
# ``text`` is the YAML exactly as saved; a PubMed run records the version it ran (imports.report).
strategy_versions = sa.Table(
    "strategy_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("strategy", sa.String(500), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("saved_at", sa.String(40), nullable=False),
    sa.Column("author", sa.String(200), nullable=False, server_default=""),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.UniqueConstraint("strategy", "version", name="uq_strategy_versions_version"),
)

# Reviewers the lead allows to edit the search strategy (migration 0017_strategyperm_editors):
# one row per allowed reviewer (a lead always may). Granting and withdrawing are events
# (``strategy.allow`` / ``strategy.disallow``); see review.strategy.editors.
strategy_editors = sa.Table(
    "strategy_editors",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("granted_at", sa.String(40), nullable=False),
    sa.Column("granted_by", sa.String(200), nullable=False, server_default=""),
)

# The append-only event log: who did what to which subject, when, and why.
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False, server_default=""),
    sa.Column("kind", sa.String(100), nullable=False),  # "import", "dedup.merge", "vote", ...
    sa.Column("subject", sa.String(200), nullable=False, server_default=""),
    sa.Column("payload", sa.JSON, nullable=True),
)
sa.Index("ix_events_kind", events.c.kind)


# ---------------------------------------------------------------------------------------
# Deduplication: the current clustering. A record absent from this table stands alone.
# The history of every automatic and manual merge (and undo) is in ``events`` (dedup.*).
dedup_membership = sa.Table(
    "dedup_membership",
    metadata,
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), primary_key=True),
    sa.Column("kept_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False, server_default="1.0"),
    sa.Column("method", sa.String(40), nullable=False, server_default=""),  # doi|pmid|fuzzy|manual
    sa.Column("event_id", sa.Integer, nullable=True),  # the event that set this row
    sa.Column("updated_at", sa.String(40), nullable=False),
)
sa.Index("ix_dedup_membership_kept", dedup_membership.c.kept_id)


# ---------------------------------------------------------------------------------------
# Deduplication review queue and manual decisions (migration 0003_dedup_review).
# One row per pair of records a person should look at or has decided on; record_a < record_b.
# status: "pending" (in the queue), "confirmed" (same paper), "rejected" (different papers),
# "superseded" (a later run no longer asks). Every change is also a dedup.* event.
dedup_review = sa.Table(
    "dedup_review",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_a", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
    sa.Column("record_b", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False, server_default="0"),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
    sa.Column("decided_by", sa.String(200), nullable=False, server_default=""),
    sa.Column("decided_at", sa.String(40), nullable=False, server_default=""),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("event_id", sa.Integer, nullable=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.UniqueConstraint("record_a", "record_b", name="uq_dedup_review_pair"),
)
sa.Index("ix_dedup_review_status", dedup_review.c.status)


# ---------------------------------------------------------------------------------------
# Screening: reviewers, blind votes, conflict resolutions, full texts, the queue order.
# Votes and resolutions are append-only rows; a later row supersedes an earlier one by
# flipping ``current`` (the flip is logged in ``events``). At most one current vote per
# (stage, record, reviewer) and one current resolution/full text per record, enforced by
# partial unique indexes, so two concurrent writers can never both store one.
screening_reviewers = sa.Table(
    "screening_reviewers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),  # "reviewer" | "lead"
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("revoked_at", sa.String(40), nullable=True),
)

screening_votes = sa.Table(
    "screening_votes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("stage", sa.String(20), nullable=False),  # title_abstract | full_text
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
    sa.Column("reviewer", sa.String(100), nullable=False),
    sa.Column("decision", sa.String(10), nullable=False),  # include | exclude | maybe
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("criteria_version", sa.Integer, nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("current", sa.Boolean, nullable=False),
    sa.Column("ended_at", sa.String(40), nullable=True),
    sa.Column("ended_how", sa.String(20), nullable=True),  # superseded | undone
    sa.Column("source", sa.String(20), nullable=False, server_default="app"),  # app | import | cli
)
sa.Index(
    "uq_screening_votes_current",
    screening_votes.c.stage,
    screening_votes.c.record_id,
    screening_votes.c.reviewer,
    unique=True,
    sqlite_where=screening_votes.c.current == sa.true(),
    postgresql_where=screening_votes.c.current == sa.true(),
)
sa.Index(
    "ix_screening_votes_reviewer",
    screening_votes.c.reviewer,
    screening_votes.c.stage,
    screening_votes.c.current,
    screening_votes.c.id,
)
sa.Index("ix_screening_votes_record", screening_votes.c.stage, screening_votes.c.record_id)

screening_resolutions = sa.Table(
    "screening_resolutions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("stage", sa.String(20), nullable=False),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
    sa.Column("decision", sa.String(10), nullable=False),  # include | exclude
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("resolver", sa.String(100), nullable=False),
    sa.Column("criteria_version", sa.Integer, nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("current", sa.Boolean, nullable=False),
    sa.Column("ended_at", sa.String(40), nullable=True),
)
sa.Index(
    "uq_screening_resolutions_current",
    screening_resolutions.c.stage,
    screening_resolutions.c.record_id,
    unique=True,
    sqlite_where=screening_resolutions.c.current == sa.true(),
    postgresql_where=screening_resolutions.c.current == sa.true(),
)

screening_fulltexts = sa.Table(
    "screening_fulltexts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # pdf | link | not_retrieved
    sa.Column("location", sa.Text, nullable=False, server_default=""),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("by", sa.String(100), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("current", sa.Boolean, nullable=False),
    sa.Column("ended_at", sa.String(40), nullable=True),
)
sa.Index(
    "uq_screening_fulltexts_current",
    screening_fulltexts.c.record_id,
    unique=True,
    sqlite_where=screening_fulltexts.c.current == sa.true(),
    postgresql_where=screening_fulltexts.c.current == sa.true(),
)

# The reproducible random queue order: sort_key = hash(seed, record_id), one row per record
# per seed, filled for new records on demand (records are append-only, so ids above the
# highest keyed id are the missing ones). "Next record" walks (seed, sort_key) in order.
screening_order = sa.Table(
    "screening_order",
    metadata,
    sa.Column("seed", sa.BigInteger, primary_key=True),
    sa.Column("record_id", sa.Integer, primary_key=True),
    sa.Column("sort_key", sa.BigInteger, nullable=False),
)
sa.Index("ix_screening_order_key", screening_order.c.seed, screening_order.c.sort_key, screening_order.c.record_id)

# The prioritised queue (migration 0008_screening_rank; ``screening.order: relevance``): per
# reviewer and stage, the records not yet voted on by that reviewer when they were last
# ranked, best first (``position`` 0 = best: score descending, ties by the random sort key).
# Scores come from that reviewer's own votes only. Rewritten whole at each ranking; it holds
# no decision, so it is not append-only. ``screening_rank_state`` says when and how each
# reviewer's ranking was made (their vote count then, the highest record id ranked, model).
screening_rank = sa.Table(
    "screening_rank",
    metadata,
    sa.Column("reviewer", sa.String(100), primary_key=True),
    sa.Column("stage", sa.String(20), primary_key=True),
    sa.Column("record_id", sa.Integer, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
)
sa.Index("ix_screening_rank_position", screening_rank.c.reviewer, screening_rank.c.stage, screening_rank.c.position)

screening_rank_state = sa.Table(
    "screening_rank_state",
    metadata,
    sa.Column("reviewer", sa.String(100), primary_key=True),
    sa.Column("stage", sa.String(20), primary_key=True),
    sa.Column("votes", sa.Integer, nullable=False),  # the reviewer's current votes at ranking
    sa.Column("highest_record_id", sa.Integer, nullable=False),
    sa.Column("model", sa.String(40), nullable=False),  # terms | strategy | tfidf-nb | tfidf-ensemble
    sa.Column("ranked_at", sa.String(40), nullable=False),
    # which of two slots holds the current ranking (migration 0017): screening_rank rows of
    # slot 0 have stage "title_abstract", of slot 1 "title_abstract:1". A new ranking is
    # written into the other slot (in short transactions, by a worker) and made current by
    # this one-row change, so a reader never sees half a ranking or waits for one.
    sa.Column("slot", sa.Integer, nullable=False, server_default="0"),
)


# Rankings made outside the request (migration 0018_rank_worker): each running
# ranking worker (``review.screening.rankworker``, a thread of an app server process or
# ``review screening rank-worker``) keeps a heartbeat row; while one is live, a card is drawn
# from the reviewer's stored ranking and never waits for a retrain. A worker ranks a
# reviewer only while it holds that reviewer's claim row (one per reviewer and stage; a
# claim past ``until`` may be taken over), so two workers never train the same ranking twice.
screening_rank_workers = sa.Table(
    "screening_rank_workers",
    metadata,
    sa.Column("worker", sa.String(100), primary_key=True),
    sa.Column("seen_at", sa.String(40), nullable=False),  # ISO UTC, refreshed by the worker
)

screening_rank_claims = sa.Table(
    "screening_rank_claims",
    metadata,
    sa.Column("reviewer", sa.String(100), primary_key=True),
    sa.Column("stage", sa.String(20), primary_key=True),
    sa.Column("worker", sa.String(100), nullable=False),
    sa.Column("until", sa.String(40), nullable=False),  # ISO UTC: after it, another worker may take over
)

# The pilot round's set (migration 0009_screening_pilot; ``screening.pilot: N``): frozen once
# a reviewer has voted on a pilot record, so records imported or deduplicated later do not
# change which records every reviewer screens first. ``position`` follows the seeded random
# order; a pilot record later removed as a duplicate is skipped and the next record of the
# order takes its place. Holds no decision, only which records form the pilot.
screening_pilot = sa.Table(
    "screening_pilot",
    metadata,
    sa.Column("seed", sa.BigInteger, primary_key=True),
    sa.Column("record_id", sa.Integer, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)

# The title/abstract stage ended by a pre-registered stopping rule (screening.stop): each
# record nobody had voted on, excluded by the rule; ``event_id`` is the stop's events row
# (the rule, its parameters, every reviewer's p-value and counts).
screening_stop_exclusions = sa.Table(
    "screening_stop_exclusions",
    metadata,
    sa.Column("stage", sa.String(20), primary_key=True),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), primary_key=True),
    sa.Column("event_id", sa.Integer, nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
)

# ---------------------------------------------------------------------------------------
# Extraction (data charting): values per reviewer and consensus values, both append-only.
# The current value of (record, field, reviewer) is its row with the highest id; a cleared
# value is a row with ``value`` null. Consensus rows follow the same rule per (record, field).
extraction_values = sa.Table(
    "extraction_values",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
    sa.Column("field", sa.String(100), nullable=False),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("value", sa.JSON, nullable=True),
    sa.Column("at", sa.String(40), nullable=False),
)
sa.Index("ix_extraction_values_record", extraction_values.c.record_id, extraction_values.c.field)

extraction_consensus = sa.Table(
    "extraction_consensus",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
    sa.Column("field", sa.String(100), nullable=False),
    sa.Column("value", sa.JSON, nullable=True),
    sa.Column("by", sa.String(200), nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("at", sa.String(40), nullable=False),
)
sa.Index("ix_extraction_consensus_record", extraction_consensus.c.record_id, extraction_consensus.c.field)


# ---------------------------------------------------------------------------------------
# Screening app sign-in sessions: one row per sign-in, so a browser refresh keeps the
# reviewer signed in. ``id`` is the sha256 of the random session id the browser holds (a
# copy of the store cannot be used to sign in); ``token_hash`` is the reviewer's token hash
# at sign-in, so revoking (or re-issuing) the token ends every session at once.
screening_sessions = sa.Table(
    "screening_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("reviewer", sa.String(100), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
    sa.Column("ended_at", sa.String(40), nullable=True),
)
sa.Index("ix_screening_sessions_reviewer", screening_sessions.c.reviewer)


# ---------------------------------------------------------------------------------------
# Studies and their reports (migration 0007_study_links). One row per link "this included
# report describes that included study"; a record with no current row is its own study.
# Append-only: unlinking or re-linking ends the row (``current`` false, ``ended_at``/
# ``ended_by`` set) and the history is also in ``events`` (study.link / study.unlink).
study_links = sa.Table(
    "study_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("report_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
    sa.Column("study_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
    sa.Column("by", sa.String(200), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("current", sa.Boolean, nullable=False),
    sa.Column("ended_at", sa.String(40), nullable=True),
    sa.Column("ended_by", sa.String(200), nullable=True),
)
sa.Index(
    "uq_study_links_current",
    study_links.c.report_id,
    unique=True,
    sqlite_where=study_links.c.current == sa.true(),
    postgresql_where=study_links.c.current == sa.true(),
)
sa.Index("ix_study_links_study", study_links.c.study_id)


# ---------------------------------------------------------------------------------------
# Labels on records (migration 0012_record_labels): free tags a reviewer puts on a record
# ("background", "check reference list"); not decisions, never counted in PRISMA. Append-only:
# one row per add or remove of (record, label, reviewer); the row with ``current`` true is the
# state now (``action`` "add": the label is on; "remove": it was taken off), the rows it
# superseded have ``current`` false and ``ended_at`` set. Every change is also an ``events``
# row (label.add / label.remove).
record_labels = sa.Table(
    "record_labels",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
    sa.Column("label", sa.String(100), nullable=False),
    sa.Column("reviewer", sa.String(100), nullable=False),  # whose label it is
    sa.Column("action", sa.String(10), nullable=False),  # add | remove
    sa.Column("by", sa.String(100), nullable=False),  # who added or removed it
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("current", sa.Boolean, nullable=False),
    sa.Column("ended_at", sa.String(40), nullable=True),
)
sa.Index(
    "uq_record_labels_current",
    record_labels.c.record_id,
    record_labels.c.label,
    record_labels.c.reviewer,
    unique=True,
    sqlite_where=record_labels.c.current == sa.true(),
    postgresql_where=record_labels.c.current == sa.true(),
)
sa.Index("ix_record_labels_label", record_labels.c.label, record_labels.c.current)


# ---------------------------------------------------------------------------------------
# Screening claims (migration 0013_screening_claims): the record each reviewer has on screen
# at each stage, so the queue spreads reviewers over records instead of offering the same
# head of the queue to everyone. One row per (stage, reviewer), overwritten as the reviewer
# moves on: a lease, not a decision, so no history is kept here (votes and their events are
# the history). ``record_id`` null: no record on screen. A claim counts towards a record's
# votes in the queue until it expires; votes are capped by the vote path alone.
screening_claims = sa.Table(
    "screening_claims",
    metadata,
    sa.Column("stage", sa.String(20), primary_key=True),
    sa.Column("reviewer", sa.String(100), primary_key=True),
    sa.Column("record_id", sa.Integer, nullable=True),
    sa.Column("claimed_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
)
sa.Index("ix_screening_claims_record", screening_claims.c.stage, screening_claims.c.record_id)


# ---------------------------------------------------------------------------------------
# Citation chasing (migration 0014_chase_links). One row per citation link a chase run found
# and kept: the seed (an included record), the direction (backward: the seed's references;
# forward: records citing it), the round, the linked PMID, and the record it is in the store
# (``record_id``): a record the chase run stored (``held`` false) or one the project already
# held (``held`` true, nothing stored again). Append-only; a link counts while its chase
# import is not withdrawn (``review.store.live``).
chase_links = sa.Table(
    "chase_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("seed_record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
    sa.Column("seed_pmid", sa.String(20), nullable=False),
    sa.Column("direction", sa.String(10), nullable=False),  # backward | forward
    sa.Column("linked_pmid", sa.String(20), nullable=False),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=True),
    sa.Column("held", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)
sa.Index("ix_chase_links_seed", chase_links.c.seed_record_id)
sa.Index("ix_chase_links_record", chase_links.c.record_id)
