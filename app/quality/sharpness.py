"""Sharpness: variance of the Laplacian of a grey, size-normalised copy, mapped to 0..1."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .images import analysis_copy

# Log-scale mapping of the Laplacian variance (grey values 0..1): 1e-5 (flat or very blurred) -> 0,
# 1e-1 (hard edges everywhere, e.g. a pixel checkerboard) -> 1. Sharp photographs land near 0.75,
# the same photo after a 1-pixel Gaussian blur near 0.5, after 4 pixels near 0.15.
LOW_VARIANCE = 1e-5
HIGH_VARIANCE = 1e-1


def laplacian_variance(image: Any) -> float:
    """Variance of the 4-neighbour Laplacian of the grey image (values 0..1), longer side <= 512."""
    grey = np.asarray(analysis_copy(image).convert("L"), dtype=np.float64) / 255.0
    lap = grey[1:-1, :-2] + grey[1:-1, 2:] + grey[:-2, 1:-1] + grey[2:, 1:-1] - 4.0 * grey[1:-1, 1:-1]
    return float(lap.var())


def sharpness(image: Any) -> float:
    """0..1, higher is sharper; comparable across image sizes (see LOW_VARIANCE / HIGH_VARIANCE)."""
    variance = max(laplacian_variance(image), 1e-12)
    span = math.log10(HIGH_VARIANCE) - math.log10(LOW_VARIANCE)
    return float(min(max((math.log10(variance) - math.log10(LOW_VARIANCE)) / span, 0.0), 1.0))
