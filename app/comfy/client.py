"""`ComfyClient`: submit prompts to one ComfyUI server, follow them to the end, bring the outputs home.

One client owns one client id, one HTTP session and one WebSocket (opened lazily, kept between
runs, reopened when it drops). A client is not meant to be shared by threads that wait at the same
time: give each worker its own (the `/object_info` cache is shared process-wide anyway).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from app.config import Timeouts

from ..backoff import Backoff
from .errors import (
    BackendDiedError,
    ComfyConnectionError,
    ComfyError,
    ComfyHTTPError,
    ComfyTimeoutError,
    PromptValidationError,
)
from .events import Event, FeatureFlagsEvent, StatusEvent
from .frontend_version import FrontendVersion, detect_frontend_version
from .http import RECONNECT, SAFE_GET_RETRY, HttpTransport
from .outputs import find_file_refs
from .results import OutputFile, PromptResult, QueueState, UploadResult
from .tracker import PromptTracker
from .uploads import UploadSource, post_upload
from .ws import EventSocket, SocketDropped

log = logging.getLogger(__name__)

EventCallback = Callable[[Event], None]
RECEIVE_SLICE_S = 1.0
FAST_RECONCILE_S = 0.25
BACKLOG_LIMIT = 10_000

_OBJECT_INFO_CACHE: dict[str, dict[str, Any]] = {}
_OBJECT_INFO_LOCK = threading.Lock()
_FRONTEND_CACHE: dict[str, FrontendVersion] = {}


def clear_object_info_cache(base_url: str | None = None) -> None:
    """Forget cached `/object_info` (for one backend, or for all)."""
    with _OBJECT_INFO_LOCK:
        if base_url is None:
            _OBJECT_INFO_CACHE.clear()
            _FRONTEND_CACHE.clear()
        else:
            _OBJECT_INFO_CACHE.pop(base_url.rstrip("/"), None)
            _FRONTEND_CACHE.pop(base_url.rstrip("/"), None)


class ComfyClient:
    """The app's only way to talk to a ComfyUI server (HTTP + WebSocket)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeouts: Timeouts | None = None,
        client_id: str | None = None,
        preview_metadata: bool = True,
        retry: Backoff = SAFE_GET_RETRY,
        reconnect: Backoff = RECONNECT,
        poll_interval: float = 5.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeouts = timeouts or Timeouts()
        self.client_id = client_id or uuid.uuid4().hex
        self.reconnect_policy = reconnect
        self.poll_interval = poll_interval
        self.http = HttpTransport(self.base_url, self.timeouts, retry=retry)
        self.socket = EventSocket(
            self.base_url, self.client_id, connect_timeout=self.timeouts.connect, preview_metadata=preview_metadata
        )
        self.server_feature_flags: dict[str, Any] = {}
        self._backlog: dict[str, list[Event]] = {}
        self._submitted_at: dict[str, float] = {}
        self._watched: set[str] = set()

    def __enter__(self) -> ComfyClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def connect(self) -> None:
        """Open the WebSocket now (run() does it): prompts submitted afterwards are followed from their first event."""
        self.socket.connect()

    def close(self) -> None:
        self.socket.close()
        self.http.close()

    # ---- server information -------------------------------------------------------------------
    def system_stats(self) -> dict[str, Any]:
        return self.http.get_json("/system_stats")

    def object_info(self, refresh: bool = False) -> dict[str, Any]:
        """Every node type the server knows; cached per backend URL for the whole process."""
        with _OBJECT_INFO_LOCK:
            cached = None if refresh else _OBJECT_INFO_CACHE.get(self.base_url)
        if cached is not None:
            return cached
        info = self.http.get_json("/object_info")
        with _OBJECT_INFO_LOCK:
            _OBJECT_INFO_CACHE[self.base_url] = info
        return info

    def frontend_version(self, refresh: bool = False) -> str | None:
        """The frontend version the server serves (None: unknown); its rules convert workflows for it.
        Cached per backend URL like /object_info (see frontend_version.py for how it is found)."""
        with _OBJECT_INFO_LOCK:
            cached = None if refresh else _FRONTEND_CACHE.get(self.base_url)
        if cached is None:
            cached = detect_frontend_version(self.http)
            with _OBJECT_INFO_LOCK:
                _FRONTEND_CACHE[self.base_url] = cached
        return cached.version

    def features(self) -> dict[str, Any]:
        """The server's feature flags (`{}` on releases without `/features`)."""
        return self.http.get_json("/features", allow_404=True) or {}

    def history(self, prompt_id: str | None = None, *, max_items: int | None = None) -> dict[str, Any]:
        if prompt_id is not None:
            return self.http.get_json(f"/history/{prompt_id}")
        return self.http.get_json("/history", params={"max_items": max_items} if max_items else None)

    def queue(self) -> QueueState:
        return QueueState.from_wire(self.http.get_json("/queue"))

    # ---- control ------------------------------------------------------------------------------
    def interrupt(self, prompt_id: str) -> None:
        """Interrupt `prompt_id` if it is running (ComfyUI ignores the call otherwise)."""
        self._post_ok("/interrupt", {"prompt_id": prompt_id})

    def delete_from_queue(self, prompt_ids: Iterable[str]) -> None:
        self._post_ok("/queue", {"delete": list(prompt_ids)})

    def free(self, unload_models: bool = True, free_memory: bool = True) -> None:
        self._post_ok("/free", {"unload_models": unload_models, "free_memory": free_memory})

    def _post_ok(self, path: str, body: Any) -> None:
        self.http.check(self.http.post(path, json=body), "POST", path)

    # ---- files --------------------------------------------------------------------------------
    def upload_image(
        self,
        data_or_path: UploadSource,
        *,
        filename: str | None = None,
        subfolder: str = "",
        type: str = "input",
        overwrite: bool = False,
    ) -> UploadResult:
        """Upload an image; if ComfyUI stored it under another name, the result says so (`renamed`)."""
        return post_upload(
            self.http,
            "/upload/image",
            data_or_path,
            filename=filename,
            subfolder=subfolder,
            type=type,
            overwrite=overwrite,
        )

    def upload_mask(
        self,
        data_or_path: UploadSource,
        *,
        original_ref: Mapping[str, str],
        filename: str | None = None,
        subfolder: str = "",
        type: str = "input",
        overwrite: bool = False,
    ) -> UploadResult:
        """Upload a mask whose alpha is applied to `original_ref` ({filename, subfolder, type})."""
        return post_upload(
            self.http,
            "/upload/mask",
            data_or_path,
            filename=filename,
            subfolder=subfolder,
            type=type,
            overwrite=overwrite,
            original_ref=original_ref,
        )

    def view(self, filename: str, subfolder: str = "", type: str = "output") -> bytes:
        return self.http.get_bytes("/view", params={"filename": filename, "subfolder": subfolder, "type": type})

    def fetch_outputs(self, outputs: Mapping[str, Mapping[str, Any]]) -> list[OutputFile]:
        """Download every file named in `outputs` via /view, each exactly once."""
        return [
            OutputFile(
                ref.node_id,
                ref.filename,
                ref.subfolder,
                ref.type,
                ref.kind,
                self.view(ref.filename, ref.subfolder, ref.type),
                "view",
                ref.key,
            )
            for ref in find_file_refs(outputs)
        ]

    # ---- prompts ------------------------------------------------------------------------------
    def submit(
        self, prompt: Mapping[str, Any], *, prompt_id: str | None = None, extra_data: Mapping[str, Any] | None = None
    ) -> str:
        """Queue an API-format prompt and return its id (chosen here, so a crash can be reconciled).

        Never retried: when the POST fails in a way that may have reached the server, the queue and
        the history are checked for the id instead of posting again.
        """
        _check_api_format(prompt)
        prompt_id = prompt_id or str(uuid.uuid4())
        body: dict[str, Any] = {"prompt": prompt, "client_id": self.client_id, "prompt_id": prompt_id}
        if extra_data:
            body["extra_data"] = dict(extra_data)
        self._backlog[prompt_id] = []
        self._submitted_at[prompt_id] = time.time()
        if self.socket.connected:
            self._watched.add(prompt_id)  # its events are captured from the start
        try:
            response = self.http.post("/prompt", json=body)
        except ComfyError as exc:
            if exc.maybe_sent and self._server_has(prompt_id):
                return prompt_id
            self._forget(prompt_id)
            raise
        if response.status_code == 400:
            self._forget(prompt_id)
            try:
                raise PromptValidationError.from_response(response.json())
            except ValueError:
                raise ComfyHTTPError("POST", self.http.url("/prompt"), 400, response.text) from None
        try:
            self.http.check(response, "POST", "/prompt")
        except ComfyError:
            self._forget(prompt_id)
            raise
        returned = str(self.http.decode_json(response, "POST", "/prompt").get("prompt_id", prompt_id))
        if returned != prompt_id:  # releases before prompt_id was honoured choose their own
            self._backlog[returned] = self._backlog.pop(prompt_id, [])
            self._submitted_at[returned] = self._submitted_at.pop(prompt_id)
            if prompt_id in self._watched:
                self._watched.discard(prompt_id)
                self._watched.add(returned)
        return returned

    def run(
        self,
        prompt: Mapping[str, Any],
        *,
        on_event: EventCallback | None = None,
        timeout: float | None = None,
        fetch: bool = True,
        prompt_id: str | None = None,
        extra_data: Mapping[str, Any] | None = None,
    ) -> PromptResult:
        """Connect the WebSocket, submit, wait for the end and fetch the outputs."""
        self.connect()
        prompt_id = self.submit(prompt, prompt_id=prompt_id, extra_data=extra_data)
        return self.wait(prompt_id, on_event=on_event, timeout=timeout, fetch=fetch)

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

    def _server_has(self, prompt_id: str) -> bool:
        try:
            return self.queue().contains(prompt_id) or bool(self.history(prompt_id).get(prompt_id))
        except ComfyError:
            return False

    def _forget(self, prompt_id: str) -> None:
        self._backlog.pop(prompt_id, None)
        self._watched.discard(prompt_id)
        self._submitted_at.pop(prompt_id, None)


def _check_api_format(prompt: Any) -> None:
    if not isinstance(prompt, Mapping):
        raise ComfyError(f"a prompt must be an API-format mapping of node ids to nodes, not {type(prompt).__name__}.")
    if "nodes" in prompt and "links" in prompt:
        raise ComfyError(
            "this workflow is in ComfyUI's UI format, but /prompt needs API format; export it with "
            "'Export (API)' or convert it first."
        )
