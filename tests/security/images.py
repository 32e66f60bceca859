"""Real image bytes for tests that save job outputs (outputs are signed, so they must be real files)."""

from __future__ import annotations

import io

from PIL import Image


def tiny_png(shade: int = 0) -> bytes:
    """A 4x4 grey PNG; `shade` makes each one different."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (shade % 256,) * 3).save(buffer, format="PNG")
    return buffer.getvalue()
