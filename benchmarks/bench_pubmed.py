"""PubMed runner against the local E-utilities server: requests and wall time per 10,000 records,
and where the time goes (our code vs waiting on the rate limit vs the HTTP round trips).

    PYTHONPATH=$PWD python benchmarks/bench_pubmed.py [--records 12500] [--store]

The server (tests/pubmed/eutils_server.py, on 127.0.0.1) holds the 49 real efetch records
plus N records synthesised from them (query "synthetic"), and answers 429 like NCBI when a
client goes over 3 requests/s (10 with an API key), so any impoliteness shows up as 429s.
Runs: (1) no API key, 3 requests/s; (2) with a key, 10/s; (3) the same search again from
the disk cache (what a resumed run costs). Nothing reaches the internet.
"""

from __future__ import annotations

import argparse
import multiprocessing
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "pubmed"))

from eutils_server import EutilsServer, build_corpus  # noqa: E402

import review.formats.pubmed_xml as pubmed_xml  # noqa: E402
from review.pubmed.cache import ResponseCache  # noqa: E402
from review.pubmed.eutils import EutilsClient, EutilsSettings, RateLimiter  # noqa: E402
from review.pubmed.search import run_search  # noqa: E402
from review.strategy import SearchLine  # noqa: E402


def timed_parser():
    spent = [0.0]
    original = pubmed_xml.records_from_xml

    def parse(body: bytes):
        start = time.perf_counter()
        try:
            return original(body)
        finally:
            spent[0] += time.perf_counter() - start

    return parse, spent, original


def serve(records: int, conn) -> None:
    """The server in its own process, so its work does not share our interpreter."""
    server = EutilsServer(build_corpus(records), enforce_rate=True).start()
    conn.send(server.url)
    conn.recv()  # until told to stop
    server.stop()


def one_run(url: str, *, api_key: str = "", cache=None, label: str, store_dir: Path | None = None) -> dict:
    settings = EutilsSettings(base_url=url, email="bench@example.org", tool="review-bench",
                              api_key=api_key)
    client = EutilsClient(settings, limiter=RateLimiter(settings.rate), cache=cache)
    parse, parse_seconds, original = timed_parser()
    pubmed_xml.records_from_xml = parse
    start = time.perf_counter()
    try:
        run = run_search(client, [SearchLine(1, "real", "control line"), SearchLine(2, "synthetic", "final")])
    finally:
        pubmed_xml.records_from_xml = original
    wall = time.perf_counter() - start
    stats = client.stats
    waiting = stats.rate_wait_seconds + stats.backoff_seconds
    ours = wall - waiting - stats.http_seconds
    result = {
        "label": label,
        "records": len(run.records),
        "total": run.total,
        "complete": run.complete,
        "slices": len(run.slices),
        "requests": stats.requests,
        "by_endpoint": stats.by_endpoint,
        "cache_hits": stats.cache_hits,
        "http_429": stats.failures.get("http 429", 0),
        "retries": stats.retries,
        "wall": wall,
        "rate_wait": stats.rate_wait_seconds,
        "backoff": stats.backoff_seconds,
        "http": stats.http_seconds,
        "ours": ours,
        "parse": parse_seconds[0],
        "mb": stats.bytes / 1e6,
    }
    if store_dir is not None:
        from review.pubmed.storing import store_search
        from review.store import open_store

        engine = open_store(f"sqlite:///{store_dir / f'{label.split()[0]}.sqlite'}")
        t = time.perf_counter()
        store_search(engine, run)
        result["store"] = time.perf_counter() - t
        engine.dispose()
    return result


def report(r: dict) -> str:
    per = 10_000 / max(1, r["records"])
    share = lambda x: f"{100 * x / r['wall']:.0f}%" if r["wall"] else "-"  # noqa: E731
    lines = [
        f"### {r['label']}",
        "",
        f"- records: {r['records']:,} of {r['total']:,} (complete: {r['complete']}), {r['slices']} date slices",
        f"- requests: {r['requests']} ({', '.join(f'{k} {v}' for k, v in sorted(r['by_endpoint'].items()))}); "
        f"from cache: {r['cache_hits']}; HTTP 429 (rate limit) answers: {r['http_429']}; retries: {r['retries']}; "
        f"{r['mb']:.1f} MB received",
        f"- requests per 10,000 records: {r['requests'] * per:.1f}",
        f"- wall time: {r['wall']:.1f} s, per 10,000 records: {r['wall'] * per:.1f} s",
        f"- time waiting on the rate limit: {r['rate_wait']:.1f} s ({share(r['rate_wait'])}); "
        f"back-off: {r['backoff']:.1f} s; HTTP round trips (local server): {r['http']:.1f} s ({share(r['http'])})",
        f"- time in our code: {r['ours']:.1f} s ({share(r['ours'])}), of which parsing efetch XML "
        f"(Bio.Entrez + mapping): {r['parse']:.1f} s",
    ]
    if "store" in r:
        lines.append(f"- storing the run in SQLite (one transaction): {r['store']:.1f} s")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=12_500)
    parser.add_argument("--store", action="store_true", help="also time storing each run in SQLite")
    args = parser.parse_args()
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=serve, args=(args.records, child), daemon=True)
    process.start()
    url = parent.recv()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = ResponseCache(Path(tmp) / "cache")
        store_dir = Path(tmp) if args.store else None
        try:
            results.append(one_run(url, label="no API key (3 requests/s)", cache=cache, store_dir=store_dir))
            time.sleep(1.1)  # let the server's one-second window empty
            results.append(one_run(url, api_key="bench-key", label="API key (10 requests/s)", store_dir=store_dir))
            results.append(one_run(url, label="rerun from the disk cache", cache=cache))
        finally:
            parent.send("stop")
            process.join(5)
    print(f"machine: {platform.platform()}, python {platform.python_version()}")
    for r in results:
        print()
        print(report(r))


if __name__ == "__main__":
    main()
