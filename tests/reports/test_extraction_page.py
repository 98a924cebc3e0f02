"""The extraction page through streamlit.testing: form, autosave, validation, dual consensus."""

from __future__ import annotations


import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from review import extraction as ex
from review.reporting.prisma import check_arithmetic, prisma_counts
from review.store import open_store
from review.store.schema import records
from review.studies import link_report, study_of

from pdf_sample import minimal_pdf
from test_project_end_to_end import build

SCRIPT = """
import os
from review.project import load_project
from review.screening import Reviewer
from review.store import open_store
from screening_app.views.extraction import render

project = load_project(os.environ["REVIEW_PROJECT"])
render(project, open_store(project.database_url), Reviewer(os.environ["EX_REVIEWER"], os.environ.get("EX_ROLE", "reviewer"), True))
"""


@pytest.fixture
def screened(project, tmp_path, monkeypatch):
    engine = open_store(project.database_url)
    build(engine, project.config, tmp_path)
    monkeypatch.setenv("REVIEW_PROJECT", str(project.root))
    yield project, engine
    engine.dispose()


def page(monkeypatch, reviewer: str, role: str = "reviewer") -> AppTest:
    monkeypatch.setenv("EX_REVIEWER", reviewer)
    monkeypatch.setenv("EX_ROLE", role)
    return AppTest.from_string(SCRIPT, default_timeout=60).run()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    parts += [i.value for i in at.info] + [w.value for w in at.warning] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


def test_lists_included_sources_with_progress(screened, monkeypatch):
    at = page(monkeypatch, "alice")
    assert not at.exception, at.exception
    assert at.title[0].value == "Extraction"
    # the three sources included at full text, by record id, first author, year and journal
    assert at.selectbox(key="extract-record").options == [
        "#1 Shahtalebi 2018, Adv Biomed Res", "#2 Nikolis 2018, Int J Dermatol", "#13 Scott 2019, Ann Fam Med"]
    assert "You have charted 0 of 3 included sources" in texts(at)
    # the form of the first source: what the record knows is pre-filled and marked, the rest empty
    author = at.text_input(key="ex-1-author")
    assert (author.label, author.value) == ("Author * · from the record", "Shahtalebi et al.")
    assert at.text_input(key="ex-1-year_published").value == "2018"
    assert at.text_input(key="ex-1-university").label == "University"
    assert at.text_input(key="ex-1-university").value == ""
    assert "Still required" in texts(at)
    with screened[1].connect() as conn:  # shown, not stored, until alice saves a field
        assert ex.values_of(conn, 1, "alice") == {}


def test_autosave_validation_and_completion(screened, monkeypatch):
    project, engine = screened
    at = page(monkeypatch, "alice")
    at.text_input(key="ex-1-author").input("Andre").run()
    at.text_input(key="ex-1-year_published").input("20x8").run()
    assert "field 'year_published' (Year published): '20x8' is not a year" in texts(at)
    at.text_input(key="ex-1-year_published").input("2017").run()
    assert "is not a year" not in texts(at)
    at.selectbox(key="ex-1-country").select("Norway").run()
    at.selectbox(key="ex-1-source_type").select("Programme description").run()
    at.selectbox(key="ex-1-model").select("Both").run()
    at.text_area(key="ex-1-aim").input("Professional development").run()
    at.radio(key="ex-1-clear_question").set_value("yes").run()
    assert not at.exception, at.exception
    with engine.connect() as conn:
        mine = ex.values_of(conn, 1, "alice")
    # the first save kept the pre-filled values left as shown (the full reference)
    assert mine.pop("full_reference").startswith("Shahtalebi MA, Asghari GR, Rahmani F")
    assert mine == {"author": "Andre", "year_published": 2017, "country": "Norway",
                    "source_type": "Programme description", "model": "Both",
                    "aim": "Professional development", "clear_question": "yes"}
    assert "Your form for this source is complete." in texts(at)
    assert "You have charted 1 of 3" in texts(at)
    # a fresh page shows the saved values
    again = page(monkeypatch, "alice")
    again.selectbox(key="extract-record").select(1).run()
    assert again.text_input(key="ex-1-author").value == "Andre"
    assert again.selectbox(key="ex-1-country").value == "Norway"


