"""Fixtures for the queue tests: a real redis-server on a loopback port and both job stores.

Import the fixtures into a test module with `from tests.queue_fixtures import *`.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["redis_url", "job_store", "corrupt_record", "free_port", "store_kind"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server on 127.0.0.1 for this test session (skips when the binary is absent)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (bash scripts/setup.sh dev installs it)")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port, socket_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.RedisError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(params=["sqlite", "redis"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def job_store(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest):
    if store_kind == "sqlite":
        from app.jobs.job_store_sqlite import SqliteJobStore

        store = SqliteJobStore(tmp_path / "jobs.db")
    else:
        from app.jobs.job_store_redis import RedisJobStore

        store = RedisJobStore(request.getfixturevalue("redis_url"), prefix=f"test-{uuid.uuid4().hex[:8]}:")
    yield store
    store.close()


@pytest.fixture
def corrupt_record():
    """Overwrite a stored record with raw text, as a crash or a bad hand edit would."""

    def corrupt(store, job_id: str, raw: str) -> None:
        if hasattr(store, "_redis"):
            store._redis.set(store._k("job", job_id), raw)
        else:
            store._conn().execute("UPDATE jobs SET data = ? WHERE id = ?", (raw, job_id))

    return corrupt
