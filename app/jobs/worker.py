"""A worker: the process (or the thread inside the app) that dispatches jobs to ComfyUI backends.

start(): check every backend (a backend that is down is reported, the others run), reconcile what
a previous run left behind, start Huey consumer threads (one per backend slot, plus one for local
steps) and a maintenance thread (heartbeat, backend re-checks, orphan reconciliation).
Several workers may share one Redis store; per-backend concurrency is counted in the store.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from pathlib import Path

from app.config import Config

from .backends import BackendPool, BackendSpec, ClientFactory, backend_specs, make_comfy_client
from .context import JobContext
from .engine import QueueEngine, build_huey
from .job_store_base import JobStore
from .models import WorkerInfo, now
from .reconcile import HEARTBEAT_S, LostMessages, ReconcileReport, reconcile
from .runner import JobRunner
from .store_factory import open_job_store
from .transitions import JobTransitions
from .webhooks import WebhookNotifier

log = logging.getLogger(__name__)

ORPHAN_CHECK_S = 5.0  # every worker: orphans of dead workers, lost messages


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    _stop: threading.Event  # set in __init__ after the context whose `stopping` reads it

    def __init__(
        self,
        config: Config,
        *,
        store: JobStore | None = None,
        engine: QueueEngine | None = None,
        specs: list[BackendSpec] | None = None,
        worker_id: str | None = None,
        threads: int | None = None,
        client_factory: ClientFactory | None = None,
    ) -> None:
        self.config = config
        self.store = store or open_job_store(config)
        self.engine = engine or QueueEngine(build_huey(config), self.store)
        self.worker_id = worker_id or default_worker_id()
        self.pool = BackendPool(
            specs or backend_specs(config),
            client_factory or (lambda spec: make_comfy_client(spec, config)),
            health_factory=client_factory or (lambda spec: make_comfy_client(spec, config, health=True)),
        )
        self.notifier = WebhookNotifier(config.queue.webhook_url)
        self.transitions = JobTransitions(
            self.store, self.engine, self.notifier, retry_backoff_s=config.queue.retry_backoff_s
        )
        self.context = JobContext.for_config(
            config,
            self.store,
            pool=self.pool,
            enqueue=self.transitions.enqueue_if_ready,
            cancel=self.transitions.cancel,
            worker_id=self.worker_id,
            stopping=lambda: self._stop.is_set(),
        )
        self.runner = JobRunner(
            self.store,
            self.pool,
            self.transitions,
            worker_id=self.worker_id,
            output_dir=config.resolve(config.app.output_dir),
            prompt_timeout_s=config.comfyui.timeouts.prompt,
            context=self.context,
        )
        self.context.withdraw = self.runner.withdraw
        self.threads = threads or sum(spec.max_concurrent for spec in self.pool.specs.values()) + 1
        self._stop = threading.Event()
        self._maintenance: threading.Thread | None = None
        self.last_reconcile: ReconcileReport | None = None
        self._lost = LostMessages()

    def start(self) -> ReconcileReport:
        for state in self.pool.check_all():
            if not state.healthy:
                log.warning(
                    "backend %s at %s is down at start (%s); its jobs go to the others until it answers",
                    state.spec.name,
                    state.spec.url,
                    state.error,
                )
        self._heartbeat()
        self.last_reconcile = self.reconcile(startup=True)
        self.engine.start(self.runner.handle, threads=self.threads)
        self.notifier.resume(self.store)  # webhooks a stopped or killed worker left in the outbox
        self._maintenance = threading.Thread(target=self._maintain, name="inkframe-worker-maintenance", daemon=True)
        self._maintenance.start()
        log.info(
            "worker %s started: %d backend(s), %d thread(s); %s",
            self.worker_id,
            len(self.pool.specs),
            self.threads,
            self.last_reconcile.summary(),
        )
        return self.last_reconcile

    def _heartbeat(self) -> None:
        self.store.heartbeat(
            WorkerInfo(worker_id=self.worker_id, host=socket.gethostname(), pid=os.getpid(), heartbeat_at=now())
        )

    def _maintain(self) -> None:
        last_orphan_check = now()
        while not self._stop.wait(HEARTBEAT_S):
            try:
                self._heartbeat()
                self.pool.refresh_stale()
                if now() - last_orphan_check >= ORPHAN_CHECK_S:
                    last_orphan_check = now()
                    self.reconcile(startup=False)
            except Exception:  # keep the heartbeat going whatever one round hit
                log.exception("worker maintenance round failed")

    def reconcile(self, *, startup: bool) -> ReconcileReport:
        """One reconciliation round (see app.jobs.reconcile); adopted prompts are followed on threads of their own."""
        return reconcile(
            self.store,
            self.pool,
            self.engine,
            self.transitions,
            worker_id=self.worker_id,
            startup=startup,
            follow=self.runner.adopt,
            active=self.runner.active_ids,
            lost=self._lost,
        )

    def wait(self) -> None:
        """Block until stop() is called (the `worker` command's main loop)."""
        self._stop.wait()

    def request_stop(self) -> None:
        """Ask wait() to return (safe from a signal handler)."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        self.runner.stopping = True
        self.engine.stop()
        try:
            self.store.forget_worker(self.worker_id)
        except Exception:  # the store may be gone already; a stale heartbeat only ages out
            log.debug("could not remove the heartbeat of %s", self.worker_id, exc_info=True)
        self.notifier.flush(timeout_s=10)
        self.pool.close()


def output_path(config: Config, relative: str) -> Path:
    return config.resolve(config.app.output_dir) / relative
