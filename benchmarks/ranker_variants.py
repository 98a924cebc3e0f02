"""Ranker variants tried while choosing ``priority.LIVE_MODEL`` (an exploration, in memory).

The same simulation as ``bench_priority.py --compare`` (one reviewer, title/abstract labels,
one prior include and one prior exclude per seed, retrained by ``priority.needs_ranking``,
stopped once every relevant record is found), over variants that are not in
``priority.MODELS``: features (words, word pairs, character n-grams, stems, LSA) and
training (presumed irrelevant records, ensembles). The variants were compared on the four
smallest Cohen 2006 sets only; the seven larger sets were kept aside until the model was
chosen (RESULTS.md has the figures).

    PYTHONPATH=$PWD python benchmarks/ranker_variants.py VARIANT[,VARIANT...] SET[,SET...] SEED[,SEED...] \\
        [--cache DIR]

``stem`` variants need ``pip install snowballstemmer`` (not a dependency of review).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.stats import rankdata
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parent))
import priority_sim as ps  # noqa: E402

from review.screening import priority  # noqa: E402

Scorer = Callable[[dict[str, Any], list[int], list[int], list[int]], Any]


def _tfidf(texts: list[str], **kw: Any) -> Any:
    return TfidfVectorizer(sublinear_tf=True, dtype=np.float32, **kw).fit_transform(texts)


def _stemmed(texts: list[str]) -> list[str]:
    import snowballstemmer

    stemmer, seen = snowballstemmer.stemmer("english"), {}
    token = re.compile(r"(?u)\b\w\w+\b")
    out = []
    for text in texts:
        words = token.findall(text.lower())
        for w in words:
            if w not in seen:
                seen[w] = stemmer.stemWord(w)
        out.append(" ".join(seen[w] for w in words))
    return out


FEATURES: dict[str, Callable[[list[str], dict[str, Any]], Any]] = {
    "nb": lambda t, F: _tfidf(t, stop_words="english"),
    "pairs": lambda t, F: _tfidf(t, ngram_range=(1, 2), max_df=0.95),
    "char": lambda t, F: _tfidf(t, analyzer="char_wb", ngram_range=(3, 5), max_df=0.95, min_df=2),
    "stem_nb": lambda t, F: _tfidf(_stemmed(t), stop_words="english"),
    "stem_pairs": lambda t, F: _tfidf(_stemmed(t), ngram_range=(1, 2), max_df=0.95),
    "lsa": lambda t, F: _lsa(F["pairs"]),
    "pairs+lsa": lambda t, F: sp.hstack([F["pairs"], sp.csr_matrix(F["lsa"])]).tocsr(),
    "pairs+char": lambda t, F: sp.hstack([F["pairs"], F["char"]]).tocsr(),
}


def _lsa(matrix: Any) -> Any:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    return normalize(TruncatedSVD(n_components=min(200, matrix.shape[0] - 1), random_state=0).fit_transform(matrix))


def nb(key: str) -> Scorer:
    def score(F, rows, y, cand):
        m = MultinomialNB(alpha=priority.NB_ALPHA).fit(F[key][rows], y, sample_weight=priority._weights(y, 1.0))
        return m.predict_proba(F[key][cand])[:, 1]
    return score


def svm(key: str, C: float = priority.SVM_C, ratio: float = priority.BALANCE_RATIO) -> Scorer:
    def score(F, rows, y, cand):
        m = LinearSVC(C=C, random_state=0).fit(F[key][rows], y, sample_weight=priority._weights(y, ratio))
        return m.decision_function(F[key][cand])
    return score


def lr(key: str) -> Scorer:
    def score(F, rows, y, cand):
        m = LogisticRegression(class_weight="balanced", max_iter=1000).fit(F[key][rows], y)
        return m.decision_function(F[key][cand])
    return score


def mean_rank(*parts: Scorer) -> Scorer:
    return lambda F, rows, y, cand: sum(rankdata(p(F, rows, y, cand)) for p in parts)


def presumed_irrelevant(base: Scorer, k: int = 100) -> Scorer:
    """Cormack & Grossman's BMI: k random unscreened records added as irrelevant at each training."""
    def score(F, rows, y, cand):
        rng = np.random.default_rng(len(rows))
        extra = [int(i) for i in rng.choice(cand, size=min(k, len(cand)), replace=False)]
        return base(F, list(rows) + extra, list(y) + [0] * len(extra), cand)
    return score


