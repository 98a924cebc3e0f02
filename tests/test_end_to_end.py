"""The whole pipeline from an empty project, through the `review` command only.

Render the strategy, search PubMed (the local E-utilities server), import Ovid exports and
more, dedup, two reviewers' blind votes (scripted with `review decisions import`), conflicts
resolved by the lead, full text with reasons and a report not retrieved, dual extraction
with consensus, then every PRISMA box checked against the numbers this script put in, and
the charting table exported. What each stage writes is what the next one reads.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import shutil
import sys
from pathlib import Path

import pytest
from pdf_sample import minimal_pdf
import sqlalchemy as sa

from review.cli import main
from review.dedup.state import unique_record_ids
from review.project import load_project
from review.store import open_store
from review.store.schema import imports, records

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"


def _load_server_module():
    spec = importlib.util.spec_from_file_location(
        "e2e_eutils_server", REPO / "tests" / "pubmed" / "eutils_server.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def eutils(monkeypatch):
    mod = _load_server_module()
    server = mod.EutilsServer(mod.build_corpus(0)).start()
    monkeypatch.setenv("REVIEW_EUTILS_URL", server.url)
    monkeypatch.setenv("NCBI_EMAIL", "e2e@example.org")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    yield server
    server.stop()


class Cli:
    def __init__(self, root: Path, capsys):
        self.root = root
        self.capsys = capsys

    def __call__(self, *argv: str, status: int = 0) -> str:
        self.capsys.readouterr()
        got = main(["--project", str(self.root), *argv])
        out, err = self.capsys.readouterr()
        assert got == status, f"review {' '.join(argv)} -> {got}\n{out}\n{err}"
        return out


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["reviewer", "record", "stage", "decision", "reason", "note"])
        w.writeheader()
        w.writerows(rows)
    return path


def _vote(reviewer, rid, stage, decision, reason=""):
    return {"reviewer": reviewer, "record": str(rid), "stage": stage, "decision": decision,
            "reason": reason, "note": ""}


def test_the_stages_join_up(tmp_path, capsys, monkeypatch, eutils):
    monkeypatch.delenv("REVIEW_DATABASE_URL", raising=False)
    monkeypatch.delenv("REVIEW_PROJECT", raising=False)
    root = tmp_path / "mentoring"
    assert main(["init", str(root), "--example"]) == 0
    review = Cli(root, capsys)

    # 1. Strategy: rendered for every database from the project's YAML.
    medline = review("query", "render", "queries/mentoring-medical-students.yaml", "--to", "ovid-medline")
    assert "exp Mentors/" in medline and "limit 17 to" in medline
    pubmed = review("query", "render", str(root / "queries/mentoring-medical-students.yaml"), "--to", "pubmed")
    assert '"Mentors"[mh]' in pubmed

    # 2. PubMed search against the local E-utilities server; stored as a search import.
    out = review("search")
    assert "records stored as import #1" in out
    engine = open_store(load_project(root).database_url)
    with engine.connect() as conn:
        search = conn.execute(sa.select(imports).where(imports.c.kind == "search")).mappings().one()
        n_pubmed = conn.execute(sa.select(sa.func.count()).select_from(records).where(records.c.import_id == search["id"])).scalar()
    assert search["database"] == "PubMed" and search["total"] == n_pubmed > 0
    assert search["line_counts"] and search["query"]

    # 3. Ovid exports and more; one file found by citation searching (other methods).
    review("import", str(SAMPLE / "ovid-multidatabase-300.ris"), "--database", "Ovid MEDLINE",
           "--interface", "Ovid", "--searched", "2018-09-01")
    review("import", str(SAMPLE / "pubmed-blue-light.nbib"), "--database", "Embase", "--interface", "Ovid",
           "--searched", "2018-09-01")
    review("import", str(SAMPLE / "endnote-blue-light.ris"), "--database", "Embase", "--interface", "Ovid",
           "--searched", "2018-09-01", "--other-source", "citation-searching")
    status = json.loads(review("status", "--json"))
    identified = status["totals"]["records"]
    assert identified == n_pubmed + 300 + 80 + 102

    # 4. Dedup: the blue-light records overlap heavily.
    review("dedup")
    with engine.connect() as conn:
        unique = unique_record_ids(conn)
    assert 0 < len(unique) < identified

    # 5. Reviewers and blind title/abstract votes through `review decisions import`.
    for name, role in (("alice", "reviewer"), ("bob", "reviewer"), ("carol", "lead")):
        review("reviewers", "add", name, "--role", role)
    ta = "title_abstract"
    both_in, both_out, split = unique[:10], unique[10:16], unique[16:20]
    rest = unique[20:]
    rows = []
    for rid in both_in:
        rows += [_vote("alice", rid, ta, "include"), _vote("bob", rid, ta, "include")]
    for rid in both_out + rest:
        rows += [_vote("alice", rid, ta, "exclude"), _vote("bob", rid, ta, "exclude")]
    for i, rid in enumerate(split):
        rows += [_vote("alice", rid, ta, "include"), _vote("bob", rid, ta, "maybe" if i % 2 else "exclude")]
    review("decisions", "import", str(_write_csv(tmp_path / "ta.csv", rows)))
    conflicts = json.loads(review("conflicts", "--stage", ta, "--json"))
    assert sorted(c["record_id"] for c in conflicts) == sorted(split)
    # the lead resolves: two in, two out
    for i, rid in enumerate(split):
        decision = "include" if i < 2 else "exclude"
        review("resolve", str(rid), "--stage", ta, "--decision", decision, "--as", "carol")
    assert json.loads(review("conflicts", "--stage", ta, "--json")) == []
    ta_included = list(both_in) + list(split[:2])

    # 6. Full text: one report not retrieved, then blind votes with reasons.
    ft = "full_text"
    lost, assessed = ta_included[0], ta_included[1:]
    review("fulltext", str(lost), "--not-retrieved", "Full text not retrievable", "--as", "alice")
    pdf = tmp_path / "paper one.pdf"
    pdf.write_bytes(minimal_pdf())
    review("fulltext", str(assessed[0]), "--pdf", str(pdf), "--as", "alice")
    review("fulltext", str(assessed[1]), "--link", "https://doi.org/10.1000/xyz", "--as", "bob")
    agree_in, agree_out, reason_split, in_out = assessed[:6], assessed[6:9], assessed[9], assessed[10]
    reasons = ["Not a mentoring programme", "Not a mentoring programme", "Conference abstract only"]
    rows = []
    for rid in agree_in:
        rows += [_vote("alice", rid, ft, "include"), _vote("bob", rid, ft, "include")]
    for rid, reason in zip(agree_out, reasons):
        rows += [_vote("alice", rid, ft, "exclude", reason), _vote("bob", rid, ft, "exclude", reason)]
    rows += [_vote("alice", reason_split, ft, "exclude", "Not medical students"),
             _vote("bob", reason_split, ft, "exclude", "Single specialty or interest")]
    rows += [_vote("alice", in_out, ft, "include"), _vote("bob", in_out, ft, "exclude", "Programme shorter than 3 months")]
    review("decisions", "import", str(_write_csv(tmp_path / "ft.csv", rows)))
    assert sorted(c["record_id"] for c in json.loads(review("conflicts", "--stage", ft, "--json"))) == sorted([reason_split, in_out])
    review("resolve", str(reason_split), "--stage", ft, "--decision", "exclude",
           "--reason", "Single specialty or interest", "--as", "carol")
    review("resolve", str(in_out), "--stage", ft, "--decision", "include", "--as", "carol")
    included = list(agree_in) + [in_out]

    agreement = {a["stage"]: a for a in json.loads(review("agreement", "--json"))}
    # Cohen's kappa worked by hand from the votes above: p_o observed, p_e by chance
    def kappa(n, agreed, marginals):
        p_o, p_e = agreed / n, sum(a * b for a, b in marginals) / n ** 2
        return (p_o - p_e) / (1 - p_e)
    n_ta = len(unique)  # alice: 14 include, rest exclude; bob: 10 include, 2 maybe, rest exclude
    ta_kappa = kappa(n_ta, n_ta - 4, [(14, 10), (0, 2), (n_ta - 14, n_ta - 12)])
    assert (agreement[ta]["pair"], agreement[ta]["n"]) == (["alice", "bob"], n_ta)
    assert agreement[ta]["percent"] == pytest.approx(100 * (n_ta - 4) / n_ta)
    assert agreement[ta]["kappa"] == pytest.approx(ta_kappa, abs=1e-9)
    # full text: 11 pairs, one include/exclude split (a split reason is still agreement on exclude)
    assert agreement[ft]["n"] == len(assessed) == 11
    assert agreement[ft]["percent"] == pytest.approx(100 * 10 / 11)
    assert agreement[ft]["kappa"] == pytest.approx(kappa(11, 10, [(7, 6), (4, 5)]), abs=1e-9)

    # 7. Dual extraction: alice and bob chart every included source; consensus where they differ.
    for rid in included:
        for who in ("alice", "bob"):
            review("extract", "set", str(rid), "author", f"Author{rid}", "--as", who)
            review("extract", "set", str(rid), "year_published", "2015", "--as", who)
            review("extract", "set", str(rid), "model", "Group", "--as", who)
        review("extract", "set", str(rid), "country", "Norway", "--as", "alice")
        review("extract", "set", str(rid), "country", "Sweden", "--as", "bob")
        review("extract", "consensus", str(rid), "country", "Norway", "--as", "carol")
    table = list(csv.DictReader(io.StringIO(review("export", "extraction", "--format", "csv"))))
    assert len(table) == len(included)
    assert {row["Country"] for row in table} == {"Norway"}
    assert {row["Author"] for row in table} == {f"Author{rid}" for rid in included}
    md = review("export", "extraction", "--format", "md")
    md_rows = [line for line in md.splitlines() if line.startswith("|")]
    assert len(md_rows) == len(included) + 2  # header, rule, one row per included source
    assert sorted(md_rows[2:]) == sorted(
        f"| Author{rid} | 2015 |  | Norway |  |  |  | Group |  |  |  |  |  |  |" for rid in included)

    # 8. PRISMA: every box is what this script put in.
    p = json.loads(review("prisma", "--json"))
    boxes = p.get("boxes", p)
    def box(name):
        assert name in boxes, f"{name} missing from review prisma --json: {sorted(boxes)}"
        return boxes[name]
    citation = 102
    databases = box("database_specific_results")
    assert databases == {"PubMed": n_pubmed, "MEDLINE": 200, "CENTRAL": 100, "Embase": 80}, databases
    assert box("other_specific_results") == {"citation-searching": citation}
    with engine.connect() as conn:
        other_ids = {r for (r,) in conn.execute(
            sa.select(records.c.id).join(imports, imports.c.id == records.c.import_id)
            .where(imports.c.other_source.is_not(None)))}
    # every unique record is screened once, in the left (databases) or right (other methods) column
    assert box("records_screened") == box("records_excluded") + box("dbr_sought_reports")
    assert box("records_excluded") + box("dbr_sought_reports") + box("other_sought_reports") + box("other_screened_excluded") == len(unique)
    assert box("dbr_sought_reports") + box("other_sought_reports") == len(ta_included)
    assert box("dbr_notretrieved_reports") + box("other_notretrieved_reports") == 1
    assert box("dbr_assessed") + box("other_assessed") == len(assessed)
    excluded = dict(box("dbr_excluded"))
    for reason, n in box("other_excluded").items():
        excluded[reason] = excluded.get(reason, 0) + n
    assert excluded == {"Not a mentoring programme": 2, "Conference abstract only": 1,
                        "Single specialty or interest": 1}
    assert box("dbr_included") + box("other_included") == len(included)
    assert box("duplicates") + box("other_removed") == identified - len(unique)
    assert box("new_studies") == box("total_studies") == len(included)
    # the citation-searching file: each record removed as a duplicate or screened in the right column
    assert len(other_ids) == citation
    assert box("other_removed") + box("other_screened_excluded") + box("other_sought_reports") == citation
    assert box("other_screened_excluded") + box("other_sought_reports") == len(other_ids & set(unique))

    # The diagram and the R/Shiny CSV carry the same numbers.
    svg = root / "prisma.svg"
    shiny = root / "prisma.csv"
    review("prisma", "--out", str(svg), "--csv", str(shiny))
    text = svg.read_text(encoding="utf-8")
    for n in (n_pubmed, 200, 100, 80, citation):
        assert f"n = {n}" in text.replace("\u2009", " ") or f"(n = {n})" in text or f"n={n}" in text
    rows = list(csv.DictReader(shiny.open(encoding="utf-8")))
    assert rows[0].keys() >= {"data", "node", "box", "description", "boxtext", "tooltips", "url", "n"}
    shiny_n = {row["data"]: row["n"] for row in rows if row["data"] != "NA"}
    assert shiny_n["database_results"] == str(identified - citation)
    assert shiny_n["citations_results"] == str(citation)
    assert shiny_n["records_screened"] == str(box("records_screened"))
    assert shiny_n["dbr_notretrieved_reports"] == "1"
    assert shiny_n["new_studies"] == str(len(included))
    assert shiny_n["database_specific_results"] == f"PubMed, {n_pubmed}; MEDLINE, 200; CENTRAL, 100; Embase, 80"

    # 9. The records with their decisions survive a trip to EndNote/Zotero; the methods draft.
    ris = review("export", "records", "--stage", "full_text", "--format", "ris")
    ris_ids = [line.split("-", 1)[1].strip() for line in ris.splitlines() if line.startswith("ID  - ")]
    assert ris.count("ER  -") == len(ris_ids) == len(ta_included)  # every record sent to full text
    assert sorted(map(int, ris_ids)) == sorted(ta_included)
    assert "Single specialty or interest" in ris and "Full text not retrievable" in ris
    methods = review("report", "methods")
    assert "We searched PubMed (PubMed (E-utilities)) on " in methods and f"({n_pubmed} records)" in methods
    assert "Limits applied: humans only, language: English and publication years 2008-current." in methods
    assert f"Cohen's kappa {ta_kappa:.2f}" in methods
    assert "Records were also identified through citation searching (102 records)." in methods
    assert f"{len(included)} sources were included" in methods
    other_screened = citation - box("other_removed")
    assert f"screened from the databases and {other_screened} records found by other methods" in methods
    shutil.rmtree(root / "data" / "cache", ignore_errors=True)
