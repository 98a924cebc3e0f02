"""review.strategy.versions: append-only saved versions, stale drafts, the plain-words diff, the CLI."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from review.cli import main
from review.store.schema import strategy_versions
from review.strategy.edit import add_term, move_term, new_draft, remove_term
from review.strategy.model import StrategyError
from review.strategy.versions import (
    StaleDraftError, diff_texts, get_version, list_versions, record_version, save_version,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "queries" / "mentoring-medical-students.yaml").read_text(encoding="utf-8")


def test_each_save_is_a_new_version_with_date_and_author(store_engine, tmp_path):
    path = tmp_path / "s.yaml"
    v1 = save_version(store_engine, "queries/s.yaml", EXAMPLE, by="ana", note="from the protocol", path=path)
    edited = add_term(new_draft(EXAMPLE), "mentoring", {"text": "preceptor*"}).text
    v2 = save_version(store_engine, "queries/s.yaml", edited, by="ben", based_on=1, path=path)
    assert (v1.version, v2.version) == (1, 2) and path.read_text(encoding="utf-8") == edited
    again = save_version(store_engine, "queries/s.yaml", edited, by="ben")
    assert again.version == 2  # the same text twice stores nothing
    with store_engine.connect() as conn:
        versions = list_versions(conn, "queries/s.yaml")
        assert [(v.version, v.author, v.note) for v in versions] == [(1, "ana", "from the protocol"), (2, "ben", "")]
        assert get_version(conn, "queries/s.yaml", 1).text == EXAMPLE
        assert versions[0].saved_at[:10] == datetime.now(timezone.utc).date().isoformat()
        events = conn.execute(sa.text("select kind, actor from events where kind = 'strategy.save'")).all()
        assert [tuple(e) for e in events] == [("strategy.save", "ana"), ("strategy.save", "ben")]
        with pytest.raises(StrategyError, match="no version 7 \\(versions 1 to 2"):
            get_version(conn, "queries/s.yaml", 7)


def test_a_stale_draft_or_a_broken_text_stores_nothing(store_engine, tmp_path):
    path = tmp_path / "s.yaml"
    save_version(store_engine, "s", EXAMPLE, by="ana", path=path)
    save_version(store_engine, "s", EXAMPLE.replace("2008-current", "2009-current"), by="ben", path=path)
    with pytest.raises(StaleDraftError, match="was saved after the version 1 this draft started from"):
        save_version(store_engine, "s", EXAMPLE.replace("2008-current", "2010-current"), by="ana", based_on=1, path=path)
    with pytest.raises(StrategyError, match="combine: no block named 'nope'"):
        save_version(store_engine, "s", EXAMPLE.replace("AND population", "AND nope"), by="ana", path=path)
    assert "2009-current" in path.read_text(encoding="utf-8")
    with store_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(strategy_versions)).scalar() == 2


def test_record_version_reuses_the_latest_or_stores_the_file_as_run(store_engine):
    v1 = save_version(store_engine, "s", EXAMPLE, by="ana")
    assert record_version(store_engine, "s", EXAMPLE, by="cli").version == v1.version
    by_hand = EXAMPLE.replace("2008-current", "2012-current")
    v2 = record_version(store_engine, "s", by_hand, by="cli")
    assert v2.version == 2 and "changed since the last saved version" in v2.note


def test_plain_words_diff():
    d = new_draft(EXAMPLE)
    d = add_term(d, "mentoring", {"mesh": "Preceptorship", "explode": True})
    d = move_term(d, "mentoring", 11, "population")
    d = remove_term(d, "setting", 0)
    changes = diff_texts(EXAMPLE, d.text)
    assert changes == [
        'In "Mentoring": added subject heading "Preceptorship" (MeSH, with narrower headings) '
        "[Cochrane Library, Ovid MEDLINE, PubMed only].",
        'In "Medical schools": removed subject heading "Schools, Medical" (MeSH, with narrower headings) '
        "[Cochrane Library, Ovid MEDLINE, PubMed only].",
        'In "Medical students": moved here from "Mentoring": "mentorship" in title, abstract or author keywords.',
    ]
    assert diff_texts(EXAMPLE, "# a new first comment\n" + EXAMPLE) == [
        "No change to the search: only comments, notes or layout differ."]


def test_cli_save_versions_diff_show(project, capsys, monkeypatch):
    monkeypatch.setenv("REVIEW_USER", "ana")
    path = project.path(project.config["strategy"])
    base = ["--project", str(project.root), "query"]
    assert main([*base, "save", "--note", "as in the protocol"]) == 0
    assert "saved as version 1" in capsys.readouterr().out
    path.write_text(path.read_text(encoding="utf-8").replace("2008-current", "2010-current"), encoding="utf-8")
    assert main([*base, "versions"]) == 0
    assert "has changed since version 1 (not saved yet)" in capsys.readouterr().out
    assert main([*base, "save", "--by", "ben"]) == 0
    assert main([*base, "save"]) == 0
    assert "unchanged since version 2; nothing stored" in capsys.readouterr().out
    assert main([*base, "versions"]) == 0
    out = capsys.readouterr().out
    assert "  1  " in out and " ana: as in the protocol" in out and " ben" in out
    assert "Limits changed from English language; studies in humans; published 2008" in out
    assert main([*base, "diff", "1", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("From ") and "published 2010 to the search date" in out
    assert main([*base, "show", "1"]) == 0
    assert "years: 2008-current" in capsys.readouterr().out
    assert main([*base, "diff", "1", "9"]) == 1
    assert "no version 9 (versions 1 to 2" in capsys.readouterr().err
