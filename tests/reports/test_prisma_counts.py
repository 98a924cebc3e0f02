"""PRISMA 2020 counts from hand-computed plain inputs, and the arithmetic check."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from review.reporting.prisma import (
    FlowInputs,
    PrismaArithmeticError,
    ScreeningUnfinishedError,
    awaiting_text,
    check_arithmetic,
    count_flow,
    prisma_text,
    to_r_csv,
)

TEMPLATE = Path(__file__).resolve().parent.parent / "data" / "reports" / "PRISMA.csv"


def hand_inputs(**changes) -> FlowInputs:
    """MEDLINE 6 + Embase 5 records, 2 duplicates -> 9 screened (ids 1-9).

    Title/abstract: 1-6 included, 7-9 excluded. Record 6 not retrieved. Full text: 1, 2
    included; 3, 4 excluded "Not medical students"; 5 excluded "Conference abstract only".
    Other methods: citation searching 3 + websites 1 = 4 records; 1 duplicates a database
    record -> 3 unique (20-22); 20, 21 included at title/abstract, 22 excluded; 21 not
    retrieved; 20 included at full text.
    """
    values = dict(
        databases={"MEDLINE": 6, "Embase": 5},
        other_sources={"citation-searching": 3, "websites": 1},
        duplicates_removed=2,
        other_removed=1,
        left_ids=list(range(1, 10)),
        other_ids=[20, 21, 22],
        ta_finals={1: "include", 2: "include", 3: "include", 4: "include", 5: "include",
                   6: "include", 7: "exclude", 8: "exclude", 9: "exclude",
                   20: "include", 21: "include", 22: "exclude"},
        not_retrieved={6: "paywalled", 21: "no library holds it"},
        ft_finals={1: ("include", ""), 2: ("include", ""), 3: ("exclude", "Not medical students"),
                   4: ("exclude", "Not medical students"), 5: ("exclude", "Conference abstract only"),
                   20: ("include", "")},
    )
    values.update(changes)
    return FlowInputs(**values)


def test_every_box_hand_computed():
    c = check_arithmetic(count_flow(hand_inputs()))
    assert c.database_specific_results == {"MEDLINE": 6, "Embase": 5}
    assert c.database_results == 11
    assert c.register_results == 0
    assert c.duplicates == 2
    assert c.records_screened == 9
    assert c.records_excluded == 3
    assert c.dbr_sought_reports == 6
    assert c.dbr_notretrieved_reports == 1
    assert c.dbr_assessed == 5
    assert c.dbr_excluded == {"Not medical students": 2, "Conference abstract only": 1}
    assert c.dbr_included == 2
    assert c.citations_results == 3
    assert c.website_results == 1
    assert c.organisation_results == 0
    assert c.other_results == 4
    assert c.other_removed == 1
    assert c.other_screened_excluded == 1
    assert c.other_sought_reports == 2
    assert c.other_notretrieved_reports == 1
    assert c.other_assessed == 1
    assert c.other_excluded == {}
    assert c.other_included == 1
    assert c.new_studies == 3
    assert c.new_reports == 3
    assert c.total_studies == 3


def test_worked_example_shape():
    """The worked example's published flow: 494 identified, 47 duplicates, 447 screened,
    366 excluded, 81 assessed, 20 included (61 excluded at full text)."""
    left = list(range(447))
    ta = {i: ("include" if i < 81 else "exclude") for i in left}
    ft = {i: (("include", "") if i < 20 else ("exclude", "Single specialty or interest")) for i in range(81)}
    c = check_arithmetic(count_flow(FlowInputs(
        databases={"MEDLINE": 83, "Embase": 411}, duplicates_removed=47, left_ids=left,
        ta_finals=ta, ft_finals=ft)))
    assert (c.database_results, c.duplicates, c.records_screened, c.records_excluded) == (494, 47, 447, 366)
    assert (c.dbr_sought_reports, c.dbr_assessed, sum(c.dbr_excluded.values()), c.new_studies) == (81, 81, 61, 20)
    assert not c.has_other_column


def test_pending_title_abstract_is_refused_naming_the_box():
    ta = dict(hand_inputs().ta_finals)
    del ta[9]  # an open conflict
    with pytest.raises(PrismaArithmeticError) as err:
        check_arithmetic(count_flow(hand_inputs(ta_finals=ta)))
    assert err.value.box == "Records excluded"
    assert "1 records have no final title/abstract decision" in str(err.value)
    assert "'Records screened' (9)" in str(err.value)
    # the refusal names what is unfinished and how to draw a draft
    assert isinstance(err.value, ScreeningUnfinishedError)
    assert "Screening is not finished (1 record awaiting a title/abstract decision)" in str(err.value)
    assert str(err.value).endswith("draw a draft with the counts so far: review prisma --draft")


def draft_inputs() -> FlowInputs:
    """hand_inputs with 9 (databases) and 22 (other methods) awaiting a title/abstract decision,
    5 (databases) and 20 (other methods) awaiting a full-text decision."""
    ta = {k: v for k, v in hand_inputs().ta_finals.items() if k not in (9, 22)}
    ft = {k: v for k, v in hand_inputs().ft_finals.items() if k not in (5, 20)}
    return hand_inputs(ta_finals=ta, ft_finals=ft)


def test_unfinished_screening_refusal_names_every_stage_left():
    with pytest.raises(ScreeningUnfinishedError) as err:
        check_arithmetic(count_flow(draft_inputs()))
    assert ("Screening is not finished (1 record awaiting a title/abstract decision, 1 report "
            "awaiting a full-text decision, 1 record from other methods awaiting a title/abstract "
            "decision, 1 report from other methods awaiting a full-text decision)") in str(err.value)
    assert "(and" not in str(err.value)  # the list says it all


def test_draft_adds_up_with_the_awaiting_boxes():
    c = check_arithmetic(count_flow(draft_inputs()), draft=True)
    assert c.is_draft
    assert c.awaiting() == {"records_pending": 1, "dbr_pending": 1,
                            "other_screening_pending": 1, "other_pending": 1}
    # screened = excluded + sought + awaiting; assessed = excluded + included + awaiting
    assert (c.records_screened, c.records_excluded, c.dbr_sought_reports, c.records_pending) == (9, 2, 6, 1)
    assert (c.dbr_assessed, sum(c.dbr_excluded.values()), c.dbr_included, c.dbr_pending) == (5, 2, 2, 1)
    assert (c.other_results, c.other_removed, c.other_screened_excluded, c.other_screening_pending,
            c.other_sought_reports) == (4, 1, 0, 1, 2)
    assert (c.other_assessed, c.other_included, c.other_pending) == (1, 0, 1)
    assert c.box_numbers()["records_pending"] == 1 and c.box_numbers()["other_pending"] == 1
    assert awaiting_text(c).startswith("1 record awaiting a title/abstract decision, 1 report awaiting")
    # a finished review is no draft, and a draft of it is the final figure
    final = check_arithmetic(count_flow(hand_inputs()), draft=True)
    assert not final.is_draft and final.awaiting() == {} and awaiting_text(final) == ""


def test_a_draft_must_still_add_up():
    c = count_flow(draft_inputs())
    c.records_excluded += 1  # one record counted twice
    with pytest.raises(PrismaArithmeticError) as err:
        check_arithmetic(c, draft=True)
    assert err.value.box == "Records excluded"
    assert ("'Records screened' (9) should equal 'Records excluded' (3) + 'Reports sought for "
            "retrieval' (6) + records awaiting a title/abstract decision (1)") in str(err.value)
    # without --draft it is not merely unfinished: no advice to draw a draft
    with pytest.raises(PrismaArithmeticError) as err:
        check_arithmetic(c)
    assert not isinstance(err.value, ScreeningUnfinishedError)
    assert "--draft" not in str(err.value)
    c = count_flow(draft_inputs())
    c.other_pending = 0
    with pytest.raises(PrismaArithmeticError) as err:
        check_arithmetic(c, draft=True)
    assert err.value.box == "Reports excluded (other methods)"


def test_draft_text_says_draft_and_lists_the_awaiting_boxes():
    text = prisma_text(check_arithmetic(count_flow(draft_inputs()), draft=True))
    lines = text.splitlines()
    assert lines[0].startswith("DRAFT, screening not finished: 1 record awaiting a title/abstract decision")
    assert lines[0].endswith("Not the final figure.")
    screening, other = text.split("\nScreening\n")[1].split("\nOther methods\n")
    assert "  Records awaiting a title/abstract decision: 1" in screening
    assert "  Reports awaiting a full-text decision: 1" in screening
    assert "  Records awaiting a title/abstract decision: 1" in other
    assert "  Reports awaiting a full-text decision: 1" in other
    final = prisma_text(check_arithmetic(count_flow(hand_inputs())))
    assert "DRAFT" not in final and "awaiting" not in final


def test_pending_full_text_is_refused():
    ft = dict(hand_inputs().ft_finals)
    del ft[5]
    with pytest.raises(PrismaArithmeticError) as err:
        check_arithmetic(count_flow(hand_inputs(ft_finals=ft)))
    assert err.value.box == "Reports excluded"
    assert "1 reports have no final full-text decision" in str(err.value)


def test_broken_duplicates_refused_with_numbers():
    c = count_flow(hand_inputs())
    c.duplicates = 3  # typed by hand, wrongly
    with pytest.raises(PrismaArithmeticError) as err:
        check_arithmetic(c)
    msg = str(err.value)
    assert err.value.box == "Records screened"
    assert "'Records screened' (9)" in msg and "(11)" in msg and "= 8" in msg


def test_broken_assessed_refused():
    c = count_flow(hand_inputs())
    c.dbr_assessed = 6
    with pytest.raises(PrismaArithmeticError, match="Reports assessed for eligibility"):
        check_arithmetic(c)


def test_broken_other_column_refused():
    c = count_flow(hand_inputs())
    c.other_removed = 0
    with pytest.raises(PrismaArithmeticError) as err:
        check_arithmetic(c)
    assert err.value.box == "Reports sought for retrieval (other methods)"


def test_empty_project_adds_up():
    c = check_arithmetic(count_flow(FlowInputs(databases={})))
    assert c.records_screened == 0 and c.new_studies == 0


def _read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_matches_r_template_column_for_column():
    text = to_r_csv(check_arithmetic(count_flow(hand_inputs())))
    with open(TEMPLATE, newline="", encoding="utf-8") as handle:
        template_header = next(csv.reader(handle))
    assert next(csv.reader(io.StringIO(text))) == template_header
    assert template_header == ["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"]
    ours = _read(text)
    with open(TEMPLATE, newline="", encoding="utf-8") as handle:
        theirs = list(csv.DictReader(handle))
    assert len(ours) == len(theirs)
    for mine, ref in zip(ours, theirs):
        for col in ("data", "node", "box", "description", "tooltips", "url"):
            assert mine[col] == ref[col], (ref["data"], col)
    n = {row["data"]: row["n"] for row in ours if row["data"] != "NA"}
    assert n["database_results"] == "11"
    assert n["database_specific_results"] == "MEDLINE, 6; Embase, 5"
    assert n["register_specific_results"] == "0"
    assert n["duplicates"] == "2"
    assert n["records_screened"] == "9"
    assert n["records_excluded"] == "3"
    assert n["dbr_sought_reports"] == "6"
    assert n["dbr_notretrieved_reports"] == "1"
    assert n["dbr_assessed"] == "5"
    assert n["dbr_excluded"] == "Not medical students, 2; Conference abstract only, 1"
    assert n["citations_results"] == "3"
    assert n["website_results"] == "1"
    assert n["other_sought_reports"] == "2"
    assert n["other_notretrieved_reports"] == "1"
    assert n["other_assessed"] == "1"
    assert n["other_excluded"] == "0"
    assert n["new_studies"] == "3"
    assert n["total_reports"] == "3"


def test_csv_reason_names_are_made_parseable():
    c = count_flow(hand_inputs(ft_finals={**hand_inputs().ft_finals, 5: ("exclude", "Wrong design; e.g. editorial, letter")}))
    n = {row["data"]: row["n"] for row in _read(to_r_csv(c))}
    # the R package splits on ';' then takes the text before the first ',' as the reason
    parts = n["dbr_excluded"].split("; ")
    assert parts[1] == "Wrong design / e.g. editorial - letter, 1"


def test_draft_csv_is_marked_in_the_box_texts_the_r_package_draws():
    text = to_r_csv(check_arithmetic(count_flow(draft_inputs()), draft=True))
    ours = _read(text)
    with open(TEMPLATE, newline="", encoding="utf-8") as handle:
        theirs = list(csv.DictReader(handle))
    assert [r["data"] for r in ours] == [r["data"] for r in theirs]  # still the template, row for row
    for mine, ref in zip(ours, theirs):
        for col in ("data", "node", "box", "description", "tooltips", "url"):
            assert mine[col] == ref[col], (ref["data"], col)
    boxtext = {(r["data"] if r["data"] != "NA" else r["box"]): r["boxtext"] for r in ours}
    assert boxtext["newstud"] == "DRAFT, screening not finished: Identification of new studies via databases and registers"
    assert boxtext["othstud"] == "DRAFT, screening not finished: Identification of new studies via other methods"
    assert boxtext["records_screened"] == "Records screened (DRAFT: 8 so far, 1 awaiting title/abstract decision)"
    assert boxtext["dbr_assessed"] == "Reports assessed for eligibility (DRAFT: 1 of them awaiting full-text decision)"
    assert boxtext["other_sought_reports"] == "Reports sought for retrieval (DRAFT: 1 more awaiting title/abstract decision)"
    assert boxtext["other_assessed"] == "Reports assessed for eligibility (DRAFT: 1 of them awaiting full-text decision)"
    n = {r["data"]: r["n"] for r in ours if r["data"] != "NA"}
    assert (n["records_screened"], n["records_excluded"], n["dbr_sought_reports"]) == ("9", "2", "6")
    assert "DRAFT" not in to_r_csv(check_arithmetic(count_flow(hand_inputs())))


def test_a_draft_before_anyone_screened_never_shows_them_as_screened():
    """379 records to screen, none decided: 'Records screened: 0 so far, 379 awaiting' in the
    text, the SVG and the R/Shiny CSV; the finished figure keeps the single total."""
    from review.reporting.diagram import render_svg
    from review.reporting.prisma import prisma_text, screened_text

    left = list(range(379))
    c = check_arithmetic(count_flow(FlowInputs(databases={"MEDLINE": 400}, duplicates_removed=21, left_ids=left)),
                         draft=True)
    assert (c.records_screened, c.records_screened_so_far, c.records_pending) == (379, 0, 379)
    assert screened_text(c) == "0 so far, 379 awaiting"
    text = prisma_text(c)
    assert "  Records screened: 0 so far, 379 awaiting\n" in text and "Records screened: 379" not in text
    from test_diagram import box_texts

    box = " ".join(box_texts(render_svg(c))["records_screened"].split())
    assert "Records screened so far (n = 0)" in box and "Records awaiting screening (n = 379)" in box
    assert "(n = 379)" not in box.replace("awaiting screening (n = 379)", "")
    boxtext = {r["data"]: r["boxtext"] for r in csv.DictReader(io.StringIO(to_r_csv(c)))}
    assert boxtext["records_screened"] == "Records screened (DRAFT: 0 so far, 379 awaiting title/abstract decision)"
    assert c.to_dict()["records_screened_so_far"] == 0
    done = check_arithmetic(count_flow(FlowInputs(databases={"MEDLINE": 400}, duplicates_removed=21, left_ids=left,
                                                  ta_finals={i: "exclude" for i in left})))
    assert screened_text(done) == "379" and "  Records screened: 379\n" in prisma_text(done)
