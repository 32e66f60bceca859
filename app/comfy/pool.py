"""Clients kept per backend between runs, so that one run after another reuses the open WebSocket and HTTP connection.

`run_workflow` (app/services/run_service.py) used to make a `ComfyClient` per run: two TCP connections and a
WebSocket upgrade per panel, opened right after the previous prompt ended, when ComfyUI's worker may hold the GIL in
its post-prompt `gc.collect()`. A run now borrows an idle client of the same backend and timeouts and gives it back.

Rules that keep this safe:
- a client is lent to one caller at a time (ComfyClient is not for threads waiting at once); a second concurrent
  borrower gets its own, and at most `max_idle` idle clients per backend are kept (the rest are closed);
- a run that raised closes its client instead of returning it: a timed-out prompt may still send events;
- nobody reads an idle client's WebSocket, and ComfyUI writes every queue change to every socket, so an idle client
  is closed after `idle_close_s` (ComfyUI would otherwise block its message loop on a full socket one day);
- `close_all()` closes every idle client (tests, shutdown; also registered with atexit).
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from app.config import Timeouts

from .client import ComfyClient

IDLE_CLOSE_S = 30.0
MAX_IDLE_PER_BACKEND = 4

ClientFactory = Callable[[str, Timeouts], ComfyClient]


def _new_client(base_url: str, timeouts: Timeouts) -> ComfyClient:
    return ComfyClient(base_url, timeouts=timeouts)


@dataclass
class _Idle:
    client: ComfyClient
    since: float
    timer: threading.Timer


class ClientPool:
    """Idle `ComfyClient`s keyed by (backend URL, timeouts)."""

    def __init__(
        self,
        *,
        idle_close_s: float = IDLE_CLOSE_S,
        max_idle: int = MAX_IDLE_PER_BACKEND,
        factory: ClientFactory = _new_client,
    ) -> None:
        self.idle_close_s = idle_close_s
        self.max_idle = max_idle
        self.factory = factory
        self._idle: dict[tuple[str, str], list[_Idle]] = {}
        self._lock = threading.Lock()

    @contextmanager
    def borrow(self, base_url: str, timeouts: Timeouts | None = None) -> Iterator[ComfyClient]:
        """A client of `base_url` for the duration of the block: an idle one when there is one, else a new one."""
        timeouts = timeouts or Timeouts()
        key = (base_url.rstrip("/"), timeouts.model_dump_json())
        client = self._take(key) or self.factory(key[0], timeouts)
        try:
            yield client
        except BaseException:
            client.close()
            raise
        self._give_back(key, client)

    def idle_count(self, base_url: str | None = None) -> int:
        with self._lock:
            return sum(len(v) for k, v in self._idle.items() if base_url is None or k[0] == base_url.rstrip("/"))

    def close_all(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for entries in idle.values():
            for entry in entries:
                entry.timer.cancel()
                entry.client.close()

    def _take(self, key: tuple[str, str]) -> ComfyClient | None:
        with self._lock:
            entries = self._idle.get(key)
            if not entries:
                return None
            entry = entries.pop()  # the most recently used: its socket is the least likely to have gone stale
        entry.timer.cancel()
        return entry.client

    def _give_back(self, key: tuple[str, str], client: ComfyClient) -> None:
        since = time.monotonic()
        timer = threading.Timer(self.idle_close_s, self._expire, args=(key, client, since))
        timer.daemon = True
        with self._lock:
            entries = self._idle.setdefault(key, [])
            surplus = len(entries) >= self.max_idle
            if not surplus:
                entries.append(_Idle(client, since, timer))
        if surplus:
            client.close()
            return
        timer.start()

    def _expire(self, key: tuple[str, str], client: ComfyClient, since: float) -> None:
        with self._lock:
            entries = self._idle.get(key, [])
            match = [e for e in entries if e.client is client and e.since == since]
            for entry in match:
                entries.remove(entry)
        for entry in match:
            entry.client.close()


CLIENTS = ClientPool()
atexit.register(CLIENTS.close_all)
