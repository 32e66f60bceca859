"""NSFW gate: nudenet's shipped 320n.onnx detector scores explicit content in results.

An image is blocked when its score reaches the threshold; a video is blocked when more than `video_share`
of its sampled frames reach it. The classifier is injectable (any callable RGB frame -> score in [0, 1]).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import ContentBlocked, FaceSwapError

EXPLICIT_CLASSES = frozenset(
    {"FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED", "FEMALE_BREAST_EXPOSED", "ANUS_EXPOSED", "BUTTOCKS_EXPOSED"}
)

Classifier = Callable[[np.ndarray], float]


class NudenetClassifier:
    """Highest score of an explicit class that nudenet's detector finds in an RGB frame (0 when none)."""

    def __init__(self, model_path: Path | None = None, providers: list[str] | None = None) -> None:
        try:
            from nudenet import NudeDetector
        except ImportError:
            raise FaceSwapError(
                "the NSFW gate needs nudenet 3.4.2 (pip install nudenet==3.4.2); "
                "it cannot be skipped while faceswap.nsfw_gate is on."
            ) from None
        self.detector = NudeDetector(model_path=str(model_path) if model_path else None)
        if providers:
            self.detector.onnx_session.set_providers(providers)
        self._lock = threading.Lock()

    def detections(self, rgb: np.ndarray) -> list[dict]:
        rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])  # nudenet converts RGBA -> BGR itself
        with self._lock:
            return list(self.detector.detect(rgba))

    def __call__(self, rgb: np.ndarray) -> float:
        scores = [float(d["score"]) for d in self.detections(rgb) if d.get("class") in EXPLICIT_CLASSES]
        return max(scores, default=0.0)


@dataclass
class VideoGateTally:
    """Sampled frames and hits of a video so far (stored in the resume state)."""

    samples: int = 0
    hits: int = 0
    frames: list[int] = field(default_factory=list)


class NsfwGate:
    def __init__(
        self, classifier: Classifier, threshold: float = 0.6, video_share: float = 0.1, sample_every: int = 10
    ) -> None:
        self.classifier = classifier
        self.threshold = threshold
        self.video_share = video_share
        self.sample_every = max(1, sample_every)

    def check_image(self, rgb: np.ndarray, name: str = "the result") -> float:
        score = self.classifier(rgb)
        if score >= self.threshold:
            raise ContentBlocked(
                f"{name} was blocked by the NSFW gate (explicit content score {score:.2f} >= "
                f"{self.threshold:.2f}); nothing was saved."
            )
        return score

    def sample_frame(self, index: int, rgb: np.ndarray, tally: VideoGateTally) -> None:
        """Score every `sample_every`-th frame into the tally."""
        if index % self.sample_every:
            return
        tally.samples += 1
        if self.classifier(rgb) >= self.threshold:
            tally.hits += 1
            tally.frames.append(index)

    def is_blocked(self, tally: VideoGateTally) -> bool:
        return tally.samples > 0 and tally.hits / tally.samples > self.video_share

    def is_certainly_blocked(self, tally: VideoGateTally, expected_samples: int) -> bool:
        """True when the hits so far already exceed the share of all the samples the video will give
        (so the video is blocked whatever the remaining frames hold and the work can stop early)."""
        return tally.hits > self.video_share * max(expected_samples, tally.samples)

    def check_video(self, tally: VideoGateTally, name: str = "the video") -> None:
        if self.is_blocked(tally):
            shown = ", ".join(str(f) for f in tally.frames[:8])
            raise ContentBlocked(
                f"{name} was blocked by the NSFW gate: {tally.hits} of {tally.samples} sampled frames "
                f"(frames {shown}) scored >= {self.threshold:.2f}, more than the allowed share "
                f"{self.video_share:.0%}; nothing was saved."
            )
