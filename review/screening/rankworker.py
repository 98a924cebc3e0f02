"""Ranking workers: reviewers' relevance rankings made outside the request.

Why: at 20,000 records a retrain takes seconds, and a vote must never wait for one. While a
worker is live (its heartbeat in ``screening_rank_workers`` younger than ``LIVE_SECONDS``),
``next_record_id`` never ranks: it draws from the reviewer's stored ranking (the previous
one; the walk continues after their latest vote) and wakes this process's worker, which makes
the new ranking when due (``priority.needs_ranking``: after every vote up to 2,000 records,
every 10 votes at 20,000). With no worker live, ``next_record_id`` ranks itself, as before.

Any number of workers may run against one store, SQLite or PostgreSQL: a thread in each app
server process (``RankWorker``, started by the app in relevance order) and/or a separate
process (``review screening rank-worker``). A worker ranks a reviewer only while it holds
that reviewer's claim row (``screening_rank_claims``: taken by an INSERT, or by an UPDATE of a
claim whose ``until`` has passed, both atomic on either store), and checks again under the
claim that the ranking is still due, so no ranking is trained twice for the same votes. A
worker that dies leaves a claim that expires after ``CLAIM_SECONDS`` and a heartbeat that
stops counting after ``LIVE_SECONDS`` (then ``next_record_id`` ranks itself again).

Blinding is the ranking's own rule (``ranking.compute_ranking``): a worker trains each
reviewer's ranking on that reviewer's votes only.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from review.screening.rankpresence import (  # noqa: F401 - re-exported: the workers' API
    _LOCAL, _LOCAL_LOCK, HEARTBEAT_SECONDS, LIVE_SECONDS, _now, _stamp, heartbeat, live_workers, nudge, retire,
    worker_live,
)
from review.store.schema import screening_rank_claims as claims_t
from review.store.schema import screening_rank_state as state_t
from review.store.schema import screening_reviewers as reviewers_t
from review.store.schema import screening_votes as votes_t

CLAIM_SECONDS = 300.0  # a claim older than this is taken over (its worker died mid-ranking)
POLL_SECONDS = 0.5  # how often a worker looks for due rankings when nobody wakes it

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RankParams:
    """What a ranking needs besides the store: the project's seed, include terms and search
    strategy (``None``: the warm start counts include terms instead)."""

    seed: int = 0
    terms: tuple[str, ...] = ()
    strategy: Any = None


def params_for_project(project: Any) -> RankParams:
    """A project's ranking parameters: ``screening.seed``, the include terms
    (``criteria_for_project``) and the search strategy (``strategy_for_project``)."""
    from review.screening.criteria import criteria_for_project, strategy_for_project
    from review.screening.settings import screening_settings

    return RankParams(
        seed=int(screening_settings(project.config).seed),
        terms=tuple(criteria_for_project(project).include_terms),
        strategy=strategy_for_project(project),
    )


class ProjectParams:
    """``params_for_project`` of the project at ``root``, read again when review.yaml or the
    strategy file changes (a worker calls it every pass, from its own thread)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._stamp: tuple[float, ...] | None = None
        self._strategy: Path | None = None
        self._params = RankParams()

    def _mtimes(self) -> tuple[float, ...]:
        from review.project import CONFIG_NAME

        out = []
        for path in (self.root / CONFIG_NAME, self._strategy):
            try:
                out.append(path.stat().st_mtime if path is not None else 0.0)
            except OSError:
                out.append(0.0)
        return tuple(out)

    def __call__(self) -> RankParams:
        from review.project import load_project

        stamp = self._mtimes()
        if stamp != self._stamp:
            project = load_project(self.root)
            name = project.config.get("strategy")
            self._strategy = project.path(name) if name else None
            self._params = params_for_project(project)
            self._stamp = self._mtimes()
        return self._params


