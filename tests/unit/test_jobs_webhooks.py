"""Webhooks: POSTed to a real local HTTP server, retried on 5xx, a batch event sent once."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from app.jobs.job_store_sqlite import SqliteJobStore
from app.jobs.models import Job, now
from app.jobs.webhooks import WebhookEvent, WebhookNotifier


@pytest.fixture
def receiver():
    received: list[dict] = []
    failures = {"left": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if failures["left"] > 0:
                failures["left"] -= 1
                self.send_response(503)
            else:
                received.append(body)
                self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received, failures
    server.shutdown()


def test_retries_transient_refusals_then_delivers(receiver):
    url, received, failures = receiver
    failures["left"] = 2
    notifier = WebhookNotifier(url, backoff_s=0.01)
    assert notifier.deliver(WebhookEvent(event="job.finished", delivery_id="d1", job={"id": "x"}))
    assert [r["delivery_id"] for r in received] == ["d1"]


def test_gives_up_after_the_retries_and_on_unreachable_urls(receiver):
    url, received, failures = receiver
    failures["left"] = 10
    assert not WebhookNotifier(url, retries=1, backoff_s=0.01).deliver(
        WebhookEvent(event="job.finished", delivery_id="d")
    )
    assert not WebhookNotifier("http://127.0.0.1:9/x", retries=1, backoff_s=0.01, timeout_s=1).deliver(
        WebhookEvent(event="job.finished", delivery_id="d")
    )
    assert received == []


def test_job_events_and_one_batch_event(receiver, tmp_path: Path):
    url, received, _ = receiver
    store = SqliteJobStore(tmp_path / "jobs.db")
    stamp = now()
    jobs = [
        Job(
            id=f"j{i}",
            kind="collect",
            batch_id="b",
            status="succeeded" if i else "running",
            created_at=stamp,
            updated_at=stamp,
        )
        for i in range(2)
    ]
    store.add(jobs)
    notifier = WebhookNotifier(url)
    notifier.job_finished(store, store.get("j1"))  # j0 still runs: no batch event yet
    store.mutate("j0", lambda job: job.model_copy(update={"status": "failed"}))
    notifier.job_finished(store, store.get("j0"))
    notifier.job_finished(store, store.get("j0"))  # a repeat never sends the batch event twice
    notifier.flush()
    events = sorted((r["event"], (r["job"] or {}).get("id")) for r in received)
    assert events == [("batch.finished", None), ("job.finished", "j0"), ("job.finished", "j0"), ("job.finished", "j1")]
    batch = next(r["batch"] for r in received if r["event"] == "batch.finished")
    assert batch["counts"]["failed"] == 1 and batch["counts"]["succeeded"] == 1
    assert "parameters" not in next(r["job"] for r in received if r["event"] == "job.finished")
    store.close()
