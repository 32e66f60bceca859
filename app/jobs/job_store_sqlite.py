"""The embedded job store: one SQLite file in WAL mode, safe across threads and processes."""

from __future__ import annotations

import builtins
import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .job_store_base import CorruptJobError, JobNotFoundError, JobStore, JobStoreError, Mutation, parse_job
from .models import JOB_STATUSES, BatchSummary, Job, JobPage, JobQuery, QuarantinedRecord, WorkerInfo, now

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    kind TEXT NOT NULL,
    batch_id TEXT,
    backend TEXT,
    priority INTEGER NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, created_at);
CREATE INDEX IF NOT EXISTS jobs_batch ON jobs(batch_id, created_at);
CREATE INDEX IF NOT EXISTS jobs_kind ON jobs(kind, created_at);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at);
CREATE INDEX IF NOT EXISTS jobs_updated ON jobs(updated_at);
CREATE INDEX IF NOT EXISTS jobs_running ON jobs(backend, status);
CREATE TABLE IF NOT EXISTS job_deps (
    job_id TEXT NOT NULL,
    depends_on TEXT NOT NULL,
    PRIMARY KEY (depends_on, job_id)
);
CREATE TABLE IF NOT EXISTS quarantine (
    job_id TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS workers (worker_id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS marks (key TEXT PRIMARY KEY, at REAL NOT NULL);
"""


class SqliteJobStore(JobStore):
    def __init__(self, path: Path | str, *, busy_timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self._busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn().executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise JobStoreError(
                f"cannot open the job store {self.path} ({exc}); check queue.sqlite_path in config.yaml."
            ) from exc

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = sqlite3.connect(
                self.path, timeout=self._busy_timeout_s, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn, self._local.pid = conn, os.getpid()
            with self._lock:
                self._connections.append(conn)
        return conn

    # ---- writes ---------------------------------------------------------------------------------
    @staticmethod
    def _row(job: Job) -> tuple:
        return (
            job.status,
            job.kind,
            job.batch_id,
            job.backend,
            job.priority,
            job.created_at,
            job.updated_at,
            job.model_dump_json(),
            job.id,
        )

    def add(self, jobs: Sequence[Job]) -> None:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO jobs (status, kind, batch_id, backend, priority, created_at, updated_at, data, id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [self._row(job) for job in jobs],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO job_deps (job_id, depends_on) VALUES (?, ?)",
                [(job.id, dep) for job in jobs for dep in job.depends_on],
            )
            conn.execute("COMMIT")
        except sqlite3.IntegrityError as exc:
            conn.execute("ROLLBACK")
            raise JobStoreError(f"a job with one of these ids already exists ({exc}); nothing was added.") from exc
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _atomic(self, job_id: str, fn: Mutation, count_backend: str | None = None) -> Job | None:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT data FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise JobNotFoundError(job_id)
            try:
                job = parse_job(job_id, row[0])
            except CorruptJobError as exc:
                self._quarantine_in(conn, job_id, str(exc), row[0])
                conn.execute("COMMIT")
                raise
            running = 0
            if count_backend is not None:
                running = conn.execute(
                    "SELECT COUNT(*) FROM jobs WHERE backend = ? AND status = 'running'", (count_backend,)
                ).fetchone()[0]
            new = fn(job, running)
            if new is not None:
                conn.execute(
                    "UPDATE jobs SET status=?, kind=?, batch_id=?, backend=?, priority=?, created_at=?,"
                    " updated_at=?, data=? WHERE id=?",
                    self._row(new),
                )
            conn.execute("COMMIT")
            return new
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @staticmethod
    def _quarantine_in(conn: sqlite3.Connection, job_id: str, reason: str, raw: str) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO quarantine (job_id, reason, raw, at) VALUES (?, ?, ?, ?)",
            (job_id, reason, raw, now()),
        )
        conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def quarantine(self, job_id: str, reason: str, raw: str) -> None:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        self._quarantine_in(conn, job_id, reason, raw)
        conn.execute("COMMIT")

    # ---- reads ----------------------------------------------------------------------------------
    def _parse_rows(self, rows: Sequence[tuple[str, str]]) -> tuple[list[Job], int]:
        jobs, bad = [], 0
        for job_id, raw in rows:
            try:
                jobs.append(parse_job(job_id, raw))
            except CorruptJobError as exc:
                self._quarantine_raw(job_id, raw, exc)
                bad += 1
        return jobs, bad

    def get(self, job_id: str) -> Job:
        row = self._conn().execute("SELECT data FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFoundError(job_id)
        try:
            return parse_job(job_id, row[0])
        except CorruptJobError as exc:
            self._quarantine_raw(job_id, row[0], exc)
            raise

    def get_many(self, job_ids: Sequence[str]) -> dict[str, Job]:
        ids = list(dict.fromkeys(job_ids))
        rows: list[tuple[str, str]] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows += self._conn().execute(f"SELECT id, data FROM jobs WHERE id IN ({marks})", chunk).fetchall()
        jobs, _ = self._parse_rows(rows)
        return {job.id: job for job in jobs}

    def list(self, query: JobQuery) -> JobPage:
        where: list[str] = []
        params: list[Any] = []
        if query.status:
            where.append(f"status IN ({','.join('?' * len(query.status))})")
            params += list(query.status)
        for column in ("kind", "batch_id"):
            value = getattr(query, column)
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if query.updated_since is not None:
            where.append("updated_at > ?")
            params.append(query.updated_since)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        conn = self._conn()
        total = conn.execute(f"SELECT COUNT(*) FROM jobs{clause}", params).fetchone()[0]
        rows = conn.execute(
            f"SELECT id, data FROM jobs{clause} ORDER BY created_at, id LIMIT ? OFFSET ?",
            [*params, query.limit, query.offset],
        ).fetchall()
        jobs, bad = self._parse_rows(rows)
        quarantined = conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0]
        return JobPage(items=jobs, total=total - bad, quarantined=quarantined)

    def running_counts(self) -> dict[str, int]:
        rows = self._conn().execute(
            "SELECT backend, COUNT(*) FROM jobs WHERE status = 'running' AND backend IS NOT NULL GROUP BY backend"
        )
        return {backend: count for backend, count in rows}

    def batch_summary(self, batch_id: str) -> BatchSummary:
        rows = self._conn().execute("SELECT status, COUNT(*) FROM jobs WHERE batch_id = ? GROUP BY status", (batch_id,))
        counts = {status: 0 for status in JOB_STATUSES}
        counts.update({status: count for status, count in rows})
        return BatchSummary(batch_id=batch_id, total=sum(counts.values()), counts=counts)

    def dependents(self, job_id: str) -> builtins.list[Job]:
        ids = [row[0] for row in self._conn().execute("SELECT job_id FROM job_deps WHERE depends_on = ?", (job_id,))]
        found = self.get_many(ids)
        return [found[i] for i in ids if i in found]

    def quarantined(self) -> builtins.list[QuarantinedRecord]:
        rows = self._conn().execute("SELECT job_id, reason, raw, at FROM quarantine ORDER BY at")
        return [QuarantinedRecord(job_id=j, reason=r, raw=raw, at=at) for j, r, raw, at in rows]

    # ---- workers and marks ----------------------------------------------------------------------
    def heartbeat(self, info: WorkerInfo) -> None:
        self._conn().execute(
            "INSERT OR REPLACE INTO workers (worker_id, data) VALUES (?, ?)", (info.worker_id, info.model_dump_json())
        )

    def workers(self) -> builtins.list[WorkerInfo]:
        return [
            WorkerInfo.model_validate(json.loads(raw)) for (raw,) in self._conn().execute("SELECT data FROM workers")
        ]

    def forget_worker(self, worker_id: str) -> None:
        self._conn().execute("DELETE FROM workers WHERE worker_id = ?", (worker_id,))

    def mark_once(self, key: str) -> bool:
        cursor = self._conn().execute("INSERT OR IGNORE INTO marks (key, at) VALUES (?, ?)", (key, now()))
        return cursor.rowcount == 1

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._connections.clear()
        self._local = threading.local()
