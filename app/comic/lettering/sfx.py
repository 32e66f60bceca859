"""Sound effects: large outlined display lettering, rotated a little, pasted over the art."""

from __future__ import annotations

import zlib
from typing import Any

from PIL import Image, ImageDraw

_FILLS = ((255, 214, 10), (255, 94, 58), (255, 255, 255), (120, 220, 255))


def sfx_seed(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def sfx_angle(text: str) -> float:
    """A deterministic tilt between -14 and 14 degrees (never flat)."""
    seed = sfx_seed(text)
    angle = (seed % 2000) / 2000 * 28 - 14
    return angle if abs(angle) >= 5 else (5.0 if angle >= 0 else -5.0)


def render_sfx(text: str, font: Any, *, raqm: bool = True) -> Image.Image:
    """The SFX as an RGBA tile: coloured fill, thick black outline, rotated."""
    from .textfit import display_text

    shown = display_text(text, raqm=raqm)
    stroke = max(2, round(font.size * 0.09))
    left, top, right, bottom = font.getbbox(shown, stroke_width=stroke)
    pad = stroke * 2
    tile = Image.new("RGBA", (right - left + 2 * pad, bottom - top + 2 * pad), (0, 0, 0, 0))
    fill = _FILLS[sfx_seed(text) % len(_FILLS)]
    ImageDraw.Draw(tile).text(
        (pad - left, pad - top), shown, font=font, fill=(*fill, 255), stroke_width=stroke, stroke_fill=(0, 0, 0, 255)
    )
    return tile.rotate(sfx_angle(text), resample=Image.Resampling.BICUBIC, expand=True)


def rotated_size(width: float, height: float, angle_deg: float) -> tuple[float, float]:
    import math

    a = math.radians(angle_deg)
    return (abs(width * math.cos(a)) + abs(height * math.sin(a)), abs(width * math.sin(a)) + abs(height * math.cos(a)))
