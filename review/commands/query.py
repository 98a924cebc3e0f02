"""``review query render`` and ``review query translate``: strategies for PubMed and Ovid.

The result goes to stdout, warnings to stderr (each names the line and says whether the
result is broader, narrower or different). Exit status 0 on success, warnings included;
2 on a syntax error (the message shows the line, column and text).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from review.strategy import TARGETS, OvidSyntaxError, StrategyError, load_strategy, parse_ovid, parse_pubmed, render
from review.strategy.load import is_date
from review.strategy.render import line_label

SOURCES = ("ovid-medline", "ovid-embase", "ovid-psycinfo", "pubmed")


def register(sub: argparse._SubParsersAction) -> None:
    q = sub.add_parser(
        "query",
        help="render a search strategy for PubMed / Ovid, or translate an Ovid or PubMed strategy",
        description="Search strategies: render a YAML strategy (queries/*.yaml) for a database, "
        "or translate a pasted/exported Ovid or PubMed strategy.",
    )
    qsub = q.add_subparsers(dest="query_command", metavar="ACTION")
    qsub.required = True

    p = qsub.add_parser(
        "render",
        help="render a YAML strategy for a database (pubmed, ovid-medline, ebsco-cinahl, scopus, ...) or summary",
        description="Render a strategy file (YAML) for one database. PubMed: one query ready for "
        "E-utilities and the advanced search box. Ovid: numbered search lines.",
    )
    p.add_argument("file", metavar="FILE.yaml", nargs="?", default=None,
                   help="the strategy (default: the project's `strategy:` in review.yaml)")
    _output_options(p)
    p.set_defaults(func=cmd_render)

    p = qsub.add_parser(
        "translate",
        help="translate an Ovid (MEDLINE, Embase, PsycInfo) or PubMed strategy to another database",
        description="Read an Ovid strategy as pasted or exported (numbered lines or not), or a PubMed "
        "query or search history ('-' reads stdin), and render it for another database, with a "
        "warning for every line that cannot be said exactly.",
    )
    p.add_argument("file", metavar="FILE", help="the Ovid or PubMed strategy (text), or - for stdin")
    p.add_argument("--from", dest="source", required=True, choices=SOURCES, help="the database the strategy was written for")
    p.add_argument("--repair", action="store_true",
                   help="Ovid: join a search line cut in two (by a PDF page break) instead of stopping at it; each join is warned")
    p.add_argument("--searched", metavar="YYYY-MM-DD", default=None,
                   help='the date the search was run: PubMed\'s upper bound for yr="... -Current" (default: no upper bound)')
    _output_options(p)
    p.set_defaults(func=cmd_translate)


def _output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--to", dest="target", required=True, choices=TARGETS, help="the database (or summary) to render for")
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--lines", action="store_true", help="pubmed, scopus: print every numbered line's query (for per-line counts), not only the final query")
    shape.add_argument("--no-numbers", action="store_true", help="numbered lines (Ovid, EBSCOhost, Web of Science, Cochrane, Embase.com): print them without their numbers")
    p.add_argument("--json", action="store_true", help="print {text, lines, warnings} as JSON")


def _emit(rendered, args: argparse.Namespace) -> int:
    if args.json:
        data = {
            "target": args.target,
            "text": rendered.text,
            "lines": [{"number": ln.number, "line": line_label(args.target, ln.number), "query": ln.query, "label": ln.label}
                      for ln in rendered.lines],
            "notes": getattr(rendered, "notes", []),
            "warnings": rendered.warnings,
        }
        print(json.dumps(data, indent=2, ensure_ascii=False))
    elif args.lines and args.target != "summary":
        for ln in rendered.lines:
            print(f"{line_label(args.target, ln.number)} {ln.query}")
    elif args.no_numbers and args.target not in ("summary", "pubmed", "scopus"):
        for ln in rendered.lines:
            print(ln.query)
    else:
        sys.stdout.write(rendered.text)
    for w in rendered.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _project_strategy(args: argparse.Namespace) -> str:
    from review.commands.context import project_of

    project = project_of(args)
    configured = project.config.get("strategy")
    if not configured:
        raise StrategyError(f"{project.root / 'review.yaml'}: no 'strategy:' configured; name a FILE.yaml")
    return str(project.path(configured))


def cmd_render(args: argparse.Namespace) -> int:
    try:
        strategy = load_strategy(args.file or _project_strategy(args))
        rendered = render(strategy, args.target)
    except StrategyError as exc:
        print(f"review: {exc}", file=sys.stderr)
        return 2
    return _emit(rendered, args)


def _read_text(path: Path) -> str:
    """A pasted or exported strategy: UTF-8 (BOM or not), UTF-16 with a BOM, else Latin-1."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StrategyError(f"{path}: cannot read the strategy ({exc.strerror})") from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def cmd_translate(args: argparse.Namespace) -> int:
    if args.searched and not is_date(args.searched):
        print(f"review: --searched takes YYYY-MM-DD, a real date, not {args.searched!r}", file=sys.stderr)
        return 2
    try:
        if args.file == "-":
            text, source = sys.stdin.read(), "<stdin>"
        else:
            path = Path(args.file)
            text = _read_text(path)
            source = str(path)
        if args.source == "pubmed":
            strategy = parse_pubmed(text, source=source)
        else:
            strategy = parse_ovid(text, args.source, source=source, repair=args.repair)
        if args.searched:
            strategy.searched = args.searched
        rendered = render(strategy, args.target)
    except OvidSyntaxError as exc:
        print(f"review: syntax error: {exc}", file=sys.stderr)
        return 2
    except StrategyError as exc:
        print(f"review: {exc}", file=sys.stderr)
        return 2
    return _emit(rendered, args)
