"""`review report checklist`: the PRISMA-ScR checklist pre-filled from a screened project.

The project is `build` of test_project_end_to_end (MEDLINE and Embase searched 2018-01-31,
citation searching, dual screening with conflicts resolved by the lead): every number the
checklist gives is checked against `review prisma --json`, `review agreement --json` and the
stored imports rather than typed here.
"""

from __future__ import annotations

import csv
import io
import json
import re

import yaml

from review.extraction import form_from_config
from review.reporting.checklist import FILLED, HEADERS, ITEMS, SECTIONS, WRITE, checklist_rows
from review.reporting.methods import MethodsFacts
from review.reporting.prisma import PrismaCounts
from review.store import add_import, list_imports, open_store
from test_project_end_to_end import run


def checklist_csv(project, capsys, *extra) -> dict[int, dict[str, str]]:
    assert run(project, "report", "checklist", "--format", "csv", *extra) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    return {int(r["Item"]): r for r in rows}


def prisma_json(project, capsys, *extra) -> dict:
    assert run(project, "prisma", "--json", *extra) == 0
    return json.loads(capsys.readouterr().out)


def test_item_14_carries_the_numbers_of_review_prisma(built_project, capsys):
    data = prisma_json(built_project, capsys)
    item = checklist_csv(built_project, capsys)[14]
    lines = item["From the store"].splitlines()
    per_db = "; ".join(f"{db} {n}" for db, n in data["database_specific_results"].items())
    reasons = "; ".join(f"{r} {n}" for r, n in data["dbr_excluded"].items())
    expected = [
        f"Records identified from databases: {data['database_results']} ({per_db})",
        f"Duplicate records removed: {data['duplicates']}",
        f"Records screened: {data['records_screened']}",
        f"Records excluded: {data['records_excluded']}",
        f"Reports sought for retrieval: {data['dbr_sought_reports']}",
        f"Reports not retrieved: {data['dbr_notretrieved_reports']}",
        f"Reports assessed for eligibility: {data['dbr_assessed']}",
        f"Reports excluded: {sum(data['dbr_excluded'].values())} ({reasons})",
        f"Records identified by other methods: {data['other_results']} (citation searching {data['citations_results']})",
        f"Other methods, already identified: {data['other_removed']}",
        f"Other methods, reports assessed for eligibility: {data['other_assessed']}",
        f"Studies included in review: {data['new_studies']}",
        f"Reports of included studies: {data['new_reports']}",
        "Figure (PRISMA 2020 flow diagram): review prisma --out prisma.svg",
    ]
    for line in expected:
        assert line in lines, (line, lines)
    # the numbers are the hand-computed ones of the build, not zeros that agree with zeros
    assert "Records screened: 10" in lines and "Reports excluded: 4 (Not medical students 2; " \
        "Conference abstract only 1; Not a mentoring programme 1)" in lines
    assert item["Status"] == FILLED
    assert "DRAFT" not in item["From the store"]


def test_sources_search_and_selection_from_the_store(built_project, capsys):
    engine = open_store(built_project.database_url)
    with engine.begin() as conn:
        # a later PubMed run (its records are not needed here): the most recent search
        add_import(conn, kind="search", database="PubMed", interface="PubMed (E-utilities)",
                   searched_on="2018-02-14", query='"Mentors"[mh] AND "Students, Medical"[mh]', total=146)
    with engine.connect() as conn:
        imports = list_imports(conn)
    engine.dispose()
    agreement = {a["stage"]: a for a in json.loads(_out(built_project, capsys, "agreement", "--json"))}
    rows = checklist_csv(built_project, capsys)

    sources = rows[7]["From the store"].splitlines()
    for imp in imports:
        if imp["other_source"]:
            continue
        where = f"{imp['database']} ({imp['interface']})"
        assert any(line.startswith(f"{where}, searched {imp['searched_on']}: ") for line in sources), (where, sources)
    assert "MEDLINE (PubMed), searched 2018-01-31: 6 records" in sources
    assert "Other sources: citation searching (3 records)" in sources
    assert "Most recent search: 2018-02-14" in sources
    assert rows[7]["Status"] == FILLED

    search = rows[8]["From the store"]
    assert ('PubMed (PubMed (E-utilities)) query as run (searched 2018-02-14, 146 records):\n'
            '"Mentors"[mh] AND "Students, Medical"[mh]') in search
    assert "Limits: humans only; language: English; publication years 2008-current." in search
    assert "review report search-log" in search
    assert "review query render queries/mentoring-medical-students.yaml --to ovid-medline" in search
    assert rows[8]["Status"] == FILLED

    selection = rows[9]["From the store"]
    assert "Two reviewers screened independently and blind" in selection
    assert "resolved by a third reviewer (the review lead); three conflicts needed resolution" in selection
    for stage, label in (("title_abstract", "title/abstract"), ("full_text", "full-text")):
        a = agreement[stage]
        assert (f"Agreement at the {label} stage (alice and bob, {a['n']} records): {a['percent']:.1f}%, "
                f"Cohen's kappa {a['kappa']:.2f} (95% CI {a['kappa_ci'][0]:.2f} to {a['kappa_ci'][1]:.2f}).") in selection
    assert rows[9]["Status"] == FILLED

    eligibility = rows[6]["From the store"].splitlines()
    assert "- The programme targets medical students." in eligibility
    assert "- Conference presentations (abstracts)." in eligibility
    assert eligibility[-1] == "Limits of the search: humans only; language: English; publication years 2008-current."
    assert rows[6]["Status"] == "partly: add why these criteria were chosen"


