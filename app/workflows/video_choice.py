"""Which library workflow runs a video capability on a backend: Wan 2.2 where the backend has it (pure).

The video capabilities (text to video, image to video, pose-driven motion) have an older workflow each
(AnimateDiff, Stable Video Diffusion, AnimateDiff + ControlNet + IPAdapter; see capabilities.CAPABILITIES) and
Wan 2.2 workflows built by scripts/workflow_defs/video_families.py. A backend whose model files make a Wan
family (families.detect_families) runs the Wan workflow; a backend without one keeps the older path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from .capabilities import CAPABILITIES, Capability
from .errors import WorkflowError
from .families import BackendFamilies, detect_families

# capability id -> (family id, workflow), best first: the 14B models where present, the 5B one on small GPUs
WAN_WORKFLOWS: dict[str, tuple[tuple[str, str], ...]] = {
    "text_to_video": (("wan22_ti2v_5b", "wan22_text_to_video"),),
    "image_to_video": (("wan22_i2v_14b", "wan22_i2v_14b"), ("wan22_ti2v_5b", "wan22_image_to_video")),
    "pose_animation": (("wan22_fun_control_14b", "wan22_pose_control"),),
}
FIRST_LAST_FRAME = ("wan22_flf2v_14b", "wan22_first_last_frame")  # Wan only: no older path makes it
# family file role -> the Wan workflows' model parameter (scripts/workflow_defs/video_families.py)
ROLE_PARAMETERS = {
    "unet": "model",
    "unet_high_noise": "high_noise_model",
    "unet_low_noise": "low_noise_model",
    "text_encoder": "text_encoder",
    "vae": "vae",
}


@dataclass(frozen=True)
class VideoChoice:
    capability: str
    workflow: str
    family: str | None  # the Wan family used, None for the older path

    def sentence(self) -> str:
        how = f"the {self.family} model family" if self.family else "the older (pre-Wan) path"
        return f"{self.capability.replace('_', ' ').capitalize()} runs {self.workflow} with {how}."


def choose_video_workflow(capability_id: str, backend: BackendFamilies, family: str | None = None) -> VideoChoice:
    """The workflow for a video capability: the named Wan `family` if the backend has it, else the best Wan family
    the backend has, else the capability's older workflow. Raises KeyError for a capability that is not video."""
    older = next(c.workflow for c in CAPABILITIES if c.id == capability_id)
    options = WAN_WORKFLOWS.get(capability_id, ())
    if family is not None:
        options = tuple(o for o in options if o[0] == family) + options
    for family_id, workflow in options:
        if family_id in backend.present:
            return VideoChoice(capability_id, workflow, family_id)
    return VideoChoice(capability_id, older, None)


# what makes a panel's clip: auto (the best the backend has), a Wan family, or the older SVD workflow
CLIP_MODELS: tuple[str, ...] = ("auto", *(family for family, _ in WAN_WORKFLOWS["image_to_video"]), "svd")
CLIP_SIZE_STEP = 16  # Wan's latent is 1/8 (2.1 VAE) or 1/16 (2.2 VAE) of the frame


def choose_clip_workflow(backend: BackendFamilies, model: str = "auto") -> VideoChoice:
    """The image-to-video workflow for a panel's clip; a named model the backend lacks is refused in one sentence."""
    if model not in CLIP_MODELS:
        raise WorkflowError(f"model {model!r} is not known for clips; use one of {', '.join(CLIP_MODELS)}.")
    if model == "svd":
        return VideoChoice("image_to_video", next(c.workflow for c in CAPABILITIES if c.id == "image_to_video"), None)
    if model != "auto" and model not in backend.present:
        raise WorkflowError(f"{backend.sentence(model)[:-1]}; choose another --model or add its files.")
    return choose_video_workflow("image_to_video", backend, None if model == "auto" else model)


def clip_size(panel: tuple[int, int], default: tuple[int, int]) -> tuple[int, int]:
    """(width, height) with the panel's aspect ratio and about the workflow's default pixel count, in steps of 16."""
    scale = (default[0] * default[1] / (panel[0] * panel[1])) ** 0.5
    width, height = (max(CLIP_SIZE_STEP, round(side * scale / CLIP_SIZE_STEP) * CLIP_SIZE_STEP) for side in panel)
    return width, height


def model_settings(files: Mapping[str, str]) -> dict[str, str]:
    """A Wan workflow's model parameters set to a family's files (role -> file name, FamilyMatch.default_files)."""
    return {ROLE_PARAMETERS[role]: name for role, name in sorted(files.items()) if role in ROLE_PARAMETERS}


def first_last_frame_workflow(backend: BackendFamilies) -> str | None:
    """wan22_first_last_frame when the backend has the 14B i2v models, else None (nothing else does it)."""
    return FIRST_LAST_FRAME[1] if FIRST_LAST_FRAME[0] in backend.present else None


def capabilities_for(
    object_info: Mapping[str, Any], capabilities: tuple[Capability, ...] = CAPABILITIES
) -> tuple[Capability, ...]:
    """The capabilities with each video one pointing at the workflow this backend (its /object_info) runs."""
    backend = detect_families(object_info)
    return tuple(
        replace(c, workflow=choose_video_workflow(c.id, backend).workflow) if c.id in WAN_WORKFLOWS else c
        for c in capabilities
    )
