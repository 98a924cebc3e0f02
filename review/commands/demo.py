"""``review demo``: run the bundled default review end to end on this machine.

It runs on the bundled default review only (the repository's own folder); in any other
project it refuses and names ``review screen`` and ``review init DIR --example``.
The steps are the pipeline's own commands, in order: render the strategy for every
database, run it in PubMed when NCBI is reachable (else say so and use the bundled
exports), import the sample, deduplicate, show status and the PRISMA counts so far, issue
the demo reviewers' sign-in links and start the screening app (unless ``--no-serve``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from review.commands.context import engine_of, project_of
from review.demo import check_default_review, demo_reviewers, demo_tokens_path, import_sample, prisma_lines

TARGETS = ("pubmed", "ovid-medline", "ovid-embase")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="run the bundled default review end to end",
        description="Run the default review (the worked example) end to end: render its search "
        "strategy for PubMed, Ovid MEDLINE and Ovid Embase; run it in PubMed when NCBI is "
        "reachable and NCBI_EMAIL is set (otherwise say so and work offline); import the bundled "
        "sample exports; deduplicate; print the status and the PRISMA counts so far; then start "
        "the screening app with the demo reviewers and print their sign-in links. It runs only in "
        "the bundled default review (the repository's folder) and never changes the token of a "
        "reviewer it did not create; in your own project use `review reviewers add NAME` and "
        "`review screen`, and `review init DIR --example` for a copy of the worked example.",
    )
    p.add_argument("--no-serve", action="store_true", help="do everything but start the screening app")
    p.add_argument("--offline", action="store_true", help="do not try to reach PubMed even if NCBI_EMAIL is set")
    p.add_argument("--port", type=int, default=8501, metavar="N", help="port for the screening app (default 8501, or the next free one)")
    p.add_argument("--host", default="127.0.0.1", metavar="H", help="address for the screening app (default 127.0.0.1)")
    p.set_defaults(func=cmd_demo)


def _heading(text: str) -> None:
    print(f"\n== {text}", flush=True)


def render_step(project, out_dir: Path) -> None:
    from review.strategy import load_strategy, render

    path_text = project.config.get("strategy")
    if not path_text:
        print("  no `strategy:` in review.yaml; nothing to render")
        return
    path = project.path(path_text)
    strategy = load_strategy(path)
    out_dir.mkdir(parents=True, exist_ok=True)
    for target in TARGETS:
        rendered = render(strategy, target)
        out = out_dir / f"{path.stem}.{target}.txt"
        out.write_text(rendered.text + "\n", encoding="utf-8")
        note = f", {len(rendered.warnings)} translation warning(s)" if rendered.warnings else ""
        print(f"  {target:<13} {len(rendered.lines):>3} lines -> {out}{note}")
    pubmed = render(strategy, "pubmed")
    print(f"  PubMed query (paste into PubMed's advanced search):\n    {pubmed.lines[-1].query}")
    print(f"  (`review query render {path_text} --to ovid-medline` prints the Ovid lines and the warnings)")


def pubmed_reachable(project) -> tuple[bool, str]:
    """Whether a PubMed search can run now, and why not when it cannot."""
    import requests

    from review.pubmed.eutils import MissingEmailError, settings_from

    try:
        settings = settings_from(project.section("pubmed") or {})
    except MissingEmailError:
        return False, "NCBI_EMAIL is not set (export NCBI_EMAIL=you@example.org to search PubMed)"
    try:
        requests.get(settings.url("einfo"), params={"db": "pubmed", "retmode": "json"}, timeout=5)
    except requests.RequestException as exc:
        return False, f"NCBI E-utilities ({settings.base_url}) cannot be reached ({type(exc).__name__})"
    return True, ""


def search_step(args: argparse.Namespace, project) -> None:
    if args.offline:
        print("  offline (--offline): using the bundled exports instead of a live PubMed search")
        return
    ok, why = pubmed_reachable(project)
    if not ok:
        print(f"  offline: {why}.\n  Using the bundled exports in data/sample/ instead.")
        return
    from review.cli import build_parser
    from review.commands.context import CommandError

    # `review search` exactly as a user would type it, on this project and store
    search_args = build_parser().parse_args(["--project", str(project.root), "search"])
    search_args._project, search_args._engine = args._project, args._engine
    try:
        search_args.func(search_args)
    except CommandError as exc:  # e.g. already run and stored: the stored run is used
        print(f"  {exc}")


def dedup_step(engine) -> None:
    from review.dedup.run import run_dedup

    s = run_dedup(engine, by="review demo")
    print(
        f"  {s.records} records: {s.duplicates_removed} duplicates removed, "
        f"{s.unique_records} unique records to screen ({s.seconds:.1f} s)"
    )
    if s.pending:
        print(f"  {s.pending} uncertain pair(s) wait for a person: review dedup pending")


def _demo_project(args: argparse.Namespace):
    """The project the demo was asked to run on; outside any project, an error naming the
    folder where it runs (the generic advice to `review init` would lead away from it)."""
    import os

    from review.demo import DemoError
    from review.project import ENV_PROJECT, ProjectError, template_root

    try:
        return project_of(args)
    except ProjectError:
        if args.project is not None or os.environ.get(ENV_PROJECT):
            raise
        root = template_root()
        raise DemoError(
            f"`review demo` runs in the bundled default review, the repository folder {root}: "
            f"cd {root} and run `make demo` (or `review demo`) there"
        ) from None


def cmd_demo(args: argparse.Namespace) -> int:
    from review.commands.core import cmd_status

    project = _demo_project(args)
    check_default_review(project)  # before the store is opened: nothing is written elsewhere
    engine = engine_of(args)
    print(f"Default review: {project.config.get('title', project.name)}")
    print(f"Project: {project.root}\nStore: {project.database_url}")

    _heading("1. The search strategy, rendered for each database")
    render_step(project, project.data_dir / "strategies")

    _heading("2. PubMed")
    search_step(args, project)

    _heading("3. Importing the bundled sample (data/sample/, see SOURCES.md there)")
    import_sample(engine, project)

    _heading("4. Deduplication")
    dedup_step(engine)

    _heading("5. Status")
    args.json = False
    cmd_status(args)

    _heading("6. PRISMA 2020 counts so far (`review prisma --draft --out prisma.svg` draws them)")
    for line in prisma_lines(engine):
        print(f"  {line}" if line else "")

    _heading("7. Screening")
    reviewers = demo_reviewers(engine, project)
    from review.commands.app import app_url, port_in_use, run_app

    port = args.port
    while not args.no_serve and port_in_use(args.host, port) and port < args.port + 50:
        port += 1
    url = app_url(args.host, port)

    def print_links() -> None:
        print_sign_in_links(reviewers, url, demo_tokens_path(project))

    if args.no_serve:
        print("  --no-serve: the app is not started; `review screen` starts it.")
        print_links()
        return 0
    sys.stdout.flush()
    return run_app(project, host=args.host, port=port, on_ready=print_links)


def print_sign_in_links(reviewers, url: str, tokens_file: Path) -> None:
    """The demo reviewers' sign-in links (what a user of the demo needs last on screen)."""
    print("\n  Sign-in links for the demo reviewers (each opens the app signed in as that person):")
    for r in reviewers:
        link = f"{url}?token={r.token}" if r.token else f"no link: {r.note}"
        print(f"    {r.name:<6} ({r.role:<8}) {link}")
    print(f"  (demo tokens are kept in {tokens_file}, readable by you only; real reviewers get "
          "theirs from `review reviewers add NAME`)", flush=True)