def test_dual_disagreement_side_by_side_and_consensus(screened, monkeypatch):
    project, engine = screened
    form = ex.form_from_config(project.config)
    ex.set_values(engine, form, 1, {"author": "Andre", "country": "Norway"}, "alice")
    # bob has not charted yet: alice sees no partner values
    at = page(monkeypatch, "alice")
    at.selectbox(key="extract-record").select(1).run()
    assert "Disagreements are shown once two reviewers have charted this source." in texts(at)
    ex.set_values(engine, form, 1, {"author": "Andre", "country": "Sweden"}, "bob")
    # carol (lead) has not charted but may look; a reviewer who has not charted may not
    dave = page(monkeypatch, "dave")
    dave.selectbox(key="extract-record").select(1).run()
    assert "Chart this source yourself first" in texts(dave)
    at = page(monkeypatch, "carol", "lead")
    at.selectbox(key="extract-record").select(1).run()
    text = texts(at)
    assert "1 field(s) differ" in text
    assert "Norway" in text and "Sweden" in text
    at.selectbox(key="exc-1-country").select("Sweden").run()
    at.button(key="excb-1-country").click().run()
    assert not at.exception, at.exception
    with engine.connect() as conn:
        row = ex.final_table(conn, form, [1])[0]
    assert row.values["country"] == "Sweden"
    assert "No open disagreements on this source." in texts(at)


def test_no_included_sources_yet(project, monkeypatch):
    monkeypatch.setenv("REVIEW_PROJECT", str(project.root))
    at = page(monkeypatch, "alice")
    assert not at.exception
    assert "No sources are included at full text yet" in texts(at)


# ---- several reports of one study: the lead's "Report of study" select ----

def studies_now(engine) -> dict[int, int]:
    with engine.connect() as conn:
        return study_of(conn)


def test_lead_links_a_report_to_a_study(screened, monkeypatch):
    project, engine = screened
    at = page(monkeypatch, "carol", "lead")
    at.selectbox(key="extract-record").select(2).run()
    select = at.selectbox(key="study-2")
    assert select.label == "Report of study"
    # the other included sources, plus "its own study" (the current state)
    assert select.options == ["— its own study —", "#1 Shahtalebi 2018, Adv Biomed Res",
                              "#13 Scott 2019, Ann Fam Med"]
    assert select.value == 0
    select.select(1).run()
    assert not at.exception, at.exception
    assert not at.error
    assert studies_now(engine) == {2: 1}
    assert at.selectbox(key="study-2").value == 1
    assert "#2 Nikolis 2018, Int J Dermatol · report of study #1" in at.selectbox(key="extract-record").options
    with engine.connect() as conn:
        c = check_arithmetic(prisma_counts(conn))
    assert (c.new_studies, c.new_reports) == (c.new_reports - 1, 3)
    # back to its own study
    at.selectbox(key="study-2").select(0).run()
    assert not at.exception and not at.error
    assert studies_now(engine) == {}
    with engine.connect() as conn:
        c = check_arithmetic(prisma_counts(conn))
    assert c.new_studies == c.new_reports == 3


def test_everyone_sees_the_link_but_only_the_lead_the_select(screened, monkeypatch):
    project, engine = screened
    link_report(engine, 2, 1, by="carol")
    at = page(monkeypatch, "alice")
    at.selectbox(key="extract-record").select(2).run()
    assert not at.exception, at.exception
    assert [s for s in at.selectbox if s.key == "study-2"] == []
    assert "Report of study" not in [s.label for s in at.selectbox]
    assert "#2 Nikolis 2018, Int J Dermatol · report of study #1" in at.selectbox(key="extract-record").options
    assert "record \\#2 · report of study \\#1" in texts(at)  # the card's caption (Markdown-escaped)
    at.selectbox(key="extract-record").select(1).run()
    assert "report of study" not in texts(at)  # the study itself is not a report


def test_refused_link_shows_the_error_and_keeps_the_store(screened, monkeypatch):
    project, engine = screened
    link_report(engine, 1, 2, by="carol")  # 1 is a report of the study 2
    at = page(monkeypatch, "carol", "lead")
    at.selectbox(key="extract-record").select(2).run()
    at.selectbox(key="study-2").select(1).run()  # 2 as a report of 1: refused by review.studies
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "record 1 is already a report of the study record 2: record 2 cannot also be a report of it "
        "(unlink 1 first to make it the study)"]
    assert studies_now(engine) == {1: 2}
    assert at.selectbox(key="study-2").value == 0  # the select shows the store, not the refused choice


