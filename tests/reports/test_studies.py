"""Several included reports of one study: links, their rules, and PRISMA's studies vs reports.

The project is test_project_end_to_end's hand-computed one: included at full text are
records 1 and 2 (MEDLINE, left column) and 13 (citation searching, right column); record 7
(Embase) is a duplicate of 1; record 5 is excluded on title/abstract.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa

from review import screening
from review.reporting.diagram import render_svg
from review.reporting.prisma import PrismaArithmeticError, PrismaCounts, check_arithmetic, count_flow, csv_values, prisma_counts, to_r_csv
from review.store import list_events, open_store
from review.store.schema import study_links
from review.studies import (
    StudiesError,
    disagreeing_studies,
    disagreement_lines,
    link_disagreements,
    link_report,
    study_of,
    unlink_report,
)

from test_diagram import box_texts
from test_prisma_counts import hand_inputs
from test_project_end_to_end import build, run


@pytest.fixture
def included(store_engine, project, tmp_path):
    build(store_engine, project.config, tmp_path)
    return store_engine


def counts(engine):
    with engine.connect() as conn:
        return check_arithmetic(prisma_counts(conn))


def flat(text: str) -> str:
    return " ".join(text.split())


def test_two_reports_of_one_study_counted_once(included):
    result = link_report(included, 2, 1, by="carol")
    assert result == {"report": 2, "study": 1, "previous": None, "moved": [], "changed": True}
    with included.connect() as conn:
        assert study_of(conn) == {2: 1}
    c = counts(included)
    assert (c.new_studies, c.new_reports, c.total_studies, c.total_reports) == (2, 3, 2, 3)
    assert (c.dbr_included, c.other_included) == (2, 1)  # the columns still count reports
    values = csv_values(c)
    assert (values["new_studies"], values["new_reports"]) == ("2", "3")
    assert (values["total_studies"], values["total_reports"]) == ("2", "3")
    rows = {r["data"]: r for r in csv.DictReader(io.StringIO(to_r_csv(c)))}
    assert rows["new_studies"]["n"] == "2" and rows["new_reports"]["n"] == "3"
    assert rows["new_reports"]["boxtext"] == "Reports of new included studies"
    box = flat(box_texts(render_svg(c))["new_studies"])
    assert "Studies included in review (n = 2)" in box
    assert "Reports of included studies (n = 3)" in box


def test_link_across_columns_and_unlink(included):
    link_report(included, 13, 1, by="carol")
    assert (counts(included).new_studies, counts(included).new_reports) == (2, 3)
    assert unlink_report(included, 13, by="carol") == 1
    c = counts(included)
    assert (c.new_studies, c.new_reports) == (3, 3)
    with included.connect() as conn:
        assert study_of(conn) == {}
        history = conn.execute(sa.select(study_links).order_by(study_links.c.id)).mappings().all()
        events = [(e["kind"], e["payload"]["report"], e["payload"]["study"])
                  for e in list_events(conn) if e["kind"].startswith("study.")]
    assert len(history) == 1  # the unlink ended the row; nothing deleted
    assert (history[0]["current"], history[0]["ended_by"]) == (False, "carol")
    assert history[0]["ended_at"]
    assert events == [("study.link", 13, 1), ("study.unlink", 13, 1)]


def test_no_chains(included):
    link_report(included, 2, 1, by="carol")
    # 1 becomes a report of 13: its report 2 moves along, no chain 2 -> 1 -> 13
    result = link_report(included, 1, 13, by="carol")
    assert (result["study"], result["moved"]) == (13, [2])
    with included.connect() as conn:
        assert study_of(conn) == {1: 13, 2: 13}
    assert (counts(included).new_studies, counts(included).new_reports) == (1, 3)
    unlink_report(included, 1, by="carol")
    # 1 -> 2, but 2 is a report of 13: 1 becomes a report of 13
    assert link_report(included, 1, 2, by="carol")["study"] == 13
    with included.connect() as conn:
        assert study_of(conn) == {1: 13, 2: 13}
        moved = [e["payload"]["moved"] for e in list_events(conn, "study.link")]
    assert moved == [[], [2], []]


def test_relink_ends_the_old_link_and_repeat_is_a_no_op(included):
    link_report(included, 2, 1, by="carol")
    assert link_report(included, 2, 1, by="carol")["changed"] is False
    result = link_report(included, 2, 13, by="dave")
    assert (result["previous"], result["study"]) == (1, 13)
    with included.connect() as conn:
        rows = conn.execute(sa.select(study_links.c.study_id, study_links.c.current, study_links.c.ended_by)
                            .order_by(study_links.c.id)).all()
    assert [tuple(r) for r in rows] == [(1, False, "dave"), (13, True, None)]


@pytest.mark.parametrize(
    ("report", "study", "message"),
    [
        (1, 1, "record 1 cannot be a report of itself"),
        (5, 1, "record 5 (the report) is not included at full text"),
        (2, 3, "record 3 (the study) is not included at full text"),
        (7, 2, "record 7 (the report) is a duplicate of record 1; link record 1 instead"),
        (2, 999, "no record with id 999 (the study)"),
    ],
)
def test_rules_refused_with_a_clear_message(included, report, study, message):
    with pytest.raises(StudiesError, match=message.replace("(", r"\(").replace(")", r"\)")):
        link_report(included, report, study, by="carol")
    with included.connect() as conn:
        assert study_of(conn) == {}


def test_reverse_link_and_unlink_errors(included):
    link_report(included, 2, 1, by="carol")
    with pytest.raises(StudiesError, match="record 2 is already a report of the study record 1"):
        link_report(included, 1, 2, by="carol")
    with pytest.raises(StudiesError, match="record 1 is not linked to a study"):
        unlink_report(included, 1, by="carol")
    with pytest.raises(StudiesError, match="--as NAME"):
        link_report(included, 13, 1, by=" ")
    with included.connect() as conn:
        assert study_of(conn) == {2: 1}


def test_count_flow_groups_reports_by_study():
    # hand inputs: 1, 2 included (databases), 20 included (citation searching)
    c = check_arithmetic(count_flow(hand_inputs(study_of={2: 1, 20: 1})))
    assert (c.new_studies, c.new_reports) == (1, 3)
    # a link of a report that is not included changes nothing
    c = check_arithmetic(count_flow(hand_inputs(study_of={5: 1})))
    assert (c.new_studies, c.new_reports) == (3, 3)


def test_more_studies_than_reports_is_refused():
    c = check_arithmetic(count_flow(hand_inputs()))
    c.included_studies = 4
    with pytest.raises(PrismaArithmeticError) as err:
        check_arithmetic(c)
    assert err.value.box == "Studies included in review"
    assert PrismaCounts().new_studies == 0  # no links, no reports


def test_cli_link_list_unlink(built_project, capsys, tmp_path):
    p = built_project
    assert run(p, "studies", "list") == 0
    assert "every included record is its own study" in capsys.readouterr().out
    assert run(p, "studies", "link", "2", "--to", "pmid:29657938", "--as", "carol") == 0
    assert "record 2 is now a report of study 1" in capsys.readouterr().out
    assert run(p, "studies", "list", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert [(s["study"], [r["record"] for r in s["reports"]], s["reports"][0]["by"]) for s in data] == [(1, [2], "carol")]
    # the Embase duplicate of record 1 names record 1
    assert run(p, "studies", "link", "13", "--to", "7", "--as", "carol") == 0
    assert "record 13 is now a report of study 1" in capsys.readouterr().out
    assert run(p, "studies", "list") == 0
    out = capsys.readouterr().out
    assert out.startswith("study 1: ") and "  report 2: " in out and "  report 13: " in out
    assert run(p, "prisma", "--json") == 0
    c = json.loads(capsys.readouterr().out)
    assert (c["new_studies"], c["new_reports"], c["total_studies"], c["total_reports"]) == (1, 3, 1, 3)
    assert run(p, "studies", "unlink", "13", "--as", "carol") == 0
    assert "record 13 is no longer a report of study 1" in capsys.readouterr().out
    assert run(p, "studies", "link", "5", "--to", "1", "--as", "carol") == 1
    assert "review: record 5 (the report) is not included at full text" in capsys.readouterr().err
    assert run(p, "studies", "unlink", "13", "--as", "carol") == 1
    assert "record 13 is not linked to a study" in capsys.readouterr().err
    assert run(p, "studies", "link", "pmid:1", "--to", "1", "--as", "carol") == 1
    assert "review: no record with pmid 1" in capsys.readouterr().err


def test_cli_methods_and_charting_table_name_the_study(built_project, capsys):
    p = built_project
    assert run(p, "studies", "link", "2", "--to", "1", "--as", "carol") == 0
    capsys.readouterr()
    assert run(p, "report", "methods") == 0
    text = capsys.readouterr().out
    assert "3 reports of 2 studies were included" in text, text
    assert run(p, "export", "extraction", "--format", "csv") == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["Record"] for r in table] == ["1", "2", "13"]  # one row per report
    study = {r["Record"]: r["Study"] for r in table}
    assert study["1"] == "" and study["13"] == ""
    assert study["2"].startswith("1: ") and study["2"] == f"1: {table[0]['Source']}"


# ---------------------------------------------------------------------------------------
# A decision changed after linking: the check


def exclude_at_full_text(engine, record_id: int, reason: str = "Not medical students") -> None:
    """Both reviewers change their full-text vote on an included record to an exclusion."""
    for reviewer in ("alice", "bob"):
        screening.cast_vote(engine, reviewer, record_id, "full_text", "exclude", reason)


def test_disagreeing_studies_rule():
    mapping = {2: 1, 3: 1, 5: 4, 7: 6, 9: 8}
    # study 1: all included; 4: its report out; 6: nothing included; 8: the study record out
    assert disagreeing_studies(mapping, {1, 2, 3, 4, 9}) == {4: [4, 5], 8: [8, 9]}
    assert disagreeing_studies({}, {1}) == {}


def test_check_finds_a_report_excluded_after_linking(included):
    link_report(included, 2, 1, by="carol")
    link_report(included, 13, 1, by="carol")
    with included.connect() as conn:
        assert link_disagreements(conn) == []
    exclude_at_full_text(included, 2)
    with included.connect() as conn:
        found = link_disagreements(conn)
    assert [d.study_id for d in found] == [1]
    records = [(r.record_id, r.role, r.included, r.decision) for r in found[0].records]
    assert records == [(1, "study", True, "included at full text"),
                       (2, "report", False, "excluded at full text (Not medical students)"),
                       (13, "report", True, "included at full text")]
    assert found[0].records[1].pmid == "29152718" and found[0].records[1].title
    assert found[0].fixes() == [
        "review studies unlink 2 --as NAME (record 2 is then no longer a report of study 1), or, "
        "if record 2 belongs in the review, change (or finish) its full-text decision"]
    # the counts are still right (the excluded report is not counted); the link is what is stale
    assert (counts(included).new_studies, counts(included).new_reports) == (1, 2)
    # and they carry the warning, so every report drawn from them can give it (not a box)
    assert counts(included).study_link_warnings == [disagreement_lines(found[0])]
    assert "study_link_warnings" not in counts(included).to_dict()
    unlink_report(included, 2, by="carol")  # the fix
    with included.connect() as conn:
        assert link_disagreements(conn) == []


def test_check_finds_the_study_record_excluded_while_its_reports_are_included(included):
    link_report(included, 2, 1, by="carol")
    link_report(included, 13, 1, by="carol")
    exclude_at_full_text(included, 1, "Conference abstract only")
    with included.connect() as conn:
        (found,) = link_disagreements(conn)
    lines = disagreement_lines(found)
    assert lines[0] == "study 1: its linked records have different full-text decisions"
    assert lines[1].startswith("  study record 1, PMID 29657938, \"")
    assert lines[1].endswith(": excluded at full text (Conference abstract only)")
    assert lines[2].startswith("  report 2, PMID 29152718, ") and lines[2].endswith(": included at full text")
    assert lines[-1] == (
        "  fix: make an included report the study: review studies unlink 2 --as NAME, then review "
        "studies link 13 --to 2 --as NAME; or, if record 1 belongs in the review, change (or finish) "
        "its full-text decision")
    # following the fix leaves one study of two reports, both included
    unlink_report(included, 2, by="carol")
    link_report(included, 13, 2, by="carol")
    with included.connect() as conn:
        assert link_disagreements(conn) == [] and study_of(conn) == {13: 2}
    assert (counts(included).new_studies, counts(included).new_reports) == (1, 2)


def test_cli_check_exit_status_and_warnings(built_project, capsys):
    p = built_project
    assert run(p, "studies", "check") == 0
    assert "nothing to check" in capsys.readouterr().out
    assert run(p, "studies", "link", "2", "--to", "1", "--as", "carol") == 0
    capsys.readouterr()
    assert run(p, "studies", "check") == 0
    assert "the linked records of every study agree: all included at full text, or none (1 link checked)" in capsys.readouterr().out
    engine = open_store(p.database_url)
    exclude_at_full_text(engine, 2)
    engine.dispose()
    assert run(p, "studies", "check") == 1
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert out[0] == "study 1: its linked records have different full-text decisions"
    assert out[1].startswith("  study record 1, PMID 29657938, ") and out[1].endswith(": included at full text")
    assert out[2].startswith("  report 2, PMID 29152718, ")
    assert out[2].endswith(": excluded at full text (Not medical students)")
    assert out[3].startswith("  fix: review studies unlink 2 --as NAME")
    assert "review: 1 linked study has records with different full-text decisions" in captured.err
    assert run(p, "studies", "check", "--json") == 1
    data = json.loads(capsys.readouterr().out)
    assert [(r["record"], r["role"], r["included"]) for r in data[0]["records"]] == [(1, "study", True), (2, "report", False)]
    assert data[0]["records"][1]["pmid"] == "29152718" and data[0]["fixes"]
    # the reports that count studies warn with the same lines on stderr (and still work)
    warning = ["warning: study 1: its linked records have different full-text decisions (review studies check)", *out[1:]]
    for command in (("prisma",), ("prisma", "--json"), ("report", "methods"),
                    ("export", "extraction", "--format", "csv"), ("studies", "list")):
        assert run(p, *command) == 0, command
        err = capsys.readouterr().err.splitlines()
        assert err[:len(warning)] == warning, command
    # the fix clears it
    assert run(p, "studies", "unlink", "2", "--as", "carol") == 0
    capsys.readouterr()
    assert run(p, "studies", "check") == 0
    assert run(p, "prisma") == 0
    assert "warning" not in capsys.readouterr().err
