"""``review import withdraw N`` and ``review import edit N``: take an import back, or attach its
strategy, search date or interface after the fact (thin over ``review.imports``).

``review import`` itself takes files (``review.commands.core``). ``review.cli`` routes the
words ``withdraw`` and ``edit`` right after ``import`` to the commands here (registered as
``import-withdraw`` / ``import-edit``, not listed in the help), so ``review import some.ris``
is unchanged. A file literally named ``withdraw`` or ``edit`` is imported as
``review import ./withdraw ...`` (any path that is not the bare word).
"""

from __future__ import annotations

import argparse
import json

from review.commands.context import actor, engine_of
from review.commands.spelling import add_as

# (command, word after it) -> the registered command it runs
VERBS = {
    ("import", "withdraw"): "import-withdraw",
    ("import", "edit"): "import-edit",
}

IMPORT_EPILOG = (
    "Take an import back or complete it: 'review import withdraw N --reason TEXT' (its records "
    "leave every count, dedup and queue; nothing is deleted), 'review import FILE --replace N' "
    "(withdraw N and import FILE in one transaction), 'review import edit N --strategy FILE "
    "--searched YYYY-MM-DD --interface NAME'. A file named 'withdraw' or 'edit': write ./withdraw."
)


def route(argv: list[str]) -> list[str]:
    """``argv`` with ``import withdraw``/``import edit`` turned into the registered command
    name; the global options before the command (``--project DIR``) are skipped over."""
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--project":
            i += 2
        elif word.startswith("-"):
            i += 1
        else:
            break
    if i + 1 < len(argv) and (argv[i], argv[i + 1]) in VERBS:
        return [*argv[:i], VERBS[(argv[i], argv[i + 1])], *argv[i + 2:]]
    return list(argv)


def _who(args: argparse.Namespace) -> str:
    return actor(args.by)


def _import_id(text: str) -> int:
    value = text[1:] if text.startswith("#") else text
    if not value.isdigit():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an import number (see 'review status'); to import a file named "
            f"{text!r}, write ./{text}"
        )
    return int(value)


def register(sub: argparse._SubParsersAction) -> None:
    if "import" in sub.choices:
        sub.choices["import"].epilog = IMPORT_EPILOG
    # no help= : not listed among the commands (they are reached as "review import VERB")
    p = sub.add_parser(
        "import-withdraw",
        prog="review import withdraw",
        description="Withdraw import N: its records leave every count (PRISMA, status, "
        "per-database counts), deduplication (clusters are formed again without them, their "
        "uncertain pairs leave the queue) and the screening queues. Nothing is deleted: the "
        "search log marks it withdrawn and an event records who, when and why. Refused while "
        "any of its records carries a screening decision. To import a corrected file in its "
        "place in one step: review import FILE --replace N.",
    )
    p.add_argument("import_id", metavar="N", type=_import_id, help="the import's number (review status)")
    p.add_argument("--reason", default="", help="why (kept in the event and the search log)")
    add_as(p, old=("--by",), help="who withdraws it (default: $REVIEW_USER or the login name)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_withdraw)

    p = sub.add_parser(
        "import-edit",
        prog="review import edit",
        description="Set the search strategy as run (a text file, e.g. Ovid's search history), "
        "the date searched or the interface of import N, for the PRISMA-S search log. The old "
        "values are kept in an event.",
    )
    p.add_argument("import_id", metavar="N", type=_import_id, help="the import's number (review status)")
    p.add_argument("--strategy", metavar="FILE", default=None, help="the search strategy as run (text file)")
    p.add_argument("--searched", metavar="YYYY-MM-DD", default=None, help="the date the search was run")
    p.add_argument("--interface", metavar="NAME", default=None, help='e.g. "Ovid", "PubMed", "Embase.com"')
    p.add_argument("--reason", default="", help="why (kept in the event)")
    add_as(p, old=("--by",), help="who edits it (default: $REVIEW_USER or the login name)")
    p.set_defaults(func=cmd_edit)


def cmd_withdraw(args: argparse.Namespace) -> int:
    from review.imports import withdraw_import

    summary = withdraw_import(engine_of(args), args.import_id, by=_who(args), reason=args.reason)
    if args.json:
        print(json.dumps(summary.__dict__, indent=2, ensure_ascii=False))
        return 0
    what = summary.file_name or summary.database
    print(f"import #{summary.import_id} ({what}) withdrawn: its {summary.records} records count "
          "nowhere now (kept in the store, marked withdrawn in the search log)")
    if summary.clusters_changed:
        print(f"  {summary.clusters_changed} duplicate cluster(s) held its records: clustered again without them")
    if summary.pairs_superseded:
        print(f"  {summary.pairs_superseded} uncertain pair(s) naming its records left the dedup queue")
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    from review.commands.core import _read_strategy
    from review.imports import edit_import

    strategy = _read_strategy(args.strategy) if args.strategy is not None else None
    changes = edit_import(
        engine_of(args), args.import_id, strategy=strategy, searched=args.searched,
        interface=args.interface, by=_who(args), reason=args.reason,
    )
    if not changes:
        print(f"import #{args.import_id}: nothing changed (the values given are the ones stored)")
        return 0
    for name, change in changes.items():
        if name == "strategy":
            lines = len(change["new"].splitlines())
            print(f"import #{args.import_id}: strategy attached ({lines} lines)"
                  + (" (replacing the earlier one)" if change["old"] else ""))
        else:
            old = change["old"] or "not given"
            print(f"import #{args.import_id}: {name} {change['new']} (was {old})")
    return 0
