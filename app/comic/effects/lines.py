"""Speed lines (parallel motion strokes) and focus lines (radial strokes around a clear centre)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from .raster import (
    EffectError,
    check_image,
    check_int,
    check_point,
    check_range,
    draw_mask,
    paint_over,
    parse_color,
    polygon_points,
)

# Half-width profile of one stroke along its length (0 = tail, 1 = tip): swells fast, tapers long.
_PROFILE_U = np.linspace(0.0, 1.0, 14)
_PROFILE_W = np.sin(np.pi * _PROFILE_U**0.55)


@dataclass(frozen=True)
class SpeedLines:
    """Parallel tapered strokes along the direction of motion.

    angle: direction of motion in degrees (0 = to the right, 90 = up). count: strokes.
    thickness: widest stroke as a fraction of the image's shorter side. length: shortest and longest
    stroke as fractions of the image diagonal. clear_band: fraction of the image (across the motion)
    kept free of strokes around the centre line, for the moving subject.
    """

    angle: float = 0.0
    count: int = 160
    thickness: float = 0.009
    length: tuple[float, float] = (0.25, 0.75)
    clear_band: float = 0.0
    color: str | tuple[int, int, int] = "black"
    opacity: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        check_range("Speed lines angle", self.angle, -360.0, 360.0)
        check_int("Speed lines count", self.count, 1, 2000)
        check_range("Speed lines thickness", self.thickness, 0.0005, 0.1)
        low_high = self.length if isinstance(self.length, (tuple, list)) and len(self.length) == 2 else None
        if (
            low_high is None
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0.0 <= v <= 1.0 for v in low_high)
            or low_high[0] > low_high[1]
            or low_high[1] <= 0
        ):
            raise EffectError(
                "Speed lines length must be (shortest, longest) fractions of the diagonal, "
                f"0 to 1 and shortest <= longest, got {self.length!r}."
            )
        check_range("Speed lines clear_band", self.clear_band, 0.0, 0.9)
        parse_color("Speed lines color", self.color)
        check_range("Speed lines opacity", self.opacity, 0.0, 1.0)
        check_int("Speed lines seed", self.seed, 0, 2**32 - 1)

    def render(self, image: Image.Image) -> Image.Image:
        check_image(image)
        width, height = image.size
        rng = np.random.default_rng(self.seed)
        theta = math.radians(self.angle)
        along = np.array([math.cos(theta), -math.sin(theta)])
        across = np.array([-along[1], along[0]])
        # Half extents of the image measured along and across the motion.
        half_along = 0.5 * (width * abs(along[0]) + height * abs(along[1]))
        half_across = 0.5 * (width * abs(across[0]) + height * abs(across[1]))
        diagonal = math.hypot(width, height)
        centre = np.array([width / 2, height / 2])
        max_w = self.thickness * min(width, height)
        clear = self.clear_band * half_across
        strokes = []
        for _ in range(self.count):
            offset = (
                rng.uniform(clear, half_across) * rng.choice((-1.0, 1.0))
                if clear
                else rng.uniform(-half_across, half_across)
            )
            length = rng.uniform(*self.length) * diagonal
            start = rng.uniform(-half_along - 0.3 * length, half_along - 0.7 * length)
            stroke_w = max_w * rng.uniform(0.2, 1.0) ** 1.6
            strokes.append((offset, start, length, stroke_w))

        def paint(draw: ImageDraw.ImageDraw, factor: int) -> None:
            for offset, start, length, stroke_w in strokes:
                s = start + _PROFILE_U * length
                w = 0.5 * stroke_w * _PROFILE_W
                base = centre + np.outer(s, along) + offset * across
                left = base + np.outer(w, across)
                right = base - np.outer(w, across)
                ring = np.vstack([left, right[::-1]])
                draw.polygon(polygon_points(ring[:, 0], ring[:, 1], factor), fill=255)

        mask = draw_mask(image.size, paint)
        return paint_over(image, mask, parse_color("color", self.color), self.opacity)


@dataclass(frozen=True)
class FocusLines:
    """Radial wedges from the frame edges towards a centre that stays clear (concentration lines).

    center: (x, y) fractions of the image. clear_radius: the clear ellipse's radii as fractions of
    half the width and half the height. jitter: how far past the ellipse strokes randomly stop, as a
    fraction of its radius. thickness: stroke width where it meets the frame, as a fraction of the
    shorter side.
    """

    center: tuple[float, float] = (0.5, 0.5)
    clear_radius: float = 0.45
    count: int = 140
    thickness: float = 0.02
    jitter: float = 0.35
    color: str | tuple[int, int, int] = "black"
    opacity: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        check_point("Focus lines center", self.center)
        check_range("Focus lines clear_radius", self.clear_radius, 0.0, 1.5)
        check_int("Focus lines count", self.count, 3, 3000)
        check_range("Focus lines thickness", self.thickness, 0.0005, 0.2)
        check_range("Focus lines jitter", self.jitter, 0.0, 2.0)
        parse_color("Focus lines color", self.color)
        check_range("Focus lines opacity", self.opacity, 0.0, 1.0)
        check_int("Focus lines seed", self.seed, 0, 2**32 - 1)

    def clear_ellipse(self, size: tuple[int, int]) -> tuple[float, float, float, float]:
        """(cx, cy, rx, ry) in pixels of the area no stroke enters."""
        width, height = size
        return (
            self.center[0] * width,
            self.center[1] * height,
            self.clear_radius * width / 2,
            self.clear_radius * height / 2,
        )

    def render(self, image: Image.Image) -> Image.Image:
        check_image(image)
        width, height = image.size
        rng = np.random.default_rng(self.seed)
        cx, cy, rx, ry = self.clear_ellipse(image.size)
        far = 2.0 * math.hypot(width, height)
        edge_w = self.thickness * min(width, height)
        angles = 2 * math.pi * (np.arange(self.count) + rng.uniform(0.0, 1.0, self.count)) / self.count
        wedges = []
        for angle in angles:
            dx, dy = math.cos(angle), math.sin(angle)
            inner = max(math.hypot(rx * dx, ry * dy), 1.0) * (1.0 + self.jitter * rng.uniform(0.0, 1.0) ** 2)
            edge = _distance_to_frame(cx, cy, dx, dy, width, height)
            stroke = edge_w * rng.uniform(0.3, 1.0)
            # The wedge grows linearly from a point at `inner` to `stroke` wide at the frame edge.
            grow = stroke / max(edge - inner, 1.0)
            wedges.append((dx, dy, inner, grow))

        def paint(draw: ImageDraw.ImageDraw, factor: int) -> None:
            for dx, dy, inner, grow in wedges:
                half = 0.5 * grow * (far - inner)
                tip = (cx + dx * inner, cy + dy * inner)
                base = (cx + dx * far, cy + dy * far)
                points = [tip, (base[0] - dy * half, base[1] + dx * half), (base[0] + dy * half, base[1] - dx * half)]
                draw.polygon([(x * factor, y * factor) for x, y in points], fill=255)

        mask = draw_mask(image.size, paint)
        return paint_over(image, mask, parse_color("color", self.color), self.opacity)


def _distance_to_frame(cx: float, cy: float, dx: float, dy: float, width: int, height: int) -> float:
    """How far a ray from (cx, cy) along (dx, dy) travels before it leaves the image."""
    limits = []
    if dx > 1e-9:
        limits.append((width - cx) / dx)
    elif dx < -1e-9:
        limits.append(-cx / dx)
    if dy > 1e-9:
        limits.append((height - cy) / dy)
    elif dy < -1e-9:
        limits.append(-cy / dy)
    return max(min(limits), 1.0)