# name -> (feature sets needed, scorer)
VARIANTS: dict[str, tuple[tuple[str, ...], Scorer]] = {
    "nb": (("nb",), nb("nb")),
    "svm": (("pairs",), svm("pairs")),
    "ensemble": (("nb", "pairs"), mean_rank(nb("nb"), svm("pairs"))),
    "nb+svm+lr": (("nb", "pairs"), mean_rank(nb("nb"), svm("pairs"), lr("pairs"))),
    "svm-presumed": (("pairs",), presumed_irrelevant(svm("pairs"))),
    "ensemble-presumed": (("nb", "pairs"), mean_rank(nb("nb"), presumed_irrelevant(svm("pairs")))),
    "svm-lsa": (("pairs", "lsa"), svm("lsa", C=1.0)),
    "svm-pairs+lsa": (("pairs", "lsa", "pairs+lsa"), svm("pairs+lsa")),
    "svm-stems": (("stem_pairs",), svm("stem_pairs")),
    "ensemble-stems": (("stem_nb", "stem_pairs"), mean_rank(nb("stem_nb"), svm("stem_pairs"))),
    "svm-char": (("char",), svm("char")),
    "svm-pairs+char": (("pairs", "char", "pairs+char"), svm("pairs+char")),
    "svm+svm-char": (("pairs", "char"), mean_rank(svm("pairs"), svm("char"))),
    "nb+svm+svm-char": (("nb", "pairs", "char"), mean_rank(nb("nb"), svm("pairs"), svm("char"))),
}


def simulate(texts: list[str], labels: list[int], prior: tuple[int, int], variant: str) -> list[int]:
    needs, scorer = VARIANTS[variant]
    F: dict[str, Any] = {}
    for key in needs:
        F[key] = FEATURES[key](texts, F)
    n = len(labels)

    def score(labelled: dict[int, int], cand: list[int]) -> Any:
        rows = sorted(labelled)
        return scorer(F, rows, [labelled[r] for r in rows], cand)

    return ps.active_order(labels, prior, score, lambda last, votes: priority.needs_ranking(last, votes, n))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("variants", help=f"comma-separated: {', '.join(VARIANTS)}")
    ap.add_argument("sets", help="comma-separated set names")
    ap.add_argument("seeds", help="comma-separated seeds")
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "ranker-variants"))
    args = ap.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    paths = {p.stem: p for p in ps.datasets()}
    for name in args.sets.split(","):
        titles, abstracts, labels = ps.load(paths[name])
        texts = [f"{t} \n{a}" for t, a in zip(titles, abstracts)]
        for variant in args.variants.split(","):
            wss, r10 = [], []
            for seed in (int(s) for s in args.seeds.split(",")):
                f = cache / f"{name}-{variant}-{seed}.json"
                if f.exists():
                    order = json.loads(f.read_text())["order"]
                else:
                    order = simulate(texts, labels, ps.priors(labels, seed), variant)
                    f.write_text(json.dumps({"order": order}))
                ordered = [labels[i] for i in order]
                wss.append(ps.wss(ordered, 0.95))
                r10.append(ps.recall_at(ordered, 0.10))
            print(f"{name:<26} {variant:<20} WSS@95 {statistics.mean(wss):.3f}  recall@10% {statistics.mean(r10):.3f}"
                  f"  ({len(wss)} seeds)", flush=True)


if __name__ == "__main__":
    main()
