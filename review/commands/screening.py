"""Screening from the command line: reviewers and tokens, agreement, decisions as CSV,
conflicts and their resolution, full texts. (The screening app itself is ``review screen``.)"""

from __future__ import annotations

import argparse
import csv
import io
import json
from dataclasses import asdict
from pathlib import Path

from review.commands.context import CommandError
from review.commands.context import engine_of, output_file, project_of, write_or_print
from review.screening import (
    JBI_AGREEMENT,
    STAGES,
    add_reviewer,
    agreement,
    attach_link,
    attach_pdf,
    completed_pairs,
    conflicts,
    criteria_for_project,
    decisions_csv,
    export_decisions,
    format_ci,
    import_decisions,
    list_reviewers,
    mark_not_retrieved,
    pilot_agreement,
    pilot_ids,
    pilot_status,
    reaches_jbi,
    resolve_conflict,
    resolve_record,
    revoke_reviewer,
    screening_settings,
)
from review.screening.decide import reopen_resolution, resolved_conflicts, resolved_stages
from review.screening.mine import change_vote, my_decisions
from review.screening.model import DECISIONS, FINAL_DECISIONS, ROLES, STAGE_LABELS
from review.screening.stoprule import check_stop_registration, stop_stage
from review.screening.stopping import estimates
from review.store import get_record


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reviewers",
        help="add, list and revoke screening reviewers (sign-in tokens)",
        description="Reviewers sign in to the screening app with a personal token. The token is "
        "printed once when issued; only its hash is stored.",
    )
    rsub = p.add_subparsers(dest="reviewers_command", metavar="ACTION")
    rsub.required = True
    q = rsub.add_parser("add", help="add a reviewer and print their token (once)")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--role", choices=ROLES, default="reviewer")
    q.set_defaults(func=cmd_reviewers_add)
    q = rsub.add_parser("list", help="list reviewers, roles and whether they are active")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_reviewers_list)
    q = rsub.add_parser("revoke", help="revoke a reviewer's token (their votes stay)")
    q.add_argument("name", metavar="NAME")
    q.set_defaults(func=cmd_reviewers_revoke)
    q = rsub.add_parser("allow-strategy", help="let a reviewer edit the search strategy in the app (a lead always may)")
    q.add_argument("name", metavar="NAME")
    q.set_defaults(func=cmd_reviewers_allow_strategy)
    q = rsub.add_parser("disallow-strategy", help="withdraw a reviewer's right to edit the search strategy")
    q.add_argument("name", metavar="NAME")
    q.set_defaults(func=cmd_reviewers_disallow_strategy)

    p = sub.add_parser(
        "agreement",
        help="inter-rater agreement: Cohen's kappa (95%% CI), percent agreement, PABAK",
        description="Agreement per stage and per reviewer pair over the records both screened.",
    )
    p.add_argument("--stage", choices=STAGES, default=None, help="one stage only (default: both)")
    p.add_argument(
        "--pilot", action="store_true",
        help="the pilot round (screening.pilot): each reviewer's progress and the agreement over the pilot records",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_agreement)

    p = sub.add_parser(
        "screening",
        help="the stopping rule at title/abstract: each reviewer's estimate, and ending the stage by it",
        description="The buscar stopping rule (Callaghan & Müller-Hansen 2020) on each reviewer's own "
        "title/abstract votes: whether, if screening stopped now, the recall target would have been "
        "met with the stated confidence, tested at 10%, 15%, ..., 95% of the records screened with a "
        "Bonferroni correction over those tests. screening.stop in review.yaml pre-registers the rule.",
    )
    ssub = p.add_subparsers(dest="screening_command", metavar="ACTION")
    ssub.required = True
    q = ssub.add_parser("estimate", help="every active reviewer's stopping estimate (information only)")
    q.add_argument("--recall", type=float, default=None, help="recall target (default: screening.stop's, else 0.95)")
    q.add_argument("--confidence", type=float, default=None, help="confidence (default: screening.stop's, else 0.95)")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_screening_estimate)
    q = ssub.add_parser(
        "stop",
        help="end title/abstract screening by the pre-registered rule (lead; every estimate must say stop)",
        description="When every active reviewer's estimate says stop, the records nobody voted on are "
        "excluded by the rule (reported in PRISMA as marked ineligible by automation tools); records "
        "with one vote still need their second.",
    )
    q.add_argument("--as", dest="who", metavar="LEAD", required=True, help="the lead ending the stage")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_screening_stop)
    q = ssub.add_parser(
        "rank",
        help="relevance order: make each reviewer's ranking now, where due (for scripts while a worker runs)",
        description="Rank now every reviewer whose title/abstract ranking is due (screening.order: "
        "relevance), from their own votes, whether or not a ranking worker is running.",
    )
    q.add_argument("--reviewer", action="append", default=None, metavar="NAME", help="only this reviewer (repeatable)")
    q.set_defaults(func=cmd_screening_rank)
    q = ssub.add_parser(
        "rank-worker",
        help="relevance order: keep rankings up to date in the background, so no vote waits for one",
        description="A ranking worker (review.screening.rankworker): while it runs, next_record_id "
        "draws from each reviewer's stored ranking and never retrains in the request; the worker "
        "retrains when due. Any number may run (each app server process runs one); claims in the "
        "store keep two from training the same ranking. Stop it with Ctrl-C.",
    )
    q.add_argument("--once", action="store_true", help="one pass (rank what is due) and exit")
    q.add_argument("--poll", type=float, default=None, help="seconds between passes (default 0.5)")
    q.set_defaults(func=cmd_screening_rank_worker)

    p = sub.add_parser(
        "decisions",
        help="export or import screening votes as CSV",
        description="Votes as data, columns reviewer,record,stage,decision,reason,note "
        "(record: PMID, DOI or record id; stage: title_abstract|full_text; decision: "
        "include|exclude|maybe).",
    )
    dsub = p.add_subparsers(dest="decisions_command", metavar="ACTION")
    dsub.required = True
    q = dsub.add_parser("export", help="write every current vote as CSV")
    q.add_argument("--format", dest="fmt", choices=["csv"], default="csv")
    q.add_argument("--out", metavar="FILE", type=output_file, default=None, help="write here (default: standard output)")
    q.add_argument("--all-columns", action="store_true", help="add record_id, pmid, doi, title and at")
    q.set_defaults(func=cmd_decisions_export)
    q = dsub.add_parser(
        "import",
        help="import votes from CSV (one transaction; the app's rules apply)",
        description="Import votes from FILE.csv in one transaction. Every line obeys the same "
        "rules as a vote in the app; any bad line rejects the file and is named in the error.",
    )
    q.add_argument("file", metavar="FILE.csv")
    q.set_defaults(func=cmd_decisions_import)
    q = dsub.add_parser(
        "mine",
        help="list my own votes, newest first (the app's My decisions page)",
        description="NAME's own current votes, newest first, filtered by stage, decision and title "
        "text; never anyone else's vote, nor whether a record is in conflict or decided.",
    )
    q.add_argument("--as", dest="who", metavar="NAME", required=True, help="whose votes (your name)")
    q.add_argument("--stage", choices=STAGES, default=None, help="one stage only (default: both)")
    q.add_argument("--decision", choices=DECISIONS, default=None)
    q.add_argument("--search", metavar="TEXT", default=None,
                   help="words in the title (any case); a PMID, DOI or record id matches exactly")
    q.add_argument("--limit", type=int, default=50, help="votes per page (default 50)")
    q.add_argument("--offset", type=int, default=0, help="skip this many (the next page: --offset 50)")
    q.add_argument("--out", metavar="FILE.csv", type=output_file, default=None,
                   help="write every matching vote as CSV (no paging)")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_decisions_mine)
    q = dsub.add_parser(
        "change",
        help="change my earlier vote on a record (a new vote superseding the old one)",
        description="Change NAME's own vote on RECORD (PMID, DOI or record id) at a stage: stored as a "
        "new vote that supersedes the old one, with the same rules as a vote in the app.",
    )
    q.add_argument("record", metavar="RECORD")
    q.add_argument("--stage", choices=STAGES, required=True)
    q.add_argument("--decision", choices=DECISIONS, required=True)
    q.add_argument("--reason", default="", help="exclusion reason (full text: one of the configured list)")
    q.add_argument("--note", default="")
    q.add_argument("--as", dest="who", metavar="NAME", required=True, help="whose vote (your name)")
    q.set_defaults(func=cmd_decisions_change)

    p = sub.add_parser(
        "conflicts",
        help="list open screening conflicts (with the votes: lead's view); resolved ones; reopen one",
        description="Without an action: the open conflicts with both votes. 'resolved' lists the "
        "current resolutions; 'reopen' takes one back (the record returns to the conflicts).",
    )
    p.add_argument("--stage", choices=STAGES, default=None, help="one stage only (default: both)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_conflicts)
    csub = p.add_subparsers(dest="conflicts_command", metavar="[ACTION]")
    csub.required = False
    q = csub.add_parser("resolved", help="the resolved conflicts: resolution, votes now, whether a vote changed since")
    q.add_argument("--stage", choices=STAGES, default=None, help="one stage only (default: both)")
    q.add_argument("--as", dest="who", metavar="LEAD", required=True, help="who is looking (the lead)")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_conflicts_resolved)
    q = csub.add_parser(
        "reopen",
        help="take back a resolution (kept, with your note); the record returns to the conflicts",
        description="End RECORD's current resolution at a stage. The resolution stays in the store and "
        "the note in the event log; the record's votes decide it again (a conflict when they disagree).",
    )
    q.add_argument("record", metavar="RECORD", help="PMID, DOI or record id")
    q.add_argument("--stage", choices=STAGES, default=None,
                   help="the resolution's stage (needed when the record was resolved at both)")
    q.add_argument("--note", required=True, help="why it is reopened")
    q.add_argument("--as", dest="who", metavar="LEAD", required=True, help="the lead's name")
    q.set_defaults(func=cmd_conflicts_reopen)

    p = sub.add_parser(
        "resolve",
        help="record the final decision on a conflict (lead, or the pair if configured)",
        description="Resolve the conflict on RECORD (PMID, DOI or record id). The original votes stay.",
    )
    p.add_argument("record", metavar="RECORD")
    p.add_argument("--stage", choices=STAGES, required=True)
    p.add_argument("--decision", choices=FINAL_DECISIONS, required=True)
    p.add_argument("--reason", default="", help="exclusion reason (full text: one of the configured list)")
    p.add_argument("--note", default="")
    p.add_argument("--as", dest="who", metavar="LEAD", required=True, help="the resolving reviewer's name")
    p.set_defaults(func=cmd_resolve)

    p = sub.add_parser(
        "fulltext",
        help="attach a full text (PDF or link) or mark it not retrieved",
        description="For a record included at title/abstract: attach a PDF (copied under data/fulltext/), "
        "a link, or mark the full text as not retrieved with a reason.",
    )
    p.add_argument("record", metavar="RECORD")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--pdf", metavar="FILE")
    how.add_argument("--link", metavar="URL")
    how.add_argument("--not-retrieved", metavar="REASON", dest="not_retrieved")
    p.add_argument("--as", dest="who", metavar="NAME", required=True, help="who sought the full text")
    p.set_defaults(func=cmd_fulltext)


