"""Follow one prompt through its events (or its /history entry) to a terminal state.

Pure state machine: no I/O. The client feeds it events and history entries and asks whether the
prompt is done; `raise_if_failed()` turns a failed end into the typed error.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ComfyError, ExecutionError, PromptInterrupted
from .events import (
    BinaryImageEvent,
    Event,
    ExecutedEvent,
    ExecutingEvent,
    ExecutionCachedEvent,
    ExecutionErrorEvent,
    ExecutionInterruptedEvent,
    ExecutionStartEvent,
    ExecutionSuccessEvent,
    ProgressEvent,
    ProgressStateEvent,
)
from .outputs import merge_outputs
from .results import Completion, OutputFile, PromptTimings

WS_OUTPUT_FORMATS = ("PNG", "WEBP")  # SaveImageWebsocket sends PNG; latent previews are JPEG


@dataclass
class PromptTracker:
    prompt_id: str
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    cached_nodes: tuple[str, ...] = ()
    ws_files: list[OutputFile] = field(default_factory=list)
    latest_preview: BinaryImageEvent | None = None  # only the newest sampler preview: callers see each one in on_event
    preview_count: int = 0
    timings: PromptTimings = field(default_factory=PromptTimings)
    current_node: str | None = None
    completed_via: Completion | None = None
    error: ComfyError | None = None
    reconnects: int = 0

    @property
    def done(self) -> bool:
        return self.completed_via is not None or self.error is not None

    def feed(self, event: Event) -> bool:
        """Apply one event; return True when it belonged to this prompt."""
        if self.done:
            return False
        if isinstance(event, BinaryImageEvent):
            return self._feed_image(event)
        prompt_id = getattr(event, "prompt_id", None)
        if prompt_id != self.prompt_id:
            if isinstance(event, ExecutingEvent) and event.prompt_id is not None:
                self.current_node = None  # another prompt runs now
            return False
        if self.timings.first_event_at is None:
            self.timings.first_event_at = time.time()
        if isinstance(event, ExecutionStartEvent):
            self.timings.comfy_started_ms = event.timestamp_ms
        elif isinstance(event, ExecutionCachedEvent):
            self.cached_nodes = event.nodes
        elif isinstance(event, ExecutingEvent):
            self.current_node = event.node
            if event.node is None:
                self._finish("executing_null")
        elif isinstance(event, ExecutedEvent):
            merge_outputs(self.outputs, event.node, event.output)
        elif isinstance(event, ExecutionSuccessEvent):
            self.timings.comfy_finished_ms = event.timestamp_ms
            self._finish("execution_success")
        elif isinstance(event, ExecutionErrorEvent):
            self.timings.comfy_finished_ms = event.timestamp_ms
            self.error = ExecutionError(
                self.prompt_id,
                event.node_id,
                event.node_type,
                event.exception_message,
                event.exception_type,
                list(event.traceback),
            )
        elif isinstance(event, ExecutionInterruptedEvent):
            self.timings.comfy_finished_ms = event.timestamp_ms
            self.error = PromptInterrupted(self.prompt_id, event.node_id, event.node_type)
        elif isinstance(event, (ProgressEvent, ProgressStateEvent)):
            pass
        if self.done:
            self.timings.done_at = time.time()
        return True

    def apply_history(self, entry: Mapping[str, Any] | None) -> bool:
        """Apply a `/history/{id}` entry; return True when it shows the prompt finished."""
        if self.done:
            return True
        if not entry:
            return False
        status = entry.get("status") or {}
        messages = [message for message in status.get("messages") or [] if isinstance(message, (list, tuple))]
        for name, data in ((m[0], m[1] if len(m) > 1 else {}) for m in messages):
            data = data or {}
            if name == "execution_start":
                self.timings.comfy_started_ms = data.get("timestamp")
            elif name == "execution_cached":
                self.cached_nodes = tuple(str(node) for node in data.get("nodes") or ())
            elif name in ("execution_success", "execution_error", "execution_interrupted"):
                self.timings.comfy_finished_ms = data.get("timestamp")
            if name == "execution_error":
                self.error = ExecutionError(
                    self.prompt_id,
                    str(data.get("node_id")),
                    str(data.get("node_type", "?")),
                    str(data.get("exception_message", "")),
                    str(data.get("exception_type", "Exception")),
                    list(data.get("traceback") or []),
                )
            elif name == "execution_interrupted":
                self.error = PromptInterrupted(self.prompt_id, data.get("node_id"), data.get("node_type"))
        finished = bool(status.get("completed")) or status.get("status_str") in ("success", "error")
        if not finished and not status and entry.get("outputs"):
            finished = True  # old releases stored no status
        if not finished:
            return False
        if self.error is None and status.get("status_str") == "error":
            self.error = ComfyError(
                f"ComfyUI reports prompt {self.prompt_id} as failed without details.", prompt_id=self.prompt_id
            )
        self.outputs = {str(node): dict(output) for node, output in (entry.get("outputs") or {}).items()}
        if self.error is None:
            self.completed_via = "history"
        self.timings.done_at = time.time()
        return True

    def raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error

    def _feed_image(self, event: BinaryImageEvent) -> bool:
        if event.prompt_id is not None:
            if event.prompt_id != self.prompt_id:
                return False
            node_id = event.node_id or self.current_node
        elif self.current_node is not None:
            node_id = self.current_node  # legacy frame without metadata: the node that runs now
        else:
            return False
        if event.image_format not in WS_OUTPUT_FORMATS:
            self.latest_preview = event
            self.preview_count += 1
            return True
        index = sum(1 for f in self.ws_files if f.node_id == node_id)
        extension = event.image_format.lower()
        self.ws_files.append(
            OutputFile(
                node_id=str(node_id),
                filename=f"ws_{node_id}_{index:05d}.{extension}",
                subfolder="",
                type="websocket",
                kind="image",
                data=event.data,
                source="websocket",
                key="images",
                format=event.image_format,
            )
        )
        return True

    def _finish(self, via: Completion) -> None:
        if self.error is None:
            self.completed_via = via
