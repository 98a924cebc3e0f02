"""`review init DIR` (a blank review) and `review init DIR --example` (the worked example)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

from review.cli import main
from review.extraction import form_from_config
from review.project import CONFIG_NAME, ProjectError, init_project, load_project, template_root
from review.screening import criteria_from_config, screening_settings
from review.strategy import load_strategy, render

REPO = Path(__file__).resolve().parent.parent
# JBI Manual for Evidence Synthesis, chapter 11 (scoping reviews), data extraction: the items
# a scoping review charts by default.
JBI_ITEMS = ["author", "year", "country", "aims", "population", "sample_size", "methods",
             "intervention", "comparator", "duration", "outcomes", "key_findings"]


@pytest.fixture
def blank(tmp_path, monkeypatch):
    monkeypatch.delenv("REVIEW_DATABASE_URL", raising=False)
    monkeypatch.delenv("REVIEW_PROJECT", raising=False)
    return init_project(tmp_path / "my-review")


def test_blank_review_yaml_loads_with_no_warning_and_nothing_of_the_example(blank):
    assert blank.warnings == []
    config = blank.config
    assert config["name"] == "my-review"
    assert "reviewers" not in config and "sample" not in config
    text = (blank.root / CONFIG_NAME).read_text()
    assert "entor" not in text.replace("# Example: name: mentoring-medical-students", "")  \
        .replace("# Example: title: Mentoring", "").replace("# Example: question: Which mentoring", "") \
        .replace("mentor, mentorship", "")  # the mentoring example appears only in "Example:" comments
    criteria = criteria_from_config(config)
    assert criteria.include == [] and criteria.exclude == []  # to fill
    assert criteria.exclusion_reasons  # a full-text exclusion has reasons to pick from
    screening_settings(config)  # every screening setting is valid


def test_every_key_of_the_blank_review_yaml_is_explained(blank):
    """A comment right above every top-level key and every screening setting, and the keys'
    comments give an example or the allowed values."""
    lines = (blank.root / CONFIG_NAME).read_text().splitlines()
    node = yaml.compose("\n".join(lines))
    keys = [(k.value, k.start_mark.line) for k, _ in node.value]
    screening = next(v for k, v in node.value if k.value == "screening")
    keys += [(f"screening.{k.value}", k.start_mark.line) for k, _ in screening.value]
    for key, line in keys:
        assert lines[line - 1].lstrip().startswith("#"), f"{key} (line {line + 1}) has no comment above it"
    assert set(k for k, _ in keys if "." not in k) == set(blank.config)
    for shown in ("Example: name:", "Example: title:", "Example: question:", "random | relevance",
                  "lead (a lead resolves", "Field types:", "mode: single", "Example: email:",
                  "database_url", "review reviewers add NAME"):
        assert shown in "\n".join(lines), shown


def test_blank_strategy_loads_and_renders_for_pubmed_and_ovid(blank):
    path = blank.path(blank.config["strategy"])
    assert path == blank.root / "queries" / "strategy.yaml"
    strategy = load_strategy(path)
    assert len(strategy.blocks) == 1  # one example block
    pubmed = render(strategy, "pubmed")
    assert '"Students, Medical"[mh]' in pubmed.lines[-1].query
    medline = render(strategy, "ovid-medline").text
    assert "exp Students, Medical/" in medline and "limit 4 to english language" in medline
    assert not render(strategy, "pubmed").warnings  # a newcomer's first render is clean
    assert "exp medical student/" in render(strategy, "ovid-embase").text


def test_blank_charting_form_is_jbis_scoping_review_form(blank):
    form = form_from_config(blank.config)
    ids = [f.id for f in form.fields]
    assert [i for i in ids if i in JBI_ITEMS] == JBI_ITEMS
    assert "aim" not in ids and "mentees" not in ids  # not the mentoring example's form
    assert form.mode == "dual"


def test_example_copies_the_worked_example(tmp_path, monkeypatch):
    monkeypatch.delenv("REVIEW_DATABASE_URL", raising=False)
    project = init_project(tmp_path / "ex", example=True)
    assert project.warnings == []
    mine = yaml.safe_load((template_root() / CONFIG_NAME).read_text())
    copied = dict(project.config)
    assert copied.pop("name") == "ex"
    for key in ("name", "sample", "reviewers", "database_url"):
        mine.pop(key, None)  # the demo's keys (and a store URL) stay with the default review
    assert copied == mine
    text = (project.root / CONFIG_NAME).read_text()
    assert "# Data charting (extraction) form" in text  # its comments are kept
    for path in (REPO / "queries").rglob("*.yaml"):
        assert (project.root / "queries" / path.name).read_bytes() == path.read_bytes()
    for path in (REPO / "data" / "walkthrough").iterdir():  # the README walkthrough's files
        assert (project.root / "data" / "walkthrough" / path.name).read_bytes() == path.read_bytes()
    assert not (project.root / "data" / "sample").exists()  # the demo's sample stays with the demo
    assert [f.id for f in form_from_config(project.config).fields][:3] == ["author", "year_published", "university"]


def test_init_refuses_a_folder_that_is_a_project_already(blank, capsys):
    before = {p: p.read_bytes() for p in blank.root.rglob("*") if p.is_file()}
    assert main(["init", str(blank.root)]) == 1
    assert main(["init", str(blank.root), "--example"]) == 1
    err = capsys.readouterr().err
    assert "already exists: this folder is a project already" in err
    assert {p: p.read_bytes() for p in blank.root.rglob("*") if p.is_file()} == before


def test_init_never_overwrites_a_file_of_a_non_empty_folder(tmp_path):
    """A folder holding the user's own queries/strategy.yaml is refused before anything is written."""
    folder = tmp_path / "mine"
    (folder / "queries").mkdir(parents=True)
    (folder / "queries" / "strategy.yaml").write_text("my own", encoding="utf-8")
    with pytest.raises(ProjectError, match=r"queries/strategy.yaml already exists"):
        init_project(folder)
    assert (folder / "queries" / "strategy.yaml").read_text() == "my own"
    assert not (folder / CONFIG_NAME).exists() and not (folder / "data").exists()
    # a non-empty folder without a clash (the user's exports) becomes a project
    other = tmp_path / "exports"
    other.mkdir()
    (other / "medline.ris").write_text("TY  - JOUR\nER  - \n", encoding="utf-8")
    assert init_project(other).warnings == []
    assert (other / "medline.ris").read_text() == "TY  - JOUR\nER  - \n"


