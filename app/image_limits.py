"""The largest image the studio decodes (security.max_image_pixels), applied to Pillow at startup.

Pillow refuses images above twice `Image.MAX_IMAGE_PIXELS` (DecompressionBombError) and only warns
between once and twice; `apply_pixel_limit` sets the limit so that the refusal starts at the
configured number of pixels and the warning band is silent. `pixel_limit_message` turns Pillow's
refusal into one sentence naming the file and the config key. Imports nothing else from `app`.
"""

from __future__ import annotations

import warnings
from pathlib import Path

DEFAULT_MAX_IMAGE_PIXELS = 64_000_000


def apply_pixel_limit(max_pixels: int = DEFAULT_MAX_IMAGE_PIXELS) -> None:
    """Make Pillow refuse to decode images of more than `max_pixels` pixels (width x height)."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = max(1, max_pixels // 2)
    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


def current_pixel_limit() -> int | None:
    from PIL import Image

    return None if Image.MAX_IMAGE_PIXELS is None else Image.MAX_IMAGE_PIXELS * 2


def pixel_limit_message(source: Path | str, exc: BaseException | None = None) -> str:
    """`big.png is larger than the studio decodes (... pixels; limit ... set by security.max_image_pixels); ...`"""
    import re

    found = re.search(r"\((\d+) pixels\)", str(exc or ""))
    size = f"{int(found.group(1)):,} pixels; " if found else ""
    limit = current_pixel_limit()
    limit_text = f"{limit:,}" if limit else "none"
    return (
        f"{Path(source).name} is larger than the studio decodes ({size}limit {limit_text} pixels, "
        "security.max_image_pixels); scale it down first."
    )
