"""Relevance scores for a prioritised title/abstract queue: pure functions over plain data.

Two ways to score records, both for ONE reviewer and from that reviewer's own decisions only
(the store side, ``review.screening.ranking``, enforces that):

- cold start (before the reviewer has at least one relevant and one irrelevant vote): the
  number of distinct include terms (``Criteria.include_terms``: words, phrases, ``*``/``$``
  truncation, ``?``/``#`` one-character wildcards, ``a adj3 b`` proximity) found in the
  record's text, matched as the app highlights them;
- afterwards: a model trained on the reviewer's votes (include and maybe = relevant, exclude =
  not) over the records' title, abstract, keywords and subject headings: ``LIVE_MODEL``, one
  of ``MODELS`` below, chosen on the labelled sets of ``benchmarks/bench_priority.py
  --compare`` (RESULTS.md). Scores are the model's relevance score (higher: sooner).

Ties are broken by the random queue's sort key, so every order is reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LIVE_MODEL = "svm-char"  # of MODELS (below); see the module
MODEL = f"tfidf-{LIVE_MODEL}"
# how the methods draft names each model a ranking may have been made with
# (screening_rank_state.model is "tfidf-" + the model); "nb" was the first live model
DESCRIPTIONS = {
    "nb": "a naive Bayes classifier on TF-IDF features of title, abstract and keywords",
    "ensemble": (
        "an ensemble (mean rank) of a naive Bayes classifier and a class-weighted linear support vector "
        "machine on TF-IDF features (words and word pairs, sublinear term frequency) of title, abstract and keywords"
    ),
    "svm-char": (
        "a class-weighted linear support vector machine on TF-IDF features of character n-grams (3 to 5 "
        "characters within words, sublinear term frequency) of title, abstract and keywords"
    ),
}
MODEL_DESCRIPTION = DESCRIPTIONS[LIVE_MODEL]
MODEL_DESCRIPTIONS = {f"tfidf-{name}": text for name, text in DESCRIPTIONS.items()}
TERMS_MODEL = "terms"
RELEVANT = frozenset({"include", "maybe"})
NB_ALPHA = 3.822  # ASReview's default smoothing for its naive Bayes model
RECORDS_PER_RETRAIN_VOTE = 2000  # retrain after every vote up to 2,000 records, every 10 at 20,000


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


def needs_ranking(last_votes: int | None, votes: int, records: int = 0) -> bool:
    """Rank again when there is no ranking yet, or the reviewer's vote count has moved by
    max(1, records / 2,000): after every vote while a ranking is cheap (tens of ms up to 2,000
    records), every 10 votes at 20,000 records (where a ranking takes under a second:
    RESULTS.md)."""
    if last_votes is None:
        return True
    return abs(votes - last_votes) >= max(1, math.ceil(records / RECORDS_PER_RETRAIN_VOTE))


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
    """Fit the live model's TF-IDF features on the records' texts (no decisions involved, so
    shared by all reviewers)."""
    feats = features(list(texts), LIVE_MODEL) if texts else {}
    ids = [int(i) for i in ids]
    return TextMatrix(ids=ids, row={rid: n for n, rid in enumerate(ids)}, matrix=feats)


def classifier_scores(tm: TextMatrix, labels: Mapping[int, int], candidates: Sequence[int]) -> list[float]:
    """The live model's relevance score for each candidate id, trained on ``labels`` (record
    id -> 1 relevant / 0 not; ids missing from the matrix are ignored)."""
    train = {tm.row[rid]: int(lab) for rid, lab in labels.items() if rid in tm.row}
    if not candidates:
        return []
    if not can_train(train.values()):
        raise ValueError("a classifier needs at least one relevant and one irrelevant decision")
    scores = model_scores(tm.matrix, LIVE_MODEL, train, [tm.row[rid] for rid in candidates])
    return [float(x) for x in scores]


def order_by_score(ids: Sequence[int], scores: Sequence[float], keys: Mapping[int, int]) -> list[tuple[int, float]]:
    """(record id, score) best first; ties by the random sort key, then the id."""
    return sorted(zip((int(i) for i in ids), (float(s) for s in scores)), key=lambda p: (-p[1], keys[p[0]], p[0]))


# --- candidate models (benchmarks/bench_priority.py --compare measures them) --------------------
# Each is (features of the record texts, scores from one reviewer's labels). "nb" is the
# store path's model above; "svm" is ASReview's default recipe (TF-IDF on words and word
# pairs, sublinear tf, a linear SVM, relevant records weighted up); "lr" the same features with
# a class-weighted logistic regression; "ensemble" the mean rank of nb and svm; "svm-char" the
# same SVM on character n-grams (3 to 5 characters within words) instead of words: a word's
# forms and relatives share most of their n-grams ("antihistamine", "antihistamines",
# "antihistaminic"; "randomized", "randomised"), so a vote on one record counts for records
# that use another form, which words alone cannot do.
MODELS = ("nb", "svm", "lr", "ensemble", "svm-char")
SVM_C = 0.11  # ASReview 3's tuned C for its linear SVM
BALANCE_RATIO = 9.8  # ASReview 3's "balanced" ratio for the SVM: irrelevant weight n1 / (9.8 n0)


def features(texts: Sequence[str], model: str) -> dict[str, Any]:
    """The feature matrices ``model`` needs, fitted on every record's text (no labels)."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    out: dict[str, Any] = {}
    if model in ("nb", "ensemble"):
        out["nb"] = TfidfVectorizer(stop_words="english", sublinear_tf=True, dtype=np.float32).fit_transform(texts)
    if model == "svm-char":
        out["char"] = _fit_tfidf(texts, analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, max_df=0.95,
                                 min_df=2, dtype=np.float32)
    if model in ("svm", "lr", "ensemble"):
        out["pairs"] = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, max_df=0.95, dtype=np.float32
        ).fit_transform(texts)
    return out