def test_charting_items_from_the_form(built_project, capsys):
    for rid in ("1", "2"):
        for reviewer in ("alice", "bob"):
            assert run(built_project, "extract", "set", rid, "author", "Smith", "--as", reviewer) == 0
    capsys.readouterr()
    rows = checklist_csv(built_project, capsys)
    form = form_from_config(built_project.config)
    assert rows[10]["From the store"].startswith("Two reviewers charted the data of each included source "
                                                 "independently")
    assert rows[10]["Status"].startswith("partly: add whether the form was piloted")
    items = rows[11]["From the store"].splitlines()
    assert items == [f"{s.name}: " + "; ".join(f.label for f in s.fields) for s in form.sections]
    appraisal = [f.label for f in form.fields if f.type == "checklist"]
    assert appraisal and rows[12]["From the store"].endswith("; ".join(appraisal))
    for n in (15, 17):
        assert "2 of 3 included sources charted" in rows[n]["From the store"]
        assert "review export extraction --format docx" in rows[n]["From the store"]
        assert rows[n]["Status"].startswith("partly: add")


def test_unfinished_screening_is_refused_like_review_prisma(unfinished_project, tmp_path, capsys):
    assert run(unfinished_project, "prisma") == 1
    prisma_message = capsys.readouterr().err.strip()
    out = tmp_path / "checklist.md"
    assert run(unfinished_project, "report", "checklist", "--out", str(out)) == 1
    captured = capsys.readouterr()
    # the same refusal, offering the draft of this output instead of the figure's
    assert captured.err.strip() == prisma_message.replace(
        "review prisma --draft", "review report checklist --draft")
    assert captured.out == "" and not out.exists()


def test_a_draft_says_draft_at_the_top_and_in_item_14(unfinished_project, capsys):
    data = prisma_json(unfinished_project, capsys, "--draft")
    assert run(unfinished_project, "report", "checklist", "--draft") == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("# PRISMA-ScR checklist: ")
    assert lines[2].startswith("**DRAFT, screening not finished: 2 records awaiting a title/abstract decision")
    assert "warning: DRAFT, screening not finished" in captured.err
    item = checklist_csv(unfinished_project, capsys, "--draft")[14]
    body = item["From the store"].splitlines()
    assert body[0].startswith("DRAFT, screening not finished") and body[0].endswith("Not the final figure.")
    assert f"Records awaiting a title/abstract decision: {data['records_pending']}" in body
    assert f"Reports awaiting a full-text decision: {data['dbr_pending']}" in body
    so_far = data["records_screened"] - data["records_pending"]
    assert f"Records screened: {so_far} so far, {data['records_pending']} awaiting" in body
    assert f"Records screened: {data['records_screened']}" not in body
    assert item["Status"].startswith("DRAFT")


def test_draft_of_a_finished_review_is_not_marked(built_project, capsys):
    assert run(built_project, "report", "checklist", "--draft") == 0
    captured = capsys.readouterr()
    assert "DRAFT" not in captured.out
    assert "screening is finished: these are the final counts" in captured.err


def test_csv_and_docx_are_readable(built_project, tmp_path, capsys):
    import docx

    path = tmp_path / "checklist.csv"
    assert run(built_project, "report", "checklist", "--format", "csv", "--output", str(path)) == 0
    assert f"wrote the PRISMA-ScR checklist to {path}" in capsys.readouterr().err
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == HEADERS
    assert [int(r[1]) for r in rows[1:]] == list(range(1, 23))

    assert run(built_project, "report", "checklist", "--format", "docx") == 1
    assert "a docx checklist needs --out FILE.docx" in capsys.readouterr().err
    word = tmp_path / "checklist.docx"
    assert run(built_project, "report", "checklist", "--format", "docx", "--output", str(word)) == 0
    document = docx.Document(word)
    table = document.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert tuple(cells[0]) == HEADERS
    assert [row[1] for row in cells[1:]] == [str(n) for n in range(1, 23)]
    assert cells[1:] == rows[1:]  # the same cells as the CSV, line breaks included
    assert "Records screened: 10\nRecords excluded: 3" in cells[14][4]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "PRISMA-ScR checklist: Mentoring programmes for medical students" in text
    assert "Ann Intern Med. 2018;169(7):467-473" in text


