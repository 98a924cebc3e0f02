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

from review.commands.context import CommandError
from review.commands.spelling import add_as
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

    p = qsub.add_parser(
        "versions",
        help="list the saved versions of a strategy (date, author, note, what changed)",
        description="Every saved version of a strategy file (the app's Strategy page saves one at each "
        "save; `review query save` and every `review search` store the file's text when it changed), "
        "oldest first, each with what changed from the one before in plain words.",
    )
    p.add_argument("file", metavar="FILE.yaml", nargs="?", default=None,
                   help="the strategy (default: the project's `strategy:` in review.yaml)")
    p.set_defaults(func=cmd_versions)

    p = qsub.add_parser(
        "diff",
        help="what changed between two saved versions of a strategy, in plain words",
        description="Compare two saved versions (numbers from `review query versions`; 'file' is the "
        "file as it is now) and say what changed: blocks, terms, combination, limits.",
    )
    p.add_argument("old", metavar="A", help="the older version's number (or 'file')")
    p.add_argument("new", metavar="B", help="the newer version's number (or 'file')")
    p.add_argument("file", metavar="FILE.yaml", nargs="?", default=None,
                   help="the strategy (default: the project's `strategy:` in review.yaml)")
    p.set_defaults(func=cmd_diff)

    p = qsub.add_parser(
        "show",
        help="print a saved version of a strategy exactly as saved",
        description="Print the YAML of one saved version, exactly as it was saved (or run).",
    )
    p.add_argument("version", metavar="N", type=int, help="the version's number")
    p.add_argument("file", metavar="FILE.yaml", nargs="?", default=None,
                   help="the strategy (default: the project's `strategy:` in review.yaml)")
    p.set_defaults(func=cmd_show)

    p = qsub.add_parser(
        "save",
        help="store the strategy file as it is now as a new saved version",
        description="Store the strategy file's current text as its next version (refused if it does "
        "not load; nothing stored when it equals the latest version).",
    )
    p.add_argument("file", metavar="FILE.yaml", nargs="?", default=None,
                   help="the strategy (default: the project's `strategy:` in review.yaml)")
    p.add_argument("--note", default="", help="why it changed (kept with the version)")
    add_as(p, old=("--by",), help="who saves it (default: $REVIEW_USER or the login name)")
    p.set_defaults(func=cmd_save)


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
    except StrategyError as exc:  # a strategy file that cannot be rendered: bad input
        raise CommandError(str(exc), 2) from exc
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
        raise CommandError(f"--searched takes YYYY-MM-DD, a real date, not {args.searched!r}", 2)
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
        raise CommandError(f"syntax error: {exc}", 2) from exc
    except StrategyError as exc:
        raise CommandError(str(exc), 2) from exc
    return _emit(rendered, args)


# --- saved versions ----------------------------------------------------------------------

def _versioned(args: argparse.Namespace) -> tuple[Path, str]:
    """The strategy file and its key among the saved versions."""
    from review.commands.context import project_of
    from review.strategy.versions import strategy_key

    project = project_of(args)
    path = Path(args.file) if args.file else Path(_project_strategy(args))
    return path, strategy_key(project.root, path)


def cmd_versions(args: argparse.Namespace) -> int:
    from review.commands.context import engine_of
    from review.strategy.versions import diff_texts, list_versions

    path, key = _versioned(args)
    with engine_of(args).connect() as conn:
        versions = list_versions(conn, key)
    if not versions:
        print(f"{key}: no saved versions yet (`review query save {key}` or the app's Strategy page saves one; "
              "`review search` stores the version it runs)")
        return 0
    before = None
    for v in versions:
        note = f": {v.note}" if v.note else ""
        print(f"{v.version:>3}  {v.saved_at}  {v.author or '-'}{note}")
        changes = ["first saved version"] if before is None else diff_texts(before.text, v.text)
        for change in changes:
            print(f"       {change}")
        before = v
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if current is not None and current != versions[-1].text:
        print(f"  the file {path} has changed since version {versions[-1].version} (not saved yet)")
    return 0


def _version_text(args: argparse.Namespace, which: str, path: Path, key: str) -> tuple[str, str]:
    from review.commands.context import engine_of
    from review.strategy.versions import get_version

    if which == "file":
        return path.read_text(encoding="utf-8"), f"{path} (now)"
    if not which.isdigit():
        raise StrategyError(f"a version is a number from `review query versions` or 'file', not {which!r}")
    with engine_of(args).connect() as conn:
        v = get_version(conn, key, int(which))
    return v.text, f"{key} version {v.version}"


def cmd_diff(args: argparse.Namespace) -> int:
    from review.strategy.versions import diff_texts

    path, key = _versioned(args)
    old_text, old_name = _version_text(args, args.old, path, key)
    new_text, new_name = _version_text(args, args.new, path, key)
    print(f"From {old_name} to {new_name}:")
    for change in diff_texts(old_text, new_text, old_name=old_name, new_name=new_name):
        print(f"  - {change}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    path, key = _versioned(args)
    text, _ = _version_text(args, str(args.version), path, key)
    sys.stdout.write(text)
    return 0


def cmd_save(args: argparse.Namespace) -> int:
    from review.commands.context import actor, engine_of
    from review.strategy.versions import latest_version, save_version

    path, key = _versioned(args)
    text = _read_text(path)
    with engine_of(args).connect() as conn:
        before = latest_version(conn, key)
    v = save_version(engine_of(args), key, text, by=actor(args.by), note=args.note)
    if before is not None and before.version == v.version:
        print(f"{key}: unchanged since version {v.version}; nothing stored")
    else:
        print(f"{key}: saved as version {v.version}")
    return 0