def new_worker_id() -> str:
    """A name no other worker has: host, process id and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(engine: sa.Engine, reviewer: str, worker: str, stage: str = "title_abstract",
          now: datetime | None = None) -> bool:
    """Take ``reviewer``'s ranking claim for ``worker``; False when another worker holds it
    (and it has not expired)."""
    moment = now or _now()
    until = _stamp(moment + timedelta(seconds=CLAIM_SECONDS))
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(claims_t).values(reviewer=reviewer, stage=stage, worker=worker, until=until))
        return True
    except sa.exc.IntegrityError:
        pass
    with engine.begin() as conn:
        taken = conn.execute(
            sa.update(claims_t)
            .where(claims_t.c.reviewer == reviewer, claims_t.c.stage == stage, claims_t.c.until < _stamp(moment))
            .values(worker=worker, until=until)
        ).rowcount
    return bool(taken)


def release(engine: sa.Engine, reviewer: str, worker: str, stage: str = "title_abstract") -> None:
    with engine.begin() as conn:
        conn.execute(sa.delete(claims_t).where(
            claims_t.c.reviewer == reviewer, claims_t.c.stage == stage, claims_t.c.worker == worker
        ))


def candidates(conn: sa.Connection) -> list[str]:
    """Reviewers a ranking may be due for: active reviewers, anyone with a title/abstract
    vote, anyone ranked before."""
    from review.screening.ranking import STAGE

    names = set(conn.execute(sa.select(reviewers_t.c.name).where(reviewers_t.c.revoked_at.is_(None))).scalars())
    names |= set(conn.execute(sa.select(votes_t.c.reviewer).where(votes_t.c.stage == STAGE).distinct()).scalars())
    names |= set(conn.execute(sa.select(state_t.c.reviewer).where(state_t.c.stage == STAGE)).scalars())
    return sorted(str(n) for n in names)


def due_reviewers(conn: sa.Connection, reviewers: Sequence[str] | None = None) -> list[str]:
    """Of ``reviewers`` (default: ``candidates``), those whose ranking is due."""
    from review.screening.ranking import _due

    return [r for r in (candidates(conn) if reviewers is None else reviewers) if _due(conn, r)[0]]


def rank_pending(engine: sa.Engine, worker: str, params: RankParams,
                 reviewers: Sequence[str] | None = None, *, reader: sa.Engine | None = None) -> list[str]:
    """One pass of a worker: rank every reviewer whose ranking is due and whose claim this
    worker gets (``ranking.rank_outside``: reads through ``reader``, default a
    ``read_engine`` of ``engine`` for this pass); the reviewers it ranked."""
    from review.screening.ranking import rank_outside
    from review.store.engine import read_engine

    own = reader is None
    reader = read_engine(engine) if own else reader
    try:
        with reader.connect() as conn:
            due = due_reviewers(conn, reviewers)
        done: list[str] = []
        for reviewer in due:
            if not claim(engine, reviewer, worker):
                continue
            try:
                if rank_outside(reader, engine, reviewer, params.seed, list(params.terms), strategy=params.strategy):
                    done.append(reviewer)
            finally:
                release(engine, reviewer, worker)
        return done
    finally:
        if own and reader is not engine:
            reader.dispose()


def stop_local_workers() -> None:
    """Stop every worker this process started (the app's shutdown; tests)."""
    with _LOCAL_LOCK:
        workers = list(_LOCAL)
    for w in workers:
        w.stop()


@dataclass
class RankWorker:
    """A background thread that keeps rankings up to date: heartbeat, rank what is due,
    sleep until woken or ``poll`` seconds pass. ``params`` is called each pass, so a changed
    strategy or seed is picked up."""

    engine: sa.Engine
    params: Callable[[], RankParams]
    worker: str = field(default_factory=new_worker_id)
    poll: float = POLL_SECONDS
    wake: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _reader: sa.Engine | None = None
    passes: int = 0

    def reader(self) -> sa.Engine:
        from review.store.engine import read_engine

        if self._reader is None:
            self._reader = read_engine(self.engine)
        return self._reader

    def __hash__(self) -> int:
        return hash(self.worker)

    def start(self, *, first_pass: bool = True) -> "RankWorker":
        """Start the thread. ``first_pass``: first rank every reviewer due, here (once, when the
        server process starts), so nobody's first card comes before their first ranking."""
        heartbeat(self.engine, self.worker)  # live before the first request is drawn
        if first_pass:
            rank_pending(self.engine, self.worker, self.params(), reader=self.reader())
        with _LOCAL_LOCK:
            _LOCAL.add(self)
        self._thread = threading.Thread(target=self._run, name=f"rank-worker {self.worker}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 30.0) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with _LOCAL_LOCK:
            _LOCAL.discard(self)
        retire(self.engine, self.worker)
        if self._reader is not None and self._reader is not self.engine:
            self._reader.dispose()
        self._reader = None

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run_once(self) -> list[str]:
        heartbeat(self.engine, self.worker)
        return rank_pending(self.engine, self.worker, self.params(), reader=self.reader())

    def _run(self) -> None:
        last_beat = 0.0
        while not self._stop.is_set():
            self.wake.clear()
            try:
                if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                    heartbeat(self.engine, self.worker)
                    last_beat = time.monotonic()
                rank_pending(self.engine, self.worker, self.params(), reader=self.reader())
            except Exception:  # noqa: BLE001 - a ranking holds no decision; log and try again
                log.exception("ranking worker %s: a pass failed; trying again", self.worker)
            self.passes += 1
            self.wake.wait(self.poll)
