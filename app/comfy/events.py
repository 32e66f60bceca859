"""Typed events for every WebSocket message ComfyUI sends.

`parse_text_frame(dict)` turns a decoded JSON text frame into one of the frozen dataclasses below;
`parse_binary_frame(bytes)` does the same for binary frames (4-byte big-endian event type first).
Unknown messages become `UnknownEvent` / `BinaryFrame` instead of raising, so a newer server never
breaks the client.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

BINARY_PREVIEW_IMAGE = 1
BINARY_UNENCODED_PREVIEW_IMAGE = 2
BINARY_TEXT = 3
BINARY_PREVIEW_IMAGE_WITH_METADATA = 4

IMAGE_FORMATS: dict[int, str] = {1: "JPEG", 2: "PNG"}
MIME_FORMATS: dict[str, str] = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


@dataclass(frozen=True)
class StatusEvent:
    queue_remaining: int
    sid: str | None = None


@dataclass(frozen=True)
class ExecutionStartEvent:
    prompt_id: str
    timestamp_ms: int | None = None


@dataclass(frozen=True)
class ExecutionCachedEvent:
    prompt_id: str
    nodes: tuple[str, ...]
    timestamp_ms: int | None = None


@dataclass(frozen=True)
class ExecutingEvent:
    """A node starts; `node is None` means the prompt is done (the only end signal on old releases)."""

    prompt_id: str | None
    node: str | None
    display_node: str | None = None


@dataclass(frozen=True)
class ProgressEvent:
    prompt_id: str | None
    node: str | None
    value: float
    max: float


@dataclass(frozen=True)
class NodeProgress:
    node_id: str
    value: float
    max: float
    state: str
    display_node_id: str | None = None


@dataclass(frozen=True)
class ProgressStateEvent:
    prompt_id: str
    nodes: tuple[NodeProgress, ...]


@dataclass(frozen=True)
class ExecutedEvent:
    prompt_id: str
    node: str
    output: Mapping[str, Any]
    display_node: str | None = None


@dataclass(frozen=True)
class ExecutionSuccessEvent:
    prompt_id: str
    timestamp_ms: int | None = None


@dataclass(frozen=True)
class ExecutionErrorEvent:
    prompt_id: str
    node_id: str
    node_type: str
    exception_message: str
    exception_type: str
    traceback: tuple[str, ...] = ()
    executed: tuple[str, ...] = ()
    timestamp_ms: int | None = None


@dataclass(frozen=True)
class ExecutionInterruptedEvent:
    prompt_id: str
    node_id: str | None
    node_type: str | None
    executed: tuple[str, ...] = ()
    timestamp_ms: int | None = None


@dataclass(frozen=True)
class FeatureFlagsEvent:
    flags: Mapping[str, Any]


@dataclass(frozen=True)
class UnknownEvent:
    type: str
    data: Any


@dataclass(frozen=True)
class BinaryImageEvent:
    """An image sent as a binary frame (previews, SaveImageWebsocket).

    `event_type` is 1 (PREVIEW_IMAGE: 4-byte format, then the image) or 4
    (PREVIEW_IMAGE_WITH_METADATA: 4-byte metadata length, metadata JSON, then the image).
    `prompt_id` / `node_id` come from the metadata when the server sent it.
    """

    event_type: int
    image_format: str
    data: bytes = field(repr=False)
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def prompt_id(self) -> str | None:
        return self.metadata.get("prompt_id")

    @property
    def node_id(self) -> str | None:
        return self.metadata.get("node_id")


@dataclass(frozen=True)
class BinaryFrame:
    """A binary frame of a type the client does not interpret (e.g. TEXT = 3)."""

    event_type: int
    payload: bytes = field(repr=False)


Event = (
    StatusEvent
    | ExecutionStartEvent
    | ExecutionCachedEvent
    | ExecutingEvent
    | ProgressEvent
    | ProgressStateEvent
    | ExecutedEvent
    | ExecutionSuccessEvent
    | ExecutionErrorEvent
    | ExecutionInterruptedEvent
    | FeatureFlagsEvent
    | UnknownEvent
    | BinaryImageEvent
    | BinaryFrame
)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _ids(values: Any) -> tuple[str, ...]:
    return tuple(str(value) for value in (values or ()))


def parse_text_frame(message: Mapping[str, Any]) -> Event:
    """Turn one decoded JSON text frame `{type, data}` into a typed event."""
    kind = message.get("type")
    data = message.get("data")
    if not isinstance(kind, str) or not isinstance(data, Mapping):
        return UnknownEvent(str(kind), data)
    try:
        return _PARSERS[kind](data) if kind in _PARSERS else UnknownEvent(kind, data)
    except (KeyError, TypeError, ValueError):
        return UnknownEvent(kind, data)


def parse_text(raw: str | bytes) -> Event:
    """Decode and parse a text frame; malformed JSON becomes an `UnknownEvent`."""
    try:
        message = json.loads(raw)
    except ValueError:
        return UnknownEvent("invalid_json", raw)
    return parse_text_frame(message) if isinstance(message, Mapping) else UnknownEvent("invalid_json", message)


def parse_binary_frame(frame: bytes) -> BinaryImageEvent | BinaryFrame:
    """Turn one binary frame into a typed event."""
    if len(frame) < 4:
        return BinaryFrame(-1, bytes(frame))
    (event_type,) = struct.unpack(">I", frame[:4])
    body = bytes(frame[4:])
    if event_type == BINARY_PREVIEW_IMAGE and len(body) >= 4:
        (format_code,) = struct.unpack(">I", body[:4])
        return BinaryImageEvent(event_type, IMAGE_FORMATS.get(format_code, f"format {format_code}"), body[4:])
    if event_type == BINARY_PREVIEW_IMAGE_WITH_METADATA and len(body) >= 4:
        (length,) = struct.unpack(">I", body[:4])
        try:
            metadata = json.loads(body[4 : 4 + length])
        except ValueError:
            return BinaryFrame(event_type, body)
        if not isinstance(metadata, dict) or len(body) < 4 + length:
            return BinaryFrame(event_type, body)
        image_format = MIME_FORMATS.get(str(metadata.get("image_type")), str(metadata.get("image_type", "unknown")))
        return BinaryImageEvent(event_type, image_format, body[4 + length :], metadata)
    return BinaryFrame(event_type, body)


def _status(data: Mapping[str, Any]) -> StatusEvent:
    info = (data.get("status") or {}).get("exec_info") or {}
    return StatusEvent(int(info.get("queue_remaining", 0)), _str_or_none(data.get("sid")))


def _progress_state(data: Mapping[str, Any]) -> ProgressStateEvent:
    nodes = tuple(
        NodeProgress(
            str(node_id),
            float(item.get("value", 0)),
            float(item.get("max", 1)),
            str(item.get("state", "")),
            _str_or_none(item.get("display_node_id")),
        )
        for node_id, item in (data.get("nodes") or {}).items()
    )
    return ProgressStateEvent(str(data["prompt_id"]), nodes)


_PARSERS: dict[str, Callable[[Mapping[str, Any]], Event]] = {
    "status": _status,
    "execution_start": lambda d: ExecutionStartEvent(str(d["prompt_id"]), d.get("timestamp")),
    "execution_cached": lambda d: ExecutionCachedEvent(str(d["prompt_id"]), _ids(d.get("nodes")), d.get("timestamp")),
    "executing": lambda d: ExecutingEvent(
        _str_or_none(d.get("prompt_id")), _str_or_none(d.get("node")), _str_or_none(d.get("display_node"))
    ),
    "progress": lambda d: ProgressEvent(
        _str_or_none(d.get("prompt_id")), _str_or_none(d.get("node")), float(d.get("value", 0)), float(d.get("max", 1))
    ),
    "progress_state": _progress_state,
    "executed": lambda d: ExecutedEvent(
        str(d["prompt_id"]), str(d["node"]), dict(d.get("output") or {}), _str_or_none(d.get("display_node"))
    ),
    "execution_success": lambda d: ExecutionSuccessEvent(str(d["prompt_id"]), d.get("timestamp")),
    "execution_error": lambda d: ExecutionErrorEvent(
        str(d["prompt_id"]),
        str(d.get("node_id")),
        str(d.get("node_type", "?")),
        str(d.get("exception_message", "")),
        str(d.get("exception_type", "Exception")),
        tuple(str(line) for line in d.get("traceback") or ()),
        _ids(d.get("executed")),
        d.get("timestamp"),
    ),
    "execution_interrupted": lambda d: ExecutionInterruptedEvent(
        str(d["prompt_id"]),
        _str_or_none(d.get("node_id")),
        _str_or_none(d.get("node_type")),
        _ids(d.get("executed")),
        d.get("timestamp"),
    ),
    "feature_flags": lambda d: FeatureFlagsEvent(dict(d)),
}
