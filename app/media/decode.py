"""Streaming decode: frames come out one at a time as RGB uint8 arrays (memory flat in clip length)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .errors import MediaError
from .ffmpeg_builder import decode_args
from .probe import probe, require_tool
from .process import FfmpegProcess
from .types import TimeRange, VideoInfo


def iter_frames(source: Path | str | VideoInfo, time_range: TimeRange | None = None,
                size: tuple[int, int] | None = None, threads: int = 0) -> Iterator[np.ndarray]:
    """Yield H x W x 3 RGB uint8 frames of a video (optionally a time range, optionally scaled to size=(w, h)).

    The ffmpeg child is stopped when the generator is closed early, so breaking out of the loop is safe.
    """
    info = source if isinstance(source, VideoInfo) else probe(source)
    width, height = size or (info.width, info.height)
    if info.rotation in (90, 270) and size is None:
        width, height = height, width
    frame_bytes = width * height * 3
    process = FfmpegProcess(decode_args(require_tool("ffmpeg"), info.path, time_range, size, threads=threads),
                            stdout=True, what=f"decoding {info.path}")
    stdout = process.proc.stdout
    assert stdout is not None
    count = 0
    try:
        while True:
            frame = np.empty((height, width, 3), dtype=np.uint8)
            view = memoryview(frame).cast("B")
            got = 0
            while got < frame_bytes:
                n = stdout.readinto(view[got:])
                if not n:
                    break
                got += n
            if got == 0:
                break
            if got < frame_bytes:
                raise MediaError(f"{info.path} ended in the middle of frame {count}; the file is truncated.")
            count += 1
            yield frame
        if process.wait() != 0:
            raise MediaError(f"{info.path} could not be decoded after frame {count}: {process.error_text()}.")
        if count == 0:
            raise MediaError(f"{info.path} gave no frames{'' if time_range is None else ' in the trim range'}; "
                             "check the file and the range.")
    finally:
        process.close()


def read_frame(source: Path | str | VideoInfo, at_seconds: float = 0.0) -> np.ndarray:
    """One frame at a time position (for previews and reference pictures)."""
    frames = iter_frames(source, TimeRange(start=at_seconds))
    try:
        return next(frames)
    finally:
        frames.close()
