"""Whole-file operations: join segments (with the source's audio and metadata)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .errors import MediaError
from .ffmpeg_builder import concat_args
from .ffprobe import probe, require_tool
from .process import run_ffmpeg, write_concat_list
from .types import EncodeOptions


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
        run_ffmpeg(concat_args(require_tool("ffmpeg"), list_file, out, options, audio_codec), what=f"joining segments into {out}")
    return out
