"""Temporal smoothing of pose keypoints with the One Euro filter (Casiez et al., CHI 2012).

The filter adapts its cut-off to the speed of each coordinate: still keypoints are smoothed hard
(no jitter), fast motion is followed with little lag. Frames without a person reset the filter.
"""

from __future__ import annotations

import math

from .pose_types import Keypoint, PoseFrame, PoseSequence


class OneEuroFilter:
    def __init__(self, rate: float, min_cutoff: float = 1.0, beta: float = 0.05, d_cutoff: float = 1.0) -> None:
        self.rate, self.min_cutoff, self.beta, self.d_cutoff = rate, min_cutoff, beta, d_cutoff
        self._value: float | None = None
        self._derivative = 0.0

    def _alpha(self, cutoff: float) -> float:
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau * self.rate)

    def __call__(self, value: float) -> float:
        if self._value is None:
            self._value = value
            return value
        derivative = (value - self._value) * self.rate
        a_d = self._alpha(self.d_cutoff)
        self._derivative = a_d * derivative + (1 - a_d) * self._derivative
        cutoff = self.min_cutoff + self.beta * abs(self._derivative)
        a = self._alpha(cutoff)
        self._value = a * value + (1 - a) * self._value
        return self._value


def smooth_sequence(sequence: PoseSequence, min_cutoff: float = 1.0, beta: float = 0.05) -> PoseSequence:
    """Return a new sequence with every coordinate One-Euro filtered along time."""
    rate = sequence.fps if sequence.fps > 0 else 30.0
    filters: list[tuple[OneEuroFilter, OneEuroFilter]] | None = None
    frames: list[PoseFrame] = []
    for frame in sequence.frames:
        if not frame.detected:
            filters = None
            frames.append(frame)
            continue
        if filters is None or len(filters) != len(frame.keypoints):
            filters = [
                (OneEuroFilter(rate, min_cutoff, beta), OneEuroFilter(rate, min_cutoff, beta)) for _ in frame.keypoints
            ]
        points = tuple(
            Keypoint(fx(point.x), fy(point.y), point.visibility) for point, (fx, fy) in zip(frame.keypoints, filters)
        )
        frames.append(PoseFrame(frame.index, frame.time_s, points))
    return PoseSequence(sequence.fps, sequence.width, sequence.height, sequence.keypoint_names, frames, sequence.source)
