"""The records library and labels from the command line: ``review records list`` (the lead's
view of every record: databases, duplicates, imports, each stage's status, labels) and
``review labels add|remove|list|export``. The app's Records library page is the same library
(``review.screening.library``, ``review.screening.labels``)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from review.commands.context import engine_of, output_file, write_or_print
from review.screening import STAGES, resolve_record
from review.screening.labels import add_label, labels_csv, labels_on, list_labels, remove_label
from review.screening.library import STATUSES, LibraryFilters, library_csv, records_library


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "records",
        help="the records library (lead): every record with databases, duplicates, imports, decisions, labels",
        description="Every record left after deduplication with its source databases, duplicate "
        "cluster, imports, each stage's status (include/exclude with the reason, conflict, pending, "
        "not_retrieved) and its labels. Only a lead may list it.",
    )
    rsub = p.add_subparsers(dest="records_command", metavar="ACTION")
    rsub.required = True
    q = rsub.add_parser("list", help="list (or write as CSV) the records matching the filters")
    q.add_argument("--as", dest="who", metavar="LEAD", required=True, help="the lead's name")
    q.add_argument("--stage", choices=STAGES, default=None,
                   help="the stage --decision and --reason look at (default: either)")
    q.add_argument("--decision", choices=STATUSES, default=None)
    q.add_argument("--reason", default=None, help="an exclusion reason (exact text, any case)")
    q.add_argument("--database", default=None, help="a source database of the record or one of its duplicates")
    q.add_argument("--import", dest="import_id", type=int, metavar="N", default=None,
                   help="import N brought the record or one of its duplicates (see 'review status')")
    q.add_argument("--label", default=None, help="a label on the record (any reviewer's)")
    q.add_argument("--search", metavar="TEXT", default=None,
                   help="words in the title (any case); a PMID, DOI or record id matches exactly")
    q.add_argument("--limit", type=int, default=50, help="records per page (default 50)")
    q.add_argument("--offset", type=int, default=0, help="skip this many (the next page: --offset 50)")
    q.add_argument("--out", metavar="FILE.csv", type=output_file, default=None,
                   help="write every matching record as CSV (no paging)")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_records_list)

    p = sub.add_parser(
        "labels",
        help="labels on records ('background', 'check reference list'): add, remove, list, export",
        description="Labels are not decisions. A reviewer sees their own labels only (a partner's "
        "label could hint at their vote); the lead sees everyone's.",
    )
    lsub = p.add_subparsers(dest="labels_command", metavar="ACTION")
    lsub.required = True
    q = lsub.add_parser("add", help="put a label on a record")
    q.add_argument("record", metavar="RECORD", help="PMID, DOI or record id")
    q.add_argument("label", metavar="LABEL")
    q.add_argument("--as", dest="who", metavar="NAME", required=True)
    q.set_defaults(func=cmd_labels_add)
    q = lsub.add_parser("remove", help="take a label off a record (your own; the lead: anyone's with --of)")
    q.add_argument("record", metavar="RECORD", help="PMID, DOI or record id")
    q.add_argument("label", metavar="LABEL")
    q.add_argument("--as", dest="who", metavar="NAME", required=True)
    q.add_argument("--of", dest="owner", metavar="NAME", default=None, help="whose label (default: your own)")
    q.set_defaults(func=cmd_labels_remove)
    q = lsub.add_parser("list", help="the labels you may see (one record's, or one label's)")
    q.add_argument("--as", dest="who", metavar="NAME", required=True)
    q.add_argument("--record", metavar="RECORD", default=None)
    q.add_argument("--label", default=None)
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_labels_list)
    q = lsub.add_parser("export", help="the labels you may see as CSV (record_id,pmid,doi,title,label,reviewer,at)")
    q.add_argument("--as", dest="who", metavar="NAME", required=True)
    q.add_argument("--label", default=None, help="one label only")
    q.add_argument("--out", metavar="FILE.csv", type=output_file, default=None,
                   help="write here (default: standard output)")
    q.set_defaults(func=cmd_labels_export)


def _status(s) -> str:
    if not s.status:
        return "-"
    return s.status + (f" ({s.reason})" if s.reason else "")


def cmd_records_list(args: argparse.Namespace) -> int:
    filters = LibraryFilters(
        stage=args.stage, decision=args.decision, reason=args.reason, database=args.database,
        import_id=args.import_id, label=args.label, text=args.search,
    )
    with engine_of(args).connect() as conn:
        if args.out:
            page = records_library(conn, args.who, filters, limit=None)
        else:
            page = records_library(conn, args.who, filters, limit=args.limit, offset=args.offset)
    if args.out:
        write_or_print(library_csv(page), args.out, f"{len(page.rows)} records")
        return 0
    if args.json:
        rows = [{**asdict(r), "labels": [asdict(x) for x in r.labels]} for r in page.rows]
        print(json.dumps({"total": page.total, "offset": page.offset, "records": rows}, indent=2, ensure_ascii=False))
        return 0
    if not page.rows:
        print("no records match these filters" if page.total == 0 else "no records on this page")
        return 0
    print(f"{'record':>7}  {'title/abstract':<28} {'full text':<34} {'databases':<20} title")
    for r in page.rows:
        dups = f" +{len(r.duplicates)} dup" if r.duplicates else ""
        labels = f"  [{', '.join(sorted({x.label for x in r.labels}))}]" if r.labels else ""
        print(f"{r.record_id:>7}  {_status(r.title_abstract):<28} {_status(r.full_text):<34} "
              f"{'; '.join(r.databases)[:20]:<20} {r.title[:60]}{dups}{labels}")
    last = page.offset + len(page.rows)
    more = f"; next page: --offset {last}" if last < page.total else ""
    print(f"\n{page.offset + 1}-{last} of {page.total} record(s){more}; --out FILE.csv writes them all")
    return 0


def _rid(args: argparse.Namespace, text: str) -> int:
    with engine_of(args).connect() as conn:
        return resolve_record(conn, text)


def cmd_labels_add(args: argparse.Namespace) -> int:
    rid = _rid(args, args.record)
    label = add_label(engine_of(args), args.who, rid, args.label)
    print(f"record {rid}: labelled {label.label!r} by {args.who}")
    return 0


def cmd_labels_remove(args: argparse.Namespace) -> int:
    rid = _rid(args, args.record)
    remove_label(engine_of(args), rid, args.label, by=args.who, owner=args.owner)
    print(f"record {rid}: label {args.label.strip()!r} of {args.owner or args.who} removed")
    return 0


def cmd_labels_list(args: argparse.Namespace) -> int:
    with engine_of(args).connect() as conn:
        if args.record:
            rid = resolve_record(conn, args.record)
            items = labels_on(conn, args.who, [rid]).get(rid, [])
            if args.label:
                items = [x for x in items if x.label.lower() == " ".join(args.label.split()).lower()]
        else:
            items = list_labels(conn, args.who, args.label)
    if args.json:
        print(json.dumps([asdict(x) for x in items], indent=2, ensure_ascii=False))
        return 0
    if not items:
        print("no labels you may see")
        return 0
    for x in items:
        print(f"record {x.record_id:<7} {x.label:<40} {x.reviewer:<20} {x.at}")
    return 0


def cmd_labels_export(args: argparse.Namespace) -> int:
    with engine_of(args).connect() as conn:
        items = list_labels(conn, args.who, args.label)
        text = labels_csv(conn, args.who, items)
    write_or_print(text, args.out, f"{len(items)} labels")
    return 0
