"""In-memory helpers for callers that hold frames already (ComfyUI IMAGE batches): swap a batch with temporal
smoothing, restore faces, describe faces."""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import FaceSwapEngine, new_tracker
from .errors import NoFaceFound
from .nsfw import NsfwGate, VideoGateTally
from .safety import draw_visible_mark
from .types import Face, SourceIdentity, SwapSettings


def swap_frames(
    engine: FaceSwapEngine,
    frames: list[np.ndarray],
    source: SourceIdentity,
    settings: SwapSettings,
    gate: NsfwGate | None = None,
    visible_mark: bool = False,
) -> list[np.ndarray]:
    """Swap each frame (a batch is treated as consecutive video frames); frames without a selected face pass through."""
    tracker = new_tracker(settings) if len(frames) > 1 else None
    out: list[np.ndarray] = []
    swapped = 0
    unmatched: list[int] = []
    tally = VideoGateTally()
    for index, frame in enumerate(frames):
        detections = engine.detect(frame)
        if tracker is not None:
            detections = [d for _, d in tracker.update(detections)]
        outcome = engine.process(frame, source, settings, detections)
        result = draw_visible_mark(outcome.frame.copy()) if visible_mark else outcome.frame
        swapped += bool(outcome.faces_swapped)
        if not outcome.faces_swapped:
            unmatched.append(index)
        if gate is not None:
            if len(frames) == 1:
                gate.check_image(result)
            else:
                gate.sample_frame(index, result, tally)
        out.append(result)
    if swapped == 0:
        shown = ", ".join(str(i) for i in unmatched[:8])
        raise NoFaceFound(
            f"no face matching the selection was found in the target ({len(frames)} image(s): {shown}"
            f"{', ...' if len(unmatched) > 8 else ''}); check the selector, reference face or filters."
        )
    if gate is not None and len(frames) > 1:
        gate.check_video(tally, name="the swapped batch")
    return out


def restore_faces(engine: FaceSwapEngine, frame: np.ndarray, blend: float = 0.8) -> np.ndarray:
    """GFPGAN on every detected face of an RGB frame (the frame is returned unchanged when it has none)."""
    out = np.array(frame, copy=True)
    for face in engine.analyzer.analyze(frame, embed=False):
        engine.restore_face(out, face, blend)
    return out


def describe_face(face: Face) -> dict[str, Any]:
    return {
        "bbox": [round(float(v), 1) for v in face.bbox],
        "kps": [[round(float(x), 1), round(float(y), 1)] for x, y in face.kps],
        "score": round(float(face.score), 3),
        "gender": face.gender,
        "age": face.age,
    }
