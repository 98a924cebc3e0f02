"""``review prisma``, ``review export extraction|records``, ``review report
methods|checklist|pack|search-log``, ``review extract``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from review.commands.context import engine_of, output_file, project_of, write_or_print
from review.commands.spelling import add_out
from review.screening import resolve_record


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prisma",
        help="PRISMA 2020 flow counts, the R/Shiny CSV and the flow diagram",
        description="Compute every PRISMA 2020 box from the store, check that the boxes add up, "
        "then print them and optionally write the PRISMA2020 R package / Shiny app CSV and the "
        "flow diagram (SVG, PNG or PDF). Nothing is written when a box does not add up. While "
        "screening is unfinished, --draft gives the counts so far, with the boxes awaiting a "
        "decision, every output marked DRAFT.",
    )
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.add_argument("--csv", metavar="FILE", type=output_file, help="write the PRISMA2020 R/Shiny template CSV")
    p.add_argument("--out", metavar="FILE", type=output_file, help="write the diagram: FILE.svg, FILE.png or FILE.pdf")
    p.add_argument("--title", default=None, help="a title above the diagram (default: none)")
    p.add_argument("--draft", action="store_true",
                   help="while screening is unfinished, print/draw the counts so far with the boxes "
                   "awaiting a decision; every output is marked DRAFT (without --draft, unfinished "
                   "screening is refused)")
    p.set_defaults(func=cmd_prisma)

    p = sub.add_parser("export", help="export the charting table or the records with decisions",
                       description="Export the data-charting table or the records with their screening decisions.")
    esub = p.add_subparsers(dest="what", metavar="WHAT")
    esub.required = True
    e = esub.add_parser("extraction", help="the charting table: one row per included source",
                        description="One row per included source with the final (consensus) values. "
                        "csv/xlsx hold every field plus the fields still open; docx/md hold the "
                        "paper's table (fields with export: true) ready to paste.")
    e.add_argument("--format", required=True, choices=("csv", "xlsx", "docx", "md"))
    e.add_argument("--out", metavar="FILE", type=output_file, help="output file (required for xlsx and docx; default stdout)")
    e.set_defaults(func=cmd_export_extraction)
    e = esub.add_parser("records", help="records with their screening decisions (RIS or CSV)",
                        description="The deduplicated records (or one stage's records) with final "
                        "decisions and reasons. RIS keeps them in N1 notes and KW tags so they survive "
                        "import into EndNote or Zotero.")
    e.add_argument("--stage", choices=("title_abstract", "full_text"), default=None,
                   help="only the records of this stage (default: every deduplicated record, both stages' decisions)")
    e.add_argument("--format", required=True, choices=("ris", "csv"))
    e.add_argument("--out", metavar="FILE", type=output_file, help="output file (default stdout)")
    e.set_defaults(func=cmd_export_records)

    p = sub.add_parser("report", help="draft report text from the store",
                       description="Draft report text computed from the store.")
    rsub = p.add_subparsers(dest="what", metavar="WHAT")
    rsub.required = True
    r = rsub.add_parser("methods", help="a draft methods section (Markdown)",
                        description="A draft methods section: databases, interfaces, dates, limits, "
                        "deduplication, reviewers, blind screening, kappa per stage, conflict "
                        "resolution and the charting process, all from the store.")
    r.add_argument("--out", metavar="FILE", type=output_file, help="output file (default stdout)")
    r.set_defaults(func=cmd_report_methods)
    r = rsub.add_parser("checklist", help="the PRISMA-ScR reporting checklist, pre-filled from the store",
                        description="The PRISMA-ScR checklist (Tricco et al., Ann Intern Med "
                        "2018;169:467-473; 22 items, 12 and 16 optional), each item with the draft "
                        "text the store gives (criteria, sources and dates, the search, selection "
                        "with kappa, charting, data items, the PRISMA counts) and its status: filled "
                        "from the store, partly (what to add) or write in the manuscript. While "
                        "screening is unfinished it is refused as review prisma is, unless --draft.")
    r.add_argument("--format", choices=("md", "csv", "docx"), default="md",
                   help="md: a Markdown table (default); csv: the same columns; docx: a Word table "
                   "(needs --out)")
    add_out(r, old=("--output",), type=output_file, help="output file (default stdout; required for docx)")
    r.add_argument("--draft", action="store_true",
                   help="while screening is unfinished, fill the checklist with the counts so far, "
                   "marked DRAFT (without --draft, unfinished screening is refused)")
    r.set_defaults(func=cmd_report_checklist)
    r = rsub.add_parser("pack", help="one Word document: methods, flow diagram, charting table, checklist, search appendix",
                        description="Everything a supervisor or a journal asks for, in one Word "
                        "document computed from the store: a title line (title, date made), the "
                        "methods draft, Figure 1 (the PRISMA 2020 flow diagram), the charting "
                        "table, the PRISMA-ScR checklist and an appendix with the search strategy "
                        "rendered for PubMed, Ovid MEDLINE and Ovid Embase and the PRISMA-S search "
                        "log. A section with nothing in it yet says so. While screening is "
                        "unfinished it is refused as review prisma is, unless --draft.")
    add_out(r, old=("--output",), metavar="FILE.docx", type=output_file, required=True,
            help="the Word document to write")
    r.add_argument("--draft", action="store_true",
                   help="while screening is unfinished, use the counts so far; the title line, the "
                   "figure and the checklist are marked DRAFT (without --draft, unfinished "
                   "screening is refused)")
    r.set_defaults(func=cmd_report_pack)
    r = rsub.add_parser("search-log", help="the PRISMA-S search log of every search and import",
                        description="The PRISMA-S search log: every search run and every import "
                        "with its database, interface, date, strategy as run and counts (Markdown, "
                        "or CSV with --format csv). Old spelling: review search --log.")
    r.add_argument("--format", dest="log_format", choices=("md", "csv"), default="md",
                   help="md: Markdown (default); csv: one row per strategy line")
    add_out(r, dest="output", type=output_file, help="output file (default stdout)")
    r.set_defaults(func=cmd_report_search_log)

    p = sub.add_parser("extract", help="record data-charting values from scripts",
                       description="Scripted data charting (the app's extraction page does the same). "
                       "RECORD is a record id, pmid:N or doi:X.")
    xsub = p.add_subparsers(dest="action", metavar="ACTION")
    xsub.required = True
    x = xsub.add_parser("set", help="set one field of one record for a reviewer")
    x.add_argument("record", metavar="RECORD")
    x.add_argument("field", metavar="FIELD")
    x.add_argument("value", metavar="VALUE", help='the value ("" clears it; multiple choice: "a; b")')
    x.add_argument("--as", dest="reviewer", required=True, metavar="NAME")
    x.set_defaults(func=cmd_extract_set)
    x = xsub.add_parser("consensus", help="record the consensus value of one field")
    x.add_argument("record", metavar="RECORD")
    x.add_argument("field", metavar="FIELD")
    x.add_argument("value", metavar="VALUE")
    x.add_argument("--as", dest="reviewer", required=True, metavar="NAME")
    x.add_argument("--note", default="", help="why this value")
    x.set_defaults(func=cmd_extract_consensus)
    x = xsub.add_parser("show", help="one record's values: each reviewer's, the consensus and the final value")
    x.add_argument("record", metavar="RECORD")
    x.add_argument("--json", action="store_true")
    x.set_defaults(func=cmd_extract_show)
    x = xsub.add_parser("disagreements", help="open field-level disagreements (dual extraction)")
    x.add_argument("--json", action="store_true")
    x.set_defaults(func=cmd_extract_disagreements)
    x = xsub.add_parser("form", help="print the extraction form")
    x.set_defaults(func=cmd_extract_form)


def _not_a_draft(imported: bool) -> str:
    """What --draft says when nothing awaits a decision (``imported``: any record identified)."""
    if not imported:
        return "nothing is imported yet: every box is 0 (import the search results with review import)"
    return "screening is finished: these are the final counts (nothing marked DRAFT)"


def cmd_prisma(args: argparse.Namespace) -> int:
    from review.commands.studies import print_link_warnings
    from review.reporting.diagram import render_svg, write_diagram
    from review.reporting.prisma import check_arithmetic, draft_note, prisma_counts, prisma_text, to_r_csv

    with engine_of(args).connect() as conn:
        counts = prisma_counts(conn)
    print_link_warnings(counts.study_link_warnings)
    counts = check_arithmetic(counts, draft=args.draft)
    draft = " (DRAFT)" if counts.is_draft else ""
    if args.draft and not counts.is_draft:
        print(_not_a_draft(counts.any_identified), file=sys.stderr)
    if counts.is_draft and (args.out or args.csv or args.json):
        print(f"warning: {draft_note(counts)}", file=sys.stderr)
    if args.out:
        suffix = Path(args.out).suffix.lower()
        if suffix not in (".svg", ".png", ".pdf"):
            from review.commands.context import CommandError

            raise CommandError(f"--out {args.out}: the diagram can be written as .svg, .png or .pdf", 2)
        write_diagram(render_svg(counts, title=args.title or ""), args.out)
        print(f"wrote the PRISMA 2020 flow diagram{draft} to {args.out}", file=sys.stderr)
    if args.csv:
        Path(args.csv).write_text(to_r_csv(counts), encoding="utf-8")
        print(f"wrote the PRISMA2020 R/Shiny CSV{draft} to {args.csv}", file=sys.stderr)
    if args.json:
        print(json.dumps({**counts.to_dict(), "draft": counts.is_draft}, indent=2, ensure_ascii=False))
    elif not (args.out or args.csv):
        heading = ("PRISMA 2020 flow so far, DRAFT (the boxes add up with those awaiting a decision)"
                   if counts.is_draft else "PRISMA 2020 flow (all boxes add up)")
        print(prisma_text(counts, heading=heading))
    return 0


def cmd_export_extraction(args: argparse.Namespace) -> int:
    from review.commands.studies import print_link_warnings
    from review.extraction import form_from_config
    from review.reporting.charting import export_extraction

    project = project_of(args)
    form = form_from_config(project.config)
    with engine_of(args).connect() as conn:
        export = export_extraction(conn, form, args.format, Path(args.out) if args.out else None,
                                   title=f"Data charting table: {project.config.get('title', project.name)}")
    print_link_warnings(export.study_link_warnings)
    if export.text is not None:
        sys.stdout.write(export.text)
    if args.out:
        print(f"wrote {len(export.rows)} sources to {args.out}", file=sys.stderr)
    if export.open_rows:
        print(f"warning: {len(export.open_rows)} sources have fields without a final value "
              "(disagreements without consensus, or a second extractor awaited): "
              "see 'review extract disagreements'", file=sys.stderr)
    return 0


def cmd_export_records(args: argparse.Namespace) -> int:
    from review.reporting.decisions import export_records

    with engine_of(args).connect() as conn:
        text, n = export_records(conn, args.format, args.stage)
    write_or_print(text, args.out, f"{n} records")
    return 0


def cmd_report_methods(args: argparse.Namespace) -> int:
    from review.commands.studies import print_link_warnings
    from review.reporting.methods import gather_methods_facts, methods_text

    project = project_of(args)
    with engine_of(args).connect() as conn:
        facts = gather_methods_facts(conn, project.config, project.root)
    print_link_warnings(facts.study_link_warnings)
    write_or_print(methods_text(facts), args.out, "the methods draft")
    return 0


def cmd_report_checklist(args: argparse.Namespace) -> int:
    from review.commands.studies import print_link_warnings
    from review.reporting.checklist import checklist_csv, checklist_markdown, gather_checklist, write_checklist_docx
    from review.reporting.tables import ExportError

    if args.format == "docx" and not args.out:
        raise ExportError("a docx checklist needs --out FILE.docx")
    project = project_of(args)
    with engine_of(args).connect() as conn:
        checklist = gather_checklist(conn, project.config, project.root, draft=args.draft)
    print_link_warnings(checklist.study_link_warnings)
    if args.draft and not checklist.counts.is_draft:
        print(_not_a_draft(checklist.counts.any_identified), file=sys.stderr)
    if checklist.draft:
        print(f"warning: {checklist.draft}", file=sys.stderr)
    what = "the PRISMA-ScR checklist" + (" (DRAFT)" if checklist.draft else "")
    if args.format == "docx":
        write_checklist_docx(Path(args.out), checklist.rows, title=checklist.title, draft=checklist.draft)
        print(f"wrote {what} to {args.out}", file=sys.stderr)
    elif args.format == "csv":
        write_or_print(checklist_csv(checklist.rows), args.out, what)
    else:
        write_or_print(checklist_markdown(checklist.rows, title=checklist.title, draft=checklist.draft), args.out, what)
    return 0


def cmd_report_pack(args: argparse.Namespace) -> int:
    from datetime import date

    from review.commands.studies import print_link_warnings
    from review.reporting.pack import gather_pack, write_pack
    from review.reporting.tables import ExportError

    out = Path(args.out)
    if out.suffix.lower() != ".docx":
        raise ExportError(f"--out {args.out}: the report pack is a Word document, FILE.docx")
    project = project_of(args)
    pack = gather_pack(engine_of(args), project, made_on=date.today().isoformat(), draft=args.draft,
                       draft_command=f"review report pack --draft --out {args.out}")
    print_link_warnings(pack.study_link_warnings)
    if args.draft and not pack.draft:
        print(_not_a_draft(pack.figure_png is not None), file=sys.stderr)  # a figure iff any record
    if pack.draft:
        print(f"warning: {pack.draft}", file=sys.stderr)
    write_pack(out, pack)
    print(f"wrote the report pack{' (DRAFT)' if pack.draft else ''} to {args.out}", file=sys.stderr)
    return 0


def cmd_report_search_log(args: argparse.Namespace) -> int:
    from review.commands.search import print_log

    return print_log(args)


def cmd_extract_set(args: argparse.Namespace) -> int:
    from review.extraction import form_from_config, set_value

    form = form_from_config(project_of(args).config)
    engine = engine_of(args)
    with engine.connect() as conn:
        rid = resolve_record(conn, args.record)
    value = set_value(engine, form, rid, args.field, args.value, args.reviewer)
    print(f"record {rid}: {args.field} = {value!r} ({args.reviewer})")
    return 0


def cmd_extract_consensus(args: argparse.Namespace) -> int:
    from review.extraction import form_from_config, set_consensus

    form = form_from_config(project_of(args).config)
    engine = engine_of(args)
    with engine.connect() as conn:
        rid = resolve_record(conn, args.record)
    value = set_consensus(engine, form, rid, args.field, args.value, args.note, by=args.reviewer)
    print(f"record {rid}: consensus {args.field} = {value!r} ({args.reviewer})")
    return 0


def cmd_extract_show(args: argparse.Namespace) -> int:
    from review.extraction import display, form_from_config, states_of

    form = form_from_config(project_of(args).config)
    with engine_of(args).connect() as conn:
        rid = resolve_record(conn, args.record)
        states = states_of(conn, form, [rid])[rid]
    if args.json:
        print(json.dumps({fid: {"by_reviewer": s.by_reviewer, "consensus": s.consensus, "final": s.final,
                                "status": s.status} for fid, s in states.items()}, indent=2, ensure_ascii=False))
        return 0
    for f in form.fields:
        s = states[f.id]
        others = ", ".join(f"{r}: {display(v) or '-'}" for r, v in s.by_reviewer.items())
        print(f"{f.id:<26} {s.status:<13} {display(s.final):<30} {others}")
    return 0


def cmd_extract_disagreements(args: argparse.Namespace) -> int:
    from review.extraction import disagreements, display, form_from_config, included_record_ids

    form = form_from_config(project_of(args).config)
    with engine_of(args).connect() as conn:
        items = disagreements(conn, form, included_record_ids(conn))
    if args.json:
        print(json.dumps([{"record_id": d.record_id, "field": d.field, "by_reviewer": d.by_reviewer} for d in items],
                         indent=2, ensure_ascii=False))
        return 0
    if not items:
        print("no open disagreements")
    for d in items:
        values = "  |  ".join(f"{r}: {display(v) or '(empty)'}" for r, v in d.by_reviewer.items())
        print(f"record {d.record_id}  {d.field}: {values}")
    return 0


def cmd_extract_form(args: argparse.Namespace) -> int:
    from review.extraction import form_from_config

    form = form_from_config(project_of(args).config)
    print(f"Extraction form ({form.mode} extraction)")
    for section in form.sections:
        print(f"\n{section.name}")
        for f in section.fields:
            extra = f" [{', '.join(f.options)}]" if f.options else ""
            req = " (required)" if f.required else ""
            print(f"  {f.id:<26} {f.type:<16} {f.label}{req}{extra}")
    return 0
