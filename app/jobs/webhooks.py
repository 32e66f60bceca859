"""Webhooks: a POST to `config.queue.webhook_url` when a job ends and when a whole batch ends.

Delivery is at least once: each event is first written to the outbox in the job store
(app.jobs.webhook_outbox), then POSTed by a small pump thread (so a slow receiver never holds a
queue slot) and removed once the receiver answers 2xx. Failures are tried again with growing waits
(up to OUTBOX_MAX_ATTEMPTS); a worker that starts delivers what a killed one left (`resume`). Each
POST has an explicit timeout and carries a `delivery_id` so the receiver can drop repeats. A batch
event is queued once, guarded by a mark in the job store.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from typing import Any, Literal

import requests
from pydantic import BaseModel

from ..backoff import Backoff
from .job_store_base import JobStore
from .models import BatchSummary, Job, now

log = logging.getLogger(__name__)


class WebhookEvent(BaseModel):
    event: Literal["job.finished", "batch.finished"]
    delivery_id: str
    job: dict[str, Any] | None = None
    batch: dict[str, Any] | None = None


OUTBOX_MAX_ATTEMPTS = 12
OUTBOX_MAX_DELAY_S = 600.0
OUTBOX_LEASE_S = 60.0
PUMP_IDLE_S = 1.0


class WebhookNotifier:
    def __init__(
        self,
        url: str | None,
        *,
        timeout_s: float = 5.0,
        retries: int = 3,
        backoff_s: float = 0.5,
        lease_s: float = OUTBOX_LEASE_S,
    ) -> None:
        self.url = url
        self.lease_s = lease_s  # how long a claimed event is left to this process before another may send it
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self._threads: list[threading.Thread] = []
        self._outbox: Any = None
        self._pump: threading.Thread | None = None
        self._wake = threading.Event()
        self._lock = threading.Lock()

    def deliver(self, event: WebhookEvent) -> bool:
        """POST one event, retrying on connection errors and 5xx/429; True when accepted (2xx)."""
        if not self.url:
            return False
        backoff = Backoff(attempts=self.retries + 1, base=self.backoff_s, cap=math.inf, jitter=(0.8, 1.2))
        for attempt in range(self.retries + 1):
            try:
                response = requests.post(self.url, json=event.model_dump(mode="json"), timeout=self.timeout_s)
                if response.status_code < 300:
                    return True
                if response.status_code < 500 and response.status_code != 429:
                    log.warning("webhook %s refused %s with HTTP %d", self.url, event.event, response.status_code)
                    return False
            except requests.RequestException as exc:
                log.info("webhook %s failed (%s), attempt %d", self.url, type(exc).__name__, attempt + 1)
            if attempt < self.retries:
                time.sleep(backoff.delay(attempt))
        log.warning("webhook %s: gave up delivering %s after %d attempts", self.url, event.event, self.retries + 1)
        return False

    def _send_later(self, event: WebhookEvent) -> None:
        thread = threading.Thread(target=self.deliver, args=(event,), name="inkframe-webhook", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def job_finished(self, store: JobStore, job: Job) -> None:
        """Queue the job event, and the batch event when this job was the batch's last."""
        if not self.url:
            return
        self._queue(
            store,
            WebhookEvent(
                event="job.finished",
                delivery_id=uuid.uuid4().hex,
                job=job.model_dump(mode="json", exclude={"parameters"}),
            ),
        )
        if job.batch_id:
            summary: BatchSummary = store.batch_summary(job.batch_id)
            if summary.done and store.mark_once(f"webhook:batch:{job.batch_id}"):
                self._queue(
                    store,
                    WebhookEvent(
                        event="batch.finished", delivery_id=uuid.uuid4().hex, batch=summary.model_dump(mode="json")
                    ),
                )

    # ---- the outbox ---------------------------------------------------------------------------------
    def _queue(self, store: JobStore, event: WebhookEvent) -> None:
        outbox = self._outbox_of(store)
        if outbox is None:  # a store without an outbox: send directly (at most once)
            self._send_later(event)
            return
        outbox.put(event.delivery_id, event.model_dump_json())
        self._start_pump()

    def _outbox_of(self, store: JobStore) -> Any:
        with self._lock:
            if self._outbox is None or getattr(self._outbox, "store", store) is not store:
                from .webhook_outbox import outbox_for

                self._outbox = outbox_for(store)
            return self._outbox

    def resume(self, store: JobStore) -> None:
        """Deliver what is left in the outbox (events a stopped or killed process did not get out)."""
        if self.url and self._outbox_of(store) is not None:
            self._start_pump()

    def _start_pump(self) -> None:
        with self._lock:
            if self._pump is None or not self._pump.is_alive():
                self._pump = threading.Thread(target=self._run_pump, name="inkframe-webhook-outbox", daemon=True)
                self._pump.start()
        self._wake.set()

    def _run_pump(self) -> None:
        while True:
            self._wake.clear()
            try:
                self.pump_once()
            except Exception:  # a store hiccup must not end deliveries for good
                log.warning("webhook outbox round failed", exc_info=True)
            self._wake.wait(PUMP_IDLE_S)

    def pump_once(self) -> int:
        """Deliver every due outbox entry once; returns how many were delivered."""
        outbox = self._outbox
        if outbox is None or not self.url:
            return 0
        delivered = 0
        for entry in outbox.due():
            if not outbox.claim(entry, now() + self.lease_s):
                continue  # another process is delivering it
            event = WebhookEvent.model_validate_json(entry.body)
            if self.deliver(event):
                outbox.done(entry.delivery_id)
                delivered += 1
                continue
            attempts = entry.attempts + 1
            if attempts >= OUTBOX_MAX_ATTEMPTS:
                log.warning(
                    "webhook %s: dropped %s %s after %d rounds of attempts",
                    self.url,
                    event.event,
                    event.delivery_id,
                    attempts,
                )
                outbox.done(entry.delivery_id)
            else:
                outbox.later(entry.delivery_id, attempts, now() + min(OUTBOX_MAX_DELAY_S, 2.0**attempts))
        return delivered

    def flush(self, timeout_s: float = 30.0) -> None:
        """Wait until every outbox event was tried at least once and direct sends ended (at shutdown, in tests);
        what failed stays in the outbox for later."""
        deadline = time.monotonic() + timeout_s
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        outbox = self._outbox
        while outbox is not None and self.url and time.monotonic() < deadline:
            try:
                if outbox.untried() == 0:
                    return
            except Exception:  # the store is gone: nothing more to wait for
                return
            self._wake.set()
            time.sleep(0.05)
