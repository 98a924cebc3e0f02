"""Extraction forms from config, value validation, dual extraction and consensus."""

from __future__ import annotations

import pytest

from review import extraction as ex
from review.records import Record
from review.store import add_import, add_records


def test_default_form_is_the_worked_example():
    form = ex.form_from_config({})
    ids = [f.id for f in form.fields]
    for column in ("author", "year_published", "university", "country", "year_established",
                   "aim", "model", "mentees", "mentors", "evaluation_method", "effect_mentees",
                   "effect_mentors", "study_design", "grade", "clear_question", "strengths",
                   "weaknesses", "conclusion", "data_collection_years", "full_reference"):
        assert column in ids
    assert form.mode == "dual"
    assert [s.name for s in form.sections] == ["Source", "Programme", "Evaluation", "Appraisal"]
    assert form.field("clear_question").options == ("yes", "no", "unclear")
    assert form.field("model").options == ("One-to-one", "Group", "Both")
    assert {f.type for f in form.fields} >= {"short_text", "long_text", "year", "single_choice", "checklist", "country"}


def test_project_config_has_the_extraction_section(project):
    form = ex.form_from_config(project.config)
    assert "extraction" in project.config
    assert form.field("author").required


CUSTOM = {"extraction": {"mode": "single", "sections": [{"name": "S", "fields": [
    {"id": "n", "type": "number"},
    {"id": "y", "type": "year", "required": True},
    {"id": "c", "type": "single_choice", "options": ["A", "B"]},
    {"id": "m", "type": "multiple_choice", "options": ["x", "y", "z"]},
    {"id": "k", "type": "checklist", "label": "Clear?"},
    {"id": "country", "type": "country"},
    {"id": "t", "type": "short_text", "help": "anything"},
    {"id": "l", "type": "long_text"},
]}]}}


@pytest.mark.parametrize(
    "fid,raw,expected",
    [
        ("n", "1,200", 1200), ("n", "2.5", 2.5), ("y", " 2016 ", 2016), ("c", "b", "B"),
        ("m", "z; x", ["x", "z"]), ("m", ["y"], ["y"]), ("k", "Y", "yes"), ("k", "unclear", "unclear"),
        ("country", "norway", "Norway"), ("country", "USA", "United States"), ("country", "UK", "United Kingdom"),
        ("country", "BR", "Brazil"), ("t", "  two   words ", "two words"), ("l", "line 1\nline 2", "line 1\nline 2"),
        ("t", "", None), ("m", [], None),
    ],
)
def test_values_are_normalised(fid, raw, expected):
    form = ex.form_from_config(CUSTOM)
    assert ex.normalise_value(form.field(fid), raw) == expected


@pytest.mark.parametrize(
    "fid,raw,message",
    [
        ("n", "many", "field 'n' (N): 'many' is not a number"),
        ("y", "20x8", "field 'y' (Y): '20x8' is not a year"),
        ("c", "C", "field 'c' (C): 'C' is not one of the options (A, B)"),
        ("m", "x; w", "field 'm' (M): 'w' is not one of the options (x, y, z)"),
        ("k", "maybe", "field 'k' (Clear?): 'maybe' is not one of yes, no, unclear"),
        ("country", "Atlantis", "field 'country' (Country): 'Atlantis' is not a country"),
    ],
)
def test_bad_values_name_the_field(fid, raw, message):
    form = ex.form_from_config(CUSTOM)
    with pytest.raises(ex.ExtractionError) as err:
        ex.normalise_value(form.field(fid), raw)
    assert str(err.value).startswith(message)


@pytest.mark.parametrize(
    "section,message",
    [
        ({"mode": "triple", "sections": [{"name": "S", "fields": [{"id": "a"}]}]}, "extraction.mode must be single or dual"),
        ({"sections": [{"name": "S", "fields": [{"id": "a", "type": "text"}]}]}, "extraction.sections[0].fields[0] (a): unknown type 'text'"),
        ({"sections": [{"name": "S", "fields": [{"id": "a", "type": "single_choice"}]}]}, "needs options"),
        ({"sections": [{"name": "S", "fields": [{"id": "a"}, {"id": "a"}]}]}, "extraction.sections[0].fields[1]: field id 'a' is used twice"),
        ({"sections": [{"name": "S"}]}, "extraction.sections[0]: a section needs"),
    ],
)
def test_bad_form_config_names_the_position(section, message):
    with pytest.raises(ex.ExtractionError) as err:
        ex.form_from_config({"extraction": section})
    assert message in str(err.value)


