"""Inter-rater agreement: Cohen's kappa with a 95% CI, percent agreement and PABAK.

Pure functions over (decision of A, decision of B) pairs, plus ``agreement(conn, stage)``
reading every reviewer pair's agreement table, counted in SQL (``pair_counts``).

- Kappa (Cohen 1960) over the categories used (include/exclude/maybe);
  its standard error is the large-sample one of Fleiss, Cohen & Everitt (1969), the
  "ASE" SAS PROC FREQ reports; the 95% CI is kappa ± 1.96·SE, clipped to [-1, 1].
  Kappa is undefined (None) when chance agreement is 1 (both reviewers used one category).
  The CI is None ("n/a", ``format_ci``) when that standard error comes out 0 (perfect
  agreement, or every pair disagreeing in one direction): a large-sample interval of zero
  width is not an interval the data support, so none is claimed.
- Percent agreement is 0–100.
- PABAK (Byrt, Bishop & Carlin 1993) is 2·p_o − 1: agreement on the same category vs not.
- At full text a pair agreeing to exclude for different reasons counts as agreement here
  (kappa measures the decision); the reason conflict is still a conflict to resolve.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from review.screening.model import check_stage
from review.screening.stageset import in_stage_clause
from review.store.schema import screening_votes as votes_t

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Agreement:
    stage: str
    pair: tuple[str, str]
    n: int
    percent: float
    kappa: float | None
    kappa_ci: tuple[float, float] | None
    pabak: float


def percent_agreement(pairs: Sequence[tuple[str, str]]) -> float:
    if not pairs:
        return 0.0
    return 100.0 * sum(1 for a, b in pairs if a == b) / len(pairs)


def pabak(pairs: Sequence[tuple[str, str]]) -> float:
    """Prevalence- and bias-adjusted kappa: 2·p_o − 1."""
    if not pairs:
        return 0.0
    return 2.0 * percent_agreement(pairs) / 100.0 - 1.0


def cohen_kappa(pairs: list[tuple[str, str]]) -> tuple[float | None, tuple[float, float] | None]:
    """(kappa, (low, high) 95% CI) for two raters' labels; (None, None) when undefined."""
    n = len(pairs)
    if n == 0:
        return None, None
    cats = sorted({c for pair in pairs for c in pair})
    index = {c: i for i, c in enumerate(cats)}
    k = len(cats)
    p = [[0.0] * k for _ in range(k)]
    for a, b in pairs:
        p[index[a]][index[b]] += 1.0 / n
    rows = [sum(p[i][j] for j in range(k)) for i in range(k)]  # rater A marginals
    cols = [sum(p[i][j] for i in range(k)) for j in range(k)]  # rater B marginals
    po = sum(p[i][i] for i in range(k))
    pe = sum(rows[i] * cols[i] for i in range(k))
    if math.isclose(pe, 1.0):
        return None, None
    kappa = (po - pe) / (1.0 - pe)
    # Fleiss, Cohen & Everitt (1969), Psychological Bulletin 72:323-327.
    term_a = sum(p[i][i] * (1.0 - (rows[i] + cols[i]) * (1.0 - kappa)) ** 2 for i in range(k))
    term_b = (1.0 - kappa) ** 2 * sum(
        p[i][j] * (cols[i] + rows[j]) ** 2 for i in range(k) for j in range(k) if i != j
    )
    term_c = (kappa - pe * (1.0 - kappa)) ** 2
    var = max(term_a + term_b - term_c, 0.0) / (n * (1.0 - pe) ** 2)
    se = math.sqrt(var)
    if se == 0.0:
        return kappa, None
    low = max(-1.0, kappa - Z95 * se)
    high = min(1.0, kappa + Z95 * se)
    return kappa, (low, high)


def format_ci(ci: tuple[float, float] | None, digits: int = 2) -> str:
    """A kappa CI as text: "0.12 to 0.68", or "n/a" when it could not be computed."""
    if ci is None:
        return "n/a"
    return f"{ci[0]:.{digits}f} to {ci[1]:.{digits}f}"


def agreement_of(stage: str, pair: tuple[str, str], pairs: list[tuple[str, str]]) -> Agreement:
    kappa, ci = cohen_kappa(pairs)
    return Agreement(
        stage=stage,
        pair=pair,
        n=len(pairs),
        percent=percent_agreement(pairs),
        kappa=kappa,
        kappa_ci=ci,
        pabak=pabak(pairs),
    )


def pair_counts(
    conn: sa.Connection, stage: str, record_ids: Sequence[int] | None = None
) -> dict[tuple[str, str], dict[tuple[str, str], int]]:
    """(reviewer A, reviewer B) sorted by name -> {(A's decision, B's decision): records},
    over the records in ``stage`` both voted on (only ``record_ids`` when given, e.g. a
    pilot round's records): the agreement tables, counted in SQL."""
    check_stage(stage)
    a, b = votes_t.alias("a"), votes_t.alias("b")
    query = (
        sa.select(a.c.reviewer, b.c.reviewer, a.c.decision, b.c.decision, sa.func.count())
        .select_from(a.join(b, sa.and_(a.c.record_id == b.c.record_id, a.c.reviewer < b.c.reviewer)))
        .where(
            a.c.stage == stage, a.c.current == sa.true(),
            b.c.stage == stage, b.c.current == sa.true(),
            in_stage_clause(stage, a.c.record_id),
        )
        .group_by(a.c.reviewer, b.c.reviewer, a.c.decision, b.c.decision)
    )
    if record_ids is not None:
        query = query.where(a.c.record_id.in_([int(i) for i in record_ids]))
    out: dict[tuple[str, str], dict[tuple[str, str], int]] = defaultdict(dict)
    for ra, rb, da, db, n in conn.execute(query):
        out[(str(ra), str(rb))][(str(da), str(db))] = int(n)
    return dict(out)


def agreement(conn: sa.Connection, stage: str, record_ids: Sequence[int] | None = None) -> list[Agreement]:
    """One ``Agreement`` per reviewer pair with at least one shared record at ``stage``
    (among ``record_ids`` when given)."""
    out = []
    for pair, table in sorted(pair_counts(conn, stage, record_ids).items()):
        pairs = [cell for cell, n in sorted(table.items()) for _ in range(n)]
        out.append(agreement_of(stage, pair, pairs))
    return out
