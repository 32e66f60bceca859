"""Webhooks: a POST to `config.queue.webhook_url` when a job ends and when a whole batch ends.

Each POST has an explicit timeout and is retried with backoff and jitter (the receiver gets a
`delivery_id` so it can drop duplicates). Delivery runs on a small thread so a slow receiver never
holds a queue slot. A batch event is sent once, guarded by a mark in the job store.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from typing import Any, Literal

import requests
from pydantic import BaseModel

from .job_store_base import JobStore
from .models import BatchSummary, Job

log = logging.getLogger(__name__)


class WebhookEvent(BaseModel):
    event: Literal["job.finished", "batch.finished"]
    delivery_id: str
    job: dict[str, Any] | None = None
    batch: dict[str, Any] | None = None


class WebhookNotifier:
    def __init__(self, url: str | None, *, timeout_s: float = 5.0, retries: int = 3, backoff_s: float = 0.5) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self._threads: list[threading.Thread] = []

    def deliver(self, event: WebhookEvent) -> bool:
        """POST one event, retrying on connection errors and 5xx/429; True when accepted (2xx)."""
        if not self.url:
            return False
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
                time.sleep(self.backoff_s * 2 ** attempt * random.uniform(0.8, 1.2))
        log.warning("webhook %s: gave up delivering %s after %d attempts", self.url, event.event, self.retries + 1)
        return False

    def _send_later(self, event: WebhookEvent) -> None:
        thread = threading.Thread(target=self.deliver, args=(event,), name="inkframe-webhook", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def job_finished(self, store: JobStore, job: Job) -> None:
        """Send the job event, and the batch event when this job was the batch's last."""
        if not self.url:
            return
        self._send_later(WebhookEvent(event="job.finished", delivery_id=uuid.uuid4().hex,
                                      job=job.model_dump(mode="json", exclude={"parameters"})))
        if job.batch_id:
            summary: BatchSummary = store.batch_summary(job.batch_id)
            if summary.done and store.mark_once(f"webhook:batch:{job.batch_id}"):
                self._send_later(WebhookEvent(event="batch.finished", delivery_id=uuid.uuid4().hex,
                                              batch=summary.model_dump(mode="json")))

    def flush(self, timeout_s: float = 30.0) -> None:
        """Wait for deliveries in flight (used at shutdown and in tests)."""
        deadline = time.monotonic() + timeout_s
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
