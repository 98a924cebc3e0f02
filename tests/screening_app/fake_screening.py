"""A stand-in for ``review.screening`` (the API contract) used only while that package is absent.

In memory, keyed by the store URL. It follows the contract's signatures and the rules the
app relies on, so the pages can be exercised before the real rules land; when
``review.screening`` imports, the tests use the real one and this file is not loaded.
"""

from __future__ import annotations

import hashlib
import random
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from review.dedup.state import unique_record_ids

STAGES = ("title_abstract", "full_text")
DECISIONS = ("include", "exclude", "maybe")


class ScreeningError(Exception):
    pass


class NotAllowedError(ScreeningError):
    pass


@dataclass(frozen=True)
class Reviewer:
    name: str
    role: str
    active: bool


@dataclass(frozen=True)
class Criteria:
    version: int
    include: list[str]
    exclude: list[str]
    exclusion_reasons: list[str]
    include_terms: list[str]
    exclude_terms: list[str]


@dataclass(frozen=True)
class Vote:
    id: int
    record_id: int
    reviewer: str
    stage: str
    decision: str
    reason: str
    note: str
    criteria_version: int
    at: str


@dataclass(frozen=True)
class Progress:
    stage: str
    total: int
    mine: int
    partner_counts: dict[str, int]
    open_conflicts: int
    decided: int


@dataclass(frozen=True)
class Conflict:
    record_id: int
    stage: str
    votes: list[Vote]


@dataclass(frozen=True)
class FinalDecision:
    record_id: int
    stage: str
    decision: str
    reason: str
    how: str


@dataclass(frozen=True)
class FullText:
    record_id: int
    kind: str
    location: str
    reason: str
    by: str
    at: str


@dataclass(frozen=True)
class Agreement:
    stage: str
    pair: tuple[str, str]
    n: int
    percent: float
    kappa: float | None
    kappa_ci: tuple[float, float] | None
    pabak: float


@dataclass
class _Store:
    reviewers: dict[str, list] = field(default_factory=dict)  # name -> [role, active, hash]
    votes: list[Vote] = field(default_factory=list)  # every vote ever, in order
    undone: set[int] = field(default_factory=set)
    resolutions: dict[tuple[int, str], FinalDecision] = field(default_factory=dict)
    fulltexts: dict[int, FullText] = field(default_factory=dict)
    pair_mode: bool = False


_STORES: dict[str, _Store] = {}


def _st(obj) -> _Store:
    engine = obj.engine if isinstance(obj, sa.Connection) else obj
    return _STORES.setdefault(str(engine.url), _Store())


def set_pair_mode(engine, on: bool) -> None:
    _st(engine).pair_mode = on


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_reviewer(engine, name: str, role: str = "reviewer") -> str:
    st = _st(engine)
    if name in st.reviewers and st.reviewers[name][1]:
        raise ScreeningError(f"reviewer {name!r} exists")
    token = secrets.token_urlsafe(16)
    st.reviewers[name] = [role, True, _hash(token)]
    return token


def list_reviewers(conn) -> list[Reviewer]:
    return [Reviewer(n, r[0], r[1]) for n, r in sorted(_st(conn).reviewers.items())]


def revoke_reviewer(engine, name: str) -> None:
    _st(engine).reviewers[name][1] = False


def authenticate(conn, token: str) -> Reviewer | None:
    h = _hash(token or "")
    for n, r in _st(conn).reviewers.items():
        if r[1] and r[2] == h:
            return Reviewer(n, r[0], True)
    return None


def criteria_from_config(config: dict) -> Criteria:
    crit = config.get("criteria") or {}
    scr = config.get("screening") or {}
    return Criteria(
        version=int(crit.get("version", 1)),
        include=list(crit.get("include") or []),
        exclude=list(crit.get("exclude") or []),
        exclusion_reasons=list(config.get("exclusion_reasons") or []),
        include_terms=list(scr.get("include_terms") or ["mentor*", "medical student*"]),
        exclude_terms=list(scr.get("exclude_terms") or ["residen*"]),
    )


