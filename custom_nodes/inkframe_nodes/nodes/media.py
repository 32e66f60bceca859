"""Video nodes over app/media: load frames of a clip (with trim and a frame cap) and save frames as a video.

Thin: probing, decoding and encoding are app/media's. ComfyUI holds IMAGE batches in memory, so the loader
caps the frame count; long clips are better handled by the app's streaming pipelines.
"""

from __future__ import annotations

import os
from itertools import islice
from pathlib import Path
from typing import Any

from .. import adapter

CATEGORY = "Inkframe/Video"


def _media() -> Any:
    return adapter.lib("media")


def _output_dir() -> Path:
    try:
        import folder_paths  # type: ignore[import-not-found]

        return Path(folder_paths.get_output_directory())
    except ImportError:
        return Path(os.environ.get("INKFRAME_OUTPUT_DIR", "outputs"))


class InkframeLoadVideoFrames:
    CATEGORY, FUNCTION = CATEGORY, "run"
    RETURN_TYPES, RETURN_NAMES = ("IMAGE", "FLOAT", "INT"), ("frames", "fps", "frame_count")
    DESCRIPTION = "Decodes a video into an IMAGE batch (from start to end seconds, at most max_frames frames)."

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {
            "required": {
                "path": ("STRING", {"default": ""}),
                "start": ("FLOAT", {"default": 0.0, "min": 0.0, "step": 0.1}),
                "end": ("FLOAT", {"default": 0.0, "min": 0.0, "step": 0.1, "tooltip": "0 = to the end"}),
                "max_frames": ("INT", {"default": 240, "min": 1, "max": 10000}),
            }
        }

    def run(self, path: str, start: float, end: float, max_frames: int) -> tuple[Any, float, int]:
        media = _media()
        info = media.probe(path)
        trim = media.TimeRange(start, end if end > 0 else None) if (start > 0 or end > 0) else None
        frames = media.iter_frames(info, trim)
        try:
            batch = list(islice(frames, max_frames))
        finally:
            frames.close()
        return adapter.arrays_to_tensor(batch), float(info.fps), len(batch)


class InkframeSaveVideo:
    CATEGORY, FUNCTION, RETURN_TYPES, RETURN_NAMES = CATEGORY, "run", ("STRING",), ("path",)
    OUTPUT_NODE = True
    DESCRIPTION = (
        "Encodes an IMAGE batch to h264/h265/webm/gif in ComfyUI's output folder, optionally with a clip's audio."
    )

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {
            "required": {
                "frames": ("IMAGE",),
                "fps": ("FLOAT", {"default": 24.0, "min": 1.0, "max": 240.0}),
                "codec": (list(_media().VIDEO_CODECS), {"default": "h264"}),
                "crf": ("INT", {"default": 18, "min": 0, "max": 63}),
                "filename_prefix": ("STRING", {"default": "inkframe"}),
            },
            "optional": {"audio_from": ("STRING", {"default": ""})},
        }

    def run(
        self, frames: Any, fps: float, codec: str, crf: int, filename_prefix: str, audio_from: str = ""
    ) -> dict[str, Any]:
        from fractions import Fraction

        media = _media()
        spec = media.codec_spec(codec)
        folder = _output_dir()
        folder.mkdir(parents=True, exist_ok=True)
        index = 1 + sum(1 for p in folder.glob(f"{filename_prefix}_*{spec.extension}"))
        out = folder / f"{filename_prefix}_{index:05d}{spec.extension}"
        options = media.EncodeOptions(
            codec=codec,
            fps=Fraction(fps).limit_denominator(1001),
            crf=None if codec == "gif" else crf,
            audio_source=Path(audio_from) if audio_from else None,
        )
        media.encode_frames(adapter.tensor_to_arrays(frames), out, options)
        return {"ui": {"text": [str(out)]}, "result": (str(out),)}


NODE_CLASS_MAPPINGS = {"InkframeLoadVideoFrames": InkframeLoadVideoFrames, "InkframeSaveVideo": InkframeSaveVideo}
NODE_DISPLAY_NAME_MAPPINGS = {
    "InkframeLoadVideoFrames": "Load Video Frames (Inkframe)",
    "InkframeSaveVideo": "Save Video (Inkframe)",
}
