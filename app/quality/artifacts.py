"""Failure detectors that hold on photographs and flat cel-shaded art alike (numpy only).

BRISQUE is trained on natural photographs: it rates clean flat-colour art badly and pixel noise
well, so alone it passes noise and fails cartoons. These three measures do not care about style:

- `noise_sigma`: the standard deviation of pixel noise (0..255) in the noisiest colour channel,
  Immerkaer's Laplacian-difference estimator with a median so edges do not count. Clean art and
  photographs: below 2.5; visible noise: 8+. Per channel, because a sampler's colour noise (red and
  magenta blotches) can have an even brightness.
- `grain`: the same with the mean, which also sees sparse speckle on a dark ground (what a sampler
  with random weights returns at 64 px); higher on detail, so its limit is higher.
- `structure`: orientation coherence of the gradients (structure tensor), weighted by gradient energy.
  Drawn lines and real edges run in a direction (0.6..0.95); noise, smooth or blocky, does not (0.2..0.45).
- `edge_strength`: the 99.5th percentile gradient over the image's contrast. A sharp outline or a
  focused edge crosses in a pixel (0.2+); a blurred image has no steep edge left (below 0.14).

The measured figures on a set of photographs and cel-shaded drawings are in docs/book-build.md.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .images import analysis_copy


def _grey(image: Any) -> np.ndarray:
    return np.asarray(analysis_copy(image).convert("L"), dtype=np.float64)


def _laplacian_differences(image: Any) -> list[np.ndarray]:
    """|Laplacian difference| of each colour channel: colour noise (red and magenta blotches of the same
    brightness) shows in the channels, not in grey."""
    rgb = np.asarray(analysis_copy(image), dtype=np.float64)
    if min(rgb.shape[:2]) < 3:
        return [np.zeros((1, 1))]
    out = []
    for c in range(3):
        g = rgb[..., c]
        out.append(
            np.abs(
                g[:-2, :-2]
                - 2 * g[:-2, 1:-1]
                + g[:-2, 2:]
                - 2 * g[1:-1, :-2]
                + 4 * g[1:-1, 1:-1]
                - 2 * g[1:-1, 2:]
                + g[2:, :-2]
                - 2 * g[2:, 1:-1]
                + g[2:, 2:]
            )
        )
    return out


def noise_sigma(image: Any) -> float:
    """Pixel-noise standard deviation, 0..255, of the noisiest colour channel (median of |Laplacian
    difference| * sqrt(pi/2) / 6): noise spread over the whole picture."""
    return float(max(math.sqrt(math.pi / 2) * np.median(r) / 6 for r in _laplacian_differences(image)))


def grain(image: Any) -> float:
    """The same estimator with the mean instead of the median (Immerkaer's original): it also counts
    sparse speckle on a dark or flat ground, which the median ignores, and edges, so it runs higher on
    detailed pictures (clean photographs 1..4 at 512 px, up to 8 at 64 px; speckled noise 12+)."""
    return float(max(math.sqrt(math.pi / 2) * r.mean() / 6 for r in _laplacian_differences(image)))


def _box(a: np.ndarray, radius: int, axis: int) -> np.ndarray:
    """Mean over a window of 2 * radius + 1 along `axis` (edges repeated)."""
    moved = np.moveaxis(a, axis, 0)
    padded = np.concatenate([np.repeat(moved[:1], radius + 1, axis=0), moved, np.repeat(moved[-1:], radius, axis=0)])
    c = np.cumsum(padded, axis=0)
    return np.moveaxis((c[2 * radius + 1 :] - c[: -2 * radius - 1]) / (2 * radius + 1), 0, axis)


def _smooth(a: np.ndarray, radius: int) -> np.ndarray:
    """Three box passes per axis: close to a Gaussian of sigma ~ radius."""
    for axis in (0, 1):
        for _ in range(3):
            a = _box(a, radius, axis)
    return a


def structure(image: Any) -> float:
    """Energy-weighted gradient orientation coherence, 0 (no direction: noise) .. 1 (lines and edges)."""
    g = _smooth(_grey(image) / 255.0, 1)
    gy, gx = np.gradient(g)
    jxx, jyy, jxy = (_smooth(a, 2) for a in (gx * gx, gy * gy, gx * gy))
    trace = jxx + jyy
    total = float(trace.sum())
    if total <= 1e-12:
        return 1.0  # a flat image has no noise either; `edge_strength` judges it
    coherence = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / np.maximum(trace, 1e-12)
    return float((coherence * trace).sum() / total)


def edge_strength(image: Any) -> float:
    """The steepest edges (99.5th percentile gradient) relative to the contrast (1st..99th percentile)."""
    g = _grey(image) / 255.0
    gy, gx = np.gradient(g)
    low, high = np.percentile(g, [1, 99])
    return float(np.percentile(np.hypot(gx, gy), 99.5) / max(high - low, 0.05))