def test_markdown_escapes_pipes_and_line_breaks(built_project, capsys):
    config_path = built_project.root / "review.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["criteria"]["include"].append("Year 1 | year 2 students")
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    assert run(built_project, "report", "checklist") == 0
    out = capsys.readouterr().out
    table = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(table) == 24  # header, rule and 22 items: no cell broke its row
    for line in table:
        assert len(re.split(r"(?<!\\)\|", line)) == len(HEADERS) + 2, line
    item6 = next(line for line in table if line.startswith("| METHODS | 6 |"))
    assert "- Year 1 \\| year 2 students<br>" in item6
    assert out.rstrip().endswith("doi:10.7326/M18-0850. \"What it asks\" summarises each item in our own words; "
                                 "the paper has the exact wording. \"From the store\" is draft text computed from "
                                 "the review store: check it, put it in the manuscript, and give the page where "
                                 "each item is reported.")


def test_all_22_items_in_order_with_12_and_16_optional():
    assert [i.number for i in ITEMS] == list(range(1, 23))
    order = [SECTIONS.index(i.section) for i in ITEMS]
    assert order == sorted(order) and set(order) == set(range(len(SECTIONS)))
    assert [i.number for i in ITEMS if i.optional] == [12, 16]
    assert [i.number for i in ITEMS if i.label.endswith("(optional)")] == [12, 16]
    form = form_from_config({"extraction": {"mode": "single", "sections": [
        {"name": "Source", "fields": [{"id": "author", "type": "short_text"}]}]}})
    rows = checklist_rows(MethodsFacts(), PrismaCounts(), form)
    assert [r.item.number for r in rows] == list(range(1, 23))
    assert [r.cells()[2] for r in rows][11] == "Critical appraisal of individual sources of evidence (optional)"
    # an empty store fills nothing it does not know
    assert [r.item.number for r in rows if r.status == WRITE] == [1, 2, 3, 4, 5, 6, 7, 8, 13, 18, 19, 20, 21, 22]
    for n in (12, 16):  # no appraisal items on the form: not done, which PRISMA-ScR allows
        assert rows[n - 1].from_store.startswith("Not done: the charting form has no appraisal")
        assert rows[n - 1].status == FILLED
    assert rows[9].from_store.startswith("One reviewer charted the data")


def _out(project, capsys, *args) -> str:
    assert run(project, *args) == 0
    return capsys.readouterr().out


def test_the_summary_line_counts_items_in_plain_english():
    from review.reporting.checklist import FILLED, ITEMS, WRITE, ChecklistRow, status_summary

    one = [ChecklistRow(ITEMS[0], "x", FILLED), ChecklistRow(ITEMS[1], "", WRITE),
           ChecklistRow(ITEMS[2], "y", "partly: add the rationale")]
    assert status_summary(one) == "1 item filled from the store, 1 partly, 1 to write in the manuscript"
    two = one + [ChecklistRow(ITEMS[3], "z", FILLED)]
    assert status_summary(two).startswith("2 items filled from the store")


def test_gather_checklist_is_the_command_in_one_library_call(built_project, capsys):
    """What `review report checklist` prints is gather_checklist's rows."""
    from review.reporting.checklist import gather_checklist

    engine = open_store(built_project.database_url)
    with engine.connect() as conn:
        done = gather_checklist(conn, built_project.config, built_project.root)
    engine.dispose()
    printed = checklist_csv(built_project, capsys)
    assert [r.item.number for r in done.rows] == sorted(printed) and done.draft == ""
    assert all(r.from_store == printed[r.item.number]["From the store"] for r in done.rows)


def test_gather_checklist_refuses_unfinished_screening_unless_a_draft(unfinished_project):
    """The refusal lives in the library call (every caller meets it), naming the draft command."""
    import pytest

    from review.reporting.checklist import gather_checklist
    from review.reporting.prisma import ScreeningUnfinishedError

    engine = open_store(unfinished_project.database_url)
    with engine.connect() as conn:
        with pytest.raises(ScreeningUnfinishedError, match="review report checklist --draft"):
            gather_checklist(conn, unfinished_project.config, unfinished_project.root)
        draft = gather_checklist(conn, unfinished_project.config, unfinished_project.root, draft=True)
    engine.dispose()
    assert draft.draft and draft.counts.is_draft


def test_the_methods_draft_of_an_unfinished_review_says_how_many_are_screened_so_far(unfinished_project, capsys):
    """Mid-screening, the methods draft must not call every record to screen "screened"."""
    data = prisma_json(unfinished_project, capsys, "--draft")
    total, pending = data["records_screened"], data["records_pending"]
    assert pending > 0
    assert run(unfinished_project, "report", "methods") == 0
    text = " ".join(capsys.readouterr().out.split())
    assert f"Of {total:,} records screened" not in text
    assert f"Of {total:,} records to screen ({total - pending:,} screened so far, {pending:,} awaiting a decision)" in text
