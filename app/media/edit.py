"""Whole-file operations: join segments (with the source's audio and metadata), cut exact frame ranges."""

from __future__ import annotations

import math
import tempfile
from fractions import Fraction
from pathlib import Path

from .decode import iter_frames
from .encode import encode_frames
from .errors import MediaError
from .ffmpeg_builder import concat_args, retag_args
from .ffprobe import probe, require_tool
from .process import run_ffmpeg, write_concat_list
from .types import EncodeOptions, TimeRange, VideoInfo


def concat(segments: list[Path], out: Path | str, options: EncodeOptions | None = None) -> Path:
    """Join video segments encoded with the same settings (stream copy), adding audio/metadata from options.

    For GIF output the segments are H.264 files and are converted once here.
    """
    if not segments:
        raise MediaError(f"no segments to join into {out}.")
    for segment in segments:
        if not Path(segment).is_file():
            raise MediaError(f"segment {segment} is missing; it cannot be joined into {out}.")
    out = Path(out)
    options = options or EncodeOptions()
    audio_codec = probe(options.audio_source).audio_codec if options.audio_source is not None else None
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="inkframe-concat-") as tmp:
        list_file = write_concat_list([Path(s) for s in segments], Path(tmp) / "segments.ffconcat")
        run_ffmpeg(
            concat_args(require_tool("ffmpeg"), list_file, out, options, audio_codec),
            what=f"joining segments into {out}",
        )
    return out


def first_frame_index(info: VideoInfo, start_s: float) -> int:
    """Index of the first frame a decode from `start_s` yields (the first whose time is at or after it)."""
    return max(0, math.ceil(start_s * float(info.fps) - 1e-6))


def cut_frames(
    info: VideoInfo, out: Path | str, first: int, count: int, stride: int = 1, options: EncodeOptions | None = None
) -> Path:
    """Write frames first, first + stride, ... (count of them) of a clip to `out`, at the source rate / stride.

    The decode seeks half a frame before `first`, so the clip starts on that exact frame."""
    if first < 0 or count < 1 or stride < 1:
        raise MediaError(
            f"cannot cut {count} frames from frame {first} every {stride}; "
            "give a frame >= 0, a count >= 1, a stride >= 1."
        )
    fps = Fraction(info.fps)
    seek = TimeRange(start=max(0.0, float((first - Fraction(1, 2)) / fps))) if first > 0 else None
    options = options or EncodeOptions(fps=fps / stride, crf=12)

    def frames():
        kept = 0
        for index, frame in enumerate(iter_frames(info, seek)):
            if index % stride:
                continue
            yield frame
            kept += 1
            if kept == count:
                return

    return encode_frames(frames(), out, options)


def retag(path: Path | str, metadata: dict[str, str]) -> Path:
    """Add container tags to a finished video in place (stream copy: no re-encode); MP4 keeps custom keys."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"video {path} does not exist; nothing to tag.")
    temporary = path.with_name(f".{path.stem}.tagging{path.suffix}")
    try:
        run_ffmpeg(retag_args(require_tool("ffmpeg"), path, temporary, metadata), what=f"tagging {path}")
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
