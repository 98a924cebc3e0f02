"""``review dedup``: deduplicate the project, work the review queue, undo; or any files standalone."""

from __future__ import annotations

import argparse
import json
import sys

from review.commands.context import actor, engine_of, output_file
from review.commands.spelling import STORE, STORE_TRUE, add_as, add_out, deprecated


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dedup",
        help="find and merge duplicate records (project), or cluster any export files (--input)",
        description=(
            "review dedup run (or just review dedup): deduplicate every record in the project's "
            "store (rerunnable; every merge is logged with its reason) and print a summary. "
            "Uncertain pairs wait for a person: list them with 'review dedup pending', decide with "
            "'review dedup confirm|reject PAIR...', take a decision or a merge back with "
            "'review dedup undo TARGET'. A pair id is the two record ids joined by a hyphen, "
            "smaller first (e.g. 12-57). Standalone: --input FILE... --out clusters.csv writes one "
            "row per input record (file,row,id,cluster,confidence) without touching any project."
        ),
    )
    # the verbs before them: --pending, --confirm, --reject, --undo (still accepted, with a note)
    p.add_argument("--pending", action=deprecated(STORE_TRUE, "review dedup pending"), help=argparse.SUPPRESS)
    p.add_argument("--confirm", nargs="+", metavar="PAIR", default=[], help=argparse.SUPPRESS,
                   action=deprecated(STORE, "review dedup confirm PAIR..."))
    p.add_argument("--reject", nargs="+", metavar="PAIR", default=[], help=argparse.SUPPRESS,
                   action=deprecated(STORE, "review dedup reject PAIR..."))
    p.add_argument("--undo", metavar="TARGET", default=None, help=argparse.SUPPRESS,
                   action=deprecated(STORE, "review dedup undo TARGET"))
    p.add_argument("--note", default="", help=argparse.SUPPRESS)
    add_as(p, old=("--by",), help="who runs it (default: $REVIEW_USER or the login name)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _standalone_options(p, argparse.SUPPRESS)
    p.set_defaults(func=cmd_dedup, dedup_command=None, input=None, out=None, pairs=None, fmt=None)
    # Each verb's options default to SUPPRESS: the values set above stay unless given here.
    vsub = p.add_subparsers(dest="dedup_command", metavar="[ACTION]")
    v = vsub.add_parser("run", help="deduplicate the project's records (the default action)",
                        description="Deduplicate every record in the project's store and print a "
                        "summary; or, with --input, cluster any export files without a project.")
    _verb_options(v, note=False)
    _standalone_options(v, argparse.SUPPRESS)
    v = vsub.add_parser("pending", help="list the pairs waiting for a person",
                        description="The uncertain pairs, most likely duplicates first, each with both records.")
    v.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
    v = vsub.add_parser("confirm", help="the two records are the same paper: merge them",
                        description="Merge each PAIR (e.g. 12-57): the two records are the same paper. "
                        "All or nothing: an unknown pair decides none.")
    v.add_argument("confirm", nargs="+", metavar="PAIR")
    _verb_options(v)
    v = vsub.add_parser("reject", help="the two records are different papers: never merge them",
                        description="Keep each PAIR apart for good: the two records are different papers.")
    v.add_argument("reject", nargs="+", metavar="PAIR")
    _verb_options(v)
    v = vsub.add_parser("undo", help="take a record out of its cluster, reverse a decision, or clear every merge",
                        description="RECORD_ID: take the record out of its cluster; PAIR: reverse a "
                        "confirm or reject; 'all': clear every merge (manual decisions are kept).")
    v.add_argument("undo", metavar="TARGET")
    _verb_options(v)


def _verb_options(p: argparse.ArgumentParser, note: bool = True) -> None:
    if note:
        p.add_argument("--note", default=argparse.SUPPRESS, help="a note stored with the decision")
    add_as(p, old=("--by",), default=argparse.SUPPRESS, help="who decides (default: $REVIEW_USER or the login name)")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")


def _standalone_options(p: argparse.ArgumentParser, default: object) -> None:
    p.add_argument("--input", nargs="+", metavar="FILE", default=default, help="standalone: export files to deduplicate (RIS, nbib, PubMed XML, EndNote XML, CSV)")
    add_out(p, metavar="CSV", type=output_file, default=default, help="standalone: where to write the clusters (default: standard output)")
    p.add_argument("--pairs", metavar="CSV", type=output_file, default=default, help="standalone: also write the uncertain pairs left apart")
    p.add_argument("--format", dest="fmt", default=default, metavar="FORMAT", help="standalone: ris, medline, pubmed-xml, endnote-xml or tabular (default: detected per file)")


def _who(args: argparse.Namespace) -> str:
    return actor(args.by)


def cmd_dedup(args: argparse.Namespace) -> int:
    from review.commands.context import CommandError

    if args.dedup_command == "pending":
        args.pending = True
    manual = args.pending or args.confirm or args.reject or args.undo is not None
    if args.input is not None:
        if manual:
            raise CommandError("--input works without a project; it cannot be combined with "
                               "--pending, --confirm, --reject or --undo", status=2)
        return _standalone(args)
    if args.out or args.pairs or args.fmt:
        raise CommandError("--out, --pairs and --format go with --input FILE...", status=2)
    if args.pending and (args.confirm or args.reject or args.undo is not None):
        raise CommandError("--pending lists the pairs waiting for a person; run it on its own, "
                           "before or after --confirm, --reject or --undo", status=2)
    from review.dedup.queue import parse_pair

    both = sorted(set(map(parse_pair, args.confirm)) & set(map(parse_pair, args.reject)))
    if both:
        raise CommandError(f"pair {both[0][0]}-{both[0][1]} is both confirmed and rejected; give it "
                           "to --confirm (same paper) or to --reject (different papers)", status=2)
    engine = engine_of(args)
    if args.confirm or args.reject or args.undo is not None:
        return _decide(args, engine)
    if args.pending:
        return _pending(args, engine)
    from review.dedup.run import run_dedup

    from review.commands.progress import terminal_progress

    summary = run_dedup(engine, by=_who(args), progress=terminal_progress("review dedup"))
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
        return 0
    methods = ", ".join(f"{m} {n}" for m, n in sorted(summary.by_method.items()))
    print(f"Deduplicated {summary.records} records in {summary.seconds:.1f} s: "
          f"{summary.unique_records} unique, {summary.duplicates_removed} duplicates removed"
          + (f" ({methods})" if methods else ""))
    print(f"  clusters of duplicates: {summary.clusters}; changed by this run: "
          f"{summary.merged} merged, {summary.split} split")
    if summary.pending:
        print(f"  {summary.pending} uncertain pair(s) wait for a person: review dedup pending")
    else:
        print("  no uncertain pairs wait for a person")
    return 0


def _decide(args: argparse.Namespace, engine) -> int:
    from review.dedup import run

    who = _who(args)
    run.check_pairs(engine, [*args.confirm, *args.reject])  # all or nothing: check before deciding
    outputs = []
    for pair in args.confirm:
        s = run.confirm(engine, pair, by=who, note=args.note)
        outputs.append(("confirmed", pair, s))
    for pair in args.reject:
        s = run.reject(engine, pair, by=who, note=args.note)
        outputs.append(("rejected", pair, s))
    if args.undo is not None:
        s = run.undo(engine, args.undo, by=who, note=args.note)
        outputs.append(("undone", args.undo, s))
    if args.json:
        print(json.dumps([{"action": a, "target": t, **s.to_dict()} for a, t, s in outputs], indent=2))
        return 0
    for action, target, s in outputs:
        print(f"{target}: {action} (event #{s.event_id}); now {s.unique_records} unique records, "
              f"{s.duplicates_removed} duplicates removed, {s.pending} pair(s) pending")
    return 0


def _pending(args: argparse.Namespace, engine) -> int:
    from review.dedup.queue import pending_pairs
    from review.store.api import get_record

    with engine.connect() as conn:
        pairs = pending_pairs(conn)
        shown = []
        for p in pairs:
            ra, rb = get_record(conn, p.record_a), get_record(conn, p.record_b)
            shown.append((p, ra, rb))
    if args.json:
        print(json.dumps([
            {"pair": p.id, "record_a": p.record_a, "record_b": p.record_b,
             "confidence": p.confidence, "reason": p.reason,
             "a": _brief(ra), "b": _brief(rb)}
            for p, ra, rb in shown
        ], indent=2, ensure_ascii=False))
        return 0
    if not shown:
        print("No uncertain pairs wait for a person.")
        return 0
    print(f"{len(shown)} uncertain pair(s), most likely duplicates first. Decide with "
          "'review dedup confirm PAIR' (same paper) or 'review dedup reject PAIR' (different papers).\n")
    for p, ra, rb in shown:
        print(f"{p.id:<12} confidence {p.confidence:.2f}  {p.reason}")
        for rid, rec in ((p.record_a, ra), (p.record_b, rb)):
            print(f"  {rid:>8}  {_line(rec)}")
        print()
    return 0


def _brief(rec) -> dict:
    if rec is None:
        return {}
    return {"title": rec.title, "authors": rec.authors[:3], "year": rec.year,
            "journal": rec.journal or rec.journal_abbrev, "volume": rec.volume,
            "issue": rec.issue, "pages": rec.pages, "doi": rec.doi, "pmid": rec.pmid,
            "database": rec.source_database}


def _line(rec) -> str:
    if rec is None:
        return "(missing)"
    where = " ".join(x for x in (
        rec.journal_abbrev or rec.journal,
        f"{rec.volume}" + (f"({rec.issue})" if rec.issue else ""),
        rec.pages,
    ) if x)
    ids = " ".join(x for x in (f"doi:{rec.doi}" if rec.doi else "", f"pmid:{rec.pmid}" if rec.pmid else "") if x)
    title = rec.title if len(rec.title) <= 110 else rec.title[:107] + "..."
    return f"{rec.label()} | {title} | {where} | {ids} [{rec.source_database}]"


def _standalone(args: argparse.Namespace) -> int:
    from review.dedup.standalone import dedupe_files

    out = args.out or "-"
    result = dedupe_files(args.input, out, fmt=args.fmt, pairs_out=args.pairs)
    for warning in result.warnings:
        print(f"review: warning: {warning}", file=sys.stderr)
    n = len(result.rows)
    stream = sys.stderr if out == "-" else sys.stdout
    print(
        f"{n} records from {len(args.input)} file(s): {result.duplicates} duplicates in "
        f"{len(result.result.clustering.clusters())} clusters; "
        f"{len(result.result.maybes)} uncertain pair(s) left apart"
        + (f" (written to {args.pairs})" if args.pairs else "")
        + (f"; clusters written to {out}" if out != "-" else ""),
        file=stream,
    )
    return 0
