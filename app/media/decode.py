"""Streaming decode: frames come out one at a time as RGB uint8 arrays (memory flat in clip length).

A reader thread keeps up to `prefetch` frames ready so that ffmpeg decodes while the caller works
(e.g. while it writes the previous frame into an encoder); the pipe is enlarged to hold whole frames.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np

from .errors import MediaError
from .ffmpeg_builder import decode_args
from .ffprobe import probe, require_tool
from .process import FfmpegProcess, enlarge_pipe
from .types import TimeRange, VideoInfo

_END = object()


def _read_frames(
    stdout: IO[bytes], shape: tuple[int, int, int], out: queue.Queue, stop: threading.Event, path: Path
) -> None:
    frame_bytes = shape[0] * shape[1] * shape[2]
    count = 0
    try:
        while not stop.is_set():
            frame = np.empty(shape, dtype=np.uint8)
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
                raise MediaError(f"{path} ended in the middle of frame {count}; the file is truncated.")
            count += 1
            _put(out, frame, stop)
        _put(out, _END, stop)
    except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer
        _put(out, exc, stop)


def _put(out: queue.Queue, item: object, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            out.put(item, timeout=0.2)
            return
        except queue.Full:
            continue


def iter_frames(
    source: Path | str | VideoInfo,
    time_range: TimeRange | None = None,
    size: tuple[int, int] | None = None,
    threads: int = 0,
    prefetch: int = 4,
) -> Iterator[np.ndarray]:
    """Yield H x W x 3 RGB uint8 frames of a video (optionally a time range, optionally scaled to size=(w, h)).

    The ffmpeg child and the reader thread stop when the generator is closed early, so breaking out is safe.
    """
    info = source if isinstance(source, VideoInfo) else probe(source)
    width, height = size or (info.width, info.height)
    if info.rotation in (90, 270) and size is None:
        width, height = height, width
    process = FfmpegProcess(
        decode_args(require_tool("ffmpeg"), info.path, time_range, size, threads=threads),
        stdout=True,
        what=f"decoding {info.path}",
    )
    stdout = process.proc.stdout
    assert stdout is not None
    enlarge_pipe(stdout, width * height * 3)
    frames: queue.Queue = queue.Queue(maxsize=max(1, prefetch))
    stop = threading.Event()
    reader = threading.Thread(
        target=_read_frames,
        args=(stdout, (height, width, 3), frames, stop, info.path),
        name="media-decode",
        daemon=True,
    )
    reader.start()
    count = 0
    try:
        while True:
            item = frames.get()
            if item is _END:
                break
            if isinstance(item, BaseException):
                raise item
            count += 1
            yield item
        if process.wait() != 0:
            raise MediaError(f"{info.path} could not be decoded after frame {count}: {process.error_text()}.")
        if count == 0:
            raise MediaError(
                f"{info.path} gave no frames{'' if time_range is None else ' in the trim range'}; "
                "check the file and the range."
            )
    finally:
        stop.set()
        process.close()
        reader.join(timeout=10)


def read_frame(source: Path | str | VideoInfo, at_seconds: float = 0.0) -> np.ndarray:
    """One frame at a time position (for previews and reference pictures)."""
    frames = iter_frames(source, TimeRange(start=at_seconds), prefetch=1)
    try:
        return next(frames)
    finally:
        frames.close()
