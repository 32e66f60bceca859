"""Size limits of API answers: clipped error texts, job lists without parameters, event streams per client."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator

from app.services.queue_types import Job

DEFAULT_MAX_ERROR_CHARS = 2000


def clip(text: str, max_chars: int) -> str:
    """`text` cut to `max_chars`, saying how much was left out."""
    if len(text) <= max_chars:
        return text
    note = f" ... ({len(text) - max_chars:,} more characters left out)"
    return text[: max(0, max_chars - len(note))] + note


def clip_job(job: Job, max_chars: int, *, parameters: bool = True) -> Job:
    """The job as the API shows it: error and progress texts clipped; parameters only when asked for."""
    update: dict = {}
    if any(len(error.message) > max_chars for error in job.errors):
        update["errors"] = [
            error.model_copy(update={"message": clip(error.message, max_chars)}) for error in job.errors
        ]
    if len(job.progress_text) > max_chars:
        update["progress_text"] = clip(job.progress_text, max_chars)
    if not parameters and job.parameters:
        update["parameters"] = {}
    return job.model_copy(update=update) if update else job


class StreamSlots:
    """At most `limit` open event streams per client address."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> bool:
        with self._lock:
            if self._open.get(client, 0) >= self.limit:
                return False
            self._open[client] = self._open.get(client, 0) + 1
            return True

    def release(self, client: str) -> None:
        with self._lock:
            left = self._open.get(client, 0) - 1
            if left > 0:
                self._open[client] = left
            else:
                self._open.pop(client, None)

    def count(self, client: str) -> int:
        with self._lock:
            return self._open.get(client, 0)

    async def releasing(self, client: str, stream: AsyncIterator[str]) -> AsyncIterator[str]:
        """Pass the stream through and give the slot back however it ends (finished, failed, client gone)."""
        try:
            async for chunk in stream:
                yield chunk
        finally:
            self.release(client)
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()
