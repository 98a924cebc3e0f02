"""A reference manager or a format stored as the source database by earlier versions
("EndNote library (RIS)") is never listed as a database in PRISMA, the PRISMA-S search log or
the methods draft: it shows as "Database not named (import #N)"."""

from __future__ import annotations

from review import reporting
from review.pubmed.log import render_csv, render_markdown, search_log
from review.records import Record
from review.reporting.prisma import prisma_counts, prisma_text
from review.store import add_import, add_records


def test_tool_names_stored_earlier_are_not_listed_as_databases(store_engine):
    with store_engine.begin() as conn:
        first = add_import(conn, kind="file", database="PubMed", file_name="pubmed.nbib")
        add_records(conn, first, [Record(title="A"), Record(title="B")], default_database="PubMed")
        second = add_import(conn, kind="file", database="EndNote library (RIS)", file_name="endnote.ris")
        add_records(conn, second, [Record(title="C")], default_database="EndNote library (RIS)")
    with store_engine.connect() as conn:
        counts = prisma_counts(conn)
        facts = reporting.gather_methods_facts(conn, {})
    assert counts.database_specific_results == {"PubMed": 2, f"Database not named (import #{second})": 1}
    assert "EndNote" not in prisma_text(counts)
    entries = search_log(store_engine)
    assert [e.database for e in entries] == ["PubMed", f"Database not named (import #{second})"]
    assert "EndNote library" not in render_markdown(entries) + render_csv(entries)
    assert not any("EndNote" in s.database for s in facts.searches)
