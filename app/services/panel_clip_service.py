"""A comic panel becomes a short clip on ComfyUI (`python main.py clip`, the motion comic's `--clip PAGE:PANEL=FILE`).

The backend's model files decide the workflow (app/workflows/video_choice.py): Wan 2.2 14B image to video, else
Wan 2.2 TI2V-5B, else the older Stable Video Diffusion workflow. For a Wan workflow the model parameters are set
to the files the backend has for that family (families.detect_families), so any spelling of the official names
that the family patterns accept runs without editing the workflow.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..config import Timeouts
from ..errors import InkframeError
from ..workflows import load_workflow, parameter_schema, resolve_workflow
from ..workflows.families import detect_families
from ..workflows.pose_engine import wan_length
from ..workflows.video_choice import VideoChoice, choose_clip_workflow, clip_size, model_settings
from .run_service import RunReport, run_workflow

MAX_PANEL_BYTES = 64 * 1024 * 1024
MAX_PANEL_SIDE = 8192
MAX_PROMPT_CHARS = 2000
MAX_CLIP_SECONDS = 10.0


class PanelClipError(InkframeError):
    """A panel that cannot be turned into a clip; the message says what to change."""


@dataclass(frozen=True)
class PanelClip:
    path: Path
    choice: VideoChoice
    run: RunReport


@dataclass(frozen=True)
class ClipRequest:
    """`python main.py clip PANEL --out CLIP.mp4`: one panel, one clip file (and its run sidecar CLIP.json)."""

    panel: Path
    out: Path
    prompt: str = ""
    seconds: float | None = None  # None: the workflow's own length
    model: str = "auto"  # video_choice.CLIP_MODELS
    seed: int | None = None
    settings: tuple[str, ...] = ()  # NAME=VALUE for the chosen workflow, applied last
    overwrite: bool = False


@dataclass(frozen=True)
class ClipReport:
    out: Path
    sidecar: Path | None
    choice: VideoChoice
    frames: int
    fps: Fraction
    width: int
    height: int
    notes: list[str] = field(default_factory=list)


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


def check_panel(panel: Path, prompt: str = "") -> tuple[int, int]:
    """The panel's (width, height); raises PanelClipError naming what to change."""
    from PIL import Image, UnidentifiedImageError

    if not panel.is_file():
        raise PanelClipError(f"panel {panel} does not exist; give the path of a panel image.")
    if panel.stat().st_size > MAX_PANEL_BYTES:
        raise PanelClipError(f"panel {panel} is larger than {MAX_PANEL_BYTES // (1024 * 1024)} MiB; export it smaller.")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise PanelClipError(f"the motion prompt has {len(prompt)} characters; keep it under {MAX_PROMPT_CHARS}.")
    try:
        with Image.open(panel) as image:
            size = image.size
    except (UnidentifiedImageError, OSError):
        raise PanelClipError(f"panel {panel} is not an image PIL can read; export it as PNG or JPEG.") from None
    if max(size) > MAX_PANEL_SIDE:
        raise PanelClipError(
            f"panel {panel} is {size[0]} x {size[1]} pixels; the longer side may be at most {MAX_PANEL_SIDE}."
        )
    return size


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
    on_event: Callable[[object], None] | None = None,
    plan: Callable[[VideoChoice, dict], list[str]] | None = None,
) -> PanelClip:
    """Upload `panel`, run the image-to-video workflow this backend supports, save the clip into `out_dir`.

    `family` is a clip model (video_choice.CLIP_MODELS; None: auto). `plan(choice, object_info)` may add settings
    once the workflow is known (make_clip sets the length and size from it)."""
    from ..comfy import ComfyClient, ComfyError

    check_panel(panel, prompt)
    try:
        with ComfyClient(backend_url, timeouts=timeouts) as client:
            uploaded = client.upload_image(panel)  # top level of the input folder: LoadImage lists only that
            object_info = client.object_info(refresh=True)
    except ComfyError as exc:
        raise PanelClipError(f"the panel could not be sent to {backend_url}: {exc}") from None
    backend = detect_families(object_info)
    try:
        choice = choose_clip_workflow(backend, family or "auto")
    except InkframeError as exc:
        raise PanelClipError(str(exc)) from None
    files = backend.present[choice.family].default_files if choice.family else {}
    settings = panel_settings(choice, files, uploaded.reference, prompt, frames, seed)
    settings += (plan(choice, object_info) if plan else []) + list(extra or [])
    run = run_workflow(
        resolve_workflow(choice.workflow), settings, out_dir, backend_url, timeouts=timeouts, on_event=on_event
    )
    clips = [o.path for o in run.outputs if o.kind == "video"]
    if not clips:
        raise PanelClipError(f"{choice.workflow} finished without a video output; check its output node.")
    return PanelClip(clips[0], choice, run)


