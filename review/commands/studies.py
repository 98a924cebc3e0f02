"""``review studies link|unlink|list|check``: several included reports of one study."""

from __future__ import annotations

import argparse
import json
import sys

import sqlalchemy as sa

from review.commands.context import engine_of

RECORD_HELP = "a record id, pmid:N or doi:X (a duplicate names its kept record)"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "studies",
        help="link included reports that describe one study (PRISMA: studies vs reports)",
        description="Several included reports can describe one study (a programme described in "
        "one paper and evaluated in another). Linking them makes PRISMA count one study with "
        "two reports. Both records must be included at full text.",
    )
    ssub = p.add_subparsers(dest="action", metavar="ACTION")
    ssub.required = True
    s = ssub.add_parser("link", help="record that REPORT is a report of the study STUDY stands for")
    s.add_argument("report", metavar="REPORT", help=RECORD_HELP)
    s.add_argument("--to", dest="study", required=True, metavar="STUDY", help=RECORD_HELP)
    s.add_argument("--as", dest="by", required=True, metavar="NAME")
    s.set_defaults(func=cmd_link)
    s = ssub.add_parser("unlink", help="make REPORT its own study again")
    s.add_argument("report", metavar="REPORT", help=RECORD_HELP)
    s.add_argument("--as", dest="by", required=True, metavar="NAME")
    s.set_defaults(func=cmd_unlink)
    s = ssub.add_parser("list", help="the studies with more than one included report")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_list)
    s = ssub.add_parser(
        "check",
        help="list studies whose linked records are no longer all included (exit status 1 if any)",
        description="A decision can change after records are linked: a report excluded at full "
        "text while its study is included, or the study's own record excluded while its reports "
        "are included. List each such study with its records, their decisions and the fix. "
        "Exit status 1 when there is any, 0 when every study's records agree.",
    )
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_check)


def _resolve(args: argparse.Namespace, text: str) -> int:
    from review.screening import resolve_record

    with engine_of(args).connect() as conn:
        return resolve_record(conn, text)


def cmd_link(args: argparse.Namespace) -> int:
    from review.studies import link_report

    report, study = _resolve(args, args.report), _resolve(args, args.study)
    result = link_report(engine_of(args), report, study, by=args.by)
    if not result["changed"]:
        print(f"record {report} is already a report of study {result['study']}")
        return 0
    line = f"record {report} is now a report of study {result['study']}"
    if result["study"] != study:
        line += f" (record {study} is itself a report of that study)"
    if result["previous"] is not None:
        line += f"; it was a report of study {result['previous']}"
    print(line)
    if result["moved"]:
        print(f"its own reports ({', '.join(map(str, result['moved']))}) moved to study {result['study']}")
    return 0


def cmd_unlink(args: argparse.Namespace) -> int:
    from review.studies import unlink_report

    report = _resolve(args, args.report)
    study = unlink_report(engine_of(args), report, by=args.by)
    print(f"record {report} is no longer a report of study {study}; it is its own study again")
    return 0


def warn_link_disagreements(conn: sa.Connection) -> int:
    """Print ``review studies check``'s findings to stderr as warnings; return how many."""
    from review.studies import disagreement_lines, link_disagreements

    found = link_disagreements(conn)
    print_link_warnings([disagreement_lines(d) for d in found])
    return len(found)


def print_link_warnings(warnings: list[list[str]]) -> None:
    """Print the lines of each study whose linked records disagree (``review studies check``'s
    findings, as a report's counts carry them) to stderr as warnings."""
    for lines in warnings:
        print(f"warning: {lines[0]} (review studies check)", file=sys.stderr)
        for line in lines[1:]:
            print(line, file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    from review.studies import disagreement_lines, link_disagreements, study_of

    with engine_of(args).connect() as conn:
        found = link_disagreements(conn)
        n_links = len(study_of(conn))
    if args.json:
        data = [
            {"study": d.study_id,
             "records": [{"record": r.record_id, "role": r.role, "pmid": r.pmid, "title": r.title,
                          "included": r.included, "decision": r.decision} for r in d.records],
             "fixes": d.fixes()}
            for d in found
        ]
        print(json.dumps(data, indent=2, ensure_ascii=False))
    elif not n_links:
        print("no linked reports: every included record is its own study; nothing to check")
    elif not found:
        print(f"the linked records of every study agree: all included at full text, or none "
              f"({n_links} {'link' if n_links == 1 else 'links'} checked)")
    else:
        for i, d in enumerate(found):
            print(("\n" if i else "") + "\n".join(disagreement_lines(d)))
    if found:
        print(f"review: {len(found)} linked {'study has' if len(found) == 1 else 'studies have'} "
              "records with different full-text decisions", file=sys.stderr)
        return 1
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from review.dedup.state import merged_record
    from review.studies import links

    with engine_of(args).connect() as conn:
        current = links(conn)
        labels = {i: merged_record(conn, i).label() for i in {x for l in current for x in (l.report_id, l.study_id)}}
        warn_link_disagreements(conn)
    studies: dict[int, list] = {}
    for link in current:
        studies.setdefault(link.study_id, []).append(link)
    if args.json:
        data = [
            {"study": sid, "label": labels[sid],
             "reports": [{"record": l.report_id, "label": labels[l.report_id], "by": l.by, "at": l.at} for l in items]}
            for sid, items in studies.items()
        ]
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    if not studies:
        print("no linked reports: every included record is its own study")
        return 0
    for sid, items in studies.items():
        print(f"study {sid}: {labels[sid]}")
        for l in items:
            print(f"  report {l.report_id}: {labels[l.report_id]} (linked by {l.by}, {l.at})")
    return 0
