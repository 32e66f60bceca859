"""Which engine animates `motion --method pose` on a backend: Wan 2.2 Fun Control or AnimateDiff (pure).

`auto` takes Wan 2.2 14B Fun Control (workflows/wan22_pose_control.json, driven by our pose extraction's skeleton
video) when the backend's model files make that family (families.detect_families), else the older AnimateDiff +
ControlNet OpenPose + IPAdapter workflow (workflows/pose_animation.json). A forced engine whose files are missing
is refused in one sentence; the AnimateDiff files are checked by the run's preflight, which names each one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .errors import WorkflowError
from .families import BackendFamilies
from .video_choice import WAN_WORKFLOWS, model_settings

PoseEngine = Literal["auto", "wan", "animatediff"]
POSE_ENGINES: tuple[str, ...] = ("auto", "wan", "animatediff")
ANIMATEDIFF_WORKFLOW = "pose_animation"
WAN_MAX_FRAMES = 81
WAN_FAMILY, WAN_WORKFLOW = WAN_WORKFLOWS["pose_animation"][0]


class PoseEngineError(WorkflowError):
    """The pose engine asked for cannot run on this backend; the message says what to add or choose."""


@dataclass(frozen=True)
class PoseEngineChoice:
    engine: Literal["wan", "animatediff"]
    workflow: str
    family: str | None = None  # the Wan family used, None for AnimateDiff
    models: dict[str, str] = field(default_factory=dict)  # workflow parameter -> the backend's file

    def sentence(self) -> str:
        if self.engine == "wan":
            return f"Pose animation runs {self.workflow} with Wan 2.2 14B Fun Control, driven by the skeleton video."
        return f"Pose animation runs {self.workflow} (AnimateDiff + ControlNet OpenPose + IPAdapter)."


def choose_pose_engine(backend: BackendFamilies, engine: str = "auto") -> PoseEngineChoice:
    """The engine for pose-driven motion on `backend`; raises PoseEngineError for an unknown or unusable engine."""
    if engine not in POSE_ENGINES:
        raise PoseEngineError(f"engine {engine!r} is not known; use one of {', '.join(POSE_ENGINES)}.")
    if engine == "animatediff" or (engine == "auto" and WAN_FAMILY not in backend.present):
        return PoseEngineChoice("animatediff", ANIMATEDIFF_WORKFLOW)
    if WAN_FAMILY not in backend.present:
        raise PoseEngineError(
            f"the wan engine cannot run here: {backend.sentence(WAN_FAMILY)[:-1]} (put the Fun Control high/low noise "
            "models in models/diffusion_models, umt5 in models/text_encoders and wan_2.1_vae in models/vae), "
            "or use --engine animatediff."
        )
    files = backend.present[WAN_FAMILY].default_files
    return PoseEngineChoice("wan", WAN_WORKFLOW, WAN_FAMILY, model_settings(files))


def wan_length(frames: int) -> int:
    """The frame count Wan renders for at least `frames` frames: 4n+1 (its VAE packs 4 frames per latent)."""
    return max(1, 4 * -(-(frames - 1) // 4) + 1)


def wan_run_limit(maximum: int | None) -> int:
    """Frames a Wan run takes at most: the workflow's limit, capped at the 81 frames Wan 2.2 is trained on (5 s at
    16 fps; longer runs drift and need far more memory), rounded down to 4n+1."""
    limit = min(maximum or WAN_MAX_FRAMES, WAN_MAX_FRAMES)
    return max(1, (limit - 1) // 4 * 4 + 1)
