"""Video jobs: an embedded SQLite store and a bounded pool of worker threads.

Each job lives in `DATA_DIR/jobs/<id>/` (`input.bin`, then `results.jsonl`, `results.parquet`,
`render.mp4` and, when asked for, `analysis/`) with one row in `DATA_DIR/jobs.sqlite3`. Files are
written under temporary names and renamed once complete, and a row turns `done` only after that, so a
server killed at any moment leaves either a finished job or one to run again: on start, jobs found
`running` are put back in the queue.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posekit.errors import InputError, PosekitError

STATUSES = ("queued", "running", "done", "failed", "cancelled")
_ID = re.compile(r"^[0-9a-f]{32}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    error TEXT,
    warning TEXT,
    options TEXT NOT NULL,
    filename TEXT NOT NULL,
    frames INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    updated REAL NOT NULL
)
"""


def valid_id(job_id: str) -> bool:
    """Job ids are 32 hex digits: anything else (path tricks included) names no job."""
    return bool(_ID.match(job_id))


@dataclass
class Job:
    id: str
    status: str
    progress: float
    error: str | None
    warning: str | None
    options: dict[str, Any]
    filename: str
    frames: int
    attempts: int
    created: float
    updated: float

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "progress": round(self.progress, 4),
            "frames": self.frames,
            "attempts": self.attempts,
            "filename": self.filename,
            "options": self.options,
            "created": self.created,
            "updated": self.updated,
        }
        if self.error:
            d["error"] = self.error
        if self.warning:
            d["warning"] = self.warning
        return d


class JobStore:
    """Job rows in SQLite (WAL, one connection guarded by a lock: writes are few and short)."""

    def __init__(self, data_dir: str | os.PathLike) -> None:
        self.root = Path(data_dir)
        self.jobs_dir = self.root / "jobs"
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.root / "jobs.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a job accepted (202) is on disk
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def dir(self, job_id: str) -> Path:
        if not valid_id(job_id):
            raise InputError(f"{job_id!r}: not a job id")
        return self.jobs_dir / job_id

    def create(self, upload: Callable[[Path], None], filename: str, options: dict[str, Any]) -> Job:
        """A new queued job whose input `upload(path)` writes; the row is added once the file is complete."""
        job_id = uuid.uuid4().hex
        d = self.dir(job_id)
        d.mkdir(parents=True)
        try:
            upload(d / "input.bin")
        except BaseException:
            shutil.rmtree(d, ignore_errors=True)
            raise
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT INTO jobs (id, status, options, filename, created, updated) "
                "VALUES (?, 'queued', ?, ?, ?, ?)",
                (job_id, json.dumps(options), filename, now, now),
            )
        job = self.get(job_id)
        assert job is not None
        return job

    def get(self, job_id: str) -> Job | None:
        if not valid_id(job_id):
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT id, status, progress, error, warning, options, filename, frames, "
                "attempts, created, updated FROM jobs WHERE id = ?",
                (job_id,),
            ).fetchone()
        if row is None:
            return None
        return Job(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            json.loads(row[5]),
            row[6],
            row[7],
            row[8],
            row[9],
            row[10],
        )

    def ids(self, status: str) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM jobs WHERE status = ? ORDER BY created", (status,)
            ).fetchall()
        return [r[0] for r in rows]

    def update(self, job_id: str, *, only_if: tuple[str, ...] | None = None, **fields: Any) -> bool:
        """Set columns of a job; with `only_if`, only while its status is one of those. True if changed."""
        assert set(fields) <= {"status", "progress", "error", "warning", "frames", "attempts"}
        cols = ", ".join(f"{k} = ?" for k in fields) + ", updated = ?"
        sql, args = f"UPDATE jobs SET {cols} WHERE id = ?", [*fields.values(), time.time(), job_id]
        if only_if:
            sql += f" AND status IN ({', '.join('?' * len(only_if))})"
            args += list(only_if)
        with self._lock:
            return self._db.execute(sql, args).rowcount > 0

    def requeue_interrupted(self) -> list[str]:
        """Jobs a dead server left `running` go back to `queued`; returns every queued id, oldest first."""
        with self._lock:
            self._db.execute(
                "UPDATE jobs SET status = 'queued', progress = 0, updated = ? WHERE status = 'running'",
                (time.time(),),
            )
        return self.ids("queued")


class Cancelled(Exception):
    """Raised inside a running job when it was cancelled."""


