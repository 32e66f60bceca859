"""Which workers count as gone when a worker reconciles (the ComfyUI side is tested live in tests/integration)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from app.jobs.job_store_sqlite import SqliteJobStore
from app.jobs.models import WorkerInfo, now
from app.jobs.reconcile import STALE_AFTER_S, worker_alive


def test_worker_alive_by_heartbeat_and_pid(tmp_path: Path):
    store = SqliteJobStore(tmp_path / "jobs.db")
    host = socket.gethostname()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    store.heartbeat(WorkerInfo(worker_id="here", host=host, pid=os.getpid(), heartbeat_at=now()))
    store.heartbeat(WorkerInfo(worker_id="killed", host=host, pid=int(dead), heartbeat_at=now()))
    store.heartbeat(WorkerInfo(worker_id="remote", host="other-machine", pid=1, heartbeat_at=now()))
    store.heartbeat(WorkerInfo(worker_id="silent", host="other-machine", pid=1, heartbeat_at=now() - STALE_AFTER_S - 1))
    assert worker_alive(store, "here", me="someone-else")
    assert not worker_alive(store, "killed", me="someone-else")  # kill -9: pid gone, heartbeat still fresh
    assert worker_alive(store, "remote", me="x") and not worker_alive(store, "silent", me="x")
    assert not worker_alive(store, "never-seen", me="x") and not worker_alive(store, None, me="x")
    assert not worker_alive(store, "here", me="here")  # at startup a worker's own old jobs are settled
    store.close()
