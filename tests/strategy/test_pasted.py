"""Each database's strategy as it would be pasted, for the PRISMA-S log and the report pack."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from review.pubmed.log import render_markdown
from review.strategy import load_strategy
from review.strategy.pasted import markdown, pasted, project_markdown

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "queries" / "mentoring-medical-students.yaml"


def test_every_listed_database_as_pasted():
    items = pasted(load_strategy(EXAMPLE))
    assert [p.target for p in items] == ["pubmed", "ovid-medline", "ovid-embase", "ovid-psycinfo", "ebsco-cinahl",
                                         "ebsco-eric", "scopus", "wos", "cochrane", "embase-com"]
    by = {p.target: p for p in items}
    assert by["ebsco-cinahl"].text.splitlines()[0] == 'S1 MH "Mentorship+"'
    assert by["ebsco-cinahl"].lines[0] == ("S1", 'MH "Mentorship+"')
    assert by["wos"].lines[-1][0] == "#18"
    assert by["ovid-medline"].text.splitlines()[0] == "1 exp Mentors/"
    # PubMed and Scopus: the final query is what is pasted
    assert by["pubmed"].text.count("\n") == 1 and "english[la]" in by["pubmed"].text
    # the comment about the missing Emtree heading is a note, not part of the pasted text
    assert by["embase-com"].notes == ["block 'population': no Emtree heading given; free-text lines only"]
    assert "//" not in by["embase-com"].text


def test_only_the_databases_asked_for():
    s = load_strategy(EXAMPLE)
    s.databases = ("scopus", "pubmed")
    assert [p.target for p in pasted(s)] == ["pubmed", "scopus"]


def test_markdown_section_and_the_search_log():
    section = markdown(pasted(load_strategy(EXAMPLE), ("ebsco-cinahl",)), source="strategy.yaml")
    assert section.startswith("## Search strategies as pasted\n")
    assert "### CINAHL (EBSCOhost)\n\n```\nS1 MH \"Mentorship+\"\n" in section
    assert "- Warning: " in section and "left out of the search" in section
    log = render_markdown([], title="T", strategies=section)
    assert log.startswith("# Search log (PRISMA-S) - T") and log.endswith(section)


def test_project_markdown_names_the_file_as_configured(tmp_path):
    (tmp_path / "q.yaml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    project = SimpleNamespace(config={"strategy": "q.yaml"}, path=lambda p: tmp_path / p)
    text = project_markdown(project)
    assert "### Web of Science Core Collection" in text
    assert str(tmp_path) not in text and "q.yaml:" in text
    assert project_markdown(SimpleNamespace(config={}, path=None)) == ""
    (tmp_path / "q.yaml").write_text("blocks: []\n", encoding="utf-8")
    assert "could not be rendered" in project_markdown(project)
