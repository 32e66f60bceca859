"""One quality figure per image: BRISQUE, sharpness, and both folded into 0..1 (higher is better)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .brisque_score import brisque
from .sharpness import sharpness

# normalised = BRISQUE_WEIGHT * (1 - brisque / BRISQUE_WORST) + (1 - BRISQUE_WEIGHT) * sharpness, clipped.
BRISQUE_WORST = 100.0
BRISQUE_WEIGHT = 0.7


@dataclass(frozen=True)
class QualityScore:
    """brisque: lower is better (~0..100+). sharpness: 0..1. normalised: 0..1, higher is better;
    what config `gates.quality_threshold` is compared with."""

    brisque: float
    sharpness: float
    normalised: float


def quality_score(image: Any) -> QualityScore:
    """Score a PIL image or an RGB uint8 array (computed on a copy at most 512 px on its longer side)."""
    b = brisque(image)
    s = sharpness(image)
    natural = min(max(1.0 - b / BRISQUE_WORST, 0.0), 1.0)
    return QualityScore(brisque=b, sharpness=s, normalised=BRISQUE_WEIGHT * natural + (1.0 - BRISQUE_WEIGHT) * s)
