"""`review import FILE --update-of N`: an export of a search rerun later, counted as an update
of import N; a record both runs found is counted once after `review dedup`."""

from __future__ import annotations

from review import store
from review.cli import main


def _ris(records):
    out = []
    for title, doi, year in records:
        out += ["TY  - JOUR", f"TI  - {title}", "AU  - Smith, Jane", f"PY  - {year}", "JO  - Medical Teacher",
                f"DO  - {doi}", "ER  - ", ""]
    return "\n".join(out) + "\n"


FIRST = [("Peer mentoring of first-year medical students: a programme evaluation", "10.1000/a", 2015),
         ("Faculty mentors and research output of medical students", "10.1000/b", 2016),
         ("A mentoring scheme for clinical students in surgery", "10.1000/c", 2017)]
LATER = [FIRST[1], ("Near-peer mentoring in anatomy teaching: a cohort study", "10.1000/d", 2024)]


def test_update_of_an_ovid_export_counts_new_records_once(project, tmp_path, capsys):
    first, later = tmp_path / "medline.ris", tmp_path / "medline-update.ris"
    first.write_text(_ris(FIRST), encoding="utf-8")
    later.write_text(_ris(LATER), encoding="utf-8")
    root = str(project.root)
    assert main(["--project", root, "import", str(first), "--database", "MEDLINE", "--interface", "Ovid",
                 "--searched", "2024-01-10"]) == 0
    assert main(["--project", root, "import", str(later), "--update-of", "1", "--searched", "2024-09-01"]) == 0
    assert "an update of import #1" in capsys.readouterr().out
    engine = store.open_store(project.database_url)
    with engine.connect() as conn:
        row = store.get_import(conn, 2)
    assert row["database"] == "MEDLINE" and row["interface"] == "Ovid"  # taken from the first run
    assert row["report"]["update"] == {"update_of": 1, "since": "2024-01-10", "until": "2024-09-01", "found": 2}

    from review.pubmed.log import render_markdown, search_log
    from review.reporting.methods import gather_methods_facts, methods_text
    from review.reporting.prisma import prisma_counts, prisma_text

    assert main(["--project", root, "dedup"]) == 0
    with engine.connect() as conn:
        counts = prisma_counts(conn)
        text = methods_text(gather_methods_facts(conn, {"title": "t"}))
    assert counts.database_specific_results == {"MEDLINE": 5} and counts.duplicates == 1
    assert counts.search_updates == [("MEDLINE", "2024-01-10", "2024-09-01", 1)]  # the shared record is the first run's
    assert "search of 2024-01-10 updated on 2024-09-01: 1 new record" in prisma_text(counts)
    assert "The search was updated on 2024-09-01 (1 new record)." in text
    md = render_markdown(search_log(engine))
    assert "Update of import #1 (first searched 2024-01-10)" in md and "Updated on 2024-09-01 (import #2)" in md
    engine.dispose()


def test_update_of_refusals(project, tmp_path, capsys):
    first, later = tmp_path / "medline.ris", tmp_path / "medline-update.ris"
    first.write_text(_ris(FIRST), encoding="utf-8")
    later.write_text(_ris(LATER), encoding="utf-8")
    root = str(project.root)
    assert main(["--project", root, "import", str(later), "--update-of", "7"]) == 1
    assert "there is no import #7" in capsys.readouterr().err
    assert main(["--project", root, "import", str(first), "--database", "MEDLINE"]) == 0
    assert main(["--project", root, "import", str(later), "--update-of", "1"]) == 0
    third = tmp_path / "third.ris"
    third.write_text(_ris([LATER[1]]), encoding="utf-8")
    capsys.readouterr()
    assert main(["--project", root, "import", str(third), "--update-of", "2"]) == 1
    assert "is itself an update of import #1: use --update-of 1" in capsys.readouterr().err
    engine = store.open_store(project.database_url)
    with engine.connect() as conn:
        assert len(store.list_imports(conn)) == 2  # nothing stored by the refused import
    engine.dispose()
