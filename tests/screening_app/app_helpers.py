"""Set up a screening project for the app tests and the browser test."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from review.project import Project
from review.records import Record
from review.store import add_import, add_records, open_store

DATA = Path(__file__).resolve().parent.parent / "data" / "screening_app"
HOSTILE_TITLE = '<script>alert("pwned")</script> Mentoring <b>medical students</b>'


def sample_records() -> list[Record]:
    """Seven real records (Nagtegaal 2019, CC0) and one with hostile markup in it."""
    out = []
    with open(DATA / "nagtegaal_mentoring.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.append(
                Record(  # the set gives title and abstract only; nothing else is made up
                    title=row["title"],
                    abstract=row["abstract"],
                    source_database="Nagtegaal 2019 screening set",
                    source_id=row["record_id"],
                )
            )
    out.append(
        Record(
            title=HOSTILE_TITLE,
            abstract='<img src=x onerror="alert(1)"> A residency mentoring [link](javascript:alert(2)).',
            authors=["<i>Mallory</i>, Eve"],
            year=2016,
            journal="J <script>Hostile</script>",
            source_database="Embase",
            subject_headings=["Mentors/*psychology", "<svg onload=alert(3)>"],
        )
    )
    return out


def seed_project(project: Project, *, pair: bool = False, order: str = "random") -> dict[str, str]:
    """Store the sample records, set the screening config; return reviewer -> token."""
    config = dict(project.config)
    config["reviewers"] = [
        {"name": "alice", "role": "reviewer"},
        {"name": "bob", "role": "reviewer"},
        {"name": "carol", "role": "lead"},
    ]
    config["screening"] = {
        "seed": 0,
        "conflict_resolution": "pair" if pair else "lead",
        "include_terms": ["mentor*", "medical student*"],
        "exclude_terms": ["residen*", "nurs*"],
        "order": order,
    }
    (project.root / "review.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    project.config = config

    import review.screening as rules

    engine = open_store(project.database_url)
    try:
        with engine.begin() as conn:
            import_id = add_import(conn, kind="file", database="MEDLINE", file_name="sample")
            add_records(conn, import_id, sample_records())
        return {name: rules.add_reviewer(engine, name, role) for name, role in
                (("alice", "reviewer"), ("bob", "reviewer"), ("carol", "lead"))}
    finally:
        engine.dispose()