def _fit_tfidf(texts: Sequence[str], **options: Any) -> Any:
    """TF-IDF of ``texts``; ``min_df=2`` (an n-gram in one record only cannot move another
    record's score) falls back to 1 where it would leave no feature (a handful of records);
    records with no text at all give a matrix with no column (``model_scores`` then scores
    every record alike, so the random order decides)."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer

    for min_df in dict.fromkeys((options.get("min_df", 1), 1)):
        try:
            return TfidfVectorizer(**{**options, "min_df": min_df}).fit_transform(texts)
        except ValueError:
            continue
    return sp.csr_matrix((len(texts), 0), dtype=options.get("dtype", float))


def _weights(y: Sequence[int], ratio: float) -> list[float]:
    n_rel = sum(y)
    n_irr = len(y) - n_rel
    w = [1.0 if lab else n_rel / (ratio * n_irr) for lab in y]
    scale = len(y) / sum(w)
    return [x * scale for x in w]


def model_scores(feats: Mapping[str, Any], model: str, labels: Mapping[int, int], candidates: Sequence[int]) -> list[float]:
    """Scores (higher: more likely relevant) of the ``candidates`` rows from ``labels``
    (row -> 1/0), with ``model``."""
    import numpy as np
    from scipy.stats import rankdata

    rows = sorted(labels)
    y = [labels[r] for r in rows]
    if not can_train(y):
        raise ValueError("a classifier needs at least one relevant and one irrelevant decision")
    if model == "nb":
        from sklearn.naive_bayes import MultinomialNB

        m = MultinomialNB(alpha=NB_ALPHA)
        m.fit(feats["nb"][rows], y, sample_weight=_weights(y, 1.0))
        return list(m.predict_proba(feats["nb"][list(candidates)])[:, list(m.classes_).index(1)])
    if model == "svm":
        from sklearn.svm import LinearSVC

        m = LinearSVC(C=SVM_C, loss="squared_hinge", random_state=0)  # reproducible orders
        m.fit(feats["pairs"][rows], y, sample_weight=_weights(y, BALANCE_RATIO))
        return list(m.decision_function(feats["pairs"][list(candidates)]))
    if model == "svm-char":
        from sklearn.svm import LinearSVC

        if feats["char"].shape[1] == 0:  # no record has any text: nothing to learn from
            return [0.0] * len(candidates)
        m = LinearSVC(C=SVM_C, loss="squared_hinge", random_state=0)
        m.fit(feats["char"][rows], y, sample_weight=_weights(y, BALANCE_RATIO))
        return list(m.decision_function(feats["char"][list(candidates)]))
    if model == "lr":
        from sklearn.linear_model import LogisticRegression

        m = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
        m.fit(feats["pairs"][rows], y)
        return list(m.decision_function(feats["pairs"][list(candidates)]))
    if model == "ensemble":
        a = rankdata(model_scores(feats, "nb", labels, candidates))
        b = rankdata(model_scores(feats, "svm", labels, candidates))
        return list((np.asarray(a) + np.asarray(b)) / 2.0)
    raise ValueError(f"unknown model {model!r}; the models are {', '.join(MODELS)}")