def test_unknown_field_is_named():
    form = ex.form_from_config(CUSTOM)
    with pytest.raises(ex.ExtractionError, match="no field 'nope' in the extraction form"):
        form.field("nope")


def test_field_state_rules():
    st = ex.field_state
    assert st("dual", "f", {"a": "X", "b": "x "}, (False, None)).status == "agreed"
    assert st("dual", "f", {"a": "X", "b": "Y"}, (False, None)).status == "disagreement"
    assert st("dual", "f", {"a": "X"}, (False, None)).status == "pending"
    assert st("dual", "f", {"a": "X"}, (False, None), ["a", "b"]).status == "disagreement"
    s = st("dual", "f", {"a": "X", "b": "Y"}, (True, "Z"))
    assert (s.status, s.final) == ("consensus", "Z")
    s = st("single", "f", {"b": "old", "a": "new"}, (False, None), ["b", "a"])
    assert (s.status, s.final) == ("single", "new")
    assert st("dual", "f", {}, (False, None)).status == "empty"


@pytest.fixture
def three_records(store_engine):
    with store_engine.begin() as conn:
        iid = add_import(conn, kind="file", database="MEDLINE")
        add_records(conn, iid, [
            Record(title="Mentoring A", authors=["Andre, C."], year=2017, journal="BMC Res Notes"),
            Record(title="Mentoring B", authors=["Varma, J."], year=2016, journal="Natl Med J India"),
            Record(title="Mentoring C", authors=["Kalen, S."], year=2012),
        ])
    return store_engine


def test_blinding_rule_of_dual_extraction():
    # a reviewer sees the other extractor's values once they have stored their own; a lead always
    assert not ex.may_see_others({}, role="reviewer")
    assert ex.may_see_others({"author": "Smith"}, role="reviewer")
    assert ex.may_see_others({}, role="lead")


def test_dual_extraction_disagreement_and_consensus(three_records):
    engine = three_records
    form = ex.form_from_config({})
    ids = [1, 2]
    kw = dict(require_included=False)
    ex.set_values(engine, form, 1, {"author": "Andre", "year_published": "2017", "country": "Norway",
                                     "model": "both", "source_type": "Programme description", "aim": "Support"}, "alice", **kw)
    ex.set_values(engine, form, 1, {"author": "Andre", "year_published": "2017", "country": "Sweden",
                                     "model": "Both", "source_type": "Programme description", "aim": "support "}, "bob", **kw)
    ex.set_value(engine, form, 2, "author", "Varma", "alice", **kw)
    with engine.connect() as conn:
        open_ = ex.disagreements(conn, form, ids)
        assert [(d.record_id, d.field) for d in open_] == [(1, "country")]
        assert open_[0].by_reviewer == {"alice": "Norway", "bob": "Sweden"}
        rows = ex.final_table(conn, form, ids)
        assert rows[0].values["author"] == "Andre"
        assert rows[0].values["aim"] == "Support"  # agreed up to spacing and case
        assert rows[0].values["country"] is None
        assert "country" in rows[0].open_fields
        assert rows[1].open_fields == ["author"]  # only alice so far: pending
        assert ex.progress(conn, form, "alice", ids).open_disagreements == 1
    ex.set_consensus(engine, form, 1, "country", "norway", by="carol", note="checked the paper", **kw)
    with engine.connect() as conn:
        assert ex.disagreements(conn, form, ids) == []
        row = ex.final_table(conn, form, ids)[0]
        assert row.values["country"] == "Norway"
        assert row.open_fields == []
        assert row.missing_required == []
        p = ex.progress(conn, form, "alice", ids)
        assert (p.total, p.mine_complete, p.finished) == (2, 1, 1)
        assert ex.values_of(conn, 1, "bob")["country"] == "Sweden"  # reviewer values are kept
        assert ex.extractors(conn) == ["alice", "bob"]


def test_a_field_one_reviewer_left_empty_is_a_disagreement(three_records):
    engine = three_records
    form = ex.form_from_config({})
    ex.set_values(engine, form, 1, {"author": "Andre", "university": "Tromsø"}, "alice", require_included=False)
    ex.set_values(engine, form, 1, {"author": "Andre"}, "bob", require_included=False)
    with engine.connect() as conn:
        assert [(d.field, d.by_reviewer) for d in ex.disagreements(conn, form, [1])] == [
            ("university", {"alice": "Tromsø", "bob": None})]


