"""``review search``: run the strategy in PubMed (E-utilities) and store it. The PRISMA-S search log
is ``review report search-log`` (``print_log`` here; ``review search --log`` is its old spelling)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from review.commands.context import CommandError
from review.commands.context import engine_of, output_file, project_of, write_or_print
from review.commands.spelling import ACTING_HELP, STORE_TRUE, add_as, add_out, deprecated

if TYPE_CHECKING:
    from review.strategy import SearchLine

PHASES = {"lines": ("lines counted", " line"), "slices": ("PMIDs collected", " id"), "records": ("records fetched", " rec")}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "search",
        help="run the search strategy in PubMed (E-utilities) and store every record (the PRISMA-S search log: review report search-log)",
        description="Run a strategy in PubMed through NCBI E-utilities: every line counted, the final "
        "query's records all fetched (split by date past 9,999 records, with proof that nothing is "
        "missed), stored as one search with its date, query, translation and per-line counts. "
        "Responses are cached under data/cache/eutils, so running the same command again after a "
        "crash or Ctrl-C continues where it stopped. Needs an email for NCBI (NCBI_EMAIL or "
        "pubmed.email in review.yaml); NCBI_API_KEY raises the rate from 3 to 10 requests/s. "
        "REVIEW_EUTILS_URL (or pubmed.eutils_url) points it at another E-utilities server.",
    )
    p.add_argument("strategy", metavar="STRATEGY.yaml", nargs="?", default=None,
                   help="the strategy file (default: the project's `strategy:`)")
    p.add_argument("--query", metavar="TEXT", default=None, help="run this raw PubMed query instead of a strategy file")
    p.add_argument("--refresh", action="store_true", help="ignore cached responses and run the search afresh (a new search date)")
    p.add_argument("--update", action="store_true",
                   help="update the stored search: records added to PubMed (Entrez date) since the last run's "
                        "date, only PMIDs the project does not hold, stored as an update of the first run")
    p.add_argument("--allow-missing", action="store_true",
                   help="store the run even if some PMIDs could not be fetched (they are listed in the log)")
    p.add_argument("--batch-size", type=int, default=500, metavar="N", help="records per efetch request (default 500)")
    add_as(p, help=ACTING_HELP)
    # the search log's old spelling (review search --log [--format F] [--output FILE]); now review report search-log
    p.add_argument("--log", action=deprecated(STORE_TRUE, "review report search-log"), help=argparse.SUPPRESS)
    p.add_argument("--format", dest="log_format", choices=("md", "csv"), default="md", help=argparse.SUPPRESS)
    add_out(p, old=("--output",), dest="output", type=output_file, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_search)


def cmd_search(args: argparse.Namespace) -> int:
    if args.log:
        if args.strategy or args.query is not None:
            raise CommandError("--log prints the log of the searches already stored; it takes no "
                               "strategy or --query", 2)
        return print_log(args)
    if args.output or args.log_format != "md":
        raise CommandError("--format and --output go with --log (the search log)", 2)
    if args.strategy and args.query is not None:
        raise CommandError(f"give a strategy file ({args.strategy}) or --query, not both", 2)
    if args.update and args.refresh:
        raise CommandError("--update adds what PubMed has added since the last run; --refresh runs the "
                           "whole search again: give one of them", 2)
    return _run(args)


def print_log(args: argparse.Namespace) -> int:
    """The PRISMA-S search log (``args.log_format``: md or csv) to ``args.output`` or the screen."""
    from review.pubmed.log import render_csv, render_markdown, search_log

    entries = search_log(engine_of(args))
    if args.log_format == "csv":
        text = render_csv(entries)
    else:
        project = project_of(args)
        from review.strategy.pasted import project_markdown

        text = render_markdown(entries, title=str(project.config.get("title") or project.name),
                               strategies=project_markdown(project))
    write_or_print(text, args.output, f"the search log ({len(entries)} searches and imports)")
    return 0


def _jsonable(value: Any) -> Any:
    """Plain JSON data from the strategy's limits (dataclasses, tuples, objects with to_dict)."""
    import dataclasses

    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    for name in ("to_dict", "model_dump", "as_dict"):
        method = getattr(value, name, None)
        if callable(method):
            return _jsonable(method())
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return str(value)


