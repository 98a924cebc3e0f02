"""Blocking: which pairs of records are worth comparing (pure; near-linear in the records).

Every record gets several keys (``BLOCKING_KEYS``); two records are a candidate pair when
they share at least one key. Several independent keys mean a record missing a field, or
with a typo in one, is still compared through another. A key shared by more than
``max_block`` records (a supplement DOI, a common first author in one year) is not
expanded to all pairs: its records are sorted by title and each is paired with its
``window`` nearest neighbours only, so the work stays linear in the number of records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence

from review.dedup.normalise import NormRecord

# Title words too common to be a useful blocking key.
STOP_WORDS = frozenset(
    "a an and are as at by for from in into is of on or the to with without via vs versus "
    "its their than that this these after before during between among under over using "
    "study studies patients patient effect effects analysis case report review trial "
    "clinical results new role use".split()
)

PREFIX = 24  # characters of the compact title used as a prefix/suffix key
ABSTRACT_PREFIX = 60


def _title_keys(rec: NormRecord) -> Iterable[str]:
    for compact in {rec.compact, rec.title_alt.replace(" ", "")}:
        if len(compact) >= 12:
            yield "t:" + compact[:PREFIX]
            yield "e:" + compact[-PREFIX:]


def _author_year(rec: NormRecord) -> Iterable[str]:
    if rec.authors and rec.year:
        yield f"ay:{rec.authors[0]}:{rec.year}"


def _volume_page(rec: NormRecord) -> Iterable[str]:
    page = rec.page or rec.article_number
    if page and rec.volume:
        yield f"vp:{rec.volume}:{page}"
    if page and rec.year:
        yield f"yp:{rec.year}:{page}"


def _identifiers(rec: NormRecord) -> Iterable[str]:
    if rec.doi:
        yield "d:" + rec.doi
    if rec.pmid:
        yield "p:" + rec.pmid


def _abstract(rec: NormRecord) -> Iterable[str]:
    if len(rec.abstract) >= ABSTRACT_PREFIX:
        yield "a:" + rec.abstract[:ABSTRACT_PREFIX].replace(" ", "")


# name -> function giving a record's keys under that name.
BLOCKING_KEYS: dict[str, Callable[[NormRecord], Iterable[str]]] = {
    "identifier": _identifiers,
    "title": _title_keys,
    "author-year": _author_year,
    "volume-page": _volume_page,
    "abstract": _abstract,
}


def rare_word_keys(records: Sequence[NormRecord], n_words: int = 2) -> list[list[str]]:
    """Per record, a key made of its ``n_words`` rarest title words (catches retitled typos).

    Word frequency is counted over the whole set first, so the key is as selective as the
    data allows.
    """
    token_lists = [{w for w in rec.title.split() if len(w) > 2 and w not in STOP_WORDS} for rec in records]
    freq: Counter[str] = Counter()
    for tokens in token_lists:
        freq.update(tokens)
    keys: list[list[str]] = []
    for tokens in token_lists:
        if len(tokens) < 3:
            keys.append([])
            continue
        # rarest first, ties alphabetical (a stable sort by count of the alphabetical order)
        rarest = sorted(sorted(tokens), key=freq.__getitem__)[:n_words]
        keys.append(["w:" + " ".join(sorted(rarest))])
    return keys


def candidate_pairs(
    records: Sequence[NormRecord], *, max_block: int = 40, window: int = 6
) -> list[tuple[int, int]]:
    """Every pair of positions (i < j) sharing a blocking key, each pair once, sorted."""
    buckets: dict[str, list[int]] = defaultdict(list)
    for pos, rec in enumerate(records):
        for keys_of in BLOCKING_KEYS.values():
            for key in keys_of(rec):
                buckets[key].append(pos)
    for pos, keys in enumerate(rare_word_keys(records)):
        for key in keys:
            buckets[key].append(pos)
    n = len(records)
    seen: set[int] = set()
    for members in buckets.values():
        if len(members) < 2:
            continue
        members = sorted(set(members))
        if len(members) <= max_block:
            for a_i, a in enumerate(members):
                for b in members[a_i + 1:]:
                    seen.add(a * n + b)
        else:
            ordered = sorted(members, key=lambda p: records[p].compact)
            for a_i, a in enumerate(ordered):
                for b in ordered[a_i + 1: a_i + 1 + window]:
                    lo, hi = (a, b) if a < b else (b, a)
                    seen.add(lo * n + hi)
    return [divmod(code, n) for code in sorted(seen)]