def cmd_reviewers_add(args: argparse.Namespace) -> int:
    token = add_reviewer(engine_of(args), args.name, role=args.role)
    print(f"added {args.role} {args.name!r}. Sign-in token (shown once, keep it safe):")
    print(token)
    return 0


def cmd_reviewers_list(args: argparse.Namespace) -> int:
    from review.strategy.editors import strategy_editors

    with engine_of(args).connect() as conn:
        people = list_reviewers(conn)
        editors = strategy_editors(conn)
    if args.json:
        print(json.dumps([asdict(p) for p in people], indent=2))
        return 0
    if not people:
        print("no reviewers yet: add one with 'review reviewers add NAME [--role lead]'")
        return 0
    for p in people:
        strategy = "  may edit the strategy" if p.name in editors and p.role != "lead" else ""
        print(f"{p.name:<24} {p.role:<9} {'active' if p.active else 'revoked'}{strategy}")
    return 0


def cmd_reviewers_revoke(args: argparse.Namespace) -> int:
    revoke_reviewer(engine_of(args), args.name)
    print(f"revoked {args.name!r}; their votes are kept")
    return 0


def cmd_reviewers_allow_strategy(args: argparse.Namespace) -> int:
    from review.strategy.editors import allow_strategy

    allow_strategy(engine_of(args), args.name)
    print(f"{args.name!r} may edit the search strategy now (the app's Strategy page)")
    return 0


