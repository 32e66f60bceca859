"""Typed pose data: keypoints per frame and a whole sequence, with JSON round trip."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

# MediaPipe BlazePose's 33 landmarks, in model order.
BLAZEPOSE_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)


@dataclass(frozen=True)
class Keypoint:
    """One landmark in normalised image coordinates (0..1) with the model's visibility (0..1)."""

    x: float
    y: float
    visibility: float


@dataclass(frozen=True)
class PoseFrame:
    index: int
    time_s: float
    keypoints: tuple[Keypoint, ...] = ()

    @property
    def detected(self) -> bool:
        return bool(self.keypoints)


@dataclass
class PoseSequence:
    """Poses of one person over a clip; frames without a person have no keypoints."""

    fps: float
    width: int
    height: int
    keypoint_names: tuple[str, ...] = BLAZEPOSE_NAMES
    frames: list[PoseFrame] = field(default_factory=list)
    source: str = ""

    def missing_frames(self) -> list[int]:
        return [frame.index for frame in self.frames if not frame.detected]

    def to_json(self) -> str:
        data = asdict(self)
        data["keypoint_names"] = list(self.keypoint_names)
        for frame in data["frames"]:
            frame["keypoints"] = [
                [round(k["x"], 5), round(k["y"], 5), round(k["visibility"], 4)] for k in frame["keypoints"]
            ]
        return json.dumps(data, indent=1)

    @classmethod
    def from_json(cls, text: str) -> PoseSequence:
        data = json.loads(text)
        frames = [
            PoseFrame(f["index"], f["time_s"], tuple(Keypoint(*point) for point in f["keypoints"]))
            for f in data.pop("frames")
        ]
        return cls(frames=frames, keypoint_names=tuple(data.pop("keypoint_names")), **data)

    def save(self, path: Path) -> Path:
        path.write_text(self.to_json(), encoding="utf-8")
        return path
