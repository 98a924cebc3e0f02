"""Import throughput of the RIS and MEDLINE readers against bare rispy / Bio.Medline parsing.

Builds a 10,000-record RIS file and a 10,000-record MEDLINE file from the real samples
(records cycled in order), then times, best of --repeat runs, in the same process:

  bare      rispy.load / list(Bio.Medline.parse(...)) on the same file
  reader    review.formats.<ris|medline>.read: decoding, record boundaries, field mapping
  import    review.importing.import_file into a fresh SQLite store (reader + one transaction)

and prints records/s and each as a ratio to the bare parser (the figures for RESULTS.md).

    PYTHONPATH=$PWD python benchmarks/bench_formats.py [--records 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import itertools
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import rispy
from Bio import Medline

from review.formats import medline as medline_reader
from review.formats import ris as ris_reader

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data" / "formats"
OUT = REPO / "benchmarks" / "out"

RIS_SOURCES = [
    SHARED / "ris" / "ovid_multifile_medline_embase_central_psycinfo_1-1000.ris",
    REPO / "data" / "sample" / "ovid-multidatabase-300.ris",
    REPO / "data" / "sample" / "endnote-blue-light.ris",
    REPO / "tests" / "data" / "formats" / "ris" / "asreview_embase.ris",
    REPO / "tests" / "data" / "formats" / "ris" / "asreview_web_of_science.txt",
]
MEDLINE_SOURCES = [
    SHARED / "medline" / "pubmed-balloongui-set.nbib",
    REPO / "data" / "sample" / "pubmed-blue-light.nbib",
    REPO / "tests" / "data" / "formats" / "medline" / "cancer.nbib",
    REPO / "tests" / "data" / "formats" / "medline" / "pubmed_result2.txt",
]


def _ris_records(path: Path) -> list[str]:
    """Each record's text (TY .. ER), plus the text after it (Ovid's N. lines and links)."""
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    chunks = text.split("\nTY  - ")
    head, rest = chunks[0], chunks[1:]
    if head.startswith("TY  - "):
        rest = [head[6:], *rest]
    return ["TY  - " + c.rstrip("\n") + "\n\n" for c in rest]


def _medline_records(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    return [block.strip("\n") + "\n\n" for block in text.split("\n\n") if block.strip()]


def build(kind: str, count: int) -> Path:
    sources = RIS_SOURCES if kind == "ris" else MEDLINE_SOURCES
    split = _ris_records if kind == "ris" else _medline_records
    pool = [rec for src in sources if src.is_file() for rec in split(src)]
    if not pool:
        raise SystemExit(f"no {kind} sample files found")
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"bench-{count}.{'ris' if kind == 'ris' else 'nbib'}"
    with open(path, "w", encoding="utf-8") as handle:
        for record in itertools.islice(itertools.cycle(pool), count):
            handle.write(record)
    return path


def best_of(repeat: int, work: Callable[[], int]) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        n = work()
        times.append(time.perf_counter() - start)
    return min(times), n


def import_once(path: Path, database: str) -> int:
    from review.importing import import_file
    from review.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        engine = open_store(f"sqlite:///{tmp}/bench.sqlite")
        try:
            return import_file(engine, path, database=database).records_stored
        finally:
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    ris_path = build("ris", args.records)
    nbib_path = build("medline", args.records)
    rows = []
    cases = [
        ("RIS", ris_path,
         lambda: len(rispy.load(ris_path, encoding="utf-8")),
         lambda: ris_reader.read(ris_path).report.records_read,
         lambda: import_once(ris_path, "Ovid")),
        ("MEDLINE", nbib_path,
         lambda: len(list(Medline.parse(open(nbib_path, encoding="utf-8")))),
         lambda: medline_reader.read(nbib_path).report.records_read,
         lambda: import_once(nbib_path, "PubMed")),
    ]
    print(f"python {platform.python_version()}, rispy {getattr(rispy, '__version__', '?')}, "
          f"best of {args.repeat}")
    for name, path, bare, reader, full in cases:
        bare_s, bare_n = best_of(args.repeat, bare)
        read_s, read_n = best_of(args.repeat, reader)
        imp_s, imp_n = best_of(args.repeat, full)
        assert read_n == imp_n, (read_n, imp_n)
        size = path.stat().st_size / 1e6
        rows.append((name, read_n, size, bare_n / bare_s, read_n / read_s, imp_n / imp_s,
                     bare_s, read_s, imp_s))
        if bare_n != read_n:
            print(f"  note: bare parser found {bare_n} records in {path.name}, the reader {read_n}")
    print(f"{'format':8} {'records':>8} {'MB':>6} {'bare rec/s':>11} {'reader rec/s':>13} "
          f"{'import rec/s':>13} {'reader/bare':>12} {'import/bare':>12}")
    for name, n, size, bare_r, read_r, imp_r, *_ in rows:
        print(f"{name:8} {n:>8} {size:>6.1f} {bare_r:>11,.0f} {read_r:>13,.0f} {imp_r:>13,.0f} "
              f"{read_r / bare_r:>12.2f} {imp_r / bare_r:>12.2f}")


if __name__ == "__main__":
    main()
