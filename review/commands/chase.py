"""``review chase``: backward and forward citation searching of the included studies via PubMed."""

from __future__ import annotations

import argparse
import sys

from review.commands.context import CommandError
from review.commands.context import actor, engine_of, project_of
from review.commands.spelling import add_as


STAGE_WORDS = {"full_text": "full text", "title_abstract": "title/abstract", "ids": "the chosen ids"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "chase",
        help="citation searching: follow the included studies' references (backward) and citing records (forward) in PubMed",
        description="Backward (references, elink pubmed_pubmed_refs) and forward (cited by, "
        "pubmed_pubmed_citedin) citation searching of the seed records through PubMed's "
        "citation links. Linked records the project does not hold are fetched and stored as one "
        "'Citation searching' import (PRISMA's other-methods column) that enters the same "
        "screening; links to records already held are kept, not stored again. Responses are "
        "cached under data/cache/eutils/chase, so a run stopped midway continues when run again. "
        "Needs an email for NCBI (NCBI_EMAIL or pubmed.email); REVIEW_EUTILS_URL points it at "
        "another E-utilities server. PubMed's links miss references of articles without PubMed "
        "Central full text and anything not in PubMed: import records from another index with "
        "`review import FILE --database NAME --other-source citation-searching`.",
    )
    p.add_argument("--seeds", nargs="+", metavar="WHICH", default=["full_text"],
                   help="full_text (default: records finally included at full text), title_abstract "
                        "(included at title/abstract), or record ids")
    p.add_argument("--direction", choices=("backward", "forward", "both"), default="both",
                   help="backward (the seeds' references), forward (records citing them) or both (default)")
    p.add_argument("--round", dest="round_number", type=int, default=None, metavar="N",
                   help="the round these links belong to (default: the next round when there are "
                        "seeds no earlier round chased)")
    p.add_argument("--list", dest="list_rounds", action="store_true",
                   help="list every chase run by round (date, seeds, links, records) and stop")
    p.add_argument("--refresh", action="store_true",
                   help="ask PubMed again instead of using cached answers (e.g. for new citing records)")
    p.add_argument("--allow-missing", action="store_true",
                   help="store the run even if some linked records could not be fetched (they are listed)")
    add_as(p, old=("--by",), help="who runs it, for the events (default $REVIEW_USER or the login)")
    p.set_defaults(func=cmd_chase)


def _which(values: list[str]) -> str | list[int]:
    if len(values) == 1 and values[0] in ("full_text", "title_abstract"):
        return values[0]
    ids = []
    for value in values:
        for part in value.replace(",", " ").split():
            if not part.isdigit():
                raise CommandError(f"--seeds takes full_text, title_abstract or record ids, not {part!r}", 2)
            ids.append(int(part))
    return ids


def _print_rounds(engine) -> int:
    from review.chase import included_also_found, rounds

    with engine.connect() as conn:
        rows = rounds(conn)
        also = included_also_found(conn)
    if not rows:
        print("no citation searching yet (review chase)")
        return 0
    for r in rows:
        print(f"round {r['round']}: import #{r['import_id']}, {r['searched_on']}, {' and '.join(r['directions'])}: "
              f"{r['seeds']} seeds, {r['links_found']} links, {r['links_to_held']} to records already held, "
              f"{r['records_stored']} records stored")
        for seed in r["not_chased"]:
            print(f"  record {seed['record_id']}: {seed['status']}")
    if also:
        what = "included study was" if len(also) == 1 else "included studies were"
        print(f"{len(also)} {what} also reached by citation links: "
              + ", ".join(f"record {rid} ({len(links)} link{'s' if len(links) != 1 else ''})"
                          for rid, links in sorted(also.items())))
    return 0


def cmd_chase(args: argparse.Namespace) -> int:
    from review.chase import directions_of, plan_chase, run_chase
    from review.pubmed.cache import cache_root, fingerprint, finish_run, generation_cache, open_run
    from review.pubmed.eutils import EutilsClient, settings_from

    engine = engine_of(args)
    if args.list_rounds:
        return _print_rounds(engine)
    which = _which(args.seeds)
    directions = directions_of(args.direction)
    todo, skipped, round_number = plan_chase(engine, which, directions, round_number=args.round_number)
    selection = which if isinstance(which, str) else "ids"
    if not todo:
        if skipped:
            print(f"nothing new to chase: the {len(skipped)} seed records ({selection}) were all chased "
                  f"{args.direction} in an earlier round; `review chase --list` shows the rounds")
            return 0
        raise CommandError(f"no seed records: no record is finally included at {STAGE_WORDS.get(selection, selection)} yet "
                           "(or give record ids with --seeds)")
    project = project_of(args)
    settings = settings_from(project.section("pubmed") or {})
    root = cache_root(project.data_dir) / "chase"
    print_ = fingerprint(settings.base_url, [], extra={
        "seeds": [[s.record_id, s.pmid, s.doi] for s in todo], "directions": list(directions)})
    state = open_run(root, print_, refresh=args.refresh)
    if state.resumed:
        print(f"continuing the chase of {state.searched_on} from the cache", file=sys.stderr)
    client = EutilsClient(settings, cache=generation_cache(root, state))
    try:
        run, summary = run_chase(engine, client, todo, directions, round_number=round_number,
                                 seed_selection=selection, allow_missing=args.allow_missing,
                                 searched_on=state.searched_on, by=actor(args.by))
    except Exception as exc:
        from review.chase import ChaseIncompleteError

        if isinstance(exc, ChaseIncompleteError):
            missing_file = root / state.generation / "missing-pmids.txt"
            missing_file.parent.mkdir(parents=True, exist_ok=True)
            missing_file.write_text("\n".join(exc.missing) + "\n", encoding="utf-8")
            raise CommandError(f"{exc}; the missing PMIDs are listed in {missing_file}") from exc
        raise
    finish_run(root, state, import_id=summary.import_id)

    print(f"citation searching, round {round_number}, {run.searched_on} via PubMed (E-utilities elink), "
          f"{args.direction}: {len(run.chased)} seeds chased"
          + (f", {len(skipped)} chased in an earlier round" if skipped else ""))
    for seed, counts in zip(run.seeds, summary.per_seed):
        if seed.status != "chased":
            print(f"  record {seed.record_id}: {seed.status}")
            continue
        parts = [f"{d} {c['found']} found, {c['already_held']} held, {c['new']} new"
                 for d, c in counts["counts"].items()]
        via = ", found by its DOI" if seed.pmid_from_doi else ""
        print(f"  record {seed.record_id} (PMID {seed.pmid}{via}): " + "; ".join(parts))
    if summary.import_id is None:
        print(f"nothing new: all {summary.links_known} links were stored by an earlier chase")
    else:
        print(f"{summary.records_stored} new records stored as import #{summary.import_id} "
              f"(Citation searching); {summary.links_stored} links kept, {summary.links_to_held} of them "
              f"to records already held ({client.stats.requests} requests, {client.stats.cache_hits} from "
              f"the cache, {client.stats.retries} retries)")
    for warning in run.warnings:
        print(f"  warning: {warning}", file=sys.stderr)
    if run.missing:
        print(f"  {len(run.missing)} linked PMIDs could not be fetched (listed as missing): "
              f"{', '.join(run.missing[:20])}", file=sys.stderr)
    return 0
