"""The Agreement page's "When can we stop?" section: each reviewer's stopping estimate (the
lead sees all, a reviewer only their own) and the lead's button ending title/abstract
screening by the pre-registered rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from streamlit.testing.v1 import AppTest

import review.screening as rules
import screening_app
from review.records import Record
from review.screening.votes import cast_vote_in
from review.store import add_import, add_records, open_store

APP = Path(screening_app.__file__).resolve().parent / "app.py"


@pytest.fixture
def big_project(project, monkeypatch):
    """1,000 records; alice and bob screened 800 (100 relevant first), carol leads; a
    pre-registered buscar rule."""
    config = dict(project.config)
    config["screening"] = {"seed": 0, "stop": {"rule": "buscar", "recall": 0.95, "confidence": 0.95}}
    (project.root / "review.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    engine = open_store(project.database_url)
    with engine.begin() as conn:
        imp = add_import(conn, kind="file", database="MEDLINE", file_name="many")
        add_records(conn, imp, [Record(title=f"Mentoring study {i}", abstract=f"Abstract {i}") for i in range(1000)])
        ids = [int(i) for i in conn.execute(sa.text("select id from records order by id")).scalars()]
    tokens = {n: rules.add_reviewer(engine, n, r) for n, r in (("alice", "reviewer"), ("bob", "reviewer"), ("carol", "lead"))}
    with engine.begin() as conn:
        for who in ("alice", "bob"):
            for n, rid in enumerate(ids[:800]):
                cast_vote_in(conn, who, rid, "title_abstract", "include" if n < 100 else "exclude")
    engine.dispose()
    monkeypatch.setenv("REVIEW_PROJECT", str(project.root))
    project.tokens = tokens
    return project


def agreement_page(token: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.text_input[0].input(token)
    at.button[0].click().run()
    at.switch_page("views/agreement.py").run()
    assert not at.exception, at.exception
    return at


def test_lead_sees_every_estimate_and_ends_the_stage(big_project):
    at = agreement_page(big_project.tokens["carol"])
    estimates = at.dataframe[1].value
    assert list(estimates["Reviewer"]) == ["alice", "bob"]
    assert list(estimates["Safe to stop"]) == ["yes", "yes"]
    text = "\n".join(m.value for m in at.markdown).replace("\\", "")  # markdown escapes
    assert "alice: 800 of 1,000 records screened, 100 relevant" in text
    assert "at least 95% of relevant records would have been found, with 95% confidence" in text
    at.button(key="stop-stage").click().run()
    assert not at.exception, at.exception
    assert any("200 records nobody had voted on are excluded by the rule" in s.value for s in at.success)
    engine = open_store(big_project.database_url)
    with engine.connect() as conn:
        assert len(rules.stopped_ids(conn)) == 200
    engine.dispose()


def test_a_reviewer_sees_only_their_own_estimate_and_no_button(big_project):
    at = agreement_page(big_project.tokens["alice"])
    # the stopping table is the one with a Reviewer column (the agreement table is the lead's
    # until the stage is finished: blind screening)
    (estimates,) = [d.value for d in at.dataframe if "Reviewer" in d.value.columns]
    assert list(estimates["Reviewer"]) == ["alice"]
    assert not any(b.key == "stop-stage" for b in at.button)
    assert "bob:" not in "\n".join(m.value for m in at.markdown)
