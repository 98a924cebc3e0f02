"""A hand-computed project through real imports, dedup state and the screening API.

Records (ids in import order): MEDLINE 1-6 (medline-6.nbib), Embase 7-12 (embase-6.ris; 7 and
12 are PMIDs of 1 and 6), citation searching 13-15 (citations-3.ris; 15 is record 2).
Deduplication keeps the MEDLINE record: left column 12 records - 2 duplicates = 10 screened
(1-6, 8-11); other methods 3 records - 1 already found = 2 (13, 14).

Title/abstract: 1,2,3,4,8,9 included by both; 5,10 excluded by both; 6 and 11 in conflict,
carol resolves 6 include, 11 exclude -> excluded 3, sought 7. Other: 13 included, 14 excluded.
Record 9 not retrieved -> assessed 6 (1,2,3,4,6,8).
Full text: 1, 2 included; 3, 4 "Not medical students"; 6 "Conference abstract only";
8 in conflict, resolved exclude "Not a mentoring programme". Other: 13 included.
Included: 3 studies (1, 2, 13).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import rispy
import sqlalchemy as sa

from review import screening
from review.cli import main
from review.importing import import_file
from review.reporting.prisma import PrismaArithmeticError, check_arithmetic, prisma_counts
from review.store import now_iso, open_store
from review.store.schema import dedup_membership, records

DATA = Path(__file__).resolve().parent.parent / "data" / "reports"


def mark_duplicates_by_pmid(engine: sa.Engine) -> None:
    """Record the dedup clusters as the dedup stage does (membership rows), PMID matches only."""
    with engine.begin() as conn:
        first: dict[str, int] = {}
        for rid, pmid in conn.execute(sa.select(records.c.id, records.c.pmid).order_by(records.c.id)):
            if not pmid:
                continue
            if pmid in first:
                conn.execute(sa.insert(dedup_membership).values(
                    record_id=rid, kept_id=first[pmid], method="pmid", updated_at=now_iso()))
            else:
                first[pmid] = rid


def votes_csv(path: Path, rows: list[tuple[str, int, str, str, str]]) -> Path:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["reviewer", "record", "stage", "decision", "reason", "note"])
    for reviewer, rid, stage, decision, reason in rows:
        w.writerow([reviewer, f"id:{rid}", stage, decision, reason, ""])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def both(ids, stage, decision, reason=""):
    return [(r, i, stage, decision, reason) for i in ids for r in ("alice", "bob")]


def build(engine: sa.Engine, config: dict, tmp: Path, *, resolve: bool = True) -> None:
    import_file(engine, DATA / "medline-6.nbib", database="MEDLINE", interface="PubMed", searched="2018-01-31")
    import_file(engine, DATA / "embase-6.ris", database="Embase", interface="Ovid", searched="2018-01-31")
    import_file(engine, DATA / "citations-3.ris", database="Reference lists", other_source="citation-searching")
    mark_duplicates_by_pmid(engine)
    for name, role in (("alice", "reviewer"), ("bob", "reviewer"), ("carol", "lead")):
        screening.add_reviewer(engine, name, role)
    criteria = screening.criteria_from_config(config)
    ta = "title_abstract"
    rows = both([1, 2, 3, 4, 8, 9, 13], ta, "include") + both([5, 10, 14], ta, "exclude")
    rows += [("alice", 6, ta, "include", ""), ("bob", 6, ta, "exclude", ""),
             ("alice", 11, ta, "include", ""), ("bob", 11, ta, "exclude", "")]
    screening.import_decisions(engine, votes_csv(tmp / "ta.csv", rows), criteria)
    if not resolve:
        return
    screening.resolve_conflict(engine, 6, ta, "include", by="carol", criteria=criteria)
    screening.resolve_conflict(engine, 11, ta, "exclude", by="carol", criteria=criteria)
    screening.mark_not_retrieved(engine, 9, "Not held by the library", by="alice")
    ft = "full_text"
    rows = both([1, 2, 13], ft, "include") + both([3, 4], ft, "exclude", "Not medical students")
    rows += both([6], ft, "exclude", "Conference abstract only")
    rows += [("alice", 8, ft, "include", ""), ("bob", 8, ft, "exclude", "Not a mentoring programme")]
    screening.import_decisions(engine, votes_csv(tmp / "ft.csv", rows), criteria)
    screening.resolve_conflict(engine, 8, ft, "exclude", "Not a mentoring programme", by="carol", criteria=criteria)


def test_every_box_from_the_store(store_engine, project, tmp_path):
    build(store_engine, project.config, tmp_path)
    with store_engine.connect() as conn:
        c = check_arithmetic(prisma_counts(conn))
    assert c.database_specific_results == {"MEDLINE": 6, "Embase": 6}
    assert c.database_results == 12
    assert c.duplicates == 2
    assert c.records_screened == 10
    assert c.records_excluded == 3
    assert c.dbr_sought_reports == 7
    assert c.dbr_notretrieved_reports == 1
    assert c.dbr_assessed == 6
    assert c.dbr_excluded == {"Not medical students": 2, "Conference abstract only": 1, "Not a mentoring programme": 1}
    assert c.dbr_included == 2
    assert c.citations_results == 3
    assert c.other_removed == 1
    assert c.other_screened_excluded == 1
    assert c.other_sought_reports == 1
    assert c.other_notretrieved_reports == 0
    assert c.other_assessed == 1
    assert c.other_excluded == {}
    assert c.other_included == 1
    assert (c.new_studies, c.new_reports, c.total_studies) == (3, 3, 3)


def test_open_conflict_is_refused_naming_the_box(store_engine, project, tmp_path):
    build(store_engine, project.config, tmp_path, resolve=False)
    with store_engine.connect() as conn, pytest.raises(PrismaArithmeticError) as err:
        check_arithmetic(prisma_counts(conn))
    assert err.value.box == "Records excluded"
    assert "2 records have no final title/abstract decision" in str(err.value)


def run(project, *args) -> int:
    return main(["--project", str(project.root), *args])


def test_cli_prisma_json_csv_and_diagrams(built_project, tmp_path, capsys):
    assert run(built_project, "prisma", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["records_screened"], data["dbr_assessed"], data["new_studies"]) == (10, 6, 3)
    assert data["draft"] is False
    csv_path, svg, png, pdf = (tmp_path / n for n in ("prisma.csv", "flow.svg", "flow.png", "flow.pdf"))
    assert run(built_project, "prisma", "--csv", str(csv_path), "--out", str(svg)) == 0
    n = {r["data"]: r["n"] for r in csv.DictReader(csv_path.open(encoding="utf-8"))}
    assert n["database_specific_results"] == "MEDLINE, 6; Embase, 6"
    assert n["dbr_excluded"] == "Not medical students, 2; Conference abstract only, 1; Not a mentoring programme, 1"
    assert n["citations_results"] == "3" and n["other_assessed"] == "1" and n["total_studies"] == "3"
    from test_diagram import box_texts

    text = " ".join(" ".join(t.split()) for t in box_texts(svg.read_text(encoding="utf-8")).values())
    for needle in ("Records screened (n = 10)", "Records excluded (n = 3)", "Reports not retrieved (n = 1)",
                   "Reports assessed for eligibility (n = 6)", "Studies included in review (n = 3)"):
        assert needle in text, needle
    assert run(built_project, "prisma", "--out", str(png)) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert run(built_project, "prisma", "--out", str(pdf)) == 0
    assert pdf.read_bytes()[:4] == b"%PDF"
    assert run(built_project, "prisma") == 0
    out = capsys.readouterr().out
    assert "Records screened: 10" in out and "Not a mentoring programme: 1" in out


def test_cli_prisma_refuses_incomplete_screening(project, tmp_path, capsys):
    engine = open_store(project.database_url)
    build(engine, project.config, tmp_path, resolve=False)
    engine.dispose()
    out, shiny = tmp_path / "flow.svg", tmp_path / "prisma.csv"
    assert run(project, "prisma", "--out", str(out), "--csv", str(shiny)) == 1
    err = capsys.readouterr().err
    assert "'Records excluded' does not add up" in err
    # what is unfinished, and how to draw a draft anyway
    assert ("Screening is not finished (2 records awaiting a title/abstract decision, 6 reports "
            "awaiting a full-text decision, 1 report from other methods awaiting a full-text decision)") in err
    assert "draw a draft with the counts so far: review prisma --draft" in err
    assert not out.exists() and not shiny.exists()


def test_cli_prisma_draft_mid_review(project, tmp_path, capsys):
    """Conflicts 6 and 11 open at title/abstract, no full-text decisions yet."""
    engine = open_store(project.database_url)
    build(engine, project.config, tmp_path, resolve=False)
    engine.dispose()
    assert run(project, "prisma", "--draft") == 0
    out = capsys.readouterr().out
    assert out.startswith("PRISMA 2020 flow so far, DRAFT")
    assert ("DRAFT, screening not finished: 2 records awaiting a title/abstract decision, 6 reports "
            "awaiting a full-text decision, 1 report from other methods awaiting a full-text decision. "
            "Not the final figure.") in out
    # never "Records screened: 10" while 2 of the 10 await a decision: so far and awaiting, labelled
    assert "Records screened: 10\n" not in out
    for line in ("Records screened: 8 so far, 2 awaiting", "Records excluded: 2", "Records awaiting a title/abstract decision: 2",
                 "Reports sought for retrieval: 6", "Reports awaiting a full-text decision: 6",
                 "Studies included in review: 0"):
        assert f"  {line}\n" in out, line
    assert run(project, "prisma", "--draft", "--json") == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["draft"] is True
    assert data["records_screened"] == data["records_excluded"] + data["dbr_sought_reports"] + data["records_pending"]
    assert (data["records_pending"], data["dbr_pending"], data["other_pending"]) == (2, 6, 1)
    assert (data["records_screened_so_far"], data["records_screened"]) == (8, 10)
    assert "warning: DRAFT, screening not finished" in captured.err
    svg, shiny, png = tmp_path / "flow.svg", tmp_path / "prisma.csv", tmp_path / "flow.png"
    assert run(project, "prisma", "--draft", "--out", str(svg), "--csv", str(shiny)) == 0
    err = capsys.readouterr().err
    assert f"wrote the PRISMA 2020 flow diagram (DRAFT) to {svg}" in err
    assert f"wrote the PRISMA2020 R/Shiny CSV (DRAFT) to {shiny}" in err
    from test_diagram import box_texts, element_text

    text = svg.read_text(encoding="utf-8")
    assert "2 records awaiting a title/abstract decision" in element_text(text, "draft-banner")
    assert "Records awaiting a title/abstract decision (n = 2)" in " ".join(box_texts(text)["records_pending"].split())
    screened_box = " ".join(box_texts(text)["records_screened"].split())
    assert "Records screened so far (n = 8)" in screened_box and "Records awaiting screening (n = 2)" in screened_box
    assert "(n = 10)" not in screened_box
    rows = {(r["data"] if r["data"] != "NA" else r["box"]): r for r in csv.DictReader(shiny.open(encoding="utf-8"))}
    assert rows["newstud"]["boxtext"].startswith("DRAFT")
    assert rows["records_screened"]["boxtext"] == "Records screened (DRAFT: 8 so far, 2 awaiting title/abstract decision)"
    assert run(project, "prisma", "--draft", "--out", str(png)) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_cli_prisma_draft_of_a_finished_review_is_the_final_figure(built_project, tmp_path, capsys):
    svg, shiny = tmp_path / "flow.svg", tmp_path / "prisma.csv"
    assert run(built_project, "prisma", "--draft", "--out", str(svg), "--csv", str(shiny)) == 0
    assert "screening is finished: these are the final counts (nothing marked DRAFT)" in capsys.readouterr().err
    assert "DRAFT" not in svg.read_text(encoding="utf-8") and "DRAFT" not in shiny.read_text(encoding="utf-8")
    assert run(built_project, "prisma", "--draft") == 0
    assert capsys.readouterr().out.startswith("PRISMA 2020 flow (all boxes add up)")


def test_cli_export_records_ris_and_csv(built_project, tmp_path, capsys):
    ris = tmp_path / "records.ris"
    assert run(built_project, "export", "records", "--format", "ris", "--out", str(ris)) == 0
    entries = rispy.loads(ris.read_text(encoding="utf-8"))
    assert len(entries) == 12  # the deduplicated records
    by_id = {int(e["id"]): e for e in entries}
    assert "Screening (full text): exclude; reason: Not a mentoring programme" in by_id[8]["notes"]
    assert "Full text not retrieved: Not held by the library" in by_id[9]["notes"]
    assert "Screening (title/abstract): exclude" in by_id[5]["notes"]
    assert run(built_project, "export", "records", "--stage", "full_text", "--format", "csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert sorted(int(r["record_id"]) for r in rows) == [1, 2, 3, 4, 6, 8, 9, 13]
    row = {int(r["record_id"]): r for r in rows}
    assert (row[3]["ft_decision"], row[3]["ft_reason"]) == ("exclude", "Not medical students")
    assert row[9]["not_retrieved"] == "Not held by the library"
    assert row[1]["pmid"] == "29657938"


def test_cli_extraction_dual_with_consensus(built_project, tmp_path, capsys):
    p = built_project
    for reviewer, country in (("alice", "Norway"), ("bob", "Sweden")):
        for rid in ("1", "pmid:29152718", "13"):
            assert run(p, "extract", "set", rid, "author", f"Author{rid[-2:]}", "--as", reviewer) == 0
            assert run(p, "extract", "set", rid, "country", country if rid == "1" else "India", "--as", reviewer) == 0
    assert run(p, "extract", "set", "1", "year_published", "20x8", "--as", "alice") == 1
    assert "field 'year_published' (Year published): '20x8' is not a year" in capsys.readouterr().err
    assert run(p, "extract", "set", "5", "author", "X", "--as", "alice") == 1
    assert "record 5 is not included at full text" in capsys.readouterr().err
    assert run(p, "extract", "disagreements") == 0
    assert "record 1  country: alice: Norway  |  bob: Sweden" in capsys.readouterr().out
    assert run(p, "extract", "consensus", "1", "country", "Norway", "--as", "carol") == 0
    capsys.readouterr()
    assert run(p, "export", "extraction", "--format", "csv") == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [int(r["Record"]) for r in table] == [1, 2, 13]
    assert [r["Country"] for r in table] == ["Norway", "India", "India"]
    xlsx, docx_path = tmp_path / "chart.xlsx", tmp_path / "chart.docx"
    assert run(p, "export", "extraction", "--format", "xlsx", "--out", str(xlsx)) == 0
    assert run(p, "export", "extraction", "--format", "docx", "--out", str(docx_path)) == 0
    from openpyxl import load_workbook
    import docx

    ws = load_workbook(xlsx)["Charting"]
    assert ws.max_row == 4
    assert len(docx.Document(docx_path).tables[0].rows) == 4


def test_cli_methods_draft(built_project, capsys):
    assert run(built_project, "report", "methods") == 0
    text = capsys.readouterr().out
    for needle in (
        "We searched MEDLINE (PubMed) on 2018-01-31 (6 records) and Embase (Ovid) on 2018-01-31 (6 records).",
        "Limits applied: humans only, language: English and publication years 2008-current.",
        "citation searching (3 records)",
        "identified 12 records; 2 duplicates were removed (2 by identical PubMed ID), leaving 10 records to screen",
        "Two reviewers screened independently and blind",
        "resolved by a third reviewer (the review lead); three conflicts needed resolution.",
        "Agreement at the title/abstract stage (alice and bob, 12 records): 83.3%, Cohen's kappa 0.64",
        "Agreement at the full-text stage (alice and bob, 7 records)",
        "Of 10 records screened from the databases and 2 records found by other methods, 6 reports were assessed in full text (and 1 report found by other methods); 3 sources were included",
        "Two reviewers charted the data",
    ):
        assert needle in text, (needle, text)


def test_cli_prisma_draft_of_an_empty_project_says_nothing_is_imported(project, capsys):
    assert run(project, "prisma", "--draft") == 0
    err = capsys.readouterr().err
    assert "nothing is imported yet" in err and "screening is finished" not in err
