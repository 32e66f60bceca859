"""Typed values the client returns: results, output files, queue state, upload receipts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

OutputKind = Literal["image", "video", "audio", "file"]
OutputSource = Literal["view", "websocket"]
Completion = Literal["execution_success", "executing_null", "history"]


@dataclass(frozen=True)
class FileRef:
    """One file a node reported in its output (`{filename, subfolder, type}` under a key like `images`)."""

    node_id: str
    key: str
    filename: str
    subfolder: str = ""
    type: str = "output"

    @property
    def kind(self) -> OutputKind:
        kind = OUTPUT_KEY_KINDS.get(self.key, "file")
        if kind == "image" and self.filename.lower().endswith(VIDEO_SUFFIXES):
            return "video"  # core SaveVideo reports its file under "images" (with "animated": [true])
        return kind

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.type, self.subfolder, self.filename)


VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".mkv", ".m4v", ".avi")
OUTPUT_KEY_KINDS: dict[str, OutputKind] = {
    "images": "image",
    "gifs": "video",
    "videos": "video",
    "video": "video",
    "audio": "audio",
    "audios": "audio",
}


@dataclass(frozen=True)
class OutputFile:
    """A file brought home: fetched via /view, or taken from a binary WebSocket frame."""

    node_id: str
    filename: str
    subfolder: str
    type: str
    kind: OutputKind
    data: bytes = field(repr=False)
    source: OutputSource = "view"
    key: str = "images"
    format: str | None = None


@dataclass
class PromptTimings:
    """App-side wall-clock times (time.time()) and ComfyUI's own timestamps (ms since the epoch)."""

    submitted_at: float | None = None
    first_event_at: float | None = None
    done_at: float | None = None
    fetched_at: float | None = None
    comfy_started_ms: int | None = None
    comfy_finished_ms: int | None = None

    @property
    def comfy_execution_s(self) -> float | None:
        if self.comfy_started_ms is None or self.comfy_finished_ms is None:
            return None
        return (self.comfy_finished_ms - self.comfy_started_ms) / 1000.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "submitted_at": self.submitted_at,
            "first_event_at": self.first_event_at,
            "done_at": self.done_at,
            "fetched_at": self.fetched_at,
            "comfy_started_ms": self.comfy_started_ms,
            "comfy_finished_ms": self.comfy_finished_ms,
            "comfy_execution_s": self.comfy_execution_s,
        }


@dataclass
class PromptResult:
    """A finished prompt. Failed prompts raise (ExecutionError, PromptInterrupted, ...) instead."""

    prompt_id: str
    status: Literal["success"]
    outputs: dict[str, dict[str, Any]]
    files: list[OutputFile] = field(default_factory=list)
    timings: PromptTimings = field(default_factory=PromptTimings)
    cached_nodes: tuple[str, ...] = ()
    completed_via: Completion = "execution_success"
    reconnects: int = 0


@dataclass(frozen=True)
class QueueItem:
    """One entry of ComfyUI's queue (a positional list on the wire)."""

    number: float
    prompt_id: str
    prompt: Mapping[str, Any]
    extra_data: Mapping[str, Any]
    outputs_to_execute: tuple[str, ...]

    @classmethod
    def from_wire(cls, item: list[Any]) -> QueueItem:
        padded = list(item) + [None] * (5 - len(item))
        return cls(
            float(padded[0] or 0),
            str(padded[1]),
            padded[2] or {},
            padded[3] or {},
            tuple(str(node) for node in padded[4] or ()),
        )

    @property
    def client_id(self) -> str | None:
        return self.extra_data.get("client_id")


@dataclass(frozen=True)
class QueueState:
    running: tuple[QueueItem, ...]
    pending: tuple[QueueItem, ...]

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> QueueState:
        return cls(
            tuple(QueueItem.from_wire(item) for item in body.get("queue_running") or ()),
            tuple(QueueItem.from_wire(item) for item in body.get("queue_pending") or ()),
        )

    def is_running(self, prompt_id: str) -> bool:
        return any(item.prompt_id == prompt_id for item in self.running)

    def is_pending(self, prompt_id: str) -> bool:
        return any(item.prompt_id == prompt_id for item in self.pending)

    def contains(self, prompt_id: str) -> bool:
        return self.is_running(prompt_id) or self.is_pending(prompt_id)


@dataclass(frozen=True)
class UploadResult:
    """Where ComfyUI stored an upload. `renamed` is True when it chose another name than the one asked for."""

    name: str
    subfolder: str
    type: str
    requested_name: str

    @property
    def renamed(self) -> bool:
        return self.name != self.requested_name

    @property
    def reference(self) -> str:
        """The value a LoadImage-style input expects (`subfolder/name`, annotated for non-input types)."""
        path = f"{self.subfolder}/{self.name}" if self.subfolder else self.name
        return path if self.type == "input" else f"{path} [{self.type}]"
