"""`ComfyClient`: submit prompts to one ComfyUI server, follow them to the end, bring the outputs home.

One client owns one client id, one HTTP session and one WebSocket (opened lazily, kept between
runs, reopened when it drops). A client is not meant to be shared by threads that wait at the same
time: give each worker its own (the `/object_info` cache is shared process-wide anyway).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from app.config import Timeouts

from ..backoff import Backoff
from .errors import ComfyError, ComfyHTTPError, PromptValidationError
from .events import Event
from .frontend_version import FrontendVersion, detect_frontend_version
from .http import RECONNECT, SAFE_GET_RETRY, HttpTransport
from .outputs import find_file_refs
from .prompt_follow import EventCallback, PromptFollowMixin
from .results import OutputFile, PromptResult, QueueState, UploadResult
from .uploads import UploadSource, post_upload
from .ws import EventSocket

FETCH_WORKERS = 4  # /view downloads at a time for a prompt with several outputs
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


class ComfyClient(PromptFollowMixin):
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
        """Download every file named in `outputs` via /view, each exactly once, in their order; several at a time
        when there are several (ComfyUI serves each /view while sending the others). The first failure raises."""
        refs = find_file_refs(outputs)
        if len(refs) > 1:
            with ThreadPoolExecutor(max_workers=min(FETCH_WORKERS, len(refs)), thread_name_prefix="comfy-view") as pool:
                data = list(pool.map(lambda ref: self.view(ref.filename, ref.subfolder, ref.type), refs))
        else:
            data = [self.view(ref.filename, ref.subfolder, ref.type) for ref in refs]
        return [
            OutputFile(ref.node_id, ref.filename, ref.subfolder, ref.type, ref.kind, body, "view", ref.key)
            for ref, body in zip(refs, data, strict=True)
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
