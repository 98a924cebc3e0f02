"""When may a team stop screening a ranked queue? The "buscar" stopping rule.

Callaghan & Müller-Hansen (2020), "Statistical stopping criteria for automated screening in
systematic reviews", Systematic Reviews 9:273. The null hypothesis is that recall is still
BELOW the target. One test takes the last n records screened (a window) plus the records not
yet screened as one urn and asks how likely it would be to see as few relevant records as
were seen in the window, drawn at random from that urn, if the urn held just enough relevant
records for recall to be below target:

    K = floor(r_seen / recall + 1) - (r_seen - r_urn)   relevant records the urn would hold
    p_n = P(X <= r_urn),  X ~ Hypergeometric(population = N - seen + n, successes = K, draws = n)

(``buscar_p_value``: the paper's p, the smallest p_n over every window, as buscarpy computes it.)
Random sampling is the conservative assumption (a ranking puts relevant records FIRST, so the
unscreened rest is poorer than a random draw).

ONE such test has the stated confidence. A rule that tests after every vote, over every window,
and stops at the first p below 1 - confidence makes thousands of tests and stops on the first
chance dip: replayed on the labelled sets it stopped short of 95% recall in 8 of 43 runs
(benchmarks/RESULTS.md). So the rule tests on a schedule fixed in advance and splits the
error over every test it can make (Bonferroni):

- checkpoints: when 10%, 15%, ..., 95% of the stage's records have been screened (``checkpoints``);
- windows at a checkpoint: the records screened since each earlier checkpoint (or since the
  start), so every window is fixed in advance too;
- each of the T = m (m + 1) / 2 possible (checkpoint, window) tests gets 1 - confidence divided
  by T: the reported p is min(1, T x the smallest p_n of the tests made so far), and stopping
  when it is below 1 - confidence keeps the chance of stopping short of the target at most
  1 - confidence, however often the estimate is looked at (under the random-sampling assumption).

Between checkpoints the estimate is the one of the last checkpoint reached; once a checkpoint
said stop it keeps saying so (recall only grows as screening goes on).

The test runs on ONE reviewer's own votes in the order cast (blinding holds: nobody's
estimate uses a partner's votes); "relevant" is include or maybe. It is information only,
and never says stop below ``MIN_RECORDS`` records or before ``MIN_SHARE`` of them were
screened: small reviews and early streaks of exclusions are where the test is least
trustworthy and stopping saves least.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import sqlalchemy as sa

from review.screening.model import ScreeningError, check_stage
from review.screening.stageset import in_stage_clause, stage_set
from review.store.schema import screening_votes as votes_t

RELEVANT = frozenset({"include", "maybe"})
MIN_RECORDS = 1000
MIN_SHARE = 0.10  # the first checkpoint
CHECK_EVERY = 0.05  # then a checkpoint at every further 5% of the stage's records, up to 95%
LAST_CHECK = 0.95
RULES = ("buscar",)


@dataclass(frozen=True)
class StoppingEstimate:
    reviewer: str
    stage: str
    screened: int  # records this reviewer has a current vote on, in the stage
    relevant: int  # of which include or maybe
    total: int  # records in the stage
    recall: float  # the target
    confidence: float
    p_value: float  # of "recall is below the target", corrected for the scheduled tests; 1.0 before the first checkpoint
    can_stop: bool
    why_not: str  # "" when can_stop, else the reason in words
    checkpoint: int = 0  # records screened at the last checkpoint reached (0: none yet)
    next_checkpoint: int | None = None  # when the estimate is next updated (None: no checkpoint left)

    def to_dict(self) -> dict:
        return asdict(self)

    def sentence(self) -> str:
        """The plain-language line shown to a team."""
        return plain_language(self)


def check_target(recall: float, confidence: float) -> None:
    for name, value in (("recall", recall), ("confidence", confidence)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < float(value) < 1:
            raise ScreeningError(f"the stopping rule's {name} must be a number between 0 and 1 (e.g. 0.95), not {value!r}")


def _window_p_values(labels: Sequence[int], total: int, recall: float, windows: Sequence[int] | None = None):
    """p_n (see the module) for each window size n in ``windows`` (default: 1 .. all screened)."""
    import numpy as np
    from scipy.stats import hypergeom

    seen = len(labels)
    if seen > total:
        raise ValueError(f"{seen} records screened out of {total}")
    last = np.asarray(labels, dtype=np.int64)[::-1]
    r_urn = np.cumsum(last)  # relevant among the last n screened
    n = np.arange(1, seen + 1)
    if windows is not None:
        pick = np.asarray(sorted(set(int(w) for w in windows)), dtype=np.int64) - 1
        if len(pick) and (pick.min() < 0 or pick.max() >= seen):
            raise ValueError(f"windows must be between 1 and {seen} records")
        r_urn, n = r_urn[pick], n[pick]
    r_seen = int(last.sum())
    k = np.floor(r_seen / recall + 1) - (r_seen - r_urn)  # relevant the urn holds under the null
    population = total - seen + n
    # an urn too small to hold K relevant records cannot be one where recall is missed: p 0
    possible = k <= population
    p = np.zeros(len(n), dtype=float)
    if possible.any():
        p[possible] = hypergeom.cdf(r_urn[possible], population[possible], k[possible], n[possible])
    return p


def buscar_p_value(labels: Sequence[int], total: int, recall: float = 0.95) -> float:
    """The paper's p of the null hypothesis "recall < ``recall``" after screening ``labels``
    (1 relevant, 0 not, in the order screened) out of ``total`` records, over every window;
    1.0 when nothing was screened. ONE test: the stopping rule uses ``scheduled_p_value``."""
    if len(labels) == 0:
        return 1.0
    return float(min(1.0, max(0.0, _window_p_values(labels, total, recall).min())))


def checkpoints(total: int) -> list[int]:
    """Records screened at which the rule tests: 10%, 15%, ..., 95% of ``total`` (rounded up),
    fixed before screening starts."""
    steps = round((LAST_CHECK - MIN_SHARE) / CHECK_EVERY) + 1
    out: list[int] = []
    for i in range(steps):
        at = math.ceil(round((MIN_SHARE + i * CHECK_EVERY) * total, 9))
        if 0 < at < total and at not in out:
            out.append(at)
    return out


def scheduled_tests(total: int) -> int:
    """How many (checkpoint, window) tests the rule may make on ``total`` records: the
    Bonferroni divisor."""
    m = len(checkpoints(total))
    return m * (m + 1) // 2


def scheduled_p_value(labels: Sequence[int], total: int, recall: float = 0.95) -> tuple[float, int]:
    """(p, checkpoint): the rule's p of "recall < ``recall``" after screening ``labels`` out of
    ``total`` records, Bonferroni-corrected over every scheduled test (see the module), and the
    records screened at the last checkpoint reached; (1.0, 0) before the first."""
    marks = checkpoints(total)
    tests = max(1, scheduled_tests(total))
    best, reached = 1.0, 0
    for j, at in enumerate(marks):
        if at > len(labels):
            break
        windows = [at - start for start in [0] + marks[:j]]
        raw = float(_window_p_values(labels[:at], total, recall, windows).min())
        best = min(best, min(1.0, raw * tests))
        reached = at
    return best, reached


def estimate_from_labels(
    labels: Sequence[int], total: int, *, reviewer: str = "", stage: str = "title_abstract",
    recall: float = 0.95, confidence: float = 0.95,
) -> StoppingEstimate:
    """The estimate from plain data (``labels`` in the order screened)."""
    check_target(recall, confidence)
    screened = len(labels)
    p, reached = scheduled_p_value(labels, total, recall)
    upcoming = [at for at in checkpoints(total) if at > screened]
    if total < MIN_RECORDS:
        why = f"fewer than {MIN_RECORDS:,} records in the stage: screen them all"
    elif screened < math.ceil(MIN_SHARE * total):
        why = f"fewer than {MIN_SHARE:.0%} of the records screened ({math.ceil(MIN_SHARE * total):,})"
    elif p >= 1 - confidence:
        nxt = f"; next test at {upcoming[0]:,} records screened" if upcoming else ""
        why = f"p = {p:.3g} at the last test ({reached:,} records screened) is not below {1 - confidence:.3g}{nxt}"
    else:
        why = ""
    return StoppingEstimate(
        reviewer=reviewer, stage=stage, screened=screened, relevant=int(sum(labels)), total=int(total),
        recall=float(recall), confidence=float(confidence), p_value=p, can_stop=not why, why_not=why,
        checkpoint=reached, next_checkpoint=upcoming[0] if upcoming else None,
    )


def _percent(x: float) -> str:
    return f"{100 * x:.1f}".rstrip("0").rstrip(".") + "%"


def plain_language(e: StoppingEstimate) -> str:
    head = (
        f"{e.reviewer + ': ' if e.reviewer else ''}{e.screened:,} of {e.total:,} records screened, "
        f"{e.relevant:,} relevant (include or maybe). "
    )
    if e.can_stop:
        return head + (
            f"If you stopped now, at least {_percent(e.recall)} of relevant records would have been found, "
            f"with {_percent(e.confidence)} confidence (p = {e.p_value:.3g})."
        )
    return head + (
        f"Not yet safe to stop for {_percent(e.recall)} recall with {_percent(e.confidence)} confidence: "
        f"{e.why_not}."
    )


def labels_in_order(conn: sa.Connection, reviewer: str, stage: str) -> list[int]:
    """1 (include/maybe) or 0 (exclude) for each record ``reviewer`` has a current vote on in
    ``stage``, in the order they first voted on it (a changed mind keeps its place)."""
    check_stage(stage)
    first = (
        sa.select(votes_t.c.record_id, sa.func.min(votes_t.c.id).label("first"))
        .where(votes_t.c.reviewer == reviewer, votes_t.c.stage == stage)
        .group_by(votes_t.c.record_id)
        .subquery()
    )
    rows = conn.execute(
        sa.select(votes_t.c.decision)
        .join(first, first.c.record_id == votes_t.c.record_id)
        .where(
            votes_t.c.reviewer == reviewer, votes_t.c.stage == stage, votes_t.c.current == sa.true(),
            in_stage_clause(stage, votes_t.c.record_id),
        )
        .order_by(first.c.first)
    ).scalars()
    return [int(d in RELEVANT) for d in rows]


def stage_total(conn: sa.Connection, stage: str) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(stage_set(stage).subquery())).scalar_one())


def stopping_estimate(
    conn: sa.Connection, reviewer: str, stage: str = "title_abstract",
    recall: float = 0.95, confidence: float = 0.95,
) -> StoppingEstimate:
    """``reviewer``'s own buscar estimate at ``stage`` (see the module): screened, relevant,
    total, p_value, can_stop. Reads only."""
    check_target(recall, confidence)
    labels = labels_in_order(conn, reviewer, stage)
    return estimate_from_labels(
        labels, stage_total(conn, stage), reviewer=reviewer, stage=stage, recall=recall, confidence=confidence
    )


def estimates(
    conn: sa.Connection, stage: str = "title_abstract", recall: float = 0.95, confidence: float = 0.95,
) -> list[StoppingEstimate]:
    """The estimate of every active reviewer who has voted at ``stage`` (a lead who only
    resolves conflicts has none), by name."""
    from review.screening.reviewers import list_reviewers

    check_target(recall, confidence)
    total = stage_total(conn, stage)
    out = []
    for r in list_reviewers(conn):
        labels = labels_in_order(conn, r.name, stage) if r.active else []
        if labels:
            out.append(estimate_from_labels(
                labels, total, reviewer=r.name, stage=stage, recall=recall, confidence=confidence
            ))
    return out
