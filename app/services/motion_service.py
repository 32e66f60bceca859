"""Motion transfer: a character (target image) moves like the person in a reference video.

Methods:
- `pose-preview` (no ComfyUI): the reference's pose sequence as keypoints JSON + a skeleton preview video.
- `pose`: pose-guided animation on ComfyUI. The poses are extracted here first, so a reference without a
  person is reported (with its frames) before anything is queued. The engine (app/workflows/pose_engine.py):
  Wan 2.2 14B Fun Control (workflows/wan22_pose_control.json, driven by those poses' skeleton video, the target
  as reference image) when the backend has its files, else AnimateDiff + ControlNet OpenPose + IPAdapter
  (workflows/pose_animation.json); `engine` forces either.
- `portrait`: LivePortrait on ComfyUI (workflows/portrait_animation.json): the target's face takes the
  expressions and head motion of the reference; a target without a face is refused up front.
Clips longer than a workflow takes in one run are refused with the way out (`--trim`, `--stride`,
or `chunk=True`, which runs overlapping chunks and cross-fades them back together).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from itertools import islice
from pathlib import Path
from typing import Literal

import numpy as np

from ..config import Timeouts
from ..errors import InkframeError
from ..media import (
    EncodeOptions,
    TimeRange,
    VideoInfo,
    VideoWriter,
    first_frame_index,
    iter_frames,
    plan_chunks,
    probe,
)
from ..motion.pose import PoseOptions, extract_poses
from ..motion.pose_types import PoseSequence
from ..motion.skeleton import draw_skeleton
from ..provenance import edited, motion
from ..workflows.families import detect_families
from ..workflows.pose_engine import POSE_ENGINES, PoseEngine, PoseEngineChoice, choose_pose_engine, wan_run_limit
from .motion_drive import drive_chunk, keep_loader_rate, server_input_path, wan_frame_size
from .provenance_service import stamp_output

MotionMethod = Literal["pose-preview", "pose", "portrait"]
MOTION_METHODS: tuple[str, ...] = ("pose-preview", "pose", "portrait")
METHOD_WORKFLOWS: dict[str, str] = {"pose": "pose_animation", "portrait": "portrait_animation"}
FRAME_PARAMETERS = ("frames", "max_frames")
CHUNK_OVERLAP = 8
PREVIEW_MAX_SIDE = 512


class MotionError(InkframeError):
    """A motion request that cannot run; the message names what to change."""


@dataclass(frozen=True)
class MotionRequest:
    reference: Path
    out: Path
    method: MotionMethod = "pose-preview"
    target: Path | None = None
    trim: TimeRange | None = None
    stride: int = 1
    smooth: bool = True
    chunk: bool = False
    settings: dict[str, str] = field(default_factory=dict)  # extra workflow parameters (name -> value)
    overwrite: bool = False
    engine: PoseEngine = "auto"  # the pose method's engine: auto (Wan Fun Control if present), wan, animatediff


@dataclass
class MotionReport:
    out: Path
    poses: Path | None = None
    preview: Path | None = None
    frames: int = 0
    chunks: int = 1
    identity: list[float | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    workflow: str = ""  # the library workflow that ran (ComfyUI methods)


def check_request(request: MotionRequest) -> VideoInfo:
    if request.method not in MOTION_METHODS:
        raise MotionError(f"method {request.method!r} is not known; use one of {', '.join(MOTION_METHODS)}.")
    if request.engine not in POSE_ENGINES:
        raise MotionError(f"engine {request.engine!r} is not known; use one of {', '.join(POSE_ENGINES)}.")
    if request.engine != "auto" and request.method != "pose":
        raise MotionError(f"--engine applies to the pose method only; drop it for {request.method}.")
    if request.out.exists() and not request.overwrite:
        raise MotionError(f"{request.out} already exists; choose another --out or pass --overwrite.")
    if request.method != "pose-preview" and (request.target is None or not request.target.is_file()):
        raise MotionError(
            f"the {request.method} method needs --target, an image of the character; "
            f"{request.target or 'none'} was given."
        )
    if request.stride < 1:
        raise MotionError(f"stride {request.stride} is not allowed; use 1 or more.")
    if not request.reference.is_file():
        raise MotionError(f"reference video {request.reference} does not exist.")
    return probe(request.reference)


def preview_size(info: VideoInfo) -> tuple[int, int]:
    scale = min(1.0, PREVIEW_MAX_SIDE / max(info.width, info.height))
    return max(2, int(info.width * scale) // 2 * 2), max(2, int(info.height * scale) // 2 * 2)


def reference_poses(
    request: MotionRequest, info: VideoInfo, on_frame: Callable[[int], None] | None = None
) -> PoseSequence:
    start = request.trim.start if request.trim else 0.0
    options = PoseOptions(stride=request.stride, smooth=request.smooth)
    frames = iter_frames(info, request.trim, size=preview_size(info))
    sequence = extract_poses(frames, float(info.fps), options=options, source=request.reference.name, on_frame=on_frame)
    if start:
        for index, frame in enumerate(sequence.frames):  # times relative to the source, not the trim
            sequence.frames[index] = type(frame)(frame.index, round(frame.time_s + start, 6), frame.keypoints)
    return sequence


def write_pose_preview(sequence: PoseSequence, info: VideoInfo, request: MotionRequest, path: Path) -> Path:
    """Skeleton over the dimmed reference, at the pose sequence's rate."""
    width, height = sequence.width, sequence.height
    options = EncodeOptions(fps=Fraction(info.fps) / request.stride)
    frames = iter_frames(info, request.trim, size=(width, height))
    with VideoWriter(path, width, height, options) as writer:
        for index, frame in enumerate(frames):
            if index % request.stride:
                continue
            pose = sequence.frames[index // request.stride] if index // request.stride < len(sequence.frames) else None
            skeleton = draw_skeleton(pose.keypoints if pose else (), width, height)
            writer.write(np.clip(frame * 0.35 + skeleton, 0, 255).astype(np.uint8))
    return path


def run_pose_preview(request: MotionRequest, on_frame: Callable[[int], None] | None = None) -> MotionReport:
    info = check_request(request)
    sequence = reference_poses(request, info, on_frame)
    report = MotionReport(out=request.out, frames=len(sequence.frames))
    report.poses = sequence.save(request.out.with_suffix(".json"))
    report.preview = write_pose_preview(sequence, info, request, request.out)
    stamp_output(request.out, edited("pose preview", request.reference))  # C2PA Content Credentials
    missing = sequence.missing_frames()
    if missing:
        report.notes.append(f"{len(missing)} of {len(sequence.frames)} frames show no person; they have no skeleton.")
    return report


def frame_budget(request: MotionRequest, info: VideoInfo, maximum: int | None) -> tuple[int, list[tuple[int, int]]]:
    """(frames to animate, [(start, end) frame ranges per run]); raises when too long and not chunking."""
    duration = (request.trim.end if request.trim and request.trim.end else info.duration) - (
        request.trim.start if request.trim else 0.0
    )
    total = max(1, int(duration * float(info.fps)) // request.stride)
    if maximum is None or total <= maximum:
        return total, [(0, total)]
    if not request.chunk:
        raise MotionError(
            f"{request.reference.name} gives {total} frames "
            f"({duration:.1f} s at {float(info.fps):g} fps, stride {request.stride}); "
            f"the {request.method} workflow takes at most {maximum} frames a run: trim it with --trim, raise --stride, "
            f"or pass --chunk to animate it in overlapping chunks."
        )
    return total, [(c.start, c.end) for c in plan_chunks(total, maximum, chunk_overlap(maximum))]


def chunk_overlap(maximum: int) -> int:
    return min(CHUNK_OVERLAP, maximum // 4)


def check_target_face(target: Path) -> None:
    from ..faceswap import load_rgb
    from ..faceswap.detectors import MediapipeDetector

    detector = MediapipeDetector()
    try:
        faces = detector.detect(load_rgb(target))
    finally:
        detector.close()
    if not faces:
        raise MotionError(
            f"no face found in the target {target.name}; portrait animation needs a clear, front-facing face."
        )


def summarise(problems: list) -> str:
    """Missing node packs once each (with their install line), then the other problems."""
    installs = sorted({p.install for p in problems if p.install})
    others = [p.sentence for p in problems if not p.install]
    parts = (
        [f"it lacks node packs, install them with {'; '.join(f'`{line}`' for line in installs)}."] if installs else []
    )
    return " ".join(parts + others)


def iter_output_frames(data: bytes, scratch: Path) -> Iterator[np.ndarray]:
    scratch.write_bytes(data)
    yield from iter_frames(scratch)


def animation_rate(request: MotionRequest, info: VideoInfo) -> Fraction:
    """Frames per second of what is animated (and of the output): the reference's rate divided by the stride."""
    return Fraction(info.fps) / request.stride


def reference_first_frame(request: MotionRequest, info: VideoInfo) -> int:
    """The reference frame the animation starts on (the first at or after --trim's start), as the pose pass sees it."""
    return first_frame_index(info, request.trim.start) if request.trim else 0


def pose_engine(request: MotionRequest, object_info: dict) -> PoseEngineChoice | None:
    """The pose method's engine on this backend (None for the other methods); a forced engine that cannot run
    is refused in one sentence."""
    if request.method != "pose":
        return None
    try:
        return choose_pose_engine(detect_families(object_info), request.engine)
    except InkframeError as exc:
        raise MotionError(str(exc)) from None


def motion_provenance(method: str) -> dict[str, str]:
    from ..faceswap.safety import Provenance

    return replace(Provenance.now(), operation=f"motion transfer ({method})").as_metadata()


def run_on_comfyui(
    request: MotionRequest,
    backend_url: str,
    *,
    timeouts: Timeouts | None = None,
    on_event: Callable[[object], None] | None = None,
) -> MotionReport:
    """Animate on a ComfyUI backend; nothing is left behind (poses, parts) when the run is refused or fails."""
    info = check_request(request)
    report = MotionReport(out=request.out)
    scratch = request.out.parent / f".{request.out.stem}.parts"
    try:
        return _run_on_comfyui(request, info, report, scratch, backend_url, timeouts, on_event)
    except BaseException:
        if report.poses is not None:
            report.poses.unlink(missing_ok=True)
        raise
    finally:
        if scratch.is_dir():
            for leftover in scratch.glob("*"):
                leftover.unlink()
            scratch.rmdir()


def _run_on_comfyui(
    request: MotionRequest,
    info: VideoInfo,
    report: MotionReport,
    scratch: Path,
    backend_url: str,
    timeouts: Timeouts | None,
    on_event: Callable[[object], None] | None,
) -> MotionReport:
    from ..comfy import ComfyClient
    from ..media import stitch_chunks
    from ..media.chunks import Chunk
    from ..workflows import apply_overrides, load_workflow, parameter_schema, preflight, resolve_workflow, to_api

    sequence = None
    if request.method == "pose":
        sequence = reference_poses(request, info)  # refuses a reference without a person, naming the frames
        report.poses = sequence.save(request.out.with_suffix(".poses.json"))
    else:
        check_target_face(request.target)
    rate = animation_rate(request, info)
    first_frame = reference_first_frame(request, info)
    with ComfyClient(backend_url, timeouts=timeouts) as client:
        object_info = client.object_info()
        choice = pose_engine(request, object_info)
        report.workflow = choice.workflow if choice else METHOD_WORKFLOWS[request.method]
        workflow = load_workflow(resolve_workflow(report.workflow))
        schema = parameter_schema(workflow, object_info)
        frames_parameter = next((p for p in schema if p.name in FRAME_PARAMETERS), None)
        maximum = int(frames_parameter.maximum) if frames_parameter and frames_parameter.maximum else None
        if choice is not None and choice.engine == "wan":
            maximum = wan_run_limit(maximum)
        _total, ranges = frame_budget(request, info, maximum)
        fixed = dict(choice.models) if choice else {}
        if choice is not None and choice.engine == "wan":
            by_name = {p.name: p for p in schema}
            defaults = (int(by_name["width"].default), int(by_name["height"].default))
            fixed.update(wan_frame_size(defaults, info, request.settings))
        # the user's --set values go in before the check: a checkpoint named there is the one that must exist
        base = apply_overrides(to_api(workflow, object_info), {**fixed, **request.settings}, schema)
        blocking = [p for p in preflight(base, object_info).problems if p.kind in ("missing_node", "missing_model")]
        if blocking:
            what = f"{request.method} animation ({report.workflow})"
            raise MotionError(f"{what} cannot run on {client.base_url}: {summarise(blocking)}")
        stats = client.system_stats()
        target = client.upload_image(request.target, subfolder="inkframe")
        image_parameter = next(p.name for p in schema if p.kind == "image")
        video_parameter = next(p.name for p in schema if p.kind == "video")
        scratch.mkdir(parents=True, exist_ok=True)

        def render(chunk: Chunk) -> Iterator[np.ndarray]:
            # this run's frames, cut here: from the trim's start + the chunk's start, every stride-th
            drive = drive_chunk(
                choice,
                chunk,
                scratch,
                request.out.stem,
                info=info,
                sequence=sequence,
                first_frame=first_frame,
                stride=request.stride,
                rate=rate,
            )
            uploaded = client.upload_image(drive.video, subfolder="inkframe")
            by_path = server_input_path(stats, f"{uploaded.subfolder}/{uploaded.name}")  # VHS loads a path
            wan = choice is not None and choice.engine == "wan"
            values = {
                image_parameter: target.reference,
                video_parameter: uploaded.reference if wan else by_path,  # core LoadVideo takes an input file
                **request.settings,
            }
            if frames_parameter is not None:
                values[frames_parameter.name] = str(drive.frames)
            prompt = keep_loader_rate(apply_overrides(base, values, schema))
            result = client.run(prompt, on_event=on_event)
            videos = [f for f in result.files if f.kind == "video"]
            if not videos:
                raise MotionError(
                    f"the {request.method} workflow finished without a video output; check its output node."
                )
            rendered = iter_output_frames(
                videos[0].data, scratch / f"chunk{chunk.index:03d}{Path(videos[0].filename).suffix}"
            )
            return islice(rendered, chunk.length)  # Wan renders 4n+1 frames: the extra tail is not the reference's

        plan = [
            Chunk(index, start, end, 0 if index == 0 else chunk_overlap(maximum or end))
            for index, (start, end) in enumerate(ranges)
        ]
        frames = stitch_chunks(plan, render)
        first = next(frames)
        height, width = first.shape[:2]
        with VideoWriter(
            request.out, width, height, EncodeOptions(fps=rate, metadata=motion_provenance(request.method))
        ) as writer:
            writer.write(first)
            writer.write_all(frames)
            report.frames = writer.frames_written
    report.chunks = len(plan)
    report.identity, note = identity_scores(request.target, request.out)
    if note:
        report.notes.append(note)
    stamp_output(request.out, motion(request.method, request.reference, request.target))  # C2PA Content Credentials
    return report


def identity_scores(target: Path, video: Path, samples: int = 8, embedder=None) -> tuple[list[float | None], str]:
    """Face similarity of sampled frames of `video` to the target (None where a frame has no face).

    `embedder` is any app.quality FaceEmbedder; by default insightface's, when its model is installed."""
    if embedder is None:
        from .identity_service import load_embedder

        embedder, reason = load_embedder()
        if embedder is None:
            return [], f"identity check skipped: {reason}"
    from ..faceswap import load_rgb
    from ..media import read_frame
    from ..quality.face_similarity import cosine_similarity

    reference = embedder.embed_largest_face(load_rgb(target))
    if reference is None:
        return [], f"identity check skipped: no face found in {target.name}."
    info = probe(video)
    scores: list[float | None] = []
    for k in range(samples):
        embedding = embedder.embed_largest_face(read_frame(info, at_seconds=info.duration * (k + 0.5) / samples))
        scores.append(None if embedding is None else cosine_similarity(reference, embedding))
    return scores, ""