def _current(st: _Store, stage: str) -> dict[tuple[str, int], Vote]:
    cur: dict[tuple[str, int], Vote] = {}
    for v in st.votes:
        if v.stage == stage and v.id not in st.undone:
            cur[(v.reviewer, v.record_id)] = v
    return cur


def not_retrieved(conn) -> dict[int, str]:
    return {r: f.reason for r, f in _st(conn).fulltexts.items() if f.kind == "not_retrieved"}


def stage_record_ids(conn, stage: str) -> list[int]:
    if stage == "title_abstract":
        return unique_record_ids(conn)
    fin = final_decisions(conn, "title_abstract")
    gone = not_retrieved(conn)
    return sorted(r for r, d in fin.items() if d.decision == "include" and r not in gone)


def cast_vote(engine, reviewer, record_id, stage, decision, reason="", note="", criteria=None) -> Vote:
    st = _st(engine)
    with engine.connect() as conn:
        if record_id not in stage_record_ids(conn, stage):
            raise ScreeningError(f"record {record_id} is not in the {stage} set")
    if decision not in DECISIONS:
        raise ScreeningError(f"unknown decision {decision!r}")
    if stage == "full_text" and decision == "exclude":
        if not reason or (criteria and reason not in criteria.exclusion_reasons):
            raise ScreeningError("a full-text exclusion needs a reason from the list")
    prev = _current(st, stage).get((reviewer, record_id))
    if prev and (prev.decision, prev.reason, prev.note) == (decision, reason, note):
        return prev
    v = Vote(len(st.votes) + 1, record_id, reviewer, stage, decision, reason, note,
             criteria.version if criteria else 1, _now())
    st.votes.append(v)
    return v


def undo_last_vote(engine, reviewer, stage) -> Vote | None:
    st = _st(engine)
    for v in reversed(st.votes):
        if v.reviewer == reviewer and v.stage == stage and v.id not in st.undone:
            st.undone.add(v.id)
            return v
    return None


def my_votes(conn, reviewer, stage) -> list[Vote]:
    return [v for (r, _), v in _current(_st(conn), stage).items() if r == reviewer]


def queue(conn, reviewer, stage, seed=0) -> list[int]:
    cur = _current(_st(conn), stage)
    voters: dict[int, set[str]] = {}
    for (r, rid) in cur:
        voters.setdefault(rid, set()).add(r)
    ids = [i for i in stage_record_ids(conn, stage)
           if reviewer not in voters.get(i, set()) and len(voters.get(i, set())) < 2]
    random.Random(seed).shuffle(ids)
    return ids


def next_record_id(conn, reviewer, stage, seed=0) -> int | None:
    q = queue(conn, reviewer, stage, seed)
    return q[0] if q else None


def _pairs(st: _Store, stage: str) -> dict[int, list[Vote]]:
    by: dict[int, list[Vote]] = {}
    for v in _current(st, stage).values():
        by.setdefault(v.record_id, []).append(v)
    return by


def _disagree(votes: list[Vote], stage: str) -> bool:
    ds = {v.decision for v in votes}
    if "maybe" in ds or len(ds) > 1:
        return True
    if stage == "full_text" and ds == {"exclude"}:
        return len({v.reason for v in votes}) > 1
    return False


def conflicts(conn, stage) -> list[Conflict]:
    st = _st(conn)
    out = []
    for rid, vs in sorted(_pairs(st, stage).items()):
        if len(vs) >= 2 and _disagree(vs, stage) and (rid, stage) not in st.resolutions:
            out.append(Conflict(rid, stage, sorted(vs, key=lambda v: v.reviewer)))
    return out


