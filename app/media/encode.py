"""Streaming encode: frames go one at a time into an ffmpeg child (h264, h265, webm/vp9, gif)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

import numpy as np

from .errors import MediaError
from .ffmpeg_builder import encode_args
from .ffprobe import probe, require_tool
from .process import FfmpegProcess, enlarge_pipe
from .types import EncodeOptions, codec_spec


class VideoWriter:
    """Write RGB uint8 frames of one size to a video file; use as a context manager.

    On normal exit the file is finalised; when the block raises, ffmpeg is stopped and the partial file removed.
    """

    def __init__(self, path: Path | str, width: int, height: int, options: EncodeOptions | None = None) -> None:
        self.path = Path(path)
        self.options = options or EncodeOptions()
        spec = codec_spec(self.options.codec)
        if spec.pix_fmt == "yuv420p" and (width % 2 or height % 2):
            raise MediaError(
                f"{self.options.codec} needs an even frame size, got {width}x{height}; crop or pad one pixel."
            )
        self.width, self.height = width, height
        self.frames_written = 0
        audio_codec = None
        if self.options.audio_source is not None:
            source = probe(self.options.audio_source)
            audio_codec = source.audio_codec
        self.has_audio = audio_codec is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._process = FfmpegProcess(
            encode_args(require_tool("ffmpeg"), self.path, width, height, self.options, audio_codec),
            stdin=True,
            what=f"encoding {self.path}",
        )
        if self._process.proc.stdin is not None:
            enlarge_pipe(self._process.proc.stdin, width * height * 3)
        self._closed = False

    def write(self, frame: np.ndarray) -> None:
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise MediaError(
                f"frame {self.frames_written} is {frame.shape} {frame.dtype}; "
                f"this writer takes ({self.height}, {self.width}, 3) uint8 RGB frames."
            )
        stdin = self._process.proc.stdin
        assert stdin is not None
        try:
            stdin.write(np.ascontiguousarray(frame).data)
        except BrokenPipeError:
            self._process.wait()
            raise MediaError(
                f"encoding {self.path} failed at frame {self.frames_written}: {self._process.error_text()}."
            ) from None
        self.frames_written += 1

    def write_all(self, frames: Iterable[np.ndarray]) -> int:
        for frame in frames:
            self.write(frame)
        return self.frames_written

    def close(self) -> Path:
        """Finish the file and return its path."""
        if self._closed:
            return self.path
        self._closed = True
        stdin = self._process.proc.stdin
        try:
            if stdin is not None:
                stdin.close()
        except BrokenPipeError:
            pass
        code = self._process.wait()
        error = self._process.error_text()
        self._process.close()
        if code != 0:
            raise MediaError(f"encoding {self.path} failed: {error}.")
        if self.frames_written == 0:
            self.path.unlink(missing_ok=True)
            raise MediaError(f"no frames were written to {self.path}; nothing to encode.")
        return self.path

    def abort(self) -> None:
        self._closed = True
        self._process.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def encode_frames(frames: Iterable[np.ndarray], path: Path | str, options: EncodeOptions | None = None) -> Path:
    """Encode an iterable of frames (the first frame fixes the size); returns the path."""
    iterator = iter(frames)
    first = next(iterator, None)
    if first is None:
        raise MediaError(f"no frames were given for {path}; nothing to encode.")
    with VideoWriter(path, first.shape[1], first.shape[0], options) as writer:
        writer.write(first)
        writer.write_all(iterator)
    return Path(path)
