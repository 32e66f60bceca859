"""Starting queue workers for the entry points: `python main.py worker` and the studio's embedded worker.

A worker dispatches jobs to the ComfyUI backends (app/jobs/worker.py); with `comfyui.launch` set, the command
line worker first starts and supervises the ComfyUI it sends work to.
"""

from __future__ import annotations

from typing import Any

from ..config import PROJECT_ROOT, Config
from ..errors import InkframeError
from ..jobs.models import now
from ..jobs.reconcile import STALE_AFTER_S
from ..jobs.worker import Worker

__all__ = ["Worker", "live_workers", "make_worker", "start_managed_comfyui"]


def make_worker(config: Config, *, worker_id: str | None = None, threads: int | None = None) -> Worker:
    """A worker over the config's job store and backends (not started: call its start())."""
    return Worker(config, worker_id=worker_id, threads=threads)


def start_managed_comfyui(config: Config) -> tuple[Any, Config]:
    """Start the ComfyUI that `comfyui.launch` describes; returns it (stop() ends it) and the config pointed at it."""
    from ..comfy import ManagedComfyUI

    if config.comfyui.launch is None:
        raise InkframeError("comfyui.launch is not set in the config: there is no ComfyUI to start.")
    managed = ManagedComfyUI(
        config.comfyui.launch,
        PROJECT_ROOT,
        timeouts=config.comfyui.timeouts,
        data_dir=config.resolve(config.app.data_dir) / "comfyui",
    )
    url = managed.start()
    return managed, config.model_copy(update={"comfyui": config.comfyui.model_copy(update={"url": url})})


def live_workers(store: Any) -> list[str]:
    """Ids of the workers whose heartbeat is recent in this job store."""
    return [info.worker_id for info in store.workers() if now() - info.heartbeat_at <= STALE_AFTER_S]
