"""A pre-registered stopping rule end to end: review.yaml's screening.stop, the rule fixed at
the first vote, the lead ending title/abstract screening by it, PRISMA's automation box, the
PRISMA2020 CSV and the methods draft."""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml
from screening_helpers import make_records

from review.cli import main
from review.screening import ScreeningError, cast_vote, screening_settings
from review.store import open_store


def run(project, *argv):
    return main(["--project", str(project.root), *argv])


def write_config(project, stop):
    config = yaml.safe_load((project.root / "review.yaml").read_text(encoding="utf-8"))
    config.setdefault("screening", {})
    if stop is None:
        config["screening"].pop("stop", None)
    else:
        config["screening"]["stop"] = stop
    (project.root / "review.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def line_of(project, key):
    path = project.root / "review.yaml"
    return next(n for n, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if t.strip().startswith(key))


def votes_csv(tmp_path, name, rows):
    path = tmp_path / name
    lines = ["reviewer,record,stage,decision,reason,note"]
    lines += [f"{who},{9000001 + i},title_abstract,{decision},," for who, i, decision in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "stop, message",
    [
        ({"rule": "buscar", "recall": 1.5}, "screening.stop.recall must be a proportion"),
        ({"rule": "stop-after-100"}, "screening.stop.rule must be one of buscar"),
        ({"rule": "buscar", "recal": 0.9}, "screening.stop.recal is not a setting"),
        ("buscar", "screening.stop must be a mapping"),
    ],
)
def test_bad_stop_settings_name_the_line(project, capsys, stop, message):
    write_config(project, stop)
    assert run(project, "agreement") == 1
    key = "stop:" if isinstance(stop, str) else ("recal:" if "recal" in stop else "recall:" if "recall" in stop else "rule:")
    err = capsys.readouterr().err
    assert f"{project.root / 'review.yaml'}, line {line_of(project, key)}: {message}" in err


def test_settings_defaults():
    rule = screening_settings({"screening": {"stop": {"rule": "buscar"}}}).stop
    assert (rule.rule, rule.recall, rule.confidence) == ("buscar", 0.95, 0.95)
    assert screening_settings({}).stop is None


def test_pre_registered_stop_end_to_end(project, capsys, tmp_path):
    engine = open_store(project.database_url)
    ids = make_records(engine, 1000)
    engine.dispose()
    for name in ("alice", "bob"):
        run(project, "reviewers", "add", name)
    run(project, "reviewers", "add", "carol", "--role", "lead")
    # before any vote the rule may still change
    write_config(project, {"rule": "buscar", "recall": 0.9, "confidence": 0.9})
    write_config(project, {"rule": "buscar", "recall": 0.95, "confidence": 0.95})
    assert run(project, "agreement") == 0
    capsys.readouterr()

    # both reviewers screen the same 60 records, all relevant
    first = [(who, i, "include") for i in range(60) for who in ("alice", "bob")]
    assert run(project, "decisions", "import", str(votes_csv(tmp_path, "a.csv", first))) == 0
    capsys.readouterr()

    # the rule is registered now: changing it (or dropping it) is refused, naming the line
    write_config(project, {"rule": "buscar", "recall": 0.9, "confidence": 0.95})
    assert run(project, "agreement") == 1
    err = capsys.readouterr().err
    assert f"line {line_of(project, 'stop:')}: screening.stop is {{rule: buscar, recall: 0.9" in err
    assert "cannot change once votes exist" in err
    write_config(project, None)
    assert run(project, "screening", "estimate") == 1
    assert "pre-registered" in capsys.readouterr().err
    write_config(project, {"rule": "buscar", "recall": 0.95, "confidence": 0.95})

    # too early to stop: 6% screened
    assert run(project, "screening", "stop", "--as", "carol") == 1
    assert "fewer than 10% of the records screened" in capsys.readouterr().err

    # both go on: 100 relevant in all, then 700 irrelevant records; alice screens one more
    rest = [(who, i, "include" if i < 100 else "exclude") for i in range(60, 800) for who in ("alice", "bob")]
    rest.append(("alice", 800, "exclude"))
    assert run(project, "decisions", "import", str(votes_csv(tmp_path, "b.csv", rest))) == 0
    capsys.readouterr()

    assert run(project, "agreement", "--json") == 0
    ta = [a for a in json.loads(capsys.readouterr().out) if a["stage"] == "title_abstract"][0]
    alice = ta["stopping"]["alice"]
    assert (alice["screened"], alice["relevant"], alice["total"], alice["can_stop"]) == (801, 100, 1000, True)
    assert alice["p_value"] < 0.05 and ta["stopping"]["bob"]["screened"] == 800
    assert run(project, "agreement") == 0
    assert "If you stopped now, at least 95% of relevant records would have been found, with 95% confidence" in (
        capsys.readouterr().out
    )

    assert run(project, "screening", "stop", "--as", "alice") == 1
    assert "only a lead" in capsys.readouterr().err
    assert run(project, "screening", "stop", "--as", "carol", "--json") == 0
    stop = json.loads(capsys.readouterr().out)
    assert (stop["excluded"], stop["one_vote"], stop["total"]) == (199, 1, 1000)
    assert (stop["rule"], stop["recall"], stop["confidence"]) == ("buscar", 0.95, 0.95)
    assert sorted(e["reviewer"] for e in stop["estimates"]) == ["alice", "bob"]
    assert all(e["p_value"] < 0.05 for e in stop["estimates"])
    assert run(project, "screening", "stop", "--as", "carol") == 1
    assert "already ended" in capsys.readouterr().err

    engine = open_store(project.database_url)
    with pytest.raises(ScreeningError, match="stopping rule"):
        cast_vote(engine, "bob", ids[900], "title_abstract", "include")  # excluded unscreened
    cast_vote(engine, "bob", ids[800], "title_abstract", "exclude")  # one vote: still needs its second
    with engine.connect() as conn:
        events = conn.exec_driver_sql("select kind, actor from events where kind like 'screening.stop%'").all()
    engine.dispose()
    assert sorted(events) == [("screening.stop", "carol"), ("screening.stop_rule", "")]

    # PRISMA: 199 records marked ineligible by automation tools, 801 screened
    assert run(project, "prisma", "--draft", "--json") == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["excluded_automatic"] == 199 and counts["records_screened"] == 801
    out = tmp_path / "prisma.csv"
    assert run(project, "prisma", "--draft", "--csv", str(out)) == 0
    rows = {r["data"]: r for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))}
    assert rows["excluded_automatic"]["n"] == "199" and rows["records_screened"]["n"] == "801"
    capsys.readouterr()

    assert run(project, "report", "methods") == 0
    text = capsys.readouterr().out
    assert "A stopping rule was chosen before screening began" in text
    assert "tested only when 10%, 15%, ..., 95% of the records had been screened" in text
    assert "(Bonferroni)" in text
    assert "recall target of 95% and 95% confidence" in text
    assert "199 of 1,000 records were not screened" in text
