"""In-memory ComfyUI backends for queue tests that need dispatch but not a real server.

A `FakeBackend` runs one prompt at a time for `seconds` each, keeps a history, answers /queue, and
can be killed (running and pending prompts are lost, calls raise connection errors) and restarted
(empty queue and history, like a restarted ComfyUI). `executions` counts every prompt it ran to the
end, per prompt id and per job (its `filename_prefix`), so tests can check exactly-once.
`fake_pool_factory(backends)` is the client factory a Worker takes.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Any

from app.comfy.errors import BackendDiedError, ComfyConnectionError, ComfyTimeoutError, PromptInterrupted
from app.comfy.results import OutputFile, PromptResult, QueueItem, QueueState


class FakeBackend:
    def __init__(self, name: str, seconds: float = 0.2, object_info: dict[str, Any] | None = None) -> None:
        self.name = name
        self.object_info = object_info or {"FakeNode": {"input": {"required": {}}, "output": [], "output_node": True}}
        self.uploads: dict[str, bytes] = {}
        self.url = f"http://fake-{name}"
        self.seconds = seconds
        self.alive = True
        self.generation = 0
        self._lock = threading.Condition()
        self._pending: list[tuple[str, dict[str, Any]]] = []
        self._running: tuple[str, float] | None = None  # (prompt id, finishes at)
        self._history: dict[str, dict[str, Any]] = {}
        self.executions: collections.Counter[str] = collections.Counter()  # job prefix -> completed runs
        self.submitted: list[str] = []
        self.interrupted: list[str] = []  # prompts stopped by interrupt() while they ran
        self.deleted: list[str] = []  # prompts removed from the pending queue
        threading.Thread(target=self._loop, daemon=True, name=f"fake-{name}").start()

    # ---- the server side -----------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._lock:
                while self._running is None and not self._pending:
                    self._lock.wait(0.05)
                if self._running is None:
                    prompt_id, prompt = self._pending.pop(0)
                    self._running = (prompt_id, time.monotonic() + self.seconds)
                    self._current_prompt = prompt
                finishes = self._running[1]
            time.sleep(max(0.0, finishes - time.monotonic()))
            with self._lock:
                if self._running is None or self._running[1] > time.monotonic():
                    continue  # killed (or restarted) meanwhile
                prompt_id, _ = self._running
                prefix = next(
                    (
                        node["inputs"]["filename_prefix"]
                        for node in self._current_prompt.values()
                        if "filename_prefix" in node.get("inputs", {})
                    ),
                    prompt_id,
                )
                self.executions[prefix] += 1
                self._history[prompt_id] = {
                    "status": {"status_str": "success", "completed": True},
                    "outputs": {"9": {"images": [{"filename": "x.png", "subfolder": prefix, "type": "output"}]}},
                    "prefix": prefix,
                }
                self._running = None
                self._lock.notify_all()

    def kill(self) -> None:
        with self._lock:
            self.alive = False
            self._pending.clear()
            self._running = None
            self._history.clear()
            self.uploads.clear()
            self.generation += 1
            self._lock.notify_all()

    def restart(self) -> None:
        with self._lock:
            self.alive = True
            self._lock.notify_all()

    def _check(self) -> None:
        if not self.alive:
            raise ComfyConnectionError(self.url, "connection refused")

    # ---- what a client sees ----------------------------------------------------------------------------
    def submit(self, prompt: dict[str, Any], prompt_id: str) -> None:
        with self._lock:
            self._check()
            self.submitted.append(prompt_id)
            self._pending.append((prompt_id, prompt))
            self._lock.notify_all()

    def history(self, prompt_id: str | None = None) -> dict[str, Any]:
        with self._lock:
            self._check()
            if prompt_id is None:
                return dict(self._history)
            return {prompt_id: self._history[prompt_id]} if prompt_id in self._history else {}

    def queue(self) -> QueueState:
        with self._lock:
            self._check()
            running = (QueueItem.from_wire([0, self._running[0], {}, {}, []]),) if self._running else ()
            pending = tuple(QueueItem.from_wire([i + 1, pid, {}, {}, []]) for i, (pid, _) in enumerate(self._pending))
            return QueueState(running, pending)

    def wait(self, prompt_id: str, timeout: float) -> PromptResult:
        deadline = time.monotonic() + timeout
        with self._lock:
            generation = self.generation
            while prompt_id not in self._history:
                if self.generation != generation or not self.alive:
                    raise BackendDiedError(f"backend {self.name} died while prompt {prompt_id} ran")
                running = self._running is not None and self._running[0] == prompt_id
                if not running and all(pid != prompt_id for pid, _ in self._pending):
                    raise BackendDiedError(f"prompt {prompt_id} is neither queued nor in the history of {self.name}")
                if time.monotonic() > deadline:
                    raise ComfyTimeoutError(f"prompt {prompt_id} did not finish within {timeout:g} s")
                self._lock.wait(0.02)
            entry = self._history[prompt_id]
        if entry.get("interrupted"):
            raise PromptInterrupted(prompt_id)
        files = [
            OutputFile(
                node_id="9",
                filename="x.png",
                subfolder=entry["prefix"],
                type="output",
                kind="image",
                data=_png(prompt_id),
            )
        ]
        return PromptResult(prompt_id=prompt_id, status="success", outputs=entry["outputs"], files=files)

    def remove(self, prompt_ids: list[str]) -> None:
        with self._lock:
            self._check()
            self.deleted += [pid for pid, _ in self._pending if pid in prompt_ids]
            self._pending = [(pid, p) for pid, p in self._pending if pid not in prompt_ids]

    def interrupt(self, prompt_id: str | None = None) -> None:
        """Like ComfyUI: stops the running prompt (only when it is prompt_id, if one is given); it ends in the
        history as interrupted."""
        with self._lock:
            self._check()
            if self._running is None or (prompt_id and self._running[0] != prompt_id):
                return
            stopped = self._running[0]
            self.interrupted.append(stopped)
            self._history[stopped] = {
                "status": {"status_str": "error", "completed": False},
                "outputs": {},
                "prefix": stopped,
                "interrupted": True,
            }
            self._running = None
            self._lock.notify_all()

    def busy(self) -> bool:
        """A prompt runs or waits here."""
        with self._lock:
            return self._running is not None or bool(self._pending)


class FakeClient:
    """The part of ComfyClient the queue uses, talking to a FakeBackend."""

    def __init__(self, backend: FakeBackend) -> None:
        self.backend = backend

    def system_stats(self) -> dict[str, Any]:
        self.backend._check()
        return {"system": {}}

    def object_info(self, refresh: bool = False) -> dict[str, Any]:
        self.backend._check()
        return self.backend.object_info

    def upload_image(self, data: bytes, *, filename: str | None = None, overwrite: bool = False, **_: Any) -> Any:
        self.backend._check()
        self.backend.uploads[filename or ""] = bytes(data)
        return None

    def submit(self, prompt: dict[str, Any], *, prompt_id: str | None = None, **_: Any) -> str:
        self.backend.submit(prompt, prompt_id or "")
        return prompt_id or ""

    def wait(self, prompt_id: str, *, on_event: Any = None, timeout: float | None = None, **_: Any) -> PromptResult:
        return self.backend.wait(prompt_id, timeout or 300)

    def history(self, prompt_id: str | None = None, **_: Any) -> dict[str, Any]:
        return self.backend.history(prompt_id)

    def queue(self) -> QueueState:
        return self.backend.queue()

    def delete_from_queue(self, prompt_ids: Any) -> None:
        self.backend.remove(list(prompt_ids))

    def interrupt(self, prompt_id: str) -> None:
        self.backend.interrupt(prompt_id)

    def close(self) -> None:
        return None


def _png(prompt_id: str) -> bytes:
    """A real 64x64 picture whose colour follows the prompt id."""
    import hashlib
    import io

    from PIL import Image

    colour = tuple(hashlib.sha256(prompt_id.encode()).digest()[:3])
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buffer, "PNG")
    return buffer.getvalue()


def fake_prompt(label: str) -> dict[str, Any]:
    return {"9": {"class_type": "FakeNode", "inputs": {"filename_prefix": label}}}


def fake_pool_factory(backends: list[FakeBackend]):
    by_url = {backend.url: backend for backend in backends}
    return lambda spec: FakeClient(by_url[spec.url])


def no_preflight(monkeypatch: Any) -> None:
    """Fake object_info has no real node specs: every fake backend can run every fake prompt."""
    from app.jobs import backends

    monkeypatch.setattr(backends, "preflight_problems", lambda prompt, info: [])
    monkeypatch.setattr(backends, "parse_node_specs", lambda info: None)