@dataclass
class JobRunner:
    """What a worker needs to run one job: `run(job, input_path, out_dir, report)` writes the job's files
    into `out_dir` and calls `report(frames_done, progress)` per frame (which raises `Cancelled`);
    it returns a warning text or None."""

    run: Callable[[Job, Path, Path, Callable[[int, float], None]], str | None]


@dataclass
class WorkerPool:
    """`workers` threads take job ids from a queue; the queue is rebuilt from the store on start."""

    store: JobStore
    runner: JobRunner
    workers: int = 1
    _queue: queue.Queue[str | None] = field(default_factory=queue.Queue)
    _threads: list[threading.Thread] = field(default_factory=list)
    _cancel: set[str] = field(default_factory=set)
    _cancel_lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        for job_id in self.store.requeue_interrupted():
            self._queue.put(job_id)
        for i in range(max(1, self.workers)):
            t = threading.Thread(target=self._loop, name=f"posekit-job-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 5.0) -> None:
        with self._cancel_lock:  # running jobs stop at their next frame and go back to queued for next time
            self._cancel.add("*")
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            t.join(timeout)

    def submit(self, job: Job) -> None:
        self._queue.put(job.id)

    def queued(self) -> int:
        return self._queue.qsize()

    def cancel(self, job_id: str) -> Job | None:
        """Cancel a queued or running job (its files are removed); finished jobs are deleted."""
        job = self.store.get(job_id)
        if job is None:
            return None
        if job.status in ("queued", "running"):
            with self._cancel_lock:
                self._cancel.add(job_id)
            self.store.update(job_id, status="cancelled", only_if=("queued", "running"))
        else:
            self.store.update(job_id, status="cancelled")
        d = self.store.dir(job_id)
        if job.status != "running":  # a running job's worker removes its own files when it stops
            shutil.rmtree(d, ignore_errors=True)
        return self.store.get(job_id)

    def _cancelled(self, job_id: str) -> bool:
        with self._cancel_lock:
            return job_id in self._cancel or "*" in self._cancel

    def _loop(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None:
                return
            if self._cancelled(job_id) and "*" in self._cancel:
                return
            with contextlib.suppress(Exception):
                self._run_one(job_id)

    def _run_one(self, job_id: str) -> None:
        job = self.store.get(job_id)
        if job is None or not self.store.update(
            job_id, status="running", progress=0.0, attempts=job.attempts + 1, only_if=("queued",)
        ):
            return  # cancelled while queued, or already taken
        d = self.store.dir(job_id)
        work = d / "work"
        shutil.rmtree(work, ignore_errors=True)  # what an interrupted attempt left
        work.mkdir(parents=True)
        last = [0.0]

        def report(frames: int, progress: float) -> None:
            if self._cancelled(job_id):
                raise Cancelled
            now = time.monotonic()
            if now - last[0] > 0.25:  # a row write per frame would be wasteful
                last[0] = now
                self.store.update(job_id, frames=frames, progress=min(progress, 0.999), only_if=("running",))

        try:
            warning = self.runner.run(job, d / "input.bin", work, report)
        except Cancelled:
            if "*" in self._cancel and job_id not in self._cancel:  # server stopping: run again next time
                self.store.update(job_id, status="queued", progress=0.0, only_if=("running",))
            else:
                shutil.rmtree(d, ignore_errors=True)
            return
        except PosekitError as exc:  # bad input or options: the message is for the user as it is
            shutil.rmtree(work, ignore_errors=True)
            self.store.update(job_id, status="failed", error=str(exc), only_if=("running",))
            return
        except Exception as exc:  # a bug or a model failure: the job fails, the server keeps serving
            shutil.rmtree(work, ignore_errors=True)
            self.store.update(
                job_id, status="failed", error=f"{type(exc).__name__}: {exc}", only_if=("running",)
            )
            return
        for f in work.iterdir():  # publish: each file is complete; the row says done only after
            if (d / f.name).is_dir():  # a folder (analysis/) an interrupted attempt already published
                shutil.rmtree(d / f.name)
            os.replace(f, d / f.name)
        work.rmdir()
        frames = _count_frames(d / "results.jsonl")
        if not self.store.update(
            job_id, status="done", progress=1.0, frames=frames, warning=warning, only_if=("running",)
        ):
            shutil.rmtree(d, ignore_errors=True)  # cancelled at the last moment


def _count_frames(path: Path) -> int:
    if not path.exists():
        return 0
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def iter_file(path: Path, chunk: int = 1 << 16) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while data := f.read(chunk):
            yield data
