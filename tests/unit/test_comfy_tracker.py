"""The prompt state machine: completion on current and old releases, errors, binary images, history."""

from __future__ import annotations

import struct

import pytest

from app.comfy.errors import ExecutionError, PromptInterrupted
from app.comfy.events import (
    ExecutedEvent,
    ExecutingEvent,
    ExecutionCachedEvent,
    ExecutionErrorEvent,
    ExecutionInterruptedEvent,
    ExecutionStartEvent,
    ExecutionSuccessEvent,
    parse_binary_frame,
)
from app.comfy.tracker import PromptTracker

IMAGES = {"images": [{"filename": "a.png", "subfolder": "", "type": "output"}]}


def png_frame() -> bytes:
    return struct.pack(">II", 1, 2) + b"\x89PNGdata"


def test_current_release_ends_at_execution_success():
    tracker = PromptTracker("p")
    assert not tracker.feed(ExecutionStartEvent("other", 1))
    for event in (
        ExecutionStartEvent("p", 100),
        ExecutionCachedEvent("p", ("1",)),
        ExecutingEvent("p", "2"),
        ExecutedEvent("p", "2", IMAGES),
    ):
        assert tracker.feed(event)
    assert not tracker.done
    tracker.feed(ExecutionSuccessEvent("p", 150))
    assert tracker.done and tracker.completed_via == "execution_success"
    assert tracker.outputs == {"2": IMAGES} and tracker.cached_nodes == ("1",)
    assert (tracker.timings.comfy_started_ms, tracker.timings.comfy_finished_ms) == (100, 150)
    assert not tracker.feed(ExecutingEvent("p", None))  # nothing after the end


def test_old_release_ends_at_executing_null_of_this_prompt_only():
    tracker = PromptTracker("p")
    tracker.feed(ExecutingEvent("p", "1"))
    tracker.feed(ExecutingEvent("q", None))
    assert not tracker.done
    tracker.feed(ExecutingEvent("p", None))
    assert tracker.completed_via == "executing_null"


def test_error_and_interrupt_raise_typed_errors():
    failed = PromptTracker("p")
    failed.feed(ExecutionErrorEvent("p", "2", "ImageToMask", "index 3 is out of bounds", "IndexError"))
    failed.feed(ExecutingEvent("p", None))
    assert failed.done and failed.completed_via is None
    with pytest.raises(ExecutionError, match="node 2 \\(ImageToMask\\) failed with IndexError"):
        failed.raise_if_failed()
    stopped = PromptTracker("p")
    stopped.feed(ExecutionInterruptedEvent("p", "3", "ImageBlur"))
    with pytest.raises(PromptInterrupted):
        stopped.raise_if_failed()


def test_binary_images_are_attributed_to_the_running_node_or_their_metadata():
    tracker = PromptTracker("p")
    assert not tracker.feed(parse_binary_frame(png_frame()))  # nothing of ours runs yet
    tracker.feed(ExecutingEvent("p", "4"))
    assert tracker.feed(parse_binary_frame(png_frame()))
    assert tracker.feed(parse_binary_frame(struct.pack(">II", 1, 1) + b"jpeg-preview"))
    tracker.feed(ExecutingEvent("q", "1"))  # another prompt took over
    assert not tracker.feed(parse_binary_frame(png_frame()))
    meta = b'{"node_id": "7", "prompt_id": "p", "image_type": "image/png"}'
    assert tracker.feed(parse_binary_frame(struct.pack(">II", 4, len(meta)) + meta + b"PNG2"))
    assert [(f.node_id, f.filename, f.data) for f in tracker.ws_files] == [
        ("4", "ws_4_00000.png", b"\x89PNGdata"),
        ("7", "ws_7_00000.png", b"PNG2"),
    ]
    assert tracker.preview_count == 1 and tracker.latest_preview.image_format == "JPEG"


def test_only_the_newest_preview_is_kept():
    tracker = PromptTracker("p")
    tracker.feed(ExecutingEvent("p", "3"))
    for index in range(50):
        assert tracker.feed(parse_binary_frame(struct.pack(">II", 1, 1) + b"jpeg-%d" % index))
    assert tracker.preview_count == 50 and tracker.latest_preview.data == b"jpeg-49"
    assert not hasattr(tracker, "previews")  # no list of every frame grows while a long sampler runs


def test_history_entry_finishes_or_fails_the_prompt():
    tracker = PromptTracker("p")
    assert not tracker.apply_history(None)
    assert not tracker.apply_history(
        {"prompt": [], "outputs": {}, "status": {"status_str": None, "completed": False, "messages": []}}
    )
    done = {
        "outputs": {"3": IMAGES},
        "status": {
            "status_str": "success",
            "completed": True,
            "messages": [
                ["execution_start", {"timestamp": 10}],
                ["execution_cached", {"nodes": ["1"]}],
                ["execution_success", {"timestamp": 20}],
            ],
        },
    }
    assert tracker.apply_history(done) and tracker.completed_via == "history"
    assert tracker.outputs == {"3": IMAGES} and tracker.cached_nodes == ("1",)
    assert tracker.timings.comfy_execution_s == 0.01
    failed = PromptTracker("p")
    assert failed.apply_history(
        {
            "outputs": {},
            "status": {
                "status_str": "error",
                "completed": False,
                "messages": [["execution_interrupted", {"node_id": "3", "node_type": "ImageBlur"}]],
            },
        }
    )
    with pytest.raises(PromptInterrupted, match="at node 3 \\(ImageBlur\\)"):
        failed.raise_if_failed()
