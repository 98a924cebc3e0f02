"""``review demo``: run the bundled default review on this machine."""

from __future__ import annotations

import argparse

from review.commands.context import engine_of, project_of
from review.commands.core import cmd_status
from review.demo import import_sample


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="run the bundled default review end to end",
        description="Run the default review (the worked example) on its bundled offline sample: "
        "import the sample exports and show what the store holds.",
    )
    p.add_argument("--no-serve", action="store_true", help="do not start the screening app at the end")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    project = project_of(args)
    engine = engine_of(args)
    print(f"Default review: {project.config.get('title', project.name)}")
    print(f"Store: {project.database_url}\n")
    print("Importing the bundled sample (data/sample/, see SOURCES.md there):")
    import_sample(engine, project)
    print()
    args.json = False
    return cmd_status(args)
