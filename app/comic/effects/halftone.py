"""Halftone and screentone: an anti-aliased dot (or line) screen at an angle and a ruling in LPI.

The screen's cell is `dpi / lpi` pixels. Each cell samples the (blurred) ink coverage at its centre
and grows a dot whose area inside the cell equals that coverage, so the mean tone is kept. Dots
are drawn analytically with a one-pixel soft edge, no supersampling needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageFilter

from .choices import (
    CMYK_ANGLES,
    CMYK_INKS,
    HALFTONE_MODES,
    HALFTONE_SHAPES,
    HalftoneMode,
    HalftoneShape,
)
from .raster import (
    EffectError,
    check_choice,
    check_image,
    check_int,
    check_range,
    parse_color,
)

MIN_CELL_PX = 2.5
ROWS_PER_BLOCK = 512


@dataclass(frozen=True)
class Halftone:
    """A print screen over the image.

    mode: "grey" (one ink), "cmyk" (four process inks at their classic angles) or "screentone"
    (manga tone: `levels` flat tones, solid shadows kept solid). lpi: screen ruling in lines per
    inch; dpi: the image's resolution (cell = dpi / lpi pixels). angle: screen angle of the grey and
    screentone modes. ink / paper: colours of the grey and screentone modes.
    """

    mode: HalftoneMode = "grey"
    lpi: float = 45.0
    dpi: float = 300.0
    angle: float = 45.0
    shape: HalftoneShape = "dot"
    levels: int = 4
    ink: str | tuple[int, int, int] = "black"
    paper: str | tuple[int, int, int] = "white"

    def __post_init__(self) -> None:
        check_choice("Halftone mode", self.mode, HALFTONE_MODES)
        check_choice("Halftone shape", self.shape, HALFTONE_SHAPES)
        check_range("Halftone dpi", self.dpi, 36.0, 2400.0)
        check_range("Halftone lpi", self.lpi, 2.0, 300.0)
        check_range("Halftone angle", self.angle, -360.0, 360.0)
        check_int("Halftone levels", self.levels, 2, 16)
        parse_color("Halftone ink", self.ink)
        parse_color("Halftone paper", self.paper)
        if self.cell_px < MIN_CELL_PX:
            raise EffectError(
                f"Halftone at {self.lpi:g} LPI and {self.dpi:g} DPI gives {self.cell_px:.1f}-pixel cells; "
                f"lower the LPI to at most {self.dpi / MIN_CELL_PX:g} or raise the DPI."
            )

    @property
    def cell_px(self) -> float:
        return self.dpi / self.lpi

    def render(self, image: Image.Image) -> Image.Image:
        check_image(image)
        screened = self._render(image)
        if image.mode == "RGBA":
            screened.putalpha(image.getchannel("A"))
        return screened

    def _render(self, image: Image.Image) -> Image.Image:
        if self.mode == "cmyk":
            rgb = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
            return Image.fromarray(_to_uint8(self._render_cmyk(rgb)))
        coverage = 1.0 - np.asarray(image.convert("L"), dtype=np.float32) / 255.0
        solid = None
        if self.mode == "screentone":
            solid = _soft_step(coverage, 0.82, 0.9)  # deep shadows and line art stay solid ink
            coverage = np.round(coverage * (self.levels - 1)) / (self.levels - 1)
            coverage = np.where(coverage >= 1.0, (self.levels - 2) / (self.levels - 1), coverage)
        ink = _screen(coverage, self.cell_px, self.angle, self.shape)
        if solid is not None:
            ink = np.maximum(ink, solid)
        paper = np.array(parse_color("paper", self.paper), dtype=np.float32) / 255.0
        ink_rgb = np.array(parse_color("ink", self.ink), dtype=np.float32) / 255.0
        out = paper * (1.0 - ink[..., None]) + ink_rgb * ink[..., None]
        return Image.fromarray(_to_uint8(out))

    def _render_cmyk(self, rgb: np.ndarray) -> np.ndarray:
        k = 1.0 - rgb.max(axis=2)
        scale = np.where(k < 1.0, 1.0 - k, 1.0)
        inks = {
            "c": (1.0 - rgb[..., 0] - k) / scale,
            "m": (1.0 - rgb[..., 1] - k) / scale,
            "y": (1.0 - rgb[..., 2] - k) / scale,
            "k": k,
        }
        out = np.ones_like(rgb)
        for name, amount in inks.items():
            cover = _screen(np.clip(amount, 0.0, 1.0), self.cell_px, CMYK_ANGLES[name], self.shape)
            transmit = np.array(CMYK_INKS[name], dtype=np.float32)
            out *= 1.0 - cover[..., None] * (1.0 - transmit)
        return out


def _screen(coverage: np.ndarray, cell: float, angle_deg: float, shape: str) -> np.ndarray:
    """Ink coverage 0..1 per pixel of a screen that reproduces `coverage` (H x W, 0..1).

    The screen's cells are squares of `cell` pixels in a grid turned by `angle_deg`. Each cell's tone
    is sampled once at its centre (from a blurred copy) and turned into a dot radius (or a line
    half-width); each pixel then compares its distance to its cell's centre with that radius.
    """
    height, width = coverage.shape
    tone_8bit = Image.fromarray(_to_uint8(coverage))
    blurred = np.asarray(tone_8bit.filter(ImageFilter.GaussianBlur(cell / 3.0)), dtype=np.float32) / 255.0
    theta = math.radians(angle_deg)
    cos_t, sin_t = math.cos(theta), math.sin(theta)
    # Cell index ranges covered by the image (its corners in screen coordinates).
    corners_u = [(x * cos_t + y * sin_t) / cell for x in (0, width) for y in (0, height)]
    corners_v = [(-x * sin_t + y * cos_t) / cell for x in (0, width) for y in (0, height)]
    u0, v0 = math.floor(min(corners_u)) - 1, math.floor(min(corners_v)) - 1
    iu = np.arange(u0, math.ceil(max(corners_u)) + 2, dtype=np.float32)[None, :] + 0.5
    iv = np.arange(v0, math.ceil(max(corners_v)) + 2, dtype=np.float32)[:, None] + 0.5
    sx = np.clip((iu * cos_t - iv * sin_t) * cell, 0, width - 1).astype(np.intp)
    sy = np.clip((iu * sin_t + iv * cos_t) * cell, 0, height - 1).astype(np.intp)
    cell_tone = np.clip(blurred[sy, sx], 0.0, 1.0)
    if shape == "line":
        cell_radius = cell_tone / 2.0
    else:
        table_cov, table_r = _dot_table()
        cell_radius = np.interp(cell_tone, table_cov, table_r).astype(np.float32)
    # Solid and empty cells skip the edge ramp: -1 marks empty, 2 marks solid.
    cell_radius = np.where(cell_tone <= 0.002, -1.0, np.where(cell_tone >= 0.998, 2.0, cell_radius)).astype(np.float32)
    out = np.empty((height, width), dtype=np.float32)
    xs = (np.arange(width, dtype=np.float32) + 0.5)[None, :]
    for top in range(0, height, ROWS_PER_BLOCK):  # row blocks bound the temporary arrays' memory
        ys = (np.arange(top, min(top + ROWS_PER_BLOCK, height), dtype=np.float32) + 0.5)[:, None]
        u = (xs * cos_t + ys * sin_t) / cell
        v = (ys * cos_t - xs * sin_t) / cell
        fu, fv = np.floor(u), np.floor(v)
        radius = cell_radius[fv.astype(np.intp) - v0, fu.astype(np.intp) - u0]
        u -= fu + 0.5  # now the offset from the cell's centre, -0.5 .. 0.5
        v -= fv + 0.5
        distance = np.abs(v) if shape == "line" else np.hypot(u, v)
        # Signed distance to the dot's edge in pixels; a one-pixel ramp anti-aliases it.
        out[top : top + len(ys)] = np.clip((radius - distance) * cell + 0.5, 0.0, 1.0)
    return out


@lru_cache(maxsize=1)
def _dot_table() -> tuple[np.ndarray, np.ndarray]:
    """Coverage of a unit cell by a centred circle of radius r, tabulated to invert area -> r."""
    radii = np.linspace(0.0, math.sqrt(0.5), 400)
    grid = (np.arange(200) + 0.5) / 200 - 0.5
    gu, gv = np.meshgrid(grid, grid)
    dist = np.hypot(gu, gv).ravel()
    dist.sort()
    cover = np.searchsorted(dist, radii, side="right") / dist.size
    return cover, radii


def _soft_step(values: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.clip((values - low) / (high - low), 0.0, 1.0)


def _to_uint8(values: np.ndarray) -> np.ndarray:
    return np.clip(values * 255.0 + 0.5, 0, 255).astype(np.uint8)