def _strategy_lines(args: argparse.Namespace) -> tuple[list[SearchLine], Any, str]:
    """(lines, limits, source) from --query or the strategy file (``source``: its path)."""
    from review.strategy import SearchLine, load_strategy, search_lines

    if args.query is not None:
        if not args.query.strip():
            raise CommandError("--query needs a PubMed query", 2)
        return [SearchLine(1, args.query.strip(), "query")], None, "--query"
    project = project_of(args)
    path_text = args.strategy or project.config.get("strategy")
    if not path_text:
        raise CommandError("no strategy: name a STRATEGY.yaml, set `strategy:` in review.yaml, or use --query", 2)
    path = Path(path_text) if args.strategy else project.path(path_text)
    if not path.is_file():
        raise CommandError(f"{path}: no such strategy file", 2)
    strategy = load_strategy(path)
    lines = list(search_lines(strategy, "pubmed"))
    if not lines:
        raise CommandError(f"{path}: the strategy has no PubMed lines")
    return lines, _jsonable(getattr(strategy, "limits", None)), str(path)


def _record_version(engine: Any, project: Any, source: str, by: str | None = None) -> dict[str, Any] | None:
    """The saved version of the strategy file about to run (saved now if the file changed since)."""
    if source == "--query":
        return None
    from review.commands.context import actor
    from review.strategy.versions import record_version, strategy_key

    path = Path(source)
    key = strategy_key(project.root, path)
    version = record_version(engine, key, path.read_text(encoding="utf-8"), by=actor(by))
    return {"strategy": key, "version": version.version, "sha256": version.sha256}


class _Bars:
    """One tqdm bar per phase of the run (stderr; silent when not a terminal)."""

    def __init__(self) -> None:
        import os

        self.bars: dict[str, tqdm] = {}
        self.done: dict[str, int] = {}
        # the app's background run (review.search_job) reads the progress from this file
        self.progress_file = os.environ.get("REVIEW_PROGRESS_FILE", "")

    def __call__(self, phase: str, advance: int, total: int | None) -> None:
        bar = self.bars.get(phase)
        if bar is None:
            desc, unit = PHASES.get(phase, (phase, ""))
            bar = tqdm(total=total, desc=desc, unit=unit, disable=None, file=sys.stderr, leave=False)
            self.bars[phase] = bar
        bar.update(advance)
        self.done[phase] = self.done.get(phase, 0) + advance
        if self.progress_file:
            from review.search_job import write_progress

            write_progress(self.progress_file, phase, self.done[phase], total)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _run(args: argparse.Namespace) -> int:
    from review.pubmed.cache import cache_root, fingerprint, finish_run, generation_cache, open_run
    from review.pubmed.eutils import EutilsClient, settings_from
    from review.pubmed.search import IncompleteSearchError, run_search
    from review.pubmed.storing import find_stored_search, store_search

    if args.batch_size < 1 or args.batch_size > 10000:
        raise CommandError("--batch-size must be between 1 and 10000", 2)
    project = project_of(args)
    engine = engine_of(args)
    lines, limits, source = _strategy_lines(args)
    version = _record_version(engine, project, source, args.by)
    settings = settings_from(project.section("pubmed") or {})
    root = cache_root(project.data_dir)
    print_ = fingerprint(settings.base_url, lines)
    if args.update:
        return _update(args, engine, lines, limits, source, settings, root, print_)
    previous = find_stored_search(engine, print_)
    if previous and not args.refresh:
        raise CommandError(
            f"this search was run and stored already (import #{previous['id']}, searched "
            f"{previous['searched_on']}); use --update to add what PubMed has added since, or "
            "--refresh to run it again against PubMed"
        )
    state = open_run(root, print_, refresh=args.refresh)
    if state.resumed:
        print(f"continuing the run of {state.searched_on} from the cache ({root / state.generation})", file=sys.stderr)
    client = EutilsClient(settings, cache=generation_cache(root, state))
    bars = _Bars()
    try:
        run = run_search(client, lines, limits=limits, searched_on=state.searched_on,
                         batch_size=args.batch_size, progress=bars)
    finally:
        bars.close()
    try:
        summary = store_search(engine, run, allow_missing=args.allow_missing, fingerprint=print_,
                               strategy_version=version)
    except IncompleteSearchError as exc:
        missing_file = root / state.generation / "missing-pmids.txt"
        missing_file.parent.mkdir(parents=True, exist_ok=True)
        missing_file.write_text("\n".join(exc.missing) + "\n", encoding="utf-8")
        raise CommandError(f"{exc}; the missing PMIDs are listed in {missing_file}") from exc
    finish_run(root, state, import_id=summary.import_id)

    ran = f", {version['strategy']} version {version['version']}" if version else ""
    print(f"PubMed searched {run.searched_on} via {run.interface} ({source}{ran})")
    width = max(len(f"{line.count:,}") for line in run.lines)
    for line in run.lines:
        label = f"  [{line.label}]" if line.label else ""
        print(f"  {line.number:>3}  {line.count:>{width},}  {line.query}{label}")
    if run.query_translation:
        print(f"  translation: {run.query_translation}")
    extra = f"; {len(run.slices)} date slices" if len(run.slices) > 1 else ""
    print(
        f"{summary.records_stored} of {run.total} records stored as import #{summary.import_id}"
        f"{extra} ({client.stats.requests} requests, {client.stats.cache_hits} from the cache, "
        f"{client.stats.retries} retries)"
    )
    for warning in run.warnings:
        print(f"  warning: {warning}", file=sys.stderr)
    if run.missing:
        print(f"  {len(run.missing)} PMIDs could not be fetched (stored as missing): "
              f"{', '.join(run.missing[:20])}", file=sys.stderr)
    return 0


