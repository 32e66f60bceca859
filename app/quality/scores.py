"""One quality figure per image: BRISQUE, sharpness, and failure detectors folded into 0..1 (higher is better).

    normalised = min(gate, 0.5 + 0.5 * natural)
    natural    = BRISQUE_WEIGHT * (1 - brisque / BRISQUE_WORST) + (1 - BRISQUE_WEIGHT) * sharpness   (clipped 0..1)
    gate       = min(noise ok, grain ok, structure ok, edges ok)                                    (0..1)

`gate` (app/quality/artifacts.py) is 1 for clean photographs and clean flat cel-shaded art and 0 for
pixel noise, structureless (smooth or blocky) noise and blur, whatever the style; `natural` only ranks
images that pass. So with the default threshold 0.5 a clean image always passes (>= 0.5), and a noisy
or blurred one always fails (< 0.5). Figures measured on a set are in docs/book-build.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .artifacts import edge_strength, grain, noise_sigma, structure
from .brisque_score import brisque
from .sharpness import sharpness

BRISQUE_WORST = 100.0
BRISQUE_WEIGHT = 0.7
# Each detector maps linearly from 1 (clean) to 0 (failed) between these two values; 0.5 at the middle.
NOISE_RAMP = (3.0, 8.0)  # noise sigma, grey 0..255: clean art <= 1.5, sigma-15 noise ~8.5
GRAIN_RAMP = (8.0, 11.0)  # mean-based sigma: clean <= 4 (<= 8 at 64 px), speckle on black ~12
STRUCTURE_RAMP = (0.55, 0.40)  # clean >= 0.58; noise of any grain <= 0.42
EDGE_RAMP = (0.18, 0.12)  # sharp >= 0.2; a 3-pixel Gaussian blur <= 0.14


@dataclass(frozen=True)
class QualityScore:
    """brisque: lower is better (~0..100+). sharpness: 0..1. normalised: 0..1, higher is better;
    what config `gates.quality_threshold` is compared with. noise / structure / edges: the raw
    detector figures (see app/quality/artifacts.py); gate: their verdict, 0..1."""

    brisque: float
    sharpness: float
    normalised: float
    noise: float = 0.0
    structure: float = 1.0
    edges: float = 1.0
    gate: float = 1.0
    grain: float = 0.0

    def problem(self) -> str | None:
        """Why the gate failed, in words (None when it did not)."""
        if self.gate >= 0.5:
            return None
        if _ramp(self.noise, NOISE_RAMP) < 0.5 or _ramp(self.grain, GRAIN_RAMP) < 0.5:
            return f"pixel noise (sigma {self.noise:.1f}, grain {self.grain:.1f})"
        if _ramp(self.structure, STRUCTURE_RAMP) < 0.5:
            return f"no drawn structure, it looks like noise (coherence {self.structure:.2f})"
        return f"blurred (edge strength {self.edges:.2f})"


def _ramp(value: float, ramp: tuple[float, float]) -> float:
    good, bad = ramp
    return float(min(max((value - bad) / (good - bad), 0.0), 1.0))


def quality_score(image: Any) -> QualityScore:
    """Score a PIL image or an RGB uint8 array (computed on a copy at most 512 px on its longer side)."""
    b = brisque(image)
    s = sharpness(image)
    natural = BRISQUE_WEIGHT * min(max(1.0 - b / BRISQUE_WORST, 0.0), 1.0) + (1.0 - BRISQUE_WEIGHT) * s
    noise, speckle, coherent, edges = noise_sigma(image), grain(image), structure(image), edge_strength(image)
    gate = min(
        _ramp(noise, NOISE_RAMP), _ramp(speckle, GRAIN_RAMP), _ramp(coherent, STRUCTURE_RAMP), _ramp(edges, EDGE_RAMP)
    )
    return QualityScore(
        brisque=b,
        sharpness=s,
        normalised=min(gate, 0.5 + 0.5 * natural),
        noise=noise,
        structure=coherent,
        edges=edges,
        gate=gate,
        grain=speckle,
    )
