"""Following a prompt to its end over the WebSocket: the part of ComfyClient (client.py) that delivers its events,
reconnects when the socket drops and asks /history and /queue where the prompt is when events may be lost."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

from .errors import BackendDiedError, ComfyConnectionError, ComfyError, ComfyTimeoutError
from .events import Event, FeatureFlagsEvent, StatusEvent
from .results import PromptResult
from .tracker import PromptTracker
from .ws import SocketDropped

log = logging.getLogger(__name__)

EventCallback = Callable[[Event], None]
RECEIVE_SLICE_S = 1.0
FAST_RECONCILE_S = 0.25
BACKLOG_LIMIT = 10_000


class PromptFollowMixin:
    """ComfyClient's waiting for a prompt (client.py builds the client from this)."""

    def wait(
        self, prompt_id: str, *, on_event: EventCallback | None = None, timeout: float | None = None, fetch: bool = True
    ) -> PromptResult:
        """Follow `prompt_id` to its end; raise ExecutionError, PromptInterrupted, BackendDiedError or
        ComfyTimeoutError when it does not succeed. Works for prompts submitted elsewhere too."""
        limit = timeout if timeout is not None else self.timeouts.prompt
        deadline = time.monotonic() + limit
        tracker = PromptTracker(prompt_id)
        tracker.timings.submitted_at = self._submitted_at.pop(prompt_id, None)
        watched_from_start = prompt_id in self._watched and self.socket.connected
        self._watched.discard(prompt_id)
        backlog = self._backlog.pop(prompt_id, [])
        try:
            self._follow(tracker, backlog, watched_from_start, deadline, limit, on_event)
        finally:
            self._backlog.pop(prompt_id, None)
        tracker.raise_if_failed()
        files = self.fetch_outputs(tracker.outputs) if fetch else []
        tracker.timings.fetched_at = time.time()
        return PromptResult(
            prompt_id=prompt_id,
            status="success",
            outputs=tracker.outputs,
            files=files + tracker.ws_files,
            timings=tracker.timings,
            cached_nodes=tracker.cached_nodes,
            completed_via=tracker.completed_via or "history",
            reconnects=tracker.reconnects,
        )

    def _follow(
        self,
        tracker: PromptTracker,
        backlog: list[Event],
        watched_from_start: bool,
        deadline: float,
        limit: float,
        on_event: EventCallback | None,
    ) -> None:
        self.connect()
        for event in backlog:
            self._deliver(tracker, event, on_event)
        if not watched_from_start and not tracker.done:
            self._reconcile(tracker)  # events before the socket opened are lost: ask where it is now
        check_every = self.poll_interval
        next_check = time.monotonic() + check_every
        drops = 0
        while not tracker.done:
            now = time.monotonic()
            if now >= deadline:
                raise ComfyTimeoutError(
                    f"prompt {tracker.prompt_id} did not finish within {limit:g} s (comfyui.timeouts.prompt); "
                    f"it may still be running in ComfyUI at {self.base_url}: interrupt it or raise the timeout.",
                    prompt_id=tracker.prompt_id,
                )
            try:
                event = self.socket.receive(min(deadline - now, next_check - now, RECEIVE_SLICE_S))
            except SocketDropped as drop:
                tracker.reconnects += 1
                drops += 1  # drops with no frame in between: a server that accepts and drops at once is backed off
                self._reconnect(tracker.prompt_id, str(drop), deadline, self._storm_delay(drops))
                self._reconcile(tracker)
                check_every = FAST_RECONCILE_S
                next_check = time.monotonic() + check_every
                continue
            if event is not None:
                drops = 0
            if event is not None and self._deliver(tracker, event, on_event):
                check_every = self.poll_interval
                next_check = time.monotonic() + check_every
            elif time.monotonic() >= next_check:
                self._reconcile(tracker)
                check_every = min(check_every * 2, self.poll_interval)
                next_check = time.monotonic() + check_every

    def _deliver(self, tracker: PromptTracker, event: Event, on_event: EventCallback | None) -> bool:
        mine = tracker.feed(event)
        if isinstance(event, FeatureFlagsEvent):
            self.server_feature_flags = dict(event.flags)
        if not mine:
            self._buffer(event)
        if on_event is not None and (mine or isinstance(event, StatusEvent)):
            on_event(event)
        return mine

    def _buffer(self, event: Event) -> None:
        prompt_id = getattr(event, "prompt_id", None)
        queue = self._backlog.get(prompt_id) if prompt_id else None
        if queue is not None and len(queue) < BACKLOG_LIMIT:
            queue.append(event)

    def _storm_delay(self, drops: int) -> float:
        """The wait before reconnecting after `drops` drops in a row: none for the first, then growing with jitter
        (the reconnect policy's curve) so a server that accepts and drops the socket is not hammered."""
        if drops <= 1:
            return 0.0
        return dataclasses.replace(self.reconnect_policy, jitter=(0.5, 1.0)).delay(drops - 2)

    def _reconnect(self, prompt_id: str, reason: str, deadline: float, first_delay: float = 0.0) -> None:
        last: ComfyError | None = None
        delays = list(self.reconnect_policy.delays())
        for attempt, delay in enumerate([first_delay] + delays):
            if time.monotonic() + delay >= deadline:
                break
            time.sleep(delay)
            try:
                self.socket.connect()
                log.info("reconnected to %s after %d tries (%s)", self.base_url, attempt + 1, reason)
                return
            except ComfyError as exc:
                last = exc
        detail = getattr(last, "reason", None) or reason
        raise BackendDiedError(
            f"lost the connection to ComfyUI at {self.base_url} while prompt {prompt_id} was running and could not "
            f"reconnect ({detail}); check ComfyUI's log and restart it.",
            prompt_id=prompt_id,
        )

    def _reconcile(self, tracker: PromptTracker) -> None:
        """Ask /history and /queue where the prompt is; raise BackendDiedError when it is in neither."""
        prompt_id = tracker.prompt_id
        try:
            if tracker.apply_history(self.history(prompt_id).get(prompt_id)):
                return
            if self.queue().contains(prompt_id):
                return
            if tracker.apply_history(self.history(prompt_id).get(prompt_id)):  # it finished in between
                return
        except ComfyConnectionError as exc:
            raise BackendDiedError(
                f"ComfyUI at {self.base_url} went away while prompt {prompt_id} was running ({exc.reason}); "
                f"check its log and restart it.",
                prompt_id=prompt_id,
            ) from exc
        raise BackendDiedError(
            f"prompt {prompt_id} is neither in the queue nor in the history of ComfyUI at {self.base_url}: the server "
            f"lost it (it restarted or crashed); submit it again.",
            prompt_id=prompt_id,
        )
