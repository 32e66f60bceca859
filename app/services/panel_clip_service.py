"""A comic panel becomes a short clip on ComfyUI (for the motion comic's `--clip PAGE:PANEL=FILE`).

The backend's model files decide the workflow (app/workflows/video_choice.py): Wan 2.2 14B image to video, else
Wan 2.2 TI2V-5B, else the older Stable Video Diffusion workflow. For a Wan workflow the model parameters are set
to the files the backend has for that family (families.detect_families), so any spelling of the official names
that the family patterns accept runs without editing the workflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Timeouts
from ..errors import InkframeError
from ..workflows import resolve_workflow
from ..workflows.families import detect_families
from ..workflows.video_choice import VideoChoice, choose_video_workflow, model_settings
from .run_service import RunReport, run_workflow

MAX_PANEL_BYTES = 64 * 1024 * 1024
MAX_PROMPT_CHARS = 2000


class PanelClipError(InkframeError):
    """A panel that cannot be turned into a clip; the message says what to change."""


@dataclass(frozen=True)
class PanelClip:
    path: Path
    choice: VideoChoice
    run: RunReport


def panel_settings(
    choice: VideoChoice,
    files: dict[str, str],
    image: str,
    prompt: str = "",
    frames: int | None = None,
    seed: int | None = None,
) -> list[str]:
    """The workflow's `name=value` settings: the start image, the family's model files, the optional prompt/length."""
    settings = [f"image={image}"]
    settings += [f"{name}={value}" for name, value in model_settings(files).items()]
    if prompt and choice.family:  # the older (SVD) workflow takes no prompt
        settings.append(f"prompt={prompt}")
    if frames is not None:
        settings.append(f"frames={frames}")
    if seed is not None:
        settings.append(f"seed={seed}")
    return settings


def panel_to_clip(
    panel: Path,
    out_dir: Path,
    backend_url: str,
    *,
    prompt: str = "",
    family: str | None = None,
    frames: int | None = None,
    seed: int | None = None,
    extra: list[str] | None = None,
    timeouts: Timeouts | None = None,
) -> PanelClip:
    """Upload `panel`, run the image-to-video workflow this backend supports, save the clip into `out_dir`."""
    from ..comfy import ComfyClient, ComfyError

    if not panel.is_file():
        raise PanelClipError(f"panel {panel} does not exist; give the path of a panel image.")
    if panel.stat().st_size > MAX_PANEL_BYTES:
        raise PanelClipError(f"panel {panel} is larger than {MAX_PANEL_BYTES // (1024 * 1024)} MiB; export it smaller.")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise PanelClipError(f"the motion prompt has {len(prompt)} characters; keep it under {MAX_PROMPT_CHARS}.")
    try:
        with ComfyClient(backend_url, timeouts=timeouts) as client:
            uploaded = client.upload_image(panel)  # top level of the input folder: LoadImage lists only that
            backend = detect_families(client.object_info(refresh=True))
    except ComfyError as exc:
        raise PanelClipError(f"the panel could not be sent to {backend_url}: {exc}") from None
    choice = choose_video_workflow("image_to_video", backend, family)
    files = backend.present[choice.family].default_files if choice.family else {}
    settings = panel_settings(choice, files, uploaded.reference, prompt, frames, seed) + list(extra or [])
    run = run_workflow(resolve_workflow(choice.workflow), settings, out_dir, backend_url, timeouts=timeouts)
    clips = [o.path for o in run.outputs if o.kind == "video"]
    if not clips:
        raise PanelClipError(f"{choice.workflow} finished without a video output; check its output node.")
    return PanelClip(clips[0], choice, run)
