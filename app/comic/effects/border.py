"""Panel borders: square, rounded or hand-inked (rough) frames drawn inside the image's edge."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageDraw

from .choices import BORDER_STYLES, BorderStyle
from .raster import (
    EffectError,
    check_choice,
    check_image,
    check_int,
    check_range,
    draw_mask,
    parse_color,
)

# A rough border wobbles smoothly: random offsets every KNOT_PX pixels, eased in between.
KNOT_PX = 48
SAMPLE_PX = 4


@dataclass(frozen=True)
class PanelBorder:
    """A frame `width` pixels wide, inside the image's edge.

    style: "square", "rounded" (corner_radius pixels; 0 picks 3 x width) or "rough" (a hand-inked
    line whose edges wobble by up to `roughness` x width). background: colour outside the frame's
    rounded or rough corners, or None to make it transparent (the result is then RGBA).
    """

    width: int = 8
    color: str | tuple[int, int, int] = "black"
    style: BorderStyle = "square"
    corner_radius: int = 0
    roughness: float = 0.5
    background: str | tuple[int, int, int] | None = "white"
    seed: int = 0

    def __post_init__(self) -> None:
        check_int("Panel border width", self.width, 1, 500)
        parse_color("Panel border color", self.color)
        check_choice("Panel border style", self.style, BORDER_STYLES)
        check_int("Panel border corner_radius", self.corner_radius, 0, 5000)
        check_range("Panel border roughness", self.roughness, 0.0, 1.0)
        if self.background is not None:
            parse_color("Panel border background", self.background)
        check_int("Panel border seed", self.seed, 0, 2**32 - 1)

    def render(self, image: Image.Image) -> Image.Image:
        check_image(image)
        width, height = image.size
        if 2 * self.width >= min(width, height):
            raise EffectError(
                f"Panel border width {self.width} leaves nothing of a {width}x{height} image; "
                f"use at most {min(width, height) // 2 - 1}."
            )
        outer, inner = self._masks(image.size)
        ring = ImageChops.subtract(outer, inner)
        rgba = image.convert("RGBA")
        frame = Image.new("RGBA", image.size, parse_color("color", self.color) + (255,))
        rgba.paste(frame, (0, 0), ring)
        if self.background is None:
            rgba.putalpha(ImageChops.multiply(rgba.getchannel("A"), outer))
            return rgba
        backdrop = Image.new("RGBA", image.size, parse_color("background", self.background) + (255,))
        backdrop.paste(rgba, (0, 0), outer)
        return backdrop.convert("RGB") if image.mode != "RGBA" else backdrop

    def _masks(self, size: tuple[int, int]) -> tuple[Image.Image, Image.Image]:
        """(inside the frame's outer edge, inside its inner edge) as anti-aliased 'L' masks."""
        width, height = size
        w = self.width
        if self.style == "square":
            outer = Image.new("L", size, 255)
            inner = Image.new("L", size, 0)
            ImageDraw.Draw(inner).rectangle((w, w, width - w - 1, height - w - 1), fill=255)
            return outer, inner
        if self.style == "rounded":
            radius = self.corner_radius or 3 * w
            radius = min(radius, min(width, height) // 2)
            inner_radius = max(radius - w, 0)
            outer = draw_mask(
                size, lambda d, f: d.rounded_rectangle((0, 0, width * f - 1, height * f - 1), radius * f, fill=255)
            )
            inner = draw_mask(
                size,
                lambda d, f: d.rounded_rectangle(
                    (w * f, w * f, (width - w) * f - 1, (height - w) * f - 1), inner_radius * f, fill=255
                ),
            )
            return outer, inner
        rng = np.random.default_rng(self.seed)
        wobble = self.roughness * w
        outer_pts = _wobbly_rect(rng, 0.5 * wobble, width, height, 0.5 * wobble)
        inner_pts = _wobbly_rect(rng, w + 0.5 * wobble, width, height, wobble)
        outer = draw_mask(size, lambda d, f: d.polygon([(x * f, y * f) for x, y in outer_pts], fill=255))
        inner = draw_mask(size, lambda d, f: d.polygon([(x * f, y * f) for x, y in inner_pts], fill=255))
        return outer, inner


def _wobbly_rect(
    rng: np.random.Generator, inset: float, width: int, height: int, amplitude: float
) -> list[tuple[float, float]]:
    """A rectangle `inset` pixels inside the image, each side displaced by smooth noise of +-amplitude/2."""
    corners = [(inset, inset), (width - inset, inset), (width - inset, height - inset), (inset, height - inset)]
    points: list[tuple[float, float]] = []
    for index, (x0, y0) in enumerate(corners):
        x1, y1 = corners[(index + 1) % 4]
        length = float(np.hypot(x1 - x0, y1 - y0))
        samples = max(int(length // SAMPLE_PX), 2)
        t = np.linspace(0.0, 1.0, samples, endpoint=False)
        noise = _smooth_noise(rng, length, t) * amplitude * 0.5
        nx, ny = (y1 - y0) / length, -(x1 - x0) / length  # outward normal of a clockwise rectangle
        points += [(x0 + (x1 - x0) * s + nx * n, y0 + (y1 - y0) * s + ny * n) for s, n in zip(t, noise)]
    return points


def _smooth_noise(rng: np.random.Generator, length: float, t: np.ndarray) -> np.ndarray:
    knots = max(int(length // KNOT_PX), 1) + 1
    values = rng.uniform(-1.0, 1.0, knots + 1)
    values[0] = values[-1] = 0.0  # corners stay put so sides meet
    position = t * knots
    left = np.floor(position).astype(int)
    ease = (1 - np.cos(np.pi * (position - left))) / 2
    return values[left] * (1 - ease) + values[np.minimum(left + 1, knots)] * ease
