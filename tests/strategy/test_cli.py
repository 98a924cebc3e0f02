"""`review query render` and `review query translate`: stdout, stderr, exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from review.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "queries" / "mentoring-medical-students.yaml")


def test_render_ovid_medline(capsys):
    assert main(["query", "render", EXAMPLE, "--to", "ovid-medline"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == "1 exp Mentors/"
    assert out.splitlines()[-1] == '18 limit 17 to (english language and humans and yr="2008 -Current")'
    assert err == ""


def test_render_pubmed_warnings_on_stderr_exit_zero(capsys):
    assert main(["query", "render", EXAMPLE, "--to", "pubmed"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1 and out.startswith("((") and "english[la]" in out
    warnings = err.splitlines()
    assert len(warnings) == 8
    assert all(w.startswith("warning: ") and "mentoring-medical-students.yaml:" in w for w in warnings)
    assert sum(": broader: " in w for w in warnings) == 6 and sum(": different: " in w for w in warnings) == 2


def test_render_pubmed_lines_and_json(capsys):
    assert main(["query", "render", EXAMPLE, "--to", "pubmed", "--lines"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split(" ", 1)[0] for ln in lines] == ["1", "2", "3", "4", "5"]
    assert main(["query", "render", EXAMPLE, "--to", "ovid-embase", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["lines"][2] == {"number": 3, "line": "3", "query": "exp balint group/", "label": "Mentoring"}
    assert data["notes"] == ["block 'population': no Emtree heading given; free-text lines only"]
    assert main(["query", "render", EXAMPLE, "--to", "ebsco-cinahl", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["lines"][0]["line"] == "S1"


def test_render_summary(capsys):
    assert main(["query", "render", EXAMPLE, "--to", "summary"]) == 0
    assert "Combined: Mentoring AND Medical schools AND Medical students" in capsys.readouterr().out


def test_render_bad_yaml_exit_two(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nblocks:\n  - name: a\n    terms: []\n", encoding="utf-8")
    assert main(["query", "render", str(bad), "--to", "pubmed"]) == 2
    assert "bad.yaml, line 4: block 'a' is empty" in capsys.readouterr().err


def test_translate_file_to_pubmed_and_embase(tmp_path, capsys):
    src = tmp_path / "medline.txt"
    src.write_text("1 exp Mentors/ (9411)\n2 (physician adj3 apprenticeship).ti,ab.\n3 1 or 2\n", encoding="utf-8")
    assert main(["query", "translate", str(src), "--from", "ovid-medline", "--to", "pubmed"]) == 0
    out, err = capsys.readouterr()
    assert out == '"Mentors"[mh] OR "physician apprenticeship"[tiab:~2]\n' and err == ""
    assert main(["query", "translate", str(src), "--from", "ovid-medline", "--to", "ovid-embase", "--no-numbers"]) == 0
    assert capsys.readouterr().out.splitlines() == ["exp mentor/", "(physician adj3 apprenticeship).ti,ab.", "1 or 2"]


def test_translate_stdin(monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("mentor$.tw.\nmentee$1.tw.\n1 or 2\n"))
    assert main(["query", "translate", "-", "--from", "ovid-medline", "--to", "pubmed"]) == 0
    out, err = capsys.readouterr()
    assert out == "mentor*[tiab] OR mentee*[tiab]\n"
    assert err.startswith("warning: line 2 «mentee$1.tw.»: broader: ")


def test_translate_syntax_error_exit_two_with_line_column_and_text(tmp_path, capsys):
    src = tmp_path / "broken.txt"
    src.write_text("1 exp Mentors/\n2 ((mentor* adj3 program*).ti,ab.\n", encoding="utf-8")
    assert main(["query", "translate", str(src), "--from", "ovid-medline", "--to", "pubmed"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "line 2, column 3: a bracket is opened here and never closed" in err
    assert "2 ((mentor* adj3 program*).ti,ab." in err


def test_translate_unknown_database_is_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["query", "translate", "x", "--from", "scopus", "--to", "ovid-medline"])
    assert exc.value.code == 2
    assert "argument --from: invalid choice: 'scopus'" in capsys.readouterr().err


def test_render_without_file_uses_the_project_strategy(capsys):
    assert main(["--project", str(ROOT), "query", "render", "--to", "ovid-medline"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "1 exp Mentors/"


def test_translate_searched_date_bounds_current(tmp_path, capsys):
    src = tmp_path / "s.txt"
    src.write_text('a.ti.\nlimit 1 to yr="2008 -Current"\n', encoding="utf-8")
    assert main(["query", "translate", str(src), "--from", "ovid-medline", "--to", "pubmed", "--searched", "2018-01-31"]) == 0
    assert capsys.readouterr().out == 'a[ti] AND ("2008/01/01"[dp] : "2018/01/31"[dp])\n'


# --- PubMed in -----------------------------------------------------------------------------

PUBMED_HISTORY = """\
#1 "Mentors"[mh] OR mentor*[tiab] OR mentorship[ot]
#2 "Students, Medical"[mh] OR "medical student*"[tiab]
#3 #1 AND #2 AND ("2008/01/01"[dp] : "3000"[dp])
"""


def test_translate_pubmed_history_to_ovid_medline(tmp_path, capsys):
    src = tmp_path / "pubmed.txt"
    src.write_text(PUBMED_HISTORY, encoding="utf-8")
    assert main(["query", "translate", str(src), "--from", "pubmed", "--to", "ovid-medline"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "1 exp Mentors/ or mentor*.ti,ab. or mentorship.kw.",
        '2 exp Students, Medical/ or "medical student*".ti,ab.',
        "3 1 and 2",
        '4 limit 3 to yr="2008 -Current"',
    ]
    assert err.splitlines() == [
        'warning: line 1 «"Mentors"[mh] OR mentor*[tiab] OR mentorship[ot]»: different: [ot] searched as .kw.: '
        "PubMed [ot] (Other Term) holds author keywords; Ovid .kw. is the keyword heading (Ovid .ot. is the "
        "original title, not keywords)"]


def test_translate_pubmed_to_embase_no_numbers_json_and_back_to_pubmed(tmp_path, capsys):
    src = tmp_path / "pubmed.txt"
    src.write_text(PUBMED_HISTORY, encoding="utf-8")
    assert main(["query", "translate", str(src), "--from", "pubmed", "--to", "ovid-embase", "--no-numbers"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "exp mentor/ or mentor*.ti,ab. or mentorship.kw.",
        'exp medical student/ or "medical student*".ti,ab.',
        "1 and 2",
        'limit 3 to yr="2008 -Current"',
    ]
    assert main(["query", "translate", str(src), "--from", "pubmed", "--to", "pubmed", "--searched", "2018-01-31"]) == 0
    out, err = capsys.readouterr()
    assert out == ('(("Mentors"[mh] OR mentor*[tiab] OR mentorship[ot]) AND ("Students, Medical"[mh] OR '
                   '"medical student*"[tiab])) AND ("2008/01/01"[dp] : "2018/01/31"[dp])\n')
    assert "[ot] searched as .kw." in err
    assert main(["query", "translate", str(src), "--from", "pubmed", "--to", "pubmed", "--lines", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [ln["number"] for ln in data["lines"]] == [1, 2, 3, 4]
    assert data["lines"][2]["label"] == '#1 AND #2 AND ("2008/01/01"[dp] : "3000"[dp])'


def test_translate_pubmed_stdin_and_summary(monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO('"physician apprenticeship"[tiab:~2] AND english[la]\n'))
    assert main(["query", "translate", "-", "--from", "pubmed", "--to", "ovid-medline"]) == 0
    assert capsys.readouterr() == ("1 (physician adj3 apprenticeship).ti,ab. and english.lg.\n", "")
    monkeypatch.setattr("sys.stdin", io.StringIO("mentor*[tiab]\n"))
    assert main(["query", "translate", "-", "--from", "pubmed", "--to", "summary"]) == 0
    out = capsys.readouterr().out
    assert "Written for: PubMed." in out and '"mentor*" in title or abstract' in out


def test_translate_pubmed_syntax_error_exit_two_with_line_column_and_caret(tmp_path, capsys):
    src = tmp_path / "broken.txt"
    src.write_text('#1 "Mentors"[mh]\n#2 #1 AND (mentor*[tiab] OR tutor*[tiab]\n', encoding="utf-8")
    assert main(["query", "translate", str(src), "--from", "pubmed", "--to", "ovid-medline"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"review: syntax error: {src}: line 2, column 11: a bracket is opened here and never closed",
        "    #2 #1 AND (mentor*[tiab] OR tutor*[tiab]",
        "              ^",
    ]


def test_translate_cut_line_error_then_repair(tmp_path, capsys):
    path = tmp_path / "medline.txt"
    path.write_text("1 exp Mentors/\n2 mentorship.ti,ab.\nor mentee*.ti,ab.\n3 1 or 2\n", encoding="utf-8")
    assert main(["query", "translate", str(path), "--from", "ovid-medline", "--to", "ebsco-cinahl"]) == 2
    err = capsys.readouterr().err
    assert "line 3, column 1" in err and "2 mentorship.ti,ab. or mentee*.ti,ab." in err and "--repair" in err
    assert main(["query", "translate", str(path), "--from", "ovid-medline", "--to", "ebsco-cinahl", "--repair"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[1] == "S2 (TI mentorship OR AB mentorship) OR (TI mentee* OR AB mentee*)"
    assert out.splitlines()[2] == "S3 S1 OR S2"
    assert "check: joined lines 2 and 3" in err


def test_render_platform_lines_with_their_labels(capsys):
    assert main(["query", "render", EXAMPLE, "--to", "wos", "--lines"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "#1 TS=(Mentors)" and lines[-1] == "#18 #17 AND LA=(English) AND PY=(2008-2018)"
    assert main(["query", "render", EXAMPLE, "--to", "cochrane", "--no-numbers"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == '[mh "Mentors"]'