def _update(args: argparse.Namespace, engine: Any, lines: list[SearchLine], limits: Any, source: str,
            settings: Any, root: Path, print_: str) -> int:
    """``review search --update``: the stored strategy for records PubMed added (Entrez date)
    from the last run's date to today; PMIDs the project holds are counted, not stored again."""
    from datetime import date

    import sqlalchemy as sa

    from review.pubmed.cache import fingerprint, finish_run, generation_cache, open_run
    from review.pubmed.eutils import EutilsClient
    from review.pubmed.search import IncompleteSearchError, run_search
    from review.pubmed.storing import search_runs, store_search, update_of
    from review.store.live import live_clause
    from review.store.schema import records

    runs = search_runs(engine, print_)
    if not runs:
        raise CommandError("there is no stored run of this search to update: run it first with "
                           "`review search` (an update finds what PubMed added since that run)")
    first = next((r for r in runs if update_of(r) is None), runs[0])
    last = max(runs, key=lambda r: (r["searched_on"] or "", int(r["id"])))
    try:
        since = date.fromisoformat(last["searched_on"])
    except (TypeError, ValueError):
        raise CommandError(f"import #{last['id']} has no usable search date ({last['searched_on']!r}); "
                           f"set it with `review import edit {last['id']} --searched YYYY-MM-DD`") from None
    today = date.today()
    if since >= today:
        raise CommandError(f"this search was last run on {last['searched_on']} (import #{last['id']}); an "
                           "update finds records PubMed added since that day: run it on a later day")
    with engine.connect() as conn:
        held = {str(p) for p in conn.execute(
            sa.select(records.c.pmid).where(live_clause(), records.c.pmid != "")).scalars()}
    state = open_run(root, fingerprint(settings.base_url, lines, extra={"update_since": since.isoformat()}))
    if state.resumed:
        print(f"continuing the update of {state.searched_on} from the cache", file=sys.stderr)
    client = EutilsClient(settings, cache=generation_cache(root, state))
    bars = _Bars()
    try:
        run = run_search(client, lines, limits=limits, searched_on=state.searched_on,
                         batch_size=args.batch_size, progress=bars, window=(since, today), held=held)
    finally:
        bars.close()
    try:
        summary = store_search(engine, run, allow_missing=args.allow_missing, fingerprint=print_,
                               update_of=int(first["id"]))
    except IncompleteSearchError as exc:
        raise CommandError(str(exc)) from exc
    finish_run(root, state, import_id=summary.import_id)
    print(f"PubMed update of import #{first['id']} (first searched {first['searched_on']}; {source}), searched "
          f"{run.searched_on}: Entrez date {since.isoformat()} to {today.isoformat()}")
    print(f"{run.total} records in that window, {len(run.held)} already held, {summary.records_stored} new "
          f"records stored as import #{summary.import_id} ({client.stats.requests} requests, "
          f"{client.stats.cache_hits} from the cache, {client.stats.retries} retries)")
    for warning in run.warnings:
        print(f"  warning: {warning}", file=sys.stderr)
    return 0