def test_record_text_beside_the_study_select_is_not_markup(screened, monkeypatch):
    project, engine = screened
    hostile = "<b>Evil</b>*x*, A"
    with engine.begin() as conn:
        data = dict(conn.execute(sa.select(records.c.data).where(records.c.id == 2)).scalar())
        data["authors"] = [hostile]
        conn.execute(sa.update(records).where(records.c.id == 2).values(data=data))
    link_report(engine, 2, 1, by="carol")
    at = page(monkeypatch, "carol", "lead")
    at.selectbox(key="extract-record").select(1).run()
    assert not at.exception, at.exception
    # select options are plain text: shown as stored, never rendered
    assert "#2 <b>Evil</b>*x* 2018, Int J Dermatol" in at.selectbox(key="study-1").options
    at.selectbox(key="extract-record").select(2).run()
    caption = next(c.value for c in at.caption if "record \\#2" in c.value)
    assert caption.startswith("\\<b\\>Evil\\</b\\>\\*x\\*, A")
    assert caption.endswith("record \\#2 · report of study \\#1")
    assert "<b>" not in "".join(str(m.value) for m in at.markdown)


def test_a_linked_report_excluded_later_is_flagged_on_the_page(screened, monkeypatch):
    from test_studies import exclude_at_full_text

    project, engine = screened
    link_report(engine, 2, 1, by="carol")
    at = page(monkeypatch, "alice")
    assert "linked stud" not in texts(at)
    exclude_at_full_text(engine, 2)
    at = page(monkeypatch, "carol", "lead")
    assert not at.exception, at.exception
    assert "1 linked study has records with different full-text decisions" in texts(at)
    detail = "\n".join(t.value for t in at.text)
    assert "study 1: its linked records have different full-text decisions" in detail
    assert "excluded at full text (Not medical students)" in detail
    assert "review studies unlink 2 --as NAME" in detail


def test_prefilled_values_are_overwritable_marked_and_blind(screened, monkeypatch):
    project, engine = screened
    at = page(monkeypatch, "alice")
    # alice overwrites the pre-filled author: her value, no longer marked as the record's
    at.text_input(key="ex-1-author").input("Shahtalebi").run()
    assert not at.exception, at.exception
    assert at.text_input(key="ex-1-author").label == "Author *"
    assert at.text_input(key="ex-1-year_published").label.endswith("· from the record")
    with engine.connect() as conn:
        mine = ex.values_of(conn, 1, "alice")
    assert (mine["author"], mine["year_published"]) == ("Shahtalebi", 2018)
    # bob's form shows the record's values, never alice's (dual extraction stays blind)
    bob = page(monkeypatch, "bob")
    assert bob.text_input(key="ex-1-author").value == "Shahtalebi et al."
    assert "Chart this source yourself first" not in texts(bob)
    with engine.connect() as conn:
        assert ex.values_of(conn, 1, "bob") == {}
    # a cleared pre-filled field stays cleared (it does not come back from the record)
    at.text_input(key="ex-1-year_published").input("").run()
    again = page(monkeypatch, "alice")
    assert again.text_input(key="ex-1-year_published").value == ""


def test_the_stored_pdf_is_shown_beside_the_form(screened, monkeypatch):
    from review import screening

    project, engine = screened
    at = page(monkeypatch, "alice")
    assert not [el for el in at.main if "pdf-view-" in str(getattr(el, "proto", ""))[:600]]
    screening.attach_pdf(engine, project.data_dir, 1, "Shahtalebi 2018.pdf", minimal_pdf(), by="alice")
    at = page(monkeypatch, "alice")
    assert not at.exception, at.exception
    # two columns: the form on the left, the PDF viewer on the right
    form_col, pdf_col = at.columns[-2:]
    assert "pdf-view-1" in str(pdf_col.proto) or any("pdf-view-1" in str(getattr(el, "proto", "")) for el in pdf_col)
    assert any(getattr(w, "key", None) == "ex-1-author" for w in form_col.text_input)
    assert "Full text" in texts(at)
