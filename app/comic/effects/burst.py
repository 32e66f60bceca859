"""Impact burst: a jagged star with an outline, optionally a second smaller star inside it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from .raster import (
    check_image,
    check_int,
    check_point,
    check_range,
    draw_mask,
    paint_over,
    parse_color,
)


@dataclass(frozen=True)
class ImpactBurst:
    """A jagged explosion star.

    center: (x, y) fractions of the image. radius: the spikes' reach as a fraction of the shorter
    side. spikes: number of points. jaggedness: 0 gives a regular star, 1 a wild one (random spike
    lengths, angles and valley depths). inner_ratio: valley radius / spike radius.
    outline_width: fraction of the shorter side. core: colour of a second, smaller star inside
    (None for none).
    """

    center: tuple[float, float] = (0.5, 0.5)
    radius: float = 0.42
    spikes: int = 16
    jaggedness: float = 0.5
    inner_ratio: float = 0.62
    fill: str | tuple[int, int, int] = "white"
    outline: str | tuple[int, int, int] = "black"
    outline_width: float = 0.012
    core: str | tuple[int, int, int] | None = "#ffd21f"
    seed: int = 0

    def __post_init__(self) -> None:
        check_point("Impact burst center", self.center)
        check_range("Impact burst radius", self.radius, 0.02, 2.0)
        check_int("Impact burst spikes", self.spikes, 3, 200)
        check_range("Impact burst jaggedness", self.jaggedness, 0.0, 1.0)
        check_range("Impact burst inner_ratio", self.inner_ratio, 0.1, 0.95)
        parse_color("Impact burst fill", self.fill)
        parse_color("Impact burst outline", self.outline)
        check_range("Impact burst outline_width", self.outline_width, 0.0, 0.1)
        if self.core is not None:
            parse_color("Impact burst core", self.core)
        check_int("Impact burst seed", self.seed, 0, 2**32 - 1)

    def star(self, size: tuple[int, int], scale: float = 1.0, seed_offset: int = 0) -> list[tuple[float, float]]:
        """The star's polygon in image pixels (spike, valley, spike, ...)."""
        rng = np.random.default_rng(self.seed + seed_offset)
        width, height = size
        cx, cy = self.center[0] * width, self.center[1] * height
        reach = self.radius * min(width, height) * scale
        count = self.spikes * 2
        step = 2 * math.pi / count
        jag = self.jaggedness
        angles = np.arange(count) * step + rng.uniform(-0.45, 0.45, count) * step * jag - math.pi / 2
        spike_len = reach * (1.0 - jag * 0.45 * rng.uniform(0.0, 1.0, count))
        valley_len = reach * self.inner_ratio * (1.0 + jag * 0.25 * rng.uniform(-1.0, 1.0, count))
        radii = np.where(np.arange(count) % 2 == 0, spike_len, np.minimum(valley_len, spike_len * 0.95))
        # Stretch with the image's aspect a little, as hand-drawn bursts fill their panel.
        sx, sy = (width / height) ** 0.3, (height / width) ** 0.3
        return [(cx + r * math.cos(a) * sx, cy + r * math.sin(a) * sy) for a, r in zip(angles, radii)]

    def render(self, image: Image.Image) -> Image.Image:
        check_image(image)
        outer = self.star(image.size)
        line_w = self.outline_width * min(image.size)

        def fill_star(points: list[tuple[float, float]]) -> Image.Image:
            return draw_mask(image.size, lambda draw, f: draw.polygon([(x * f, y * f) for x, y in points], fill=255))

        def stroke_star(points: list[tuple[float, float]]) -> Image.Image:
            def paint(draw: ImageDraw.ImageDraw, f: int) -> None:
                scaled = [(x * f, y * f) for x, y in points]
                draw.line(scaled + scaled[:1], fill=255, width=max(1, round(line_w * f)), joint="curve")

            return draw_mask(image.size, paint)

        result = paint_over(image, fill_star(outer), parse_color("fill", self.fill))
        if self.core is not None:
            inner = self.star(image.size, scale=0.62, seed_offset=7919)
            result = paint_over(result, fill_star(inner), parse_color("core", self.core))
        if line_w > 0:
            result = paint_over(result, stroke_star(outer), parse_color("outline", self.outline))
        return result
