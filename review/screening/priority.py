"""Relevance scores for a prioritised title/abstract queue: pure functions over plain data.

Two ways to score records, both for ONE reviewer and from that reviewer's own decisions only
(the store side, ``review.screening.ranking``, enforces that):

- cold start (before the reviewer has at least one relevant and one irrelevant vote): the
  number of distinct include terms (``Criteria.include_terms``: words, phrases, ``*``/``$``
  truncation, ``?``/``#`` one-character wildcards, ``a adj3 b`` proximity) found in the
  record's text, matched as the app highlights them;
- afterwards: TF-IDF over title, abstract, keywords and subject headings, and a naive Bayes
  classifier trained on the reviewer's votes (include and maybe = relevant, exclude = not),
  the model ASReview uses by default. Scores are the classifier's probability of relevance.

Ties are broken by the random queue's sort key, so every order is reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MODEL = "tfidf-nb"
MODEL_DESCRIPTION = "a naive Bayes classifier on TF-IDF features of title, abstract and keywords"
TERMS_MODEL = "terms"
RELEVANT = frozenset({"include", "maybe"})
NB_ALPHA = 3.822  # ASReview's default smoothing for its naive Bayes model
RETRAIN_MIN = 5
RETRAIN_SHARE = 0.05


def record_text(title: str, data: Mapping[str, Any] | None) -> str:
    """The text a record is ranked on: title, abstract, keywords and subject headings, one
    field (one keyword) a line, so a proximity term never matches across two of them."""
    data = data or {}
    parts = [title or str(data.get("title") or ""), str(data.get("abstract") or "")]
    for key in ("keywords", "subject_headings"):
        value = data.get(key) or []
        if isinstance(value, list):
            parts.append("\n".join(str(v) for v in value))
    return " \n".join(p for p in parts if p)


def term_scores(texts: Sequence[str], terms: Iterable[str]) -> list[int]:
    """For each text, how many distinct include terms it contains (matched as the screening
    app highlights them: ``review.strategy.highlight.TermMatcher``, so a proximity term
    counts only where its words stand that close in one field)."""
    from review.strategy.highlight import TermMatcher

    matcher = TermMatcher(terms)
    return [len(matcher.found(text)) for text in texts]


def needs_ranking(last_votes: int | None, votes: int) -> bool:
    """Rank again when there is no ranking yet, or the reviewer's vote count has moved by
    max(5, 5% of the count at the last ranking)."""
    if last_votes is None:
        return True
    return abs(votes - last_votes) >= max(RETRAIN_MIN, math.ceil(RETRAIN_SHARE * last_votes))


def can_train(labels: Iterable[int]) -> bool:
    """A classifier needs at least one relevant and one irrelevant decision."""
    seen = set(labels)
    return {0, 1} <= seen


@dataclass
class TextMatrix:
    """TF-IDF rows of a set of records (fitted once; records are append-only)."""

    ids: list[int]
    row: dict[int, int]
    matrix: Any  # scipy.sparse CSR, one row per id


def tfidf_matrix(ids: Sequence[int], texts: Sequence[str]) -> TextMatrix:
    """Fit TF-IDF on the records' texts (no decisions involved, so shared by all reviewers)."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1, dtype=np.float32)
    matrix = vectorizer.fit_transform(list(texts) or [""]) if texts else None
    ids = [int(i) for i in ids]
    return TextMatrix(ids=ids, row={rid: n for n, rid in enumerate(ids)}, matrix=matrix)


def classifier_scores(tm: TextMatrix, labels: Mapping[int, int], candidates: Sequence[int]) -> list[float]:
    """P(relevant) for each candidate id, from a naive Bayes model fitted on ``labels``
    (record id -> 1 relevant / 0 not; ids missing from the matrix are ignored)."""
    from sklearn.naive_bayes import MultinomialNB

    train = [(tm.row[rid], lab) for rid, lab in sorted(labels.items()) if rid in tm.row]
    if not candidates:
        return []
    if not can_train(lab for _, lab in train):
        raise ValueError("a classifier needs at least one relevant and one irrelevant decision")
    rows = [r for r, _ in train]
    y = [lab for _, lab in train]
    model = MultinomialNB(alpha=NB_ALPHA)
    # balance the classes (relevant records are rare): weight each class to the same total
    n_rel = sum(y)
    n_irr = len(y) - n_rel
    weights = [len(y) / (2 * n_rel) if lab else len(y) / (2 * n_irr) for lab in y]
    model.fit(tm.matrix[rows], y, sample_weight=weights)
    cand_rows = [tm.row[rid] for rid in candidates]
    proba = model.predict_proba(tm.matrix[cand_rows])
    column = list(model.classes_).index(1)
    return [float(p) for p in proba[:, column]]


def order_by_score(ids: Sequence[int], scores: Sequence[float], keys: Mapping[int, int]) -> list[tuple[int, float]]:
    """(record id, score) best first; ties by the random sort key, then the id."""
    return sorted(zip((int(i) for i in ids), (float(s) for s in scores)), key=lambda p: (-p[1], keys[p[0]], p[0]))
