"""Sampler previews of a running job: the latest one is kept as outputs/jobs/<job id>/preview.<ext>.

ComfyUI sends them as binary WebSocket frames (JPEG by default) when it runs with `--preview-method`
(the managed ComfyUI does). Written atomically and at most every PREVIEW_EVERY_S seconds, so a fast
sampler does not turn into disk churn; the job record names the file for the UI and the API.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from app.comfy.events import BinaryImageEvent

PREVIEW_EVERY_S = 0.5
PREVIEW_FORMATS = {"JPEG": "jpg", "WEBP": "webp"}  # PNG frames are SaveImageWebsocket outputs, not previews


class PreviewWriter:
    def __init__(self, output_dir: Path, job_id: str) -> None:
        self.folder = Path(output_dir) / "jobs" / job_id
        self.output_dir = Path(output_dir)
        self._last = 0.0

    def offer(self, event: object) -> str | None:
        """Save the event if it is a preview due now; return its path relative to output_dir, else None."""
        if not isinstance(event, BinaryImageEvent) or event.image_format not in PREVIEW_FORMATS:
            return None
        now = time.monotonic()
        if now - self._last < PREVIEW_EVERY_S:
            return None
        self._last = now
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"preview.{PREVIEW_FORMATS[event.image_format]}"
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(event.data)
        os.replace(partial, target)
        return str(target.relative_to(self.output_dir))
