"""The video that drives one motion run on ComfyUI, per engine (used by motion_service.run_on_comfyui).

- AnimateDiff (workflows/pose_animation.json): the run's own cut of the reference (trim start + chunk start, every
  stride-th frame); the workflow's DWPose finds the poses again, VideoHelperSuite loads it by path.
- Wan 2.2 Fun Control (workflows/wan22_pose_control.json): our pose extraction's OpenPose skeletons of the run's
  frames, drawn on black (the control format Fun Control takes), uploaded for core LoadVideo. Wan renders 4n+1
  frames, so a run asks for the next 4n+1 at or above its length and keeps the first `length` frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..media import EncodeOptions, VideoInfo, VideoWriter, cut_frames
from ..media.chunks import Chunk
from ..motion.pose_types import PoseSequence
from ..motion.skeleton import draw_skeleton
from ..workflows.pose_engine import PoseEngineChoice, wan_length
from ..workflows.video_choice import clip_size

DRIVE_CRF = 12


@dataclass(frozen=True)
class ChunkDrive:
    """What one run of the workflow gets: the driving video file and the frame count to ask the workflow for."""

    video: Path
    frames: int


def wan_frame_size(defaults: tuple[int, int], info: VideoInfo, settings: dict[str, str]) -> dict[str, str]:
    """Width and height for a Wan run: the reference's aspect ratio (the skeletons' frame, which Fun Control would
    otherwise crop to the workflow's square) at about the workflow's default pixel count; none if --set gives them."""
    if {"width", "height"} & settings.keys():
        return {}
    width, height = clip_size((info.width, info.height), defaults)
    return {"width": str(width), "height": str(height)}


def write_skeleton_clip(sequence: PoseSequence, chunk: Chunk, path: Path, rate: Fraction) -> Path:
    """The skeletons of the sequence's frames [chunk.start, chunk.end) on black, at `rate` frames per second.

    Frames past the sequence's end (its frame count can fall one short of the probed duration) repeat its last
    pose, so the control video always has the chunk's length."""
    width, height = sequence.width, sequence.height
    last = len(sequence.frames) - 1
    with VideoWriter(path, width, height, EncodeOptions(fps=rate, crf=DRIVE_CRF)) as writer:
        for index in range(chunk.start, chunk.end):
            pose = sequence.frames[min(index, last)] if last >= 0 else None
            writer.write(draw_skeleton(pose.keypoints if pose else (), width, height))
    return path


def drive_chunk(
    choice: PoseEngineChoice | None,
    chunk: Chunk,
    scratch: Path,
    stem: str,
    *,
    info: VideoInfo,
    sequence: PoseSequence | None,
    first_frame: int,
    stride: int,
    rate: Fraction,
) -> ChunkDrive:
    """The driving video of `chunk` for the engine (None: the portrait method, which is driven by the reference)."""
    path = scratch / f"{stem}-drive{chunk.index:03d}.mp4"
    if choice is not None and choice.engine == "wan":
        if sequence is None:
            raise ValueError("the wan engine needs the reference's pose sequence")
        return ChunkDrive(write_skeleton_clip(sequence, chunk, path, rate), wan_length(chunk.length))
    clip = cut_frames(
        info,
        path,
        first=first_frame + chunk.start * stride,
        count=chunk.length,
        stride=stride,
        options=EncodeOptions(fps=rate, crf=DRIVE_CRF),
    )
    return ChunkDrive(clip, chunk.length)


def server_input_path(stats: dict, relative: str) -> str:
    """Where ComfyUI keeps an uploaded input file, as a path its video loaders accept."""
    argv = list((stats.get("system") or {}).get("argv") or [])
    if "--input-directory" in argv and argv.index("--input-directory") + 1 < len(argv):
        return f"{argv[argv.index('--input-directory') + 1].rstrip('/')}/{relative}"
    return f"input/{relative}"  # ComfyUI's default input folder, relative to where it runs


def keep_loader_rate(prompt: dict) -> dict:
    """Video loaders take the cut clip as it is: no resampling (force_rate 0), no skipped or dropped frames.

    The app cuts each run's frames itself (start, stride, length); a loader that resampled to its own fps would
    make the animation run at another speed than the output (e.g. a 25 fps reference ~3x too fast at 8 fps)."""
    for node in prompt.values():
        inputs = node.get("inputs", {}) if isinstance(node, dict) else {}
        if "force_rate" in inputs and "skip_first_frames" in inputs:
            inputs.update(force_rate=0, skip_first_frames=0, select_every_nth=1)
    return prompt