def final_decisions(conn, stage) -> dict[int, FinalDecision]:
    st = _st(conn)
    out: dict[int, FinalDecision] = {}
    for rid, vs in _pairs(st, stage).items():
        if len(vs) >= 2 and not _disagree(vs, stage):
            d = vs[0].decision
            out[rid] = FinalDecision(rid, stage, d, vs[0].reason if d == "exclude" else "", "agreement")
    for (rid, s), fd in st.resolutions.items():
        if s == stage:
            out[rid] = fd
    return out


def resolve_conflict(engine, resolver, record_id, stage, decision, reason="", note="") -> FinalDecision:
    st = _st(engine)
    role = st.reviewers.get(resolver, ["reviewer"])[0]
    if role != "lead" and not st.pair_mode:
        raise NotAllowedError("only the lead resolves conflicts")
    if decision not in ("include", "exclude"):
        raise ScreeningError("a final decision is include or exclude")
    if stage == "full_text" and decision == "exclude" and not reason:
        raise ScreeningError("a full-text exclusion needs a reason")
    fd = FinalDecision(record_id, stage, decision, reason if decision == "exclude" else "", "resolution")
    st.resolutions[(record_id, stage)] = fd
    return fd


def progress(conn, reviewer, stage) -> Progress:
    st = _st(conn)
    counts: dict[str, int] = {}
    for (r, _) in _current(st, stage):
        counts[r] = counts.get(r, 0) + 1
    mine = counts.pop(reviewer, 0)
    return Progress(stage, len(stage_record_ids(conn, stage)), mine, counts,
                    len(conflicts(conn, stage)), len(final_decisions(conn, stage)))


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._") or "file.pdf"


def attach_pdf(engine, data_dir: Path, record_id: int, filename: str, content: bytes, by: str) -> FullText:
    folder = Path(data_dir) / "fulltext"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{record_id}-{_safe(filename)}"
    target.write_bytes(content)
    ft = FullText(record_id, "pdf", f"data/fulltext/{target.name}", "", by, _now())
    _st(engine).fulltexts[record_id] = ft
    return ft


def attach_link(engine, record_id: int, url: str, by: str) -> FullText:
    if not re.match(r"https?://", url):
        raise ScreeningError("a link starts with http:// or https://")
    ft = FullText(record_id, "link", url, "", by, _now())
    _st(engine).fulltexts[record_id] = ft
    return ft


def mark_not_retrieved(engine, record_id: int, reason: str, by: str) -> FullText:
    if not reason.strip():
        raise ScreeningError("say why the full text was not retrieved")
    ft = FullText(record_id, "not_retrieved", "", reason, by, _now())
    _st(engine).fulltexts[record_id] = ft
    return ft


def fulltext_of(conn, record_id: int) -> FullText | None:
    return _st(conn).fulltexts.get(record_id)


def cohen_kappa(pairs):
    n = len(pairs)
    if not n:
        return None, None
    cats = sorted({c for p in pairs for c in p})
    po = sum(a == b for a, b in pairs) / n
    pe = sum((sum(a == c for a, _ in pairs) / n) * (sum(b == c for _, b in pairs) / n) for c in cats)
    if pe == 1:
        return None, None
    k = (po - pe) / (1 - pe)
    se = (po * (1 - po) / (n * (1 - pe) ** 2)) ** 0.5
    return k, (k - 1.96 * se, k + 1.96 * se)


def agreement(conn, stage) -> list[Agreement]:
    st = _st(conn)
    cur = _current(st, stage)
    names = sorted({r for r, _ in cur})
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            pairs = [(cur[(a, rid)].decision, cur[(b, rid)].decision)
                     for (r, rid) in cur if r == a and (b, rid) in cur]
            if not pairs:
                continue
            k, ci = cohen_kappa(pairs)
            po = sum(x == y for x, y in pairs) / len(pairs)
            out.append(Agreement(stage, (a, b), len(pairs), po, k, ci, 2 * po - 1))
    return out