def cmd_reviewers_disallow_strategy(args: argparse.Namespace) -> int:
    from review.strategy.editors import disallow_strategy

    disallow_strategy(engine_of(args), args.name)
    print(f"{args.name!r} may no longer edit the search strategy; the versions they saved are kept")
    return 0


def _fmt(x: float | None, digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _agreement_json(a) -> dict:
    return {**asdict(a), "pair": list(a.pair), "kappa_ci": list(a.kappa_ci) if a.kappa_ci else None}


def _agreement_lines(rows) -> list[str]:
    lines = [f"  {'pair':<28} {'n':>6} {'agree%':>7} {'kappa':>6} {'95% CI':>15} {'PABAK':>6}"]
    for a in rows:
        ci = format_ci(a.kappa_ci)
        lines.append(
            f"  {a.pair[0] + ' / ' + a.pair[1]:<28} {a.n:>6} {a.percent:>7.1f} "
            f"{_fmt(a.kappa):>6} {ci:>15} {_fmt(a.pabak):>6}"
        )
    return lines


def cmd_agreement_pilot(args: argparse.Namespace) -> int:
    settings = screening_settings(project_of(args).config)
    if settings.pilot <= 0:
        if args.json:
            print(json.dumps({"size": 0, "records": [], "reviewers": [], "agreement": []}, indent=2))
        else:
            print("no pilot round configured: set screening.pilot: N in review.yaml (e.g. 25)")
        return 0
    with engine_of(args).connect() as conn:
        ids = pilot_ids(conn, settings.pilot, settings.seed)
        status = pilot_status(conn, settings.pilot, settings.seed)
        rows = pilot_agreement(conn, settings.pilot, settings.seed)
    done = completed_pairs(status, rows)
    if args.json:
        out = {
            "size": status.size,
            "records": ids,
            "reviewers": [
                {"name": name, "voted": n, "complete": name in status.complete} for name, n in status.voted.items()
            ],
            "complete": status.agreement_ready,
            "jbi_agreement": JBI_AGREEMENT,
            "agreement": [
                {**_agreement_json(a), "complete": a in done, "reaches_jbi": reaches_jbi(a)} for a in rows
            ],
        }
        print(json.dumps(out, indent=2))
        return 0
    print(
        f"Pilot round: {status.records} records (the first {status.size} title/abstract records "
        f"of the random order, seed {settings.seed})"
    )
    for name, n in status.voted.items():
        mark = "complete" if name in status.complete else f"{status.records - n} left"
        print(f"  {name:<24} {n:>4} of {status.records}  {mark}")
    if not rows:
        print("No two reviewers have voted on the same pilot record yet.")
        return 0
    print("Agreement over the pilot records:")
    for line in _agreement_lines(rows):
        print(line)
    for a in rows:
        if a in done:
            verdict = "reaches" if reaches_jbi(a) else "is below"
            print(
                f"  {a.pair[0]} / {a.pair[1]}: {a.percent:.1f}% agreement {verdict} the {JBI_AGREEMENT:.0f}% "
                "the JBI Manual suggests before screening the rest (information, not a gate)"
            )
        else:
            print(f"  {a.pair[0]} / {a.pair[1]}: not both complete yet (over {a.n} shared pilot records)")
    return 0


def _stop_target(args: argparse.Namespace) -> tuple[float, float]:
    rule = screening_settings(project_of(args).config).stop
    recall = getattr(args, "recall", None) or (rule.recall if rule else 0.95)
    confidence = getattr(args, "confidence", None) or (rule.confidence if rule else 0.95)
    return recall, confidence


def _registered(args: argparse.Namespace):
    """The project's screening.stop, checked against the rule registered at the first vote."""
    rule = screening_settings(project_of(args).config).stop
    check_stop_registration(engine_of(args), rule)
    return rule


def cmd_agreement(args: argparse.Namespace) -> int:
    if getattr(args, "pilot", False):
        return cmd_agreement_pilot(args)
    stages = [args.stage] if args.stage else list(STAGES)
    _registered(args)
    recall, confidence = _stop_target(args)
    with engine_of(args).connect() as conn:
        found = {stage: agreement(conn, stage) for stage in stages}
        # the stopping estimate of each reviewer (title/abstract: the ranked stage)
        stops = {e.reviewer: e for e in estimates(conn, "title_abstract", recall, confidence)} if (
            "title_abstract" in stages
        ) else {}
    if args.json:
        out = []
        for rows in found.values():
            for a in rows:
                item = _agreement_json(a)
                if a.stage == "title_abstract":
                    item["stopping"] = {name: stops[name].to_dict() for name in a.pair if name in stops}
                out.append(item)
        print(json.dumps(out, indent=2))
        return 0
    for stage, rows in found.items():
        print(f"{STAGE_LABELS[stage].capitalize()}:")
        if not rows:
            print("  no records screened by two reviewers yet")
            continue
        for line in _agreement_lines(rows):
            print(line)
    if stops:
        print("Stopping estimate (title/abstract, each reviewer's own votes; information only):")
        for e in stops.values():
            print(f"  {e.sentence()}")
    return 0


def cmd_screening_estimate(args: argparse.Namespace) -> int:
    _registered(args)
    recall, confidence = _stop_target(args)
    with engine_of(args).connect() as conn:
        found = estimates(conn, "title_abstract", recall, confidence)
    if args.json:
        print(json.dumps([e.to_dict() for e in found], indent=2))
        return 0
    if not found:
        print("no reviewer has voted at title/abstract yet")
    for e in found:
        print(e.sentence())
    return 0


def cmd_screening_stop(args: argparse.Namespace) -> int:
    rule = _registered(args)
    stop = stop_stage(engine_of(args), rule, by=args.who)
    if args.json:
        print(json.dumps(asdict(stop), indent=2))
        return 0
    print(
        f"Title/abstract screening ended by the stopping rule ({stop.rule}, recall {stop.recall:g}, "
        f"confidence {stop.confidence:g}) on {stop.at}: {stop.excluded:,} of {stop.total:,} records were not "
        f"screened and are excluded by the rule; {stop.one_vote:,} records with one vote still need their second."
    )
    for e in stop.estimates:
        print(f"  {e['reviewer']}: {e['screened']:,} screened, {e['relevant']:,} relevant, p = {e['p_value']:.3g}")
    return 0


def cmd_decisions_export(args: argparse.Namespace) -> int:
    with engine_of(args).connect() as conn:
        rows = export_decisions(conn)
    text = decisions_csv(rows, extra=args.all_columns)
    write_or_print(text, args.out, f"{len(rows)} votes")
    return 0


def cmd_decisions_import(args: argparse.Namespace) -> int:
    project = project_of(args)
    criteria = criteria_for_project(project)
    settings = screening_settings(project.config)
    engine = engine_of(args)
    check_stop_registration(engine, settings.stop)
    n = import_decisions(engine, Path(args.file), criteria, settings)
    check_stop_registration(engine, settings.stop)  # the first votes register the stopping rule
    print(f"{args.file}: imported {n} votes (criteria version {criteria.version})")
    return 0


def cmd_conflicts(args: argparse.Namespace) -> int:
    from review.dedup.state import merged_record

    stages = [args.stage] if args.stage else list(STAGES)
    engine = engine_of(args)
    out = []
    with engine.connect() as conn:
        for stage in stages:
            for c in conflicts(conn, stage):
                rec = merged_record(conn, c.record_id)  # as the app shows it: gaps filled from duplicates
                out.append(
                    {
                        "record_id": c.record_id,
                        "stage": stage,
                        "pmid": rec.pmid if rec else "",
                        "title": rec.title if rec else "",
                        "votes": [
                            {"reviewer": v.reviewer, "decision": v.decision, "reason": v.reason, "note": v.note}
                            for v in c.votes
                        ],
                    }
                )
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if not out:
        print("no open conflicts")
        return 0
    for row in out:
        label = f"record {row['record_id']}" + (f" (PMID {row['pmid']})" if row["pmid"] else "")
        print(f"[{row['stage']}] {label}: {row['title'][:90]}")
        for v in row["votes"]:
            reason = f" — {v['reason']}" if v["reason"] else ""
            print(f"    {v['reviewer']:<20} {v['decision']}{reason}")
    print(f"\n{len(out)} open conflict(s); resolve with 'review resolve RECORD --stage S --decision D --as LEAD'")
    return 0


MINE_COLUMNS = ("record_id", "pmid", "doi", "title", "stage", "decision", "reason", "note", "at")


def _mine_row(d) -> dict:
    v = d.vote
    return {"record_id": v.record_id, "pmid": d.pmid, "doi": d.doi, "title": d.title, "stage": v.stage,
            "decision": v.decision, "reason": v.reason, "note": v.note, "at": v.at}


def cmd_decisions_mine(args: argparse.Namespace) -> int:
    from review.screening.reviewers import require_active

    filters = dict(stage=args.stage, decision=args.decision, text=args.search)
    with engine_of(args).connect() as conn:
        require_active(conn, args.who)
        if args.out:
            items, offset = [], 0
            while True:  # every matching vote, a page at a time
                page = my_decisions(conn, args.who, **filters, limit=1000, offset=offset)
                items += page.items
                offset += len(page.items)
                if not page.items or offset >= page.total:
                    break
            total = len(items)
        else:
            page = my_decisions(conn, args.who, **filters, limit=args.limit, offset=args.offset)
            items, total = page.items, page.total
    rows = [_mine_row(d) for d in items]
    if args.out:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, MINE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        write_or_print(buf.getvalue(), args.out, f"{len(rows)} votes")
        return 0
    if args.json:
        print(json.dumps({"total": total, "offset": args.offset, "votes": rows}, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print(f"{args.who} has no votes matching these filters" if total == 0 else "no votes on this page")
        return 0
    for r in rows:
        reason = f" ({r['reason']})" if r["reason"] else ""
        print(f"{r['at'][:16].replace('T', ' ')}  {STAGE_LABELS[r['stage']]:<15} {r['decision'] + reason:<34} "
              f"#{r['record_id']:<6} {r['title'][:70]}")
    last = args.offset + len(rows)
    more = f"; next page: --offset {last}" if last < total else ""
    print(f"\n{args.offset + 1}-{last} of {total} vote(s){more}; change one with "
          "'review decisions change RECORD --stage S --decision D --as NAME'")
    return 0


def cmd_decisions_change(args: argparse.Namespace) -> int:
    rid = _record_id(args)
    vote = change_vote(
        engine_of(args), args.who, rid, args.stage, args.decision, args.reason, args.note,
        criteria_for_project(project_of(args)), source="cli",
    )
    reason = f" ({vote.reason})" if vote.reason else ""
    print(f"record {rid}: {args.who}'s vote at {STAGE_LABELS[args.stage]} is now {vote.decision}{reason}")
    return 0


def cmd_conflicts_resolved(args: argparse.Namespace) -> int:
    mode = screening_settings(project_of(args).config).conflict_resolution
    stages = [args.stage] if args.stage else list(STAGES)
    out = []
    with engine_of(args).connect() as conn:
        for stage in stages:
            for r in resolved_conflicts(conn, args.who, stage, mode):
                rec = get_record(conn, r.record_id)
                out.append({
                    "record_id": r.record_id, "stage": stage, "pmid": rec.pmid if rec else "",
                    "title": rec.title if rec else "", "decision": r.decision, "reason": r.reason,
                    "note": r.note, "resolver": r.resolver, "at": r.at, "vote_changed_since": r.changed_since,
                    "votes": [{"reviewer": v.reviewer, "decision": v.decision, "reason": v.reason} for v in r.votes],
                })
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if not out:
        print("no resolved conflicts")
        return 0
    for row in out:
        reason = f" ({row['reason']})" if row["reason"] else ""
        print(f"[{row['stage']}] record {row['record_id']}: {row['title'][:80]}")
        print(f"    resolved {row['decision']}{reason} by {row['resolver']} at {row['at']}"
              + (f" — {row['note']}" if row["note"] else ""))
        for v in row["votes"]:
            print(f"    {v['reviewer']:<20} {v['decision']}" + (f" — {v['reason']}" if v["reason"] else ""))
        if row["vote_changed_since"]:
            print("    a vote was changed after this resolution")
    print(f"\n{len(out)} resolved conflict(s); reopen one with "
          "'review conflicts reopen RECORD --stage S --note TEXT --as LEAD'")
    return 0


def cmd_conflicts_reopen(args: argparse.Namespace) -> int:
    from review.screening.model import ScreeningError

    mode = screening_settings(project_of(args).config).conflict_resolution
    rid = _record_id(args)
    stage = args.stage
    if stage is None:
        with engine_of(args).connect() as conn:
            found = resolved_stages(conn, rid)
        if not found:
            raise ScreeningError(f"record {rid} has no resolution to reopen")
        if len(found) > 1:
            raise ScreeningError(f"record {rid} was resolved at both stages; say which with --stage")
        stage = found[0]
    state = reopen_resolution(engine_of(args), rid, stage, args.note, by=args.who, mode=mode)
    after = {"conflict": "it is back among the open conflicts",
             "final": "its votes agree now, so they decide it",
             "pending": "it waits for a second vote"}[state]
    print(f"record {rid}: resolution at {STAGE_LABELS[stage]} reopened by {args.who}; {after}")
    return 0


def _record_id(args: argparse.Namespace) -> int:
    with engine_of(args).connect() as conn:
        return resolve_record(conn, args.record)


def cmd_resolve(args: argparse.Namespace) -> int:
    project = project_of(args)
    mode = screening_settings(project.config).conflict_resolution
    rid = _record_id(args)
    final = resolve_conflict(
        engine_of(args), rid, args.stage, args.decision, args.reason, args.note, by=args.who,
        mode=mode, criteria=criteria_for_project(project),
    )
    reason = f" ({final.reason})" if final.reason else ""
    print(f"record {rid}: {final.decision}{reason} at {STAGE_LABELS[args.stage]}, resolved by {args.who}")
    return 0


def cmd_fulltext(args: argparse.Namespace) -> int:
    project = project_of(args)
    engine = engine_of(args)
    rid = _record_id(args)
    if args.pdf:
        path = Path(args.pdf)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read ({exc.strerror})") from exc
        ft = attach_pdf(engine, project.data_dir, rid, path.name, content, by=args.who)
        print(f"record {rid}: PDF stored as {ft.location}")
    elif args.link:
        attach_link(engine, rid, args.link, by=args.who)
        print(f"record {rid}: link attached")
    else:
        mark_not_retrieved(engine, rid, args.not_retrieved, by=args.who)
        print(f"record {rid}: full text not retrieved ({args.not_retrieved.strip()})")
    return 0


def cmd_screening_rank(args: argparse.Namespace) -> int:
    from review.screening.rankworker import new_worker_id, params_for_project, rank_pending, retire

    engine = engine_of(args)
    worker = new_worker_id()
    try:
        done = rank_pending(engine, worker, params_for_project(project_of(args)), args.reviewer)
    finally:
        retire(engine, worker)
    print(f"ranked: {', '.join(done)}" if done else "no ranking was due")
    return 0


def cmd_screening_rank_worker(args: argparse.Namespace) -> int:
    import time

    from review.screening.rankworker import POLL_SECONDS, ProjectParams, RankWorker

    project = project_of(args)
    worker = RankWorker(engine_of(args), ProjectParams(project.root), poll=args.poll or POLL_SECONDS)
    if args.once:
        try:
            done = worker.run_once()
        finally:
            worker.stop()
        print(f"ranked: {', '.join(done)}" if done else "no ranking was due")
        return 0
    worker.start()
    print(f"ranking worker {worker.worker} running (Ctrl-C stops it)", flush=True)
    try:
        while worker.alive():
            time.sleep(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        worker.stop()
    return 0
