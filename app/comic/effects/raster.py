"""Shared drawing helpers of the effects: supersampled anti-aliased masks, colours, validation."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image, ImageColor, ImageDraw

from ...errors import InkframeError

# Masks are drawn this many times larger and box-filtered down (anti-aliasing), within a pixel budget.
MAX_SUPERSAMPLE = 4
SUPERSAMPLE_PIXEL_BUDGET = 40_000_000

RGB = tuple[int, int, int]


class EffectError(InkframeError):
    """A panel effect was given a parameter it cannot use."""


def check_range(name: str, value: float, low: float, high: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise EffectError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}.")


def check_int(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise EffectError(f"{name} must be a whole number from {low} to {high}, got {value!r}.")


def check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise EffectError(f"{name} must be one of {', '.join(choices)}, got {value!r}.")


def check_point(name: str, value: tuple[float, float]) -> None:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise EffectError(f"{name} must be an (x, y) pair of fractions of the image, got {value!r}.")
    for axis, part in zip("xy", value):
        check_range(f"{name} {axis}", part, 0.0, 1.0)


def parse_color(name: str, value: str | tuple[int, int, int]) -> RGB:
    """A PIL colour name, '#rrggbb' or an (r, g, b) tuple -> (r, g, b); EffectError otherwise."""
    if (
        isinstance(value, (tuple, list))
        and len(value) == 3
        and all(isinstance(v, int) and 0 <= v <= 255 for v in value)
    ):
        return int(value[0]), int(value[1]), int(value[2])
    if isinstance(value, str):
        try:
            rgb = ImageColor.getrgb(value)
        except ValueError:
            pass
        else:
            return rgb[0], rgb[1], rgb[2]
    raise EffectError(f"{name} must be a colour name, '#rrggbb' or (r, g, b), got {value!r}.")


def check_image(image: Any) -> Image.Image:
    if not isinstance(image, Image.Image):
        raise EffectError(f"Effects take a PIL image, got {type(image).__name__}.")
    if image.width < 8 or image.height < 8:
        raise EffectError(f"The image is {image.width}x{image.height}; effects need at least 8x8 pixels.")
    return image


def supersample_factor(width: int, height: int) -> int:
    factor = MAX_SUPERSAMPLE
    while factor > 1 and width * height * factor * factor > SUPERSAMPLE_PIXEL_BUDGET:
        factor -= 1
    return factor


def draw_mask(size: tuple[int, int], paint: Callable[[ImageDraw.ImageDraw, int], None]) -> Image.Image:
    """An anti-aliased 'L' mask: `paint(draw, factor)` draws in 255 on a canvas `factor` times larger."""
    factor = supersample_factor(*size)
    canvas = Image.new("L", (size[0] * factor, size[1] * factor), 0)
    paint(ImageDraw.Draw(canvas), factor)
    return canvas.reduce(factor) if factor > 1 else canvas


def paint_over(image: Image.Image, mask: Image.Image, color: RGB, opacity: float = 1.0) -> Image.Image:
    """`image` with `color` laid over it where `mask` is set (alpha kept for RGBA inputs)."""
    if opacity < 1.0:
        mask = mask.point(lambda v: round(v * opacity))
    base = image.convert("RGBA") if image.mode not in ("RGB", "RGBA") else image.copy()
    layer = Image.new(base.mode, base.size, color + ((255,) if base.mode == "RGBA" else ()))
    base.paste(layer, (0, 0), mask)
    return base if image.mode in ("RGB", "RGBA") else base.convert("RGB")


def polygon_points(xs: np.ndarray, ys: np.ndarray, factor: int) -> list[tuple[float, float]]:
    return [(float(x) * factor, float(y) * factor) for x, y in zip(xs, ys)]
