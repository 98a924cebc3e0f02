"""Relevance scores for a prioritised title/abstract queue: pure functions over plain data.

Two ways to score records, both for ONE reviewer and from that reviewer's own decisions only
(the store side, ``review.screening.ranking``, enforces that):

- cold start (before the reviewer has at least one relevant and one irrelevant vote): the
  number of distinct include terms (``Criteria.include_terms``: words, phrases, ``*``/``$``
  truncation, ``?``/``#`` one-character wildcards) found in the record's text;
- afterwards: TF-IDF over title, abstract, keywords and subject headings, and a naive Bayes
  classifier trained on the reviewer's votes (include and maybe = relevant, exclude = not),
  the model ASReview uses by default. Scores are the classifier's probability of relevance.

Ties are broken by the random queue's sort key, so every order is reproducible.
"""

from __future__ import annotations

import math
import re
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
    """The text a record is ranked on: title, abstract, keywords and subject headings."""
    data = data or {}
    parts = [title or str(data.get("title") or ""), str(data.get("abstract") or "")]
    for key in ("keywords", "subject_headings"):
        value = data.get(key) or []
        if isinstance(value, list):
            parts.append(" ; ".join(str(v) for v in value))
    return " \n".join(p for p in parts if p)


def _term_pattern(term: str) -> re.Pattern[str] | None:
    term = " ".join(term.strip().strip('"').split())
    truncated = False
    while term and term[-1] in "*$":
        term, truncated = term[:-1], True
    if len(term.replace(" ", "")) < 2:
        return None
    body = "".join(
        r"[\s\-]+" if ch == " " else r"\w?" if ch in "?#" else r"\w*" if ch in "*$" else re.escape(ch)
        for ch in term
    )
    start = r"\b" if term[0].isalnum() else ""
    end = r"\w*" if truncated else (r"\b" if term[-1].isalnum() else "")
    return re.compile(start + body + end, re.IGNORECASE)


def term_scores(texts: Sequence[str], terms: Iterable[str]) -> list[int]:
    """For each text, how many distinct include terms it contains."""
    patterns = [p for p in {_term_pattern(str(t)) for t in terms} if p is not None]
    return [sum(1 for p in patterns if p.search(text)) for text in texts]


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
