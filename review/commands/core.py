"""``review init``, ``review import``, ``review status``."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from datetime import date
from pathlib import Path

from tqdm import tqdm

from review.commands.context import CommandError, actor, engine_of, project_of
from review.commands.spelling import add_as
from review.formats import FormatError
from review.importing import OTHER_SOURCES, AlreadyImportedError, import_file, status
from review.project import init_project


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init",
        help="make a new review project in DIR (blank, or --example for the worked example)",
        description="Make DIR a review project with an empty store. Blank by default: a "
        "review.yaml with a comment on every key, empty criteria to fill, JBI's charting form "
        "for a scoping review and a skeleton strategy (queries/strategy.yaml) with one example "
        "block. --example copies the worked example instead (its review.yaml, queries/ and the "
        "walkthrough's exports in data/walkthrough/). A folder that is a project already, or "
        "holds a file init would write, is refused and left as it is.",
    )
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--name", help="project name (default: the folder name)")
    p.add_argument("--example", action="store_true", help="copy the worked example (mentoring programmes for medical students) instead of a blank review")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "import",
        help="import export files (RIS, MEDLINE/nbib, PubMed XML, EndNote XML, CSV/TSV/XLSX)",
        description="Import one or more export files into the project's store. Each file is one "
        "transaction: it is stored whole or not at all. Re-importing the same file is refused "
        "unless --again. A file that cannot be read is reported and nothing of it is stored; "
        "the other files are still imported (exit status 1).",
    )
    p.add_argument("files", metavar="FILE", nargs="+")
    p.add_argument("--database", default="", metavar="NAME", help='the database searched, e.g. "MEDLINE", "Embase" -- not a reference manager or a format (EndNote, Zotero, RIS): name the database the records came from. Needed unless every record names its own (an Ovid multi-database export: each record keeps the database its Ovid link names; a record that says another database than --database is counted there, with a warning)')
    p.add_argument("--interface", default="", metavar="NAME", help='e.g. "Ovid", "PubMed", "Embase.com"')
    p.add_argument("--searched", default="", metavar="YYYY-MM-DD", help="the date the search was run")
    p.add_argument("--format", dest="fmt", default=None, metavar="FORMAT", help="ris, medline, pubmed-xml, endnote-xml or tabular (default: detected)")
    p.add_argument("--map", dest="mapping", action="append", default=[], metavar="FIELD=COLUMN", help="for CSV/TSV/XLSX: which column holds a field (repeatable), e.g. --map title=Article Title")
    p.add_argument("--again", action="store_true", help="import a file even if the same content was imported before")
    p.add_argument("--other-source", choices=OTHER_SOURCES, default=None, help="records found by other methods (PRISMA 2020 right-hand column)")
    p.add_argument("--strategy", metavar="FILE", default=None, help="the search strategy as run (text file), kept for the PRISMA-S log")
    p.add_argument("--replace", metavar="N", type=int, default=None, help="withdraw import N and import FILE in its place, in one transaction (N stays if FILE fails)")
    p.add_argument("--reason", default="", help="with --replace: why import N is replaced (kept in the event and the search log)")
    p.add_argument("--update-of", metavar="N", type=int, default=None,
                   help="FILE is an update of the search stored as import N (the same strategy run again "
                        "later): counted as an update of N in PRISMA, the search log and the methods draft; "
                        "records found by both runs are one record after review dedup")
    add_as(p, help="who imports, for the events (default: $REVIEW_USER or the login name)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("status", help="records per database and per import", description="Show what the store holds: imports, records per database, totals.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_status)


def cmd_init(args: argparse.Namespace) -> int:
    project = init_project(args.dir, name=args.name, example=args.example)
    from review.store import open_store

    open_store(project.database_url).dispose()
    kind = "a copy of the worked example" if args.example else "a blank review"
    print(f"initialised review project {project.name!r} in {project.root} ({kind})")
    print(f"  config:   {project.root / 'review.yaml'}")
    print(f"  strategy: {project.path(str(project.config.get('strategy', '')))}")
    print(f"  store:    {project.database_url}")
    if not args.example:
        print("  next: fill in title, question and criteria in review.yaml (each key is explained\n"
              "        above it) and your strategy, then in that folder:\n"
              f"        review query render {project.config.get('strategy')} --to ovid-medline")
    # the browser path: the lead's pages do every step (import, dedup, team, reports)
    print(f"  in the browser: review screen --project {shlex.quote(str(project.root))}\n"
          "        (the first start makes you the project's lead and prints your sign-in link)")
    return 0


def _parse_mapping(items: list[str]) -> dict[str, str] | None:
    mapping: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise CommandError(f"--map takes FIELD=COLUMN, not {item!r}")
        key, value = item.split("=", 1)
        mapping[key.strip()] = value.strip()
    return mapping or None


def _check_date(text: str) -> str:
    if not text:
        return ""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--searched takes YYYY-MM-DD, a real date, not {text!r}") from None
    return text


def _read_strategy(name: str) -> str:
    """The --strategy text file (any encoding the importers read), or a CommandError."""
    from review.commands.context import CommandError
    from review.formats import require_file
    from review.formats.text import read_text

    try:
        require_file(name)
        return read_text(name).text
    except FormatError as exc:
        raise CommandError(f"--strategy: {exc}") from exc


def cmd_import(args: argparse.Namespace) -> int:
    engine = engine_of(args)
    mapping = _parse_mapping(args.mapping)
    searched = _check_date(args.searched)
    strategy_text = _read_strategy(args.strategy) if args.strategy else ""
    if args.replace is not None and len(args.files) != 1:
        from review.commands.context import CommandError

        raise CommandError(f"--replace {args.replace} takes one FILE (the corrected export), "
                           f"not {len(args.files)}", 2)
    failures = 0
    for name in args.files:
        with tqdm(desc=Path(name).name, unit=" rec", disable=None, file=sys.stderr, leave=False) as bar:
            try:
                summary = import_file(
                    engine,
                    name,
                    database=args.database,
                    interface=args.interface,
                    searched=searched,
                    fmt=args.fmt,
                    mapping=mapping,
                    again=args.again,
                    other_source=args.other_source,
                    strategy_text=strategy_text,
                    progress=bar.update,
                    replace=args.replace,
                    replace_reason=args.reason,
                    update_of=args.update_of,
                    by=actor(args.by),
                )
            except (AlreadyImportedError, FormatError) as exc:  # nothing of it stored
                print(f"review: {exc}", file=sys.stderr)
                failures += 1
                continue
        report = summary.report
        dbs = ", ".join(f"{db} {n}" for db, n in sorted(summary.per_database.items()))
        print(
            f"{name}: {summary.records_stored} records imported as #{summary.import_id} "
            f"({report.format}, {report.encoding}){' — ' + dbs if dbs else ''}"
        )
        if args.update_of is not None:
            print(f"  an update of import #{args.update_of} (review dedup counts a record both runs found once)")
        if summary.replaced is not None:
            print(f"  import #{summary.replaced.import_id} ({summary.replaced.file_name or summary.replaced.database}) "
                  f"withdrawn in its place: its {summary.replaced.records} records count nowhere now")
        for skipped in report.skipped:
            where = f"line {skipped.line}" if skipped.line else f"record {skipped.position}"
            print(f"  skipped ({where}): {skipped.reason}", file=sys.stderr)
        for warning in report.warnings:
            print(f"  warning: {warning}", file=sys.stderr)
    if failures and len(args.files) > 1:
        rest = "the other files were imported" if failures < len(args.files) else "none was imported"
        print(f"review: {failures} of {len(args.files)} files not imported (nothing of them "
              f"was stored); {rest}", file=sys.stderr)
    return 1 if failures else 0


def cmd_status(args: argparse.Namespace) -> int:
    from review.dedup.state import dedup_due

    engine = engine_of(args)
    data = status(engine)
    data["project"] = project_of(args).name
    with engine.connect() as conn:
        data["dedup_due"] = dedup_due(conn)  # records stored after the last review dedup
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(f"Project: {data['project']}")
    totals = data["totals"]
    print(f"{totals['records']} records from {totals['imports']} imports ({totals['skipped']} skipped)"
          + (f"; {data['withdrawn_imports']} import(s) withdrawn" if data.get("withdrawn_imports") else ""))
    if data["records_by_database"]:
        print("\nRecords per database:")
        for db, n in data["records_by_database"].items():
            print(f"  {db:<30} {n:>7}")
    if data["imports"]:
        print("\nImports:")
        for row in data["imports"]:
            source = row["file_name"] or row["kind"]
            extra = f" [{row['other_source']}]" if row["other_source"] else ""
            if row.get("withdrawn"):
                w = row["withdrawn"]
                extra += f" [withdrawn {w['at'][:10]}" + (f", replaced by #{w['replaced_by']}" if w["replaced_by"] else "") + "]"
            print(f"  #{row['id']:<4} {row['database']:<20} {row['records']:>7}  {source}{extra}")
    if data["dedup_due"]:
        print("\nRecords were stored after the last deduplication: run review dedup before screening.")
    return 0
