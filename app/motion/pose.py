"""Pose extraction from video frames into a PoseSequence, with trimming, stride and smoothing.

The in-process detector is MediaPipe's BlazePose (`pose_landmark_full.tflite`, shipped inside the
mediapipe 0.10.21 wheel: no download). Inside ComfyUI the same job is done by the ControlNet
preprocessor pack's DWPose/OpenPose nodes (see workflows/pose_extraction.json).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..errors import InkframeError
from .pose_smoothing import smooth_sequence
from .pose_types import Keypoint, PoseFrame, PoseSequence


class PoseError(InkframeError):
    """A reference video that yields no usable pose."""


@contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for a moment: TFLite's C++ start-up notices (not errors)
    bypass Python's logging and would clutter the command's output."""
    import os
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class PoseDetector(Protocol):
    def detect(self, frame_rgb: np.ndarray) -> tuple[Keypoint, ...]:
        """Keypoints of the most prominent person in an RGB frame, or () when there is none."""


class MediaPipePoseDetector:
    """BlazePose full (33 landmarks) in video mode: landmarks are tracked between frames."""

    def __init__(self, min_detection_confidence: float = 0.5, video_mode: bool = True) -> None:
        import mediapipe as mp  # imported here: mediapipe is slow to import and optional

        self._pose = mp.solutions.pose.Pose(
            static_image_mode=not video_mode,
            model_complexity=1,
            smooth_landmarks=True,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=0.5,
        )

    def detect(self, frame_rgb: np.ndarray) -> tuple[Keypoint, ...]:
        result = self._pose.process(np.ascontiguousarray(frame_rgb[..., :3]))
        if result.pose_landmarks is None:
            return ()
        return tuple(Keypoint(float(p.x), float(p.y), float(p.visibility)) for p in result.pose_landmarks.landmark)

    def close(self) -> None:
        self._pose.close()


@dataclass(frozen=True)
class PoseOptions:
    start_s: float = 0.0
    end_s: float | None = None
    stride: int = 1
    smooth: bool = True
    min_cutoff: float = 1.0
    beta: float = 0.05
    min_detected_share: float = 0.5

    def validate(self) -> None:
        if self.stride < 1:
            raise PoseError(f"frame stride {self.stride} is not allowed; use 1 or more.")
        if self.start_s < 0 or (self.end_s is not None and self.end_s <= self.start_s):
            raise PoseError(f"trim range {self.start_s}..{self.end_s} s is empty; the end must come after the start.")
        if not 0 <= self.min_detected_share <= 1:
            raise PoseError(f"min_detected_share {self.min_detected_share} must be between 0 and 1.")


def select_frames(
    frames: Iterable[np.ndarray], fps: float, options: PoseOptions
) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yield (index, time, frame) inside the trim range, every `stride`-th frame."""
    for index, frame in enumerate(frames):
        time_s = index / fps
        if time_s < options.start_s:
            continue
        if options.end_s is not None and time_s >= options.end_s:
            break
        if (index - round(options.start_s * fps)) % options.stride == 0:
            yield index, time_s, frame


def extract_poses(
    frames: Iterable[np.ndarray],
    fps: float,
    *,
    options: PoseOptions = PoseOptions(),
    detector: PoseDetector | None = None,
    source: str = "",
    on_frame: Callable[[int], None] | None = None,
) -> PoseSequence:
    """Detect a pose in each selected frame; raise PoseError naming the frames when too few have a person."""
    options.validate()
    owned = detector is None
    quiet = native_stderr_silenced() if owned else nullcontext()
    sequence = PoseSequence(fps=fps / options.stride, width=0, height=0, source=source)
    with quiet:  # TFLite prints start-up notices from its own threads
        detector = detector or MediaPipePoseDetector()
        _detect_all(detector, frames, fps, options, sequence, on_frame, owned)
    return _checked(sequence, options, source)


def _detect_all(
    detector: PoseDetector,
    frames: Iterable[np.ndarray],
    fps: float,
    options: PoseOptions,
    sequence: PoseSequence,
    on_frame: Callable[[int], None] | None,
    owned: bool,
) -> None:
    try:
        for index, time_s, frame in select_frames(frames, fps, options):
            sequence.height, sequence.width = frame.shape[:2]
            sequence.frames.append(PoseFrame(index, round(time_s, 6), detector.detect(frame)))
            if on_frame:
                on_frame(index)
    finally:
        if owned and hasattr(detector, "close"):
            detector.close()


def _checked(sequence: PoseSequence, options: PoseOptions, source: str) -> PoseSequence:
    if not sequence.frames:
        raise PoseError(
            f"no frames of {source or 'the video'} fall inside the trim range {options.start_s}..{options.end_s} s."
        )
    missing = sequence.missing_frames()
    detected_share = 1 - len(missing) / len(sequence.frames)
    if detected_share < options.min_detected_share:
        raise PoseError(
            f"no person detected in {len(missing)} of {len(sequence.frames)} frames of {source or 'the video'} "
            f"(frames {format_ranges(missing)}); use a clip where one person is fully visible, "
            "or trim to the frames that show them."
        )
    return smooth_sequence(sequence, options.min_cutoff, options.beta) if options.smooth else sequence


def format_ranges(indices: list[int]) -> str:
    """[1, 2, 3, 7] -> '1-3, 7'."""
    parts: list[str] = []
    start: int | None = None
    previous = 0
    for index in indices:
        if start is None:
            start = previous = index
        elif index == previous + 1:
            previous = index
        else:
            parts.append(f"{start}-{previous}" if start != previous else f"{start}")
            start = previous = index
    if start is not None:
        parts.append(f"{start}-{previous}" if start != previous else f"{start}")
    return ", ".join(parts)