def clip_plan(
    choice: VideoChoice, object_info: Mapping[str, Any], panel_size: tuple[int, int], request: ClipRequest
) -> list[str]:
    """Settings the chosen workflow needs for this request: its length from `seconds` at its frame rate (4n+1
    frames for Wan), and a size with the panel's aspect ratio (workflows that take one), unless --set gives them."""
    schema = {p.name: p for p in parameter_schema(load_workflow(resolve_workflow(choice.workflow)), object_info)}
    given = dict(item.partition("=")[::2] for item in request.settings)
    settings = []
    if request.seconds is not None and "frames" not in given and "frames" in schema and "fps" in schema:
        fps = float(given.get("fps") or schema["fps"].default)
        frames = max(1, round(request.seconds * fps))
        frames = wan_length(frames) if choice.family else frames
        frames = max(frames, int(schema["frames"].minimum or 1))
        maximum = int(schema["frames"].maximum or frames)
        if frames > maximum:
            raise PanelClipError(
                f"{request.seconds:g} s at {fps:g} fps is {frames} frames; {choice.workflow} makes at most {maximum} "
                f"({maximum / fps:.1f} s): ask for fewer --seconds."
            )
        settings.append(f"frames={frames}")
    if {"width", "height"} <= schema.keys() and not {"width", "height"} & given.keys():
        width, height = clip_size(panel_size, (int(schema["width"].default), int(schema["height"].default)))
        settings += [f"width={width}", f"height={height}"]
    return settings


def check_clip_request(request: ClipRequest) -> tuple[int, int]:
    """The panel's size; raises PanelClipError (one sentence) for a request that cannot run."""
    if request.out.suffix.lower() != ".mp4":
        raise PanelClipError(f"--out {request.out} must end in .mp4; the clip workflows write H.264 MP4.")
    for path in (request.out, request.out.with_suffix(".json")):
        if path.exists() and not request.overwrite:
            raise PanelClipError(f"{path} already exists; choose another --out or pass --overwrite.")
    if request.seconds is not None and not 0 < request.seconds <= MAX_CLIP_SECONDS:
        raise PanelClipError(
            f"--seconds {request.seconds:g} is not allowed; use more than 0 and at most {MAX_CLIP_SECONDS:g}."
        )
    return check_panel(request.panel, request.prompt)


def make_clip(
    request: ClipRequest,
    backend_url: str,
    *,
    timeouts: Timeouts | None = None,
    on_event: Callable[[object], None] | None = None,
) -> ClipReport:
    """A panel's clip at `request.out` (the run's sidecar beside it); nothing is left behind when it fails."""
    from ..media import probe

    panel_size = check_clip_request(request)
    request.out.parent.mkdir(parents=True, exist_ok=True)
    scratch = request.out.parent / f".{request.out.stem}.clip"
    try:
        clip = panel_to_clip(
            request.panel,
            scratch,
            backend_url,
            prompt=request.prompt,
            family=request.model,
            seed=request.seed,
            extra=list(request.settings),
            timeouts=timeouts,
            on_event=on_event,
            plan=lambda choice, object_info: clip_plan(choice, object_info, panel_size, request),
        )
        clip.path.replace(request.out)
        sidecar = None
        if clip.run.sidecar is not None:
            facts = json.loads(clip.run.sidecar.read_text(encoding="utf-8"))
            for output in facts.get("outputs", []):
                if output.get("file") == clip.path.name:
                    output["file"] = request.out.name
            sidecar = request.out.with_suffix(".json")
            sidecar.write_text(json.dumps(facts, indent=2), encoding="utf-8")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    video = probe(request.out)
    return ClipReport(
        request.out, sidecar, clip.choice, video.frame_count, video.fps, video.width, video.height, clip.run.notes
    )
