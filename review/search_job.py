"""``review search`` run in the background, for the app's Search page.

The page must not block while PubMed is searched, and the run must survive a reload or a
closed tab, so the page starts ``python -m review.search_job PROJECT``: a process of its own
(its own session, so a stopped page does not stop it) that runs exactly ``review --project
PROJECT search`` and, with ``REVIEW_PROGRESS_FILE`` set, has that command write its progress
(records fetched of total) to ``data/search-job/progress.json``. The job's state is
``data/search-job/job.json``: running (with its pid), done or failed (with the command's
status and last lines). A run that was stopped resumes from the E-utilities cache when started
again, as the command does. One run at a time per project.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from review.errors import ReviewError
from review.project import Project

ENV_PROGRESS = "REVIEW_PROGRESS_FILE"
FOLDER = "search-job"


class SearchJobError(ReviewError):
    """A search run that cannot be started (one is running already)."""


def folder(project: Project) -> Path:
    return project.data_dir / FOLDER


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, ValueError, TypeError):
        return False
    return True


def status(project: Project) -> dict[str, Any]:
    """The last run's state: ``state`` (none, running, done, failed, stopped), ``progress``
    ({phase: {"done", "total"}}), ``status`` and ``output`` (its last lines) once it ended."""
    job = _read(folder(project) / "job.json")
    if not job:
        return {"state": "none", "progress": {}}
    if job.get("state") == "running" and not _alive(job.get("pid")):
        job["state"] = "stopped"  # killed or crashed before it could say: start it again to resume
    job["progress"] = _read(folder(project) / "progress.json")
    return job


def start(project: Project) -> dict[str, Any]:
    """Start the run in the background; ``SearchJobError`` while one is running."""
    current = status(project)
    if current["state"] == "running":
        raise SearchJobError(f"a PubMed search is running already (started {current.get('started')})")
    where = folder(project)
    where.mkdir(parents=True, exist_ok=True)
    (where / "progress.json").unlink(missing_ok=True)
    env = dict(os.environ, **{ENV_PROGRESS: str(where / "progress.json")})
    with open(where / "output.txt", "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "review.search_job", str(project.root)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            cwd=project.root, start_new_session=True,
        )
    job = {"state": "running", "pid": proc.pid, "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    _write(where / "job.json", job)
    return job


def write_progress(path: str, phase: str, done: int, total: int | None) -> None:
    """Record one phase's progress (called by ``review search`` when ``REVIEW_PROGRESS_FILE`` is set)."""
    target = Path(path)
    data = _read(target)
    data[phase] = {"done": done, "total": total}
    _write(target, data)


def main(argv: list[str]) -> int:
    """Run ``review --project ROOT search`` and record how it ended."""
    from review.cli import main as review_main
    from review.project import load_project

    project = load_project(argv[0])
    where = folder(project)
    job = _read(where / "job.json") or {"started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    job.update(state="running", pid=os.getpid())
    _write(where / "job.json", job)
    try:
        code = review_main(["--project", str(project.root), "search"])
    except BaseException as exc:  # noqa: BLE001 - the page must learn how it ended
        print(f"review search stopped: {exc}", file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        lines = (where / "output.txt").read_text("utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    job.update(state="done" if code == 0 else "failed", status=code, output=lines[-12:],
               ended=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    _write(where / "job.json", job)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
