"""Workflow metadata in PNG files, the way ComfyUI writes it: tEXt chunks "prompt" (API JSON) and
"workflow" (UI JSON), plus any extra keys; an output dragged into ComfyUI reopens its graph.
"""

from __future__ import annotations

import io
import json
from typing import Any

from .errors import WorkflowError


def embed_png_metadata(png_bytes: bytes, prompt: Any, workflow: Any, extra: dict[str, Any] | None = None) -> bytes:
    """PNG bytes with "prompt", "workflow" and `extra` stored as tEXt chunks (JSON-encoded values)."""
    from PIL import Image, PngImagePlugin

    try:
        image = Image.open(io.BytesIO(png_bytes))
        image.load()
    except Exception as exc:  # PIL raises several types for bad data
        raise WorkflowError(f"Cannot embed workflow metadata: the data is not a readable PNG ({exc}).") from None
    info = PngImagePlugin.PngInfo()
    if prompt is not None:
        info.add_text("prompt", json.dumps(prompt))
    if workflow is not None:
        info.add_text("workflow", json.dumps(workflow))
    for key, value in (extra or {}).items():
        info.add_text(key, value if isinstance(value, str) else json.dumps(value))
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, compress_level=4)
    return out.getvalue()


def read_png_metadata(png_bytes: bytes) -> dict[str, Any]:
    """The text chunks of a PNG, JSON-decoded where they are JSON ("prompt", "workflow", ...)."""
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(png_bytes))
        image.load()
    except Exception as exc:
        raise WorkflowError(f"Cannot read workflow metadata: the data is not a readable PNG ({exc}).") from None
    result: dict[str, Any] = {}
    for key, value in (getattr(image, "text", None) or {}).items():
        try:
            result[key] = json.loads(value)
        except (TypeError, ValueError):
            result[key] = value
    return result