def test_invalid_batch_stores_nothing_and_unchanged_values_store_no_row(three_records):
    engine = three_records
    form = ex.form_from_config({})
    with pytest.raises(ex.ExtractionError, match="year_published"):
        ex.set_values(engine, form, 1, {"author": "Andre", "year_published": "n.d."}, "alice", require_included=False)
    with engine.connect() as conn:
        assert ex.values_of(conn, 1, "alice") == {}
    ex.set_value(engine, form, 1, "author", "Andre", "alice", require_included=False)
    ex.set_value(engine, form, 1, "author", "Andre", "alice", require_included=False)
    ex.set_value(engine, form, 1, "author", "", "alice", require_included=False)  # cleared
    import sqlalchemy as sa
    from review.store.schema import extraction_values
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(extraction_values)).scalar() == 2
        assert ex.values_of(conn, 1, "alice") == {}


def test_unknown_record_refused(three_records):
    form = ex.form_from_config({})
    with pytest.raises(ex.ExtractionError, match="no record with id 99"):
        ex.set_value(three_records, form, 99, "author", "X", "alice", require_included=False)


PREFILL_FORM = {"mode": "dual", "sections": [{"name": "Source", "fields": [
    {"id": "author", "type": "short_text"},
    {"id": "yr", "type": "year", "prefill": "year"},
    {"id": "paper_title", "type": "long_text", "prefill": "title"},
    {"id": "journal", "type": "short_text"},
    {"id": "doi", "type": "short_text", "prefill": "none"},
    {"id": "full_reference", "type": "long_text"},
    {"id": "sample_size", "type": "number", "prefill": "year"},
]}]}
PAPER = Record(
    title="Peer mentoring for medical students.", authors=["Smith, John A.", "Jones, B", "O'Neil, Mary-Kate"],
    year=2016, journal="Medical Education", journal_abbrev="Med Educ", volume="50", issue="3",
    start_page="300", end_page="308", doi="10.1111/medu.12345",
)


def test_prefill_from_the_record_by_field_id_or_prefill_key():
    form = ex.form_from_config({"extraction": PREFILL_FORM})
    assert {f.id: f.prefill for f in form.fields} == {
        "author": "first_author", "yr": "year", "paper_title": "title", "journal": "journal",
        "doi": "", "full_reference": "reference", "sample_size": "year"}
    assert ex.prefill_values(form, PAPER) == {
        "author": "Smith et al.", "yr": 2016, "paper_title": "Peer mentoring for medical students.",
        "journal": "Medical Education", "sample_size": 2016,
        "full_reference": "Smith JA, Jones B, O'Neil MK. Peer mentoring for medical students. Med Educ. "
                          "2016;50(3):300-308. doi:10.1111/medu.12345",
    }
    # a record without those fields pre-fills nothing; a value the field refuses is left out
    assert ex.prefill_values(form, Record(title="")) == {}
    year_text = ex.form_from_config({"extraction": {"sections": [{"name": "S", "fields": [
        {"id": "when", "type": "single_choice", "options": ["early", "late"], "prefill": "year"}]}]}})
    assert ex.prefill_values(year_text, PAPER) == {}


def test_vancouver_reference_lists_six_authors_then_et_al():
    many = Record(title="T", authors=[f"Author{i}, A" for i in range(8)], year=2020, journal="J")
    assert ex.vancouver_reference(many) == "Author0 A, Author1 A, Author2 A, Author3 A, Author4 A, Author5 A, et al. T. J. 2020."
    assert ex.first_author(Record(authors=["Solo, H"])) == "Solo"


def test_unknown_prefill_names_its_place():
    bad = {"extraction": {"sections": [{"name": "S", "fields": [{"id": "x", "prefill": "abstract"}]}]}}
    with pytest.raises(ex.ExtractionError, match=r"extraction.sections\[0\].fields\[0\] \(x\): unknown prefill 'abstract'"):
        ex.form_from_config(bad)


def test_save_field_stores_the_prefill_left_as_shown_once(store_engine):
    engine = store_engine
    with engine.begin() as conn:
        import_id = add_import(conn, kind="file", database="MEDLINE", file_name="x")
        add_records(conn, import_id, [PAPER])
    rid = 1
    form = ex.form_from_config({"extraction": PREFILL_FORM})
    with engine.connect() as conn:
        shown = ex.form_values(conn, form, rid, "alice")
    assert shown.values["author"] == "Smith et al." and "author" in shown.prefilled
    ex.save_field(engine, form, rid, "journal", "Med Educ", "alice", require_included=False)
    with engine.connect() as conn:
        mine = ex.values_of(conn, rid, "alice")
        shown = ex.form_values(conn, form, rid, "alice")
        assert ex.values_of(conn, rid, "bob") == {}
    assert mine["journal"] == "Med Educ" and mine["author"] == "Smith et al." and mine["yr"] == 2016
    assert "journal" not in shown.prefilled and "author" in shown.prefilled
