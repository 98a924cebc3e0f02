"""Synthetic sets of any size built from the real labelled records (for time and memory growth).

Distinct "papers" are made from real records: each takes a real record's title and swaps
about half of its content words for words from other real titles (so two papers made from
one record are clearly different), real author surnames, a real journal name, and random
year, volume, issue, pages and (for most) a DOI. Each paper then appears 1-4 times, the
copies perturbed the way databases differ: dropped DOI/abstract/pages/issue, abbreviated
journal, abbreviated page ranges, MEDLINE-style author names, a truncated author list,
title case and punctuation, a typo, a language/refs tag, an epub year off by one.
The gold partition is known (``gold[i]`` is the paper index of record ``i``).
"""

from __future__ import annotations

import random
import re
from dataclasses import replace

from review.records import Record

STOP = frozenset("a an and are as at by for from in into is of on or the to with".split())


def _pool(sets) -> list[Record]:
    """One real record per gold group (or every unflagged record) from the labelled sets."""
    pool: list[Record] = []
    for s in sets:
        seen: set[str] = set()
        for i, rec in enumerate(s.records):
            if rec is None or not rec.title:
                continue
            if s.gold is not None:
                if s.gold[i] in seen:
                    continue
                seen.add(s.gold[i])
            elif s.flagged and s.flagged[i]:
                continue
            pool.append(rec)
    return pool


def _abbreviate_journal(name: str) -> str:
    words = [w for w in re.split(r"\W+", name) if w and w.lower() not in STOP]
    return " ".join(w[:4] if len(w) > 5 else w for w in words)


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 10:
        return text
    pos = rng.randrange(1, len(text) - 1)
    op = rng.random()
    if op < 0.33:
        return text[:pos] + text[pos + 1:]
    if op < 0.66:
        return text[:pos] + text[pos + 1] + text[pos] + text[pos + 2:]
    return text[:pos] + rng.choice("aeiourstn") + text[pos:]


def _medline_author(name: str) -> str:
    if "," not in name:
        return name
    surname, given = name.split(",", 1)
    initials = "".join(w[0] for w in re.split(r"[\s.\-]+", given) if w)
    return f"{surname.strip()} {initials.upper()}"


def make_paper(k: int, pool: list[Record], vocab: list[str], surnames: list[str], journals: list[str],
               rng: random.Random) -> Record:
    base = pool[k % len(pool)]
    words = base.title.split()
    content = [i for i, w in enumerate(words) if w.lower() not in STOP]
    for i in rng.sample(content, k=max(1, len(content) // 2)) if content else []:
        words[i] = rng.choice(vocab)
    n_authors = rng.choice((1, 2, 3, 3, 4, 5, 6, 8, 12))
    authors = [f"{rng.choice(surnames)}, {rng.choice('ABCDEFGHJKLMNPRST')}. {rng.choice('ABCDEFGHJKLMNPRST')}."
               for _ in range(n_authors)]
    start = rng.randint(1, 3000)
    abstract = " ".join(rng.choice(vocab) for _ in range(rng.randint(60, 180))) if rng.random() < 0.75 else ""
    return Record(
        title=" ".join(words),
        authors=authors,
        year=rng.randint(1985, 2024),
        journal=rng.choice(journals),
        volume=str(rng.randint(1, 400)),
        issue=str(rng.randint(1, 12)) if rng.random() < 0.8 else "",
        start_page=str(start),
        end_page=str(start + rng.randint(2, 15)),
        doi=f"10.9999/synth.{k}" if rng.random() < 0.6 else "",
        abstract=abstract,
        source_database="MEDLINE",
    )


def perturb(rec: Record, rng: random.Random) -> Record:
    """A copy of ``rec`` as another database might hold it."""
    out = replace(rec, authors=list(rec.authors), source_database=rng.choice(("Embase", "Scopus", "CINAHL", "PsycINFO")))
    if rng.random() < 0.4:
        out.doi = ""
    if rng.random() < 0.3:
        out.abstract = ""
    if rng.random() < 0.15:
        out.start_page = out.end_page = ""
    if rng.random() < 0.2:
        out.issue = ""
    if rng.random() < 0.4:
        out.journal = _abbreviate_journal(out.journal)
    if out.end_page and rng.random() < 0.3:  # "1234-9" style
        s, e = out.start_page, out.end_page
        if len(s) == len(e):
            i = 0
            while i < len(s) - 1 and s[i] == e[i]:
                i += 1
            out.end_page = e[i:]
    if rng.random() < 0.3:
        out.title = out.title.upper() if rng.random() < 0.2 else out.title.lower()
    if rng.random() < 0.25:
        out.title = out.title.rstrip(".") + "."
    if rng.random() < 0.25:
        out.title = _typo(out.title, rng)
    if rng.random() < 0.08:
        out.title += rng.choice((" [Review]", " [German]", " [42 refs]"))
    if rng.random() < 0.4:
        out.authors = [_medline_author(a) for a in out.authors]
    if len(out.authors) > 3 and rng.random() < 0.15:
        out.authors = out.authors[:3]
    if out.year and rng.random() < 0.08:
        out.year += 1
    return out


def build(n: int, sets, seed: int = 20240601) -> tuple[list[Record], list[int]]:
    """``n`` records (about n/1.7 papers, each in 1-4 copies) and the paper index of each."""
    rng = random.Random(seed)
    pool = _pool(sets)
    vocab = sorted({w for r in pool for w in r.title.split() if len(w) > 3 and w.isalpha()})
    surnames = sorted({a.split(",")[0].split()[0] for r in pool for a in r.authors if a.strip() and len(a.split(",")[0]) > 2})
    journals = sorted({r.journal for r in pool if r.journal})
    records: list[Record] = []
    gold: list[int] = []
    k = 0
    while len(records) < n:
        paper = make_paper(k, pool, vocab, surnames, journals, rng)
        copies = rng.choices((0, 1, 2, 3), weights=(55, 30, 10, 5))[0]
        for version in [paper] + [perturb(paper, rng) for _ in range(copies)]:
            if len(records) < n:
                records.append(version)
                gold.append(k)
        k += 1
    order = list(range(len(records)))
    rng.shuffle(order)
    return [records[i] for i in order], [gold[i] for i in order]
