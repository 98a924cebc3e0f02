"""`review import` of real exports through the CLI, `review status --json`, column mappings,
and the one-transaction-per-file rule (a failing file stores nothing, earlier imports stay)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from review.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
FORMATS = REPO / "tests" / "data" / "formats"


def run(project, *args: str) -> int:
    return main(["--project", str(project.root), *args])


def status_json(project, capsys) -> dict:
    capsys.readouterr()
    assert run(project, "status", "--json") == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "name, database, count, per_database",
    [
        ("pubmed-blue-light.nbib", "PubMed", 80, {"PubMed": 80}),
        # a PubMed search kept in EndNote: PubMed is the database, EndNote only passed it on
        ("endnote-blue-light.ris", "PubMed", 102, {"PubMed": 102}),
        ("endnote-blue-light.xml", "PubMed", 102, {"PubMed": 102}),
        ("ovid-multidatabase-300.ris", "Ovid", 300, {"MEDLINE": 200, "CENTRAL": 100}),
    ],
)
def test_import_each_sample_file(project, capsys, name, database, count, per_database):
    assert run(project, "import", str(SAMPLE / name), "--database", database, "--interface", "x",
               "--searched", "2018-01-31") == 0
    out = capsys.readouterr().out
    assert f"{name}: {count} records imported as #1" in out
    data = status_json(project, capsys)
    assert data["records_by_database"] == per_database
    assert data["totals"] == {"imports": 1, "records": count, "skipped": 0}
    assert data["imports"][0]["searched_on"] == "2018-01-31"


def test_status_json_after_several_imports(project, capsys):
    assert run(project, "import", str(SAMPLE / "pubmed-blue-light.nbib"), "--database", "PubMed") == 0
    assert run(project, "import", str(SAMPLE / "ovid-multidatabase-300.ris"), "--database", "Ovid",
               "--interface", "Ovid") == 0
    assert run(project, "import", str(FORMATS / "ris" / "asreview_baseline_empty_values.ris"),
               str(FORMATS / "csv" / "pubmed-chatbot.csv"), "--database", "Other") == 0
    err = capsys.readouterr().err
    assert "skipped (line 7): no title" in err and "skipped (line 18): no title" in err
    data = status_json(project, capsys)
    assert data["totals"] == {"imports": 4, "records": 80 + 300 + 2 + 6, "skipped": 2}
    assert data["records_by_database"] == {"CENTRAL": 100, "MEDLINE": 200, "Other": 8, "PubMed": 80}
    rows = [(i["id"], i["database"], i["file_name"], i["format"], i["records"], i["skipped"]) for i in data["imports"]]
    assert rows == [
        (1, "PubMed", "pubmed-blue-light.nbib", "medline", 80, 0),
        (2, "Ovid", "ovid-multidatabase-300.ris", "ris", 300, 0),
        (3, "Other", "asreview_baseline_empty_values.ris", "ris", 2, 2),
        (4, "Other", "pubmed-chatbot.csv", "tabular", 6, 0),
    ]


def test_csv_import_with_column_mapping(project, capsys, tmp_path):
    export = tmp_path / "covidence.csv"
    export.write_text(
        "Study,Paper name,Writers,Pub year,Journal name,DOI link\n"
        "1,Peer mentoring for medical students,Smith J; Doe A,2016,Med Teach,https://doi.org/10.3109/X.1\n"
        "2,Group mentoring programme,Roe R,2012,Acad Med,\n",
        encoding="utf-8",
    )
    assert run(project, "import", str(export), "--database", "MEDLINE", "--interface", "Covidence") == 1
    assert "no title column" in capsys.readouterr().err
    assert run(project, "import", str(export), "--database", "MEDLINE", "--interface", "Covidence",
               "--map", "title=Paper name", "--map", "authors=Writers", "--map", "year=Pub year",
               "--map", "journal=Journal name", "--map", "doi=DOI link", "--map", "source_id=Study") == 0
    assert "2 records imported" in capsys.readouterr().out
    from review.store import open_store, iter_records

    engine = open_store(project.database_url)
    with engine.connect() as conn:
        records = [r for _, r in iter_records(conn)]
    engine.dispose()
    assert [(r.title, r.authors, r.year, r.journal, r.doi, r.source_id) for r in records] == [
        ("Peer mentoring for medical students", ["Smith J", "Doe A"], 2016, "Med Teach", "10.3109/x.1", "1"),
        ("Group mentoring programme", ["Roe R"], 2012, "Acad Med", "", "2"),
    ]
    assert run(project, "import", str(export), "--database", "MEDLINE", "--again",
               "--map", "title=Nope") == 1
    assert "columns present: 'Study', 'Paper name'" in capsys.readouterr().err


def test_reimport_is_refused_unless_again(project, capsys):
    path = str(FORMATS / "medline" / "pubmed_result2.txt")
    assert run(project, "import", path, "--database", "PubMed") == 0
    assert run(project, "import", path, "--database", "PubMed") == 1
    assert "imported already" in capsys.readouterr().err
    assert run(project, "import", path, "--database", "PubMed", "--again") == 0
    assert status_json(project, capsys)["totals"]["records"] == 8


def test_unreadable_file_stores_nothing_and_keeps_earlier_imports(project, capsys, tmp_path):
    good = str(FORMATS / "medline" / "pubmed_result2.txt")
    assert run(project, "import", good, "--database", "PubMed") == 0
    before = status_json(project, capsys)
    broken = tmp_path / "broken.ris"
    broken.write_bytes(b"TY  - JOUR\nTI  - fine so far\n" + bytes(range(1, 32)) * 30)
    assert run(project, "import", str(broken), "--database", "Embase") == 1
    err = capsys.readouterr().err
    assert "broken.ris" in err and "binary" in err
    assert status_json(project, capsys) == before


# ---------------------------------------------------------------- one transaction (both stores)


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"select count(*) from {table}")).scalar_one()


def test_a_file_failing_midway_stores_nothing(store_engine, monkeypatch):
    from review import importing, store

    first = importing.import_file(store_engine, SAMPLE / "pubmed-blue-light.nbib", database="PubMed")
    assert first.records_stored == 80
    counts = {t: _count(store_engine, t) for t in ("imports", "records", "events")}

    real_add_records = store.add_records

    def fail_after_the_first_batch(conn, import_id, items, **kw):
        kw["batch_size"] = 50
        written = 0

        def items_then_fail():
            nonlocal written
            for item in items:
                written += 1
                if written > 120:  # two batches are in the database by now
                    raise RuntimeError("disk full")
                yield item

        return real_add_records(conn, import_id, items_then_fail(), **kw)

    monkeypatch.setattr(store, "add_records", fail_after_the_first_batch)
    with pytest.raises(RuntimeError, match="disk full"):
        importing.import_file(store_engine, SAMPLE / "ovid-multidatabase-300.ris", database="Ovid")
    assert {t: _count(store_engine, t) for t in counts} == counts
    monkeypatch.undo()
    second = importing.import_file(store_engine, SAMPLE / "ovid-multidatabase-300.ris", database="Ovid")
    assert second.per_database == {"MEDLINE": 200, "CENTRAL": 100}
    assert _count(store_engine, "records") == 380


def test_import_every_real_sample_file_in_one_command(project, capsys):
    from review.formats import read_file

    files = sorted(
        p for folder in ("ris", "medline", "endnote-xml", "csv") for p in (FORMATS / folder).iterdir()
        if p.name != "asreview_generic_labels_no_title.csv"  # no title column: refused, tested above
    )
    reports = {p.name: read_file(p).report for p in files}
    # a file none of whose records could be read (fixtures with no titles) is refused whole
    refused = sorted(name for name, r in reports.items() if r.records_read == 0 and r.skipped)
    expected = {name: (r.records_read, len(r.skipped)) for name, r in reports.items() if name not in refused}
    assert len(refused) == 5 and len(expected) == len(files) - 5
    assert run(project, "import", *map(str, files), "--database", "Samples", "--again") == 1
    err = capsys.readouterr().err
    assert [name for name in refused if f"{name}: none of its" in err] == refused
    assert f"{len(refused)} of {len(files)} files not imported" in err
    data = status_json(project, capsys)
    stored = {row["file_name"]: (row["records"], row["skipped"]) for row in data["imports"]}
    assert stored == expected
    assert data["totals"]["records"] == sum(n for n, _ in expected.values()) == 250


# ---------------------------------------------------------------- the source database


@pytest.mark.parametrize(
    "path, tool",
    [(SAMPLE / "endnote-blue-light.ris", "EndNote RIS"), (SAMPLE / "endnote-blue-light.xml", "EndNote XML"),
     (FORMATS / "ris" / "asreview_pubmed_zotero.ris", "Zotero RIS"),
     (FORMATS / "ris" / "asreview_ris_issue_992.txt", "Rayyan")],
)
def test_a_reference_manager_export_needs_the_database_it_came_from(project, capsys, path, tool):
    assert run(project, "import", str(path)) == 1
    err = capsys.readouterr().err
    assert f"this is an {tool} export" in err or f"this is a {tool} export" in err
    assert "--database" in err and "nothing was stored" in err
    if "blue-light" in path.name:  # a PubMed search kept in EndNote: DP - NLM, shown as a hint
        assert "(its records name the provider 'NLM') with --database" in err
    assert status_json(project, capsys)["totals"]["records"] == 0
    assert run(project, "import", str(path), "--database", "PubMed") == 0


@pytest.mark.parametrize("name", ["EndNote library (RIS)", "Zotero", "RIS", "Covidence export (CSV)"])
def test_a_tool_or_format_is_refused_as_the_database(project, capsys, name):
    assert run(project, "import", str(SAMPLE / "endnote-blue-light.ris"), "--database", name) == 1
    err = capsys.readouterr().err
    assert f"--database {name!r} names a reference manager, a screening tool or a file format" in err
    assert status_json(project, capsys)["totals"]["records"] == 0


def test_a_file_whose_records_do_not_say_needs_database(project, capsys):
    assert run(project, "import", str(FORMATS / "ris" / "asreview_embase.ris")) == 1
    assert "its records do not say which database they come from" in capsys.readouterr().err


def test_ovid_records_naming_another_database_are_counted_there_with_a_warning(project, capsys):
    assert run(project, "import", str(SAMPLE / "ovid-multidatabase-300.ris"), "--database", "MEDLINE") == 0
    captured = capsys.readouterr()
    assert "MEDLINE 200" in captured.out and "CENTRAL 100" in captured.out
    assert ("warning: --database MEDLINE, but 100 of the 300 records say in their own source codes "
            "which database they come from, and are counted there: CENTRAL 100 (the D=cctr code of "
            "their Ovid links); MEDLINE 200 (200 say MEDLINE themselves)") in captured.err
    data = status_json(project, capsys)
    assert data["records_by_database"] == {"CENTRAL": 100, "MEDLINE": 200}


def test_an_ovid_multidatabase_export_needs_no_database(project, capsys):
    assert run(project, "import", str(SAMPLE / "ovid-multidatabase-300.ris"), "--interface", "Ovid") == 0
    assert "warning: --database" not in capsys.readouterr().err
    data = status_json(project, capsys)
    assert data["imports"][0]["database"] == "MEDLINE; CENTRAL"
    assert data["records_by_database"] == {"CENTRAL": 100, "MEDLINE": 200}


def test_other_methods_records_from_a_reference_manager_need_no_database(project, capsys):
    # records found by citation searching and kept in Zotero: PRISMA's other-methods column
    path = FORMATS / "ris" / "asreview_pubmed_zotero.ris"
    assert run(project, "import", str(path), "--other-source", "citation-searching") == 0
    data = status_json(project, capsys)
    assert data["imports"][0]["database"] == "citation-searching"
    assert data["imports"][0]["other_source"] == "citation-searching"