def _cli(root: Path, capsys, *args: str) -> str:
    status = main(["--project", str(root), *args])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "warning" not in err, err
    return out


def test_every_first_command_works_on_a_blank_project(blank, capsys, monkeypatch):
    root = blank.root
    monkeypatch.chdir(root)  # as a user does after `review init`
    assert "0 records from 0 imports" in _cli(root, capsys, "status")
    assert "exp Students, Medical/" in _cli(root, capsys, "query", "render", "queries/strategy.yaml", "--to", "ovid-medline")
    assert "[mh]" in _cli(root, capsys, "query", "render", "queries/strategy.yaml", "--to", "pubmed")
    nbib = next((REPO / "data" / "sample").glob("*.nbib"))
    assert "80 records imported as #1" in _cli(root, capsys, "import", str(nbib), "--database", "PubMed")
    _cli(root, capsys, "dedup")
    token = _cli(root, capsys, "reviewers", "add", "ann").strip().splitlines()[-1]
    assert "DRAFT" in _cli(root, capsys, "prisma", "--draft")
    assert "Key findings" in _cli(root, capsys, "export", "extraction", "--format", "csv")
    # the screening app on the blank project: ann signs in and sees a record and the criteria
    from streamlit.testing.v1 import AppTest

    import screening_app

    app = Path(screening_app.__file__).resolve().parent / "app.py"
    monkeypatch.setenv("REVIEW_PROJECT", str(root))
    at = AppTest.from_file(str(app), default_timeout=60).run()
    at.text_input[0].input(token)
    at.button[0].click().run()
    assert not at.exception, at.exception
    parts = [m.value for m in at.markdown] + [h.proto.body for h in at.get("html")]
    parts += [c.value for c in at.caption] + [s.value for s in at.subheader] + [i.value for i in at.info]
    text = "\n".join(str(p) for p in parts)
    assert re.search(r"record #\d+", text), text[:800]
    assert "Criteria version 1" in text
    assert {"Include", "Exclude", "Maybe"} <= {b.label for b in at.button}


def test_review_screen_starts_on_a_blank_project(blank, tmp_path):
    sys.path.insert(0, str(REPO / "tests" / "screening_app"))
    try:
        from serve import review_screen
    finally:
        sys.path.pop(0)
    import urllib.request

    with review_screen(blank.root, tmp_path / "screen.log") as (url, _proc):
        with urllib.request.urlopen(url, timeout=10) as page:
            assert page.status == 200
    assert f"Screening app for 'my-review': {url}" in (tmp_path / "screen.log").read_text()


def test_a_failed_init_leaves_nothing_half_written(tmp_path, monkeypatch):
    """A write that fails midway (a full disk) takes back what init made: no review.yaml
    without its strategy, no folders of its own."""
    real = Path.write_bytes

    def failing(self, data):
        if self.name == "strategy.yaml":
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    target = tmp_path / "new" / "review"
    with pytest.raises(ProjectError, match="No space left on device"):
        init_project(target)
    assert list(tmp_path.iterdir()) == []
    existing = tmp_path / "mine"
    existing.mkdir()
    (existing / "notes.txt").write_text("kept")
    with pytest.raises(ProjectError):
        init_project(existing)
    assert sorted(p.name for p in existing.iterdir()) == ["notes.txt"]
