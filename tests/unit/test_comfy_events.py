"""Parsing of every WebSocket message type, text and binary, including the recorded frames."""

from __future__ import annotations

import hashlib
import json
import struct

import pytest

from app.comfy.events import (
    BinaryFrame,
    BinaryImageEvent,
    ExecutedEvent,
    ExecutingEvent,
    ExecutionCachedEvent,
    ExecutionErrorEvent,
    ExecutionInterruptedEvent,
    ExecutionStartEvent,
    ExecutionSuccessEvent,
    FeatureFlagsEvent,
    ProgressEvent,
    ProgressStateEvent,
    StatusEvent,
    UnknownEvent,
    parse_binary_frame,
    parse_text,
    parse_text_frame,
)

EXPECTED_TYPES = {
    "status": StatusEvent,
    "execution_start": ExecutionStartEvent,
    "execution_cached": ExecutionCachedEvent,
    "executing": ExecutingEvent,
    "progress": ProgressEvent,
    "progress_state": ProgressStateEvent,
    "executed": ExecutedEvent,
    "execution_success": ExecutionSuccessEvent,
    "execution_error": ExecutionErrorEvent,
    "execution_interrupted": ExecutionInterruptedEvent,
    "feature_flags": FeatureFlagsEvent,
}


def test_every_recorded_text_frame_has_a_typed_event(comfy_shared):
    seen = set()
    for path in sorted((comfy_shared / "transcripts").glob("*.json")):
        for client in json.loads(path.read_text())["clients"]:
            for message in client["messages"]:
                if message.get("binary"):
                    continue
                event = parse_text_frame(message)
                assert isinstance(event, EXPECTED_TYPES[message["type"]]), message
                seen.add(message["type"])
    assert seen == set(EXPECTED_TYPES)


def test_every_recorded_binary_frame_is_rebuilt_and_parsed(comfy_shared):
    count = 0
    for path in sorted((comfy_shared / "transcripts").glob("*.json")):
        for client in json.loads(path.read_text())["clients"]:
            for message in client["messages"]:
                if not message.get("binary"):
                    continue
                image = (comfy_shared / "transcripts" / message["image_file"]).read_bytes()
                frame = bytes.fromhex(message["first_8_bytes_hex"])
                frame += message.get("metadata_json", "").encode() if message["event_type"] == 4 else b""
                frame += image
                assert hashlib.sha256(frame).hexdigest() == message["sha256"]
                event = parse_binary_frame(frame)
                assert isinstance(event, BinaryImageEvent) and event.data == image and event.image_format == "PNG"
                if message["event_type"] == 4:
                    assert event.metadata == message["metadata"] and event.node_id == "4" and event.prompt_id
                else:
                    assert event.metadata == {} and event.prompt_id is None
                count += 1
    assert count == 4


def test_field_values():
    assert parse_text_frame(
        {"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 2}}, "sid": "abc"}}
    ) == StatusEvent(2, "abc")
    assert parse_text_frame({"type": "executing", "data": {"node": None, "prompt_id": "p"}}) == ExecutingEvent(
        "p", None
    )
    error = parse_text_frame(
        {
            "type": "execution_error",
            "data": {
                "prompt_id": "p",
                "node_id": "5",
                "node_type": "KSampler",
                "exception_message": "boom",
                "exception_type": "RuntimeError",
                "traceback": ["a", "b"],
                "executed": ["1"],
                "timestamp": 7,
            },
        }
    )
    assert error == ExecutionErrorEvent("p", "5", "KSampler", "boom", "RuntimeError", ("a", "b"), ("1",), 7)
    state = parse_text_frame(
        {
            "type": "progress_state",
            "data": {
                "prompt_id": "p",
                "nodes": {"3": {"value": 2, "max": 4, "state": "running", "display_node_id": "3"}},
            },
        }
    )
    assert state.nodes[0].node_id == "3" and state.nodes[0].value == 2.0 and state.nodes[0].state == "running"
    assert parse_text_frame(
        {"type": "progress", "data": {"value": 3, "max": 20, "node": "7", "prompt_id": "p"}}
    ) == ProgressEvent("p", "7", 3.0, 20.0)


@pytest.mark.parametrize(
    "message",
    [
        {"type": "crystools.monitor", "data": {"cpu": 3}},  # a custom node's message
        {"type": "execution_start", "data": {}},  # a known type with missing fields
        {"type": 5, "data": {}},
        {"data": {}},
    ],
)
def test_unknown_or_malformed_messages_never_raise(message):
    assert isinstance(parse_text_frame(message), UnknownEvent)


def test_invalid_json_and_odd_binary_frames():
    assert parse_text("{not json") == UnknownEvent("invalid_json", "{not json")
    assert parse_binary_frame(b"\x00\x00") == BinaryFrame(-1, b"\x00\x00")
    assert parse_binary_frame(struct.pack(">I", 3) + b"hello") == BinaryFrame(3, b"hello")
    jpeg = parse_binary_frame(struct.pack(">II", 1, 1) + b"\xff\xd8jpeg")
    assert isinstance(jpeg, BinaryImageEvent) and jpeg.image_format == "JPEG" and jpeg.data == b"\xff\xd8jpeg"
    metadata = json.dumps({"node_id": "9", "prompt_id": "p", "image_type": "image/jpeg"}).encode()
    framed = parse_binary_frame(struct.pack(">II", 4, len(metadata)) + metadata + b"IMG")
    assert (framed.image_format, framed.node_id, framed.prompt_id, framed.data) == ("JPEG", "9", "p", b"IMG")
    broken = struct.pack(">II", 4, 50) + b"{}"
    assert isinstance(parse_binary_frame(broken), BinaryFrame)
