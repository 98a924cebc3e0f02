"""E-utilities responses cached on disk, so a rerun after a crash or Ctrl-C refetches nothing.

Layout under the project's ``data/cache/eutils/``::

    runs/<fingerprint>.json        one search (same lines, same server): its current generation
    <generation>/<ab>/<key>.xml    a response body, keyed by request
    <generation>/<ab>/<key>.json   what was asked and when (for people reading the cache)

A *generation* is one run of a search from its first request to the stored result. A
rerun of the same search continues the same generation (and keeps its date searched);
``--refresh`` starts a new one and deletes the old responses. Keys are the SHA-256 of the
endpoint and its parameters without the identity ones (tool, email, api_key). Files are
written to a temporary name and renamed, so a crash never leaves half a response.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from review.strategy import SearchLine

__all__ = ["ResponseCache", "RunState", "open_run", "finish_run", "cache_root", "fingerprint"]

IDENTITY_PARAMS = ("tool", "email", "api_key")


def cache_root(data_dir: str | Path) -> Path:
    """``<project>/data/cache/eutils``."""
    return Path(data_dir) / "cache" / "eutils"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def request_key(endpoint: str, params: Mapping[str, Any]) -> str:
    """Stable key of a request: endpoint + sorted parameters, identity left out."""
    clean = {k: str(v) for k, v in params.items() if k not in IDENTITY_PARAMS}
    text = json.dumps([endpoint, sorted(clean.items())], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ResponseCache:
    """Response bodies of one generation, on disk; ``hits``/``writes`` count its use."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.hits = 0
        self.writes = 0

    def _path(self, key: str, suffix: str) -> Path:
        return self.directory / key[:2] / f"{key}{suffix}"

    def get(self, endpoint: str, params: Mapping[str, Any]) -> bytes | None:
        path = self._path(request_key(endpoint, params), ".xml")
        try:
            body = path.read_bytes()
        except FileNotFoundError:
            return None
        self.hits += 1
        return body

    def put(self, endpoint: str, params: Mapping[str, Any], body: bytes) -> None:
        key = request_key(endpoint, params)
        _atomic_write(self._path(key, ".xml"), body)
        shown = {k: (v if len(str(v)) < 500 else f"{str(v)[:200]}... ({len(str(v))} chars)")
                 for k, v in params.items() if k not in IDENTITY_PARAMS}
        meta = {"endpoint": endpoint, "params": shown, "bytes": len(body),
                "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        _atomic_write(self._path(key, ".json"), json.dumps(meta, ensure_ascii=False).encode("utf-8"))
        self.writes += 1

    def discard(self, endpoint: str, params: Mapping[str, Any]) -> None:
        """Forget a cached answer (it no longer parses)."""
        key = request_key(endpoint, params)
        for suffix in (".xml", ".json"):
            try:
                self._path(key, suffix).unlink()
            except FileNotFoundError:
                pass

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob("*/*.xml")) if self.directory.is_dir() else 0


@dataclass
class RunState:
    """One search's current generation: where its responses live and what became of it."""

    fingerprint: str
    generation: str
    searched_on: str  # YYYY-MM-DD the generation started (the PRISMA-S date searched)
    started_at: str
    finished_at: str = ""
    import_id: int | None = None  # the stored search, once stored
    resumed: bool = False  # this call continues an unfinished generation

    def to_json(self) -> bytes:
        data = asdict(self)
        data.pop("resumed")
        return json.dumps(data, indent=2).encode("utf-8")


def fingerprint(base_url: str, lines: Sequence[SearchLine], extra: Mapping[str, Any] | None = None) -> str:
    """What makes two runs "the same search": the server and every line's number and query
    (labels do not count)."""
    text = json.dumps(
        {
            "base_url": base_url.rstrip("/"),
            "lines": [[line.number, line.query] for line in lines],
            "extra": dict(extra or {}),
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _state_path(root: Path, print_: str) -> Path:
    return root / "runs" / f"{print_}.json"


def open_run(root: str | Path, print_: str, *, refresh: bool = False, now: datetime | None = None) -> RunState:
    """The generation to use for this search: the last one, or a new one (``refresh``/first run)."""
    root = Path(root)
    now = now or datetime.now(timezone.utc)
    path = _state_path(root, print_)
    old: RunState | None = None
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            old = RunState(**{k: v for k, v in data.items() if k in RunState.__dataclass_fields__})
        except (ValueError, TypeError):
            old = None
    if old is not None and not refresh:
        old.resumed = not old.finished_at
        return old
    if old is not None and refresh:
        shutil.rmtree(root / old.generation, ignore_errors=True)
    generation = now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + print_[:8]
    state = RunState(
        fingerprint=print_,
        generation=generation,
        searched_on=now.astimezone().date().isoformat(),
        started_at=now.isoformat(timespec="seconds"),
    )
    _atomic_write(path, state.to_json())
    return state


def finish_run(root: str | Path, state: RunState, *, import_id: int | None) -> RunState:
    """Mark the generation finished and stored (a later run without --refresh is refused)."""
    state.finished_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    state.import_id = import_id
    _atomic_write(_state_path(Path(root), state.fingerprint), state.to_json())
    return state


def generation_cache(root: str | Path, state: RunState) -> ResponseCache:
    return ResponseCache(Path(root) / state.generation)
