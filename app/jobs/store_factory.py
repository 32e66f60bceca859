"""Open the job store that config.queue.storage names."""

from __future__ import annotations

from app.config import Config

from .job_store_base import JobStore


def open_job_store(config: Config) -> JobStore:
    if config.queue.storage == "redis":
        from .job_store_redis import RedisJobStore

        return RedisJobStore(config.queue.redis_url, timeout_s=config.comfyui.timeouts.connect)
    from .job_store_sqlite import SqliteJobStore

    return SqliteJobStore(config.resolve(config.queue.sqlite_path))
